package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	stderrors "errors"
	"io"
	"net/url"
	"strings"
	"testing"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// mspSignIn signs the msp scenario's partner admin in once (device code,
// auto-approved) with real MSAL and returns the client and account.
func mspSignIn(t *testing.T, s *Server, scopes ...string) (public.Client, public.Account) {
	t.Helper()
	pca := newPCA(t, s, "organizations")
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), scopes)
	if err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.IDToken.TenantID != s.MSP().Partner.ID() {
		t.Fatalf("signed in to %s, want the partner", res.IDToken.TenantID)
	}
	return pca, res.Account
}

// authority error of a failed MSAL call: its error field and AADSTS code.
func aadErr(t *testing.T, err error) (string, int) {
	t.Helper()
	var ce msalerrors.CallErr
	if !stderrors.As(err, &ce) || ce.Resp == nil {
		t.Fatalf("not an authority error: %v", err)
	}
	body, _ := io.ReadAll(ce.Resp.Body)
	var e struct {
		Error string `json:"error"`
		Codes []int  `json:"error_codes"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Codes) == 0 {
		// MSAL may have consumed the body; the message ends with it.
		if i := strings.Index(ce.Error(), ":\n{"); i >= 0 {
			_ = json.Unmarshal([]byte(ce.Error()[i+2:]), &e)
		}
		if len(e.Codes) == 0 {
			t.Fatalf("no AADSTS code in %v", ce)
		}
	}
	return e.Error, e.Codes[0]
}

var mspScopes = []string{"User.Read", "Policy.Read.All", "Application.Read.All"}

func TestMSPOneSignInSilentTokensPerTenant(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp", AutoApprove: true})
	m := s.MSP()
	if m == nil || m.Partner != s.Tenant() {
		t.Fatalf("msp tenants: %+v", m)
	}
	pca, acct := mspSignIn(t, s, mspScopes...)
	before := s.Stats().TokenRequests
	for _, c := range []*Tenant{m.LockedDown, m.RequestWorkflow, m.ManagedCalendar, m.Granted} {
		res, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(c.ID()))
		if err != nil {
			t.Fatalf("%s: %v", c.DisplayName(), err)
		}
		if res.IDToken.TenantID != c.ID() || res.Account.HomeAccountID != acct.HomeAccountID {
			t.Errorf("%s: token for %s, account %s", c.DisplayName(), res.IDToken.TenantID, res.Account.HomeAccountID)
		}
		// The customer's Graph: its organization, and the GDAP roles count as
		// the partner admin's roles (Global Reader reads the policy).
		if r := call(t, s, res.AccessToken, "GET", "/v1.0/organization", nil); r.status != 200 || r.values()[0]["id"] != c.ID() {
			t.Errorf("%s: organization %d %s", c.DisplayName(), r.status, r.raw)
		}
		if r := call(t, s, res.AccessToken, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 200 {
			t.Errorf("%s: policy %d %s", c.DisplayName(), r.status, r.raw)
		}
		// A delegated admin is not in the customer's directory.
		if r := call(t, s, res.AccessToken, "GET", "/v1.0/me", nil); r.status != 404 || r.errCode() != "Request_ResourceNotFound" {
			t.Errorf("%s: /me %d %s", c.DisplayName(), r.status, r.raw)
		}
		again, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(c.ID()))
		if err != nil || again.Metadata.TokenSource != public.TokenSourceCache || again.AccessToken != res.AccessToken {
			t.Errorf("%s: second silent call not from the cache: %v %v", c.DisplayName(), err, again.Metadata.TokenSource)
		}
	}
	if n := s.Stats().TokenRequests - before; n != 4 {
		t.Errorf("%d token requests for 4 tenants, want 4 (one refresh each)", n)
	}
	// The partner's own token still comes from the cache.
	if res, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct)); err != nil || res.IDToken.TenantID != m.Partner.ID() {
		t.Errorf("partner token: %v, tenant %s", err, res.IDToken.TenantID)
	}
}

func TestMSPRefusedTenants(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp", AutoApprove: true})
	m := s.MSP()
	pca, acct := mspSignIn(t, s, mspScopes...)
	for _, c := range []struct {
		t       *Tenant
		errName string
		code    int
	}{
		{m.NoRole, "invalid_grant", 50020}, // relationship active, roles assigned to a group the admin is not in
		{m.Former, "invalid_grant", 50020}, // relationship terminated
		{m.MFA, "interaction_required", 50076},
	} {
		_, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(c.t.ID()))
		if err == nil {
			t.Errorf("%s: got a token", c.t.DisplayName())
			continue
		}
		if name, code := aadErr(t, err); name != c.errName || code != c.code {
			t.Errorf("%s: %s AADSTS%d, want %s AADSTS%d", c.t.DisplayName(), name, code, c.errName, c.code)
		}
	}
	// A relationship that expires gives no more access.
	later, err := s.AddTenantNamed("granted", "fourthcoffee", "Fourth Coffee")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.AddRelationship(m.Partner, later, Relationship{Roles: gdapRolesDefault})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetRelationshipStatus(id, "expired"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRelationshipStatus(id, "gone"); err == nil {
		t.Error("unknown status accepted")
	}
	_, err = pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(later.ID()))
	if err == nil {
		t.Error("a token through an expired relationship")
	} else if _, code := aadErr(t, err); code != 50020 {
		t.Errorf("expired relationship: AADSTS%d", code)
	}
	// An unknown tenant is not found (AADSTS90002).
	if _, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID("00000000-0000-0000-0000-00000000abcd")); err == nil {
		t.Error("a token for an unknown tenant")
	}
}

// A tenant that demands MFA gives tokens after one interactive sign-in there
// (device code with the customer's authority); the other tenants keep working
// with the refresh token that sign-in left in the cache.
func TestMSPInteractiveSignInToTheMFATenant(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp"})
	m := s.MSP()
	pca := newPCA(t, s, "organizations")
	approve := func(dc public.DeviceCode, upn string) public.AuthResult {
		t.Helper()
		if err := s.ApproveDeviceCode(dc.Result.UserCode, upn); err != nil {
			t.Fatal(err)
		}
		res, err := dc.AuthenticationResult(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), mspScopes)
	if err != nil {
		t.Fatal(err)
	}
	acct := approve(dc, m.Partner.AdminUPN()).Account
	dc, err = pca.AcquireTokenByDeviceCode(ctx(t), mspScopes, public.WithTenantID(m.MFA.ID()))
	if err != nil {
		t.Fatal(err)
	}
	// Someone without access there cannot approve it.
	if err := s.ApproveDeviceCode(dc.Result.UserCode, "helpdesk@"+m.Partner.Domain()); err == nil || !strings.Contains(err.Error(), "AADSTS50020") {
		t.Errorf("helpdesk approval: %v", err)
	}
	res := approve(dc, m.Partner.AdminUPN())
	if res.IDToken.TenantID != m.MFA.ID() || res.Account.HomeAccountID != acct.HomeAccountID {
		t.Errorf("MFA tenant sign-in: tenant %s account %s", res.IDToken.TenantID, res.Account.HomeAccountID)
	}
	if r := call(t, s, res.AccessToken, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 200 {
		t.Errorf("policy in the MFA tenant: %d %s", r.status, r.raw)
	}
	for _, c := range []*Tenant{m.LockedDown, m.MFA} {
		if _, err := pca.AcquireTokenSilent(ctx(t), []string{"Application.Read.All"}, public.WithSilentAccount(acct), public.WithTenantID(c.ID())); err != nil {
			t.Errorf("%s after the MFA sign-in: %v", c.DisplayName(), err)
		}
	}
}

func TestMSPGuestAccount(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp", AutoApprove: true})
	m := s.MSP()
	pca, acct := mspSignIn(t, s, mspScopes...)
	res, err := pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(m.Guest.ID()))
	if err != nil {
		t.Fatal(err)
	}
	// The guest account: its own object id, a #EXT# UPN, the roles given to
	// the guest there (Global Reader).
	r := call(t, s, res.AccessToken, "GET", "/v1.0/me", nil)
	upn, _ := r.body["userPrincipalName"].(string)
	if r.status != 200 || !strings.Contains(upn, "#EXT#") || r.body["id"] == acct.LocalAccountID {
		t.Errorf("guest /me: %d %s", r.status, r.raw)
	}
	if res.IDToken.Oid != r.body["id"] || res.Account.PreferredUsername != m.Partner.AdminUPN() {
		t.Errorf("id token oid %s (guest %v), username %s", res.IDToken.Oid, r.body["id"], res.Account.PreferredUsername)
	}
	if r := call(t, s, res.AccessToken, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 200 {
		t.Errorf("guest Global Reader reads the policy: %d", r.status)
	}
	if r := call(t, s, res.AccessToken, "PATCH", "/v1.0/policies/authorizationPolicy", map[string]any{}); r.status != 403 {
		t.Errorf("guest Global Reader writes the policy: %d", r.status)
	}
	// A guest meets the consent rules of members: the sign-in client is not
	// consented in a tenant where nobody consented to it.
	other, err := s.AddTenantNamed("cli-not-consented", "northwindtraders", "Northwind Traders")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGuest(other, m.Partner.AdminUPN(), entra.RoleGlobalReader); err != nil {
		t.Fatal(err)
	}
	_, err = pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(other.ID()))
	if name, code := aadErr(t, err); name != "invalid_grant" || code != 65001 {
		t.Errorf("guest where the client is not consented: %s AADSTS%d", name, code)
	}
}

// GDAP roles are what Graph checks, per relationship and access assignment;
// a client the customer has not consented to is refused to delegated admins
// (AADSTS90099).
func TestMSPGDAPRolesAndPreConsent(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp", AutoApprove: true})
	m := s.MSP()
	readerOnly, err := s.AddTenantNamed("locked-down", "alpineskihouse", "Alpine Ski House")
	if err != nil {
		t.Fatal(err)
	}
	// The relationship grants two roles; the assignment gives the admin's group only one.
	agents, err := m.Partner.AddGroup("Readers", m.Partner.AdminUPN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRelationship(m.Partner, readerOnly, Relationship{Roles: []string{entra.RoleGlobalReader, entra.RolePrivilegedRoleAdmin},
		Assignments: []AccessAssignment{{GroupID: agents.ID, Roles: []string{entra.RoleGlobalReader, entra.RoleGlobalAdmin}}}}); err != nil {
		t.Fatal(err)
	}
	notConsented, err := s.AddTenantNamed("cli-not-consented", "contosopharma", "Contoso Pharma")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRelationship(m.Partner, notConsented, Relationship{Roles: gdapRolesDefault}); err != nil {
		t.Fatal(err)
	}
	pca, acct := mspSignIn(t, s, mspScopes...)
	tok := func(c *Tenant) string {
		t.Helper()
		res, err := pca.AcquireTokenSilent(ctx(t), []string{"Policy.Read.All", "Policy.ReadWrite.Authorization"},
			public.WithSilentAccount(acct), public.WithTenantID(c.ID()))
		if err != nil {
			// The sign-in client holds only the read scopes: consent to the write scope first.
			t.Fatalf("%s: %v", c.DisplayName(), err)
		}
		return res.AccessToken
	}
	for _, c := range []*Tenant{readerOnly, m.LockedDown} {
		if err := c.AdminConsent(c.AdminUPN(), entra.DefaultClientID, []string{"Policy.ReadWrite.Authorization"}); err != nil {
			t.Fatal(err)
		}
	}
	patch := map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": []string{}}}
	// Global Reader only (Global Administrator is not in the relationship): no write.
	if r := call(t, s, tok(readerOnly), "PATCH", "/v1.0/policies/authorizationPolicy", patch); r.status != 403 {
		t.Errorf("reader-only delegated admin writes the policy: %d %s", r.status, r.raw)
	}
	// Privileged Role Administrator through GDAP: the write is allowed.
	if r := call(t, s, tok(m.LockedDown), "PATCH", "/v1.0/policies/authorizationPolicy", patch); r.status != 204 {
		t.Errorf("PRA delegated admin writes the policy: %d %s", r.status, r.raw)
	}
	_, err = pca.AcquireTokenSilent(ctx(t), mspScopes, public.WithSilentAccount(acct), public.WithTenantID(notConsented.ID()))
	if name, code := aadErr(t, err); name != "invalid_grant" || code != 90099 {
		t.Errorf("client not consented in the customer: %s AADSTS%d, want AADSTS90099", name, code)
	}
}

func TestMSPPartnerGraphServesRelationships(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp", Customers: 3})
	m := s.MSP()
	p := m.Partner
	tok := token(t, s, p, p.AdminUPN(), "DelegatedAdminRelationship.Read.All")
	r := call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers?$top=300", nil)
	if r.status != 200 {
		t.Fatalf("customers: %d %s", r.status, r.raw)
	}
	got := map[string]string{}
	for _, v := range r.values() {
		got[v["tenantId"].(string)] = v["displayName"].(string)
		if v["id"] != v["tenantId"] {
			t.Errorf("customer id %v, tenantId %v", v["id"], v["tenantId"])
		}
	}
	want := m.Customers()
	if len(got) != len(want) {
		t.Errorf("%d customers, want %d: %v", len(got), len(want), got)
	}
	for _, c := range want {
		if got[c.ID()] != c.DisplayName() {
			t.Errorf("customer %s (%s) missing: %v", c.DisplayName(), c.ID(), got)
		}
	}
	if _, listed := got[m.Former.ID()]; listed {
		t.Error("a former customer (terminated relationship) is listed")
	}
	r = call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminRelationships?$top=300", nil)
	rels := r.values()
	if r.status != 200 || len(rels) != len(want)+1 {
		t.Fatalf("relationships: %d, %d items", r.status, len(rels))
	}
	statuses := map[string]int{}
	var noRoleRel string
	for _, rel := range rels {
		statuses[rel["status"].(string)]++
		cust := rel["customer"].(map[string]any)
		roles := rel["accessDetails"].(map[string]any)["unifiedRoles"].([]any)
		if len(roles) == 0 || cust["tenantId"] == "" || rel["@odata.type"] != "#microsoft.graph.delegatedAdminRelationship" {
			t.Errorf("relationship shape: %v", rel)
		}
		if cust["tenantId"] == m.NoRole.ID() {
			noRoleRel = rel["id"].(string)
		}
	}
	if statuses["active"] != len(want) || statuses["terminated"] != 1 {
		t.Errorf("statuses %v", statuses)
	}
	r = call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminRelationships/"+noRoleRel+"/accessAssignments", nil)
	if r.status != 200 || len(r.values()) != 1 {
		t.Fatalf("assignments: %d %s", r.status, r.raw)
	}
	a := r.values()[0]
	if a["status"] != "active" || a["accessContainer"].(map[string]any)["accessContainerType"] != "securityGroup" {
		t.Errorf("assignment: %v", a)
	}
	// Filters, paging limits, permissions, another tenant.
	r = call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminRelationships?$filter=status%20eq%20'terminated'", nil)
	if len(r.values()) != 1 {
		t.Errorf("status filter: %s", r.raw)
	}
	if r := call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers?$top=301", nil); r.status != 400 {
		t.Errorf("$top=301: %d", r.status)
	}
	if r := call(t, s, tok, "GET", "/v1.0/tenantRelationships/delegatedAdminRelationships/nope/accessAssignments", nil); r.status != 404 {
		t.Errorf("unknown relationship: %d", r.status)
	}
	noScope := token(t, s, p, p.AdminUPN(), "Directory.Read.All")
	if r := call(t, s, noScope, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers", nil); r.status != 403 {
		t.Errorf("without DelegatedAdminRelationship.Read.All: %d", r.status)
	}
	cust := token(t, s, m.LockedDown, m.LockedDown.AdminUPN(), "DelegatedAdminRelationship.Read.All")
	if r := call(t, s, cust, "GET", "/v1.0/tenantRelationships/delegatedAdminCustomers", nil); r.status != 200 || len(r.values()) != 0 {
		t.Errorf("a customer's own list: %d %s", r.status, r.raw)
	}
}

func TestMSPTenantThrottleHoldsOnlyThatTenant(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp"})
	m := s.MSP()
	m.LockedDown.SetThrottle(2, 7)
	a := token(t, s, m.LockedDown, m.LockedDown.AdminUPN(), "User.Read")
	b := token(t, s, m.Granted, m.Granted.AdminUPN(), "User.Read")
	for i := range 2 {
		if r := call(t, s, b, "GET", "/v1.0/organization", nil); r.status != 200 {
			t.Errorf("other tenant request %d: %d", i, r.status)
		}
		r := call(t, s, a, "GET", "/v1.0/organization", nil)
		if r.status != 429 || r.hdr.Get("Retry-After") != "7" {
			t.Errorf("throttled tenant request %d: %d Retry-After %q", i, r.status, r.hdr.Get("Retry-After"))
		}
	}
	if r := call(t, s, a, "GET", "/v1.0/organization", nil); r.status != 200 {
		t.Errorf("after the throttle: %d", r.status)
	}
}

func TestMSPBuildsManyCustomers(t *testing.T) {
	if testing.Short() {
		t.Skip("200 tenants")
	}
	s, err := New(Options{Scenario: "msp", Customers: 200})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.MSP().Customers()); n != 206 {
		t.Errorf("%d customers", n)
	}
	if n := len(s.Tenants()); n != 209 {
		t.Errorf("%d tenants", n)
	}
	if names := MultiTenantScenarioNames(); len(names) != 1 || names[0] != "msp" || ScenarioDescription("msp") == "" {
		t.Errorf("multi-tenant scenarios %v", names)
	}
}

// The browser sign-in (authorize + PKCE) to a customer works for a partner's
// delegated admin and for a guest, and refuses a partner user without access.
func TestMSPInteractiveBrowserSignInToCustomers(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp"})
	m := s.MSP()
	pca := newPCA(t, s, "organizations")
	admin := m.Partner.AdminUPN()
	for _, c := range []*Tenant{m.MFA, m.Guest} {
		res, err := pca.AcquireTokenInteractive(ctx(t), mspScopes, public.WithTenantID(c.ID()),
			public.WithOpenURL(opener(t, s, admin, nil)), public.WithRedirectURI("http://localhost:0"))
		if err != nil {
			t.Fatalf("%s: %v", c.DisplayName(), err)
		}
		if res.IDToken.TenantID != c.ID() || res.Account.PreferredUsername != admin {
			t.Errorf("%s: tenant %s user %s", c.DisplayName(), res.IDToken.TenantID, res.Account.PreferredUsername)
		}
		if r := call(t, s, res.AccessToken, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 200 {
			t.Errorf("%s: policy %d", c.DisplayName(), r.status)
		}
	}
	_, err := pca.AcquireTokenInteractive(ctx(t), mspScopes, public.WithTenantID(m.NoRole.ID()),
		public.WithOpenURL(opener(t, s, admin, nil)), public.WithRedirectURI("http://localhost:0"))
	if err == nil || !strings.Contains(err.Error(), "50020") {
		t.Errorf("no-role tenant: %v", err)
	}
}

// The admin consent link of a customer, accepted by the partner admin: the
// GDAP roles (Privileged Role Administrator) grant it; a partner user without
// a role there is refused with AADSTS50020.
func TestMSPAdminConsentLinkByTheDelegatedAdmin(t *testing.T) {
	s := newSim(t, Options{Scenario: "msp"})
	m := s.MSP()
	c := noRedirect(s)
	link := func(ten *Tenant) string {
		return s.LoginURL() + "/" + ten.ID() + "/adminconsent?" + url.Values{"client_id": {TrackerRMSAppID}}.Encode()
	}
	p := get(t, c, link(m.NoRole))
	if r := submit(t, c, p, "accept", url.Values{"login": {m.Partner.AdminUPN()}}); !strings.Contains(r.body, "AADSTS50020") {
		t.Errorf("no-role tenant: %d %s", r.status, r.body)
	}
	p = get(t, c, link(m.LockedDown))
	r := submit(t, c, p, "accept", url.Values{"login": {m.Partner.AdminUPN()}})
	loc, _ := url.Parse(r.loc)
	if r.status != 302 || loc.Query().Get("admin_consent") != "True" || loc.Query().Get("tenant") != m.LockedDown.ID() {
		t.Fatalf("accept: %d %s %s", r.status, r.loc, r.body)
	}
	if out := m.LockedDown.UserSignIn(m.LockedDown.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Result != ResultGranted {
		t.Errorf("after the partner's consent: %+v", out)
	}
}
