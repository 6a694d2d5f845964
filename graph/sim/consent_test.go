package sim

import (
	"bytes"
	"consentwiz/graph/entra"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestScenarioOutcomes(t *testing.T) {
	cases := []struct {
		scenario      string
		result        string
		code          int
		afterConsent  string
		afterCode     int
		missingBefore int
	}{
		{"locked-down", ResultNeedAdminApproval, 90093, ResultGranted, 0, 4},
		{"request-workflow", ResultApprovalRequired, 90095, ResultGranted, 0, 4},
		{"managed-calendar", ResultNeedAdminApproval, 90094, ResultGranted, 0, 4},
		{"unverified-publisher", ResultNeedAdminApproval, 90094, ResultGranted, 0, 4},
		{"assignment-required", ResultNotAssigned, 50105, ResultNotAssigned, 50105, 0},
		{"granted", ResultGranted, 0, ResultGranted, 0, 0},
		{"hostile", ResultNeedAdminApproval, 90093, ResultGranted, 0, 4},
		{"user-consent", ResultConsentPrompt, 65001, ResultGranted, 0, 4},
		{"many-apps", ResultNeedAdminApproval, 90093, ResultGranted, 0, 4},
		{"cli-not-consented", ResultNeedAdminApproval, 90093, ResultGranted, 0, 4},
		{"no-premium", ResultApprovalRequired, 90095, ResultGranted, 0, 4},
		// TrackerRMS asks for permissions that are not classified low.
		{"low-impact", ResultNeedAdminApproval, 90094, ResultGranted, 0, 4},
	}
	if len(cases) != len(ScenarioNames()) {
		t.Errorf("table covers %d of %d scenarios", len(cases), len(ScenarioNames()))
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			if c.scenario == "many-apps" && testing.Short() {
				t.Skip("big tenant")
			}
			s, err := New(Options{Scenario: c.scenario})
			if err != nil {
				t.Fatal(err)
			}
			ten := s.Tenant()
			out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "")
			if out.Result != c.result || out.Code != c.code || len(out.MissingScopes) != c.missingBefore {
				t.Errorf("before: %+v", out)
			}
			if out.Result != ResultGranted && !strings.Contains(out.Message, "AADSTS") {
				t.Errorf("message without AADSTS code: %q", out.Message)
			}
			if err := ten.AdminConsent(ten.AdminUPN(), ten.AppID(), nil); err != nil {
				t.Fatal(err)
			}
			out = ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "")
			if out.Result != c.afterConsent || out.Code != c.afterCode {
				t.Errorf("after admin consent: %+v", out)
			}
		})
	}
}

