package flows

import (
	"consentwiz/graph/entra"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The journal's guarantees, driven through the machine with the fake tenant:
// unique ids, crash-safe creates (restored by removing or finishing them),
// the bounded window of a temporary change, stops from outside, and honest
// results (reliability review H1, M1–M4, L4, L6, L7, L9).

func TestJournalIDsAreUniquePerRunAndEntry(t *testing.T) {
	idOf := func(runID string) string {
		in := wzTestInput()
		in.RunID = runID
		w := wzNewWiz(t, in, wzNewTenant(FixRelaxUserConsent))
		wzRelaxToPreview(t, w)
		w.confirm()
		return w.last[0].(WriteJournal).Entry.ID
	}
	// Two processes, same tenant, same second: different ids (H1).
	a, b := idOf("3f2a9c"), idOf("77e1d0")
	if a == b || !strings.HasPrefix(a, wzTTenantID+"-3f2a9c-") {
		t.Fatalf("ids %q and %q", a, b)
	}
	// One session, two entries: different ids. grant-direct fails after
	// its first entry; the admin picks another fix from the failure.
	ft := wzGrantTenant()
	ft.fail[OpCreateServicePrincipal] = wzErr403
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.answerOnly() // sign-in
	w.answerOnly() // read the app
	w.confirm()
	first := w.last[0].(WriteJournal).Entry.ID
	w.drive(20)
	w.expect(StepFailed)
	w.send(Chose{Key: KeyFix})
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.answerOnly() // sign-in
	w.answerOnly() // read the setting
	w.confirm()
	if second := w.last[0].(WriteJournal).Entry.ID; second == first || !strings.HasSuffix(second, "-2") {
		t.Fatalf("two entries of one session: %q and %q", first, second)
	}
}

func TestJournalEntryCheck(t *testing.T) {
	ok := []JournalEntry{
		wzRelaxJournal(),
		wzRequestJournal(),
		wzObjJournal(FixGrantDirect, wzJSP),
		func() JournalEntry { j := wzRelaxJournal(); j.What, j.Cloud = "", ""; return j }(), // version 1, before "what" and clouds
	}
	for _, j := range ok {
		if err := j.Check(); err != nil {
			t.Errorf("%+v: %v", j, err)
		}
	}
	bad := map[string]JournalEntry{
		"unknown kind":        func() JournalEntry { j := wzRelaxJournal(); j.What = "somethingNew"; return j }(),
		"unknown cloud":       func() JournalEntry { j := wzRelaxJournal(); j.Cloud = "mars"; return j }(),
		"no id":               func() JournalEntry { j := wzRelaxJournal(); j.ID = ""; return j }(),
		"request w/o values":  func() JournalEntry { j := wzRequestJournal(); j.SetRequestPolicy = nil; return j }(),
		"objects, none":       wzObjJournal(FixGrantDirect),
		"unknown object kind": wzObjJournal(FixGrantDirect, JournalObject{Kind: "application"}),
		"grant scope, no id":  wzObjJournal(FixGrantDirect, JournalObject{Kind: ObjectGrantScope, Scope: "User.Read"}),
	}
	for name, j := range bad {
		if err := j.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// wzRestoreOnly starts `consentwiz restore` with entries.
func wzRestoreOnly(t *testing.T, ft *wzFakeTenant, entries ...JournalEntry) *wzRun {
	t.Helper()
	in := wzTestInput()
	in.RestoreOnly, in.App, in.Tenant = true, AppRef{}, ""
	in.Journal = entries
	for _, j := range entries {
		ft.journal[j.ID] = j
	}
	w := wzNewWiz(t, in, ft)
	w.expect(StepRestoreOffer)
	return w
}

func TestRestoreRemovesWhatAKilledGrantCreated(t *testing.T) {
	// Killed after the service principal and the grant were created, before
	// either id was saved (M2): the entry lists them by what they are.
	ft := wzGrantTenant()
	ft.ensureSP()
	ft.grants = []entra.OAuth2PermissionGrant{{ID: "g-9", ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}}
	// The app role assignment was never sent, but is there: someone else
	// made it, and a removal leaves it alone.
	ft.roles = []entra.AppRoleAssignment{{ID: "ara-other", AppRoleID: "role-cal-rw", ResourceID: wzTGraphSP, PrincipalID: ft.sp.ID}}
	j := wzObjJournal(FixGrantDirect, wzJSP, wzJGrant, planned(wzJRole))
	w := wzRestoreOnly(t, ft, j)
	p := w.s.Prompt
	if p.Title != "Remove what consentwiz created?" || len(p.Preview) != 3 || !strings.Contains(p.Preview[0].After, "maybe created") {
		t.Fatalf("offer %+v", p)
	}
	if keys := optionKeys(p); !reflect.DeepEqual(keys, []string{"restore", "complete", "later"}) {
		t.Fatalf("options %v", keys)
	}
	w.send(Chose{Key: KeyRestore})
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), entra.ScopeApplicationReadWriteAll, entra.ScopeDelegatedPermissionGrantReadWriteAll, entra.ScopeAppRoleAssignmentReadWriteAll), LoginHint: j.By})
	w.answerOnly()
	w.expect(StepRestoreReading, wzObjRead)
	w.answerOnly()
	// Newest first: the grant, then the service principal (the assignment
	// was never sent).
	w.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectGrant, ID: "g-9", Label: wzJGrant.Label}})
	w.answerOnly()
	w.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectServicePrincipal, ID: ft.sp.ID, Label: wzJSP.Label}})
	w.answerOnly()
	w.expect(StepRestoreVerifying, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: j.ID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeRestored || o.JournalKept || ft.sp != nil || len(ft.grants) != 0 || len(ft.journal) != 0 || len(o.Changes) != 2 || !o.Changes[0].Verified ||
		!strings.Contains(o.Summary, "created is removed") {
		t.Fatalf("outcome %+v; sp %v grants %v journal %v", o, ft.sp, ft.grants, ft.journal)
	}
}

