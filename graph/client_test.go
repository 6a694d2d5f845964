package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sleeps records the waits the client asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// faultN answers the first n requests matching method+path with resp.
func faultN(n int, method, path string, resp func(i int) *fakeResp) func(string, string, bool) *fakeResp {
	var mu sync.Mutex
	count := 0
	return func(m, p string, _ bool) *fakeResp {
		if m != method || p != path {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if count >= n {
			return nil
		}
		count++
		return resp(count)
	}
}

func throttled(retryAfter string) *fakeResp {
	r := graphError(429, "TooManyRequests", "Too many requests")
	if retryAfter != "" {
		r.headers["Retry-After"] = retryAfter
	}
	return r
}

func TestAPIErrorParsing(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	ctx := context.Background()

	f.fault = faultN(1, "GET", "/policies/authorizationPolicy", func(int) *fakeResp {
		return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	})
	_, err := c.GetAuthorizationPolicy(ctx)
	var ae *entra.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	want := entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation.",
		RequestID: "req-403", Method: "GET", Path: "/policies/authorizationPolicy"}
	if *ae != want {
		t.Errorf("APIError = %+v, want %+v", *ae, want)
	}
	if !entra.IsForbidden(err) || entra.IsNotFound(err) {
		t.Errorf("IsForbidden/IsNotFound wrong for %v", err)
	}
	for _, s := range []string{"403", "Authorization_RequestDenied", "req-403", "GET /policies/authorizationPolicy"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}

	// Without the header, the body's innerError request-id is used.
	f.fault = faultN(1, "GET", "/me", func(int) *fakeResp {
		r := graphError(404, "Request_ResourceNotFound", "gone")
		delete(r.headers, "request-id")
		return r
	})
	_, err = c.Me(ctx)
	if !errors.As(err, &ae) || ae.RequestID != "inner-404" || !entra.IsNotFound(err) {
		t.Errorf("innerError request-id: got %+v", err)
	}

	// A gateway's HTML error page still gives a typed error.
	f.fault = faultN(1, "GET", "/me", func(int) *fakeResp {
		return &fakeResp{status: 502, body: []byte("<html>Bad gateway</html>")}
	})
	_, err = c.Me(ctx)
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Code != "" || ae.Message != "Bad Gateway" {
		t.Errorf("html error: got %#v", err)
	}
}

func TestRetry429ThenSuccess(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	f.fault = faultN(2, "GET", "/me", func(int) *fakeResp { return throttled("7") })
	me, err := c.Me(context.Background())
	if err != nil || me.ID != f.me.ID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if got := s.all(); !reflect.DeepEqual(got, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("sleeps = %v, want two of 7s", got)
	}
	if f.trips() != 3 || c.RoundTrips() != 3 {
		t.Errorf("round trips server=%d client=%d, want 3", f.trips(), c.RoundTrips())
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	f.fault = faultN(1, "GET", "/me", func(int) *fakeResp {
		return throttled(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat))
	})
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := s.all()
	if len(got) != 1 || got[0] < 5*time.Second || got[0] > 11*time.Second {
		t.Errorf("sleeps = %v, want one of about 10s", got)
	}
}

func TestRetry503And504Backoff(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	f.fault = faultN(2, "GET", "/policies/adminConsentRequestPolicy", func(i int) *fakeResp {
		if i == 1 {
			return graphError(503, "ServiceUnavailable", "try later")
		}
		return graphError(504, "GatewayTimeout", "timeout")
	})
	p, err := c.GetConsentRequestPolicy(context.Background())
	if err != nil || p.RequestDurationInDays != 30 {
		t.Fatalf("GetConsentRequestPolicy = %+v, %v", p, err)
	}
	if got := s.all(); !reflect.DeepEqual(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("backoff = %v, want [1s 2s]", got)
	}
}

