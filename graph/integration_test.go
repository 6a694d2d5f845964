package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// End to end: graph.Client with graph.Authenticator as its TokenSource (real
// MSAL) against the simulated cloud over loopback HTTPS, and the diagnosis
// (flows.Diagnose) of the live snapshot checked against the simulator's own
// evaluation of the end user's sign-in.

// waits records the client's waits between attempts instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) get() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// newClient is a Graph client for the sim with ts as its token source.
func newClient(s *sim.Server, ts graph.TokenSource, opts ...graph.Option) *graph.Client {
	base := []graph.Option{graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(s.HTTPClient()), graph.WithTokenSource(ts)}
	return graph.New(append(base, opts...)...)
}

// signedIn starts a sim and signs upn ("" = the scenario's admin) in by device
// code with the diagnosis's read scopes.
func signedIn(t *testing.T, opts sim.Options, upn string) (*sim.Server, *graph.Authenticator) {
	t.Helper()
	s := startSim(t, opts)
	if upn == "" {
		upn = s.Tenant().AdminUPN()
	}
	a := newAuth(t, s)
	deviceSignIn(t, s, a, upn, entra.ReadScopes)
	return s, a
}

// writeScopes are the scopes of every write the client can send.
func writeScopes() []string {
	var ops []entra.Op
	for _, e := range entra.Endpoints() {
		if e.Write {
			ops = append(ops, e.Op)
		}
	}
	return entra.ScopesForOps(ops...)
}

// signedInToWrite is signedIn with the write scopes too: the sign-in client
// needs consent for them like any app, so the admin accepts the consent
// prompt when approving the device code.
func signedInToWrite(t *testing.T, opts sim.Options) (*sim.Server, *graph.Authenticator) {
	t.Helper()
	s := startSim(t, opts)
	a := newAuth(t, s)
	deviceSignIn(t, s, a, s.Tenant().AdminUPN(), append(slices.Clone(entra.ReadScopes), writeScopes()...))
	return s, a
}

// screenOf maps the sim's sign-in result to the diagnosis's user screen.
func screenOf(result string) string {
	if result == sim.ResultGranted {
		return flows.ScreenNone
	}
	return result // the other names are the same on both sides
}