func TestRestoreCanFinishAGrantInstead(t *testing.T) {
	// Killed between the service principal and the grant: the admin chooses
	// to finish what they previewed.
	ft := wzGrantTenant()
	ft.ensureSP()
	j := wzObjJournal(FixGrantDirect, withID(wzJSP, ft.sp.ID), planned(wzJGrant))
	w := wzRestoreOnly(t, ft, j)
	if !strings.Contains(w.s.Prompt.Preview[1].After, "not created yet") {
		t.Errorf("offer %+v", w.s.Prompt.Preview)
	}
	w.send(Chose{Key: KeyComplete})
	w.answerOnly() // sign-in
	w.expect(StepRestoreReading, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreWriting, CreateGrant{Tenant: wzT, Grant: entra.OAuth2PermissionGrant{ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}})
	w.answerOnly()
	w.expect(StepRestoreVerifying, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: j.ID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeRestored || !strings.Contains(o.Summary, "finished") || len(ft.grants) != 1 || ft.sp == nil || len(ft.journal) != 0 {
		t.Fatalf("outcome %+v; grants %v", o, ft.grants)
	}
	// Only a grant can be finished: a classify-low entry offers removal only.
	cls := wzObjJournal(FixClassifyLow, wzJCls1)
	w2 := wzRestoreOnly(t, wzNewTenant(FixClassifyLow), cls)
	if keys := optionKeys(w2.s.Prompt); !reflect.DeepEqual(keys, []string{"restore", "later"}) {
		t.Fatalf("options %v", keys)
	}
	if s, effs := Next(w2.s, Chose{Key: KeyComplete}); s.Step != StepRestoreOffer || len(effs) != 0 {
		t.Fatal("complete accepted for classify-low")
	}
}

func TestRestoreAsksBeforeOverwritingAChangedGrant(t *testing.T) {
	scopeObj := JournalObject{Kind: ObjectGrantScope, ID: "g-old", Label: "Admin consent for everyone (Microsoft Graph)", Scope: "User.Read Calendars.ReadWrite", ScopeBefore: "User.Read"}
	for _, choice := range []OptionKey{KeyKeep, KeyOriginal} {
		t.Run(string(choice), func(t *testing.T) {
			ft := wzGrantTenant()
			ft.ensureSP()
			ft.grants = []entra.OAuth2PermissionGrant{{ID: "g-old", ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Mail.Read"}}
			w := wzRestoreOnly(t, ft, wzObjJournal(FixGrantDirect, scopeObj))
			w.send(Chose{Key: KeyRestore})
			w.answerOnly()
			w.answerOnly()
			w.expect(StepRestoreConflict)
			if p := w.s.Prompt; len(p.Preview) != 3 || p.Preview[2].After != "User.Read Mail.Read" {
				t.Fatalf("conflict %+v", p)
			}
			w.send(Chose{Key: choice})
			o, ok := w.drive(20)
			want := "User.Read Mail.Read"
			if choice == KeyOriginal {
				want = "User.Read"
			}
			if !ok || o.Kind != OutcomeRestored || ft.grants[0].Scope != want || len(ft.journal) != 0 {
				t.Fatalf("outcome %+v, scope %q", o, ft.grants[0].Scope)
			}
		})
	}
}

func TestRestoreClassifyLowEntryPutsBackSettingAndClassifications(t *testing.T) {
	// Killed after classify-low's PATCH (M1): one entry, the setting and the
	// classifications (the second one's id never saved).
	ft := wzNewTenant(FixClassifyLow)
	ft.policy = []string{wzTOwned, wzTLow}
	ft.classes = []entra.DelegatedPermissionClassification{{ID: "cls-1", PermissionID: "scope-user-read", Classification: "low"}, {ID: "cls-2", PermissionID: "scope-cal-rw", Classification: "low"}}
	j := wzObjJournal(FixClassifyLow, withID(wzJCls1, "cls-1"), wzJCls2)
	j.What, j.Original, j.Set = JournalWhat, []string{wzTOwned, wzTMailSelf}, []string{wzTOwned, wzTLow}
	w := wzRestoreOnly(t, ft, j)
	// The setting (its original, what consentwiz set) and the two classifications.
	if p := w.s.Prompt; len(p.Preview) != 4 || !strings.Contains(p.Options[0].Detail, "Classification of User.Read") {
		t.Fatalf("offer %+v", p)
	}
	w.send(Chose{Key: KeyRestore})
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeUserConsentWrite, entra.ScopePolicyReadWritePermissionGrant), LoginHint: j.By})
	w.answerOnly()
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTMailSelf}})
	w.answerOnly()
	w.answerOnly() // verified
	w.expect(StepRestoreReading, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectClassification, ID: "cls-2", ParentID: wzTGraphSP, Label: wzJCls2.Label}})
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeRestored || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) || len(ft.classes) != 0 || len(ft.journal) != 0 {
		t.Fatalf("outcome %+v; policy %v classes %v journal %v", o, ft.policy, ft.classes, ft.journal)
	}
}

