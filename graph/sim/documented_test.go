package sim

import (
	"consentwiz/assets"
	"consentwiz/graph/entra"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Behaviours Microsoft documents, each pinned by a test that fails on a
// simulator that does not follow the document.

// scopeNames maps the permission ids of a condition set to the values the
// resource's service principal exposes.
func scopeNames(t *testing.T, s *Server, tok, resourceAppID string, ids []any) []string {
	t.Helper()
	r := call(t, s, tok, "GET", "/v1.0/servicePrincipals(appId='"+resourceAppID+"')", nil)
	byID := map[string]string{}
	for _, v := range r.body["oauth2PermissionScopes"].([]any) {
		ps := v.(map[string]any)
		byID[ps["id"].(string)] = ps["value"].(string)
	}
	var out []string
	for _, id := range ids {
		name, ok := byID[id.(string)]
		if !ok {
			t.Errorf("%s: permission id %s is not exposed by the resource", resourceAppID, id)
		}
		out = append(out, name)
	}
	return out
}

// manage-app-consent-policies.md (ms.date 01/22/2026), "Microsoft recommended
// current settings": 32 Microsoft Graph and 4 Office 365 Exchange Online
// permissions, one exclude condition set per resource, no publisher condition.
func TestManagedPolicyExcludesDocumentedList(t *testing.T) {
	s := newSim(t, Options{Scenario: "managed-calendar"})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	doc, err := assets.Managed()
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/microsoft-user-default-recommended/excludes", nil)
	sets := r.values()
	if len(sets) != 2 {
		t.Fatalf("want one exclude condition set per resource (Graph, Exchange Online): %s", r.raw)
	}
	for _, res := range []struct {
		appID string
		want  int
	}{{entra.MicrosoftGraphAppID, 32}, {ExchangeOnlineAppID, 4}} {
		i := slices.IndexFunc(sets, func(c map[string]any) bool { return c["resourceApplication"] == res.appID })
		if i < 0 {
			t.Errorf("no exclude condition set for %s", res.appID)
			continue
		}
		names := scopeNames(t, s, tok, res.appID, sets[i]["permissions"].([]any))
		if len(names) != res.want {
			t.Errorf("%s: %d excluded permissions, want %d: %v", res.appID, len(names), res.want, names)
		}
		for _, want := range doc.ExcludedFor(res.appID) {
			if !containsFold(names, want) {
				t.Errorf("%s: %s is documented as excluded but is not", res.appID, want)
			}
		}
		for _, notExcluded := range []string{"Mail.Send", "Contacts.Read", "User.Read", "offline_access", "SMTP.Send"} {
			if containsFold(names, notExcluded) {
				t.Errorf("%s: %s is excluded; Microsoft's list does not name it", res.appID, notExcluded)
			}
		}
	}
	r = call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/microsoft-user-default-recommended/includes", nil)
	if inc := r.values(); len(inc) != 1 || inc[0]["permissionType"] != "delegatedUserConsentable" || inc[0]["clientApplicationsFromVerifiedPublisherOnly"] == true {
		t.Errorf("includes: any user-consentable delegated permission, no publisher condition: %s", r.raw)
	}
}

// The simulated end user's consent follows the documented list: Mail.Send is
// user-consentable under the managed policy, Calendars.ReadWrite is not, and
// IMAP.AccessAsUser.All of Office 365 Exchange Online is blocked too.
func TestManagedPolicyEndUserConsent(t *testing.T) {
	s, err := New(Options{Scenario: "managed-calendar"})
	if err != nil {
		t.Fatal(err)
	}
	ten := s.Tenant()
	cases := []struct {
		scopes  []string
		result  string
		missing string
	}{
		{[]string{"User.Read", "offline_access", "Mail.Send", "Contacts.Read"}, ResultConsentPrompt, ""},
		{[]string{"User.Read", "Calendars.ReadWrite", "Mail.Send"}, ResultNeedAdminApproval, "Calendars.ReadWrite"},
		{[]string{"https://graph.microsoft.com/Calendars.ReadBasic"}, ResultNeedAdminApproval, "Calendars.ReadBasic"},
		{[]string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"}, ResultNeedAdminApproval, "IMAP.AccessAsUser.All"},
		{[]string{"https://outlook.office365.com/EWS.AccessAsUser.All"}, ResultNeedAdminApproval, "EWS.AccessAsUser.All"},
		{[]string{"offline_access", "https://outlook.office.com/SMTP.Send"}, ResultConsentPrompt, ""},
	}
	for _, c := range cases {
		out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, c.scopes, "")
		if out.Result != c.result {
			t.Errorf("%v: %s (AADSTS%d %s), want %s", c.scopes, out.Result, out.Code, out.Message, c.result)
		}
		if c.missing != "" && (out.Code != 90094 || !strings.Contains(strings.Join(out.MissingScopes, " "), c.missing)) {
			t.Errorf("%v: want AADSTS90094 naming %s: %+v", c.scopes, c.missing, out)
		}
	}
	// Accepting the prompt records one grant per resource.
	if out := ten.UserConsents(ten.EndUserUPN(), TrackerRMSAppID, []string{"User.Read", "https://outlook.office.com/SMTP.Send"}); out.Result != ResultGranted {
		t.Fatalf("consent: %+v", out)
	}
	exo, _ := ten.ServicePrincipal(ExchangeOnlineAppID)
	grants := ten.Grants(TrackerRMSAppID)
	if len(grants) != 2 || !slices.ContainsFunc(grants, func(g entra.OAuth2PermissionGrant) bool { return g.ResourceID == exo.ID && g.Scope == "SMTP.Send" }) {
		t.Errorf("grants per resource: %+v", grants)
	}
}

// "Mail client policy" (manage-app-consent-policies.md): with it assigned,
// users may consent to the excluded mail permissions for the six listed mail
// apps, and only for them.
func TestMailClientPolicy(t *testing.T) {
	s := newSim(t, Options{Scenario: "managed-calendar"})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	doc, _ := assets.Managed()
	r := call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/microsoft-user-default-allow-consent-apps/includes", nil)
	inc := r.values()
	if len(inc) != 2 {
		t.Fatalf("mail-client includes: one condition set per resource: %s", r.raw)
	}
	for _, c := range inc {
		apps := c["clientApplicationIds"].([]any)
		if len(apps) != 6 {
			t.Errorf("client apps %v", apps)
		}
		for _, a := range doc.MailClients.Apps {
			if !slices.Contains(apps, any(a.AppID)) {
				t.Errorf("%s (%s) missing", a.Name, a.AppID)
			}
		}
		res := c["resourceApplication"].(string)
		if names := scopeNames(t, s, tok, res, c["permissions"].([]any)); len(names) != len(doc.ExcludedFor(res)) || containsFold(names, "Mail.Send") {
			t.Errorf("%s: the mail permissions the managed policy excludes, no more: %v", res, names)
		}
	}
	// Thunderbird asks IMAP and SMTP on Exchange Online and offline_access.
	if out := ten.UserSignIn(ten.EndUserUPN(), ThunderbirdAppID, nil, ""); out.Result != ResultConsentPrompt {
		t.Errorf("Thunderbird with both policies: %+v", out)
	}
	// Another app asking the same is blocked.
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, []string{"https://outlook.office.com/IMAP.AccessAsUser.All"}, ""); out.Code != 90094 {
		t.Errorf("TrackerRMS asking IMAP: %+v", out)
	}
	// Without the mail-client policy, Thunderbird is blocked by the managed one.
	ten.SetUserConsentPolicies([]string{entra.SelfConsentPrefix + entra.PolicyManagedRecommended})
	if out := ten.UserSignIn(ten.EndUserUPN(), ThunderbirdAppID, nil, ""); out.Code != 90094 {
		t.Errorf("Thunderbird with the managed policy only: %+v", out)
	}
	// permissiongrantpolicy-get.md: the -low policy's displayName.
	r = call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/microsoft-user-default-low", nil)
	if r.body["displayName"] != "Default User Low Risk Policy" {
		t.Errorf("-low: %s", r.raw)
	}
}

