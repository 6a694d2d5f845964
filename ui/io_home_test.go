package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// homeRig is a runner on the msp scenario; device codes wait for approve.
func homeRig(t *testing.T, o RunnerOptions) (*sim.Server, *Runner, context.Context) {
	t.Helper()
	s, cfg := mspCloud(t, 0, true)
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return s, r, ctx
}

// signIn starts the sign-in e; a device code is approved as upn.
func signIn(t *testing.T, ctx context.Context, s *sim.Server, r *Runner, e flows.SignIn, upn string) (flows.SignedIn, bool) {
	t.Helper()
	p, err := r.StartSignIn(ctx, e)
	if err != nil {
		t.Fatalf("sign-in to %s: %v", e.Tenant.ID, err)
	}
	asked := p.Code != nil
	if asked {
		if err := s.ApproveDeviceCode(p.Code.UserCode, upn); err != nil {
			t.Fatal(err)
		}
	}
	si, _ := p.Wait(ctx).(flows.SignedIn)
	return si, asked
}

func resolve(t *testing.T, ctx context.Context, r *Runner, domain string) flows.TenantRef {
	t.Helper()
	info, err := r.ResolveTenant(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	return flows.TenantRef{ID: info.ID, Cloud: info.Cloud.Name}
}

// The wizard with --home-tenant: the first customer's sign-in is the one at
// home; the next customer needs none; the tenant that demands MFA gets a
// sign-in of its own, as the same account; a customer's snapshot names the
// partner's account, with its GDAP roles when known.
func TestRunnerHomeSignInReachesCustomers(t *testing.T) {
	s, r, ctx := homeRig(t, RunnerOptions{Home: "contoso.com"})
	m := s.MSP()
	partner := m.Partner.AdminUPN()
	fab := resolve(t, ctx, r, m.LockedDown.Domain())
	si, asked := signIn(t, ctx, s, r, flows.SignIn{Tenant: fab, Scopes: flows.ReadScopes}, partner)
	if si.Err != nil || !asked || si.Account != partner || si.AccountTenant != m.Partner.ID() {
		t.Fatalf("first customer: asked %v, %+v", asked, si)
	}
	tail := resolve(t, ctx, r, m.RequestWorkflow.Domain())
	if si, asked := signIn(t, ctx, s, r, flows.SignIn{Tenant: tail, Scopes: flows.ReadScopes}, partner); si.Err != nil || asked || si.Account != partner {
		t.Fatalf("second customer: asked %v, %+v", asked, si)
	}
	mfa := resolve(t, ctx, r, m.MFA.Domain())
	if si, asked := signIn(t, ctx, s, r, flows.SignIn{Tenant: mfa, Scopes: flows.ReadScopes}, partner); si.Err != nil || !asked || si.Account != partner {
		t.Fatalf("the MFA tenant: asked %v, %+v", asked, si)
	}
	r.SetDelegatedRoles(fab.ID, []flows.RoleRef{{ID: "158c047a-c907-4556-b7ef-446551a6b5f7", Name: "Cloud Application Administrator"}})
	ev, _ := r.Run(ctx, flows.FetchSnapshot{Tenant: fab, AppID: sim.TrackerRMSAppID, Diagnose: true}).(flows.SnapshotLoaded)
	if ev.Err != nil || ev.Diagnosis == nil {
		t.Fatalf("snapshot: %+v", ev)
	}
	if d := ev.Diagnosis; d.SignedInAs != partner || len(d.Roles) != 1 || d.Roles[0] != "Cloud Application Administrator" {
		t.Errorf("checked by %q with %v", d.SignedInAs, d.Roles)
	}
	// One sign-in at home serves every customer: the home session and one a tenant.
	if n := len(r.sessions); n != 4 {
		t.Errorf("%d sessions", n)
	}
}

// The wizard with --home-tenant in a customer's tenant, with no roles
// given: the customer's directory has none for the partner's admin (404 in
// the simulator), so they come from the partner's GDAP relationships, read
// silently at home once DelegatedAdminRelationship.Read.All is consented (a
// run of `consentwiz tenants`); before that they are unknown, never missing.
func TestRunnerDelegatedRolesFromGDAP(t *testing.T) {
	s, cfg := mspCloud(t, 0, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := s.MSP()
	partner := m.Partner.AdminUPN()
	diagnose := func() flows.Diagnosis {
		t.Helper()
		r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{Home: m.Partner.Domain()})
		if err != nil {
			t.Fatal(err)
		}
		fab := resolve(t, ctx, r, m.LockedDown.Domain())
		if si, _ := signIn(t, ctx, s, r, flows.SignIn{Tenant: fab, Scopes: flows.ReadScopes}, partner); si.Err != nil {
			t.Fatal(si.Err)
		}
		ev, _ := r.Run(ctx, flows.FetchSnapshot{Tenant: fab, AppID: sim.TrackerRMSAppID, App: testApp(), Diagnose: true}).(flows.SnapshotLoaded)
		if ev.Err != nil || ev.Diagnosis == nil {
			t.Fatalf("snapshot: %+v", ev)
		}
		return *ev.Diagnosis
	}
	d := diagnose()
	if f, _ := d.Fix(flows.FixAdminLink); f.HasRole || !f.RoleUnknown || len(d.Roles) != 0 || d.RolesFrom != "" {
		t.Errorf("without the GDAP permission: admin-link %+v, roles %v from %q", f, d.Roles, d.RolesFrom)
	}
	// `consentwiz tenants` signs in at home asking for the GDAP permission.
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if si, _ := signIn(t, ctx, s, r, flows.SignIn{Tenant: flows.TenantRef{ID: m.Partner.Domain()}, Scopes: entra.TenantsScopes}, partner); si.Err != nil {
		t.Fatal(si.Err)
	}
	d = diagnose()
	f, _ := d.Fix(flows.FixAdminLink)
	if !f.HasRole || f.RoleUnknown || d.RolesFrom != "gdap" || strings.Join(d.Roles, ", ") != "Cloud Application Administrator, Global Reader, Privileged Role Administrator" {
		t.Errorf("with GDAP: admin-link %+v, roles %v from %q", f, d.Roles, d.RolesFrom)
	}
	if strings.Contains(d.RecommendedWhy, "hand it over") {
		t.Errorf("recommended: %s\n%s", d.RecommendedWhy, d.Text())
	}
}

// Without --interactive-fallback, check's tenants fail as needing their own
// sign-in instead of asking for one.
func TestRunnerNoOwnSignIn(t *testing.T) {
	s, r, ctx := homeRig(t, RunnerOptions{Home: "organizations"})
	m := s.MSP()
	if si, _ := signIn(t, ctx, s, r, flows.SignIn{Tenant: flows.TenantRef{ID: "organizations"}, Scopes: flows.ReadScopes}, m.Partner.AdminUPN()); si.Err != nil {
		t.Fatal(si.Err)
	}
	mfa := resolve(t, ctx, r, m.MFA.Domain())
	p, err := r.startSignIn(ctx, flows.SignIn{Tenant: mfa, Scopes: flows.ReadScopes}, false)
	if p != nil || err == nil || err.Error() != "needs its own sign-in: multi-factor authentication is required there (AADSTS50076)" {
		t.Errorf("pending %v, err %v", p, err)
	}
}

// A restore signs in as the account that wrote the entry, from its own
// tenant (SignIn.Home), and reaches the entry's tenant with that sign-in.
func TestRunnerRestoreSignsInFromTheWritersTenant(t *testing.T) {
	s, r, ctx := homeRig(t, RunnerOptions{})
	m := s.MSP()
	fab := flows.TenantRef{ID: m.LockedDown.ID(), Cloud: "global"}
	si, asked := signIn(t, ctx, s, r, flows.SignIn{Tenant: fab, Scopes: flows.ReadScopes, LoginHint: m.Partner.AdminUPN(), Home: m.Partner.ID()}, m.Partner.AdminUPN())
	if si.Err != nil || !asked || si.Account != m.Partner.AdminUPN() || si.AccountTenant != m.Partner.ID() {
		t.Fatalf("restore sign-in: %+v", si)
	}
	sess, err := r.session(ctx, fab)
	if err != nil || sess.tenant != m.LockedDown.ID() || sess.home != m.Partner.ID() {
		t.Fatalf("session %+v, %v", sess, err)
	}
	ev, _ := r.Run(ctx, flows.ReadAuthorizationPolicy{Tenant: fab}).(flows.PolicyRead)
	if ev.Err != nil || ev.Policy.ID == "" {
		t.Errorf("reading the customer's policy: %+v", ev)
	}
}

// `check --home-tenant`: one customer's tenant, with the partner's sign-in.
func TestCheckWithHomeTenant(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	run := func(tenant string) (int, string, string) {
		var out, errb bytes.Buffer
		o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: tenant}, ManyOptions: ManyOptions{HomeTenant: m.Partner.Domain()}, JSON: true}
		code := RunCheck(context.Background(), cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
		return code, out.String(), errb.String()
	}
	code, out, errOut := run(m.LockedDown.Domain())
	var d flows.Diagnosis
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != ExitBlocked || d.SignedInAs != m.Partner.AdminUPN() {
		t.Errorf("exit %d, checked by %q (%v)\n%s", code, d.SignedInAs, err, errOut)
	}
	code, out, errOut = run(m.MFA.Domain())
	if code != ExitSignIn || out != "" || !strings.Contains(errOut, "needs its own sign-in: multi-factor authentication is required there (AADSTS50076)") {
		t.Errorf("MFA tenant: exit %d\n%s", code, errOut)
	}
}
