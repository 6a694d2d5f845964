package flows

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The wizard started from the symptom: no app given, "Find what users are
// blocked on" asks the tenant, signs in with the read and the scan scopes,
// scans the last 7 days, lists the apps most users first, and picking one
// goes straight to the diagnosis (no second sign-in); Back from the
// checklist returns to the list.
func TestWizardFindBlockedTranscript(t *testing.T) {
	in := wzTestInput()
	in.App, in.Tenant, in.Profiles = AppRef{}, "", []AppRef{wzTestApp()}
	w := wzNewWiz(t, in, wzGrantTenant())
	w.expect(StepAppChoose)
	if w.s.Prompt.Default != string(KeyScan) || !slices.ContainsFunc(w.s.Prompt.Options, func(o Option) bool { return o.Key == KeyScan }) {
		t.Fatalf("the first screen does not offer (and default to) finding what users are blocked on: %+v", w.s.Prompt)
	}
	w.send(Chose{Key: KeyScan})
	w.expect(StepTenantInput)
	if !strings.Contains(w.s.Prompt.Body, "sign-in logs") || w.s.Prompt.StepNo != 1 || w.s.Prompt.StepTitle != "Find your tenant" {
		t.Errorf("tenant prompt in find mode: %+v", w.s.Prompt)
	}
	w.send(Entered{Text: wzTDomain})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	scopes := mergeScopes(ReadScopes, ScanScopes)
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: scopes})
	if !slices.Contains(scopes, "AuditLog.Read.All") || !strings.Contains(w.s.Prompt.Body, "AuditLog.Read.All") {
		t.Errorf("the sign-in must ask for (and name) the scan's scopes: %v / %q", scopes, w.s.Prompt.Body)
	}
	w.answerOnly()
	since := wzTNow.Add(-7 * 24 * time.Hour)
	w.expect(StepScanning, Scan{Tenant: wzT, Name: wzTDomain, Since: since})
	w.answerOnly()
	w.expect(StepScanPick)
	p := w.s.Prompt
	if p.StepNo != 3 || p.StepTitle != "Find what users are blocked on" || !p.CanBack {
		t.Errorf("scan list numbering: %d %q back %v", p.StepNo, p.StepTitle, p.CanBack)
	}
	if len(p.Options) < 2 || p.Options[0].Key != AppKey(0) || p.Options[0].Label != "Calendar Sync" ||
		!strings.Contains(p.Options[0].Detail, "2 users") || !strings.Contains(p.Options[0].Detail, "AADSTS90094") ||
		!strings.Contains(p.Options[0].Detail, "last seen") || p.Options[1].Label != "Contoso CRM" {
		t.Fatalf("the list is not most users first with users, last seen and code: %+v", p.Options)
	}
	for _, k := range []OptionKey{KeySearch, KeyAppID, KeyAppPaste, KeyRecheck} {
		if !slices.ContainsFunc(p.Options, func(o Option) bool { return o.Key == k }) {
			t.Errorf("the list lacks %s", k)
		}
	}
	w.send(Chose{Key: AppKey(0)})
	app := KnownApp(AppRef{ClientID: wzTAppID, DisplayName: "Calendar Sync"})
	w.expect(StepDiagnosing, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: app, Diagnose: true})
	w.answerOnly()
	w.expect(StepChooseFix)
	if w.s.Prompt.StepNo != 4 {
		t.Errorf("checklist step %d, want 4", w.s.Prompt.StepNo)
	}
	w.send(Back{})
	w.expect(StepScanPick)
	if w.s.App.ClientID != "" || w.s.Diagnosis != nil {
		t.Errorf("back to the list must forget the app: %+v", w.s.App)
	}
	// Read again, then leave the find journey for the first screen.
	w.send(Chose{Key: KeyRecheck})
	w.expect(StepScanning, Scan{Tenant: wzT, Name: wzTDomain, Since: since})
	w.answerOnly()
	w.send(Back{})
	w.expect(StepAppChoose)
	if w.s.FindBlocked || w.s.Scan != nil {
		t.Errorf("back to the first screen must leave find mode")
	}
}