func TestSignInDetails(t *testing.T) {
	s, _ := New(Options{Scenario: "request-workflow"})
	ten := s.Tenant()
	out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, "Please, I need it for interviews")
	if out.Result != ResultRequestSubmitted {
		t.Fatalf("submit: %+v", out)
	}
	reqs := ten.ConsentRequests()
	if len(reqs) != 1 || len(reqs[0].UserConsentRequests) != 1 || reqs[0].UserConsentRequests[0].Reason != "Please, I need it for interviews" {
		t.Errorf("the user's request should be updated, not duplicated: %+v", reqs)
	}
	ten.AddUser("bob@contoso.com", "Bob")
	ten.UserSignIn("bob@contoso.com", TrackerRMSAppID, []string{"https://graph.microsoft.com/User.Read"}, "me too")
	if r := ten.ConsentRequests(); len(r[0].UserConsentRequests) != 2 || r[0].UserConsentRequests[1].Status != "InProgress" {
		t.Errorf("second user's request: %+v", r)
	}
	// Unknown user, unknown app, admin-only scope.
	if out := ten.UserSignIn("nobody@contoso.com", TrackerRMSAppID, nil, ""); out.Code != 50034 {
		t.Errorf("unknown user: %+v", out)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), "00000000-0000-0000-0000-00000000abcd", nil, ""); out.Code != 700016 {
		t.Errorf("unknown app: %+v", out)
	}

	// Legacy user consent with an unverified app: risk-based step-up (docs/entra.md B3).
	s2, _ := New(Options{Scenario: "unverified-publisher"})
	t2 := s2.Tenant()
	t2.SetUserConsentPolicies([]string{entra.SelfConsentPrefix + entra.PolicyLegacy})
	if out := t2.UserSignIn(t2.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Code != 900941 {
		t.Errorf("risky app: %+v", out)
	}
	// Basic scopes only are not risky.
	if out := t2.UserSignIn(t2.EndUserUPN(), TrackerRMSAppID, []string{"User.Read", "offline_access"}, "accept"); out.Result != ResultGranted {
		t.Errorf("basic scopes under legacy: %+v", out)
	}
	grants := t2.Grants(TrackerRMSAppID)
	if len(grants) != 1 || grants[0].ConsentType != "Principal" {
		t.Errorf("user consent grant: %+v", grants)
	}
	// -low: verified app and only low-classified scopes.
	t2.SetUserConsentPolicies([]string{"managePermissionGrantsForSelf.microsoft-user-default-low"})
	if out := t2.UserSignIn(t2.EndUserUPN(), TrackerRMSAppID, []string{"User.Read", "profile"}, ""); out.Result != ResultNeedAdminApproval {
		t.Errorf("-low with an unverified app: %+v", out)
	}
	s3, _ := New(Options{Scenario: "locked-down"})
	t3 := s3.Tenant()
	t3.SetUserConsentPolicies([]string{entra.SelfConsentPrefix + entra.PolicyLow})
	if out := t3.UserSignIn(t3.EndUserUPN(), TrackerRMSAppID, []string{"User.Read"}, ""); out.Result != ResultNeedAdminApproval {
		t.Errorf("-low with nothing classified: %+v", out)
	}
	t3.classifyLowBasicsForTest()
	if out := t3.UserSignIn(t3.EndUserUPN(), TrackerRMSAppID, []string{"User.Read"}, ""); out.Result != ResultConsentPrompt {
		t.Errorf("-low, verified, classified low: %+v", out)
	}
	// Admin-only scope: 90094 even under legacy.
	t3.SetUserConsentPolicies([]string{entra.SelfConsentPrefix + entra.PolicyLegacy})
	if out := t3.UserSignIn(t3.EndUserUPN(), TrackerRMSAppID, []string{"Directory.Read.All"}, ""); out.Code != 90094 {
		t.Errorf("admin-only scope: %+v", out)
	}
	// Disabled SP.
	t3.AdminConsent(t3.AdminUPN(), TrackerRMSAppID, nil)
	t3.SetServicePrincipalEnabled(TrackerRMSAppID, false)
	if out := t3.UserSignIn(t3.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Result != ResultBlocked {
		t.Errorf("disabled: %+v", out)
	}
}

func (t *Tenant) classifyLowBasicsForTest() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.classifyLowBasics()
}