func TestLostCreateAnswerIsFoundAndUndone(t *testing.T) {
	// classify-low: the second classification is made but its answer is
	// lost (M4b). The undo finds it by what it is and deletes it; only then
	// does the failure say that everything was put back.
	ft := wzNewTenant(FixClassifyLow)
	ft.lost[OpCreateClassification] = nil
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixClassifyLow)})
	w.answerOnly()
	w.answerOnly()
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // first classification: made
	w.answerOnly() // journal
	ft.lost[OpCreateClassification] = errors.New("graph POST /servicePrincipals/graph-sp-id/delegatedPermissionClassifications: connection reset (not retried: the request may have been processed)")
	w.answerOnly() // second classification: made, answer lost
	// The setting was not journaled yet (nor sent): only the objects are undone.
	w.expect(StepRestoreReading, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectClassification, ID: "cls-2", ParentID: wzTGraphSP, Label: wzJCls2.Label}})
	w.drive(20)
	w.expect(StepFailed)
	if len(ft.classes) != 0 || len(ft.journal) != 0 || !strings.Contains(w.s.Prompt.Body, "put back") {
		t.Fatalf("classes %v journal %v body %s", ft.classes, ft.journal, w.s.Prompt.Body)
	}
}

func TestJournalSaveFailureSaysNothingChanged(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	// The failure comes first: nothing was changed (L7: it said "Done:
	// Saving the current setting" and "The setting is back" before it).
	w.send(JournalWritten{Err: errors.New("read-only file system")})
	w.expect(StepFailed)
	if !strings.Contains(w.s.Prompt.Title, "nothing was changed") || ft.writes != 0 {
		t.Fatalf("failure %q, writes %d", w.s.Prompt.Title, ft.writes)
	}
	if keys := optionKeys(w.s.Prompt); !reflect.DeepEqual(keys, []string{"retry", "quit"}) {
		t.Fatalf("options %v", keys)
	}
	// Trying again saves and goes on.
	retry := &wzRun{t: t, s: w.s, ft: ft.clone()}
	retry.send(Chose{Key: KeyRetry})
	retry.expect(StepJournaling, WriteJournal{Entry: wzRelaxJournal()})
	retry.answerOnly()
	retry.expect(StepWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTRelaxed}})
	// Stopping removes what the save may have left, and says why.
	w.send(Chose{Key: KeyQuit})
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRelaxJournal().ID})
	if b := w.s.Prompt.Body; strings.Contains(b, "setting is back") || !strings.Contains(b, "Nothing was changed") {
		t.Fatalf("clearing says %q", b)
	}
	w.answerOnly()
	if o := w.finished(); o.Kind != OutcomeFailed || o.JournalKept || ft.writes != 0 {
		t.Fatalf("outcome %+v", o)
	}
}

