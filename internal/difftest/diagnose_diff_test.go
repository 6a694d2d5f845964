// Package difftest checks the diagnosis (flows.Diagnose) of live snapshots,
// read by the real Graph client from the simulated cloud, against the
// simulator's own, independently written evaluation of what the end user
// gets. It has only tests: it sits above flows, graph and graph/sim so that
// neither graph's nor flows' tests import the other.
package difftest

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// startSim starts a simulated cloud for the test.
func startSim(t *testing.T, opts sim.Options) *sim.Server {
	t.Helper()
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// client is a Graph client for the sim acting as upn ("" = the scenario's
// admin) with a token the sim mints for the diagnosis's read scopes.
func client(t *testing.T, s *sim.Server, ten *sim.Tenant, upn string) *graph.Client {
	t.Helper()
	if upn == "" {
		upn = ten.AdminUPN()
	}
	tok, err := s.IssueToken(ten, upn, entra.DefaultClientID, entra.ReadScopes)
	if err != nil {
		t.Fatal(err)
	}
	ts := graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })
	return graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(s.HTTPClient()), graph.WithTokenSource(ts))
}

func diagnose(t *testing.T, c *graph.Client, ten *sim.Tenant) flows.Diagnosis {
	t.Helper()
	snap, err := c.Snapshot(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	return flows.Diagnose(snap, flows.AppRef{ClientID: ten.AppID(), Scopes: sim.TrackerRMSScopes})
}

// screenOf maps the sim's sign-in result to the diagnosis's user screen.
func screenOf(result string) string {
	if result == sim.ResultGranted {
		return flows.ScreenNone
	}
	return result // the other names are the same on both sides
}

func TestDiagnosisAgreesWithSimPerScenario(t *testing.T) {
	type want struct {
		screen      string
		recommended flows.FixID
		setting     string
	}
	wants := map[string]want{
		"assignment-required": {flows.ScreenNotAssigned, flows.FixAssignUsers, flows.ConsentDisabled},
		"granted":             {flows.ScreenNone, "", flows.ConsentDisabled},
		// The workflow is off, but an old request of Megan's is still pending: approving it is the fix.
		"hostile":          {flows.ScreenNeedAdminApproval, flows.FixRequestWorkflow, flows.ConsentDisabled},
		"locked-down":      {flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentDisabled},
		"managed-calendar": {flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentMicrosoftManaged},
		"request-workflow": {flows.ScreenApprovalRequired, flows.FixRequestWorkflow, flows.ConsentDisabled},
		// request-workflow without Entra ID P1 (and a second app's request).
		"no-premium":           {flows.ScreenApprovalRequired, flows.FixRequestWorkflow, flows.ConsentDisabled},
		"unverified-publisher": {flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentLow},
		"user-consent":         {flows.ScreenConsentPrompt, "", flows.ConsentLegacy},
		// TrackerRMS: Calendars.ReadWrite cannot be classified; the link is the fix.
		"low-impact": {flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentLow},
		// The admin accepts the sign-in client's consent prompt first; then it is locked-down.
		"cli-not-consented": {flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentDisabled},
	}
	for _, name := range sim.ScenarioNames() {
		if name == "many-apps" {
			continue
		}
		w, ok := wants[name]
		if !ok {
			t.Errorf("scenario %s has no expectations: add it to this table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, sim.Options{Scenario: name})
			ten := s.Tenant()
			d := diagnose(t, client(t, s, ten, ""), ten)
			out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), sim.TrackerRMSScopes, "")
			t.Logf("%s: screen %s, recommended %q (%s); sim: %s AADSTS%d", name, d.UserScreen, d.Recommended, d.RecommendedWhy, out.Result, out.Code)
			if d.UserScreen != w.screen {
				t.Errorf("user screen %s, want %s", d.UserScreen, w.screen)
			}
			if screenOf(out.Result) != d.UserScreen {
				t.Errorf("diagnosis says %s but the sim's user sees %s (%s)", d.UserScreen, out.Result, out.Message)
			}
			if d.Recommended != w.recommended {
				t.Errorf("recommended %q (%s), want %q", d.Recommended, d.RecommendedWhy, w.recommended)
			}
			if d.UserConsent.Setting != w.setting {
				t.Errorf("user consent setting %s, want %s", d.UserConsent.Setting, w.setting)
			}
			if d.Tenant.ID != ten.ID() || d.SignedInAs == "" || len(d.Unreadable) != 0 {
				t.Errorf("diagnosis header: %+v, signed in as %q, unreadable %v", d.Tenant, d.SignedInAs, d.Unreadable)
			}
			if d.Blocked != (w.screen != flows.ScreenNone && w.screen != flows.ScreenConsentPrompt) {
				t.Errorf("blocked = %v", d.Blocked)
			}
		})
	}
}