// grant-admin-consent.md: "Granting tenant-wide admin consent may revoke
// permissions that have already been granted tenant-wide for that
// application"; admin consent grants the registration's static permissions
// (v1, v2 /.default). A dynamic v2 consent adds its scopes.
func TestAdminConsentReplacesTenantWideScope(t *testing.T) {
	s := newSim(t, Options{Scenario: "granted"})
	ten := s.Tenant()
	tenantWide := func() string {
		for _, g := range ten.Grants(TrackerRMSAppID) {
			if g.ConsentType == "AllPrincipals" {
				return g.Scope
			}
		}
		return ""
	}
	static := strings.Join(TrackerRMSScopes, " ")
	widen := func() {
		ten.mu.Lock()
		defer ten.mu.Unlock()
		sp := ten.spByAppLocked(TrackerRMSAppID)
		ten.grantKeysLocked(sp, "AllPrincipals", "", []string{"Mail.Read", "Contacts.Read"}, false)
	}
	for _, link := range []string{
		adminConsentURL(s, 1, url.Values{"client_id": {TrackerRMSAppID}}),
		adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "redirect_uri": {trackerReplyURLs[0]},
			"scope": {"https://graph.microsoft.com/.default"}}),
	} {
		widen()
		if got := tenantWide(); !strings.Contains(got, "Mail.Read") {
			t.Fatalf("setup: %q", got)
		}
		if _, err := s.HeadlessAdminConsent(link, ten.AdminUPN(), true); err != nil {
			t.Fatal(err)
		}
		if got := tenantWide(); got != static {
			t.Errorf("after static admin consent (%s): tenant-wide scope %q, want exactly the static permissions %q", link[strings.Index(link, "/adminconsent")-5:], got, static)
		}
	}
	// A dynamic v2 consent adds to the tenant-wide grant.
	link := adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "redirect_uri": {trackerReplyURLs[0]},
		"scope": {"https://graph.microsoft.com/Mail.Read"}})
	if _, err := s.HeadlessAdminConsent(link, ten.AdminUPN(), true); err != nil {
		t.Fatal(err)
	}
	if got := tenantWide(); got != static+" Mail.Read" {
		t.Errorf("after a dynamic v2 consent: %q", got)
	}
}

