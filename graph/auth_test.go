package graph_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// These tests run the real MSAL Go public client (through graph.Authenticator)
// against the simulated cloud over loopback HTTPS (docs/msal.md 4 pattern A).

// newAuth builds an Authenticator for the sim's tenant (by domain), with the
// sim's CA trusted and MSAL's instance discovery off.
func newAuth(t *testing.T, s *sim.Server, mutate ...func(*graph.AuthConfig)) *graph.Authenticator {
	t.Helper()
	cfg := graph.AuthConfig{
		LoginURL:        s.LoginURL(),
		Tenant:          s.Tenant().Domain(),
		Cloud:           entra.Clouds["global"],
		CustomAuthority: true,
		HTTPClient:      s.HTTPClient(),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := graph.NewAuthenticator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// deviceSignIn signs a in by device code for scopes; upn "" relies on the
// sim's AutoApprove (the scenario's admin approves), else upn approves.
func deviceSignIn(t *testing.T, s *sim.Server, a *graph.Authenticator, upn string, scopes []string) graph.Account {
	t.Helper()
	ctx := testCtx(t)
	dl, err := a.StartDeviceCode(ctx, scopes)
	if err != nil {
		t.Fatal(err)
	}
	if upn != "" {
		if err := s.ApproveDeviceCode(dl.Info().UserCode, upn); err != nil {
			t.Fatal(err)
		}
	}
	acct, err := dl.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// tokenRequests counts the authority's token endpoint calls so far.
func tokenRequests(s *sim.Server) int { return s.Stats().TokenRequests }

func TestAuthDeviceCodeAutoApprove(t *testing.T) {
	s := startSim(t, sim.Options{AutoApprove: true})
	ten := s.Tenant()
	a := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant = "" }) // organizations
	ctx := testCtx(t)
	dl, err := a.StartDeviceCode(ctx, entra.ReadScopes)
	if err != nil {
		t.Fatal(err)
	}
	info := dl.Info()
	if info.UserCode == "" || !strings.HasPrefix(info.VerificationURL, s.BrowserURL()) ||
		!strings.Contains(info.Message, info.UserCode) || !info.ExpiresOn.After(time.Now()) {
		t.Errorf("device code info: %+v", info)
	}
	if _, ok := a.Account(); ok {
		t.Error("account before Wait")
	}
	acct, err := dl.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != ten.AdminUPN() || acct.TenantID != ten.ID() || acct.ObjectID == "" || acct.Name == "" {
		t.Errorf("account: %+v", acct)
	}
	if got, ok := a.Account(); !ok || got != acct {
		t.Errorf("Account() = %+v, %v", got, ok)
	}
}

func TestAuthDeviceCodeApprovedBySomeoneElse(t *testing.T) {
	s := startSim(t, sim.Options{})
	a := newAuth(t, s)
	acct := deviceSignIn(t, s, a, "appadmin@contoso.com", []string{entra.ScopeUserRead})
	if acct.Username != "appadmin@contoso.com" || acct.TenantID != s.Tenant().ID() {
		t.Errorf("account: %+v", acct)
	}
	if n := len(s.PendingDeviceCodes()); n != 0 {
		t.Errorf("%d device codes still pending", n)
	}
}

func TestAuthDeviceCodeDeclined(t *testing.T) {
	s := startSim(t, sim.Options{})
	a := newAuth(t, s)
	ctx := testCtx(t)
	dl, err := a.StartDeviceCode(ctx, []string{entra.ScopeUserRead})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeclineDeviceCode(dl.Info().UserCode); err != nil {
		t.Fatal(err)
	}
	_, err = dl.Wait(ctx)
	var ae *graph.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("Wait after decline = %T %v, want *AuthError", err, err)
	}
	if ae.Code != "authorization_declined" || !ae.HasCode(70000) || ae.Status != 400 {
		t.Errorf("AuthError = %+v", ae)
	}
	msg := err.Error()
	if !strings.Contains(msg, "declined") || strings.ContainsAny(msg, "\r\n") {
		t.Errorf("message %q: want one line that says the sign-in was declined", msg)
	}
	// Nothing secret: no device code, token, trace or the request URL.
	for _, bad := range []string{"device_code", "simAT.", "simRT.", "Trace ID", "http"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
	if _, ok := a.Account(); ok {
		t.Error("account after a declined sign-in")
	}
}

func TestAuthUnknownTenant(t *testing.T) {
	s := startSim(t, sim.Options{})
	a := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant = "fabrikam.com" })
	_, err := a.StartDeviceCode(testCtx(t), []string{entra.ScopeUserRead})
	var ae *graph.AuthError
	if !errors.As(err, &ae) || !ae.HasCode(90002) || !strings.Contains(err.Error(), "fabrikam.com") {
		t.Errorf("unknown tenant: %T %v", err, err)
	}
	if _, err := graph.NewAuthenticator(graph.AuthConfig{LoginURL: "http://127.0.0.1:1"}); err == nil {
		t.Error("plain-http authority accepted")
	}
	if _, err := graph.NewAuthenticator(graph.AuthConfig{ClientID: "not-a-guid"}); err == nil {
		t.Error("bad client id accepted")
	}
}

