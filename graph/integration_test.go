package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// End to end: graph.Client with graph.Authenticator as its TokenSource (real
// MSAL) against the simulated cloud over loopback HTTPS. The diagnosis of these
// snapshots is checked against the simulator's own evaluation of the end
// user's sign-in in internal/difftest (graph's tests do not import flows).

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

func TestSnapshotPerScenario(t *testing.T) {
	type want struct {
		roundTrips int
		app        bool // the app's service principal exists
		grants     bool
		pending    int
		classified bool // Microsoft Graph has delegated permission classifications
	}
	wants := map[string]want{
		"assignment-required": {1, true, true, 0, false},
		"granted":             {1, true, true, 0, false},
		// The workflow is off, but an old request of Megan's is still pending.
		"hostile":          {2, true, false, 1, false},
		"locked-down":      {1, false, false, 0, false},
		"managed-calendar": {1, false, false, 0, false},
		"request-workflow": {2, false, false, 1, false},
		// request-workflow without Entra ID P1 (and a second app's request).
		"no-premium":           {2, false, false, 1, false},
		"unverified-publisher": {1, false, false, 0, true},
		"user-consent":         {1, false, false, 0, false},
		// Northwind Timesheets is in the tenant; TrackerRMS (the snapshot's app) is not.
		"low-impact": {1, false, false, 0, true},
		// The admin accepts the sign-in client's consent prompt first; then it is locked-down.
		"cli-not-consented": {1, false, false, 0, false},
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
		})
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
	// A Global Reader can read everything a diagnosis needs…
	snap, err := c.Snapshot(ctx, ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Me.UserPrincipalName != "reader@contoso.com" || snap.AuthorizationPolicy.ID == "" || len(snap.Errors) != 0 {
		t.Errorf("reader's snapshot: me %q, errors %v", snap.Me.UserPrincipalName, snap.Errors)
	}
	if !slices.ContainsFunc(snap.MyRoles, func(r entra.DirectoryRole) bool { return r.RoleTemplateID == entra.RoleGlobalReader }) {
		t.Errorf("reader's roles: %+v", snap.MyRoles)
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
