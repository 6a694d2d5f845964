package sim

import (
	"bytes"
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var adminScopes = []string{"User.Read", "Policy.Read.All", "Policy.ReadWrite.Authorization", "Policy.ReadWrite.ConsentRequest",
	"Policy.ReadWrite.PermissionGrant", "Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All",
	"AppRoleAssignment.ReadWrite.All", "ConsentRequest.Read.All", "User.Read.All", "Group.Read.All"}

func TestGraphAuth401(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	s := newSim(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	tok := token(t, s, s.Tenant(), s.Tenant().AdminUPN(), "User.Read")
	for name, tk := range map[string]string{"missing": "", "unknown": "simAT.bogus"} {
		r := call(t, s, tk, "GET", "/v1.0/me", nil)
		if r.status != 401 || r.errCode() != "InvalidAuthenticationToken" {
			t.Errorf("%s token: %d %s", name, r.status, r.raw)
		}
		inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
		if inner["request-id"] != r.hdr.Get("request-id") || inner["date"] == "" {
			t.Errorf("innerError %v", inner)
		}
	}
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 200 {
		t.Fatalf("valid token: %d", r.status)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 401 || !strings.Contains(r.errMsg(), "expired") {
		t.Errorf("expired token: %d %s", r.status, r.raw)
	}
}

func TestGraph403ScopeAndRole(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	noScope := token(t, s, ten, ten.AdminUPN(), "User.Read")
	r := call(t, s, noScope, "GET", "/v1.0/policies/authorizationPolicy", nil)
	if r.status != 403 || r.errCode() != "Authorization_RequestDenied" || !strings.Contains(r.errMsg(), "Policy.Read.All") {
		t.Errorf("no scope: %d %s", r.status, r.raw)
	}
	reader := token(t, s, ten, "reader@contoso.com", adminScopes...)
	if r := call(t, s, reader, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 200 {
		t.Errorf("global reader read: %d", r.status)
	}
	body := map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": []string{}}}
	r = call(t, s, reader, "PATCH", "/v1.0/policies/authorizationPolicy", body)
	if r.status != 403 || !strings.Contains(r.errMsg(), "Privileged Role Administrator") {
		t.Errorf("reader PATCH: %d %s", r.status, r.raw)
	}
	pra := token(t, s, ten, "pra@contoso.com", adminScopes...)
	if r := call(t, s, pra, "PATCH", "/v1.0/policies/authorizationPolicy", body); r.status != 204 {
		t.Errorf("PRA PATCH: %d %s", r.status, r.raw)
	}
	// PUT adminConsentRequestPolicy needs Global Administrator (docs/entra.md A3).
	acrp := map[string]any{"isEnabled": false, "notifyReviewers": false, "remindersEnabled": false, "requestDurationInDays": 30, "reviewers": []any{}}
	if r := call(t, s, pra, "PUT", "/v1.0/policies/adminConsentRequestPolicy", acrp); r.status != 403 {
		t.Errorf("PRA PUT acrp: %d", r.status)
	}
	appadmin := token(t, s, ten, "appadmin@contoso.com", adminScopes...)
	if r := call(t, s, appadmin, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": TrackerRMSAppID}); r.status != 201 {
		t.Errorf("app admin creates SP: %d %s", r.status, r.raw)
	}
	megan := token(t, s, ten, ten.EndUserUPN(), adminScopes...)
	if r := call(t, s, megan, "GET", "/v1.0/servicePrincipals", nil); r.status != 403 {
		t.Errorf("megan lists SPs: %d", r.status)
	}
	if r := call(t, s, megan, "GET", "/v1.0/me", nil); r.status != 200 {
		t.Errorf("megan /me: %d", r.status)
	}
}

// Users and groups answer the directory search's filters as Graph documents
// them (docs/entra.md A9): startsWith on the name, the user name and the
// address, joined with or; an or of a property the collection does not
// filter on is refused, as a single clause is.
func TestGraphDirectoryFilterOr(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	ten.mu.Lock()
	ten.addGroupLocked("Sales team").Mail = "sales@contoso.com"
	ten.mu.Unlock()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	get := func(path, f string) resp {
		return call(t, s, tok, "GET", path+"?$filter="+url.QueryEscape(f), nil)
	}
	users := func(q string) string {
		return "startswith(displayName,'" + q + "') or startswith(userPrincipalName,'" + q + "') or startswith(mail,'" + q + "')"
	}
	for _, q := range []string{"Megan", "megan@contoso.com", "MEGAN@"} {
		if v := get("/v1.0/users", users(q)).values(); len(v) != 1 || v[0]["userPrincipalName"] != "megan@contoso.com" {
			t.Errorf("users %q: %v", q, v)
		}
	}
	if v := get("/v1.0/users", users("contoso.com")).values(); len(v) != 0 {
		t.Errorf("startsWith matched inside an address: %v", v)
	}
	for _, q := range []string{"Sales", "sales@contoso.com"} {
		if v := get("/v1.0/groups", "startswith(displayName,'"+q+"') or startswith(mail,'"+q+"')").values(); len(v) != 1 || v[0]["displayName"] != "Sales team" {
			t.Errorf("groups %q: %v", q, v)
		}
	}
	if v := get("/v1.0/users", "startswith(displayName,'x or y') or userPrincipalName eq 'megan@contoso.com'").values(); len(v) != 1 {
		t.Errorf("' or ' inside a quoted value split the filter: %v", v)
	}
	if r := get("/v1.0/groups", "startswith(displayName,'S') or startswith(jobTitle,'S')"); r.status != 400 || r.errCode() != "Request_UnsupportedQuery" {
		t.Errorf("an unsupported property after or: %d %s", r.status, r.raw)
	}
}

func TestGraphPagingSelectFilterSearch(t *testing.T) {
	s := newSim(t, Options{PageSize: 2})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	var names []string
	next := "/v1.0/users?$select=displayName,userPrincipalName"
	pages := 0
	for next != "" {
		r := call(t, s, tok, "GET", next, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", next, r.status, r.raw)
		}
		pages++
		for _, v := range r.values() {
			if _, ok := v["id"]; ok || v["displayName"] == nil {
				t.Errorf("$select not honoured: %v", v)
			}
			names = append(names, v["userPrincipalName"].(string))
		}
		next, _ = r.body["@odata.nextLink"].(string)
	}
	// Six users of the directory and three of the sign-in history (signinseed.go).
	if len(names) != 9 || pages != 5 {
		t.Errorf("users %d over %d pages: %v", len(names), pages, names)
	}
	r := call(t, s, tok, "GET", "/v1.0/users?$top=5", nil)
	if len(r.values()) != 5 {
		t.Errorf("$top=5 gave %d", len(r.values()))
	}
	r = call(t, s, tok, "GET", "/v1.0/users?$filter="+url.QueryEscape("startswith(displayName,'meg')"), nil)
	if v := r.values(); len(v) != 1 || v[0]["userPrincipalName"] != "megan@contoso.com" {
		t.Errorf("startswith: %s", r.raw)
	}
	q := "/v1.0/users?$search=" + url.QueryEscape(`"displayName:grady"`)
	if r := call(t, s, tok, "GET", q, nil); r.status != 400 {
		t.Errorf("$search without ConsistencyLevel: %d", r.status)
	}
	if r := call(t, s, tok, "GET", q, nil, "ConsistencyLevel", "eventual"); len(r.values()) != 1 {
		t.Errorf("$search: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/groups?$filter="+url.QueryEscape("startswith(displayName,'Help')"), nil)
	if len(r.values()) != 1 {
		t.Errorf("groups: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("appId eq '"+entra.MicrosoftGraphAppID+"'"), nil)
	if v := r.values(); len(v) != 1 || len(v[0]["oauth2PermissionScopes"].([]any)) < 30 {
		t.Errorf("Graph SP by appId: %d", len(v))
	}
	if r := call(t, s, tok, "GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("tags/any(t:t eq 'x')"), nil); r.status != 400 || r.errCode() != "Request_UnsupportedQuery" {
		t.Errorf("unsupported filter: %d %s", r.status, r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/me?$select=displayName", nil)
	if len(r.body) != 2 || r.body["displayName"] == nil {
		t.Errorf("/me $select: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/me/memberOf", nil)
	if v := r.values(); len(v) != 1 || v[0]["@odata.type"] != "#microsoft.graph.directoryRole" || v[0]["roleTemplateId"] != entra.RoleGlobalAdmin {
		t.Errorf("memberOf: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/organization", nil)
	if v := r.values(); len(v) != 1 || len(v[0]["verifiedDomains"].([]any)) != 2 {
		t.Errorf("organization: %s", r.raw)
	}
}

func TestGraphPolicies(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	r := call(t, s, tok, "GET", "/v1.0/policies/authorizationPolicy", nil)
	got := r.body["defaultUserRolePermissions"].(map[string]any)["permissionGrantPoliciesAssigned"].([]any)
	if len(got) != 2 || !strings.HasPrefix(got[0].(string), entra.OwnedResourceConsentPrefix) {
		t.Errorf("locked-down policies: %v", got)
	}
	// Casing is stored as sent (docs/entra.md A1).
	want := []string{"managePermissionGrantsForSelf.microsoft-user-default-recommended", got[0].(string)}
	if r := call(t, s, tok, "PATCH", "/v1.0/policies/authorizationPolicy", map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": want}}); r.status != 204 {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	if p := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; strings.Join(p, ",") != strings.Join(want, ",") {
		t.Errorf("after PATCH: %v", p)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, []string{"User.Read"}, ""); out.Result != ResultConsentPrompt {
		t.Errorf("lower-case prefix not honoured: %+v", out)
	}
	if r := call(t, s, tok, "PATCH", "/v1.0/policies/authorizationPolicy", map[string]any{"bogus": 1}); r.status != 400 {
		t.Errorf("unknown property: %d", r.status)
	}
	// Beta exposes permissionGrantPolicyIdsAssignedToDefaultUserRole.
	r = call(t, s, tok, "GET", "/beta/policies/authorizationPolicy", nil)
	if v := r.values(); len(v) != 1 || v[0]["permissionGrantPolicyIdsAssignedToDefaultUserRole"] == nil {
		t.Errorf("beta: %s", r.raw)
	}
	// Silent discard.
	ten.SetIgnoreAuthorizationPolicyWrites(true)
	call(t, s, tok, "PATCH", "/v1.0/policies/authorizationPolicy", map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": []string{}}})
	if p := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; len(p) != 2 {
		t.Errorf("ignored write changed: %v", p)
	}
	ten.SetIgnoreAuthorizationPolicyWrites(false)
	// A concurrent admin's change after our write.
	s.SetFaults(Faults{ConcurrentChange: true})
	call(t, s, tok, "PATCH", "/v1.0/policies/authorizationPolicy", map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": want}})
	if p := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; p[0] != entra.SelfConsentPrefix+entra.PolicyLow || len(p) != 2 {
		t.Errorf("concurrent change: %v", p)
	}
	// adminConsentRequestPolicy: PUT (not PATCH), version increments.
	acrp := map[string]any{"isEnabled": true, "notifyReviewers": true, "remindersEnabled": true, "requestDurationInDays": 30,
		"reviewers": []map[string]string{{"query": "/users/x", "queryType": "MicrosoftGraph"}}}
	if r := call(t, s, tok, "PATCH", "/v1.0/policies/adminConsentRequestPolicy", acrp); r.status != 405 {
		t.Errorf("PATCH acrp: %d", r.status)
	}
	v0 := ten.AdminConsentRequestPolicy().Version
	if r := call(t, s, tok, "PUT", "/v1.0/policies/adminConsentRequestPolicy", acrp); r.status != 204 {
		t.Fatalf("PUT acrp: %d %s", r.status, r.raw)
	}
	if p := ten.AdminConsentRequestPolicy(); !p.IsEnabled || p.Version != v0+1 {
		t.Errorf("acrp %+v", p)
	}
	// Enabled with no reviewers: accepted, as a live tenant read it back (docs/entra.md 0).
	acrp["reviewers"] = []any{}
	if r := call(t, s, tok, "PUT", "/v1.0/policies/adminConsentRequestPolicy", acrp); r.status != 204 {
		t.Errorf("enabled without reviewers: %d", r.status)
	}
	if r := call(t, s, tok, "GET", "/v1.0/policies/adminConsentRequestPolicy", nil); r.body["isEnabled"] != true || len(r.body["reviewers"].([]any)) != 0 {
		t.Errorf("read back: %s", r.raw)
	}
	// The managed policy's excludes: one condition set per resource
	// (manage-app-consent-policies.md); Calendars.ReadWrite is one of Graph's.
	r = call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/microsoft-user-default-recommended/excludes", nil)
	ex := r.values()
	if len(ex) != 2 || ex[0]["resourceApplication"] != entra.MicrosoftGraphAppID || ex[1]["resourceApplication"] != ExchangeOnlineAppID ||
		!strings.Contains(string(r.raw), "1ec239c2-d7c9-4623-a91a-a9775856bb36") {
		t.Errorf("excludes: %s", r.raw)
	}
	for _, id := range []string{"microsoft-user-default-low", "microsoft-user-default-legacy", "microsoft-application-admin", "microsoft-company-admin"} {
		if r := call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/"+id+"/includes", nil); r.status != 200 || len(r.values()) == 0 {
			t.Errorf("%s includes: %d", id, r.status)
		}
	}
	if r := call(t, s, tok, "GET", "/v1.0/policies/permissionGrantPolicies/nope", nil); r.status != 404 {
		t.Errorf("unknown policy: %d", r.status)
	}
}

func TestGraphServicePrincipalsGrantsClassifications(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	alt := "/v1.0/servicePrincipals(appId='" + TrackerRMSAppID + "')"
	if r := call(t, s, tok, "GET", alt, nil); r.status != 404 || r.errCode() != "Request_ResourceNotFound" {
		t.Errorf("absent SP: %d %s", r.status, r.raw)
	}
	if r := call(t, s, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": "00000000-1111-2222-3333-444444444444"}); r.status != 400 {
		t.Errorf("unknown app: %d", r.status)
	}
	r := call(t, s, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": TrackerRMSAppID})
	if r.status != 201 || r.body["appId"] != TrackerRMSAppID {
		t.Fatalf("create SP: %d %s", r.status, r.raw)
	}
	spID := r.body["id"].(string)
	if r := call(t, s, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": TrackerRMSAppID}); r.status != 409 {
		t.Errorf("duplicate SP: %d", r.status)
	}
	if r := call(t, s, tok, "GET", alt, nil); r.status != 200 || r.body["id"] != spID {
		t.Errorf("alternate key: %d", r.status)
	}
	gsp := call(t, s, tok, "GET", "/v1.0/servicePrincipals(appId='"+entra.MicrosoftGraphAppID+"')?$select=id", nil).body["id"].(string)
	grant := map[string]string{"clientId": spID, "consentType": "AllPrincipals", "resourceId": gsp, "scope": "User.Read Calendars.ReadWrite"}
	r = call(t, s, tok, "POST", "/v1.0/oauth2PermissionGrants", grant)
	if r.status != 201 {
		t.Fatalf("grant: %d %s", r.status, r.raw)
	}
	gid := r.body["id"].(string)
	if r := call(t, s, tok, "POST", "/v1.0/oauth2PermissionGrants", grant); r.status != 409 {
		t.Errorf("duplicate grant: %d", r.status)
	}
	grant["scope"] = "Bogus.Scope"
	grant["consentType"] = "Principal"
	if r := call(t, s, tok, "POST", "/v1.0/oauth2PermissionGrants", grant); r.status != 400 {
		t.Errorf("bad grant: %d", r.status)
	}
	if r := call(t, s, tok, "PATCH", "/v1.0/oauth2PermissionGrants/"+gid, map[string]string{"scope": "User.Read Calendars.ReadWrite Mail.Send offline_access"}); r.status != 204 {
		t.Errorf("PATCH grant: %d %s", r.status, r.raw)
	}
	f := url.QueryEscape("clientId eq '" + spID + "' and consentType eq 'AllPrincipals'")
	r = call(t, s, tok, "GET", "/v1.0/oauth2PermissionGrants?$filter="+f, nil)
	if v := r.values(); len(v) != 1 || !strings.Contains(v[0]["scope"].(string), "Mail.Send") {
		t.Errorf("grants by filter: %s", r.raw)
	}
	for _, p := range []string{alt + "/oauth2PermissionGrants", "/v1.0/servicePrincipals/" + spID + "/oauth2PermissionGrants"} {
		if r := call(t, s, tok, "GET", p, nil); len(r.values()) != 1 {
			t.Errorf("%s: %s", p, r.raw)
		}
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), TrackerRMSAppID, nil, ""); out.Result != ResultGranted {
		t.Errorf("after grant-direct: %+v", out)
	}
	// App role assignments (Graph app roles need PRA/GA).
	role := map[string]string{"principalId": spID, "resourceId": gsp, "appRoleId": "810c84a8-4a9e-49e6-bf7d-12d183f40d01"}
	appadmin := token(t, s, ten, "appadmin@contoso.com", adminScopes...)
	if r := call(t, s, appadmin, "POST", "/v1.0/servicePrincipals/"+gsp+"/appRoleAssignedTo", role); r.status != 403 {
		t.Errorf("app admin Graph app role: %d", r.status)
	}
	if r := call(t, s, tok, "POST", "/v1.0/servicePrincipals/"+gsp+"/appRoleAssignedTo", role); r.status != 201 {
		t.Errorf("GA Graph app role: %d %s", r.status, r.raw)
	}
	if r := call(t, s, tok, "GET", alt+"/appRoleAssignments", nil); len(r.values()) != 1 {
		t.Errorf("appRoleAssignments: %s", r.raw)
	}
	// Classifications: only User-type scopes; duplicates rejected.
	cls := "/v1.0/servicePrincipals(appId='" + entra.MicrosoftGraphAppID + "')/delegatedPermissionClassifications"
	if r := call(t, s, tok, "POST", cls, map[string]string{"permissionName": "User.Read", "classification": "low"}); r.status != 201 {
		t.Errorf("classify: %d %s", r.status, r.raw)
	}
	if r := call(t, s, tok, "POST", cls, map[string]string{"permissionId": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "classification": "low"}); r.status != 400 || !strings.Contains(r.errMsg(), "already exists") {
		t.Errorf("duplicate classification: %d", r.status)
	}
	if r := call(t, s, tok, "POST", cls, map[string]string{"permissionName": "Directory.Read.All", "classification": "low"}); r.status != 400 {
		t.Errorf("admin scope classification: %d", r.status)
	}
	if r := call(t, s, tok, "GET", cls, nil); len(r.values()) != 1 {
		t.Errorf("classifications: %s", r.raw)
	}
}

func TestGraphConsentRequests(t *testing.T) {
	s := newSim(t, Options{Scenario: "request-workflow"})
	ten := s.Tenant()
	tok := token(t, s, ten, "reader@contoso.com", "ConsentRequest.Read.All")
	f := url.QueryEscape("userConsentRequests/any (u:u/status eq 'InProgress')")
	r := call(t, s, tok, "GET", "/v1.0/identityGovernance/appConsent/appConsentRequests?$filter="+f, nil)
	v := r.values()
	if len(v) != 1 || v[0]["appId"] != TrackerRMSAppID || len(v[0]["pendingScopes"].([]any)) != 4 {
		t.Fatalf("pending requests: %s", r.raw)
	}
	id := v[0]["id"].(string)
	r = call(t, s, tok, "GET", "/v1.0/identityGovernance/appConsent/appConsentRequests/"+id+"/userConsentRequests?$filter="+url.QueryEscape("status eq 'InProgress'"), nil)
	u := r.values()
	if len(u) != 1 || u[0]["createdBy"].(map[string]any)["user"].(map[string]any)["displayName"] != "Megan Bowen" || u[0]["reason"] == "" {
		t.Errorf("user requests: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/identityGovernance/appConsent/appConsentRequests?$filter="+url.QueryEscape("appId eq '"+TrackerRMSAppID+"'")+"&$expand=userConsentRequests", nil)
	if v := r.values(); len(v) != 1 || len(v[0]["userConsentRequests"].([]any)) != 1 {
		t.Errorf("by appId with $expand: %s", r.raw)
	}
	megan := token(t, s, ten, ten.EndUserUPN(), "ConsentRequest.Read.All")
	if r := call(t, s, megan, "GET", "/v1.0/identityGovernance/appConsent/appConsentRequests", nil); r.status != 403 {
		t.Errorf("megan reads requests: %d", r.status)
	}
}

type batchOut struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func batch(t *testing.T, s *Server, tok string, reqs []map[string]any) (int, batchOut) {
	t.Helper()
	r := call(t, s, tok, "POST", "/v1.0/$batch", map[string]any{"requests": reqs})
	var out batchOut
	_ = json.Unmarshal(r.raw, &out)
	return r.status, out
}

func TestGraphBatch(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	s.ResetStats()
	reqs := []map[string]any{
		{"id": "me", "method": "GET", "url": "/me"},
		{"id": "policy", "method": "GET", "url": "/policies/authorizationPolicy"},
		{"id": "app", "method": "GET", "url": "/servicePrincipals(appId='" + TrackerRMSAppID + "')"},
		{"id": "grants", "method": "GET", "url": "/servicePrincipals(appId='" + TrackerRMSAppID + "')/oauth2PermissionGrants", "dependsOn": []string{"app"}},
		{"id": "patch", "method": "PATCH", "url": "/policies/authorizationPolicy", "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"allowUserConsentForRiskyApps": false}},
	}
	st, out := batch(t, s, tok, reqs)
	if st != 200 || len(out.Responses) != 5 {
		t.Fatalf("batch: %d %+v", st, out)
	}
	var ids []string
	byID := map[string]int{}
	for _, r := range out.Responses {
		ids = append(ids, r.ID)
		byID[r.ID] = r.Status
	}
	if strings.Join(ids, ",") == "me,policy,app,grants,patch" {
		t.Errorf("responses came back in request order; clients must correlate by id")
	}
	want := map[string]int{"me": 200, "policy": 200, "app": 404, "grants": 424, "patch": 204}
	for id, code := range want {
		if byID[id] != code {
			t.Errorf("item %s: %d, want %d", id, byID[id], code)
		}
	}
	if st := s.Stats(); st.RoundTrips != 1 || st.GraphRequests != 4 || st.Batches != 1 {
		t.Errorf("stats %+v", st)
	}
	// A throttled item is a 429 with its own Retry-After.
	s.SetFaults(Faults{Throttle429: 1, RetryAfterSeconds: 7})
	_, out = batch(t, s, tok, reqs[:2])
	throttled := 0
	for _, r := range out.Responses {
		if r.Status == 429 {
			throttled++
			if r.Headers["Retry-After"] != "7" {
				t.Errorf("item Retry-After: %v", r.Headers)
			}
		}
	}
	if throttled != 1 {
		t.Errorf("throttled items: %d", throttled)
	}
	// Envelope errors.
	var many []map[string]any
	for i := range 21 {
		many = append(many, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/me"})
	}
	if st, _ := batch(t, s, tok, many); st != 400 {
		t.Errorf("21 items: %d", st)
	}
	if st, _ := batch(t, s, tok, []map[string]any{{"id": "a", "method": "GET", "url": "/me"}, {"id": "A", "method": "GET", "url": "/me"}}); st != 400 {
		t.Errorf("duplicate ids: %d", st)
	}
	if st, out := batch(t, s, tok, []map[string]any{{"id": "p", "method": "PATCH", "url": "/policies/authorizationPolicy", "body": map[string]any{}}}); st != 200 || out.Responses[0].Status != 400 {
		t.Errorf("body without Content-Type: %d %+v", st, out)
	}
}

func TestGraphFaults(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), "User.Read")
	s.SetFaults(Faults{Throttle429: 1, RetryAfterSeconds: 3})
	r := call(t, s, tok, "GET", "/v1.0/me", nil)
	if r.status != 429 || r.hdr.Get("Retry-After") != "3" {
		t.Errorf("429: %d %v", r.status, r.hdr)
	}
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 200 {
		t.Errorf("after the throttled one: %d", r.status)
	}
	// Over HTTP: POST /_sim/faults.
	b, _ := json.Marshal(map[string]any{"unavailable503": 1})
	res, err := s.HTTPClient().Post(s.LoginURL()+"/_sim/faults", "application/json", bytes.NewReader(b))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/_sim/faults: %v", err)
	}
	res.Body.Close()
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 503 || r.hdr.Get("Retry-After") == "" {
		t.Errorf("503: %d", r.status)
	}
	s.SetFaults(Faults{Drop: 1})
	req, _ := http.NewRequest("GET", s.GraphURL()+"/v1.0/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	// A fresh connection: Go's transport silently retries a GET whose reused
	// connection closed, which is what a client sees in practice.
	fresh := &http.Client{Transport: &http.Transport{TLSClientConfig: s.client.TLSClientConfig, DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Errorf("dropped connection answered %d", res.StatusCode)
	}
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 200 {
		t.Errorf("after drop: %d", r.status)
	}
	s.SetFaults(Faults{Latency: 5 * time.Second})
	c := s.HTTPClient()
	c.Timeout = 200 * time.Millisecond
	req, _ = http.NewRequest("GET", s.GraphURL()+"/v1.0/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := c.Do(req); err == nil {
		res.Body.Close()
		t.Errorf("latency fault did not delay the answer")
	}
	s.SetFaults(Faults{})
	if st := s.Stats(); st.Throttled != 1 || st.Unavailable != 1 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestManyAppsStaysIndexed(t *testing.T) {
	if testing.Short() {
		t.Skip("big tenant")
	}
	s := newSim(t, Options{Scenario: "many-apps"})
	ten := s.Tenant()
	if n := ten.ServicePrincipalCount(); n < 20000 {
		t.Fatalf("SPs: %d", n)
	}
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	r := call(t, s, tok, "GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("appId eq '"+entra.MicrosoftGraphAppID+"'"), nil)
	if len(r.values()) != 1 {
		t.Errorf("SP by appId: %s", r.raw)
	}
	r = call(t, s, tok, "GET", "/v1.0/servicePrincipals", nil)
	if len(r.values()) != 100 || r.body["@odata.nextLink"] == nil {
		t.Errorf("first page: %d", len(r.values()))
	}
	f := url.QueryEscape("userConsentRequests/any(u:u/status eq 'InProgress')")
	r = call(t, s, tok, "GET", "/v1.0/identityGovernance/appConsent/appConsentRequests?$top=999&$filter="+f, nil)
	if len(r.values()) != 500 {
		t.Errorf("requests: %d", len(r.values()))
	}
	// The app's users consented for themselves: a page of their grants, and
	// no tenant-wide grant.
	nav := "/v1.0/servicePrincipals(appId='" + TrackerRMSAppID + "')/oauth2PermissionGrants?$filter="
	r = call(t, s, tok, "GET", nav+url.QueryEscape("consentType eq 'Principal'"), nil)
	if len(r.values()) != 100 || r.body["@odata.nextLink"] == nil {
		t.Errorf("the app's user grants: %d, next %v", len(r.values()), r.body["@odata.nextLink"])
	}
	if n := len(ten.Grants(TrackerRMSAppID)); n != ManyAppsUserGrants {
		t.Errorf("the app has %d grants, want %d", n, ManyAppsUserGrants)
	}
	// The made-up users are not listed among the accounts to sign in with.
	if u := ten.Users(); len(u) != 9 || u[0].UPN != ten.AdminUPN() {
		t.Errorf("Users lists %d accounts (first %v), want the 9 named ones", len(u), u[:min(len(u), 1)])
	}
	r = call(t, s, tok, "GET", nav+url.QueryEscape("consentType eq 'AllPrincipals'"), nil)
	if r.status != 200 || len(r.values()) != 0 {
		t.Errorf("the app's tenant-wide grants: %d %s", r.status, r.raw)
	}
}

func TestRouteTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.method + " " + r.version + " " + r.pattern
		if seen[key] {
			t.Errorf("duplicate route %s", key)
		}
		seen[key] = true
		if r.source == "" || r.handle == nil {
			t.Errorf("route %s lacks a source or a handler", key)
		}
		if r.scopes == nil && r.roles != nil {
			t.Errorf("route %s has roles but leaves the scopes to its handler", key)
		}
	}
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), adminScopes...)
	// A path no route knows: 400 naming the first segment that does not fit.
	r := call(t, s, tok, "GET", "/v1.0/servicePrincipals(appId='"+entra.MicrosoftGraphAppID+"')/bogus", nil)
	if r.status != 400 || !strings.Contains(r.errMsg(), "'bogus'") {
		t.Errorf("unknown segment: %d %s", r.status, r.raw)
	}
	// A known path with a method no route has: 405.
	if r := call(t, s, tok, "DELETE", "/v1.0/policies/authorizationPolicy", nil); r.status != 405 {
		t.Errorf("DELETE authorizationPolicy: %d %s", r.status, r.raw)
	}
	// The beta-only object path is unknown on v1.0.
	if r := call(t, s, tok, "GET", "/v1.0/policies/authorizationPolicy/authorizationPolicy", nil); r.status != 400 {
		t.Errorf("v1.0 beta path: %d", r.status)
	}
	if r := call(t, s, tok, "GET", "/beta/policies/authorizationPolicy/authorizationPolicy", nil); r.status != 200 || r.body["id"] != "authorizationPolicy" {
		t.Errorf("beta object path: %d %s", r.status, r.raw)
	}
}

// DropAfter: the write is processed, then its answer is lost; a GET is
// never dropped by it.
func TestGraphFaultDropAfter(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), "Application.ReadWrite.All", "User.Read")
	s.SetFaults(Faults{DropAfter: 1})
	if r := call(t, s, tok, "GET", "/v1.0/me", nil); r.status != 200 {
		t.Fatalf("a GET was dropped: %d", r.status)
	}
	body, _ := json.Marshal(map[string]string{"appId": ArchiverAppID})
	req, _ := http.NewRequest("POST", s.GraphURL()+"/v1.0/servicePrincipals", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	fresh := &http.Client{Transport: &http.Transport{TLSClientConfig: s.client.TLSClientConfig, DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the answer came: %d", res.StatusCode)
	}
	if _, ok := ten.ServicePrincipal(ArchiverAppID); !ok {
		t.Fatal("the write was not processed")
	}
	if st := s.Stats(); st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}
