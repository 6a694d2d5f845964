package flows

import (
	"consentwiz/graph/entra"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestWizardAdminLink(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	if got := w.s.Prompt.Options[0].Key; got != FixKey(FixAdminLink) {
		t.Fatalf("first option = %s, want the recommended fix", got)
	}
	w.send(Chose{Key: FixKey(FixAdminLink)})
	link := AdminConsentURLv1(wzTestCloud(), wzTTenantID, wzTAppID, "", "n0nce")
	if w.s.Run.Link.URL != link {
		t.Fatalf("link = %s, want %s", w.s.Run.Link.URL, link)
	}
	w.expect(StepLinkShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	if p := w.s.Prompt; p.StepNo != 5 || p.StepCount != 5 || len(p.Links) != 1 || p.Links[0].URL != link {
		t.Fatalf("prompt = %+v", p)
	}
	firstWait := w.last[0].(Wait)
	w.send(Chose{Key: "open"})
	w.expect(StepLinkShow, OpenURL{URL: link})
	w.answerOnly()
	w.last = []Effect{firstWait}
	w.answerOnly() // Tick
	w.expect(StepLinkShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly() // nothing granted yet
	w.expect(StepLinkShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	stale := w.last[0].(Wait)
	// "I approved it" with nothing granted: one check, then what is missing.
	w.send(DoneKey{})
	w.expect(StepLinkShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	if !reflect.DeepEqual(w.s.Run.Poll.Missing, []string{"User.Read", "Calendars.ReadWrite"}) {
		t.Fatalf("missing = %v", w.s.Run.Poll.Missing)
	}
	if !strings.Contains(w.s.Prompt.Note, "Not there yet: User.Read, Calendars.ReadWrite") {
		t.Fatalf("the note does not say what is missing: %s", w.s.Prompt.Note)
	}
	// A stale tick does nothing.
	w.send(Tick{Seq: stale.Seq, Now: wzTNow})
	w.expect(StepLinkShow)
	ft.adminApproves()
	w.send(DoneKey{})
	w.expect(StepLinkShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || o.Fix != FixAdminLink || len(o.Changes) != 1 || !o.Changes[0].Verified {
		t.Fatalf("outcome = %+v", o)
	}
	if len(wzWritesIn(w.all)) != 0 {
		t.Fatalf("admin-link wrote: %v", wzWritesIn(w.all))
	}
}

func TestWizardAdminLinkHandoff(t *testing.T) {
	w := wzNewWiz(t, wzTestInput(), wzNewTenant(FixAdminLink))
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixAdminLink)})
	w.send(Chose{Key: "save"})
	if sf, ok := w.last[0].(SaveFile); !ok || !strings.Contains(sf.Text, w.s.Run.Link.URL) || sf.Name != "consentwiz-handoff-calendar-sync.txt" {
		t.Fatalf("save = %#v", w.last)
	}
	w.answerOnly()
	if p := w.s.Prompt; len(p.Snippets) != 1 || p.Snippets[0].Text != "/tmp/consentwiz-handoff-calendar-sync.txt" || strings.Contains(p.Body, "Saved to") {
		t.Fatalf("the saved path is not a snippet of its own: %+v", p)
	}
	// The hand-off file speaks to the other admin, not of the account that made it (ux review M5).
	sf := w.all[len(w.all)-1].(SaveFile)
	if strings.Contains(sf.Text, "Your account") || !strings.Contains(sf.Text, consentRolesDelegated) {
		t.Fatalf("hand-off file:\n%s", sf.Text)
	}
	// "Stop here": one more look at the tenant, then the outcome carries
	// what was handed over (ux review H7).
	w.send(Chose{Key: "handoff"})
	w.expect(StepLinkShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
	if !strings.Contains(w.s.Prompt.Note, "once more before stopping") {
		t.Fatalf("note = %s", w.s.Prompt.Note)
	}
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeHandedOff || o.ExitCode() != 0 || o.Link != w.s.Run.Link.URL || o.SavedTo != "/tmp/consentwiz-handoff-calendar-sync.txt" {
		t.Fatalf("outcome = %+v", o)
	}
	if p := w.s.Prompt; len(p.Links) != 1 || p.Links[0].URL != o.Link || len(p.Snippets) != 1 || p.Snippets[0].Text != o.SavedTo {
		t.Fatalf("the result screen does not show what was handed over: %+v", p)
	}
	// consentwiz only prepared the link: the words say so, and that users
	// stay blocked, never that it was handed over.
	assertLeftForAdmin(t, w.s.Prompt, o, "saved with the steps in the hand-off file")
}

// assertLeftForAdmin checks the end of a run that left a link or a hand-off
// for an admin: it is called ready, not handed over, says what became of it
// (did) and that users stay blocked.
func assertLeftForAdmin(t *testing.T, p Prompt, o Outcome, did string) {
	t.Helper()
	text := p.Title + "\n" + p.Body + "\n" + o.Summary
	if p.Title != "Ready for an admin" || strings.Contains(strings.ToLower(text), "handed over") ||
		!strings.Contains(o.Summary, did) || !strings.Contains(o.Summary, "users stay blocked until") {
		t.Fatalf("the end overstates what was done (want %q):\n%s", did, text)
	}
}

// TestWizardAdminLinkStopNoticesConsent: "Stop here" after another admin
// accepted the copied link ends verified, not "handed over" (ux review H6).
func TestWizardAdminLinkStopNoticesConsent(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixAdminLink)})
	w.send(Chose{Key: "copy"})
	w.expect(StepLinkShow, CopyText{Text: w.s.Run.Link.URL})
	w.send(Copied{Terminal: true})
	if !strings.Contains(w.s.Prompt.Note, "Sent to the terminal's clipboard (OSC 52)") || strings.Contains(w.s.Prompt.Note, "Copied") {
		t.Fatalf("an OSC 52 copy is claimed as copied: %s", w.s.Prompt.Note)
	}
	ft.adminApproves()
	w.send(Chose{Key: "handoff"})
	w.answerOnly()
	if o := w.finished(); o.Kind != OutcomeVerified {
		t.Fatalf("outcome = %+v", o)
	}
	// The poll was partial: the snapshot kept the policies and Graph's permissions.
	if w.s.Snap.GraphSP.ID != wzTGraphSP || w.s.Snap.AuthorizationPolicy.ID == "" {
		t.Fatalf("the poll lost the snapshot's other parts: %+v", w.s.Snap)
	}
}

func wzRelaxToPreview(t *testing.T, w *wzRun) {
	t.Helper()
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Policy.ReadWrite.Authorization"}})
	w.answerOnly()
	w.expect(StepReadingPolicy, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepPreview)
}

func wzRelaxJournal() JournalEntry {
	return JournalEntry{ID: wzTTenantID + "-n0nce-1", TenantID: wzTTenantID, TenantDomain: wzTDomain, Cloud: "global", Fix: FixRelaxUserConsent, AppID: wzTAppID,
		What: JournalWhat, Original: []string{wzTOwned, wzTMailSelf}, Set: []string{wzTOwned, wzTRelaxed}, At: wzTNow, By: "ada@contoso.com"}
}

func TestWizardRelaxUserConsent(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	p := w.s.Prompt
	// The columns name the setting as the admin center does and count the
	// group/team entries the write keeps; the note names those once.
	owned := strings.TrimPrefix(wzTOwned, entra.OwnedResourceConsentPrefix)
	if p.Kind != PromptConfirm || len(p.Preview) != 1 || !strings.Contains(p.Preview[0].Before, "+ 1 group/team consent entry") ||
		!strings.Contains(p.Preview[0].After, "+ 1 group/team consent entry") || !strings.Contains(p.Preview[0].After, wzTRelaxed) ||
		strings.Contains(p.Preview[0].After, wzTOwned) || !strings.Contains(p.Body, "developer consent) stay as they are: "+owned+".") {
		t.Fatalf("preview = %+v\n%s", p.Preview, p.Body)
	}
	if p.StepNo != 5 || p.StepCount != 8 || p.StepTitle != "Review the temporary change" {
		t.Fatalf("numbering = %d/%d %q", p.StepNo, p.StepCount, p.StepTitle)
	}
	w.send(Confirmed{})
	// The setting is read once more right before it is journaled and changed.
	w.expect(StepJournaling, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzRelaxJournal()})
	w.answerOnly()
	w.expect(StepWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTRelaxed}})
	w.answerOnly()
	w.expect(StepVerifying, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	// The window opens: a Tick now (the time, for the countdown), one at its
	// end, and the polls for the user's consent.
	w.expect(StepRelaxConnect, Wait{D: 0, Seq: w.s.PollSeq - 2}, Wait{D: DefaultRelaxWindow, Seq: w.s.PollSeq - 1}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	if w.s.Prompt.CanBack {
		t.Fatal("relax-connect must not offer back (it would leave the setting relaxed)")
	}
	if !strings.Contains(w.s.Prompt.Body, "within 15 minutes") {
		t.Errorf("no window in %q", w.s.Prompt.Body)
	}
	w.answer(0)
	if !strings.Contains(w.s.Prompt.Body, "by 10:15 (15:00 left)") {
		t.Errorf("no countdown in %q", w.s.Prompt.Body)
	}
	w.send(Back{})
	w.expect(StepRelaxConnect)
	// "The user connected": one last check for their consent, then the setting goes back.
	w.send(DoneKey{})
	w.expect(StepRelaxConnect, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTMailSelf}})
	w.answerOnly()
	w.expect(StepRestoreVerifying, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRelaxJournal().ID})
	w.answerOnly()
	// Nobody consented while it lasted: not "fixed and verified" (review
	// reliability M3); users are still blocked, though the setting is back.
	o := w.finished()
	if o.Kind != OutcomeNotFixed || o.ExitCode() != 3 || len(o.Changes) != 2 || !o.Changes[0].Verified || !o.Changes[1].Verified || o.JournalKept ||
		!strings.Contains(o.Summary, "Nobody consented") || !strings.Contains(o.Summary, "admin-link") || !strings.Contains(o.Summary, "back to what it was") {
		t.Fatalf("outcome = %+v", o)
	}
	if p := w.s.Prompt; p.Title != "Not fixed: users are still blocked" {
		t.Errorf("done prompt %q", p.Title)
	}
	if !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) || len(ft.journal) != 0 {
		t.Fatalf("tenant policy = %v, journal = %v", ft.policy, ft.journal)
	}
}

