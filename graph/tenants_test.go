package graph_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// mspSignedIn starts the msp scenario (with extra customers) and signs the
// partner admin in once, by device code, for the diagnosis's read scopes and
// `consentwiz tenants`' scope.
func mspSignedIn(t *testing.T, customers int) (*sim.Server, *graph.Authenticator) {
	t.Helper()
	s := startSim(t, sim.Options{Scenario: "msp", Customers: customers, AutoApprove: true})
	a := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant = "" })
	deviceSignIn(t, s, a, "", append(slices.Clone(entra.ReadScopes), entra.TenantsScopes...))
	return s, a
}

func tenantClient(s *sim.Server, a *graph.Authenticator, tenantID string) *graph.Client {
	return newClient(s, a.ForTenant(tenantID))
}

func TestTenantTokensShareOneSignIn(t *testing.T) {
	s, a := mspSignedIn(t, 0)
	m := s.MSP()
	before := tokenRequests(s)
	for _, c := range []*sim.Tenant{m.LockedDown, m.RequestWorkflow, m.ManagedCalendar, m.Granted, m.Guest} {
		snap, err := tenantClient(s, a, c.ID()).Snapshot(testCtx(t), sim.TrackerRMSAppID)
		if err != nil {
			t.Fatalf("%s: %v", c.DisplayName(), err)
		}
		if snap.TenantID != c.ID() || snap.AuthorizationPolicy.ID == "" {
			t.Errorf("%s: snapshot of %s, policy %+v", c.DisplayName(), snap.TenantID, snap.AuthorizationPolicy)
		}
		// A delegated admin is not in the customer's directory: /me cannot be
		// read there; a guest is, with their guest account.
		_, meErr := snap.Errors[entra.PartMe]
		if guest := c == m.Guest; guest == meErr || (guest && !strings.Contains(snap.Me.UserPrincipalName, "#EXT#")) {
			t.Errorf("%s: me %+v, errors %v", c.DisplayName(), snap.Me, snap.Errors)
		}
	}
	// One refresh each, then the cache: a second round asks the authority nothing.
	if n := tokenRequests(s) - before; n != 5 {
		t.Errorf("%d token requests for 5 tenants", n)
	}
	before = tokenRequests(s)
	if _, err := a.TenantToken(testCtx(t), m.Granted.ID(), entra.ReadScopes); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(s) - before; n != 0 {
		t.Errorf("a cached tenant token cost %d token requests", n)
	}
	// The account is still the partner admin's.
	if acct, ok := a.Account(); !ok || acct.Username != m.Partner.AdminUPN() || acct.TenantID != m.Partner.ID() {
		t.Errorf("account after tenant tokens: %+v", acct)
	}
}

func TestTenantTokenRefusedTenantsNeedTheirOwnSignIn(t *testing.T) {
	s, a := mspSignedIn(t, 0)
	m := s.MSP()
	for _, c := range []struct {
		t      *sim.Tenant
		code   int
		reason string
	}{
		{m.NoRole, 50020, "no access there"},
		{m.Former, 50020, "no access there"},
		{m.MFA, 50076, "multi-factor authentication is required there"},
	} {
		_, err := tenantClient(s, a, c.t.ID()).Snapshot(testCtx(t), sim.TrackerRMSAppID)
		var te *entra.TenantSignInError
		if !errors.As(err, &te) {
			t.Errorf("%s: %v, want a TenantSignInError", c.t.DisplayName(), err)
			continue
		}
		if te.Code != c.code || te.TenantID != c.t.ID() || !strings.Contains(te.Reason, c.reason) {
			t.Errorf("%s: %+v", c.t.DisplayName(), te)
		}
		if !strings.HasPrefix(te.Error(), "needs its own sign-in: ") || !strings.HasSuffix(te.Error(), "(AADSTS"+strconv.Itoa(c.code)+")") {
			t.Errorf("%s: message %q", c.t.DisplayName(), te.Error())
		}
	}
	_, err := a.TenantToken(testCtx(t), m.MFA.ID(), entra.ReadScopes)
	if got := err.Error(); got != "needs its own sign-in: multi-factor authentication is required there (AADSTS50076)" {
		t.Errorf("MFA tenant: %q", got)
	}
	// A tenant that does not exist is an error, not a sign-in to do.
	_, err = a.TenantToken(testCtx(t), "nosuchtenant.example", entra.ReadScopes)
	if err == nil || entra.IsTenantSignIn(err) {
		t.Errorf("unknown tenant: %v", err)
	}
	if _, err := a.TenantToken(testCtx(t), "organizations", entra.ReadScopes); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("organizations: %v", err)
	}
}