// authorizeAs opens the app's authorize URL (with extra query values), signs
// in as upn and returns the page after sign-in.
func authorizeAs(t *testing.T, s *Server, upn string, extra map[string]string) page {
	t.Helper()
	hc := noRedirect(s)
	q := url.Values{"client_id": {TrackerRMSAppID}, "response_type": {"code"}, "redirect_uri": {trackerReplyURLs[0]},
		"scope": {strings.Join(TrackerRMSScopes, " ")}, "state": {"st"}}
	for k, v := range extra {
		q.Set(k, v)
	}
	p := get(t, hc, s.LoginURL()+"/"+s.Tenant().ID()+"/oauth2/v2.0/authorize?"+q.Encode())
	return submit(t, hc, p, "signin", url.Values{"login": {upn}})
}

func hasCode(p page) bool { return p.status == 302 && strings.Contains(p.loc, "code=") }

// troubleshoot-consent-issues.md (step 7): an app that sends prompt=consent
// asks the user every time, even when everything is granted, so users who may
// not consent stay blocked after admin consent; prompt=admin_consent asks for
// admin consent and tells anyone else to ask an admin
// (application-consent-experience.md).
func TestAuthorizePrompt(t *testing.T) {
	s := newSim(t, Options{Scenario: "granted"})
	ten := s.Tenant()
	if p := authorizeAs(t, s, ten.EndUserUPN(), nil); !hasCode(p) {
		t.Fatalf("granted, no prompt: %d %s", p.status, p.body)
	}
	p := authorizeAs(t, s, ten.EndUserUPN(), map[string]string{"prompt": "consent"})
	if hasCode(p) || !strings.Contains(p.body, `data-result="need-admin-approval"`) || !strings.Contains(p.body, `data-code="90093"`) {
		t.Errorf("prompt=consent, user consent off, all granted: the user must still be stopped: %d %s", p.status, p.body)
	}
	// An administrator is asked again and may accept.
	p = authorizeAs(t, s, ten.AdminUPN(), map[string]string{"prompt": "consent"})
	if !p.has("accept") || p.has("for-org") {
		t.Fatalf("prompt=consent, admin: consent page expected: %s", p.body)
	}
	if r := submit(t, noRedirect(s), p, "accept", nil); !hasCode(r) {
		t.Errorf("accept: %d %s", r.status, r.loc)
	}
	// prompt=admin_consent: a user is told to ask an admin; an admin consents for the organization.
	p = authorizeAs(t, s, ten.EndUserUPN(), map[string]string{"prompt": "admin_consent"})
	if hasCode(p) || !strings.Contains(p.body, `data-result="need-admin-approval"`) || !strings.Contains(p.body, `data-code="90094"`) {
		t.Errorf("prompt=admin_consent, user: %d %s", p.status, p.body)
	}
	p = authorizeAs(t, s, ten.AdminUPN(), map[string]string{"prompt": "admin_consent", "scope": "User.Read Mail.Read"})
	if !p.has("accept") || !p.has("for-org") {
		t.Fatalf("prompt=admin_consent, admin: %s", p.body)
	}
	if r := submit(t, noRedirect(s), p, "accept", nil); !hasCode(r) {
		t.Errorf("accept: %d %s", r.status, r.loc)
	}
	if g := ten.Grants(TrackerRMSAppID); !slices.ContainsFunc(g, func(g entra.OAuth2PermissionGrant) bool {
		return g.ConsentType == "AllPrincipals" && strings.Contains(g.Scope, "Mail.Read")
	}) {
		t.Errorf("admin consent for the organization: %+v", g)
	}

	// With user consent on, prompt=consent shows the prompt again after consent.
	s2 := newSim(t, Options{Scenario: "user-consent"})
	u := s2.Tenant().EndUserUPN()
	p = authorizeAs(t, s2, u, nil)
	if !p.has("accept") {
		t.Fatalf("user-consent: %s", p.body)
	}
	submit(t, noRedirect(s2), p, "accept", nil)
	if p := authorizeAs(t, s2, u, nil); !hasCode(p) {
		t.Errorf("after consent, no prompt: %d", p.status)
	}
	if p := authorizeAs(t, s2, u, map[string]string{"prompt": "consent"}); !p.has("accept") {
		t.Errorf("after consent, prompt=consent must ask again: %d %s", p.status, p.loc)
	}
}