// The scan list: an app found by name there (search) and the scan's own
// list are candidates; a name several apps share lists them with ids.
func TestWizardFindByNameFromTheList(t *testing.T) {
	in := wzTestInput()
	in.App, in.Tenant = AppRef{}, ""
	w := wzNewWiz(t, in, wzGrantTenant())
	w.send(Chose{Key: KeyScan})
	w.send(Entered{Text: wzTDomain})
	w.answerOnly() // resolve
	w.answerOnly() // sign in
	w.answerOnly() // scan
	w.expect(StepScanPick)
	w.send(Chose{Key: KeySearch})
	w.expect(StepAppSearch)
	w.send(Entered{Text: "  calendar   "})
	w.expect(StepAppSearching, SearchApps{Tenant: wzT, Prefix: "calendar"})
	w.answerOnly()
	w.expect(StepAppPick)
	p := w.s.Prompt
	if len(p.Options) != 3 || p.Options[0].Label != "Calendar Sync" || !strings.Contains(p.Options[0].Detail, wzTAppID) ||
		p.Options[1].Label != "Calendar Sync Pro" || !strings.Contains(p.Options[1].Detail, wzTOtherAppID) {
		t.Fatalf("ambiguous name: %+v", p.Options)
	}
	w.send(Chose{Key: AppKey(1)})
	w.expect(StepDiagnosing, FetchSnapshot{Tenant: wzT, AppID: wzTOtherAppID, App: AppRef{ClientID: wzTOtherAppID, DisplayName: "Calendar Sync Pro"}, Diagnose: true})
	w.answerOnly()
	w.send(Back{})
	w.expect(StepAppPick)
	w.send(Back{})
	w.expect(StepAppSearch)
	w.send(Entered{Text: "Payroll"})
	w.answerOnly()
	w.expect(StepAppSearch)
	if !strings.Contains(w.s.Prompt.Body, `No app named "Payroll" in contoso.com`) {
		t.Errorf("a name nothing matches: %q", w.s.Prompt.Body)
	}
	w.send(Back{})
	w.expect(StepScanPick)
}

// A consent screen's words without an app id: the wizard says where the id
// is and offers to find the app by the name the screen showed; after the
// tenant and a read-only sign-in it searches the tenant and diagnoses the
// one app with that name, keeping what the text said (the code).
func TestWizardScreenWordsFindByName(t *testing.T) {
	in := wzTestInput()
	in.App, in.Tenant = AppRef{}, ""
	w := wzNewWiz(t, in, wzGrantTenant())
	w.send(Chose{Key: KeyAppPaste})
	w.send(Entered{Text: "Need admin approval\nCalendar Sync\nCalendar Sync needs permission to access resources in your organization that only an admin can grant. AADSTS90094"})
	w.expect(StepAppSearch)
	p := w.s.Prompt
	if p.Default != "Calendar Sync" || !strings.Contains(p.Body, "Troubleshooting details") || !strings.Contains(p.Body, `"Calendar Sync"`) {
		t.Fatalf("the screen-words prompt: %+v", p)
	}
	w.send(Entered{Text: ""})
	w.expect(StepTenantInput)
	w.send(Entered{Text: wzTDomain})
	w.answerOnly()
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	w.answerOnly()
	w.expect(StepAppSearching, SearchApps{Tenant: wzT, Prefix: "Calendar Sync"})
	w.answerOnly()
	w.at(StepDiagnosing)
	if w.s.App.ClientID != wzTAppID || w.s.App.ErrorCode != 90094 {
		t.Errorf("found app %+v: want %s with the text's code", w.s.App, wzTAppID)
	}
	// Back from the diagnosis returns to the name, not to the tenant.
	w.send(Back{})
	w.expect(StepAppSearch)
}

// check --app-name: the machine finds the app after sign-in; a name several
// apps share ends the check with the list of their ids.
func TestCheckOnlyByName(t *testing.T) {
	in := wzTestInput()
	in.App, in.AppName, in.CheckOnly = AppRef{}, "calendar", true
	w := wzNewWiz(t, in, wzGrantTenant())
	o, ok := w.drive(20)
	if !ok || o.Kind != OutcomeFailed || !strings.Contains(o.Err, wzTAppID) || !strings.Contains(o.Err, wzTOtherAppID) {
		t.Fatalf("ambiguous check: %+v", o)
	}
	in.AppName = "Calendar Sync"
	w = wzNewWiz(t, in, wzGrantTenant())
	o, ok = w.drive(20)
	if !ok || o.Diagnosis == nil || w.s.App.ClientID != wzTAppID {
		t.Fatalf("check by name: %+v app %+v", o, w.s.App)
	}
	if !slices.ContainsFunc(w.all, func(e Effect) bool { sa, ok := e.(SearchApps); return ok && sa.Prefix == "Calendar Sync" }) {
		t.Errorf("no tenant search: %#v", w.all)
	}
	// The screen's words without an id end a check with where the id is.
	in.AppName, in.AppText = "", "Need admin approval. Calendar Sync needs permission to access resources in your organization that only an admin can grant."
	w = wzNewWiz(t, in, wzGrantTenant())
	o = w.finished()
	if o.Kind != OutcomeFailed || !strings.Contains(o.Err, "Troubleshooting details") {
		t.Errorf("screen words in a check: %+v", o)
	}
}

