package flows

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Temporary request workflow: the admin consent request policy is journaled before
// the PUT, and put back (read, compare, PUT the original, verify, clear) after the
// approval, on cancel, and by the startup restore.

func wzReqOriginal() entra.AdminConsentRequestPolicy {
	return entra.AdminConsentRequestPolicy{Reviewers: []entra.ReviewerScope{}}
}

func wzReqSet() entra.AdminConsentRequestPolicy {
	return entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 30,
		Reviewers: []entra.ReviewerScope{{Query: "/users/me-id", QueryType: "MicrosoftGraph"}}}
}

func wzRequestJournal() JournalEntry {
	orig, set := wzReqOriginal(), wzReqSet()
	return JournalEntry{ID: wzTTenantID + "-n0nce-1", TenantID: wzTTenantID, TenantDomain: wzTDomain, Cloud: "global", Fix: FixRequestWorkflow, AppID: wzTAppID,
		What: JournalWhatRequestPolicy, Original: []string{}, Set: []string{}, OriginalRequestPolicy: &orig, SetRequestPolicy: &set, At: wzTNow, By: "ada@contoso.com"}
}

// wzTemporaryToWait walks a temporary request workflow to the wait for the user's request.
func wzTemporaryToWait(t *testing.T, w *wzRun) {
	t.Helper()
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.answerOnly() // write sign-in
	w.send(Chose{Key: "me"})
	w.send(Chose{Key: "continue"})
	w.expect(StepWorkflowOptions)
	found := false
	for _, o := range w.s.Prompt.Options {
		if o.Key == "temporary" {
			found = true
			if !strings.HasSuffix(o.Label, "no (requests stay on)") || !strings.Contains(o.Detail, "back as it was") {
				t.Fatalf("temporary option = %+v (default must be permanent)", o)
			}
		}
	}
	if !found || w.s.Run.Workflow.Temporary {
		t.Fatalf("options = %+v", w.s.Prompt.Options)
	}
	w.send(Chose{Key: "temporary"})
	if !w.s.Run.Workflow.Temporary {
		t.Fatal("temporary not toggled on")
	}
	w.send(Chose{Key: "continue"})
	w.expect(StepPreview)
	// The preview says the change is temporary, and until when.
	if b := w.s.Prompt.Body; !strings.Contains(b, "Temporary: once this request is approved") || !strings.Contains(b, "within "+durationText(firstDuration(w.s.RequestWindow, DefaultRequestWindow))+", it puts it back") {
		t.Fatalf("preview body %q", b)
	}
	w.send(Confirmed{})
	w.expect(StepJournaling, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzRequestJournal()})
	w.answerOnly()
	w.expect(StepWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqSet()})
	w.answerOnly()
	w.expect(StepVerifying, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	// Requests are on for a bounded time: the window's Ticks, then the polls.
	w.expect(StepRequestWait, Wait{D: 0, Seq: w.s.PollSeq - 2}, Wait{D: firstDuration(w.s.RequestWindow, DefaultRequestWindow), Seq: w.s.PollSeq - 1}, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	w.last = w.last[2:]
}

func TestWizardRequestWorkflowTemporary(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzTemporaryToWait(t, w)
	j := wzRequestJournal()
	if _, ok := ft.journal[j.ID]; !ok || !ft.reqPolicy.IsEnabled {
		t.Fatalf("journal %v, policy %+v", ft.journal, ft.reqPolicy)
	}
	if w.s.Prompt.CanBack {
		t.Fatal("a temporary workflow must not offer back while requests are on")
	}
	ft.addRequest()
	w.answerOnly()
	w.expect(StepRequestWait, PollRequests{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	// The request is shown, and the tenant is watched meanwhile.
	w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	w.send(Chose{Key: "approve"})
	w.expect(StepRequestApprove, OpenURL{URL: RequestApprovalURL(wzTestCloud(), wzTTenantID, ft.requests[0], "")}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	ft.adminApproves()
	w.send(DoneKey{})
	w.expect(StepRequestApprove, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	// The grant is verified: requests are turned off again.
	w.expect(StepRestoreReading, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqOriginal()})
	w.answerOnly()
	w.expect(StepRestoreVerifying, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: j.ID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || o.JournalKept || len(o.Changes) != 3 {
		t.Fatalf("outcome = %+v", o)
	}
	for _, c := range o.Changes {
		if !c.Verified {
			t.Fatalf("unverified change %+v", c)
		}
	}
	if !strings.Contains(o.Changes[2].What, "restored") || !strings.Contains(o.Summary, "back to what it was") {
		t.Fatalf("outcome = %+v", o)
	}
	if !sameRequestPolicy(ft.reqPolicy, wzReqOriginal()) || len(ft.journal) != 0 {
		t.Fatalf("policy %+v journal %v", ft.reqPolicy, ft.journal)
	}
	if got := wzWritesIn(w.all); !reflect.DeepEqual(got, []Effect{PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqSet()}, PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqOriginal()}}) {
		t.Fatalf("writes = %#v", got)
	}
}

func TestWizardRequestWorkflowTemporaryCancel(t *testing.T) {
	for _, at := range []string{"wait", "show"} {
		t.Run(at, func(t *testing.T) {
			ft := wzNewTenant(FixRequestWorkflow)
			w := wzNewWiz(t, wzTestInput(), ft)
			wzTemporaryToWait(t, w)
			if at == "show" {
				ft.addRequest()
				w.answerOnly()
				w.answerOnly()
				w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
			}
			w.send(Cancel{})
			w.expect(StepRestoreReading, ReadConsentRequestPolicy{Tenant: wzT})
			w.answerOnly()
			w.expect(StepRestoreWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqOriginal()})
			w.answerOnly()
			w.expect(StepRestoreVerifying, ReadConsentRequestPolicy{Tenant: wzT})
			w.answerOnly()
			w.expect(StepRestoreClearing, ClearJournal{ID: wzRequestJournal().ID})
			w.answerOnly()
			o := w.finished()
			if o.Kind != OutcomeCancelled || o.JournalKept {
				t.Fatalf("outcome = %+v", o)
			}
			if !sameRequestPolicy(ft.reqPolicy, wzReqOriginal()) || len(ft.journal) != 0 {
				t.Fatalf("policy %+v journal %v", ft.reqPolicy, ft.journal)
			}
			// The journaled PUT is put back once, by the restore, not again by the undo list.
			if got := wzWritesIn(w.all); len(got) != 2 {
				t.Fatalf("writes = %#v", got)
			}
		})
	}
}

func TestWizardRequestWorkflowTemporaryPutFails(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	ft.fail[OpPutConsentRequestPolicy] = wzErr403
	w := wzNewWiz(t, wzTestInput(), ft)
	walkToPreview(t, w, FixRequestWorkflow)
	w.s.Run.Workflow.Temporary = true
	w.send(Confirmed{})
	w.answerOnly() // re-read
	w.answerOnly() // journal
	w.expect(StepWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: wzReqSet()})
	w.answerOnly() // 403
	// Nothing changed: the restore finds the original and only clears the journal.
	w.expect(StepRestoreReading, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRequestJournal().ID})
	w.answerOnly()
	w.expect(StepFailed)
	if len(ft.journal) != 0 || ft.reqPolicy.IsEnabled || len(wzWritesIn(w.all)) != 1 {
		t.Fatalf("journal %v policy %+v writes %#v", ft.journal, ft.reqPolicy, wzWritesIn(w.all))
	}
}