// devblogs "Designing for eventual consistency for Microsoft Entra": a newly
// created object may answer Not Found to the next calls. Off by default.
func TestReplicationLagFault(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	s := newSim(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	gsp := call(t, s, tok, "GET", "/v1.0/servicePrincipals(appId='"+entra.MicrosoftGraphAppID+"')", nil).body["id"].(string)
	// Off by default: the created SP is visible at once.
	r := call(t, s, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": ArchiverAppID})
	if r.status != 201 || call(t, s, tok, "GET", "/v1.0/servicePrincipals/"+r.body["id"].(string), nil).status != 200 {
		t.Fatalf("without the fault: %d", r.status)
	}

	s.SetFaults(Faults{ReplicationLagRequests: 3})
	r = call(t, s, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": TrackerRMSAppID})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	spID := r.body["id"].(string)
	// 1: a read by id answers 404 with Graph's error shape.
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals(appId='"+TrackerRMSAppID+"')", nil); r.status != 404 || r.errCode() != "Request_ResourceNotFound" {
		t.Errorf("read right after create: %d %s", r.status, r.raw)
	}
	// 2: a list leaves it out.
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("appId eq '"+TrackerRMSAppID+"'"), nil); len(r.values()) != 0 {
		t.Errorf("list right after create: %s", r.raw)
	}
	// 3: a grant that references it fails like one naming an unknown object.
	grant := map[string]string{"clientId": spID, "consentType": "AllPrincipals", "resourceId": gsp, "scope": "User.Read"}
	if r := call(t, s, tok, "POST", "/v1.0/oauth2PermissionGrants", grant); r.status != 400 || !strings.Contains(r.errMsg(), "clientId") {
		t.Errorf("grant referencing it: %d %s", r.status, r.raw)
	}
	// 4: replicated.
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals/"+spID, nil); r.status != 200 {
		t.Errorf("after 3 requests: %d", r.status)
	}
	r = call(t, s, tok, "POST", "/v1.0/oauth2PermissionGrants", grant)
	if r.status != 201 {
		t.Fatalf("grant: %d %s", r.status, r.raw)
	}
	// Grants lag too; by time here.
	s.SetFaults(Faults{ReplicationLagMs: 500})
	gid := call(t, s, tok, "POST", "/v1.0/servicePrincipals/"+gsp+"/appRoleAssignedTo",
		map[string]string{"principalId": spID, "resourceId": gsp, "appRoleId": "810c84a8-4a9e-49e6-bf7d-12d183f40d01"}).body["id"].(string)
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignments", nil); len(r.values()) != 0 {
		t.Errorf("assignment right after create: %s", r.raw)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignments", nil); len(r.values()) != 1 || r.values()[0]["id"] != gid {
		t.Errorf("assignment after 1 s: %s", r.raw)
	}
}

