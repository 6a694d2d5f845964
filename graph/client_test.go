package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// fixture is the "granted" scenario (TrackerRMS has a service principal and a
// tenant-wide grant) with a client acting as its Global Administrator.
type fixture struct {
	*simGraph
	c       *graph.Client
	app     entra.ServicePrincipal // TrackerRMS
	graphSP entra.ServicePrincipal // Microsoft Graph
}

func newFixture(t *testing.T, opts ...graph.Option) fixture {
	t.Helper()
	g := newSimGraph(t, sim.Options{Scenario: "granted"})
	return fixture{simGraph: g, c: g.client(t, "", opts...), app: spOf(t, g.ten, g.ten.AppID()), graphSP: spOf(t, g.ten, entra.MicrosoftGraphAppID)}
}

func spOf(t *testing.T, ten *sim.Tenant, appID string) entra.ServicePrincipal {
	t.Helper()
	sp, ok := ten.ServicePrincipal(appID)
	if !ok {
		t.Fatalf("the simulated tenant has no service principal for %s", appID)
	}
	return sp
}

func userID(t *testing.T, ten *sim.Tenant, upn string) string {
	t.Helper()
	u, ok := ten.User(upn)
	if !ok {
		t.Fatalf("no user %s", upn)
	}
	return u.ID
}

// appRoleID is the id of Microsoft Graph's application permission value.
func appRoleID(t *testing.T, graphSP entra.ServicePrincipal, value string) string {
	t.Helper()
	for _, r := range graphSP.AppRoles {
		if r.Value == value {
			return r.ID
		}
	}
	t.Fatalf("Microsoft Graph has no app role %s", value)
	return ""
}

func scopeID(t *testing.T, graphSP entra.ServicePrincipal, value string) string {
	t.Helper()
	for _, s := range graphSP.OAuth2PermissionScopes {
		if s.Value == value {
			return s.ID
		}
	}
	t.Fatalf("Microsoft Graph has no delegated permission %s", value)
	return ""
}

func TestAPIErrorParsing(t *testing.T) {
	g := newStubGraph(t)
	c := g.client(graph.WithRetry(1, 0))
	ctx := context.Background()

	g.on("GET", "/policies/authorizationPolicy", graphErr(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
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
	g.on("GET", "/me", answer(404, `{"error":{"code":"Request_ResourceNotFound","message":"gone","innerError":{"request-id":"inner-404"}}}`))
	_, err = c.Me(ctx)
	if !errors.As(err, &ae) || ae.RequestID != "inner-404" || !entra.IsNotFound(err) {
		t.Errorf("innerError request-id: got %+v", err)
	}

	// A gateway's HTML error page still gives a typed error.
	g.on("GET", "/me", answer(502, "<html>Bad gateway</html>", "Content-Type", "text/html"))
	_, err = c.Me(ctx)
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Code != "" || ae.Message != "Bad Gateway" {
		t.Errorf("html error: got %#v", err)
	}
}

func TestRetryThrottledThenOK(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	w := &waits{}
	c := g.client(t, "", graph.WithSleep(w.sleep))
	g.SetFaults(sim.Faults{Throttle429: 2, RetryAfterSeconds: 7})
	me, err := c.Me(testCtx(t))
	if err != nil || me.UserPrincipalName != g.ten.AdminUPN() {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waits = %v, want Retry-After 7s twice", got)
	}
	if st := g.Stats(); st.Throttled != 2 || st.RoundTrips != 3 || c.RoundTrips() != 3 {
		t.Errorf("throttled %d, round trips sim=%d client=%d; want 2 and 3", st.Throttled, st.RoundTrips, c.RoundTrips())
	}

	// 503 with Retry-After: the same.
	w = &waits{}
	c = g.client(t, "", graph.WithSleep(w.sleep))
	g.SetFaults(sim.Faults{Unavailable503: 1, RetryAfterSeconds: 3})
	if _, err := c.GetConsentRequestPolicy(testCtx(t)); err != nil {
		t.Fatalf("after a 503: %v", err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Errorf("waits %v after a 503, want Retry-After 3s", got)
	}

	// A real (short) wait works too: Retry-After 1 s under a 2 s cap.
	g.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 1})
	slow := graph.New(graph.WithBaseURL(g.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: g.rec}),
		graph.WithTokenSource(g.tokens(g.ten.AdminUPN())), graph.WithRetry(2, 2*time.Second))
	if _, err := slow.Me(testCtx(t)); err != nil {
		t.Errorf("after a real 1 s wait: %v", err)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	g := newStubGraph(t)
	w := &waits{}
	c := g.client(graph.WithSleep(w.sleep))
	g.on("GET", "/me", graphErr(429, "TooManyRequests", "slow down", "Retry-After", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat)))
	g.on("GET", "/me", answer(200, `{"id":"me"}`))
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := w.get()
	if len(got) != 1 || got[0] < 5*time.Second || got[0] > 11*time.Second {
		t.Errorf("waits = %v, want one of about 10s", got)
	}
}