func TestAuthBrowserSignIn(t *testing.T) {
	s := startSim(t, sim.Options{})
	ten := s.Tenant()
	a := newAuth(t, s)
	acct, err := a.SignInBrowser(testCtx(t), entra.ReadScopes, s.HeadlessOpener(ten.AdminUPN()), "")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != ten.AdminUPN() || acct.TenantID != ten.ID() {
		t.Errorf("account: %+v", acct)
	}
	// login_hint reaches the authorize page: the opener keeps the preselected account.
	b := newAuth(t, s)
	acct, err = b.SignInBrowser(testCtx(t), []string{entra.ScopeUserRead}, s.HeadlessOpener(""), "cloudadmin@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != "cloudadmin@contoso.com" {
		t.Errorf("login hint: signed in as %s", acct.Username)
	}
	// The opener's error (an unknown user) ends the sign-in.
	c := newAuth(t, s)
	_, err = c.SignInBrowser(testCtx(t), []string{entra.ScopeUserRead}, s.HeadlessOpener("nobody@contoso.com"), "")
	if err == nil || !strings.Contains(err.Error(), "50034") {
		t.Errorf("unknown user: %v", err)
	}
}

func TestAuthSilentFromCache(t *testing.T) {
	s := startSim(t, sim.Options{AutoApprove: true})
	a := newAuth(t, s)
	deviceSignIn(t, s, a, "", []string{entra.ScopeUserRead})
	ctx := testCtx(t)

	// A scope the sign-in did not cover: MSAL redeems the refresh token once…
	before := tokenRequests(s)
	tok1, err := a.Token(ctx, []string{entra.ScopeApplicationReadAll})
	if err != nil {
		t.Fatal(err)
	}
	if d := tokenRequests(s) - before; d != 1 {
		t.Errorf("first token for a new scope: %d token requests, want 1 (refresh)", d)
	}
	// …and the second call comes from the cache: no token request at all.
	before = tokenRequests(s)
	tok2, err := a.Token(ctx, []string{entra.ScopeApplicationReadAll})
	if err != nil {
		t.Fatal(err)
	}
	if d := tokenRequests(s) - before; d != 0 {
		t.Errorf("second token: %d token requests, want 0 (cache)", d)
	}
	if tok1 != tok2 || tok1 == "" {
		t.Error("the cached token differs from the first")
	}
	// The originally signed-in scope is cached as well.
	before = tokenRequests(s)
	if _, err := a.Token(ctx, []string{entra.ScopeUserRead}); err != nil {
		t.Fatal(err)
	}
	if d := tokenRequests(s) - before; d != 0 {
		t.Errorf("token for the sign-in scope: %d token requests, want 0", d)
	}
}

func TestAuthRefreshWithShortLifetime(t *testing.T) {
	// MSAL does not cache tokens with under 5 minutes of life (docs/msal.md 2), so
	// every silent call redeems the refresh token.
	s := startSim(t, sim.Options{AutoApprove: true, TokenLifetime: 2 * time.Second})
	a := newAuth(t, s)
	deviceSignIn(t, s, a, "", entra.ReadScopes)
	ctx := testCtx(t)
	seen := map[string]bool{}
	for i := range 3 {
		before := tokenRequests(s)
		tok, err := a.Token(ctx, []string{entra.ScopePolicyReadAll})
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if d := tokenRequests(s) - before; d != 1 {
			t.Errorf("refresh %d: %d token requests, want 1", i, d)
		}
		if seen[tok] {
			t.Errorf("refresh %d returned an earlier token", i)
		}
		seen[tok] = true
	}
	// The refreshed token works against Graph.
	c := newClient(s, a)
	if p, err := c.GetAuthorizationPolicy(ctx); err != nil || p.ID == "" {
		t.Errorf("Graph with a refreshed token: %+v, %v", p, err)
	}
}