func TestSignInOverHTTP(t *testing.T) {
	s := newSim(t, Options{})
	b, _ := json.Marshal(map[string]any{"upn": "megan@contoso.com"})
	res, err := s.HTTPClient().Post(s.LoginURL()+"/_sim/contoso.com/signin", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out SignInOutcome
	_ = json.NewDecoder(res.Body).Decode(&out)
	if out.Result != ResultNeedAdminApproval || out.Code != 90093 {
		t.Errorf("%+v", out)
	}
}

func adminConsentURL(s *Server, version int, q url.Values) string {
	p := "/adminconsent"
	if version == 2 {
		p = "/v2.0/adminconsent"
	}
	return s.LoginURL() + "/" + s.Tenant().ID() + p + "?" + q.Encode()
}

func TestAdminConsentV1(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	c := noRedirect(s)
	p := get(t, c, adminConsentURL(s, 1, url.Values{"client_id": {TrackerRMSAppID}, "state": {"st8"}}))
	if p.status != 200 || !p.has("accept") || !strings.Contains(p.body, "Calendars.ReadWrite") || !strings.Contains(p.body, "Tracker Systems Ltd") {
		t.Fatalf("consent page: %d %s", p.status, p.body)
	}
	// Cancel → error redirect to the app's reply URL.
	r := submit(t, c, p, "cancel", nil)
	loc, _ := url.Parse(r.loc)
	if r.status != 302 || !strings.HasPrefix(r.loc, "https://ukevo.tracker-rms.com/Office365/CallBack?") || loc.Query().Get("error") != "access_denied" ||
		!strings.HasPrefix(loc.Query().Get("error_description"), "AADSTS65004") || loc.Query().Get("state") != "st8" {
		t.Errorf("cancel: %d %s", r.status, r.loc)
	}
	if len(ten.Grants(TrackerRMSAppID)) != 0 {
		t.Error("cancel granted")
	}
	// A non-admin cannot grant.
	r = submit(t, c, p, "accept", url.Values{"login": {ten.EndUserUPN()}})
	if r.status != 403 || !strings.Contains(r.body, `data-code="90094"`) {
		t.Errorf("megan accepting: %d", r.status)
	}
	// Accept as the admin.
	r = submit(t, c, p, "accept", url.Values{"login": {ten.AdminUPN()}})
	loc, _ = url.Parse(r.loc)
	if r.status != 302 || loc.Query().Get("admin_consent") != "True" || loc.Query().Get("tenant") != ten.ID() || loc.Query().Get("state") != "st8" {
		t.Errorf("accept: %d %s", r.status, r.loc)
	}
	g := ten.Grants(TrackerRMSAppID)
	if len(g) != 1 || g[0].ConsentType != "AllPrincipals" || g[0].Scope != "User.Read offline_access Calendars.ReadWrite Mail.Send" {
		t.Errorf("grant: %+v", g)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Result != ResultGranted {
		t.Errorf("after consent: %+v", out)
	}
	// An unknown redirect_uri is refused (docs/entra.md C1 exact match).
	p = get(t, c, adminConsentURL(s, 1, url.Values{"client_id": {TrackerRMSAppID}, "redirect_uri": {"https://evil.example/cb"}}))
	if p.status != 400 || !strings.Contains(p.body, `data-code="50011"`) {
		t.Errorf("redirect mismatch: %d", p.status)
	}
}

func TestAdminConsentV2AndAppRoles(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	c := noRedirect(s)
	p := get(t, c, adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "redirect_uri": {trackerReplyURLs[1]}}))
	if p.status != 400 || !strings.Contains(p.body, "AADSTS900144") || !strings.Contains(p.body, "&#39;scope&#39;") {
		t.Errorf("v2 without scope: %d %s", p.status, p.body)
	}
	p = get(t, c, adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "scope": {"https://graph.microsoft.com/User.Read"}, "redirect_uri": {trackerReplyURLs[1] + "/x"}}))
	if p.status != 400 || !strings.Contains(p.body, `data-code="50011"`) {
		t.Errorf("v2 redirect mismatch: %d", p.status)
	}
	scope := "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Calendars.ReadWrite"
	p = get(t, c, adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "scope": {scope}, "redirect_uri": {trackerReplyURLs[1]}, "state": {"s2"}}))
	r := submit(t, c, p, "accept", url.Values{"login": {"cloudadmin@contoso.com"}})
	loc, _ := url.Parse(r.loc)
	if r.status != 302 || !strings.HasPrefix(r.loc, trackerReplyURLs[1]) || loc.Query().Get("scope") != scope || loc.Query().Get("admin_consent") != "True" {
		t.Errorf("v2 accept: %d %s", r.status, r.loc)
	}
	if g := ten.Grants(TrackerRMSAppID); len(g) != 1 || g[0].Scope != "User.Read Calendars.ReadWrite" {
		t.Errorf("v2 grant: %+v", g)
	}
	// Graph app roles: Application Administrator may not grant them (docs/entra.md A7).
	p = get(t, c, adminConsentURL(s, 1, url.Values{"client_id": {ArchiverAppID}}))
	if !strings.Contains(p.body, `data-role="Mail.Read"`) {
		t.Errorf("app roles not listed: %s", p.body)
	}
	if r := submit(t, c, p, "accept", url.Values{"login": {"appadmin@contoso.com"}}); r.status != 403 {
		t.Errorf("app admin granting app roles: %d", r.status)
	}
	r = submit(t, c, p, "accept", url.Values{"login": {"pra@contoso.com"}})
	if r.status != 302 {
		t.Errorf("PRA: %d %s", r.status, r.body)
	}
	if a := ten.AppRoleAssignments(ArchiverAppID); len(a) != 1 || a[0].AppRoleID != "810c84a8-4a9e-49e6-bf7d-12d183f40d01" {
		t.Errorf("assignments: %+v", a)
	}
	// No redirect target at all → success page.
	s.RegisterApp(App{AppID: "11111111-2222-3333-4444-555555555555", DisplayName: "No Reply", OwnerTenantID: "x", RequiredScopes: []string{"User.Read"}})
	p = get(t, c, adminConsentURL(s, 1, url.Values{"client_id": {"11111111-2222-3333-4444-555555555555"}}))
	if r := submit(t, c, p, "accept", nil); r.status != 200 || !r.has("consent-granted") {
		t.Errorf("success page: %d %s", r.status, r.body)
	}
}