// wzRelaxConnect walks relax-user-consent to "the user connects now".
func wzRelaxConnect(t *testing.T, in WizardInput, ft *wzFakeTenant) *wzRun {
	t.Helper()
	w := wzNewWiz(t, in, ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly()
	w.answerOnly()
	w.answerOnly()
	w.expect(StepRelaxConnect, Wait{D: 0, Seq: w.s.PollSeq - 2}, Wait{D: firstDuration(in.RelaxWindow, DefaultRelaxWindow), Seq: w.s.PollSeq - 1}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	return w
}

func TestRelaxWindowRunsOut(t *testing.T) {
	in := wzTestInput()
	in.RelaxWindow = 3 * time.Second
	t.Run("deadline tick", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, in, ft)
		if !strings.Contains(w.s.Prompt.Body, "within 3 seconds") {
			t.Errorf("body %q", w.s.Prompt.Body)
		}
		end := w.last[1].(Wait)
		w.send(Tick{Seq: end.Seq, Now: wzTNow.Add(3 * time.Second)})
		w.expect(StepRelaxConnect, PollGrant{Tenant: wzT, AppID: wzTAppID}) // one last look
		o, ok := w.drive(20)
		if !ok || o.Kind != OutcomeNotFixed || !strings.Contains(o.Summary, "window of 3 seconds ran out") || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) || len(ft.journal) != 0 {
			t.Fatalf("outcome %+v, policy %v", o, ft.policy)
		}
	})
	t.Run("clock of a poll", func(t *testing.T) {
		// The deadline Tick is lost; a poll's time shows the window is over.
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, in, ft)
		clock, poll := w.last[0].(Wait), w.last[2].(Wait)
		w.send(Tick{Seq: clock.Seq, Now: wzTNow})
		w.send(Tick{Seq: poll.Seq, Now: wzTNow.Add(5 * time.Second)})
		if w.s.Step != StepRelaxConnect || !w.s.Run.relax.finalCheck {
			t.Fatalf("step %s, final check %v", w.s.Step, w.s.Run.relax.finalCheck)
		}
		w.last = w.last[len(w.last)-1:]
		if o, ok := w.drive(20); !ok || o.Kind != OutcomeNotFixed || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) {
			t.Fatalf("outcome %+v, policy %v", o, ft.policy)
		}
	})
	t.Run("user connected in time", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, in, ft)
		ft.userConsented()
		end := w.last[1].(Wait)
		w.send(Tick{Seq: end.Seq})
		if o, ok := w.driveRelaxed(20); !ok || o.Kind != OutcomeVerified || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) {
			t.Fatalf("outcome %+v", o)
		}
	})
}