func TestRetry503And504Backoff(t *testing.T) {
	g := newStubGraph(t)
	w := &waits{}
	c := g.client(graph.WithSleep(w.sleep))
	g.on("GET", "/policies/adminConsentRequestPolicy", graphErr(503, "ServiceUnavailable", "try later"))
	g.on("GET", "/policies/adminConsentRequestPolicy", graphErr(504, "GatewayTimeout", "timeout"))
	g.on("GET", "/policies/adminConsentRequestPolicy", answer(200, `{"requestDurationInDays":30}`))
	p, err := c.GetConsentRequestPolicy(context.Background())
	if err != nil || p.RequestDurationInDays != 30 {
		t.Fatalf("GetConsentRequestPolicy = %+v, %v", p, err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("backoff = %v, want [1s 2s]", got)
	}
}

// A gateway's 502 (it dropped the upstream connection) is retried like 504:
// for idempotent requests only.
func TestRetry502OnlyWhenIdempotent(t *testing.T) {
	g := newStubGraph(t)
	w := &waits{}
	c := g.client(graph.WithSleep(w.sleep))
	g.on("GET", "/policies/authorizationPolicy", graphErr(502, "BadGateway", "upstream went away"))
	g.on("GET", "/policies/authorizationPolicy", answer(200, `{"id":"authorizationPolicy"}`))
	p, err := c.GetAuthorizationPolicy(context.Background())
	if err != nil || p.ID != "authorizationPolicy" {
		t.Fatalf("GET after a 502: %+v, %v", p, err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("waits = %v, want one backoff of 1s", got)
	}
	g.on("POST", "/servicePrincipals", graphErr(502, "BadGateway", "upstream went away"))
	_, err = c.CreateServicePrincipal(context.Background(), sim.ArchiverAppID)
	var ae *entra.APIError
	if !errors.As(err, &ae) || ae.Status != 502 {
		t.Fatalf("POST answered 502: %v", err)
	}
	if g.requests() != 3 {
		t.Errorf("%d requests, want 3: a POST answered 502 may have been processed, so it is not resent", g.requests())
	}
}

func TestRetryCaps(t *testing.T) {
	t.Run("retry-after above the cap fails at once", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		w := &waits{}
		c := g.client(t, "", graph.WithSleep(w.sleep), graph.WithRetry(4, 30*time.Second))
		g.SetFaults(sim.Faults{Throttle429: 5, RetryAfterSeconds: 120})
		_, err := c.GetAuthorizationPolicy(testCtx(t))
		var ae *entra.APIError
		if !errors.As(err, &ae) || !entra.IsThrottled(err) || ae.RetryAfter != 120*time.Second || ae.RequestID == "" || ae.Code != "TooManyRequests" {
			t.Fatalf("429 above the cap: %v (%+v)", err, ae)
		}
		if len(w.get()) != 0 || g.rec.roundTrips() != 1 {
			t.Errorf("waits %v, %d requests; want no wait and 1 request", w.get(), g.rec.roundTrips())
		}
	})
	t.Run("attempts", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		w := &waits{}
		c := g.client(t, "", graph.WithSleep(w.sleep))
		g.SetFaults(sim.Faults{Throttle429: 100, RetryAfterSeconds: 1})
		_, err := c.Me(testCtx(t))
		// Persistent throttling is a typed error that carries the wait.
		var ae *entra.APIError
		if !entra.IsThrottled(err) || !errors.As(err, &ae) || ae.RetryAfter != time.Second {
			t.Fatalf("err = %v, want a 429 *APIError with RetryAfter 1s", err)
		}
		if g.rec.roundTrips() != graph.DefaultMaxAttempts || len(w.get()) != graph.DefaultMaxAttempts-1 {
			t.Errorf("%d requests, waits %v; want %d requests", g.rec.roundTrips(), w.get(), graph.DefaultMaxAttempts)
		}
	})
	t.Run("WithRetry", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		w := &waits{}
		c := g.client(t, "", graph.WithSleep(w.sleep), graph.WithRetry(2, 5*time.Second))
		g.SetFaults(sim.Faults{Throttle429: 100, RetryAfterSeconds: 1})
		if _, err := c.Me(testCtx(t)); !entra.IsThrottled(err) {
			t.Fatalf("err = %v", err)
		}
		if g.rec.roundTrips() != 2 || !slices.Equal(w.get(), []time.Duration{time.Second}) {
			t.Errorf("%d requests, waits %v", g.rec.roundTrips(), w.get())
		}
		// 6s is above the 5s cap: no wait.
		g.rec.reset()
		g.SetFaults(sim.Faults{Throttle429: 100, RetryAfterSeconds: 6})
		if _, err := c.Me(testCtx(t)); !entra.IsThrottled(err) || g.rec.roundTrips() != 1 {
			t.Errorf("err %v, %d requests", err, g.rec.roundTrips())
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetryWaitHonoursContext(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 25})
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := g.rec.RoundTrip(r)
		cancel() // the user presses ctrl+c while the client waits 25 s
		return resp, err
	})}
	// The real sleep: the test would take 25 s and then succeed if the wait ignored ctx.
	c := graph.New(graph.WithBaseURL(g.GraphURL()), graph.WithHTTPClient(hc), graph.WithTokenSource(g.tokens(g.ten.AdminUPN())))
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "while waiting to retry") {
		t.Fatalf("err = %v, want context.Canceled while waiting", err)
	}
	if g.rec.roundTrips() != 1 {
		t.Errorf("%d requests, want 1", g.rec.roundTrips())
	}
}