// --interactive-fallback: one device code sign-in to just the tenant that
// needs it — the partner admin in the tenant that demands MFA, a customer's
// own admin where the partner holds no role. The other tenants keep the
// partner's sign-in.
func TestSignInToOneTenantAlone(t *testing.T) {
	s, a := mspSignedIn(t, 0)
	m := s.MSP()
	signIn := func(ten *sim.Tenant, upn string) {
		t.Helper()
		dl, err := a.StartDeviceCodeIn(testCtx(t), ten.ID(), entra.ReadScopes)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ApproveDeviceCode(dl.Info().UserCode, upn); err != nil {
			t.Fatal(err)
		}
		acct, err := dl.Wait(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if acct.Username != upn {
			t.Errorf("signed in to %s as %s", ten.DisplayName(), acct.Username)
		}
	}
	signIn(m.MFA, m.Partner.AdminUPN())
	signIn(m.NoRole, m.NoRole.AdminUPN())
	for _, c := range []*sim.Tenant{m.MFA, m.NoRole, m.LockedDown} {
		snap, err := tenantClient(s, a, c.ID()).Snapshot(testCtx(t), sim.TrackerRMSAppID)
		if err != nil {
			t.Errorf("%s: %v", c.DisplayName(), err)
			continue
		}
		if c == m.NoRole && snap.Me.UserPrincipalName != m.NoRole.AdminUPN() {
			t.Errorf("the no-role tenant is read as %q", snap.Me.UserPrincipalName)
		}
	}
	if acct, _ := a.Account(); acct.Username != m.Partner.AdminUPN() {
		t.Errorf("the authenticator's account became %s", acct.Username)
	}
	if _, err := a.StartDeviceCodeIn(testCtx(t), "common", entra.ReadScopes); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("common: %v", err)
	}
}

func TestPartnerSnapshotListsCustomersAndAssignments(t *testing.T) {
	s, a := mspSignedIn(t, 3)
	m := s.MSP()
	c := newClient(s, a)
	before := s.Stats()
	ps, err := c.PartnerSnapshot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Errors) != 0 {
		t.Errorf("errors: %v", ps.Errors)
	}
	if got, want := len(ps.Customers), len(m.Customers()); got != want {
		t.Errorf("%d customers, want %d", got, want)
	}
	if len(ps.Relationships) != len(m.Customers())+1 || len(ps.Assignments) != len(m.Customers()) {
		t.Errorf("%d relationships, %d with assignments", len(ps.Relationships), len(ps.Assignments))
	}
	// The admin's groups: AdminAgents holds the roles everywhere but in the no-role tenant.
	for _, r := range ps.Relationships {
		for _, as := range ps.Assignments[r.ID] {
			mine := slices.Contains(ps.MyGroupIDs, as.AccessContainer.AccessContainerID)
			if mine == (r.Customer.TenantID == m.NoRole.ID()) {
				t.Errorf("%s: assignment to %s, mine=%v (groups %v)", r.Customer.DisplayName, as.AccessContainer.AccessContainerID, mine, ps.MyGroupIDs)
			}
		}
	}
	if n := s.Stats().RoundTrips - before.RoundTrips; n != 2 {
		t.Errorf("%d round trips, want 2 (lists, then assignments)", n)
	}
	// Pages of 2: every list is followed to its end.
	s2 := startSim(t, sim.Options{Scenario: "msp", PageSize: 2, AutoApprove: true})
	a2 := newAuth(t, s2, func(c *graph.AuthConfig) { c.Tenant = "" })
	deviceSignIn(t, s2, a2, "", entra.TenantsScopes)
	ps2, err := newClient(s2, a2).PartnerSnapshot(testCtx(t))
	if err != nil || len(ps2.Customers) != 6 || len(ps2.Relationships) != 7 {
		t.Errorf("paged: %v, %d customers, %d relationships", err, len(ps2.Customers), len(ps2.Relationships))
	}
	// Without the scope, the lists fail and so does the snapshot.
	s3 := startSim(t, sim.Options{Scenario: "msp", AutoApprove: true})
	a3 := newAuth(t, s3, func(c *graph.AuthConfig) { c.Tenant = "" })
	deviceSignIn(t, s3, a3, "", entra.ReadScopes)
	ts := graph.TokenFunc(func(ctx context.Context, _ []string) (string, error) { return a3.Token(ctx, entra.ReadScopes) })
	if _, err := newClient(s3, ts).PartnerSnapshot(testCtx(t)); !entra.IsForbidden(err) {
		t.Errorf("without DelegatedAdminRelationship.Read.All: %v", err)
	}
}