func TestSnapshotAndDiagnosisPerScenario(t *testing.T) {
	type want struct {
		roundTrips  int
		app         bool // the app's service principal exists
		grants      bool
		pending     int
		classified  bool // Microsoft Graph has delegated permission classifications
		screen      string
		recommended flows.FixID
		setting     string
	}
	wants := map[string]want{
		"assignment-required": {1, true, true, 0, false, flows.ScreenNotAssigned, "", flows.ConsentDisabled},
		"granted":             {1, true, true, 0, false, flows.ScreenNone, "", flows.ConsentDisabled},
		// The workflow is off, but an old request of Megan's is still pending: approving it is the fix.
		"hostile":              {2, true, false, 1, false, flows.ScreenNeedAdminApproval, flows.FixRequestWorkflow, flows.ConsentDisabled},
		"locked-down":          {1, false, false, 0, false, flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentDisabled},
		"managed-calendar":     {1, false, false, 0, false, flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentMicrosoftManaged},
		"request-workflow":     {2, false, false, 1, false, flows.ScreenApprovalRequired, flows.FixRequestWorkflow, flows.ConsentDisabled},
		"unverified-publisher": {1, false, false, 0, true, flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentLow},
		"user-consent":         {1, false, false, 0, false, flows.ScreenConsentPrompt, "", flows.ConsentLegacy},
		// The admin accepts the sign-in client's consent prompt first; then it is locked-down.
		"cli-not-consented": {1, false, false, 0, false, flows.ScreenNeedAdminApproval, flows.FixAdminLink, flows.ConsentDisabled},
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
			s, a := signedIn(t, sim.Options{Scenario: name}, "")
			ten := s.Tenant()
			c := newClient(s, a)
			before := s.Stats()
			snap, err := c.Snapshot(testCtx(t), ten.AppID())
			if err != nil {
				t.Fatal(err)
			}
			after := s.Stats()
			rt := after.RoundTrips - before.RoundTrips
			t.Logf("%s: %d round trip(s), %d Graph requests, %d batches", name, rt,
				after.GraphRequests-before.GraphRequests, after.Batches-before.Batches)
			if snap.RoundTrips != w.roundTrips || rt != w.roundTrips || int(c.RoundTrips()) != w.roundTrips {
				t.Errorf("round trips: snapshot %d, sim %d, client %d; want %d", snap.RoundTrips, rt, c.RoundTrips(), w.roundTrips)
			}
			if d := after.TokenRequests - before.TokenRequests; d != 0 {
				t.Errorf("the snapshot needed %d token requests; the sign-in's token covers it", d)
			}
			if len(snap.Errors) != 0 {
				t.Errorf("errors: %v", snap.Errors)
			}

			// Fields.
			if snap.TenantID != ten.ID() || snap.Organization.DefaultDomain() != ten.Domain() {
				t.Errorf("tenant %s %s", snap.TenantID, snap.Organization.DefaultDomain())
			}
			if snap.Me.UserPrincipalName != ten.AdminUPN() {
				t.Errorf("me: %+v", snap.Me)
			}
			if !slices.ContainsFunc(snap.MyRoles, func(r entra.DirectoryRole) bool { return r.RoleTemplateID == entra.RoleGlobalAdmin }) {
				t.Errorf("roles: %+v", snap.MyRoles)
			}
			if got, want := snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned,
				ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; !slices.Equal(got, want) {
				t.Errorf("user consent policies %v, want %v", got, want)
			}
			if acrp := ten.AdminConsentRequestPolicy(); snap.ConsentRequestPolicy.IsEnabled != acrp.IsEnabled || len(snap.ConsentRequestPolicy.Reviewers) != len(acrp.Reviewers) {
				t.Errorf("workflow %+v, want %+v", snap.ConsentRequestPolicy, acrp)
			}
			if (snap.App != nil) != w.app {
				t.Errorf("app SP present = %v, want %v", snap.App != nil, w.app)
			} else if snap.App != nil && !strings.EqualFold(snap.App.AppID, ten.AppID()) {
				t.Errorf("app SP %+v", snap.App)
			}
			if (len(snap.AppGrants) > 0) != w.grants {
				t.Errorf("grants %+v", snap.AppGrants)
			}
			if w.grants && !slices.ContainsFunc(snap.AppGrants, func(g entra.OAuth2PermissionGrant) bool {
				return g.ConsentType == "AllPrincipals" && g.ResourceID == snap.GraphSP.ID && strings.Contains(g.Scope, "Calendars.ReadWrite")
			}) {
				t.Errorf("no tenant-wide Graph grant: %+v", snap.AppGrants)
			}
			if snap.GraphSP.AppID != entra.MicrosoftGraphAppID || len(snap.GraphSP.OAuth2PermissionScopes) < 10 {
				t.Errorf("Graph SP %s with %d scopes", snap.GraphSP.AppID, len(snap.GraphSP.OAuth2PermissionScopes))
			}
			if len(snap.ManagedExcludes) == 0 {
				t.Error("no excludes of the Microsoft-managed policy")
			}
			if (len(snap.Classifications) > 0) != w.classified {
				t.Errorf("classifications %+v", snap.Classifications)
			}
			if len(snap.PendingRequests) != w.pending {
				t.Errorf("pending requests %+v", snap.PendingRequests)
			}
			for _, r := range snap.PendingRequests {
				if !strings.EqualFold(r.AppID, ten.AppID()) || len(r.UserConsentRequests) != 1 || r.UserConsentRequests[0].Status != "InProgress" ||
					r.UserConsentRequests[0].CreatedBy.User == nil || r.UserConsentRequests[0].CreatedBy.User.ID == "" {
					t.Errorf("pending request %+v", r)
				}
			}

			// The diagnosis agrees with the sim's own evaluation of the end user.
			d := flows.Diagnose(snap, flows.AppRef{ClientID: ten.AppID(), Scopes: sim.TrackerRMSScopes})
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

func TestGraphThrottledThenOK(t *testing.T) {
	s, a := signedIn(t, sim.Options{}, "")
	w := &waits{}
	c := newClient(s, a, graph.WithSleep(w.sleep))
	s.SetFaults(sim.Faults{Throttle429: 2, RetryAfterSeconds: 7})
	before := s.Stats()
	p, err := c.GetAuthorizationPolicy(testCtx(t))
	if err != nil || p.ID == "" {
		t.Fatalf("after 429s: %+v, %v", p, err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waits %v, want Retry-After 7s twice", got)
	}
	st := s.Stats()
	if st.Throttled-before.Throttled != 2 || st.RoundTrips-before.RoundTrips != 3 {
		t.Errorf("throttled %d, round trips %d", st.Throttled-before.Throttled, st.RoundTrips-before.RoundTrips)
	}

	// Inside a $batch the throttled items are sent again, after the largest Retry-After.
	s.SetFaults(sim.Faults{Throttle429: 3, RetryAfterSeconds: 2})
	w2 := &waits{}
	c2 := newClient(s, a, graph.WithSleep(w2.sleep))
	snap, err := c2.Snapshot(testCtx(t), s.Tenant().AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Errors) != 0 || snap.AuthorizationPolicy.ID == "" || snap.Me.ID == "" {
		t.Errorf("snapshot after throttled items: errors %v", snap.Errors)
	}
	if got := w2.get(); !slices.Equal(got, []time.Duration{2 * time.Second}) {
		t.Errorf("waits %v, want one 2s wait", got)
	}
	if snap.RoundTrips != 2 {
		t.Errorf("snapshot with throttled items: %d round trips, want 2", snap.RoundTrips)
	}

	// A real (short) wait works too: Retry-After 1 s under a 2 s cap.
	s.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 1})
	c3 := newClient(s, a, graph.WithRetry(2, 2*time.Second))
	if _, err := c3.Me(testCtx(t)); err != nil {
		t.Errorf("after a real 1 s wait: %v", err)
	}
}

func TestGraphRetryAfterAboveCap(t *testing.T) {
	s, a := signedIn(t, sim.Options{}, "")
	w := &waits{}
	c := newClient(s, a, graph.WithSleep(w.sleep), graph.WithRetry(4, 30*time.Second))
	s.SetFaults(sim.Faults{Throttle429: 5, RetryAfterSeconds: 120})
	_, err := c.GetAuthorizationPolicy(testCtx(t))
	var ae *entra.APIError
	if !errors.As(err, &ae) || !entra.IsThrottled(err) || ae.RetryAfter != 120*time.Second || ae.RequestID == "" || ae.Code != "TooManyRequests" {
		t.Fatalf("429 above the cap: %v (%+v)", err, ae)
	}
	if len(w.get()) != 0 {
		t.Errorf("waited %v although Retry-After is above the cap", w.get())
	}
	// Attempts run out: 4 sends, then the last 429.
	s.SetFaults(sim.Faults{Throttle429: 10, RetryAfterSeconds: 1})
	before := s.Stats().RoundTrips
	if _, err := c.Me(testCtx(t)); !entra.IsThrottled(err) {
		t.Errorf("persistent 429: %v", err)
	}
	if d := s.Stats().RoundTrips - before; d != graph.DefaultMaxAttempts {
		t.Errorf("%d sends, want %d", d, graph.DefaultMaxAttempts)
	}
}

func TestGraphUnavailableAndDropped(t *testing.T) {
	s, a := signedInToWrite(t, sim.Options{})
	w := &waits{}
	c := newClient(s, a, graph.WithSleep(w.sleep))
	s.SetFaults(sim.Faults{Unavailable503: 1, RetryAfterSeconds: 3})
	if _, err := c.GetConsentRequestPolicy(testCtx(t)); err != nil {
		t.Fatalf("after a 503: %v", err)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Errorf("waits %v", got)
	}
	// A dropped connection: a GET is sent again (by net/http itself on a
	// reused connection, else by the client after its backoff)…
	s.SetFaults(sim.Faults{Drop: 1})
	if _, err := c.Me(testCtx(t)); err != nil {
		t.Fatalf("after a dropped connection: %v", err)
	}
	// …a POST is not (it may have been processed).
	s.SetFaults(sim.Faults{Drop: 1})
	_, err := c.CreateServicePrincipal(testCtx(t), sim.ArchiverAppID)
	if err == nil || !strings.Contains(err.Error(), "not retried") {
		t.Errorf("dropped POST: %v", err)
	}
	if s.Stats().Dropped != 2 {
		t.Errorf("dropped %d", s.Stats().Dropped)
	}
}

func TestGraphPaging(t *testing.T) {
	s, a := signedIn(t, sim.Options{Scenario: "unverified-publisher", PageSize: 2}, "")
	ten := s.Tenant()
	c := newClient(s, a)
	ctx := testCtx(t)
	gsp, err := c.GetGraphServicePrincipal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := ten.Classifications(entra.MicrosoftGraphAppID)
	before := s.Stats().RoundTrips
	got, err := c.ListClassifications(ctx, gsp.ID)
	if err != nil {
		t.Fatal(err)
	}
	pages := (len(want) + 1) / 2
	if len(got) != len(want) || len(want) < 3 {
		t.Errorf("%d classifications, want %d", len(got), len(want))
	}
	if d := s.Stats().RoundTrips - before; d != pages {
		t.Errorf("%d round trips for %d items at 2 a page, want %d", d, len(want), pages)
	}
	// A snapshot pages inside $batch: the same content in more rounds.
	snap, err := c.Snapshot(ctx, ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Classifications) != len(want) || len(snap.Errors) != 0 || len(snap.MyRoles) == 0 {
		t.Errorf("paged snapshot: %d classifications, errors %v", len(snap.Classifications), snap.Errors)
	}
	if snap.RoundTrips != pages {
		t.Errorf("paged snapshot: %d round trips, want %d (the longest collection's pages)", snap.RoundTrips, pages)
	}
	t.Logf("paged snapshot (page size 2): %d round trips", snap.RoundTrips)
}

func TestGraphBatchChunks(t *testing.T) {
	s, a := signedIn(t, sim.Options{}, "")
	c := newClient(s, a)
	var reqs []graph.BatchRequest
	for i := range 45 {
		u := "/me?$select=id,userPrincipalName"
		if i%3 == 1 {
			u = "/policies/authorizationPolicy"
		}
		reqs = append(reqs, graph.BatchRequest{ID: fmt.Sprintf("r%d", i), Method: "GET", URL: u,
			Scopes: []string{entra.ScopeUserRead, entra.ScopePolicyReadAll}})
	}
	before := s.Stats()
	resps, err := c.Batch(testCtx(t), reqs)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Batches-before.Batches != 3 || st.RoundTrips-before.RoundTrips != 3 || st.GraphRequests-before.GraphRequests != 45 {
		t.Errorf("batches %d, round trips %d, requests %d; want 3, 3, 45",
			st.Batches-before.Batches, st.RoundTrips-before.RoundTrips, st.GraphRequests-before.GraphRequests)
	}
	if len(resps) != len(reqs) {
		t.Fatalf("%d responses", len(resps))
	}
	for i, r := range resps {
		if r.ID != reqs[i].ID || !r.OK() {
			t.Errorf("response %d: %s %d", i, r.ID, r.Status)
		}
	}
	var me entra.User
	if err := resps[0].Decode(&me); err != nil || me.UserPrincipalName != s.Tenant().AdminUPN() {
		t.Errorf("item 0: %+v %v", me, err)
	}
}

func TestGraphWrites(t *testing.T) {
	s, a := signedInToWrite(t, sim.Options{})
	ten := s.Tenant()
	c := newClient(s, a)
	ctx := testCtx(t)

	// The user-consent setting: write, read back (policy ids keep their case).
	orig, err := c.GetAuthorizationPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owned := orig.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	relaxed := append([]string{entra.SelfConsentPrefix + entra.PolicyManagedRecommended}, owned...)
	if err := c.UpdateUserConsentPolicies(ctx, relaxed); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetAuthorizationPolicy(ctx)
	if err != nil || !slices.Equal(got.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, relaxed) {
		t.Errorf("after PATCH: %v, %v", got.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, err)
	}
	if err := c.UpdateUserConsentPolicies(ctx, owned); err != nil {
		t.Fatal(err)
	}
	if got := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; !slices.Equal(got, owned) {
		t.Errorf("restored: %v, want %v", got, owned)
	}

	// The admin consent workflow: PUT the full object, read it back.
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pol := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: false, RequestDurationInDays: 14,
		Reviewers: []entra.ReviewerScope{{Query: "/users/" + me.ID, QueryType: "MicrosoftGraph"}}}
	if err := c.PutConsentRequestPolicy(ctx, pol); err != nil {
		t.Fatal(err)
	}
	gotPol, err := c.GetConsentRequestPolicy(ctx)
	if err != nil || !gotPol.IsEnabled || gotPol.RequestDurationInDays != 14 || len(gotPol.Reviewers) != 1 || gotPol.Reviewers[0].Query != "/users/"+me.ID {
		t.Errorf("after PUT: %+v, %v", gotPol, err)
	}
	if !ten.AdminConsentRequestPolicy().IsEnabled {
		t.Error("the sim's tenant did not change")
	}

	// grant-direct: service principal + AllPrincipals grant, then undo.
	sp, err := c.CreateServicePrincipal(ctx, ten.AppID())
	if err != nil || sp.ID == "" || !strings.EqualFold(sp.AppID, ten.AppID()) {
		t.Fatalf("CreateServicePrincipal: %+v, %v", sp, err)
	}
	gsp, err := c.GetGraphServicePrincipal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scope := strings.Join(sim.TrackerRMSScopes, " ")
	g, err := c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: sp.ID, ConsentType: "AllPrincipals", ResourceID: gsp.ID, Scope: scope})
	if err != nil || g.ID == "" {
		t.Fatalf("CreateGrant: %+v, %v", g, err)
	}
	grants, err := c.ListGrants(ctx, sp.ID)
	if err != nil || len(grants) != 1 || grants[0].ID != g.ID || grants[0].Scope != scope {
		t.Errorf("ListGrants: %+v, %v", grants, err)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, ""); out.Result != sim.ResultGranted {
		t.Errorf("the user after grant-direct: %+v", out)
	}
	// Undo: deleting the service principal takes its grants with it, as in Entra.
	nSPs := ten.ServicePrincipalCount()
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindServicePrincipal, ID: sp.ID}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ten.ServicePrincipal(ten.AppID()); ok || len(ten.Grants(ten.AppID())) != 0 || ten.ServicePrincipalCount() != nSPs-1 {
		t.Error("undo left objects behind")
	}
	if sps, err := c.GetServicePrincipalByAppID(ctx, ten.AppID()); err != nil || sps != nil {
		t.Errorf("the deleted SP is still listed: %+v, %v", sps, err)
	}
	// Deleting again is harmless (404 counts as done).
	for _, ref := range []graph.ObjectRef{{Kind: graph.ObjectKindGrant, ID: g.ID}, {Kind: graph.ObjectKindServicePrincipal, ID: sp.ID}} {
		if err := c.DeleteObject(ctx, ref); err != nil {
			t.Errorf("second delete of %s: %v", ref.Kind, err)
		}
	}
	// Microsoft Graph's own service principal is not deleted.
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindServicePrincipal, ID: gsp.ID}); err == nil {
		t.Error("deleted Microsoft Graph's service principal")
	}

	// An application permission: app role assignment, then its undo.
	arch, err := c.CreateServicePrincipal(ctx, sim.ArchiverAppID)
	if err != nil {
		t.Fatal(err)
	}
	var mailRead string
	for _, r := range gsp.AppRoles {
		if r.Value == "Mail.Read" {
			mailRead = r.ID
		}
	}
	ara, err := c.CreateAppRoleAssignment(ctx, gsp.ID, entra.AppRoleAssignment{PrincipalID: arch.ID, AppRoleID: mailRead})
	if err != nil || ara.ID == "" || len(ten.AppRoleAssignments(sim.ArchiverAppID)) != 1 {
		t.Fatalf("CreateAppRoleAssignment: %+v, %v", ara, err)
	}
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindAppRoleAssignment, ID: ara.ID, ParentID: gsp.ID}); err != nil {
		t.Fatal(err)
	}
	if n := len(ten.AppRoleAssignments(sim.ArchiverAppID)); n != 0 {
		t.Errorf("%d app role assignments after undo", n)
	}
	if err := c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindAppRoleAssignment, ID: ara.ID, ParentID: gsp.ID}); err != nil {
		t.Errorf("second delete of the assignment: %v", err)
	}
	// The workflow is on now: the user can ask for approval.
	if out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, ""); out.Result != sim.ResultApprovalRequired {
		t.Errorf("the user after undo: %+v", out)
	}
}

