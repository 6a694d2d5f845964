package flows

import (
	"consentwiz/graph/entra"
	"reflect"
	"strings"
	"testing"
)

// Transcripts of the pipeline rule: a create that Microsoft Graph refused
// made nothing, so it is never counted as consentwiz's (docs/safety.md,
// "Only what consentwiz made"); and of the reads that keep the plan and the
// choices on the tenant as it is now.

// wzGrantToPreview walks grant-direct to its preview (the app read again).
func wzGrantToPreview(t *testing.T, w *wzRun) {
	t.Helper()
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.answerOnly() // write sign-in
	w.expect(StepReadingApp, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	w.answerOnly()
	w.expect(StepPreview)
}

// deletes are the deletes the run sent.
func deletes(w *wzRun) []DeleteObject {
	var out []DeleteObject
	for _, e := range w.all {
		if d, ok := e.(DeleteObject); ok {
			out = append(out, d)
		}
	}
	return out
}

// While the preview is on screen a user's consent adds the app to the
// tenant: Graph refuses consentwiz's create (409). The refusal is journaled
// (the object is not consentwiz's), the app is read again, and the grant the
// admin confirmed is made on the existing enterprise application, which
// stays as it was; nothing is deleted.
func TestGrantDirectGoesOnWithTheAppSomeoneElseAdded(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzGrantToPreview(t, w)
	ft.userConsented()
	theirs := ft.sp.ID
	w.confirm()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, wzJSP, planned(wzJGrant))})
	w.answerOnly()
	w.expect(StepWriting, CreateServicePrincipal{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly() // 409: it exists
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, planned(wzJSP), planned(wzJGrant))})
	w.answerOnly()
	w.expect(StepWriting, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, wzJGrant)})
	w.answerOnly()
	w.expect(StepWriting, CreateGrant{Tenant: wzT, Grant: entra.OAuth2PermissionGrant{ClientID: theirs, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}})
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeVerified || !strings.Contains(o.Summary, "Someone else had meanwhile made Enterprise application for Calendar Sync") {
		t.Fatalf("outcome %+v (step %s, failure %+v)", o, w.s.Step, w.s.Failure)
	}
	if ft.sp == nil || ft.sp.ID != theirs || len(deletes(w)) != 0 || len(ft.journal) != 0 {
		t.Fatalf("sp %+v, deletes %v, journal %v", ft.sp, deletes(w), ft.journal)
	}
	if len(o.Changes) != 1 || o.Changes[0].What != "Admin consent for everyone (Microsoft Graph)" {
		t.Fatalf("changes %+v", o.Changes)
	}
}

// Someone else's enterprise app exists and Graph refuses the create with
// another error (here 403): the undo does not look for it by what it is, and
// deletes nothing. Before the rule, a sent create without an id was found
// "by what it is" — someone else's object — and deleted.
func TestRefusedCreateIsNeverUndone(t *testing.T) {
	for _, refusal := range []error{wzErr403, wzErr500} {
		ft := wzNewTenant(FixGrantDirect)
		w := wzNewWiz(t, wzTestInput(), ft)
		wzGrantToPreview(t, w)
		ft.userConsented()
		ft.fail[OpCreateServicePrincipal] = refusal
		w.confirm()
		w.drive(20)
		w.expect(StepFailed)
		if ft.sp == nil || len(deletes(w)) != 0 || len(ft.journal) != 0 {
			t.Fatalf("%v: sp %+v, deletes %v, journal %v", refusal, ft.sp, deletes(w), ft.journal)
		}
		if strings.Contains(w.s.Prompt.Body, "Undone") {
			t.Fatalf("%v: says %s", refusal, w.s.Prompt.Body)
		}
	}
}

