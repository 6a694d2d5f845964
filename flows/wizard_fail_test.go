package flows

import (
	"consentwiz/graph/entra"
	"reflect"
	"strings"
	"testing"
)

// walkToPreview brings a writing fix to its preview.
func walkToPreview(t *testing.T, w *wzRun, fix FixID) {
	t.Helper()
	w.toChooseFix()
	w.send(Chose{Key: FixKey(fix)})
	w.answerOnly() // write sign-in
	switch fix {
	case FixRelaxUserConsent, FixClassifyLow:
		w.answerOnly() // read policy
	case FixGrantDirect:
		w.answerOnly() // read the app again
	case FixRequestWorkflow:
		w.send(Chose{Key: "me"})
		w.send(Chose{Key: "continue"})
		w.send(Chose{Key: "continue"})
	}
	w.expect(StepPreview)
}

// TestWizardWriteFailures: a 403 at each write stops the fix, undoes what was written
// before it, says which role and scope were missing and which fix may still work.
func TestWizardWriteFailures(t *testing.T) {
	cases := []struct {
		name      string
		fix       FixID
		failOp    WriteOp
		failAfter int // successful writes of failOp before it fails
		role      string
		wantWrite []WriteOp // every write sent, in order (including undo)
	}{
		{"relax patch", FixRelaxUserConsent, OpPatchUserConsent, 0, "Privileged Role Administrator", []WriteOp{OpPatchUserConsent}},
		{"workflow put", FixRequestWorkflow, OpPutConsentRequestPolicy, 0, "Global Administrator", []WriteOp{OpPutConsentRequestPolicy}},
		{"grant sp", FixGrantDirect, OpCreateServicePrincipal, 0, "Cloud Application Administrator", []WriteOp{OpCreateServicePrincipal}},
		{"grant grant", FixGrantDirect, OpCreateGrant, 0, "Cloud Application Administrator", []WriteOp{OpCreateServicePrincipal, OpCreateGrant, OpDeleteObject}},
		{"grant role", FixGrantDirect, OpCreateAppRoleAssignment, 0, "Privileged Role Administrator", []WriteOp{OpCreateServicePrincipal, OpCreateGrant, OpCreateAppRoleAssignment, OpDeleteObject, OpDeleteObject}},
		{"classify first", FixClassifyLow, OpCreateClassification, 0, "Cloud Application Administrator", []WriteOp{OpCreateClassification}},
		{"classify second", FixClassifyLow, OpCreateClassification, 1, "Cloud Application Administrator", []WriteOp{OpCreateClassification, OpCreateClassification, OpDeleteObject}},
		{"classify patch", FixClassifyLow, OpPatchUserConsent, 0, "Privileged Role Administrator", []WriteOp{OpCreateClassification, OpCreateClassification, OpPatchUserConsent, OpDeleteObject, OpDeleteObject}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := wzGrantTenant()
			ft.diag.Recommended = tc.fix
			w := wzNewWiz(t, wzTestInput(), ft)
			before := ft.clone()
			walkToPreview(t, w, tc.fix)
			w.confirm()
			// Answer writes; fail the chosen one.
			seen := 0
			for i := 0; i < 40 && w.s.Step != StepFailed && w.s.Step != StepDone; i++ {
				if len(w.last) != 1 {
					t.Fatalf("at %s: effects %#v", w.s.Step, w.last)
				}
				if we, ok := w.last[0].(WriteEffect); ok && we.Op() == tc.failOp && w.s.Step == StepWriting {
					if seen == tc.failAfter {
						w.send(WriteDone{Op: we.Op(), Err: wzErr403})
						continue
					}
					seen++
				}
				w.answerOnly()
			}
			w.expect(StepFailed)
			f := w.s.Failure
			if f.Role != tc.role || f.Scope == "" || f.AltFix != FixAdminLink || !strings.Contains(w.s.Prompt.Body, tc.role) {
				t.Fatalf("failure = %+v\nbody: %s", f, w.s.Prompt.Body)
			}
			var ops []WriteOp
			for _, e := range wzWritesIn(w.all) {
				ops = append(ops, e.(WriteEffect).Op())
			}
			if !reflect.DeepEqual(ops, tc.wantWrite) {
				t.Fatalf("writes = %v, want %v", ops, tc.wantWrite)
			}
			// The tenant is as before and no journal is left.
			if !reflect.DeepEqual(ft.policy, before.policy) || ft.sp != nil || len(ft.grants) != 0 || len(ft.roles) != 0 || len(ft.classes) != 0 || len(ft.journal) != 0 {
				t.Fatalf("tenant not restored: policy %v sp %v grants %v roles %v classes %v journal %v", ft.policy, ft.sp, ft.grants, ft.roles, ft.classes, ft.journal)
			}
			// Another fix can be chosen; quitting finishes with a failure.
			keys := optionKeys(w.s.Prompt)
			if !containsFold(keys, "fix") || !containsFold(keys, "quit") || containsFold(keys, "undo") {
				t.Fatalf("options = %v", keys)
			}
			w.send(Chose{Key: "quit"})
			if o := w.finished(); o.Kind != OutcomeFailed || o.ExitCode() != 1 {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

func optionKeys(p Prompt) []string {
	var out []string
	for _, o := range p.Options {
		out = append(out, string(o.Key))
	}
	return out
}

func TestWizardThrottledWriteRetry(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.send(WriteDone{Op: OpPatchUserConsent, Err: wzErr429})
	w.expect(StepFailed)
	// A 429 was not processed: nothing changed, so no undo or keep is offered
	// (reliability review L7), only trying again or stopping.
	if keys := optionKeys(w.s.Prompt); !reflect.DeepEqual(keys, []string{"retry", "quit"}) || !strings.Contains(w.s.Prompt.Options[1].Detail, "nothing was changed") {
		t.Fatalf("options = %+v", w.s.Prompt.Options)
	}
	stop := &wzRun{t: t, s: w.s, ft: ft.clone()}
	stop.send(Chose{Key: "quit"})
	stop.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	if o, ok := stop.drive(10); !ok || o.Kind != OutcomeFailed || len(stop.ft.journal) != 0 || stop.ft.writes != 0 {
		t.Fatalf("stop: %+v, journal %v, writes %d", o, stop.ft.journal, stop.ft.writes)
	}
	w.send(Chose{Key: "retry"})
	w.expect(StepWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTRelaxed}})
	w.answerOnly()
	w.expect(StepVerifying, ReadAuthorizationPolicy{Tenant: wzT})
}

func TestWizardThrottledThenCancelRestores(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly()
	w.send(WriteDone{Op: OpPatchUserConsent, Err: wzErr429})
	w.send(Cancel{})
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly() // reads the original: nothing to write back
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRelaxJournal().ID})
	w.answerOnly()
	if o := w.finished(); o.Kind != OutcomeCancelled || o.ExitCode() != 2 || len(ft.journal) != 0 {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestWizardSilentlyIgnoredWrite(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	ft.ignorePatch = true
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // patch: 204, nothing changes
	for i := 0; i < MaxVerifyTries-1; i++ {
		w.expect(StepVerifying, ReadAuthorizationPolicy{Tenant: wzT})
		w.answerOnly()
		w.expect(StepVerifying, Wait{D: VerifyRetryAfter, Seq: w.s.PollSeq})
		w.answerOnly()
	}
	w.expect(StepVerifying, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	// The undo reads the setting (still the original: nothing to write) and clears the entry.
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRelaxJournal().ID})
	w.answerOnly()
	w.expect(StepFailed)
	if w.s.Failure.Outcome != OutcomeNotApplied || !strings.Contains(w.s.Prompt.Title, "accepted the change but did not apply it") {
		t.Fatalf("failure = %+v", w.s.Failure)
	}
	if n := len(wzWritesIn(w.all)); n != 1 || len(ft.journal) != 0 {
		t.Fatalf("writes %d, journal %v", n, ft.journal)
	}
	w.send(Chose{Key: "quit"})
	if o := w.finished(); o.Kind != OutcomeNotApplied {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestWizardVerificationMismatch(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	orig := entra.AdminConsentRequestPolicy{IsEnabled: false, RequestDurationInDays: 30, Reviewers: []entra.ReviewerScope{}}
	ft.reqPolicy = orig
	w := wzNewWiz(t, wzTestInput(), ft)
	walkToPreview(t, w, FixRequestWorkflow)
	w.confirm()
	w.answerOnly() // PUT applied
	ft.reqPolicy.IsEnabled = false
	for i := 0; i < MaxVerifyTries; i++ {
		w.expect(StepVerifying, ReadConsentRequestPolicy{Tenant: wzT})
		w.answerOnly()
		if i < MaxVerifyTries-1 {
			w.answerOnly() // wait
		}
	}
	w.expect(StepFailed)
	if keys := optionKeys(w.s.Prompt); !reflect.DeepEqual(keys, []string{"verify", "undo", "keep"}) {
		t.Fatalf("options = %v", keys)
	}
	if !strings.Contains(w.s.Prompt.Body, "consent requests are still off") {
		t.Fatalf("body = %s", w.s.Prompt.Body)
	}
	// The policy reads neither the original nor what consentwiz set: someone
	// else changed it. The undo of a permanent workflow asks, like every
	// journaled restore (reliability review M4a), and writes nothing before.
	other := ft.reqPolicy
	keep := &wzRun{t: t, s: w.s, ft: ft.clone()}
	w.send(Chose{Key: "undo"})
	w.expect(StepRestoreReading, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreConflict)
	if p := w.s.Prompt; len(p.Preview) != 3 || !strings.Contains(p.Preview[2].After, "requests off") || len(wzWritesIn(w.all)) != 1 {
		t.Fatalf("conflict prompt %+v, writes %v", p, wzWritesIn(w.all))
	}
	keep.send(Chose{Key: "undo"})
	keep.answerOnly()
	keep.send(Chose{Key: "keep"})
	keep.expect(StepFailed)
	if !reflect.DeepEqual(keep.ft.reqPolicy, other) || len(wzWritesIn(keep.all)) != 0 || !strings.Contains(keep.s.Prompt.Body, "someone else") {
		t.Fatalf("keep overwrote %+v (body %s)", keep.ft.reqPolicy, keep.s.Prompt.Body)
	}
	w.send(Chose{Key: "original"})
	w.expect(StepRestoreWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: orig})
	w.answerOnly()
	w.expect(StepRestoreVerifying, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepFailed)
	if keys := optionKeys(w.s.Prompt); !reflect.DeepEqual(keys, []string{"fix", "quit"}) || !reflect.DeepEqual(ft.reqPolicy, orig) {
		t.Fatalf("options after undo = %v, policy %+v", keys, ft.reqPolicy)
	}
}

// wzObjRead is the read of the app's objects a restore of created objects makes.
var wzObjRead = FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: AppRef{ClientID: wzTAppID}}

// TestWizardCancel: cancel at each step of a writing fix; after a write, the undo runs first.
func TestWizardCancel(t *testing.T) {
	type tc struct {
		name    string
		fix     FixID
		steps   int // events answered after Confirmed before Cancel (-1: cancel at preview)
		undo    []Effect
		inFlite bool // cancel while a write is in flight
	}
	orig := []string{wzTOwned, wzTMailSelf}
	cases := []tc{
		{"relax preview", FixRelaxUserConsent, -1, nil, false},
		{"relax re-reading", FixRelaxUserConsent, -2, nil, true},
		{"relax journaling", FixRelaxUserConsent, 0, []Effect{ClearJournal{ID: wzRelaxJournal().ID}}, true},
		{"relax writing", FixRelaxUserConsent, 1, []Effect{ReadAuthorizationPolicy{Tenant: wzT}, PatchUserConsent{Tenant: wzT, Policies: orig}, ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: wzRelaxJournal().ID}}, true},
		{"relax verifying", FixRelaxUserConsent, 2, []Effect{ReadAuthorizationPolicy{Tenant: wzT}, PatchUserConsent{Tenant: wzT, Policies: orig}, ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: wzRelaxJournal().ID}}, false},
		{"relax connect", FixRelaxUserConsent, 3, []Effect{ReadAuthorizationPolicy{Tenant: wzT}, PatchUserConsent{Tenant: wzT, Policies: orig}, ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: wzRelaxJournal().ID}}, false},
		// Saved but not sent: nothing can exist, the entry goes.
		{"grant journaling sp", FixGrantDirect, 0, []Effect{ClearJournal{ID: wzRelaxJournal().ID}}, true},
		// Sent: the undo finds it (by id) and deletes it, and checks.
		{"grant writing sp", FixGrantDirect, 1, []Effect{wzObjRead, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectServicePrincipal, ID: "sp-1", Label: "Enterprise application for Calendar Sync"}},
			wzObjRead, ClearJournal{ID: wzRelaxJournal().ID}}, true},
		{"workflow preview", FixRequestWorkflow, -1, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ft := wzGrantTenant()
			w := wzNewWiz(t, wzTestInput(), ft)
			before := ft.clone()
			walkToPreview(t, w, c.fix)
			if c.steps == -2 {
				w.send(Confirmed{}) // the re-read before journaling is in flight
			}
			if c.steps >= 0 {
				w.confirm()
				for i := 0; i < c.steps; i++ {
					w.answer(len(w.last) - 1)
				}
			}
			inflight := w.last
			effs := w.send(Cancel{})
			if c.inFlite {
				if len(effs) != 0 || !w.s.CancelAsked {
					t.Fatalf("cancel with a write in flight: effects %#v", effs)
				}
				w.last = inflight
				w.answerOnly()
			}
			mark := len(w.all) - len(w.last)
			o, ok := w.drive(30)
			if !ok || o.Kind != OutcomeCancelled {
				t.Fatalf("no cancelled finish: %+v at %s", o, w.s.Step)
			}
			got := w.all[mark:]
			got = got[:len(got)-1] // Finish
			if len(c.undo) == 0 && len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, c.undo) {
				t.Fatalf("undo effects =\n  %#v\nwant\n  %#v", got, c.undo)
			}
			if !reflect.DeepEqual(ft.policy, before.policy) || ft.sp != nil || len(ft.journal) != 0 {
				t.Fatalf("tenant not restored: %v %v %v", ft.policy, ft.sp, ft.journal)
			}
		})
	}
}