func TestGraphGlobalReaderForbidden(t *testing.T) {
	s, a := signedIn(t, sim.Options{Scenario: "locked-down"}, "reader@contoso.com")
	ten := s.Tenant()
	c := newClient(s, a)
	ctx := testCtx(t)
	// A Global Reader can read the diagnosis.
	snap, err := c.Snapshot(ctx, ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Me.UserPrincipalName != "reader@contoso.com" || snap.AuthorizationPolicy.ID == "" {
		t.Errorf("reader's snapshot: me %q, errors %v", snap.Me.UserPrincipalName, snap.Errors)
	}
	d := flows.Diagnose(snap, flows.AppRef{ClientID: ten.AppID(), Scopes: sim.TrackerRMSScopes})
	if d.UserScreen != flows.ScreenNeedAdminApproval {
		t.Errorf("reader's diagnosis: %s", d.UserScreen)
	}
	if fx, ok := d.Fix(flows.FixRelaxUserConsent); ok && fx.HasRole {
		t.Errorf("a Global Reader has the role for %s: %+v", fx.ID, fx)
	}
	// A Global Reader may not consent to the sign-in client's write scopes
	// (admin-consent scopes): for the writes to reach Graph, an admin has
	// consented to them for the organization.
	if err := ten.AdminConsent(ten.AdminUPN(), entra.DefaultClientID, writeScopes()); err != nil {
		t.Fatal(err)
	}
	// …but every write is refused with 403, code and request id.
	for name, write := range map[string]func() error{
		"PATCH authorizationPolicy": func() error { return c.UpdateUserConsentPolicies(ctx, nil) },
		"PUT adminConsentRequestPolicy": func() error {
			return c.PutConsentRequestPolicy(ctx, entra.AdminConsentRequestPolicy{IsEnabled: true, RequestDurationInDays: 30})
		},
		"POST servicePrincipals": func() error { _, err := c.CreateServicePrincipal(ctx, ten.AppID()); return err },
	} {
		err := write()
		var ae *entra.APIError
		if !errors.As(err, &ae) || !entra.IsForbidden(err) {
			t.Errorf("%s as reader: %T %v", name, err, err)
			continue
		}
		if ae.Code == "" || ae.RequestID == "" || ae.Message == "" || !strings.Contains(err.Error(), ae.RequestID) {
			t.Errorf("%s: APIError %+v", name, ae)
		}
	}
	if got := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; len(got) == 0 {
		t.Error("the reader's refused PATCH changed the policy")
	}
}

func TestDiscoverTenantAgainstSim(t *testing.T) {
	s := startSim(t, sim.Options{})
	ten := s.Tenant()
	ctx := testCtx(t)
	for _, in := range []string{ten.Domain(), ten.InitialDomain(), strings.ToUpper(ten.ID())} {
		info, err := graph.DiscoverTenant(ctx, s.HTTPClient(), s.LoginURL(), in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if info.ID != ten.ID() || info.Cloud != "global" || info.GraphHost == "" || info.RegionScope == "" {
			t.Errorf("%s: %+v", in, info)
		}
		if entra.IsGUID(in) != (info.Domain == "") {
			t.Errorf("%s: domain %q", in, info.Domain)
		}
	}
	// The plain-HTTP browser base works too (loopback only).
	if info, err := graph.DiscoverTenant(ctx, s.HTTPClient(), s.BrowserURL(), ten.Domain()); err != nil || info.ID != ten.ID() {
		t.Errorf("over plain http on loopback: %+v, %v", info, err)
	}
	for _, in := range []string{"fabrikam.com", "00000000-1111-2222-3333-444444444444"} {
		_, err := graph.DiscoverTenant(ctx, s.HTTPClient(), s.LoginURL(), in)
		if !errors.Is(err, graph.ErrTenantNotFound) || !strings.Contains(err.Error(), in) {
			t.Errorf("%s: %v, want ErrTenantNotFound", in, err)
		}
	}
	if _, err := graph.DiscoverTenant(ctx, s.HTTPClient(), s.LoginURL(), "not a domain"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("invalid input: %v", err)
	}
}

func TestAdminLinkFixHeadless(t *testing.T) {
	s, a := signedIn(t, sim.Options{Scenario: "locked-down"}, "")
	ten := s.Tenant()
	c := newClient(s, a)
	ctx := testCtx(t)
	app := flows.AppRef{ClientID: ten.AppID(), Scopes: sim.TrackerRMSScopes}
	diagnose := func() flows.Diagnosis {
		t.Helper()
		snap, err := c.Snapshot(ctx, ten.AppID())
		if err != nil {
			t.Fatal(err)
		}
		return flows.Diagnose(snap, app)
	}
	if d := diagnose(); d.UserScreen != flows.ScreenNeedAdminApproval || d.Recommended != flows.FixAdminLink {
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
	if d := diagnose(); d.UserScreen != flows.ScreenNeedAdminApproval {
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
	d := diagnose()
	if d.UserScreen != flows.ScreenNone || d.Blocked {
		t.Errorf("after admin consent: %s (blocked %v)", d.UserScreen, d.Blocked)
	}
	if out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), sim.TrackerRMSScopes, ""); out.Result != sim.ResultGranted {
		t.Errorf("the sim's user after admin consent: %+v", out)
	}
}

func TestAdminLinkV2HeadlessOverHTTPS(t *testing.T) {
	s, a := signedIn(t, sim.Options{Scenario: "managed-calendar"}, "")
	ten := s.Tenant()
	c := newClient(s, a)
	ctx := testCtx(t)
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
	snap, err := c.Snapshot(ctx, ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	d := flows.Diagnose(snap, flows.AppRef{ClientID: ten.AppID(), Scopes: sim.TrackerRMSScopes})
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