// A Global Reader reads the diagnosis, and is told that the fixes need a role
// they do not hold.
func TestGlobalReaderDiagnosis(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "locked-down"})
	ten := s.Tenant()
	d := diagnose(t, client(t, s, ten, "reader@contoso.com"), ten)
	if d.UserScreen != flows.ScreenNeedAdminApproval {
		t.Errorf("reader's diagnosis: %s", d.UserScreen)
	}
	if fx, ok := d.Fix(flows.FixRelaxUserConsent); ok && fx.HasRole {
		t.Errorf("a Global Reader has the role for %s: %+v", fx.ID, fx)
	}
}

// A tenant with 20,000 service principals, 50,000 grants and 500 consent
// requests is diagnosed exactly like a small locked-down one.
func TestManyAppsDiagnosedLikeSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-app tenant")
	}
	// The small tenant: locked-down, where 101 users consented to the app for
	// themselves (one more than a page), as 20,000 did in many-apps.
	small := startSim(t, sim.Options{Scenario: "locked-down"})
	if err := small.Tenant().AddUserGrants(sim.TrackerRMSAppID, 101); err != nil {
		t.Fatal(err)
	}
	big := startSim(t, sim.Options{Scenario: "many-apps"})
	a, b := comparableDiagnosis(t, small), comparableDiagnosis(t, big)
	if a != b {
		t.Errorf("many-apps diagnosis differs from locked-down with 101 users' grants:\nlocked-down: %s\nmany-apps:   %s", a, b)
	}
	// Their number is known only to exceed the page read.
	if !strings.Contains(b, `"At least 100 users have consented for themselves"`) {
		t.Errorf("many-apps: no \"At least 100 users\" finding: %s", b)
	}
}

// comparableDiagnosis is the diagnosis of TrackerRMS as JSON without the
// tenant's identity and the object id of the app's service principal.
func comparableDiagnosis(t *testing.T, s *sim.Server) string {
	t.Helper()
	ten := s.Tenant()
	snap, err := client(t, s, ten, "").Snapshot(testCtx(t), sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	app, err := flows.ParseApp(sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	d := flows.Diagnose(snap, app)
	d.Tenant = flows.TenantInfo{}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(string(b), ten.ID(), "TENANT")
	if snap.App != nil {
		out = strings.ReplaceAll(out, snap.App.ID, "APP-SP")
	}
	return out
}

func TestAdminLinkFixHeadless(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "locked-down"})
	ten := s.Tenant()
	c := client(t, s, ten, "")
	if d := diagnose(t, c, ten); d.UserScreen != flows.ScreenNeedAdminApproval || d.Recommended != flows.FixAdminLink {
		t.Fatalf("before: %s, %s", d.UserScreen, d.Recommended)
	}
	// Links are built for the browser base (plain http), as the UI's LinkCloud does.
	browserCloud := entra.Cloud{Name: "global", LoginURL: s.BrowserURL(), GraphURL: "https://graph.microsoft.com"}
	v1 := flows.AdminConsentURLv1(browserCloud, ten.ID(), ten.AppID(), "", "st1")

	// Cancel: back to the app's reply URL with access_denied; nothing granted.
	loc, err := s.HeadlessAdminConsent(v1, ten.AdminUPN(), false)
	if err != nil {
		t.Fatal(err)
	}
	if q := queryOf(t, loc); q.Get("error") != "access_denied" || q.Get("state") != "st1" {
		t.Errorf("cancel: %s", loc)
	}
	// A user without an admin role cannot accept.
	if _, err := s.HeadlessAdminConsent(v1, ten.EndUserUPN(), true); err == nil || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Errorf("non-admin accepting: %v", err)
	}
	// A v2 link without a registered redirect URI is an error page.
	if _, err := s.HeadlessAdminConsent(s.LoginURL()+"/"+ten.ID()+"/v2.0/adminconsent?client_id="+ten.AppID()+"&scope=User.Read&redirect_uri=https://evil.example/", ten.AdminUPN(), true); err == nil || !strings.Contains(err.Error(), "50011") {
		t.Errorf("bad redirect: %v", err)
	}
	// Links elsewhere are refused without a request.
	if _, err := s.HeadlessAdminConsent("https://login.microsoftonline.com/"+ten.ID()+"/adminconsent?client_id="+ten.AppID(), ten.AdminUPN(), true); err == nil {
		t.Error("a link to the real cloud was followed")
	}
	if d := diagnose(t, c, ten); d.UserScreen != flows.ScreenNeedAdminApproval {
		t.Errorf("after cancel and refusals: %s", d.UserScreen)
	}

	// Accept as the admin: redirect with admin_consent=True, then Graph shows the grant.
	loc, err = s.HeadlessAdminConsent(v1, ten.AdminUPN(), true)
	if err != nil {
		t.Fatal(err)
	}
	if q := queryOf(t, loc); q.Get("admin_consent") != "True" || q.Get("tenant") != ten.ID() || q.Get("state") != "st1" {
		t.Errorf("accept: %s", loc)
	}
	d := diagnose(t, c, ten)
	if d.UserScreen != flows.ScreenNone || d.Blocked {
		t.Errorf("after admin consent: %s (blocked %v)", d.UserScreen, d.Blocked)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), sim.TrackerRMSScopes, ""); out.Result != sim.ResultGranted {
		t.Errorf("the sim's user after admin consent: %+v", out)
	}
}