func TestRetryCaps(t *testing.T) {
	t.Run("retry-after above the cap fails at once", func(t *testing.T) {
		f := newFakeGraph(t)
		var s sleeps
		c := f.client(WithSleep(s.sleep))
		f.fault = faultN(1, "GET", "/me", func(int) *fakeResp { return throttled("120") })
		_, err := c.Me(context.Background())
		var ae *entra.APIError
		if !errors.As(err, &ae) || !entra.IsThrottled(err) || ae.RetryAfter != 120*time.Second {
			t.Fatalf("err = %v, want throttled with RetryAfter 120s", err)
		}
		if len(s.all()) != 0 || f.trips() != 1 {
			t.Errorf("sleeps %v trips %d; want no wait and 1 request", s.all(), f.trips())
		}
	})
	t.Run("attempts", func(t *testing.T) {
		f := newFakeGraph(t)
		var s sleeps
		c := f.client(WithSleep(s.sleep))
		f.fault = faultN(100, "GET", "/me", func(int) *fakeResp { return throttled("1") })
		_, err := c.Me(context.Background())
		if !entra.IsThrottled(err) {
			t.Fatalf("err = %v", err)
		}
		if f.trips() != DefaultMaxAttempts || len(s.all()) != DefaultMaxAttempts-1 {
			t.Errorf("trips %d sleeps %v; want %d trips", f.trips(), s.all(), DefaultMaxAttempts)
		}
	})
	t.Run("WithRetry", func(t *testing.T) {
		f := newFakeGraph(t)
		var s sleeps
		c := f.client(WithSleep(s.sleep), WithRetry(2, 5*time.Second))
		f.fault = faultN(100, "GET", "/me", func(int) *fakeResp { return throttled("") })
		if _, err := c.Me(context.Background()); !entra.IsThrottled(err) {
			t.Fatalf("err = %v", err)
		}
		if f.trips() != 2 || !reflect.DeepEqual(s.all(), []time.Duration{time.Second}) {
			t.Errorf("trips %d sleeps %v", f.trips(), s.all())
		}
		// 6s is above the 5s cap: no wait.
		f2 := newFakeGraph(t)
		var s2 sleeps
		c2 := f2.client(WithSleep(s2.sleep), WithRetry(4, 5*time.Second))
		f2.fault = faultN(100, "GET", "/me", func(int) *fakeResp { return throttled("6") })
		if _, err := c2.Me(context.Background()); !entra.IsThrottled(err) || f2.trips() != 1 {
			t.Errorf("err %v trips %d", err, f2.trips())
		}
	})
}

func TestRetryWaitHonoursContext(t *testing.T) {
	f := newFakeGraph(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.fault = func(m, p string, _ bool) *fakeResp {
		if p == "/me" {
			cancel() // the user presses ctrl+c while the client waits 25 s
			return throttled("25")
		}
		return nil
	}
	// The real sleep: the test would take 25 s and then succeed if the wait ignored ctx.
	c := New(WithBaseURL(f.srv.URL), WithHTTPClient(f.srv.Client()), WithTokenSource(scopeTokens{}))
	done := make(chan error, 1)
	go func() { _, err := c.Me(ctx); done <- err }()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.trips() != 1 {
		t.Errorf("trips = %d, want 1", f.trips())
	}
}

// dropFirst makes the server close the connection without answering the first
// n requests to path.
func dropFirst(f *fakeGraph, n int, path string) {
	var mu sync.Mutex
	count := 0
	f.raw = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, path) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		if count >= n {
			return false
		}
		count++
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}
}