func TestWizardRestoreAtStart(t *testing.T) {
	j := wzRelaxJournal()
	orig, set := j.Original, j.Set
	other := []string{wzTOwned, wzTLow}
	cases := []struct {
		name    string
		current []string
		choose  OptionKey
		want    []Effect // after sign-in
		final   []string
		kept    bool
	}{
		{"still ours", set, "", []Effect{ReadAuthorizationPolicy{Tenant: wzT}, PatchUserConsent{Tenant: wzT, Policies: orig}, ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"already original", orig, "", []Effect{ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"concurrent: put original", other, "original", []Effect{ReadAuthorizationPolicy{Tenant: wzT}, PatchUserConsent{Tenant: wzT, Policies: orig}, ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"concurrent: keep", other, "keep", []Effect{ReadAuthorizationPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, other, false},
		{"concurrent: later", other, "later", []Effect{ReadAuthorizationPolicy{Tenant: wzT}}, other, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := wzNewTenant(FixAdminLink)
			ft.policy = clone(tc.current)
			ft.journal[j.ID] = j
			in := wzTestInput()
			in.Journal = []JournalEntry{j}
			in.RestoreOnly = true
			w := wzNewWiz(t, in, ft)
			w.expect(StepRestoreOffer)
			if p := w.s.Prompt; p.Kind != PromptChoice || len(p.Preview) != 2 || p.Preview[0].Label != "Original (will be put back)" ||
				!strings.Contains(p.Preview[0].After, "microsoft-user-default-allow-consent-apps") || p.Preview[1].Label != "Set by consentwiz" ||
				!strings.Contains(p.Body, "Calendar Sync (") || p.Options[0].Key != KeyRestore {
				t.Fatalf("offer = %+v", p)
			}
			w.send(Chose{Key: "restore"})
			w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeUserConsentWrite), LoginHint: j.By})
			w.answerOnly()
			mark := len(w.all) - 1
			for i := 0; i < 10 && w.s.Step != StepDone; i++ {
				if w.s.Step == StepRestoreConflict {
					if len(w.s.Prompt.Preview) != 3 {
						t.Fatalf("conflict must show three values: %+v", w.s.Prompt.Preview)
					}
					w.send(Chose{Key: tc.choose})
					continue
				}
				w.answerOnly()
			}
			got := w.all[mark:]
			got = got[:len(got)-1]
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("effects =\n  %#v\nwant\n  %#v", got, tc.want)
			}
			o := w.finished()
			if !reflect.DeepEqual(ft.policy, tc.final) || o.JournalKept != tc.kept || (len(ft.journal) == 1) != tc.kept {
				t.Fatalf("policy %v journal %v outcome %+v", ft.policy, ft.journal, o)
			}
			wantKind := OutcomeRestored
			if tc.kept {
				wantKind = OutcomeRestoreNeeded
			}
			if o.Kind != wantKind {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

func TestWizardRestoreThenJourney(t *testing.T) {
	j := wzRelaxJournal()
	ft := wzNewTenant(FixAdminLink)
	ft.policy = clone(j.Set)
	in := wzTestInput()
	in.Journal = []JournalEntry{j}
	w := wzNewWiz(t, in, ft)
	w.send(Chose{Key: "later"})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w2 := wzNewWiz(t, in, ft)
	w2.send(Chose{Key: "restore"})
	for i := 0; i < 10 && w2.s.Step != StepTenantResolving; i++ {
		w2.answerOnly()
	}
	w2.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	if !reflect.DeepEqual(ft.policy, j.Original) {
		t.Fatalf("policy = %v", ft.policy)
	}
	// The restore had no screen of its own: the first question of the
	// journey says what it put back, until the admin answers it.
	if strings.Contains(w.s.Prompt.Note, "back to what it was") {
		t.Errorf("an entry left for later must not be reported as put back: %q", w.s.Prompt.Note)
	}
	for i := 0; i < 10 && w2.s.Prompt.Kind == PromptProgress; i++ {
		w2.answerOnly()
	}
	if w2.s.Step != StepChooseFix || !strings.Contains(w2.s.Prompt.Note, "The user consent setting is back to what it was") {
		t.Fatalf("at %s, note %q", w2.s.Step, w2.s.Prompt.Note)
	}
	w2.send(Chose{Key: KeyRecheck})
	if strings.Contains(w2.s.Prompt.Note, "back to what it was") {
		t.Fatalf("the note stays after an answer: %q", w2.s.Prompt.Note)
	}
}

func TestWizardConcurrentChangeDuringRelaxRestore(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly()
	w.answerOnly()
	w.answerOnly()
	ft.policy = []string{wzTLow} // another admin changed it meanwhile
	w.send(DoneKey{})
	w.answerOnly() // the last look for the user's consent
	w.answerOnly()
	w.expect(StepRestoreConflict)
	if n := len(wzWritesIn(w.all)); n != 1 {
		t.Fatalf("restore overwrote silently: %d writes", n)
	}
	w.send(Chose{Key: "later"})
	o := w.finished()
	if !o.JournalKept || len(ft.journal) != 1 {
		t.Fatalf("journal must stay: %+v", o)
	}
}

// TestWizardDryRun: every writing fix and the restore stop before the first write
// and show the exact requests; no write or journal effect is ever emitted.
func TestWizardDryRun(t *testing.T) {
	for _, fix := range []FixID{FixRelaxUserConsent, FixRequestWorkflow, FixGrantDirect, FixClassifyLow} {
		t.Run(string(fix), func(t *testing.T) {
			ft := wzGrantTenant()
			in := wzTestInput()
			in.DryRun = true
			w := wzNewWiz(t, in, ft)
			w.toChooseFix()
			w.send(Chose{Key: FixKey(fix)})
			switch fix {
			case FixRelaxUserConsent, FixClassifyLow:
				w.expect(StepReadingPolicy, ReadAuthorizationPolicy{Tenant: wzT}) // no write sign-in
				w.answerOnly()
			case FixRequestWorkflow:
				w.send(Chose{Key: "me"})
				w.send(Chose{Key: "continue"})
				w.send(Chose{Key: "continue"})
			case FixGrantDirect:
				w.expect(StepReadingApp, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true}) // no write sign-in
				w.answerOnly()
			}
			w.expect(StepPreview)
			w.confirm()
			o := w.finished()
			if o.Kind != OutcomeDryRun || len(o.Requests) == 0 {
				t.Fatalf("outcome = %+v", o)
			}
			for _, e := range w.all {
				switch e.(type) {
				case WriteJournal, ClearJournal:
					t.Fatalf("dry run emitted %T", e)
				}
				if IsWrite(e) {
					t.Fatalf("dry run emitted write %#v", e)
				}
			}
			if fix == FixRelaxUserConsent {
				want := RequestPreview{Method: "PATCH", Path: "/v1.0/policies/authorizationPolicy",
					Body: `{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":["` + wzTOwned + `","` + wzTRelaxed + `"]}}`}
				// The dry run shows the restore too (ux review, minor list).
				back := RequestPreview{Method: "PATCH", Path: "/v1.0/policies/authorizationPolicy",
					Body: `{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":["` + wzTOwned + `","` + wzTMailSelf + `"]}}`}
				if !reflect.DeepEqual(o.Requests, []RequestPreview{want, back}) {
					t.Fatalf("requests = %+v", o.Requests)
				}
			}
			if fix == FixGrantDirect && !strings.Contains(o.Requests[1].Body, newSPPlaceholder) {
				t.Fatalf("grant request = %+v", o.Requests[1])
			}
		})
	}
	t.Run("restore", func(t *testing.T) {
		j := wzRelaxJournal()
		ft := wzNewTenant(FixAdminLink)
		ft.policy = clone(j.Set)
		in := wzTestInput()
		in.DryRun, in.Journal = true, []JournalEntry{j}
		w := wzNewWiz(t, in, ft)
		w.send(Chose{Key: "restore"})
		o, ok := w.drive(10)
		if !ok || o.Kind != OutcomeDryRun || o.Requests[0].Method != "PATCH" || len(wzWritesIn(w.all)) != 0 {
			t.Fatalf("outcome = %+v", o)
		}
	})
}

// A --tenant that is neither a domain nor a tenant id is refused before any
// lookup: the wizard asks again (no "empty line keeps" the bad value), and
// check ends at once with the reason.
func TestWizardBadTenantFromCommandLine(t *testing.T) {
	in := wzTestInput()
	in.Tenant = "bad domain!"
	s, effs := Start(in)
	if s.Step != StepTenantInput || len(effs) != 0 || !strings.Contains(s.Prompt.Body+s.InputErr, "not a domain or tenant id") || s.TenantText != "" {
		t.Fatalf("at %s, effects %#v, input error %q, text %q", s.Step, effs, s.InputErr, s.TenantText)
	}
	in.CheckOnly = true
	s, effs = Start(in)
	f, ok := effs[len(effs)-1].(Finish)
	if s.Step != StepDone || !ok || f.Outcome.Kind != OutcomeFailed || !strings.Contains(f.Outcome.Err, "--tenant takes") {
		t.Fatalf("check: at %s, %#v", s.Step, effs)
	}
}