func TestWizardRestoreRequestPolicyEntry(t *testing.T) {
	j := wzRequestJournal()
	orig, set := *j.OriginalRequestPolicy, *j.SetRequestPolicy
	other := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: false, RemindersEnabled: true, RequestDurationInDays: 7,
		Reviewers: []entra.ReviewerScope{{Query: "/groups/grp-9/transitiveMembers/microsoft.graph.user", QueryType: "MicrosoftGraph"}}}
	// What Graph returns: an id, a version and differently cased queries.
	setRead := set
	setRead.ID, setRead.Version = "restrictions", 3
	setRead.Reviewers = []entra.ReviewerScope{{Query: "/USERS/ME-ID", QueryType: "MicrosoftGraph"}}
	cases := []struct {
		name    string
		current entra.AdminConsentRequestPolicy
		choose  OptionKey
		want    []Effect // after sign-in
		final   entra.AdminConsentRequestPolicy
		kept    bool
	}{
		{"still ours", setRead, "", []Effect{ReadConsentRequestPolicy{Tenant: wzT}, PutConsentRequestPolicy{Tenant: wzT, Policy: orig}, ReadConsentRequestPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"already original", orig, "", []Effect{ReadConsentRequestPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"concurrent: put original", other, "original", []Effect{ReadConsentRequestPolicy{Tenant: wzT}, PutConsentRequestPolicy{Tenant: wzT, Policy: orig}, ReadConsentRequestPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, orig, false},
		{"concurrent: keep", other, "keep", []Effect{ReadConsentRequestPolicy{Tenant: wzT}, ClearJournal{ID: j.ID}}, other, false},
		{"concurrent: later", other, "later", []Effect{ReadConsentRequestPolicy{Tenant: wzT}}, other, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := wzNewTenant(FixAdminLink)
			ft.reqPolicy = tc.current
			ft.journal[j.ID] = j
			in := wzTestInput()
			in.Journal = []JournalEntry{j}
			in.RestoreOnly = true
			w := wzNewWiz(t, in, ft)
			w.expect(StepRestoreOffer)
			// The values are labelled by what they are; putting it back is not
			// the default while a request may wait (ux review M2, M9).
			if p := w.s.Prompt; len(p.Preview) != 2 || p.Preview[0].Label != "Original (will be put back)" || p.Preview[0].After != "requests off" ||
				p.Preview[1].Label != "Set by consentwiz" || !strings.Contains(p.Body, "consent request setting") || !strings.Contains(p.Body, "Calendar Sync") ||
				p.Options[0].Key != KeyLater || !strings.Contains(p.Options[0].Label, "approve the waiting request first") {
				t.Fatalf("offer = %+v", p)
			}
			w.send(Chose{Key: "restore"})
			w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeConsentRequestWrite), LoginHint: j.By})
			w.answerOnly()
			mark := len(w.all) - 1
			for i := 0; i < 10 && w.s.Step != StepDone; i++ {
				if w.s.Step == StepRestoreConflict {
					p := w.s.Prompt
					if len(p.Preview) != 3 || p.Preview[0].After != "requests off" || !strings.Contains(p.Preview[1].After, "1 reviewer") || !strings.Contains(p.Preview[2].After, "7 days") {
						t.Fatalf("conflict must show the three values: %+v", p.Preview)
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
			if !sameRequestPolicy(ft.reqPolicy, tc.final) || o.JournalKept != tc.kept || (len(ft.journal) == 1) != tc.kept {
				t.Fatalf("policy %+v journal %v outcome %+v", ft.reqPolicy, ft.journal, o)
			}
			wantKind := OutcomeRestored
			if tc.kept {
				wantKind = OutcomeRestoreNeeded
			}
			if o.Kind != wantKind {
				t.Fatalf("outcome = %+v", o)
			}
			if tc.name == "still ours" && (len(o.Changes) != 1 || !o.Changes[0].Verified || !strings.Contains(o.Summary, "consent request setting")) {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

// TestJournalEntryJSONCompat: entries written before request policies were
// journaled read as user-consent entries; new entries round-trip.
func TestJournalEntryJSONCompat(t *testing.T) {
	old := `{"id":"t-1","tenantId":"t","cloud":"global","fix":"relax-user-consent","what":"` + JournalWhat + `","original":["a"],"set":["b"],"at":"2026-03-04T10:00:00Z","by":"ada"}`
	var e JournalEntry
	if err := json.Unmarshal([]byte(old), &e); err != nil {
		t.Fatal(err)
	}
	if e.IsRequestPolicy() || e.OriginalRequestPolicy != nil || !reflect.DeepEqual(e.Original, []string{"a"}) {
		t.Fatalf("old entry = %+v", e)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), "RequestPolicy") {
		t.Fatalf("user-consent entry gained request fields: %s", b)
	}
	j := wzRequestJournal()
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var back JournalEntry
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.IsRequestPolicy() || !reflect.DeepEqual(back, j) {
		t.Fatalf("round trip = %+v\nwant %+v", back, j)
	}
}

// TestWizardLeftRequestEntryPutBackAfterApproval: a temporary request
// workflow's entry offered at start defaults to "Not now" (a request may be
// waiting); once this run approves the request, the setting is put back in
// the same run, not left for `consentwiz restore` (ux review M9).
func TestWizardLeftRequestEntryPutBackAfterApproval(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	j := wzRequestJournal()
	ft.reqPolicy = wzReqSet()
	ft.journal[j.ID] = j
	ft.addRequest()
	in := wzTestInput()
	in.Journal = []JournalEntry{j}
	w := wzNewWiz(t, in, ft)
	w.expect(StepRestoreOffer)
	if w.s.Prompt.Options[0].Key != KeyLater {
		t.Fatalf("the default is not to wait: %+v", w.s.Prompt.Options)
	}
	w.send(Chose{Key: KeyLater})
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	ft.adminApproves()
	w.send(DoneKey{})
	w.answerOnly()
	// Approved: sign in for the write (as the account that wrote the entry),
	// then the restore.
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeConsentRequestWrite), LoginHint: j.By})
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeVerified || o.JournalKept || !strings.Contains(o.Summary, "back to what it was") {
		t.Fatalf("outcome %+v %v", o, ok)
	}
	if !sameRequestPolicy(ft.reqPolicy, wzReqOriginal()) || len(ft.journal) != 0 {
		t.Fatalf("policy %+v journal %v", ft.reqPolicy, ft.journal)
	}
}
