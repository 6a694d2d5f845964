package ui

import (
	"context"
	"fmt"
	"strings"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// One sign-in, many tenants: the runner's sessions of other tenants can share
// the sign-in of a home tenant. The admin signs in once at home (--home-tenant,
// or "organizations": wherever the account lives); each other tenant of the
// same cloud gets its tokens silently with the same account
// (graph.Authenticator.ForTenant, MSAL's AcquireTokenSilent with
// WithTenantID: docs/msal.md 2), which Entra gives where the account is a
// partner's delegated admin with a GDAP role or a guest (docs/entra.md I).
// A tenant that refuses (MFA or Conditional Access there, no role, no
// consent) needs a sign-in of its own: the wizard starts one in that tenant
// alone; `check --tenants` reports it, and signs in to it only with
// --interactive-fallback.
//
// A restore signs in as the account that wrote the journal entry: when that
// account lives in another tenant (flows.SignIn.Home), its tenant is the
// home of the entry's tenant for the rest of the run.

// homeOf is the home whose sign-in the session key shares, or "" when the
// tenant signs in on its own: the home tenant itself, a tenant of another
// cloud (a sign-in reaches the tenants of its own cloud only), or no home.
func (r *Runner) homeOf(key sessionKey) string {
	if key.cloud != r.cfg.EffectiveCloud().Name && !r.cfg.Custom() {
		return ""
	}
	r.mu.Lock()
	home := r.homes[key]
	r.mu.Unlock()
	if home == "" {
		home = r.home
	}
	if home == "" || strings.EqualFold(home, key.tenant) {
		return ""
	}
	return home
}

// sharedSession makes the session of tenantID (key) that shares home's
// sign-in.
func (r *Runner) sharedSession(ctx context.Context, key sessionKey, tenantID, home string) (*session, error) {
	hs, err := r.session(ctx, flows.TenantRef{ID: home})
	if err != nil {
		return nil, err
	}
	s := &session{auth: hs.auth, tenant: tenantID, home: home,
		client: r.newClient(r.cfg.EffectiveCloud(), hs.auth.ForTenant(tenantID))}
	r.mu.Lock()
	defer r.mu.Unlock()
	if had := r.sessions[key]; had != nil {
		return had, nil
	}
	r.sessions[key] = s
	return s, nil
}

// newClient is a Graph client of cloud with tokens from ts.
func (r *Runner) newClient(cloud entra.Cloud, ts graph.TokenSource) *graph.Client {
	opts := append([]graph.Option{graph.WithBaseURL(cloud.GraphURL), graph.WithHTTPClient(r.hc), graph.WithTokenSource(ts)}, r.graphOpts...)
	return graph.New(opts...)
}

// adoptHome takes e.Home (a restore signing in as the account that wrote,
// from its own tenant) as the home of e.Tenant, unless the tenant has a
// session already. Without own, a tenant the home sign-in cannot reach (in
// another cloud) fails as needing its own sign-in.
func (r *Runner) adoptHome(e flows.SignIn, own bool) error {
	cloud := r.cloudFor(e.Tenant.Cloud)
	key := sessionKey{tenant: strings.ToLower(e.Tenant.ID), cloud: cloud.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, exists := r.sessions[key]
	if e.Home != "" && !exists && r.home == "" {
		if r.homes == nil {
			r.homes = map[sessionKey]string{}
		}
		r.homes[key] = e.Home
	}
	if !own && r.home != "" && !strings.EqualFold(r.home, e.Tenant.ID) && cloud.Name != r.cfg.EffectiveCloud().Name && !r.cfg.Custom() {
		return &entra.TenantSignInError{TenantID: e.Tenant.ID,
			Reason: fmt.Sprintf("it is in another cloud (%s) than your sign-in", cloud.Name)}
	}
	return nil
}

// startSharedSignIn gets a token for sess's tenant with its home's sign-in:
// silently when the admin has signed in at home; else it signs in at home
// first (device code or browser), then gets the tenant's token. A tenant
// that refuses the home's account needs its own sign-in: with own it starts
// one in that tenant alone, hinted with the same account; without, it fails
// with *entra.TenantSignInError.
func (r *Runner) startSharedSignIn(ctx context.Context, sess *session, e flows.SignIn, own bool,
	done func(graph.Account, error) flows.Event) (*PendingSignIn, error) {
	auth, tenant := sess.auth, sess.tenant
	reach := func(ctx context.Context) (graph.Account, error) {
		if _, err := auth.TenantToken(ctx, tenant, e.Scopes); err != nil {
			return graph.Account{}, err
		}
		acct, _ := auth.AccountIn(tenant)
		return acct, nil
	}
	if home, ok := auth.Account(); ok {
		acct, err := reach(ctx)
		switch {
		case err == nil:
			ev := done(acct, nil)
			return &PendingSignIn{Wait: func(context.Context) flows.Event { return ev }}, nil
		case !own || !entra.IsTenantSignIn(err):
			return nil, err
		}
		hint := e.LoginHint
		if hint == "" {
			hint = home.Username
		}
		return r.startTenantSignIn(ctx, auth, tenant, e.Scopes, hint, done)
	}
	p, err := r.startSignIn(ctx, flows.SignIn{Tenant: flows.TenantRef{ID: sess.home}, Scopes: e.Scopes, LoginHint: e.LoginHint}, own)
	if err != nil {
		return nil, err
	}
	wait := p.Wait
	p.Wait = func(ctx context.Context) flows.Event {
		ev := wait(ctx)
		if si, ok := ev.(flows.SignedIn); !ok || si.Err != nil {
			return ev
		}
		return done(reach(ctx))
	}
	return p, nil
}

// startTenantSignIn signs in to tenant alone (device code, or the browser
// with --browser), for a tenant the home sign-in does not reach.
func (r *Runner) startTenantSignIn(ctx context.Context, auth *graph.Authenticator, tenant string, scopes []string, hint string,
	done func(graph.Account, error) flows.Event) (*PendingSignIn, error) {
	if r.cfg.UseBrowser {
		return r.startBrowserSignIn(ctx, func(ctx context.Context, open func(string) error) (graph.Account, error) {
			return auth.SignInBrowserIn(ctx, tenant, scopes, open, hint)
		}, done)
	}
	dl, err := auth.StartDeviceCodeIn(ctx, tenant, scopes)
	if err != nil {
		return nil, err
	}
	info := dl.Info()
	return &PendingSignIn{Code: &info, URL: info.VerificationURL, Wait: func(ctx context.Context) flows.Event {
		return done(dl.Wait(ctx))
	}}, nil
}

// SetDelegatedRoles records the roles a partner's delegated admin holds in
// tenantID through GDAP (`consentwiz tenants`), for the diagnosis there.
func (r *Runner) SetDelegatedRoles(tenantID string, roles []flows.RoleRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.roles == nil {
		r.roles = map[string][]flows.RoleRef{}
	}
	r.roles[strings.ToLower(tenantID)] = roles
}

// asDelegated completes the snapshot of a tenant read with the home's
// sign-in: a partner's delegated admin has no user object there, so the
// account stands in for /me, and, when the directory gave no role, the
// roles GDAP gives there stand in for its roles (flows.AsDelegatedAdmin). A
// guest's own object and roles are kept.
func (r *Runner) asDelegated(ctx context.Context, s *session, snap entra.TenantSnapshot) entra.TenantSnapshot {
	acct, ok := s.auth.AccountIn(s.tenant)
	if !ok {
		return snap
	}
	var gdap flows.DelegatedRoles
	if snap.Errors[entra.PartMyRoles] != nil || len(snap.MyRoles) == 0 {
		gdap = r.delegatedRoles(ctx, s, firstNonEmpty(snap.TenantID, snap.Organization.ID, s.tenant))
	}
	me := entra.User{ID: acct.ObjectID, DisplayName: acct.Name, UserPrincipalName: acct.Username}
	return flows.AsDelegatedAdmin(snap, me, gdap)
}

// delegatedRoles are the roles the home's account holds in tenantID
// through GDAP: those `consentwiz tenants` listed (SetDelegatedRoles), else
// those its home tenant's relationships give (gdapListing).
func (r *Runner) delegatedRoles(ctx context.Context, s *session, tenantID string) flows.DelegatedRoles {
	r.mu.Lock()
	roles, given := r.roles[strings.ToLower(s.tenant)]
	if !given {
		roles, given = r.roles[strings.ToLower(tenantID)]
	}
	r.mu.Unlock()
	if given {
		return flows.DelegatedRoles{Read: true, Roles: roles}
	}
	list, ok := r.gdapListing(ctx, s.home)
	if !ok {
		return flows.DelegatedRoles{}
	}
	return flows.DelegatedRolesIn(list, tenantID)
}

// gdapRead is one reading of a home tenant's GDAP relationships.
type gdapRead struct {
	list []flows.TenantListing
	ok   bool
}

// gdapListing reads, once per home, the customers the home's account
// reaches through GDAP and its roles in each — what `consentwiz tenants`
// lists (docs/entra.md I). It needs DelegatedAdminRelationship.Read.All,
// asked for silently: where nobody has consented to it (a run of
// `consentwiz tenants` does), or the account may not read the
// relationships, it fails and the roles stay unknown — a diagnosis never
// stops for a consent prompt of its own.
func (r *Runner) gdapListing(ctx context.Context, home string) ([]flows.TenantListing, bool) {
	r.gdapMu.Lock()
	defer r.gdapMu.Unlock()
	key := strings.ToLower(home)
	if c, ok := r.gdap[key]; ok {
		return c.list, c.ok
	}
	var c gdapRead
	if hs, err := r.session(ctx, flows.TenantRef{ID: home}); err == nil {
		if ps, err := hs.client.PartnerSnapshot(ctx); err == nil {
			c = gdapRead{list: flows.ListTenants(*ps), ok: true}
		}
	}
	if ctx.Err() == nil { // a read cut short may succeed next time
		if r.gdap == nil {
			r.gdap = map[string]gdapRead{}
		}
		r.gdap[key] = c
	}
	return c.list, c.ok
}