func TestTransportDrop(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		w := &waits{}
		c := g.client(t, "", graph.WithSleep(w.sleep))
		g.SetFaults(sim.Faults{Drop: 1})
		p, err := c.GetAuthorizationPolicy(testCtx(t))
		if err != nil || p.ID == "" {
			t.Fatalf("GetAuthorizationPolicy = %+v, %v", p, err)
		}
		if g.Stats().Dropped != 1 || g.rec.roundTrips() != 2 || len(w.get()) != 1 {
			t.Errorf("dropped %d, %d requests, waits %v; want 1, 2 and one backoff", g.Stats().Dropped, g.rec.roundTrips(), w.get())
		}
	})
	t.Run("PATCH is retried", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		c := g.client(t, "")
		g.SetFaults(sim.Faults{Drop: 1})
		if err := c.UpdateUserConsentPolicies(testCtx(t), nil); err != nil {
			t.Fatal(err)
		}
		if got := g.ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; g.rec.roundTrips() != 2 || len(got) != 0 {
			t.Errorf("%d requests, policy %v", g.rec.roundTrips(), got)
		}
	})
	t.Run("POST is not retried", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		c := g.client(t, "")
		g.SetFaults(sim.Faults{Drop: 1})
		_, err := c.CreateServicePrincipal(testCtx(t), sim.ArchiverAppID)
		if err == nil || !strings.Contains(err.Error(), "not retried") || !errors.Is(err, graph.ErrMaybeApplied) {
			t.Fatalf("err = %v, want a not-retried transport error that may have been applied", err)
		}
		var ae *entra.APIError
		if errors.As(err, &ae) {
			t.Errorf("transport error should not be an APIError: %v", err)
		}
		if g.rec.roundTrips() != 1 || g.Stats().Dropped != 1 {
			t.Errorf("%d requests, %d dropped; want 1", g.rec.roundTrips(), g.Stats().Dropped)
		}
		if _, ok := g.ten.ServicePrincipal(sim.ArchiverAppID); ok {
			t.Error("the dropped POST was processed")
		}
	})
}

func TestPOSTRetryRule(t *testing.T) {
	t.Run("503 retried", func(t *testing.T) {
		g := newSimGraph(t, sim.Options{})
		c := g.client(t, "")
		g.SetFaults(sim.Faults{Unavailable503: 1})
		sp, err := c.CreateServicePrincipal(testCtx(t), sim.ArchiverAppID)
		if err != nil || !strings.EqualFold(sp.AppID, sim.ArchiverAppID) || g.rec.roundTrips() != 2 {
			t.Fatalf("sp %+v err %v requests %d", sp, err, g.rec.roundTrips())
		}
	})
	t.Run("429 retried", func(t *testing.T) {
		f := newFixture(t)
		arch, err := f.c.CreateServicePrincipal(testCtx(t), sim.ArchiverAppID)
		if err != nil {
			t.Fatal(err)
		}
		f.rec.reset()
		f.SetFaults(sim.Faults{Throttle429: 1})
		gr, err := f.c.CreateGrant(testCtx(t), entra.OAuth2PermissionGrant{ClientID: arch.ID, ConsentType: "AllPrincipals", ResourceID: f.graphSP.ID, Scope: "Calendars.ReadWrite"})
		if err != nil || gr.ID == "" || f.rec.roundTrips() != 2 {
			t.Fatalf("grant %+v err %v requests %d", gr, err, f.rec.roundTrips())
		}
	})
	t.Run("504 not retried", func(t *testing.T) {
		g := newStubGraph(t)
		g.on("POST", "/servicePrincipals", graphErr(504, "GatewayTimeout", ""))
		_, err := g.client().CreateServicePrincipal(context.Background(), sim.ArchiverAppID)
		var ae *entra.APIError
		if !errors.As(err, &ae) || ae.Status != 504 || g.requests() != 1 {
			t.Fatalf("err %v requests %d", err, g.requests())
		}
	})
}