// What consentwiz made before a refusal is undone, and only that: the
// service principal it created is deleted by its id; the refused grant is
// not looked for.
func TestRefusalAfterACreateUndoesOnlyWhatWasMade(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	ft.fail[OpCreateGrant] = wzErr403
	w := wzNewWiz(t, wzTestInput(), ft)
	wzGrantToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // service principal: sp-1
	w.answerOnly() // journal: its id, the grant marked sent
	w.expect(StepWriting, CreateGrant{Tenant: wzT, Grant: entra.OAuth2PermissionGrant{ClientID: "sp-1", ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}})
	w.answerOnly() // 403
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, withID(wzJSP, "sp-1"), planned(wzJGrant))})
	w.answerOnly()
	w.expect(StepRestoreReading, wzObjRead)
	w.answerOnly()
	w.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectServicePrincipal, ID: "sp-1", Label: wzJSP.Label}})
	w.drive(20)
	w.expect(StepFailed)
	if ft.sp != nil || len(deletes(w)) != 1 || len(ft.journal) != 0 {
		t.Fatalf("sp %+v, deletes %v, journal %v", ft.sp, deletes(w), ft.journal)
	}
}

// Killed right after a refusal: the journal already says the refused create
// made nothing, so the restore at the next start leaves the object (someone
// else's) alone.
func TestRestoreAfterARefusalLeavesTheObjectAlone(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzGrantToPreview(t, w)
	ft.userConsented()
	ft.fail[OpCreateServicePrincipal] = wzErr403
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // 403
	w.answerOnly() // the journal says so; consentwiz is killed here
	var left []JournalEntry
	for _, j := range ft.journal {
		left = append(left, j)
	}
	if len(left) != 1 || !left[0].Objects[0].Planned {
		t.Fatalf("journal %+v", left)
	}
	in := wzTestInput()
	in.Journal, in.RestoreOnly = left, true
	r := wzNewWiz(t, in, ft)
	r.expect(StepRestoreOffer)
	r.send(Chose{Key: KeyRestore})
	o, ok := r.drive(20)
	if !ok || o.Kind == OutcomeFailed || ft.sp == nil || len(deletes(r)) != 0 || len(ft.journal) != 0 {
		t.Fatalf("outcome %+v, sp %+v, deletes %v, journal %v", o, ft.sp, deletes(r), ft.journal)
	}
}

// A 429 on a create is a refusal too: "Try again" marks it sent again in
// the journal before it is sent again.
func TestThrottledCreateIsJournaledAgainBeforeItIsRetried(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	ft.fail[OpCreateServicePrincipal] = wzErr429
	w := wzNewWiz(t, wzTestInput(), ft)
	wzGrantToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // 429
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, planned(wzJSP), planned(wzJGrant))})
	w.answerOnly()
	w.expect(StepFailed)
	w.send(Chose{Key: KeyRetry})
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, wzJSP, planned(wzJGrant))})
	w.answerOnly()
	w.expect(StepWriting, CreateServicePrincipal{Tenant: wzT, AppID: wzTAppID})
	if o, ok := w.drive(20); !ok || o.Kind != OutcomeVerified {
		t.Fatalf("outcome %+v", o)
	}
}