func TestTransportDrop(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		f := newFakeGraph(t)
		var s sleeps
		c := f.client(WithSleep(s.sleep))
		dropFirst(f, 1, "/policies/authorizationPolicy")
		p, err := c.GetAuthorizationPolicy(context.Background())
		if err != nil || p.ID != "authorizationPolicy" {
			t.Fatalf("GetAuthorizationPolicy = %+v, %v", p, err)
		}
		if f.trips() != 2 || len(s.all()) != 1 {
			t.Errorf("trips %d sleeps %v, want 2 and one backoff", f.trips(), s.all())
		}
	})
	t.Run("PATCH is retried", func(t *testing.T) {
		f := newFakeGraph(t)
		c := f.client()
		dropFirst(f, 1, "/policies/authorizationPolicy")
		if err := c.UpdateUserConsentPolicies(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if f.trips() != 2 || len(f.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned) != 0 {
			t.Errorf("trips %d, policy %v", f.trips(), f.authz.DefaultUserRolePermissions)
		}
	})
	t.Run("POST is not retried", func(t *testing.T) {
		f := newFakeGraph(t)
		c := f.client()
		dropFirst(f, 1, "/servicePrincipals")
		_, err := c.CreateServicePrincipal(context.Background(), "99999999-2222-3333-4444-555555555555")
		if err == nil || !strings.Contains(err.Error(), "not retried") {
			t.Fatalf("err = %v, want a not-retried transport error", err)
		}
		var ae *entra.APIError
		if errors.As(err, &ae) {
			t.Errorf("transport error should not be an APIError: %v", err)
		}
		if f.trips() != 1 {
			t.Errorf("trips = %d, want 1", f.trips())
		}
	})
}

func TestPOSTRetryRule(t *testing.T) {
	newApp := "99999999-2222-3333-4444-555555555555"
	t.Run("503 retried", func(t *testing.T) {
		f := newFakeGraph(t)
		c := f.client()
		f.fault = faultN(1, "POST", "/servicePrincipals", func(int) *fakeResp { return graphError(503, "ServiceUnavailable", "") })
		sp, err := c.CreateServicePrincipal(context.Background(), newApp)
		if err != nil || sp.AppID != newApp || f.trips() != 2 {
			t.Fatalf("sp %+v err %v trips %d", sp, err, f.trips())
		}
	})
	t.Run("429 retried", func(t *testing.T) {
		f := newFakeGraph(t)
		c := f.client()
		f.fault = faultN(1, "POST", "/oauth2PermissionGrants", func(int) *fakeResp { return throttled("2") })
		g, err := c.CreateGrant(context.Background(), entra.OAuth2PermissionGrant{ClientID: appSPID, ConsentType: "AllPrincipals", ResourceID: graphSPID, Scope: "Calendars.ReadWrite"})
		if err != nil || g.ID == "" || f.trips() != 2 {
			t.Fatalf("g %+v err %v trips %d", g, err, f.trips())
		}
	})
	t.Run("504 not retried", func(t *testing.T) {
		f := newFakeGraph(t)
		c := f.client()
		f.fault = faultN(1, "POST", "/servicePrincipals", func(int) *fakeResp { return graphError(504, "GatewayTimeout", "") })
		_, err := c.CreateServicePrincipal(context.Background(), newApp)
		var ae *entra.APIError
		if !errors.As(err, &ae) || ae.Status != 504 || f.trips() != 1 {
			t.Fatalf("err %v trips %d", err, f.trips())
		}
	})
}

func TestPaging(t *testing.T) {
	f := newFakeGraph(t)
	f.pageSize = 2
	for i := 0; i < 4; i++ {
		f.grants = append(f.grants, entra.OAuth2PermissionGrant{ID: "g" + string(rune('a'+i)), ClientID: appSPID, ConsentType: "Principal", ResourceID: graphSPID, Scope: "User.Read"})
	}
	f.grants = append(f.grants, entra.OAuth2PermissionGrant{ID: "other", ClientID: "someone-else", ResourceID: graphSPID})
	c := f.client()
	gs, err := c.ListGrants(context.Background(), appSPID)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 5 {
		t.Fatalf("got %d grants, want 5: %+v", len(gs), gs)
	}
	if f.trips() != 3 {
		t.Errorf("trips = %d, want 3 pages", f.trips())
	}
	for _, r := range f.requests() {
		if r.Query.Get("$filter") != "clientId eq '"+appSPID+"'" {
			t.Errorf("page request lost the filter: %v", r.Query)
		}
	}
}