func TestAuthIncrementalConsent(t *testing.T) {
	s := startSim(t, sim.Options{AutoApprove: true, RequireConsent: true})
	ten := s.Tenant()
	a := newAuth(t, s)
	deviceSignIn(t, s, a, "", entra.ReadScopes)
	ctx := testCtx(t)
	if _, err := a.Token(ctx, []string{entra.ScopePolicyReadAll}); err != nil {
		t.Fatalf("a read scope consented at sign-in: %v", err)
	}

	// A write scope nobody consented to: interaction is required.
	write := entra.WriteScope(entra.OpUpdateUserConsentPolicies)
	_, err := a.Token(ctx, write)
	var ire *graph.InteractionRequiredError
	if !errors.As(err, &ire) || !errors.Is(err, graph.ErrInteractionRequired) {
		t.Fatalf("Token(%v) = %T %v, want *InteractionRequiredError", write, err, err)
	}
	if ire.Reason != "consent_required" || len(ire.Scopes) != 1 || ire.Scopes[0] != entra.ScopePolicyReadWriteAuthorization {
		t.Errorf("InteractionRequiredError = %+v", ire)
	}
	var ae *graph.AuthError
	if !errors.As(err, &ae) || !ae.HasCode(65001) || ae.SubError != "consent_required" {
		t.Errorf("the cause keeps the authority's error: %T %v", ire.Err, ire.Err)
	}
	// Through the Graph client the same error surfaces, and nothing was sent to Graph.
	c := newClient(s, a)
	before := s.Stats().RoundTrips
	if err := c.UpdateUserConsentPolicies(ctx, nil); !errors.Is(err, graph.ErrInteractionRequired) {
		t.Errorf("write without consent: %v", err)
	}
	if d := s.Stats().RoundTrips - before; d != 0 {
		t.Errorf("%d Graph round trips without a token", d)
	}

	// The caller signs in through the browser for the new scope (the admin
	// accepts the consent page), as the UI's SignIn effect does; then Token
	// succeeds silently.
	if _, err := a.SignInBrowser(ctx, ire.Scopes, s.HeadlessOpener(ten.AdminUPN()), ten.AdminUPN()); err != nil {
		t.Fatalf("browser sign-in for %v: %v", ire.Scopes, err)
	}
	before = tokenRequests(s)
	tok, err := a.Token(ctx, write)
	if err != nil || tok == "" {
		t.Fatalf("Token after the consent: %v", err)
	}
	if d := tokenRequests(s) - before; d != 0 {
		t.Errorf("Token after the consent: %d token requests, want 0 (the sign-in's token is cached)", d)
	}
	grants := ten.Grants(entra.DefaultClientID)
	if len(grants) != 1 || grants[0].ConsentType != "Principal" || !strings.Contains(grants[0].Scope, entra.ScopePolicyReadWriteAuthorization) {
		t.Errorf("the CLI's grant after consent: %+v", grants)
	}
	// The write now goes through; earlier scopes still come silently.
	want := []string{entra.SelfConsentPrefix + entra.PolicyLow}
	if err := c.UpdateUserConsentPolicies(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; strings.Join(got, ",") != want[0] {
		t.Errorf("policy after write: %v", got)
	}
	if _, err := a.Token(ctx, []string{entra.ScopePolicyReadAll}); err != nil {
		t.Errorf("read scope after the incremental consent: %v", err)
	}

	// Concurrent callers after the one consent all get their token from the
	// cache: no further sign-in, no token request.
	before = tokenRequests(s)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { _, errs[i] = a.Token(ctx, write) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if d := tokenRequests(s) - before; d != 0 {
		t.Errorf("%d token requests from concurrent callers, want 0", d)
	}

	// Another write scope still needs its own consent.
	if _, err := a.Token(ctx, entra.WriteScope(entra.OpPutConsentRequestPolicy)); !errors.Is(err, graph.ErrInteractionRequired) {
		t.Errorf("a second write scope without consent: %v", err)
	}
}

func TestAuthNotSignedIn(t *testing.T) {
	s := startSim(t, sim.Options{})
	a := newAuth(t, s)
	_, err := a.Token(testCtx(t), []string{entra.ScopeUserRead})
	var ire *graph.InteractionRequiredError
	if !errors.As(err, &ire) || !errors.Is(err, graph.ErrInteractionRequired) {
		t.Errorf("Token before sign-in: %T %v", err, err)
	}
	if acct, ok := a.Resume(testCtx(t)); ok {
		t.Errorf("Resume without a cache: %+v", acct)
	}
}

// A token cache shared by several tenants: Resume takes the account of the
// tenant it signs in to, and none when only another tenant's is cached.
func TestAuthResumeTakesThisTenantsAccount(t *testing.T) {
	s := startSim(t, sim.Options{AutoApprove: true})
	other, err := s.AddTenant("locked-down")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant, c.Cache = s.Tenant().ID(), fileCache(t, dir) })
	deviceSignIn(t, s, first, "", []string{entra.ScopeUserRead})

	same := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant, c.Cache = s.Tenant().ID(), fileCache(t, dir) })
	if acct, ok := same.Resume(testCtx(t)); !ok || !strings.EqualFold(acct.TenantID, s.Tenant().ID()) {
		t.Fatalf("same tenant: resume = %+v, %v", acct, ok)
	}
	elsewhere := newAuth(t, s, func(c *graph.AuthConfig) { c.Tenant, c.Cache = other.ID(), fileCache(t, dir) })
	if acct, ok := elsewhere.Resume(testCtx(t)); ok {
		t.Fatalf("another tenant must not resume %+v from the shared cache", acct)
	}
}

// A login URL with userinfo is refused: its real host is the one after the @.
func TestAuthRefusesUserinfoLoginURL(t *testing.T) {
	for _, login := range []string{"https://login.microsoftonline.com@evil.example/", "https://login.microsoftonline.com/?x=1"} {
		if _, err := graph.NewAuthenticator(graph.AuthConfig{LoginURL: login}); err == nil {
			t.Errorf("%s accepted", login)
		}
	}
}