func TestWizardRelaxDemoUserConnects(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	ft.userConsents = true
	in := wzTestInput()
	in.Demo = true
	w := wzNewWiz(t, in, ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // patch
	w.answerOnly() // verify
	w.expect(StepRelaxConnect, SimulateUser{Tenant: wzT, AppID: wzTAppID, Scopes: []string{"User.Read", "Calendars.ReadWrite"}},
		Wait{D: 0, Seq: w.s.PollSeq - 2}, Wait{D: DefaultRelaxWindow, Seq: w.s.PollSeq - 1}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	w.answer(0)
	w.expect(StepRelaxConnect, PollGrant{Tenant: wzT, AppID: wzTAppID})
	if !strings.Contains(w.s.Prompt.Body, "consent prompt") {
		t.Fatalf("body does not show the user's screen: %s", w.s.Prompt.Body)
	}
	w.answerOnly() // the user's grant is there: restore starts by itself
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	if _, ok := w.drive(20); ok || w.s.Step != StepRelaxNext {
		t.Fatalf("step %s, want relax-next", w.s.Step)
	}
	// One user connected (named once the setting is back); the others are
	// blocked again: grant for everyone is offered.
	p := w.s.Prompt
	if p.Title != "Carol User (carol@contoso.com) connected; other users are still blocked" ||
		p.Options[0].Key != FixKey(FixAdminLink) || p.Options[1].Key != FixKey(FixGrantDirect) || p.Options[2].Key != KeyStop {
		t.Fatalf("prompt %q %+v", p.Title, p.Options)
	}
	w.send(Chose{Key: KeyStop})
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeVerified || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) ||
		!strings.Contains(o.Summary, "Other users are blocked again") {
		t.Fatalf("outcome = %+v %v, policy %v", o, ok, ft.policy)
	}
}

// wzRelaxUserConnects runs relax-user-consent in a tenant whose user
// connects, up to the question after the setting is put back, and returns
// what that question's first effects were.
func wzRelaxUserConnects(t *testing.T, ft *wzFakeTenant) *wzRun {
	t.Helper()
	ft.userConsents = true
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // patch
	w.answerOnly() // verify
	ft.userConsented()
	w.send(DoneKey{})
	w.expect(StepRelaxConnect, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly() // their grant is there: the setting goes back first
	w.expect(StepRestoreReading, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTMailSelf}})
	w.answerOnly()
	w.expect(StepRestoreVerifying, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: wzRelaxJournal().ID})
	w.answerOnly()
	// Only now, with the setting back, are the users' names read; and the
	// tenant, which the change and the user's consent changed, is read
	// again before the next choices are offered.
	w.expect(StepRelaxNext, ReadUsers{Tenant: wzT, IDs: []string{"user-1"}}, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	if p := w.s.Prompt.Title; p != "Reading the tenant again" || w.s.Prompt.Kind != PromptProgress || len(w.s.Prompt.Options) != 0 {
		t.Fatalf("prompt before the tenant is read again = %+v", w.s.Prompt)
	}
	names := w.last[:1]
	w.answer(1)
	if p := w.s.Prompt; p.Kind != PromptChoice || p.Title != "One user (object id user-1) connected; other users are still blocked" || len(w.last) != 0 {
		t.Fatalf("prompt once the tenant is read = %+v, effects %v", w.s.Prompt, w.last)
	}
	w.last = names
	return w
}