func TestAdminConsentCompletesRequest(t *testing.T) {
	s := newSim(t, Options{Scenario: "request-workflow"})
	ten := s.Tenant()
	req := ten.ConsentRequests()[0]
	c := noRedirect(s)
	// CIPP's approve URL (docs/entra.md A4).
	p := get(t, c, s.LoginURL()+"/"+ten.Domain()+"/adminConsent?"+url.Values{"client_id": {TrackerRMSAppID}, "bf_id": {req.ID},
		"redirect_uri": {"https://entra.microsoft.com/TokenAuthorize"}}.Encode())
	if p.status != 200 {
		t.Fatalf("bf_id page: %d %s", p.status, p.body)
	}
	r := submit(t, c, p, "accept", nil)
	if r.status != 302 || !strings.HasPrefix(r.loc, "https://entra.microsoft.com/TokenAuthorize?admin_consent=True") {
		t.Errorf("accept: %d %s", r.status, r.loc)
	}
	after := ten.ConsentRequests()[0]
	if after.UserConsentRequests[0].Status != "Completed" || after.UserConsentRequests[0].CompletedDateTime == "" || len(after.PendingScopes) != 0 {
		t.Errorf("request not completed: %+v", after)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Result != ResultGranted {
		t.Errorf("after approval: %+v", out)
	}
}

func TestEndUserAuthorizeScreens(t *testing.T) {
	for _, c := range []struct{ scenario, result, code string }{
		{"locked-down", ResultNeedAdminApproval, "90093"},
		{"request-workflow", ResultApprovalRequired, "90095"},
		{"assignment-required", ResultNotAssigned, "50105"},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			s := newSim(t, Options{Scenario: c.scenario})
			ten := s.Tenant()
			hc := noRedirect(s)
			q := url.Values{"client_id": {TrackerRMSAppID}, "response_type": {"code"}, "redirect_uri": {trackerReplyURLs[0]},
				"scope": {"User.Read offline_access Calendars.ReadWrite Mail.Send"}, "state": {"abc"}}
			p := get(t, hc, s.BrowserURL()+"/organizations/oauth2/v2.0/authorize?"+q.Encode())
			if !strings.Contains(p.body, `value="megan@contoso.com"`) {
				t.Errorf("end user not preselected")
			}
			p = submit(t, hc, p, "signin", nil)
			if !strings.Contains(p.body, `data-result="`+c.result+`"`) || !strings.Contains(p.body, `data-code="`+c.code+`"`) {
				t.Fatalf("screen: %s", p.body)
			}
			if c.result == ResultApprovalRequired {
				r := submit(t, hc, p, "request", url.Values{"reason": {"need it"}})
				if !r.has("request-sent") {
					t.Errorf("request page: %s", r.body)
				}
				reqs := ten.ConsentRequests()
				if n := len(reqs[0].UserConsentRequests); n != 1 || reqs[0].UserConsentRequests[0].Reason != "need it" {
					t.Errorf("request: %+v", reqs)
				}
				p = r
			}
			r := submit(t, hc, p, "cancel", nil)
			loc, _ := url.Parse(r.loc)
			if r.status != 302 || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "abc" {
				t.Errorf("back to app: %d %s", r.status, r.loc)
			}
		})
	}
	// The granted tenant: the user goes straight through with a code.
	s := newSim(t, Options{Scenario: "granted"})
	hc := noRedirect(s)
	q := url.Values{"client_id": {TrackerRMSAppID}, "response_type": {"code"}, "redirect_uri": {trackerReplyURLs[0]}, "scope": {"User.Read"}}
	p := submit(t, hc, get(t, hc, s.LoginURL()+"/contoso.com/oauth2/v2.0/authorize?"+q.Encode()), "signin", nil)
	if loc, _ := url.Parse(p.loc); p.status != 302 || loc.Query().Get("code") == "" {
		t.Errorf("granted: %d %s", p.status, p.loc)
	}
}