// One tenant throttled (429, Retry-After 2 s) does not hold the others.
func TestThrottledTenantDoesNotHoldTheOthers(t *testing.T) {
	s, a := mspSignedIn(t, 0)
	m := s.MSP()
	slow := m.LockedDown
	slow.SetThrottle(1, 2)
	fast := []*sim.Tenant{m.RequestWorkflow, m.ManagedCalendar, m.Granted}
	var mu sync.Mutex
	took := map[*sim.Tenant]time.Duration{}
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range append([]*sim.Tenant{slow}, fast...) {
		wg.Go(func() {
			_, err := tenantClient(s, a, c.ID()).Snapshot(testCtx(t), sim.TrackerRMSAppID)
			mu.Lock()
			defer mu.Unlock()
			took[c] = time.Since(start)
			if err != nil {
				t.Errorf("%s: %v", c.DisplayName(), err)
			}
		})
	}
	wg.Wait()
	if took[slow] < 2*time.Second {
		t.Errorf("the throttled tenant took %v: it did not wait for Retry-After", took[slow])
	}
	for _, c := range fast {
		if took[c] >= took[slow] || took[c] > 1500*time.Millisecond {
			t.Errorf("%s took %v, the throttled tenant %v", c.DisplayName(), took[c], took[slow])
		}
	}
}

// checkTenants is what `check --tenants` does below the CLI: for each tenant
// (at most conc at once) a token with the shared sign-in and a snapshot.
func checkTenants(ctx context.Context, s *sim.Server, a *graph.Authenticator, tenants []string, conc int) (ok int, errs map[string]error) {
	errs = map[string]error{}
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for id := range work {
				_, err := tenantClient(s, a, id).Snapshot(ctx, sim.TrackerRMSAppID)
				mu.Lock()
				if err != nil {
					errs[id] = err
				} else {
					ok++
				}
				mu.Unlock()
			}
		})
	}
	for _, id := range tenants {
		work <- id
	}
	close(work)
	wg.Wait()
	return ok, errs
}

// Every customer of the partner's list, eight at once, with one sign-in:
// a line for each, the refused ones as needing their own sign-in.
func TestManyTenantsOneSignIn(t *testing.T) {
	s, a := mspSignedIn(t, 24)
	m := s.MSP()
	ps, err := newClient(s, a).PartnerSnapshot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range ps.Customers {
		ids = append(ids, c.TenantID)
	}
	codes := len(s.PendingDeviceCodes())
	ok, errs := checkTenants(testCtx(t), s, a, ids, 8)
	if ok != len(ids)-2 || len(errs) != 2 {
		t.Errorf("%d ok, errors %v", ok, errs)
	}
	for _, id := range []string{m.NoRole.ID(), m.MFA.ID()} {
		if !entra.IsTenantSignIn(errs[id]) {
			t.Errorf("%s: %v", id, errs[id])
		}
	}
	if n := len(s.PendingDeviceCodes()); n != codes {
		t.Errorf("device codes asked during the run: %d", n-codes)
	}
}