// Who connected while user consent was relaxed is named, once the setting
// is back: on the question, in the change log and in the outcome.
func TestWizardRelaxNamesWhoConnected(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxUserConnects(t, ft)
	w.answerOnly()
	w.expect(StepRelaxNext)
	if p := w.s.Prompt.Title; p != "Carol User (carol@contoso.com) connected; other users are still blocked" {
		t.Fatalf("title = %q", p)
	}
	w.send(Chose{Key: KeyStop})
	o := w.finished()
	if o.Kind != OutcomeVerified || !strings.HasPrefix(o.Summary, "Carol User (carol@contoso.com) connected Calendar Sync while user consent was relaxed; the user consent setting is back") {
		t.Fatalf("outcome = %+v", o)
	}
	var log []string
	for _, c := range o.Changes {
		log = append(log, c.What)
	}
	if !slices.Contains(log, "Carol User (carol@contoso.com) connected Calendar Sync") || strings.Contains(strings.Join(log, "|"), "object id") {
		t.Fatalf("change log = %q", log)
	}
	if !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTMailSelf}) || len(ft.journal) != 0 {
		t.Fatalf("tenant policy = %v, journal = %v", ft.policy, ft.journal)
	}
}

// The names cannot be read (403): the object id stays, and the fix still
// ends verified.
func TestWizardRelaxNamesUnreadable(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	ft.usersErr = wzErr403
	w := wzRelaxUserConnects(t, ft)
	w.answerOnly()
	w.expect(StepRelaxNext)
	if p := w.s.Prompt.Title; p != "One user (object id user-1) connected; other users are still blocked" {
		t.Fatalf("title = %q", p)
	}
	w.send(Chose{Key: KeyStop})
	o := w.finished()
	if o.Kind != OutcomeVerified || o.ExitCode() != 0 || !strings.HasPrefix(o.Summary, "One user (object id user-1) connected Calendar Sync") {
		t.Fatalf("outcome = %+v", o)
	}
	if !slices.ContainsFunc(o.Changes, func(c Change) bool { return c.What == "One user (object id user-1) connected Calendar Sync" }) {
		t.Fatalf("change log = %+v", o.Changes)
	}
}

// The admin finishes before the names arrive: their late answer changes nothing.
func TestWizardRelaxNamesTooLate(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxUserConnects(t, ft)
	read := w.last
	w.send(Chose{Key: KeyStop})
	o := w.finished()
	w.last = read
	w.answerOnly()
	if w.s.Step != StepDone || !strings.HasPrefix(o.Summary, "One user (object id user-1)") || len(w.last) != 0 {
		t.Fatalf("step %s, effects %v, summary %q", w.s.Step, w.last, o.Summary)
	}
}

// After one user connected, "grant for everyone" starts the admin consent link.
func TestWizardRelaxThenGrantForEveryone(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	ft.userConsents = true
	in := wzTestInput()
	in.Demo = true
	w := wzNewWiz(t, in, ft)
	wzRelaxToPreview(t, w)
	w.confirm()
	w.answerOnly() // journal
	w.answerOnly() // patch
	w.answerOnly() // verify
	w.answer(0)    // the simulated user connects
	w.answerOnly() // the poll sees their grant
	w.drive(20)
	w.expect(StepRelaxNext)
	if p := w.s.Prompt; p.StepNo != 8 || p.StepCount != 8 {
		t.Fatalf("the question after relaxing is step %d of %d", p.StepNo, p.StepCount)
	}
	w.send(Chose{Key: FixKey(FixAdminLink)})
	if w.s.Step != StepLinkShow || w.s.Run == nil || w.s.Run.Fix != FixAdminLink || len(w.s.Changes) < 3 {
		t.Fatalf("step %s run %+v changes %d", w.s.Step, w.s.Run, len(w.s.Changes))
	}
	// The count goes on from the relax steps, not back to 5 (ux review).
	if p := w.s.Prompt; p.StepNo != 9 || p.StepCount != 9 || p.StepTitle != "Approve the app for your organization" {
		t.Fatalf("the link after relaxing is step %d of %d %q", p.StepNo, p.StepCount, p.StepTitle)
	}
}

// Grant for everyone through Graph after relaxing: its sign-in, preview and
// writes are numbered after the relax steps, and each says what it is.
func TestWizardRelaxThenGrantDirectNumbering(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxUserConnects(t, ft)
	w.answerOnly()
	w.expect(StepRelaxNext)
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	type num struct {
		no, count int
		title     string
	}
	want := []num{{9, 10, "Sign in to make the change"}, {9, 10, "Review what will be granted"}, {9, 10, "Review what will be granted"}}
	got := []num{{w.s.Prompt.StepNo, w.s.Prompt.StepCount, w.s.Prompt.StepTitle}}
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"}})
	w.answerOnly()
	w.expect(StepReadingApp, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	got = append(got, num{w.s.Prompt.StepNo, w.s.Prompt.StepCount, w.s.Prompt.StepTitle})
	w.answerOnly()
	w.expect(StepPreview)
	got = append(got, num{w.s.Prompt.StepNo, w.s.Prompt.StepCount, w.s.Prompt.StepTitle})
	w.confirm()
	want = append(want, num{10, 10, "Grant and check"})
	got = append(got, num{w.s.Prompt.StepNo, w.s.Prompt.StepCount, w.s.Prompt.StepTitle})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("numbering %+v, want %+v", got, want)
	}
	// Back from its preview to the checklist: the path is open again.
	w2 := wzRelaxUserConnects(t, wzNewTenant(FixRelaxUserConsent))
	w2.answerOnly()
	w2.send(Chose{Key: FixKey(FixGrantDirect)})
	w2.answerOnly()
	w2.answerOnly()
	w2.send(Back{})
	if p := w2.s.Prompt; w2.s.Step != StepChooseFix || p.StepNo != 4 || p.StepCount != 0 {
		t.Fatalf("back from the preview: step %s, %d of %d", w2.s.Step, p.StepNo, p.StepCount)
	}
}

// Grant for everyone through Graph after relaxing: the user's consent made
// the app's service principal, so the plan grants on it rather than
// creating a second one (which fails: an app has one in a tenant).
func TestWizardRelaxThenGrantDirectUsesTheUsersSP(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzRelaxUserConnects(t, ft)
	w.answerOnly()
	w.expect(StepRelaxNext)
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"}})
	w.answerOnly()
	w.answerOnly() // the app, read again
	w.expect(StepPreview)
	want := []Effect{CreateGrant{Tenant: wzT, Grant: entra.OAuth2PermissionGrant{ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}}}
	if !reflect.DeepEqual(w.s.Run.Writes.Plan, want) {
		t.Fatalf("plan %#v", w.s.Run.Writes.Plan)
	}
}