func TestAdminLinkV2HeadlessOverHTTPS(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "managed-calendar"})
	ten := s.Tenant()
	c := client(t, s, ten, "")
	// The v2 link on the HTTPS base, scopes qualified with the sim's Graph host.
	cloud := entra.Cloud{Name: "custom", LoginURL: s.LoginURL(), GraphURL: s.GraphURL()}
	redirect := "https://usevo.tracker-rms.com/Office365/CallBack"
	v2, err := flows.AdminConsentURLv2(cloud, ten.Domain(), ten.AppID(), sim.TrackerRMSScopes, redirect, "s2")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := s.HeadlessAdminConsent(v2, "cloudadmin@contoso.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc, redirect+"?") || queryOf(t, loc).Get("admin_consent") != "True" || queryOf(t, loc).Get("scope") == "" {
		t.Errorf("v2 accept: %s", loc)
	}
	d := diagnose(t, c, ten)
	out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), sim.TrackerRMSScopes, "")
	if d.UserScreen != flows.ScreenNone || screenOf(out.Result) != d.UserScreen {
		t.Errorf("after v2 consent: diagnosis %s, sim %s %s", d.UserScreen, out.Result, out.Message)
	}
}

func queryOf(t *testing.T, loc string) url.Values {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("redirect %q: %v", loc, err)
	}
	return u.Query()
}

// An app that asks for IMAP on Office 365 Exchange Online, which the
// managed policy excludes (docs/entra.md B4): the diagnosis agrees with the
// simulated user in every scenario where the app is not consented yet.
func TestExchangeOnlineScopesAgreeWithSim(t *testing.T) {
	scopes := []string{"offline_access", "User.Read", "https://outlook.office.com/IMAP.AccessAsUser.All"}
	app, err := flows.ParseApp("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + sim.TrackerRMSAppID +
		"&response_type=code&scope=" + url.QueryEscape(strings.Join(scopes, " ")))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"locked-down", "managed-calendar", "user-consent", "unverified-publisher", "request-workflow"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, sim.Options{Scenario: name})
			ten := s.Tenant()
			snap, err := client(t, s, ten, "").SnapshotWithResources(testCtx(t), ten.AppID(), flows.ResourceAppIDs(app))
			if err != nil {
				t.Fatal(err)
			}
			d := flows.Diagnose(snap, app)
			out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), scopes, "")
			if screenOf(out.Result) != d.UserScreen || d.Verdict == flows.VerdictUnknown {
				t.Errorf("diagnosis says %s (%s) but the sim's user sees %s (AADSTS%d: %s)", d.UserScreen, d.Verdict, out.Result, out.Code, out.Message)
			}
			if fx, _ := d.Fix(flows.FixRelaxUserConsent); fx.Viable {
				t.Errorf("relax-user-consent viable for IMAP.AccessAsUser.All: %s", fx.Reason)
			}
		})
	}
}