func TestPagingRefusesForeignNextLink(t *testing.T) {
	foreign := newFakeGraph(t)
	f := newFakeGraph(t)
	f.fault = func(m, p string, _ bool) *fakeResp {
		if p == "/me/transitiveMemberOf" {
			return &fakeResp{status: 200, body: map[string]any{
				"value":           f.memberOf,
				"@odata.nextLink": foreign.srv.URL + "/v1.0/me/transitiveMemberOf?$skiptoken=2",
			}}
		}
		return nil
	}
	_, err := f.client().MyDirectoryRoles(context.Background())
	if !errors.Is(err, ErrForeignNextLink) {
		t.Fatalf("err = %v, want ErrForeignNextLink", err)
	}
	if foreign.trips() != 0 {
		t.Errorf("the foreign host got %d requests (and the token)", foreign.trips())
	}
}

func TestMalformedAndOversize(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	f.fault = faultN(1, "GET", "/policies/authorizationPolicy", func(int) *fakeResp {
		return &fakeResp{status: 200, body: []byte(`{"id":"authorizationPolicy","defaultUserRolePermissions":`)}
	})
	if _, err := c.GetAuthorizationPolicy(context.Background()); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("truncated JSON: err = %v", err)
	}
	f.fault = faultN(1, "GET", "/me/transitiveMemberOf", func(int) *fakeResp {
		return &fakeResp{status: 200, body: []byte(`{"value":"not a list"}`)}
	})
	if _, err := c.MyDirectoryRoles(context.Background()); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("wrong shape: err = %v", err)
	}
	big := []byte(`{"value":[` + strings.Repeat(`{"id":"x"},`, MaxResponseBytes/10) + `{"id":"y"}]}`)
	f.fault = faultN(1, "GET", "/organization", func(int) *fakeResp { return &fakeResp{status: 200, body: big} })
	if _, err := c.Organization(context.Background()); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("oversize: err = %v", err)
	}
	if f.trips() != 3 {
		t.Errorf("trips = %d: malformed and oversize answers must not be retried", f.trips())
	}
}