func TestWizardRequestWorkflow(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Policy.ReadWrite.ConsentRequest", "User.ReadBasic.All", "GroupMember.Read.All"}})
	// Signing in is not choosing the reviewers yet (ux review): the step
	// shares its number with the reviewers' screen, and says what it is.
	if p := w.s.Prompt; p.StepNo != 5 || p.StepCount != 7 || p.StepTitle != "Sign in to make the change" {
		t.Fatalf("the write sign-in is step %d of %d %q", p.StepNo, p.StepCount, p.StepTitle)
	}
	w.answerOnly()
	w.expect(StepReviewers)
	w.send(Chose{Key: "continue"})
	if w.s.Step != StepReviewers || w.s.InputErr == "" {
		t.Fatal("continue without reviewers must be refused")
	}
	w.send(Chose{Key: "me"})
	w.expect(StepReviewers, CheckReviewer{Tenant: wzT, Reviewer: Reviewer{Kind: ReviewerUser, ID: "me-id", Name: "Ada Admin", Detail: "ada@contoso.com"}})
	w.answerOnly() // Global Administrator: may approve
	w.send(Chose{Key: "search"})
	w.expect(StepReviewerSearch)
	w.send(Entered{Text: "IT"})
	w.expect(StepReviewerSearch, SearchReviewers{Tenant: wzT, Query: "IT"})
	w.answerOnly()
	w.expect(StepReviewerPick)
	w.send(Chose{Key: "pick:0"})
	w.expect(StepReviewers, CheckReviewer{Tenant: wzT, Reviewer: Reviewer{Kind: ReviewerGroup, ID: "grp-1", Name: "IT Admins"}})
	check := w.last
	w.send(Chose{Key: RoleKey(entra.RoleGlobalAdmin)})
	w.send(Chose{Key: "continue"})
	w.expect(StepWorkflowOptions)
	w.send(Chose{Key: "duration"})
	w.send(Entered{Text: "45"})
	if w.s.Step != StepWorkflowDuration || w.s.InputErr == "" {
		t.Fatal("45 days must be refused")
	}
	w.send(Entered{Text: "14"})
	w.send(Chose{Key: "continue"})
	w.expect(StepPreview)
	// The group's check answers on the preview: the warning is there before
	// the write (ux review M4).
	w.last = check
	w.answerOnly()
	w.expect(StepPreview)
	if b := w.s.Prompt.Body; !strings.Contains(b, "IT Admins (group): no member of the group holds a role that may approve") || strings.Contains(b, "Ada Admin") || strings.Contains(b, "Nobody chosen") {
		t.Fatalf("preview body = %s", b)
	}
	want := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 14, Reviewers: []entra.ReviewerScope{
		{Query: "/users/me-id", QueryType: "MicrosoftGraph"},
		{Query: "/groups/grp-1/transitiveMembers/microsoft.graph.user", QueryType: "MicrosoftGraph"},
		{Query: "/beta/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '" + entra.RoleGlobalAdmin + "'", QueryType: "MicrosoftGraph"},
	}}
	w.confirm()
	w.expect(StepWriting, PutConsentRequestPolicy{Tenant: wzT, Policy: want})
	w.answerOnly()
	w.expect(StepVerifying, ReadConsentRequestPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepRequestWait, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	if !strings.Contains(w.s.Prompt.Body, "up to an hour") || !strings.Contains(w.s.Prompt.Body, "ask again") {
		t.Fatalf("wait body = %s", w.s.Prompt.Body)
	}
	w.answerOnly()
	w.expect(StepRequestWait, PollRequests{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	w.expect(StepRequestWait, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	ft.addRequest()
	w.answerOnly()
	w.answerOnly()
	w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	if b := w.s.Prompt.Body; !strings.Contains(b, "Carol User") || !strings.Contains(b, "I need my calendar synced") || !strings.Contains(b, "Calendars.ReadWrite") {
		t.Fatalf("request body = %s", b)
	}
	w.send(Chose{Key: "approve"})
	url := RequestApprovalURL(wzTestCloud(), wzTTenantID, ft.requests[0], "")
	w.expect(StepRequestApprove, OpenURL{URL: url}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	ft.adminApproves()
	w.send(DoneKey{})
	w.expect(StepRequestApprove, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || len(o.Changes) != 2 || !o.Changes[0].Verified || !o.Changes[1].Verified {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestWizardPendingRequestGoesStraightToApprove(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	ft.addRequest()
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	if p := w.s.Prompt; p.StepNo != 5 || p.StepCount != 5 {
		t.Fatalf("numbering %d/%d", p.StepNo, p.StepCount)
	}
	w.send(Chose{Key: "approve"})
	ft.adminApproves()
	w.answer(1) // tick
	w.expect(StepRequestApprove, PollGrant{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	if o := w.finished(); o.Kind != OutcomeVerified {
		t.Fatalf("outcome = %+v", o)
	}
	if len(wzWritesIn(w.all)) != 0 {
		t.Fatal("approving a request wrote through Graph")
	}
}

// TestWizardRequestShowNoticesApproval: the request screen watches the
// tenant: an approval through the copied link ends it verified, and "Leave
// it for a reviewer" after an approval is not "handed over" (ux review H6).
func TestWizardRequestShowNoticesApproval(t *testing.T) {
	for _, how := range []string{"poll", "leave"} {
		t.Run(how, func(t *testing.T) {
			ft := wzNewTenant(FixRequestWorkflow)
			ft.addRequest()
			w := wzNewWiz(t, wzTestInput(), ft)
			w.toChooseFix()
			w.send(Chose{Key: FixKey(FixRequestWorkflow)})
			w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
			tick := w.last
			w.send(Chose{Key: "save"})
			w.answerOnly()
			if p := w.s.Prompt; len(p.Snippets) != 1 || !p.CanDone {
				t.Fatalf("request screen = %+v", p)
			}
			ft.adminApproves() // another reviewer, or the copied link
			if how == "leave" {
				w.send(Chose{Key: "stop"})
				w.expect(StepRequestShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
			} else {
				w.last = tick
				w.answerOnly()
				w.expect(StepRequestShow, PollGrant{Tenant: wzT, AppID: wzTAppID})
			}
			w.answerOnly()
			o := w.finished()
			if o.Kind != OutcomeVerified || len(o.Changes) != 1 || !strings.Contains(o.Changes[0].What, "request from Carol User") {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
	// Nothing approved: "Leave it for a reviewer" hands over the link and the file.
	ft := wzNewTenant(FixRequestWorkflow)
	ft.addRequest()
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.send(Chose{Key: "stop"})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeHandedOff || o.Link != RequestApprovalURL(wzTestCloud(), wzTTenantID, ft.requests[0], "") || !strings.Contains(o.Summary, "waiting for approval") {
		t.Fatalf("outcome = %+v", o)
	}
}

// TestWizardRequestWaitNoticesConsent: consent granted another way while
// the wizard waits for the user's request ends the wait as verified.
func TestWizardRequestWaitNoticesConsent(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.answerOnly()
	w.send(Chose{Key: "me"})
	w.send(Chose{Key: "continue"})
	w.send(Chose{Key: "continue"})
	w.confirm()
	w.answerOnly()
	w.answerOnly()
	w.expect(StepRequestWait, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	ft.adminApproves()
	w.answerOnly()
	w.expect(StepRequestWait, PollRequests{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || !strings.Contains(o.Summary, "outside consentwiz") || !strings.Contains(o.Changes[len(o.Changes)-1].What, "granted outside consentwiz") {
		t.Fatalf("outcome = %+v", o)
	}
}

func wzGrantTenant() *wzFakeTenant {
	ft := wzNewTenant(FixGrantDirect)
	ft.diag.Scopes.AppRolesMissing = []string{"Calendars.ReadWrite"}
	return ft
}

// wzObjJournal is the journal entry of a fix that creates objects, as the
// run saves it: objs in the order they are created.
func wzObjJournal(fix FixID, objs ...JournalObject) JournalEntry {
	return JournalEntry{ID: wzTTenantID + "-n0nce-1", TenantID: wzTTenantID, TenantDomain: wzTDomain, Cloud: "global", Fix: fix, AppID: wzTAppID,
		What: JournalWhatCreated, Original: []string{}, Set: []string{}, Objects: objs, At: wzTNow, By: "ada@contoso.com"}
}

var (
	wzJSP    = JournalObject{Kind: ObjectServicePrincipal, Label: "Enterprise application for Calendar Sync"}
	wzJGrant = JournalObject{Kind: ObjectGrant, Label: "Admin consent for everyone (Microsoft Graph)", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}
	wzJRole  = JournalObject{Kind: ObjectAppRoleAssignment, Label: "Application permission Calendars.ReadWrite", ResourceID: wzTGraphSP, AppRoleID: "role-cal-rw", RoleName: "Calendars.ReadWrite"}
	wzJCls1  = JournalObject{Kind: ObjectClassification, Label: "Classification of User.Read", ResourceID: wzTGraphSP, PermissionID: "scope-user-read", PermissionName: "User.Read", Classification: "low"}
	wzJCls2  = JournalObject{Kind: ObjectClassification, Label: "Classification of Calendars.ReadWrite", ResourceID: wzTGraphSP, PermissionID: "scope-cal-rw", PermissionName: "Calendars.ReadWrite", Classification: "low"}
)

// withID is o with the id the fake tenant gave it.
func withID(o JournalObject, id string) JournalObject { o.ID = id; return o }

// planned is o recorded before its create is sent.
func planned(o JournalObject) JournalObject { o.Planned = true; return o }

func TestWizardGrantDirect(t *testing.T) {
	ft := wzGrantTenant()
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"}})
	w.answerOnly()
	// The app is read again right before the preview: the plan starts from
	// what is in the tenant now, not from the checklist's read.
	w.expect(StepReadingApp, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	w.answerOnly()
	w.expect(StepPreview)
	if n := len(w.s.Prompt.Preview); n != 3 {
		t.Fatalf("preview = %+v", w.s.Prompt.Preview)
	}
	// The whole plan is saved before the first create; each create is marked
	// sent before it goes, and its id saved after (with the next create's
	// mark when one follows).
	w.confirm()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, wzJSP, planned(wzJGrant), planned(wzJRole))})
	w.answerOnly()
	w.expect(StepWriting, CreateServicePrincipal{Tenant: wzT, AppID: wzTAppID})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, withID(wzJSP, "sp-1"), wzJGrant, planned(wzJRole))})
	w.answerOnly()
	w.expect(StepWriting, CreateGrant{Tenant: wzT, Grant: entra.OAuth2PermissionGrant{ClientID: "sp-1", ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"}})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, withID(wzJSP, "sp-1"), withID(wzJGrant, "grant-2"), wzJRole)})
	w.answerOnly()
	w.expect(StepWriting, CreateAppRoleAssignment{Tenant: wzT, Assignment: entra.AppRoleAssignment{AppRoleID: "role-cal-rw", PrincipalID: "sp-1", ResourceID: wzTGraphSP}, RoleName: "Calendars.ReadWrite"})
	w.answerOnly()
	full := wzObjJournal(FixGrantDirect, withID(wzJSP, "sp-1"), withID(wzJGrant, "grant-2"), withID(wzJRole, "ara-3"))
	w.expect(StepJournaling, WriteJournal{Entry: full})
	w.answerOnly()
	if got := ft.journal[full.ID]; !reflect.DeepEqual(got, full) {
		t.Fatalf("journal %+v", ft.journal)
	}
	w.expect(StepVerifying, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp()})
	w.answerOnly()
	// Verified: the grant stays, so its journal entry goes.
	w.expect(StepRestoreClearing, ClearJournal{ID: full.ID})
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || len(o.Changes) != 3 || len(ft.journal) != 0 || o.JournalKept {
		t.Fatalf("outcome = %+v, journal %v", o, ft.journal)
	}
	for _, c := range o.Changes {
		if !c.Verified {
			t.Fatalf("unverified change %+v", c)
		}
	}
}

func TestWizardGrantDirectUpdatesExistingGrant(t *testing.T) {
	ft := wzNewTenant(FixGrantDirect)
	ft.ensureSP()
	ft.grants = []entra.OAuth2PermissionGrant{{ID: "g-old", ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read"}}
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.answerOnly()
	w.answerOnly()
	w.confirm()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixGrantDirect, JournalObject{Kind: ObjectGrantScope, ID: "g-old",
		Label: "Admin consent for everyone (Microsoft Graph)", Scope: "User.Read Calendars.ReadWrite", ScopeBefore: "User.Read"})})
	w.answerOnly()
	w.expect(StepWriting, UpdateGrantScope{Tenant: wzT, GrantID: "g-old", Scope: "User.Read Calendars.ReadWrite", Before: "User.Read"})
	w.answerOnly()
	w.expect(StepVerifying, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp()})
	o, ok := w.drive(10)
	if !ok || o.Kind != OutcomeVerified || len(ft.journal) != 0 {
		t.Fatalf("outcome = %+v, journal %v", o, ft.journal)
	}
}

func TestWizardClassifyLow(t *testing.T) {
	ft := wzNewTenant(FixClassifyLow)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixClassifyLow)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Policy.ReadWrite.PermissionGrant", "Policy.ReadWrite.Authorization"}})
	w.answerOnly()
	w.expect(StepReadingPolicy, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepPreview)
	// The preview says the change is tenant-wide and stays.
	if b := w.s.Prompt.Body; !strings.Contains(b, "Then user consent is set to") || !strings.Contains(b, "tenant-wide: users may then consent by themselves to every app from a verified publisher") {
		t.Fatalf("preview body %q", b)
	}
	// The setting is read once more before the first write (not only before
	// its own): going back to the preview must never follow a write.
	w.send(Confirmed{})
	w.expect(StepJournaling, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixClassifyLow, wzJCls1, planned(wzJCls2))})
	w.answerOnly()
	w.expect(StepWriting, CreateClassification{Tenant: wzT, ResourceID: wzTGraphSP, Classification: entra.DelegatedPermissionClassification{PermissionID: "scope-user-read", PermissionName: "User.Read", Classification: "low"}})
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(FixClassifyLow, withID(wzJCls1, "cls-1"), wzJCls2)})
	w.answerOnly()
	w.expect(StepWriting, CreateClassification{Tenant: wzT, ResourceID: wzTGraphSP, Classification: entra.DelegatedPermissionClassification{PermissionID: "scope-cal-rw", PermissionName: "Calendars.ReadWrite", Classification: "low"}})
	w.answerOnly()
	// One entry holds the classifications and the setting: saved, restored
	// and cleared as one.
	j := wzObjJournal(FixClassifyLow, withID(wzJCls1, "cls-1"), withID(wzJCls2, "cls-2"))
	j.What, j.Original, j.Set = JournalWhat, []string{wzTOwned, wzTMailSelf}, []string{wzTOwned, wzTLow}
	w.expect(StepJournaling, WriteJournal{Entry: j})
	w.answerOnly()
	w.expect(StepWriting, PatchUserConsent{Tenant: wzT, Policies: []string{wzTOwned, wzTLow}})
	w.answerOnly()
	w.expect(StepVerifying, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp()})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: j.ID})
	if strings.Contains(w.s.Prompt.Body, "setting is back") || !strings.Contains(w.s.Prompt.Body, "meant to stay") {
		t.Errorf("clearing says %q", w.s.Prompt.Body)
	}
	w.answerOnly()
	o := w.finished()
	if o.Kind != OutcomeVerified || len(o.Changes) != 3 || len(ft.journal) != 0 || !reflect.DeepEqual(ft.policy, []string{wzTOwned, wzTLow}) {
		t.Fatalf("outcome = %+v, policy %v", o, ft.policy)
	}
}

// TestWizardNothingToFix: nothing blocks users, yet the wizard shows the
// checklist and offers to grant for everyone anyway (vendors that require
// organization-wide consent); "Done" ends it (ux review M8).
func TestWizardNothingToFix(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	ft.diag.Blocked = false
	ft.diag.UserScreen = ScreenConsentPrompt
	ft.diag.Fixes[1].NeedsRole = NeedsPRA // relax: never offered when nothing blocks
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	p := w.s.Prompt
	var keys []OptionKey
	for _, o := range p.Options {
		keys = append(keys, o.Key)
	}
	want := []OptionKey{KeyDone, FixKey(FixAdminLink), FixKey(FixGrantDirect), KeyRecheck}
	if !reflect.DeepEqual(keys, want) || !strings.HasPrefix(p.Title, "Nothing blocks users") || !strings.Contains(p.Body, "User consent is off") ||
		!strings.Contains(p.Options[1].Label, "Grant for everyone anyway") {
		t.Fatalf("prompt = %+v", p)
	}
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.expect(StepChooseFix)
	w.send(Chose{Key: FixKey(FixAdminLink)})
	w.expect(StepLinkShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	w.send(Back{})
	w.send(Chose{Key: KeyDone})
	if o := w.finished(); o.Kind != OutcomeNothingToFix || o.ExitCode() != 0 {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestWizardNonViableFixDisabled(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	ft.diag.Fixes[1].Viable = false
	ft.diag.Fixes[1].Reason = "Calendars.ReadWrite is excluded by the Microsoft-managed policy"
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	var opt Option
	for _, o := range w.s.Prompt.Options {
		if o.Key == FixKey(FixRelaxUserConsent) {
			opt = o
		}
	}
	if !opt.Disabled || !strings.Contains(opt.Reason, "excluded") {
		t.Fatalf("relax option = %+v", opt)
	}
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.expect(StepChooseFix)
}

func TestWizardIdentifyApp(t *testing.T) {
	in := wzTestInput()
	in.App = AppRef{}
	in.Profiles = []AppRef{wzTestApp()}
	w := wzNewWiz(t, in, wzNewTenant(FixAdminLink))
	w.expect(StepAppChoose)
	if w.s.Prompt.StepNo != 1 || w.s.Prompt.StepTitle != "Identify the app" {
		t.Fatalf("prompt = %+v", w.s.Prompt)
	}
	w.send(Chose{Key: "paste"})
	w.expect(StepAppInput)
	w.send(Entered{Text: "hello there"})
	if w.s.Step != StepAppInput || w.s.InputErr == "" || !strings.Contains(w.s.Prompt.Body, w.s.InputErr) {
		t.Fatalf("a parse error must be shown and re-asked: %+v", w.s.Prompt)
	}
	w.send(Back{})
	w.expect(StepAppChoose)
	w.send(Chose{Key: "id"})
	w.send(Entered{Text: wzTAppID})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.send(TenantResolved{Err: wzErr500})
	w.expect(StepTenantInput)
	if w.s.InputErr == "" {
		t.Fatal("resolve error not shown")
	}
	w.send(Entered{Text: "not a tenant"})
	w.expect(StepTenantInput)
	w.send(Entered{Text: "fabrikam.com"})
	w.expect(StepTenantResolving, ResolveTenant{Input: "fabrikam.com"})
}

// After a failed lookup the tenant prompt does not offer the value that
// failed: Enter alone asks for a tenant instead of trying it again, and the
// same text typed again is tried (the person asked for it).
func TestWizardTenantLookupFailedNotDefault(t *testing.T) {
	w := wzNewWiz(t, wzTestInput(), wzNewTenant(FixAdminLink))
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.send(TenantResolved{Err: wzErr500})
	w.expect(StepTenantInput)
	if w.s.Prompt.Default != "" {
		t.Fatalf("the failed tenant is offered again: Default = %q", w.s.Prompt.Default)
	}
	w.send(Entered{Text: ""})
	w.expect(StepTenantInput)
	if !strings.Contains(w.s.Prompt.Body, "Type the domain or tenant id") || !strings.Contains(w.s.Prompt.Body, wzTDomain) {
		t.Fatalf("Enter alone must ask for a tenant, naming the one that failed: %q", w.s.Prompt.Body)
	}
	w.send(Entered{Text: wzTDomain})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.send(TenantResolved{Err: wzErr500})
	w.send(Entered{Text: "fabrikam.com"})
	w.expect(StepTenantResolving, ResolveTenant{Input: "fabrikam.com"})
	w.send(Back{})
	w.expect(StepTenantInput)
	if w.s.Prompt.Default != "fabrikam.com" {
		t.Fatalf("a tenant not yet failed is the default: %q", w.s.Prompt.Default)
	}
}

func TestWizardSignInFailure(t *testing.T) {
	w := wzNewWiz(t, wzTestInput(), wzNewTenant(FixAdminLink))
	w.answerOnly()
	w.send(SignedIn{Err: wzErr500})
	w.expect(StepFailed)
	w.send(Chose{Key: "retry"})
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	w.send(SignedIn{Err: wzErr500})
	w.send(Chose{Key: "quit"})
	if o := w.finished(); o.Kind != OutcomeSignInFailed || o.ExitCode() != 4 {
		t.Fatalf("outcome = %+v", o)
	}
}

// In the demo, after a verified fix the simulated user tries again, and the
// summary says what they got; without the demo no such effect is emitted.
func TestWizardDemoUserTriesAgainAfterFix(t *testing.T) {
	for _, demo := range []bool{false, true} {
		ft := wzNewTenant(FixAdminLink)
		ft.userConsents = true
		in := wzTestInput()
		in.Demo = demo
		w := wzNewWiz(t, in, ft)
		w.toChooseFix()
		w.send(Chose{Key: FixKey(FixAdminLink)})
		ft.adminApproves()
		w.send(DoneKey{})
		o, ok := w.drive(50)
		if !ok || o.Kind != OutcomeVerified {
			t.Fatalf("demo=%v: outcome = %+v (finished %v)", demo, o, ok)
		}
		var tried bool
		for _, e := range w.all {
			if _, ok := e.(SimulateUser); ok {
				tried = true
			}
		}
		if tried != demo || strings.Contains(o.Summary, "The user tries the app again") != demo {
			t.Fatalf("demo=%v: simulated user %v, summary %q", demo, tried, o.Summary)
		}
	}
}

// If another admin changes the setting while the preview is on screen, nothing
// is journaled or written: the preview comes back, starting from the new value.
func TestWizardRelaxSettingChangedDuringPreview(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	wzRelaxToPreview(t, w)
	other := []string{wzTOwned, "ManagePermissionGrantsForSelf.microsoft-user-default-low"}
	ft.policy = other
	w.send(Confirmed{})
	w.expect(StepJournaling, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	w.expect(StepPreview)
	if len(ft.journal) != 0 || ft.writes != 0 {
		t.Fatalf("journal %v, writes %d: nothing may be saved or written on a stale preview", ft.journal, ft.writes)
	}
	if !strings.Contains(w.s.Prompt.Body, "changed since") || !strings.Contains(w.s.Prompt.Preview[0].Before, "microsoft-user-default-low") {
		t.Fatalf("preview not refreshed: %q / %+v", w.s.Prompt.Body, w.s.Prompt.Preview)
	}
	w.send(Confirmed{})
	w.expect(StepJournaling, ReadAuthorizationPolicy{Tenant: wzT})
	w.answerOnly()
	j, ok := w.last[0].(WriteJournal)
	if !ok || !reflect.DeepEqual(j.Entry.Original, other) {
		t.Fatalf("journal = %#v, want the current value %v as the original", w.last, other)
	}
}

// TestWizardAssignUsers: assignment required (AADSTS50105): the wizard shows
// who is assigned, links the Users and groups page, assigns a group through
// Graph (previewed, confirmed, read back), and the undo deletes it.
func TestWizardAssignUsers(t *testing.T) {
	ft := wzNewTenant(FixAssignUsers)
	ft.ensureSP()
	ft.sp.ID = "33333333-3333-3333-3333-333333333333" // portal links need a real id
	ft.diag.UserScreen = ScreenNotAssigned
	ft.diag.App.ServicePrincipalID = ft.sp.ID
	ft.assigned = []entra.AppRoleAssignment{{ID: "a-0", PrincipalID: "usr-9", PrincipalDisplayName: "Zoe", PrincipalType: "User", ResourceID: ft.sp.ID, AppRoleID: defaultAccessRole}}
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixAssignUsers)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"AppRoleAssignment.ReadWrite.All", "User.ReadBasic.All", "GroupMember.Read.All"}})
	w.answerOnly()
	w.expect(StepAssignReading, ReadAssignments{Tenant: wzT, ResourceID: ft.sp.ID})
	w.answerOnly()
	w.expect(StepAssignChoose)
	if p := w.s.Prompt; !strings.Contains(p.Body, "Zoe (user)") || p.StepNo != 5 || p.StepCount != 6 || len(p.Links) != 1 ||
		!strings.Contains(p.Links[0].URL, "/Users/objectId/"+ft.sp.ID) {
		t.Fatalf("prompt = %+v", p)
	}
	w.send(Chose{Key: KeySearch})
	w.send(Entered{Text: "IT"})
	w.expect(StepAssignSearch, SearchReviewers{Tenant: wzT, Query: "IT"})
	w.answerOnly()
	w.expect(StepAssignPick)
	w.send(Chose{Key: PickKey(0)})
	w.expect(StepPreview)
	want := AssignPrincipal{Tenant: wzT, Principal: Reviewer{Kind: ReviewerGroup, ID: "grp-1", Name: "IT Admins"}, RoleName: "Default Access",
		Assignment: entra.AppRoleAssignment{PrincipalID: "grp-1", ResourceID: ft.sp.ID, AppRoleID: defaultAccessRole}}
	if p := w.s.Prompt; len(p.Preview) != 1 || p.Preview[0].Before != "not assigned" || !strings.Contains(p.Preview[0].Label, "IT Admins (group)") {
		t.Fatalf("preview = %+v", p.Preview)
	}
	if r, _ := RequestFor(want); r.Path != "/v1.0/servicePrincipals/"+ft.sp.ID+"/appRoleAssignedTo" || !strings.Contains(r.Body, `"principalId":"grp-1"`) {
		t.Fatalf("request = %+v", r)
	}
	w.confirm()
	// The assignment is saved in the journal before it is sent, so a crash
	// cannot leave it behind unnoticed.
	if w.s.Step != StepJournaling {
		t.Fatalf("at %s, want journaling", w.s.Step)
	}
	if p := w.s.Prompt; p.Title != "Noting the change first" {
		t.Errorf("journaling prompt %q", p.Title)
	}
	if j, ok := w.last[0].(WriteJournal); !ok || j.Entry.Fix != FixAssignUsers || len(j.Entry.Objects) != 1 ||
		j.Entry.Objects[0].Kind != ObjectPrincipalAssignment || j.Entry.Objects[0].PrincipalID != "grp-1" {
		t.Fatalf("journal write %#v", w.last)
	}
	w.answerOnly()
	w.expect(StepWriting, want)
	w.answerOnly()
	// Its id is saved too, then it is read back.
	if j, ok := w.last[0].(WriteJournal); w.s.Step != StepJournaling || !ok || j.Entry.Objects[0].ID == "" || w.s.Prompt.Title != "Noting what was created" {
		t.Fatalf("at %s (%q): %#v", w.s.Step, w.s.Prompt.Title, w.last)
	}
	w.answerOnly()
	w.expect(StepVerifying, ReadAssignments{Tenant: wzT, ResourceID: ft.sp.ID})
	w.answerOnly()
	if w.s.Step == StepRestoreClearing {
		w.answerOnly()
	}
	o := w.finished()
	if o.Kind != OutcomeVerified || len(o.Changes) != 1 || !o.Changes[0].Verified || !strings.Contains(o.Summary, "members of IT Admins") {
		t.Fatalf("outcome = %+v", o)
	}

	// A 403 is undone (nothing written) and names the role; a cancel after
	// the write deletes the assignment.
	ft2 := wzNewTenant(FixAssignUsers)
	ft2.ensureSP()
	ft2.diag.App.ServicePrincipalID = ft2.sp.ID
	w = wzNewWiz(t, wzTestInput(), ft2)
	w.toChooseFix()
	w.send(Chose{Key: FixKey(FixAssignUsers)})
	w.answerOnly()
	w.answerOnly()
	w.send(Chose{Key: KeyMe})
	w.confirm()
	w.answerOnly() // journaled
	w.answerOnly() // assigned
	w.answerOnly() // its id journaled
	w.expect(StepVerifying, ReadAssignments{Tenant: wzT, ResourceID: ft2.sp.ID})
	if f := writeFailure(w.s, w.s.Run.Writes.Plan[0], wzErr403); f.Role != NeedsCloudAppAdmin || f.Scope != "AppRoleAssignment.ReadWrite.All" {
		t.Fatalf("failure = %+v", f)
	}
	// The undo goes through the journal entry: it reads who is assigned,
	// finds the assignment and deletes it.
	w.send(Cancel{})
	if f, ok := w.last[0].(FetchSnapshot); w.s.Step != StepRestoreReading || !ok || !f.Assignments {
		t.Fatalf("at %s: %#v", w.s.Step, w.last)
	}
	o, ok := w.drive(10)
	if !ok || o.Kind != OutcomeCancelled || len(ft2.assigned) != 0 || len(ft2.journal) != 0 {
		t.Fatalf("outcome %+v %v, assigned %+v, journal %+v", o, ok, ft2.assigned, ft2.journal)
	}
	deleted := false
	for _, e := range w.all {
		if d, ok := e.(DeleteObject); ok && d.Object.Kind == ObjectAppRoleAssignment && d.Object.ParentID == ft2.sp.ID {
			deleted = true
		}
	}
	if !deleted {
		t.Fatalf("no delete of the assignment under %s in %#v", ft2.sp.ID, w.all)
	}
}

// TestWizardPendingRequestNoted: consent granted with the link while a
// user's request is pending: the result says the request stays listed; and
// the poll's "not there yet" never lists offline_access (ux review, minor list).
func TestWizardPendingRequestNoted(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	ft.diag.PendingRequests = []PendingRequest{{RequestID: "req-1", Requester: "Carol User"}}
	ft.diag.Scopes.Requested = []string{"User.Read", "offline_access", "Calendars.ReadWrite"}
	in := wzTestInput()
	w := wzNewWiz(t, in, ft)
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	w.answerOnly()
	w.answerOnly()
	w.send(Chose{Key: FixKey(FixAdminLink)})
	w.send(DoneKey{})
	w.answerOnly()
	if n := w.s.Prompt.Note; !strings.Contains(n, "Not there yet: User.Read, Calendars.ReadWrite.") || strings.Contains(n, "offline_access") {
		t.Fatalf("note = %q", n)
	}
	ft.adminApproves()
	w.send(DoneKey{})
	w.answerOnly()
	if o := w.finished(); !strings.Contains(o.Summary, "Carol User's request for it is still listed") {
		t.Fatalf("summary = %q", o.Summary)
	}
}

// Several users: up to three named, then how many more; a user whose name
// could not be read keeps their object id; names from the tenant are
// sanitized.
func TestWhoConsentedNames(t *testing.T) {
	u := func(id, name, upn string) entra.User {
		return entra.User{ID: id, DisplayName: name, UserPrincipalName: upn}
	}
	megan, nestor := u("m", "Megan Bowen", "megan@contoso.com"), u("n", "Nestor Wilke", "nestor@contoso.com")
	lynne, joni := u("l", "Lynne Robbins", ""), u("j", "", "joni@contoso.com")
	for _, tc := range []struct {
		ids   []string
		users []entra.User
		want  string
	}{
		{nil, nil, "A user"},
		{[]string{"m"}, nil, "One user (object id m)"},
		{[]string{"m", "x"}, nil, "2 users (object ids m, x)"},
		{[]string{"m"}, []entra.User{megan}, "Megan Bowen (megan@contoso.com)"},
		{[]string{"M"}, []entra.User{megan}, "Megan Bowen (megan@contoso.com)"},
		{[]string{"m", "n"}, []entra.User{nestor, megan}, "Megan Bowen (megan@contoso.com) and Nestor Wilke (nestor@contoso.com)"},
		{[]string{"l", "j"}, []entra.User{lynne, joni}, "Lynne Robbins and joni@contoso.com"},
		{[]string{"m", "x"}, []entra.User{megan}, "Megan Bowen (megan@contoso.com) and one user (object id x)"},
		{[]string{"x", "m", "y"}, []entra.User{megan}, "Megan Bowen (megan@contoso.com) and 2 users (object ids x, y)"},
		{[]string{"m", "n", "l", "j"}, []entra.User{megan, nestor, lynne, joni},
			"Megan Bowen (megan@contoso.com), Nestor Wilke (nestor@contoso.com), Lynne Robbins and 1 more"},
		{[]string{"m", "n", "l", "j", "x", "y"}, []entra.User{megan, nestor, lynne, joni},
			"Megan Bowen (megan@contoso.com), Nestor Wilke (nestor@contoso.com), Lynne Robbins and 3 more"},
		{[]string{"m"}, []entra.User{u("m", "   ", "")}, "One user (object id m)"},
		{[]string{"e"}, []entra.User{u("e", "Eve\x1b]8;;https://evil.example\x07 Admin\u202e", "eve@contoso.com\x1b[2J")}, "Eve Admin (eve@contoso.com)"},
	} {
		got := whoConsented(tc.ids, false, tc.users)
		if got != tc.want {
			t.Errorf("whoConsented(%q, %v) = %q, want %q", tc.ids, tc.users, got, tc.want)
		}
		if Sanitize(got, 1000) != got {
			t.Errorf("%q is not terminal-safe", got)
		}
	}
	if got := whoConsented([]string{"m"}, true, []entra.User{megan}); got != "An administrator, for the whole organization," {
		t.Errorf("for everyone: %q", got)
	}
}