// The helpdesk cannot sign in before the hand-off: a name is looked up in
// consentwiz's profiles only, and the scan is not offered.
func TestHelpdeskByNameProfilesOnly(t *testing.T) {
	in := wzTestInput()
	in.App, in.Tenant, in.Profiles = AppRef{}, "", []AppRef{wzTestApp()}
	w := wzNewWiz(t, in, wzGrantTenant())
	w.send(Chose{Key: KeyHelpdesk})
	if slices.ContainsFunc(w.s.Prompt.Options, func(o Option) bool { return o.Key == KeyScan || o.Key == KeyAppName }) {
		t.Fatalf("helpdesk offers a search that needs a sign-in: %+v", w.s.Prompt.Options)
	}
	w.send(Chose{Key: KeyAppPaste})
	w.send(Entered{Text: "Need admin approval. Payroll Pro needs permission to access resources in your organization that only an admin can grant."})
	w.expect(StepAppInput)
	if !strings.Contains(w.s.InputErr, "Troubleshooting details") {
		t.Errorf("helpdesk: where the id is: %q", w.s.InputErr)
	}
}

// A pasted link whose tenant is a placeholder names no tenant: the wizard
// asks, saying why; the link's cloud goes with the tenant lookup, and the
// driver's note about it is shown at sign-in.
func TestWizardPlaceholderTenantAndCloudHint(t *testing.T) {
	in := wzTestInput()
	in.App, in.Tenant = AppRef{}, ""
	w := wzNewWiz(t, in, wzGrantTenant())
	w.send(Chose{Key: KeyAppPaste})
	w.send(Entered{Text: "https://login.microsoftonline.us/{tenant-id}/oauth2/authorize?client_id=" + wzTAppID + "&response_type=code"})
	w.expect(StepTenantInput)
	if !strings.Contains(w.s.Prompt.Body, "{tenant-id}") || w.s.Prompt.Default != "" {
		t.Errorf("placeholder tenant prompt: %+v", w.s.Prompt)
	}
	w.send(Entered{Text: wzTDomain})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain, Cloud: "usgov"})
	w.send(TenantResolved{Info: TenantInfo{ID: wzTTenantID, Domain: wzTDomain, Cloud: cloudNamed("usgov")}, Note: "The link is for login.microsoftonline.us."})
	w.at(StepSigningIn)
	if !strings.Contains(w.s.Prompt.Body, "The link is for login.microsoftonline.us.") {
		t.Errorf("the driver's cloud note is not shown: %q", w.s.Prompt.Body)
	}
}

// at checks the step and, when given, the last effects (any effects when none are given).
func (w *wzRun) at(step StepID, want ...Effect) {
	w.t.Helper()
	if w.s.Step != step {
		w.t.Fatalf("step = %s, want %s (prompt %q: %s)", w.s.Step, step, w.s.Prompt.Title, w.s.Prompt.Body)
	}
	if len(want) > 0 && !reflect.DeepEqual(w.last, want) {
		w.t.Fatalf("at %s effects =\n  %#v\nwant\n  %#v", step, w.last, want)
	}
}

// A name found among profiles the wizard was given but that are not shipped
// (the demo's own app) gives the app as the profile describes it — its
// permissions — as picking it from the first screen's list does.
func TestFindByNameUsesTheGivenProfile(t *testing.T) {
	demoApp := AppRef{ClientID: "0f4b6c1e-7d2a-4e8b-9c3f-5a6d7e8f9a0b", DisplayName: "Northwind Timesheets (demo app)",
		Profile: "northwind-timesheets", Scopes: []string{"User.Read", "Contacts.Read"}, ConsentVersion: "v1"}
	for _, name := range []string{"Northwind Timesheets", "northwind-timesheets"} {
		in := wzTestInput()
		in.App, in.AppName, in.CheckOnly, in.Profiles = AppRef{}, name, true, []AppRef{demoApp}
		w := wzNewWiz(t, in, wzGrantTenant())
		if _, ok := w.drive(20); !ok {
			t.Fatalf("%s: the check did not finish", name)
		}
		if w.s.App.ClientID != demoApp.ClientID || !slices.Equal(w.s.App.Scopes, demoApp.Scopes) || w.s.App.Profile != demoApp.Profile {
			t.Errorf("%s: found %+v, want the profile's app %+v", name, w.s.App, demoApp)
		}
	}
}