func TestTypedMethods(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	ctx := context.Background()

	org, err := c.Organization(ctx)
	if err != nil || org.ID != testTenant || org.DefaultDomain() != "contoso.com" {
		t.Errorf("Organization = %+v, %v", org, err)
	}
	roles, err := c.MyDirectoryRoles(ctx)
	if err != nil || len(roles) != 1 || roles[0].RoleTemplateID != entra.RoleGlobalAdmin {
		t.Errorf("MyDirectoryRoles = %+v, %v", roles, err)
	}
	sp, err := c.GetServicePrincipalByAppID(ctx, testAppID)
	if err != nil || sp == nil || sp.ID != appSPID || !sp.PublisherVerified() {
		t.Errorf("GetServicePrincipalByAppID = %+v, %v", sp, err)
	}
	sp, err = c.GetServicePrincipalByAppID(ctx, "99999999-2222-3333-4444-555555555555")
	if sp != nil || err != nil {
		t.Errorf("absent app: %+v, %v; want nil, nil", sp, err)
	}
	if _, err := c.GetServicePrincipalByAppID(ctx, "x' or 1 eq 1"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("non-GUID app id: %v", err)
	}
	gsp, err := c.GetGraphServicePrincipal(ctx)
	if err != nil || len(gsp.OAuth2PermissionScopes) != 2 || len(gsp.AppRoles) != 1 {
		t.Errorf("GetGraphServicePrincipal = %+v, %v", gsp, err)
	}

	// PATCH sends exactly the array given, including owned-resource entries.
	want := []string{entra.OwnedResourceConsentPrefix + "x", entra.SelfConsentPrefix + entra.PolicyManagedRecommended}
	if err := c.UpdateUserConsentPolicies(ctx, want); err != nil {
		t.Fatal(err)
	}
	last := f.requests()[len(f.requests())-1]
	if string(last.Body) != `{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":["ManagePermissionGrantsForOwnedResource.x","ManagePermissionGrantsForSelf.microsoft-user-default-recommended"]}}` {
		t.Errorf("PATCH body = %s", last.Body)
	}
	p, _ := c.GetAuthorizationPolicy(ctx)
	if !reflect.DeepEqual(p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, want) {
		t.Errorf("after PATCH: %v", p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
	}
	if err := c.UpdateUserConsentPolicies(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if b := f.requests()[len(f.requests())-1].Body; !strings.Contains(string(b), `"permissionGrantPoliciesAssigned":[]`) {
		t.Errorf("nil must send [], got %s", b)
	}

	// PUT sends the full object without id and version (the fake rejects both).
	acrp, _ := c.GetConsentRequestPolicy(ctx)
	acrp.IsEnabled = true
	acrp.Reviewers = []entra.ReviewerScope{{Query: "/users/" + f.me.ID, QueryType: "MicrosoftGraph"}}
	if err := c.PutConsentRequestPolicy(ctx, acrp); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if got, _ := c.GetConsentRequestPolicy(ctx); !got.IsEnabled || len(got.Reviewers) != 1 || got.Version != 4 {
		t.Errorf("after PUT: %+v", got)
	}

	exc, err := c.GetPermissionGrantPolicyExcludes(ctx, entra.PolicyManagedRecommended)
	if err != nil || len(exc) != 1 || exc[0].Permissions[0] != "cal-rw-id" {
		t.Errorf("excludes = %+v, %v", exc, err)
	}
	inc, err := c.GetPermissionGrantPolicyIncludes(ctx, entra.PolicyManagedRecommended)
	if err != nil || len(inc) != 1 {
		t.Errorf("includes = %+v, %v", inc, err)
	}
	if _, err := c.GetPermissionGrantPolicyIncludes(ctx, "../me"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("path traversal id: %v", err)
	}

	g, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ID: "ignored", ClientID: appSPID, ConsentType: "AllPrincipals", PrincipalID: "ignored", ResourceID: graphSPID, Scope: "Calendars.ReadWrite"})
	if err != nil || g.ID == "" || g.ID == "ignored" {
		t.Fatalf("CreateGrant = %+v, %v", g, err)
	}
	var sent map[string]any
	json.Unmarshal(f.requests()[len(f.requests())-1].Body, &sent)
	if _, ok := sent["id"]; ok || sent["principalId"] != nil {
		t.Errorf("CreateGrant body = %v: no id, no principalId for AllPrincipals", sent)
	}
	if err := c.UpdateGrantScope(ctx, g.ID, "Calendars.ReadWrite User.Read"); err != nil {
		t.Fatal(err)
	}
	gs, _ := c.ListGrants(ctx, appSPID)
	if len(gs) != 2 || gs[1].Scope != "Calendars.ReadWrite User.Read" {
		t.Errorf("grants after update = %+v", gs)
	}

	a, err := c.CreateAppRoleAssignment(ctx, graphSPID, entra.AppRoleAssignment{PrincipalID: appSPID, AppRoleID: "cal-role"})
	if err != nil || a.ID == "" || a.ResourceID != graphSPID {
		t.Errorf("CreateAppRoleAssignment = %+v, %v", a, err)
	}
	as, err := c.ListAppRoleAssignments(ctx, appSPID)
	if err != nil || len(as) != 2 {
		t.Errorf("ListAppRoleAssignments = %+v, %v", as, err)
	}

	cl, err := c.CreateClassification(ctx, graphSPID, entra.DelegatedPermissionClassification{PermissionID: "cal-rw-id", PermissionName: "Calendars.ReadWrite", Classification: "low"})
	if err != nil || cl.ID == "" {
		t.Errorf("CreateClassification = %+v, %v", cl, err)
	}
	cls, err := c.ListClassifications(ctx, graphSPID)
	if err != nil || len(cls) != 2 {
		t.Errorf("ListClassifications = %+v, %v", cls, err)
	}

	f.consentRequests = []entra.AppConsentRequest{{ID: "acr-1", AppID: testAppID, AppDisplayName: "Apptoto",
		PendingScopes:       []entra.ConsentRequestScope{{DisplayName: "Calendars.ReadWrite"}},
		UserConsentRequests: []entra.UserConsentRequest{{ID: "ucr-1", Status: "InProgress", Reason: "need it"}, {ID: "ucr-2", Status: "Completed"}}}}
	reqs, err := c.ListConsentRequests(ctx, testAppID)
	if err != nil || len(reqs) != 1 || reqs[0].PendingScopes[0].DisplayName != "Calendars.ReadWrite" {
		t.Errorf("ListConsentRequests = %+v, %v", reqs, err)
	}
	ucr, err := c.ListPendingUserRequests(ctx, "acr-1")
	if err != nil || len(ucr) != 1 || ucr[0].ID != "ucr-1" {
		t.Errorf("ListPendingUserRequests = %+v, %v", ucr, err)
	}

	newSP, err := c.CreateServicePrincipal(ctx, "99999999-2222-3333-4444-555555555555")
	if err != nil || newSP.ID == "" {
		t.Errorf("CreateServicePrincipal = %+v, %v", newSP, err)
	}
}

