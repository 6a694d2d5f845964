package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGraph is a small stateful Microsoft Graph v1.0 written for these tests: the
// paths, OData $filter forms, paging, Graph-shaped errors and JSON $batch the
// client uses. Tests change its state and inject faults through hooks; it records
// every request it serves (top-level and $batch items).
type fakeGraph struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// state
	org             entra.Organization
	me              entra.User
	memberOf        []map[string]any
	authz           entra.AuthorizationPolicy
	acrp            entra.AdminConsentRequestPolicy
	policyIncludes  map[string][]entra.PermissionGrantConditionSet
	policyExcludes  map[string][]entra.PermissionGrantConditionSet
	sps             []entra.ServicePrincipal
	grants          []entra.OAuth2PermissionGrant
	assignments     []entra.AppRoleAssignment // appRoleAssignments, by PrincipalID (and ResourceID for appRoleAssignedTo)
	classifications map[string][]entra.DelegatedPermissionClassification
	consentRequests []entra.AppConsentRequest
	users           []entra.User
	groups          []entra.Group
	nextID          int

	// pageSize > 0 pages every collection.
	pageSize int
	// reverseBatch answers $batch items in reverse order with upper-case ids.
	reverseBatch bool
	// fault, when set, may answer a request (top-level or batch item) instead of the router.
	fault func(method, path string, inBatch bool) *fakeResp
	// raw, when set, may take over a top-level HTTP exchange (return true when it did).
	raw func(w http.ResponseWriter, r *http.Request) bool

	// recording
	log        []recorded
	roundTrips int
	batchSizes []int
}

type recorded struct {
	Method  string
	Path    string // escaped path below /v1.0
	Query   url.Values
	Body    []byte
	Scopes  []string // scopes of the token that carried it
	InBatch bool
}

type fakeResp struct {
	status  int
	headers map[string]string
	body    any
}

const (
	testAppID  = "11111111-2222-3333-4444-555555555555"
	testTenant = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	appSPID    = "a0000000-0000-0000-0000-000000000001"
	graphSPID  = "b0000000-0000-0000-0000-000000000002"
)

func newFakeGraph(t *testing.T) *fakeGraph {
	t.Helper()
	f := &fakeGraph{t: t}
	f.seed()
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	t.Cleanup(f.srv.Close)
	return f
}