func TestTemporaryRequestWindowRunsOut(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	in := wzTestInput()
	in.RequestWindow = time.Hour
	w := wzNewWiz(t, in, ft)
	wzTemporaryToWait(t, w)
	if !strings.Contains(w.s.Prompt.Body, "within 1 hour") {
		t.Errorf("body %q", w.s.Prompt.Body)
	}
	w.send(Tick{Seq: w.s.Run.window.endSeq, Now: wzTNow.Add(time.Hour)})
	w.expect(StepRestoreReading, ReadConsentRequestPolicy{Tenant: wzT})
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeCancelled || !strings.Contains(o.Summary, "for temporary consent requests ran out") ||
		!sameRequestPolicy(ft.reqPolicy, wzReqOriginal()) || len(ft.journal) != 0 {
		t.Fatalf("outcome %+v, policy %+v", o, ft.reqPolicy)
	}
}

func TestInterruptedPutsTheChangeBackWithoutAsking(t *testing.T) {
	t.Run("relaxed", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, wzTestInput(), ft)
		w.send(Interrupted{Why: "SIGTERM"})
		w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
		o, ok := w.drive(20)
		if !ok || o.Kind != OutcomeCancelled || !strings.HasPrefix(o.Summary, "Stopped: SIGTERM.") || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) || len(ft.journal) != 0 {
			t.Fatalf("outcome %+v, policy %v", o, ft.policy)
		}
	})
	t.Run("someone else changed it", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, wzTestInput(), ft)
		ft.policy = []string{wzTLow}
		w.send(Interrupted{Why: "the input ended"})
		o, ok := w.drive(20)
		if !ok || !o.JournalKept || len(ft.journal) != 1 || !reflect.DeepEqual(ft.policy, []string{wzTLow}) {
			t.Fatalf("outcome %+v, policy %v, journal %v", o, ft.policy, ft.journal)
		}
	})
	t.Run("a failure ends the wizard", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxConnect(t, wzTestInput(), ft)
		ft.fail[OpPatchUserConsent] = wzErr403
		w.send(Interrupted{Why: "SIGHUP"})
		o, ok := w.drive(20)
		if !ok || o.Kind != OutcomeFailed || !o.JournalKept || len(ft.journal) != 1 {
			t.Fatalf("outcome %+v, journal %v", o, ft.journal)
		}
	})
}

func TestRestoreWithNothingPending(t *testing.T) {
	in := wzTestInput()
	in.RestoreOnly = true
	_, effs := Start(in)
	o := effs[0].(Finish).Outcome
	if o.Kind != OutcomeNothingToRestore || o.ExitCode() != 0 || !strings.Contains(o.Summary, "Nothing to restore") {
		t.Fatalf("outcome %+v", o)
	}
}