func TestSearchEscapesQuotes(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	users, err := c.SearchUsers(context.Background(), "O'Brien")
	if err != nil || len(users) != 1 || users[0].ID != "u1" {
		t.Fatalf("SearchUsers = %+v, %v", users, err)
	}
	r := f.requests()[0]
	if got := r.Query.Get("$filter"); got != "startswith(displayName,'O''Brien')" {
		t.Errorf("$filter = %q", got)
	}
	// & and # in the text must not break out of the parameter.
	if _, err := c.SearchGroups(context.Background(), "A&$top=1#"); err != nil {
		t.Fatal(err)
	}
	r = f.requests()[1]
	if got := r.Query.Get("$filter"); got != "startswith(displayName,'A&$top=1#')" || r.Query.Get("$top") != "50" {
		t.Errorf("query = %v", r.Query)
	}
	if _, err := c.SearchUsers(context.Background(), "a\x1b[2J"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("control characters: %v", err)
	}
}

func TestScopesRequestedPerMethod(t *testing.T) {
	// Each method asks for its least-privileged scopes; the expectations are written
	// out here (not read from the table) so a wrong table entry fails.
	f := newFakeGraph(t)
	f.consentRequests = []entra.AppConsentRequest{{ID: "acr-1", AppID: testAppID}}
	c := f.client()
	ctx := context.Background()
	cases := []struct {
		name string
		call func() error
		want []string
	}{
		{"Organization", func() error { _, err := c.Organization(ctx); return err }, []string{"User.Read"}},
		{"Me", func() error { _, err := c.Me(ctx); return err }, []string{"User.Read"}},
		{"MyDirectoryRoles", func() error { _, err := c.MyDirectoryRoles(ctx); return err }, []string{"Directory.Read.All"}},
		{"GetAuthorizationPolicy", func() error { _, err := c.GetAuthorizationPolicy(ctx); return err }, []string{"Policy.Read.All"}},
		{"UpdateUserConsentPolicies", func() error { return c.UpdateUserConsentPolicies(ctx, []string{}) }, []string{"Policy.ReadWrite.Authorization"}},
		{"GetConsentRequestPolicy", func() error { _, err := c.GetConsentRequestPolicy(ctx); return err }, []string{"Policy.Read.All"}},
		{"PutConsentRequestPolicy", func() error { return c.PutConsentRequestPolicy(ctx, entra.AdminConsentRequestPolicy{}) }, []string{"Policy.ReadWrite.ConsentRequest"}},
		{"Excludes", func() error {
			_, err := c.GetPermissionGrantPolicyExcludes(ctx, entra.PolicyManagedRecommended)
			return err
		}, []string{"Policy.Read.PermissionGrant"}},
		{"GetServicePrincipalByAppID", func() error { _, err := c.GetServicePrincipalByAppID(ctx, testAppID); return err }, []string{"Application.Read.All"}},
		{"CreateServicePrincipal", func() error {
			_, err := c.CreateServicePrincipal(ctx, "99999999-2222-3333-4444-555555555555")
			return err
		}, []string{"Application.ReadWrite.All"}},
		{"ListGrants", func() error { _, err := c.ListGrants(ctx, appSPID); return err }, []string{"Directory.Read.All"}},
		{"CreateGrant", func() error {
			_, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: appSPID, ConsentType: "AllPrincipals", ResourceID: graphSPID})
			return err
		}, []string{"DelegatedPermissionGrant.ReadWrite.All"}},
		{"UpdateGrantScope", func() error { return c.UpdateGrantScope(ctx, "grant-1", "User.Read") }, []string{"DelegatedPermissionGrant.ReadWrite.All"}},
		{"ListAppRoleAssignments", func() error { _, err := c.ListAppRoleAssignments(ctx, appSPID); return err }, []string{"Application.Read.All"}},
		{"CreateAppRoleAssignment", func() error {
			_, err := c.CreateAppRoleAssignment(ctx, graphSPID, entra.AppRoleAssignment{PrincipalID: appSPID, AppRoleID: "r"})
			return err
		}, []string{"AppRoleAssignment.ReadWrite.All", "Application.Read.All"}},
		{"ListConsentRequests", func() error { _, err := c.ListConsentRequests(ctx, testAppID); return err }, []string{"ConsentRequest.Read.All"}},
		{"ListPendingUserRequests", func() error { _, err := c.ListPendingUserRequests(ctx, "acr-1"); return err }, []string{"ConsentRequest.Read.All"}},
		{"ListClassifications", func() error { _, err := c.ListClassifications(ctx, graphSPID); return err }, []string{"Application.Read.All"}},
		{"CreateClassification", func() error {
			_, err := c.CreateClassification(ctx, graphSPID, entra.DelegatedPermissionClassification{PermissionID: "p", Classification: "low"})
			return err
		}, []string{"Policy.ReadWrite.PermissionGrant", "Application.Read.All"}},
		{"SearchUsers", func() error { _, err := c.SearchUsers(ctx, "O"); return err }, []string{"User.ReadBasic.All"}},
		{"SearchGroups", func() error { _, err := c.SearchGroups(ctx, "O"); return err }, []string{"GroupMember.Read.All"}},
	}
	for _, tc := range cases {
		n := len(f.requests())
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		reqs := f.requests()[n:]
		if len(reqs) == 0 {
			t.Errorf("%s sent nothing", tc.name)
			continue
		}
		for _, r := range reqs {
			if !reflect.DeepEqual(sortedScopes(r.Scopes), sortedScopes(tc.want)) {
				t.Errorf("%s asked for %v, want %v", tc.name, r.Scopes, tc.want)
			}
		}
	}
	wantRead := []string{"Application.Read.All", "ConsentRequest.Read.All", "Directory.Read.All", "Policy.Read.All", "Policy.Read.PermissionGrant", "User.Read"}
	if !reflect.DeepEqual(entra.ReadScopes, wantRead) {
		t.Errorf("ReadScopes = %v, want %v", entra.ReadScopes, wantRead)
	}
	if got := entra.WriteScope(entra.OpUpdateUserConsentPolicies); !reflect.DeepEqual(got, []string{entra.ScopePolicyReadWriteAuthorization}) {
		t.Errorf("WriteScope(UpdateUserConsentPolicies) = %v", got)
	}
	if entra.WriteScope(entra.OpGetAuthorizationPolicy) != nil {
		t.Errorf("a read has no write scope")
	}
	us := entra.Clouds["usgov"]
	if got := entra.QualifyScopes(us, entra.QualifyScopes(us, []string{"Policy.Read.All"})); !reflect.DeepEqual(got, []string{"https://graph.microsoft.us/Policy.Read.All"}) {
		t.Errorf("QualifyScopes = %v", got)
	}
}