// seed fills a plausible tenant: the app has a service principal with an
// AllPrincipals grant and one app role; user consent is "low".
func (f *fakeGraph) seed() {
	yes := true
	f.org = entra.Organization{ID: testTenant, DisplayName: "Contoso", VerifiedDomains: []entra.VerifiedDomain{
		{Name: "contoso.onmicrosoft.com", IsInitial: true}, {Name: "contoso.com", IsDefault: true}}}
	f.me = entra.User{ID: "c0000000-0000-0000-0000-000000000003", DisplayName: "Ada Admin", UserPrincipalName: "ada@contoso.com"}
	f.memberOf = []map[string]any{
		{"@odata.type": "#microsoft.graph.group", "id": "d0000000-0000-0000-0000-000000000004", "displayName": "Staff"},
		{"@odata.type": "#microsoft.graph.directoryRole", "id": "e0000000-0000-0000-0000-000000000005",
			"displayName": "Global Administrator", "roleTemplateId": entra.RoleGlobalAdmin},
	}
	f.authz = entra.AuthorizationPolicy{ID: "authorizationPolicy", DisplayName: "Authorization Policy",
		DefaultUserRolePermissions: entra.DefaultUserRolePermissions{AllowedToCreateApps: true,
			PermissionGrantPoliciesAssigned: []string{entra.SelfConsentPrefix + entra.PolicyLow, entra.OwnedResourceConsentPrefix + "microsoft-dynamically-managed-permissions-for-team"}}}
	f.acrp = entra.AdminConsentRequestPolicy{ID: "policy", IsEnabled: false, RequestDurationInDays: 30, Version: 3}
	f.policyIncludes = map[string][]entra.PermissionGrantConditionSet{entra.PolicyManagedRecommended: {{ID: "inc1", PermissionType: "delegatedUserConsentable"}}}
	f.policyExcludes = map[string][]entra.PermissionGrantConditionSet{entra.PolicyManagedRecommended: {
		{ID: "exc1", PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{"cal-rw-id"}}}}
	f.sps = []entra.ServicePrincipal{
		{ID: appSPID, AppID: testAppID, DisplayName: "Apptoto", AccountEnabled: &yes,
			VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Apptoto", VerifiedPublisherID: "123"}},
		{ID: graphSPID, AppID: entra.MicrosoftGraphAppID, DisplayName: "Microsoft Graph",
			OAuth2PermissionScopes: []entra.PermissionScope{{ID: "user-read-id", Value: "User.Read", Type: "User", IsEnabled: true},
				{ID: "cal-rw-id", Value: "Calendars.ReadWrite", Type: "User", IsEnabled: true}},
			AppRoles: []entra.AppRole{{ID: "cal-role", Value: "Calendars.ReadWrite", AllowedMemberTypes: []string{"Application"}, IsEnabled: true}}},
	}
	f.grants = []entra.OAuth2PermissionGrant{{ID: "grant-1", ClientID: appSPID, ConsentType: "AllPrincipals", ResourceID: graphSPID, Scope: "User.Read"}}
	f.assignments = []entra.AppRoleAssignment{{ID: "ara-1", AppRoleID: "cal-role", PrincipalID: appSPID, PrincipalType: "ServicePrincipal", ResourceID: graphSPID}}
	f.classifications = map[string][]entra.DelegatedPermissionClassification{graphSPID: {{ID: "cls-1", PermissionID: "user-read-id", PermissionName: "User.Read", Classification: "low"}}}
	f.users = []entra.User{{ID: "u1", DisplayName: "O'Brien, Pat"}, {ID: "u2", DisplayName: "Olga"}, {ID: "u3", DisplayName: "Zed"}}
	f.groups = []entra.Group{{ID: "g1", DisplayName: "Owners"}, {ID: "g2", DisplayName: "Admins"}}
}

func (f *fakeGraph) client(opts ...Option) *Client {
	base := []Option{WithBaseURL(f.srv.URL), WithHTTPClient(f.srv.Client()), WithTokenSource(scopeTokens{}),
		WithSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() })}
	return New(append(base, opts...)...)
}

// scopeTokens issues tokens that name their scopes so the fake can record them.
type scopeTokens struct{}

func (scopeTokens) Token(_ context.Context, scopes []string) (string, error) {
	return "scopes:" + strings.Join(scopes, " "), nil
}

func (f *fakeGraph) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.log...)
}

func (f *fakeGraph) trips() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.roundTrips
}

func graphError(status int, code, msg string) *fakeResp {
	return &fakeResp{status: status, headers: map[string]string{"request-id": "req-" + strconv.Itoa(status)},
		body: map[string]any{"error": map[string]any{"code": code, "message": msg,
			"innerError": map[string]any{"request-id": "inner-" + strconv.Itoa(status), "date": "2026-01-01T00:00:00"}}}}
}