// The app changed in another way too (someone granted part of what the
// admin confirmed): going on would change their grant, which the preview
// did not show. The fix stops, says so, and leaves their objects alone.
func TestGrantDirectStopsWhenTheAppChangedOtherwise(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzGrantToPreview(t, w)
	ft.ensureSP()
	ft.grants = []entra.OAuth2PermissionGrant{{ID: "their-grant", ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read"}}
	before := ft.clone()
	w.confirm()
	w.drive(30)
	w.expect(StepFailed)
	if !strings.HasPrefix(w.s.Prompt.Title, "Someone else made it meanwhile: Enterprise application for Calendar Sync") ||
		!strings.Contains(w.s.Prompt.Body, "changed in other ways too") {
		t.Fatalf("failure %q: %s", w.s.Prompt.Title, w.s.Prompt.Body)
	}
	if !reflect.DeepEqual(ft.sp, before.sp) || !reflect.DeepEqual(ft.grants, before.grants) || len(deletes(w)) != 0 || len(ft.journal) != 0 {
		t.Fatalf("sp %+v grants %+v deletes %v journal %v", ft.sp, ft.grants, deletes(w), ft.journal)
	}
	// The checklist shows the tenant as read after the refusal.
	w.send(Chose{Key: KeyFix})
	w.expect(StepChooseFix)
}

// The preview is built from the app as it is when the fix is chosen, not
// from the checklist's read: an app a user's consent added since is not
// "added" again.
func TestGrantDirectPreviewReadsTheAppAgain(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	ft.userConsented()
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.answerOnly() // write sign-in
	w.answerOnly() // the app, as it is now
	w.expect(StepPreview)
	if len(w.s.Prompt.Preview) != 1 || w.s.Prompt.Preview[0].Label != "Admin consent for everyone (Microsoft Graph)" {
		t.Fatalf("preview %+v", w.s.Prompt.Preview)
	}
}

// After relax-user-consent the tenant changed (the user's consent added the
// app): the next choices come from a diagnosis read again, not the old one.
func TestRelaxNextChoicesComeFromAFreshDiagnosis(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	ft.userConsents = true
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // patch
	w.answerOnly() // verify
	ft.userConsented()
	ft.diag.Fixes = clone(ft.diag.Fixes) // the diagnosis read before keeps its own
	for i := range ft.diag.Fixes {
		if ft.diag.Fixes[i].ID == FixAdminLink {
			ft.diag.Fixes[i].Reason = "an admin opens the link and accepts for the organization"
		}
	}
	w.send(DoneKey{})
	w.drive(12)
	w.expect(StepRelaxNext)
	if w.s.Prompt.Kind != PromptChoice || w.s.Prompt.Options[0].Detail != "an admin opens the link and accepts for the organization" {
		t.Fatalf("prompt %+v", w.s.Prompt)
	}
}

// Going back to the checklist after a change reads the tenant again first.
func TestChecklistIsReadAgainAfterAChange(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	w := wzNewWiz(t, wzTestInput(), ft)
	walkToPreview(t, w, FixRequestWorkflow)
	w.confirm()
	w.answerOnly() // PUT
	w.answerOnly() // verify
	w.expect(StepRequestWait, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	w.send(Back{})
	w.expect(StepDiagnosing, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	w.answerOnly()
	w.expect(StepChooseFix)
	// Nothing changed since: back again goes straight to the checklist.
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.send(Back{})
	w.expect(StepChooseFix)
}

// A stop says truly what stays and what was put back.
func TestStoppedSaysWhatStaysAndWhatWasPutBack(t *testing.T) {
	t.Run("some stays", func(t *testing.T) {
		ft := wzNewTenant(FixRelaxUserConsent)
		w := wzRelaxUserConnects(t, ft)
		w.answerOnly() // names
		w.send(Chose{Key: FixKey(FixGrantDirect)})
		w.answerOnly() // write sign-in
		w.answerOnly() // the app
		w.expect(StepPreview)
		w.send(Cancel{})
		o := w.finished()
		want := "Stopped. Still in place: Carol User (carol@contoso.com) connected Calendar Sync. Everything else listed was put back."
		if o.Kind != OutcomeCancelled || o.Summary != want {
			t.Fatalf("summary %q, want %q", o.Summary, want)
		}
		body := w.s.Prompt.Body
		kept, back := strings.Index(body, "Still in place:"), strings.Index(body, "Put back:")
		if kept < 0 || back < kept || strings.Contains(body[kept:back], "User consent") || !strings.Contains(body[back:], "User consent setting (restored)") ||
			!strings.Contains(body[kept:back], "Carol User") {
			t.Fatalf("body:\n%s", body)
		}
	})
	t.Run("all put back", func(t *testing.T) {
		ft := wzNewTenant(FixGrantDirect)
		w := wzNewWiz(t, wzTestInput(), ft)
		wzGrantToPreview(t, w)
		w.confirm()
		w.answerOnly() // journal
		w.answerOnly() // service principal
		w.answerOnly() // journal
		if w.s.Step != StepWriting {
			t.Fatalf("step %s", w.s.Step)
		}
		grant := w.last
		w.send(Cancel{}) // while the grant is on its way
		w.last = append(grant, w.last...)
		o, ok := w.drive(20)
		if !ok || o.Summary != "Stopped. Everything consentwiz changed was put back." || ft.sp != nil || len(ft.grants) != 0 {
			t.Fatalf("outcome %+v; sp %+v grants %+v", o, ft.sp, ft.grants)
		}
	})
	t.Run("nothing changed", func(t *testing.T) {
		ft := wzNewTenant(FixGrantDirect)
		w := wzNewWiz(t, wzTestInput(), ft)
		wzGrantToPreview(t, w)
		w.send(Cancel{})
		if o := w.finished(); o.Summary != "Stopped. Nothing was changed." {
			t.Fatalf("summary %q", o.Summary)
		}
	})
}