func TestHostileStringsAreEscapedInPages(t *testing.T) {
	s := newSim(t, Options{Scenario: "hostile"})
	c := noRedirect(s)
	p := get(t, c, adminConsentURL(s, 1, url.Values{"client_id": {TrackerRMSAppID}}))
	if p.status != 200 {
		t.Fatalf("%d", p.status)
	}
	if !strings.Contains(p.body, "\x1b[2J") {
		t.Log("escape sequences are passed through as text (the pages escape markup, not control characters)")
	}
	if strings.Contains(p.body, "<script>") {
		t.Error("script injected")
	}
	ten := s.Tenant()
	if n := len(ten.DisplayName()); n < 10 || !strings.Contains(ten.DisplayName(), "\x1b]52;") {
		t.Errorf("hostile org name missing: %q", ten.DisplayName())
	}
	sp, ok := ten.ServicePrincipal(TrackerRMSAppID)
	if !ok || len(sp.DisplayName) < 5000 {
		t.Errorf("hostile SP name: %d", len(sp.DisplayName))
	}
}

func TestIndexAndControl(t *testing.T) {
	s := newSim(t, Options{})
	c := s.HTTPClient()
	p := get(t, c, s.BrowserURL()+"/")
	if p.status != 200 || !strings.Contains(p.body, s.Tenant().ID()) {
		t.Errorf("index: %d", p.status)
	}
	r := call(t, s, "", "GET", s.LoginURL()+"/_sim/stats", nil)
	if r.status != 200 || r.body["authorityRequests"] == nil {
		t.Errorf("stats: %s", r.raw)
	}
	res, err := c.Get(s.LoginURL() + "/_sim/tenants")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("tenants: %v", err)
	}
	var ts []map[string]string
	_ = json.NewDecoder(res.Body).Decode(&ts)
	res.Body.Close()
	if len(ts) != 1 || ts[0]["adminUpn"] != "admin@contoso.com" || ts[0]["scenario"] != "locked-down" {
		t.Errorf("tenants: %v", ts)
	}
	path := t.TempDir() + "/ca.pem"
	if err := s.WriteCAFile(path); err != nil || !bytes.HasPrefix(s.CAPEM(), []byte("-----BEGIN CERTIFICATE-----")) {
		t.Errorf("CA file: %v", err)
	}
	// The Graph is also served at the HTTPS root, as msgraph_host promises.
	tok := token(t, s, s.Tenant(), s.Tenant().AdminUPN(), "User.Read")
	if r := call(t, s, tok, "GET", s.LoginURL()+"/v1.0/me", nil); r.status != 200 {
		t.Errorf("root graph: %d", r.status)
	}
}