func (f *fakeGraph) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.roundTrips++
	raw := f.raw
	f.mu.Unlock()
	if raw != nil && raw(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1.0")
	var resp *fakeResp
	if !ok {
		resp = graphError(400, "BadRequest", "Invalid version")
	} else if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		resp = graphError(401, "InvalidAuthenticationToken", "Access token is empty.")
	} else {
		scopes := strings.Fields(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer scopes:"))
		if path == "/$batch" && r.Method == http.MethodPost {
			f.record(recorded{Method: r.Method, Path: path, Query: r.URL.Query(), Body: body, Scopes: scopes})
			resp = f.batch(body, scopes)
		} else {
			resp = f.dispatch(r.Method, path, r.URL.Query(), body, scopes, false)
		}
	}
	for k, v := range resp.headers {
		w.Header().Set(k, v)
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	if raw, ok := resp.body.([]byte); ok {
		w.Write(raw)
		return
	}
	json.NewEncoder(w).Encode(resp.body)
}

func (f *fakeGraph) record(r recorded) {
	f.mu.Lock()
	f.log = append(f.log, r)
	f.mu.Unlock()
}

func (f *fakeGraph) dispatch(method, path string, q url.Values, body []byte, scopes []string, inBatch bool) *fakeResp {
	f.record(recorded{Method: method, Path: path, Query: q, Body: body, Scopes: scopes, InBatch: inBatch})
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	if fault != nil {
		if r := fault(method, path, inBatch); r != nil {
			return r
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.route(method, path, q, body)
}

// batch serves POST /$batch: at most 20 items, unique case-insensitive ids,
// dependsOn (424 when a dependency failed), answers in any order.
func (f *fakeGraph) batch(body []byte, scopes []string) *fakeResp {
	var env struct {
		Requests []struct {
			ID        string            `json:"id"`
			Method    string            `json:"method"`
			URL       string            `json:"url"`
			Headers   map[string]string `json:"headers"`
			Body      json.RawMessage   `json:"body"`
			DependsOn []string          `json:"dependsOn"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return graphError(400, "BadRequest", "Invalid batch payload format.")
	}
	f.mu.Lock()
	f.batchSizes = append(f.batchSizes, len(env.Requests))
	reverse := f.reverseBatch
	f.mu.Unlock()
	if len(env.Requests) == 0 || len(env.Requests) > 20 {
		return graphError(400, "BadRequest", "The number of requests in the batch must be between 1 and 20.")
	}
	seen := map[string]bool{}
	for _, it := range env.Requests {
		k := strings.ToLower(it.ID)
		if seen[k] {
			return graphError(400, "BadRequest", "Batch request contains duplicate id "+it.ID)
		}
		seen[k] = true
		if len(it.Body) > 0 && it.Headers["Content-Type"] == "" {
			return graphError(400, "BadRequest", "Content-Type header is required when a body is present")
		}
	}
	status := map[string]int{}
	var out []map[string]any
	for _, it := range env.Requests {
		var r *fakeResp
		for _, d := range it.DependsOn {
			st, ok := status[strings.ToLower(d)]
			if !ok {
				return graphError(400, "BadRequest", "dependsOn must name an earlier request")
			}
			if st >= 400 {
				r = graphError(424, "FailedDependency", "Dependency failed")
			}
		}
		if r == nil {
			u, err := url.Parse(it.URL)
			if err != nil || !strings.HasPrefix(it.URL, "/") {
				r = graphError(400, "BadRequest", "Invalid request URL")
			} else {
				r = f.dispatch(it.Method, u.EscapedPath(), u.Query(), it.Body, scopes, true)
			}
		}
		status[strings.ToLower(it.ID)] = r.status
		id := it.ID
		if reverse {
			id = strings.ToUpper(id)
		}
		item := map[string]any{"id": id, "status": r.status}
		if r.headers != nil {
			item["headers"] = r.headers
		}
		if r.body != nil {
			item["body"] = r.body
		}
		out = append(out, item)
	}
	if reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return &fakeResp{status: 200, body: map[string]any{"responses": out}}
}

var (
	reAppIDKey     = regexp.MustCompile(`^/servicePrincipals\(appId='([^']*)'\)(/.*)?$`)
	reEq           = regexp.MustCompile(`^(appId|clientId|status) eq '((?:[^']|'')*)'$`)
	reStartsWith   = regexp.MustCompile(`^startswith\(displayName,'((?:[^']|'')*)'\)$`)
	errNotFound    = graphError(404, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.")
	errUnsupported = graphError(400, "Request_UnsupportedQuery", "Unsupported query.")
)

// filter checks $filter and returns the field and the unescaped literal.
func filterOf(q url.Values) (field, value string, ok bool) {
	fl := q.Get("$filter")
	if fl == "" {
		return "", "", true
	}
	if m := reEq.FindStringSubmatch(fl); m != nil {
		return m[1], strings.ReplaceAll(m[2], "''", "'"), true
	}
	if m := reStartsWith.FindStringSubmatch(fl); m != nil {
		return "startswith", strings.ReplaceAll(m[1], "''", "'"), true
	}
	return "", "", false
}

// collection answers a (possibly paged) collection.
func (f *fakeGraph) collection(path string, q url.Values, items any) *fakeResp {
	b, _ := json.Marshal(items)
	var all []json.RawMessage
	json.Unmarshal(b, &all)
	if all == nil {
		all = []json.RawMessage{}
	}
	size := f.pageSize
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top > 0 && (size == 0 || top < size) {
		size = top
	}
	if size == 0 {
		return &fakeResp{status: 200, body: map[string]any{"value": all}}
	}
	off, _ := strconv.Atoi(q.Get("$skiptoken"))
	end := min(off+size, len(all))
	if off > len(all) {
		off = end
	}
	body := map[string]any{"value": all[off:end]}
	if end < len(all) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = f.srv.URL + "/v1.0" + path + "?" + nq.Encode()
	}
	return &fakeResp{status: 200, body: body}
}

func (f *fakeGraph) spByID(id string) *entra.ServicePrincipal {
	for i := range f.sps {
		if f.sps[i].ID == id {
			return &f.sps[i]
		}
	}
	return nil
}

func (f *fakeGraph) spByAppID(appID string) *entra.ServicePrincipal {
	for i := range f.sps {
		if strings.EqualFold(f.sps[i].AppID, appID) {
			return &f.sps[i]
		}
	}
	return nil
}

func (f *fakeGraph) newID() string {
	f.nextID++
	return fmt.Sprintf("f%07d-0000-0000-0000-000000000000", f.nextID)
}

// route is the fake's Graph: caller holds f.mu.
func (f *fakeGraph) route(method, path string, q url.Values, body []byte) *fakeResp {
	field, value, ok := filterOf(q)
	if !ok {
		return errUnsupported
	}
	// servicePrincipals(appId='…')/x → servicePrincipals/{id}/x
	if m := reAppIDKey.FindStringSubmatch(path); m != nil {
		sp := f.spByAppID(m[1])
		if sp == nil {
			return errNotFound
		}
		path = "/servicePrincipals/" + sp.ID + m[2]
	}
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	key := method + " " + path
	switch {
	case key == "GET /organization":
		return f.collection(path, q, []entra.Organization{f.org})
	case key == "GET /me":
		return &fakeResp{status: 200, body: f.me}
	case key == "GET /me/transitiveMemberOf":
		return f.collection(path, q, f.memberOf)
	case key == "GET /policies/authorizationPolicy":
		return &fakeResp{status: 200, body: f.authz}
	case key == "PATCH /policies/authorizationPolicy":
		var b struct {
			D *struct {
				P *[]string `json:"permissionGrantPoliciesAssigned"`
			} `json:"defaultUserRolePermissions"`
		}
		if json.Unmarshal(body, &b) != nil || b.D == nil || b.D.P == nil {
			return graphError(400, "Request_BadRequest", "Invalid value")
		}
		f.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = *b.D.P
		return &fakeResp{status: 204}
	case key == "GET /policies/adminConsentRequestPolicy":
		return &fakeResp{status: 200, body: f.acrp}
	case key == "PUT /policies/adminConsentRequestPolicy":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return graphError(400, "Request_BadRequest", "Invalid body")
		}
		for _, ro := range []string{"id", "version"} {
			if _, bad := m[ro]; bad {
				return graphError(400, "Request_BadRequest", "Property '"+ro+"' is read-only")
			}
		}
		for _, req := range []string{"isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers"} {
			if _, has := m[req]; !has {
				return graphError(400, "Request_BadRequest", "PUT needs the full object: missing "+req)
			}
		}
		if string(m["reviewers"]) == "null" {
			return graphError(400, "Request_BadRequest", "reviewers must be a collection")
		}
		v := f.acrp.Version
		json.Unmarshal(body, &f.acrp)
		f.acrp.Version = v + 1
		return &fakeResp{status: 204}
	case method == "GET" && len(seg) == 4 && seg[0] == "policies" && seg[1] == "permissionGrantPolicies" && (seg[3] == "includes" || seg[3] == "excludes"):
		src := f.policyIncludes
		if seg[3] == "excludes" {
			src = f.policyExcludes
		}
		sets, ok := src[seg[2]]
		if !ok {
			return errNotFound
		}
		return f.collection(path, q, sets)
	case key == "GET /servicePrincipals":
		var out []entra.ServicePrincipal
		for _, sp := range f.sps {
			if field == "" || field == "appId" && strings.EqualFold(sp.AppID, value) {
				out = append(out, sp)
			}
		}
		if field != "" && field != "appId" {
			return errUnsupported
		}
		return f.collection(path, q, out)
	case key == "POST /servicePrincipals":
		var b struct {
			AppID string `json:"appId"`
		}
		if json.Unmarshal(body, &b) != nil || b.AppID == "" {
			return graphError(400, "Request_BadRequest", "appId is required")
		}
		if f.spByAppID(b.AppID) != nil {
			return graphError(409, "Request_MultipleObjectsWithSameKeyValue", "already exists")
		}
		sp := entra.ServicePrincipal{ID: f.newID(), AppID: b.AppID, DisplayName: "New app"}
		f.sps = append(f.sps, sp)
		return &fakeResp{status: 201, body: sp}
	case len(seg) == 3 && seg[0] == "servicePrincipals":
		sp := f.spByID(seg[1])
		if sp == nil {
			return errNotFound
		}
		switch method + " " + seg[2] {
		case "GET oauth2PermissionGrants":
			var out []entra.OAuth2PermissionGrant
			for _, g := range f.grants {
				if g.ClientID == sp.ID {
					out = append(out, g)
				}
			}
			return f.collection(path, q, out)
		case "GET appRoleAssignments":
			var out []entra.AppRoleAssignment
			for _, a := range f.assignments {
				if a.PrincipalID == sp.ID {
					out = append(out, a)
				}
			}
			return f.collection(path, q, out)
		case "POST appRoleAssignedTo":
			var a entra.AppRoleAssignment
			if json.Unmarshal(body, &a) != nil || a.PrincipalID == "" || a.AppRoleID == "" || a.ResourceID != sp.ID {
				return graphError(400, "Request_BadRequest", "principalId, resourceId (this resource) and appRoleId are required")
			}
			a.ID = f.newID()
			f.assignments = append(f.assignments, a)
			return &fakeResp{status: 201, body: a}
		case "GET delegatedPermissionClassifications":
			return f.collection(path, q, f.classifications[sp.ID])
		case "POST delegatedPermissionClassifications":
			var c entra.DelegatedPermissionClassification
			if json.Unmarshal(body, &c) != nil || c.PermissionID == "" || c.Classification == "" {
				return graphError(400, "Request_BadRequest", "permissionId and classification are required")
			}
			c.ID = f.newID()
			f.classifications[sp.ID] = append(f.classifications[sp.ID], c)
			return &fakeResp{status: 201, body: c}
		}
	case method == "DELETE" && len(seg) == 2 && seg[0] == "servicePrincipals":
		for i := range f.sps {
			if f.sps[i].ID == seg[1] {
				f.sps = append(f.sps[:i], f.sps[i+1:]...)
				return &fakeResp{status: 204}
			}
		}
		return errNotFound
	case method == "DELETE" && len(seg) == 2 && seg[0] == "oauth2PermissionGrants":
		for i := range f.grants {
			if f.grants[i].ID == seg[1] {
				f.grants = append(f.grants[:i], f.grants[i+1:]...)
				return &fakeResp{status: 204}
			}
		}
		return errNotFound
	case method == "DELETE" && len(seg) == 4 && seg[0] == "servicePrincipals" && seg[2] == "appRoleAssignedTo":
		for i, a := range f.assignments {
			if a.ID == seg[3] && a.ResourceID == seg[1] {
				f.assignments = append(f.assignments[:i], f.assignments[i+1:]...)
				return &fakeResp{status: 204}
			}
		}
		return errNotFound
	case method == "DELETE" && len(seg) == 4 && seg[0] == "servicePrincipals" && seg[2] == "delegatedPermissionClassifications":
		cls := f.classifications[seg[1]]
		for i, c := range cls {
			if c.ID == seg[3] {
				f.classifications[seg[1]] = append(cls[:i:i], cls[i+1:]...)
				return &fakeResp{status: 204}
			}
		}
		return errNotFound
	case key == "GET /oauth2PermissionGrants":
		if field != "" && field != "clientId" {
			return errUnsupported
		}
		var out []entra.OAuth2PermissionGrant
		for _, g := range f.grants {
			if field == "" || g.ClientID == value {
				out = append(out, g)
			}
		}
		return f.collection(path, q, out)
	case key == "POST /oauth2PermissionGrants":
		var g entra.OAuth2PermissionGrant
		if json.Unmarshal(body, &g) != nil || g.ClientID == "" || g.ResourceID == "" || g.ConsentType == "" {
			return graphError(400, "Request_BadRequest", "clientId, consentType and resourceId are required")
		}
		g.ID = f.newID()
		f.grants = append(f.grants, g)
		return &fakeResp{status: 201, body: g}
	case method == "PATCH" && len(seg) == 2 && seg[0] == "oauth2PermissionGrants":
		for i := range f.grants {
			if f.grants[i].ID == seg[1] {
				var b struct {
					Scope *string `json:"scope"`
				}
				if json.Unmarshal(body, &b) != nil || b.Scope == nil {
					return graphError(400, "Request_BadRequest", "scope is required")
				}
				f.grants[i].Scope = *b.Scope
				return &fakeResp{status: 204}
			}
		}
		return errNotFound
	case key == "GET /identityGovernance/appConsent/appConsentRequests":
		if field != "" && field != "appId" {
			return errUnsupported
		}
		var out []entra.AppConsentRequest
		for _, r := range f.consentRequests {
			if field == "" || strings.EqualFold(r.AppID, value) {
				r.UserConsentRequests = nil // a relationship, not inlined
				out = append(out, r)
			}
		}
		return f.collection(path, q, out)
	case method == "GET" && len(seg) == 5 && strings.HasPrefix(path, "/identityGovernance/appConsent/appConsentRequests/") && seg[4] == "userConsentRequests":
		if field != "" && field != "status" {
			return errUnsupported
		}
		for _, r := range f.consentRequests {
			if r.ID == seg[3] {
				var out []entra.UserConsentRequest
				for _, u := range r.UserConsentRequests {
					if field == "" || u.Status == value {
						out = append(out, u)
					}
				}
				return f.collection(path, q, out)
			}
		}
		return errNotFound
	case key == "GET /users":
		if field != "" && field != "startswith" {
			return errUnsupported
		}
		var out []entra.User
		for _, u := range f.users {
			if strings.HasPrefix(strings.ToLower(u.DisplayName), strings.ToLower(value)) {
				out = append(out, u)
			}
		}
		return f.collection(path, q, out)
	case key == "GET /groups":
		if field != "" && field != "startswith" {
			return errUnsupported
		}
		var out []entra.Group
		for _, g := range f.groups {
			if strings.HasPrefix(strings.ToLower(g.DisplayName), strings.ToLower(value)) {
				out = append(out, g)
			}
		}
		return f.collection(path, q, out)
	}
	return graphError(400, "BadRequest", "Resource not found for the segment '"+path+"'.")
}

// sortedScopes is a helper for comparing scope sets.
func sortedScopes(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