func TestNoTokenSourceSendsNoAuthorization(t *testing.T) {
	f := newFakeGraph(t)
	c := New(WithBaseURL(f.srv.URL))
	_, err := c.Me(context.Background())
	if !entra.IsUnauthorized(err) {
		t.Fatalf("err = %v, want 401 from the fake", err)
	}
}

func TestTokenErrorIsNotRetried(t *testing.T) {
	f := newFakeGraph(t)
	boom := errors.New("interaction required")
	c := New(WithBaseURL(f.srv.URL), WithTokenSource(TokenFunc(func(context.Context, []string) (string, error) { return "", boom })))
	_, err := c.Me(context.Background())
	if !errors.Is(err, boom) || f.trips() != 0 {
		t.Fatalf("err = %v trips = %d", err, f.trips())
	}
}

func TestWithCloud(t *testing.T) {
	c := New(WithCloud(entra.Clouds["usgov-dod"]))
	if c.BaseURL() != "https://dod-graph.microsoft.us" {
		t.Errorf("BaseURL = %s", c.BaseURL())
	}
	if New().BaseURL() != "https://graph.microsoft.com" {
		t.Errorf("default BaseURL = %s", New().BaseURL())
	}
}

func TestDeleteObject(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	ctx := context.Background()
	cases := []struct {
		ref    ObjectRef
		path   string
		scopes []string
	}{
		{ObjectRef{Kind: ObjectKindGrant, ID: "grant-1"}, "/oauth2PermissionGrants/grant-1", []string{entra.ScopeDelegatedPermissionGrantReadWriteAll}},
		{ObjectRef{Kind: ObjectKindAppRoleAssignment, ID: "ara-1", ParentID: graphSPID}, "/servicePrincipals/" + graphSPID + "/appRoleAssignedTo/ara-1", []string{entra.ScopeAppRoleAssignmentReadWriteAll}},
		{ObjectRef{Kind: ObjectKindClassification, ID: "cls-1", ParentID: graphSPID}, "/servicePrincipals/" + graphSPID + "/delegatedPermissionClassifications/cls-1", []string{entra.ScopePolicyReadWritePermissionGrant}},
		{ObjectRef{Kind: ObjectKindServicePrincipal, ID: appSPID}, "/servicePrincipals/" + appSPID, []string{entra.ScopeApplicationReadWriteAll}},
	}
	for _, tc := range cases {
		if err := c.DeleteObject(ctx, tc.ref); err != nil {
			t.Errorf("%+v: %v", tc.ref, err)
			continue
		}
		last := f.requests()[len(f.requests())-1]
		if last.Method != "DELETE" || last.Path != tc.path || !reflect.DeepEqual(last.Scopes, tc.scopes) {
			t.Errorf("%+v sent %s %s with %v", tc.ref, last.Method, last.Path, last.Scopes)
		}
	}
	if len(f.grants) != 0 || len(f.assignments) != 0 || len(f.classifications[graphSPID]) != 0 || f.spByID(appSPID) != nil {
		t.Errorf("objects not deleted")
	}
	// Deleting again: already gone is success.
	if err := c.DeleteObject(ctx, cases[0].ref); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if err := c.DeleteObject(ctx, ObjectRef{Kind: ObjectKindAppRoleAssignment, ID: "x"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("missing parent: %v", err)
	}
	if err := c.DeleteObject(ctx, ObjectRef{Kind: "user", ID: "x"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown kind: %v", err)
	}
	f.fault = faultN(1, "DELETE", "/oauth2PermissionGrants/zzz", func(int) *fakeResp { return graphError(403, "Authorization_RequestDenied", "no") })
	if err := c.DeleteObject(ctx, ObjectRef{Kind: ObjectKindGrant, ID: "zzz"}); !entra.IsForbidden(err) {
		t.Errorf("403 must be reported: %v", err)
	}
}