func TestPaging(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "granted", PageSize: 2})
	c := g.client(t, "")
	ctx := testCtx(t)
	app, gsp := spOf(t, g.ten, g.ten.AppID()), spOf(t, g.ten, entra.MicrosoftGraphAppID)
	for _, upn := range []string{g.ten.EndUserUPN(), "reader@contoso.com", "appadmin@contoso.com"} {
		if _, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: app.ID, ConsentType: "Principal",
			PrincipalID: userID(t, g.ten, upn), ResourceID: gsp.ID, Scope: "User.Read"}); err != nil {
			t.Fatal(err)
		}
	}
	// Another app's grant must not be listed.
	arch, err := c.CreateServicePrincipal(ctx, sim.ArchiverAppID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: arch.ID, ConsentType: "AllPrincipals", ResourceID: gsp.ID, Scope: "User.Read"}); err != nil {
		t.Fatal(err)
	}
	g.rec.reset()
	gs, err := c.ListGrants(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 4 {
		t.Fatalf("got %d grants, want 4: %+v", len(gs), gs)
	}
	for _, gr := range gs {
		if gr.ClientID != app.ID {
			t.Errorf("another client's grant: %+v", gr)
		}
	}
	if g.rec.roundTrips() != 2 {
		t.Errorf("%d requests, want 2 pages", g.rec.roundTrips())
	}
	for _, r := range g.rec.requests() {
		if r.Query.Get("$filter") != "clientId eq '"+app.ID+"'" {
			t.Errorf("page request lost the filter: %v", r.Query)
		}
	}

	// Pages of 2 over the five low-impact classifications of another scenario.
	u := newSimGraph(t, sim.Options{Scenario: "unverified-publisher", PageSize: 2})
	want := u.ten.Classifications(entra.MicrosoftGraphAppID)
	got, err := u.client(t, "").ListClassifications(ctx, spOf(t, u.ten, entra.MicrosoftGraphAppID).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 3 || len(got) != len(want) || u.rec.roundTrips() != (len(want)+1)/2 {
		t.Errorf("%d classifications in %d requests, want %d in %d", len(got), u.rec.roundTrips(), len(want), (len(want)+1)/2)
	}
}

func TestPagingRefusesForeignNextLink(t *testing.T) {
	foreign := newStubGraph(t) // no stubs: any request to it fails the test
	g := newStubGraph(t)
	g.on("GET", "/me/transitiveMemberOf", answer(200, `{"value":[{"@odata.type":"#microsoft.graph.directoryRole","id":"r1"}],`+
		`"@odata.nextLink":"`+foreign.srv.URL+`/v1.0/me/transitiveMemberOf?$skiptoken=2"}`))
	_, err := g.client().MyDirectoryRoles(context.Background())
	if !errors.Is(err, graph.ErrForeignNextLink) {
		t.Fatalf("err = %v, want ErrForeignNextLink", err)
	}
	if foreign.requests() != 0 {
		t.Errorf("the foreign host got %d requests (and the token)", foreign.requests())
	}
}

func TestMalformedAndOversize(t *testing.T) {
	g := newStubGraph(t)
	c := g.client()
	g.on("GET", "/policies/authorizationPolicy", answer(200, `{"id":"authorizationPolicy","defaultUserRolePermissions":`))
	if _, err := c.GetAuthorizationPolicy(context.Background()); !errors.Is(err, graph.ErrMalformedResponse) {
		t.Errorf("truncated JSON: err = %v", err)
	}
	g.on("GET", "/me/transitiveMemberOf", answer(200, `{"value":"not a list"}`))
	if _, err := c.MyDirectoryRoles(context.Background()); !errors.Is(err, graph.ErrMalformedResponse) {
		t.Errorf("wrong shape: err = %v", err)
	}
	big := `{"value":[` + strings.Repeat(`{"id":"x"},`, graph.MaxResponseBytes/10) + `{"id":"y"}]}`
	g.on("GET", "/organization", answer(200, big))
	if _, err := c.Organization(context.Background()); !errors.Is(err, graph.ErrResponseTooLarge) {
		t.Errorf("oversize: err = %v", err)
	}
	if g.requests() != 3 {
		t.Errorf("%d requests: malformed and oversize answers must not be retried", g.requests())
	}
}

func TestTypedMethods(t *testing.T) {
	f := newFixture(t)
	c, ten := f.c, f.ten
	ctx := testCtx(t)

	org, err := c.Organization(ctx)
	if err != nil || org.ID != ten.ID() || org.DefaultDomain() != ten.Domain() {
		t.Errorf("Organization = %+v, %v", org, err)
	}
	roles, err := c.MyDirectoryRoles(ctx)
	if err != nil || !slices.ContainsFunc(roles, func(r entra.DirectoryRole) bool { return r.RoleTemplateID == entra.RoleGlobalAdmin }) {
		t.Errorf("MyDirectoryRoles = %+v, %v", roles, err)
	}
	// The reader is also a member of a group: only directory roles come back.
	roles, err = f.client(t, "reader@contoso.com").MyDirectoryRoles(ctx)
	if err != nil || len(roles) != 1 || roles[0].RoleTemplateID != entra.RoleGlobalReader {
		t.Errorf("reader's MyDirectoryRoles = %+v, %v (groups must be dropped)", roles, err)
	}
	sp, err := c.GetServicePrincipalByAppID(ctx, ten.AppID())
	if err != nil || sp == nil || sp.ID != f.app.ID || !sp.PublisherVerified() {
		t.Errorf("GetServicePrincipalByAppID = %+v, %v", sp, err)
	}
	sp, err = c.GetServicePrincipalByAppID(ctx, sim.ArchiverAppID)
	if sp != nil || err != nil {
		t.Errorf("absent app: %+v, %v; want nil, nil", sp, err)
	}
	if _, err := c.GetServicePrincipalByAppID(ctx, "x' or 1 eq 1"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("non-GUID app id: %v", err)
	}
	gsp, err := c.GetGraphServicePrincipal(ctx)
	if err != nil || gsp.ID != f.graphSP.ID || len(gsp.OAuth2PermissionScopes) < 10 || len(gsp.AppRoles) == 0 {
		t.Errorf("GetGraphServicePrincipal = %s with %d scopes, %d roles, %v", gsp.ID, len(gsp.OAuth2PermissionScopes), len(gsp.AppRoles), err)
	}

	// PATCH sends exactly the array given, including owned-resource entries.
	want := []string{entra.OwnedResourceConsentPrefix + "x", entra.SelfConsentPrefix + entra.PolicyManagedRecommended}
	if err := c.UpdateUserConsentPolicies(ctx, want); err != nil {
		t.Fatal(err)
	}
	if b := f.rec.last(t).Body; string(b) != `{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":["ManagePermissionGrantsForOwnedResource.x","ManagePermissionGrantsForSelf.microsoft-user-default-recommended"]}}` {
		t.Errorf("PATCH body = %s", b)
	}
	p, _ := c.GetAuthorizationPolicy(ctx)
	if !slices.Equal(p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, want) {
		t.Errorf("after PATCH: %v", p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
	}
	if err := c.UpdateUserConsentPolicies(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if b := f.rec.last(t).Body; !strings.Contains(string(b), `"permissionGrantPoliciesAssigned":[]`) {
		t.Errorf("nil must send [], got %s", b)
	}

	// PUT sends the full object without the read-only id and version.
	acrp, _ := c.GetConsentRequestPolicy(ctx)
	acrp.IsEnabled = true
	acrp.Reviewers = []entra.ReviewerScope{{Query: "/users/" + userID(t, ten, ten.AdminUPN()), QueryType: "MicrosoftGraph"}}
	if err := c.PutConsentRequestPolicy(ctx, acrp); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	var put map[string]json.RawMessage
	json.Unmarshal(f.rec.last(t).Body, &put)
	for _, field := range []string{"isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers"} {
		if _, ok := put[field]; !ok {
			t.Errorf("PUT body lacks %s: %s", field, f.rec.last(t).Body)
		}
	}
	if _, ok := put["id"]; ok || put["version"] != nil || len(put) != 5 {
		t.Errorf("PUT body = %s: the full object, without id and version", f.rec.last(t).Body)
	}
	if got, _ := c.GetConsentRequestPolicy(ctx); !got.IsEnabled || len(got.Reviewers) != 1 || got.Version != acrp.Version+1 {
		t.Errorf("after PUT: %+v", got)
	}

	exc, err := c.GetPermissionGrantPolicyExcludes(ctx, entra.PolicyManagedRecommended)
	if err != nil || len(exc) == 0 || len(exc[0].Permissions) == 0 {
		t.Errorf("excludes = %+v, %v", exc, err)
	}
	inc, err := c.GetPermissionGrantPolicyIncludes(ctx, entra.PolicyManagedRecommended)
	if err != nil || len(inc) == 0 {
		t.Errorf("includes = %+v, %v", inc, err)
	}
	if _, err := c.GetPermissionGrantPolicyIncludes(ctx, "../me"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("path traversal id: %v", err)
	}

	arch, err := c.CreateServicePrincipal(ctx, sim.ArchiverAppID)
	if err != nil || arch.ID == "" || !strings.EqualFold(arch.AppID, sim.ArchiverAppID) {
		t.Fatalf("CreateServicePrincipal = %+v, %v", arch, err)
	}
	g, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ID: "ignored", ClientID: arch.ID, ConsentType: "AllPrincipals", PrincipalID: "ignored", ResourceID: gsp.ID, Scope: "Calendars.ReadWrite"})
	if err != nil || g.ID == "" || g.ID == "ignored" {
		t.Fatalf("CreateGrant = %+v, %v", g, err)
	}
	var sent map[string]any
	json.Unmarshal(f.rec.last(t).Body, &sent)
	if _, ok := sent["id"]; ok || sent["principalId"] != nil {
		t.Errorf("CreateGrant body = %v: no id, no principalId for AllPrincipals", sent)
	}
	if err := c.UpdateGrantScope(ctx, g.ID, "Calendars.ReadWrite User.Read"); err != nil {
		t.Fatal(err)
	}
	gs, _ := c.ListGrants(ctx, arch.ID)
	if len(gs) != 1 || gs[0].Scope != "Calendars.ReadWrite User.Read" {
		t.Errorf("grants after update = %+v", gs)
	}

	a, err := c.CreateAppRoleAssignment(ctx, gsp.ID, entra.AppRoleAssignment{PrincipalID: arch.ID, AppRoleID: appRoleID(t, gsp, "Mail.Read")})
	if err != nil || a.ID == "" || a.ResourceID != gsp.ID {
		t.Errorf("CreateAppRoleAssignment = %+v, %v", a, err)
	}
	as, err := c.ListAppRoleAssignments(ctx, arch.ID)
	if err != nil || len(as) != 1 || as[0].ID != a.ID {
		t.Errorf("ListAppRoleAssignments = %+v, %v", as, err)
	}

	before := len(ten.Classifications(entra.MicrosoftGraphAppID))
	cl, err := c.CreateClassification(ctx, gsp.ID, entra.DelegatedPermissionClassification{PermissionID: scopeID(t, gsp, "User.Read"), PermissionName: "User.Read", Classification: "low"})
	if err != nil || cl.ID == "" {
		t.Errorf("CreateClassification = %+v, %v", cl, err)
	}
	cls, err := c.ListClassifications(ctx, gsp.ID)
	if err != nil || len(cls) != before+1 {
		t.Errorf("ListClassifications = %+v, %v", cls, err)
	}

	reqID, err := ten.SubmitConsentRequest(ten.EndUserUPN(), ten.AppID(), nil, "need it")
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := c.ListConsentRequests(ctx, ten.AppID())
	if err != nil || len(reqs) != 1 || reqs[0].ID != reqID || len(reqs[0].PendingScopes) == 0 {
		t.Errorf("ListConsentRequests = %+v, %v", reqs, err)
	}
	ucr, err := c.ListPendingUserRequests(ctx, reqID)
	if err != nil || len(ucr) != 1 || ucr[0].Status != "InProgress" || ucr[0].Reason != "need it" {
		t.Errorf("ListPendingUserRequests = %+v, %v", ucr, err)
	}
}

func TestSearchEscapesQuotes(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	g.ten.AddUser("pat@contoso.com", "O'Brien, Pat")
	c := g.client(t, "")
	ctx := testCtx(t)
	users, err := c.SearchUsers(ctx, "O'Brien")
	if err != nil || len(users) != 1 || users[0].UserPrincipalName != "pat@contoso.com" {
		t.Fatalf("SearchUsers = %+v, %v", users, err)
	}
	if got := g.rec.last(t).Query.Get("$filter"); got != "startswith(displayName,'O''Brien') or startswith(userPrincipalName,'O''Brien') or startswith(mail,'O''Brien')" {
		t.Errorf("$filter = %q", got)
	}
	// & and # in the text must not break out of the parameter.
	if _, err := c.SearchGroups(ctx, "A&$top=1#"); err != nil {
		t.Fatal(err)
	}
	if q := g.rec.last(t).Query; q.Get("$filter") != "startswith(displayName,'A&$top=1#') or startswith(mail,'A&$top=1#')" || q.Get("$top") != "50" {
		t.Errorf("query = %v", q)
	}
	if _, err := c.SearchUsers(ctx, "a\x1b[2J"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("control characters: %v", err)
	}
}

// The directory search finds a user by the start of their name, or by their
// whole email address or user name, and a group by its name or address
// (docs/entra.md A9): the simulator answers the queries as Graph documents.
func TestSearchByNameOrAddress(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	g.ten.AddUser("pat@contoso.com", "O'Brien, Pat")
	c := g.client(t, "")
	ctx := testCtx(t)
	for _, q := range []string{"O'Bri", "pat@contoso.com", "PAT@Contoso.com", "pat@"} {
		users, err := c.SearchUsers(ctx, q)
		if err != nil || len(users) != 1 || users[0].UserPrincipalName != "pat@contoso.com" {
			t.Errorf("SearchUsers(%q) = %+v, %v", q, users, err)
		}
	}
	if users, err := c.SearchUsers(ctx, "contoso.com"); err != nil || len(users) != 0 {
		t.Errorf("SearchUsers matches inside an address: %+v, %v", users, err)
	}
	groups, err := c.SearchGroups(ctx, "Helpdesk")
	if err != nil || len(groups) == 0 {
		t.Fatalf("SearchGroups(Helpdesk) = %+v, %v", groups, err)
	}
	if gr := groups[0]; gr.Mail != "" {
		byMail, err := c.SearchGroups(ctx, gr.Mail)
		if err != nil || len(byMail) != 1 || byMail[0].ID != gr.ID {
			t.Errorf("SearchGroups(%q) = %+v, %v", gr.Mail, byMail, err)
		}
	}
}

func TestScopesRequestedPerMethod(t *testing.T) {
	// Each method asks for its least-privileged scopes; the expectations are written
	// out here (not read from the table) so a wrong table entry fails. The
	// simulator's token carries only those scopes, so a scope too few fails too.
	f := newFixture(t)
	c, ten := f.c, f.ten
	ctx := testCtx(t)
	reqID, err := ten.SubmitConsentRequest(ten.EndUserUPN(), ten.AppID(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var arch *entra.ServicePrincipal
	grant := f.ten.Grants(ten.AppID())[0].ID
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
		{"GetServicePrincipalByAppID", func() error { _, err := c.GetServicePrincipalByAppID(ctx, ten.AppID()); return err }, []string{"Application.Read.All"}},
		{"CreateServicePrincipal", func() error {
			var err error
			arch, err = c.CreateServicePrincipal(ctx, sim.ArchiverAppID)
			return err
		}, []string{"Application.ReadWrite.All"}},
		{"ListGrants", func() error { _, err := c.ListGrants(ctx, f.app.ID); return err }, []string{"Directory.Read.All"}},
		{"CreateGrant", func() error {
			_, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: arch.ID, ConsentType: "AllPrincipals", ResourceID: f.graphSP.ID, Scope: "User.Read"})
			return err
		}, []string{"DelegatedPermissionGrant.ReadWrite.All"}},
		{"UpdateGrantScope", func() error { return c.UpdateGrantScope(ctx, grant, "User.Read") }, []string{"DelegatedPermissionGrant.ReadWrite.All"}},
		{"ListAppRoleAssignments", func() error { _, err := c.ListAppRoleAssignments(ctx, f.app.ID); return err }, []string{"Application.Read.All"}},
		{"CreateAppRoleAssignment", func() error {
			_, err := c.CreateAppRoleAssignment(ctx, f.graphSP.ID, entra.AppRoleAssignment{PrincipalID: arch.ID, AppRoleID: appRoleID(t, f.graphSP, "Mail.Read")})
			return err
		}, []string{"AppRoleAssignment.ReadWrite.All", "Application.Read.All"}},
		{"ListConsentRequests", func() error { _, err := c.ListConsentRequests(ctx, ten.AppID()); return err }, []string{"ConsentRequest.Read.All"}},
		{"ListPendingUserRequests", func() error { _, err := c.ListPendingUserRequests(ctx, reqID); return err }, []string{"ConsentRequest.Read.All"}},
		{"ListClassifications", func() error { _, err := c.ListClassifications(ctx, f.graphSP.ID); return err }, []string{"Application.Read.All"}},
		{"CreateClassification", func() error {
			_, err := c.CreateClassification(ctx, f.graphSP.ID, entra.DelegatedPermissionClassification{PermissionID: scopeID(t, f.graphSP, "User.Read"), Classification: "low"})
			return err
		}, []string{"Policy.ReadWrite.PermissionGrant", "Application.Read.All"}},
		{"SearchUsers", func() error { _, err := c.SearchUsers(ctx, "M"); return err }, []string{"User.ReadBasic.All"}},
		{"SearchGroups", func() error { _, err := c.SearchGroups(ctx, "H"); return err }, []string{"GroupMember.Read.All"}},
		{"GetUsers", func() error {
			u, _ := ten.User(ten.EndUserUPN())
			us, err := c.GetUsers(ctx, []string{u.ID})
			if err == nil && len(us) != 1 {
				err = fmt.Errorf("GetUsers = %+v", us)
			}
			return err
		}, []string{"Directory.Read.All"}},
		{"ListAppRoleAssignedTo", func() error { _, err := c.ListAppRoleAssignedTo(ctx, f.app.ID); return err }, []string{"Application.Read.All"}},
		{"UserDirectoryRoles", func() error {
			u, _ := ten.User(ten.AdminUPN())
			roles, err := c.UserDirectoryRoles(ctx, u.ID)
			if err == nil && len(roles) == 0 {
				err = errors.New("the admin holds no role")
			}
			return err
		}, []string{"Directory.Read.All"}},
		{"GroupUsers", func() error {
			// SearchGroups asks for the same scope.
			gs, err := c.SearchGroups(ctx, "Helpdesk")
			if err != nil || len(gs) == 0 {
				return fmt.Errorf("no Helpdesk group: %v", err)
			}
			us, err := c.GroupUsers(ctx, gs[0].ID, 20)
			if err == nil && len(us) != 2 {
				err = fmt.Errorf("Helpdesk members = %+v", us)
			}
			return err
		}, []string{"GroupMember.Read.All"}},
	}
	for _, tc := range cases {
		n := len(f.rec.requests())
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		reqs := f.rec.requests()[n:]
		if len(reqs) == 0 {
			t.Errorf("%s sent nothing", tc.name)
			continue
		}
		for _, r := range reqs {
			if !slices.Equal(sorted(r.Scopes), sorted(tc.want)) {
				t.Errorf("%s asked for %v, want %v", tc.name, r.Scopes, tc.want)
			}
		}
	}
	wantRead := []string{"Application.Read.All", "ConsentRequest.Read.All", "Directory.Read.All", "Policy.Read.All", "Policy.Read.PermissionGrant", "User.Read"}
	if !slices.Equal(entra.ReadScopes, wantRead) {
		t.Errorf("ReadScopes = %v, want %v", entra.ReadScopes, wantRead)
	}
	if got := entra.WriteScope(entra.OpUpdateUserConsentPolicies); !slices.Equal(got, []string{entra.ScopePolicyReadWriteAuthorization}) {
		t.Errorf("WriteScope(UpdateUserConsentPolicies) = %v", got)
	}
	if entra.WriteScope(entra.OpGetAuthorizationPolicy) != nil {
		t.Errorf("a read has no write scope")
	}
	us := entra.Clouds["usgov"]
	if got := entra.QualifyScopes(us, entra.QualifyScopes(us, []string{"Policy.Read.All"})); !slices.Equal(got, []string{"https://graph.microsoft.us/Policy.Read.All"}) {
		t.Errorf("QualifyScopes = %v", got)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestNoTokenSourceSendsNoAuthorization(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	c := graph.New(graph.WithBaseURL(g.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: g.rec}))
	_, err := c.Me(testCtx(t))
	var ae *entra.APIError
	if !entra.IsUnauthorized(err) || !errors.As(err, &ae) || ae.Message != "Access token is empty." {
		t.Fatalf("err = %v, want 401 for a request without a token", err)
	}
}

func TestTokenErrorIsNotRetried(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	boom := errors.New("interaction required")
	c := graph.New(graph.WithBaseURL(g.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: g.rec}),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return "", boom })))
	_, err := c.Me(testCtx(t))
	if !errors.Is(err, boom) || g.rec.roundTrips() != 0 {
		t.Fatalf("err = %v, %d requests", err, g.rec.roundTrips())
	}
}