// configure-admin-consent-workflow.md: "It can take up to an hour for the
// workflow to become enabled". Off by default.
func TestWorkflowSwitchOnDelay(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	me := call(t, s, tok, "GET", "/v1.0/me", nil).body["id"].(string)
	on := map[string]any{"isEnabled": true, "notifyReviewers": true, "remindersEnabled": true, "requestDurationInDays": 30,
		"reviewers": []map[string]string{{"query": "/users/" + me, "queryType": "MicrosoftGraph"}}}
	s.SetFaults(Faults{WorkflowDelayRequests: 2})
	if r := call(t, s, tok, "PUT", "/v1.0/policies/adminConsentRequestPolicy", on); r.status != 204 {
		t.Fatalf("PUT: %d %s", r.status, r.raw)
	}
	// Read back at once…
	if r := call(t, s, tok, "GET", "/v1.0/policies/adminConsentRequestPolicy", nil); r.body["isEnabled"] != true {
		t.Errorf("read back: %s", r.raw)
	}
	// …but users do not get the request form yet.
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Code != 90093 {
		t.Errorf("right after switching on: %+v", out)
	}
	call(t, s, tok, "GET", "/v1.0/me", nil)
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Code != 90095 {
		t.Errorf("after the delay: %+v", out)
	}
}