// A write the service accepts but does not apply is "not applied" in every
// fix, not "could not be verified" (reliability review L6); classify-low's
// classifications, made for it, are removed again.
func TestIgnoredWriteIsNotAppliedInEveryFix(t *testing.T) {
	t.Run("classify-low", func(t *testing.T) {
		ft := wzNewTenant(FixClassifyLow)
		ft.ignorePatch = true
		w := wzNewWiz(t, wzTestInput(), ft)
		w.toChooseFix()
		w.send(Chose{Key: FixKey(FixClassifyLow)})
		w.answerOnly()
		w.answerOnly()
		w.confirm()
		w.drive(60)
		w.expect(StepFailed)
		if w.s.Failure.Outcome != OutcomeNotApplied || !strings.Contains(w.s.Prompt.Title, "did not apply") {
			t.Fatalf("failure %+v", w.s.Failure)
		}
		if len(ft.classes) != 0 || len(ft.journal) != 0 || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) {
			t.Fatalf("classes %v journal %v policy %v", ft.classes, ft.journal, ft.policy)
		}
	})
	t.Run("request-workflow", func(t *testing.T) {
		ft := wzNewTenant(FixRequestWorkflow)
		ft.ignorePut = true
		w := wzNewWiz(t, wzTestInput(), ft)
		walkToPreview(t, w, FixRequestWorkflow)
		w.confirm()
		w.drive(60)
		w.expect(StepFailed)
		if w.s.Failure.Outcome != OutcomeNotApplied || !strings.Contains(w.s.Prompt.Body, "still reads as before") {
			t.Fatalf("failure %+v", w.s.Failure)
		}
	})
}

// The put-back after relax fails for a while (503 beyond the client's
// retries); "Try again" reads, writes and verifies: the outcome is the fix's,
// not "cancelled" (reliability review L7).
func TestRelaxPutBackRetried(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxConnect(t, wzTestInput(), ft)
	ft.userConsented()
	w.send(DoneKey{})
	w.answerOnly() // the last look: the user consented
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTMailSelf}})
	w.send(WriteDone{Op: OpPatchUserConsent, Err: &entra.APIError{Status: 503, Code: "serviceNotAvailable"}})
	w.expect(StepFailed)
	w.send(Chose{Key: KeyRetry})
	o, ok := w.driveRelaxed(20)
	if !ok || o.Kind != OutcomeVerified || o.JournalKept || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) {
		t.Fatalf("outcome %+v, policy %v", o, ft.policy)
	}
}

// The driver's Clock moves the countdown between polls, and nothing else:
// no effect, no step, not backwards, and the window still ends with its own
// Tick.
func TestClockMovesTheCountdownOnly(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxConnect(t, wzTestInput(), ft)
	clock := w.last[0].(Wait)
	w.send(Tick{Seq: clock.Seq, Now: wzTNow})
	if !strings.Contains(w.s.Prompt.Body, "by 10:15 (15:00 left)") {
		t.Fatalf("no countdown in %q", w.s.Prompt.Body)
	}
	before := w.s
	if effs := w.send(Clock{Now: wzTNow.Add(61 * time.Second)}); len(effs) != 0 {
		t.Fatalf("a Clock asked for %v", effs)
	}
	if !strings.Contains(w.s.Prompt.Body, "by 10:15 (13:59 left)") || w.s.Step != before.Step || w.s.PollSeq != before.PollSeq {
		t.Fatalf("after a Clock: step %s, body %q", w.s.Step, w.s.Prompt.Body)
	}
	w.send(Clock{Now: wzTNow.Add(time.Second)}) // an older time changes nothing
	if !strings.Contains(w.s.Prompt.Body, "(13:59 left)") {
		t.Fatalf("the clock went back: %q", w.s.Prompt.Body)
	}
	// Past the end, the Clock alone ends nothing: the end's Tick does.
	w.send(Clock{Now: wzTNow.Add(20 * time.Minute)})
	if w.s.Step != StepRelaxConnect || w.s.Run.relax.finalCheck || !strings.Contains(w.s.Prompt.Body, "(0:00 left)") {
		t.Fatalf("step %s, final check %v, body %q", w.s.Step, w.s.Run.relax.finalCheck, w.s.Prompt.Body)
	}
	if before.Prompt.Body == w.s.Prompt.Body || !strings.Contains(before.Prompt.Body, "15:00 left") {
		t.Fatal("Next changed the state it was given")
	}
}