func TestWithCloud(t *testing.T) {
	c := graph.New(graph.WithCloud(entra.Clouds["usgov-dod"]))
	if c.BaseURL() != "https://dod-graph.microsoft.us" {
		t.Errorf("BaseURL = %s", c.BaseURL())
	}
	if graph.New().BaseURL() != "https://graph.microsoft.com" {
		t.Errorf("default BaseURL = %s", graph.New().BaseURL())
	}
}

func TestDeleteObject(t *testing.T) {
	f := newFixture(t)
	c, ten, gsp := f.c, f.ten, f.graphSP
	ctx := testCtx(t)
	arch, err := c.CreateServicePrincipal(ctx, sim.ArchiverAppID)
	if err != nil {
		t.Fatal(err)
	}
	gr, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: arch.ID, ConsentType: "AllPrincipals", ResourceID: gsp.ID, Scope: "User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	ara, err := c.CreateAppRoleAssignment(ctx, gsp.ID, entra.AppRoleAssignment{PrincipalID: arch.ID, AppRoleID: appRoleID(t, gsp, "Mail.Read")})
	if err != nil {
		t.Fatal(err)
	}
	cls, err := c.CreateClassification(ctx, gsp.ID, entra.DelegatedPermissionClassification{PermissionID: scopeID(t, gsp, "User.Read"), Classification: "low"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ref    graph.ObjectRef
		path   string
		scopes []string
	}{
		{graph.ObjectRef{Kind: graph.ObjectKindGrant, ID: gr.ID}, "/oauth2PermissionGrants/" + gr.ID, []string{entra.ScopeDelegatedPermissionGrantReadWriteAll}},
		{graph.ObjectRef{Kind: graph.ObjectKindAppRoleAssignment, ID: ara.ID, ParentID: gsp.ID}, "/servicePrincipals/" + gsp.ID + "/appRoleAssignedTo/" + ara.ID, []string{entra.ScopeAppRoleAssignmentReadWriteAll}},
		{graph.ObjectRef{Kind: graph.ObjectKindClassification, ID: cls.ID, ParentID: gsp.ID}, "/servicePrincipals/" + gsp.ID + "/delegatedPermissionClassifications/" + cls.ID, []string{entra.ScopePolicyReadWritePermissionGrant}},
		{graph.ObjectRef{Kind: graph.ObjectKindServicePrincipal, ID: arch.ID}, "/servicePrincipals/" + arch.ID, []string{entra.ScopeApplicationReadWriteAll}},
	}
	for _, tc := range cases {
		if err := c.DeleteObject(ctx, tc.ref); err != nil {
			t.Errorf("%+v: %v", tc.ref, err)
			continue
		}
		last := f.rec.last(t)
		if last.Method != "DELETE" || last.Path != tc.path || !slices.Equal(last.Scopes, tc.scopes) {
			t.Errorf("%+v sent %s %s with %v", tc.ref, last.Method, last.Path, last.Scopes)
		}
	}
	if _, ok := ten.ServicePrincipal(sim.ArchiverAppID); ok || len(ten.AppRoleAssignments(sim.ArchiverAppID)) != 0 ||
		slices.ContainsFunc(ten.Classifications(entra.MicrosoftGraphAppID), func(c entra.DelegatedPermissionClassification) bool { return c.ID == cls.ID }) {
		t.Errorf("objects not deleted")
	}
	// Deleting again: already gone is success.
	if err := c.DeleteObject(ctx, cases[0].ref); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindAppRoleAssignment, ID: "x"}); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("missing parent: %v", err)
	}
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: "user", ID: "x"}); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("unknown kind: %v", err)
	}
	// A refusal is reported: the Global Reader may not delete the app's grant.
	keep := ten.Grants(ten.AppID())[0].ID
	if err := f.client(t, "reader@contoso.com").DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindGrant, ID: keep}); !entra.IsForbidden(err) {
		t.Errorf("403 must be reported: %v", err)
	}
	if len(ten.Grants(ten.AppID())) == 0 {
		t.Error("the reader's refused delete removed the grant")
	}
}