// Smaller documented behaviours.
func TestSmallDocumentedBehaviours(t *testing.T) {
	s := newSim(t, Options{Scenario: "request-workflow"})
	ten := s.Tenant()
	c := noRedirect(s)

	// v2-admin-consent.md: a declined v2 admin consent answers
	// admin_consent=True&error=consent_required&error_description=AADSTS65004…
	p := get(t, c, adminConsentURL(s, 2, url.Values{"client_id": {TrackerRMSAppID}, "redirect_uri": {trackerReplyURLs[0]},
		"scope": {"https://graph.microsoft.com/.default"}, "state": {"s"}}))
	r := submit(t, c, p, "cancel", nil)
	loc, _ := url.Parse(r.loc)
	if q := loc.Query(); q.Get("error") != "consent_required" || q.Get("admin_consent") != "True" || !strings.HasPrefix(q.Get("error_description"), "AADSTS65004") {
		t.Errorf("v2 decline: %s", r.loc)
	}

	// userconsentrequest.md: approvalId equals the request's id.
	for _, u := range ten.ConsentRequests()[0].UserConsentRequests {
		if u.ApprovalID != u.ID || u.ID == "" {
			t.Errorf("approvalId %q, id %q", u.ApprovalID, u.ID)
		}
	}

	// create-service-principal-cross-tenant.md: Cloud Application
	// Administrator or Application Administrator creates service principals;
	// a Privileged Role Administrator does not.
	pra := token(t, s, ten, "pra@contoso.com", adminScopes...)
	if r := call(t, s, pra, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": ArchiverAppID}); r.status != 403 {
		t.Errorf("PRA creates a service principal: %d", r.status)
	}
	cloud := token(t, s, ten, "cloudadmin@contoso.com", adminScopes...)
	if r := call(t, s, cloud, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": ArchiverAppID}); r.status != 201 {
		t.Errorf("Cloud Application Administrator creates a service principal: %d %s", r.status, r.raw)
	}

	// reference-error-codes.md: at the token endpoint a redirect_uri other
	// than the authorization request's is AADSTS50011 (InvalidReplyTo); a PKCE
	// verifier mismatch is AADSTS501481.
	hc := s.HTTPClient()
	for _, tc := range []struct {
		verifier, redirect string
		code               string
	}{{"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "http://localhost:10/", "AADSTS50011"}, {"wrong", "http://localhost:9/", "AADSTS501481"}} {
		q := url.Values{"client_id": {entra.DefaultClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:9/"},
			"scope": {"User.Read"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
			"login_hint": {ten.AdminUPN()}}
		p := submit(t, noRedirect(s), get(t, noRedirect(s), s.LoginURL()+"/organizations/oauth2/v2.0/authorize?"+q.Encode()), "signin", nil)
		code := url.Values{}
		if loc, err := url.Parse(p.loc); err == nil {
			code = loc.Query()
		}
		res, err := hc.PostForm(s.LoginURL()+"/organizations/oauth2/v2.0/token", url.Values{"client_id": {entra.DefaultClientID},
			"grant_type": {"authorization_code"}, "code": {code.Get("code")}, "code_verifier": {tc.verifier}, "redirect_uri": {tc.redirect}})
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4096)
		n, _ := res.Body.Read(b)
		res.Body.Close()
		if res.StatusCode != 400 || !strings.Contains(string(b[:n]), tc.code) || strings.Contains(string(b[:n]), `"error_codes":[50148]`) {
			t.Errorf("%s: %d %s", tc.code, res.StatusCode, b[:n])
		}
	}
}

// oauth2PermissionGrant documents $filter (eq only) on clientId and
// consentType, and the app's own grants are listed by navigation
// (serviceprincipal-list-oauth2permissiongrants): the simulator filters the
// navigation by consent type, refuses the properties not documented as
// filterable, and pages a big filtered list so that every grant comes exactly
// once.
func TestAppGrantsFilteredByConsentType(t *testing.T) {
	s := newSim(t, Options{Scenario: "granted"})
	ten := s.Tenant()
	const users = 250 // 3 pages of 100
	if err := ten.AddUserGrants(TrackerRMSAppID, users); err != nil {
		t.Fatal(err)
	}
	if err := ten.AddUserGrants("00000000-0000-0000-0000-0000000000ff", 1); err == nil {
		t.Error("grants of an unknown app were added")
	}
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	nav := "/v1.0/servicePrincipals(appId='" + TrackerRMSAppID + "')/oauth2PermissionGrants"
	filter := func(f string) string { return nav + "?$filter=" + url.QueryEscape(f) }

	r := call(t, s, tok, "GET", filter("consentType eq 'AllPrincipals'"), nil)
	if r.status != 200 || len(r.values()) != 1 || r.values()[0]["consentType"] != "AllPrincipals" || r.body["@odata.nextLink"] != nil {
		t.Errorf("AllPrincipals: %d, %d grants, next %v", r.status, len(r.values()), r.body["@odata.nextLink"])
	}

	seen := map[string]bool{}
	pages := 0
	for next := filter("consentType eq 'Principal'"); next != ""; pages++ {
		r := call(t, s, tok, "GET", next, nil)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
		}
		for _, g := range r.values() {
			if g["consentType"] != "Principal" || seen[g["id"].(string)] {
				t.Errorf("page %d: grant %v (repeated: %v)", pages, g, seen[g["id"].(string)])
			}
			seen[g["id"].(string)] = true
		}
		next, _ = r.body["@odata.nextLink"].(string)
	}
	if len(seen) != users || pages != 3 {
		t.Errorf("Principal grants: %d in %d pages, want %d in 3", len(seen), pages, users)
	}

	for _, f := range []string{"principalId eq '" + ten.ID() + "'", "resourceId eq '" + ten.ID() + "'", "startswith(consentType,'All')"} {
		if r := call(t, s, tok, "GET", filter(f), nil); r.status != 400 || r.errCode() != "Request_UnsupportedQuery" {
			t.Errorf("$filter=%s: %d %s, want 400 Request_UnsupportedQuery", f, r.status, r.raw)
		}
	}
}
