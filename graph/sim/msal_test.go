package sim

import (
	"consentwiz/graph/entra"
	"context"
	stderrors "errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

func newPCA(t *testing.T, s *Server, tenant string) public.Client {
	t.Helper()
	pca, err := public.New(entra.DefaultClientID,
		public.WithAuthority(s.LoginURL()+"/"+tenant),
		public.WithInstanceDiscovery(false),
		public.WithHTTPClient(s.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	return pca
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func graphMe(t *testing.T, s *Server, tok string) string {
	t.Helper()
	r := call(t, s, tok, "GET", "/v1.0/me", nil)
	if r.status != 200 {
		t.Fatalf("/me: %d %s", r.status, r.raw)
	}
	return r.body["userPrincipalName"].(string)
}

func TestMSALDeviceCodeAutoApprove(t *testing.T) {
	s := newSim(t, Options{AutoApprove: true})
	pca := newPCA(t, s, "organizations")
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read", "Policy.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dc.Result.VerificationURL, s.BrowserURL()) || dc.Result.UserCode == "" {
		t.Errorf("device code result: %+v", dc.Result)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.PreferredUsername != s.Tenant().AdminUPN() || res.IDToken.TenantID != s.Tenant().ID() {
		t.Errorf("account %q tid %q", res.Account.PreferredUsername, res.IDToken.TenantID)
	}
	if got := graphMe(t, s, res.AccessToken); got != s.Tenant().AdminUPN() {
		t.Errorf("/me = %s", got)
	}
	// Silent from cache.
	accts, _ := pca.Accounts(ctx(t))
	if len(accts) != 1 {
		t.Fatalf("accounts: %d", len(accts))
	}
	sil, err := pca.AcquireTokenSilent(ctx(t), []string{"Policy.Read.All"}, public.WithSilentAccount(accts[0]))
	if err != nil {
		t.Fatal(err)
	}
	if sil.Metadata.TokenSource != public.TokenSourceCache || sil.AccessToken != res.AccessToken {
		t.Errorf("silent did not come from the cache: %v", sil.Metadata.TokenSource)
	}
	if len(s.PendingDeviceCodes()) != 0 {
		t.Errorf("pending codes left: %v", s.PendingDeviceCodes())
	}
}

func TestMSALDeviceCodeApproved(t *testing.T) {
	s := newSim(t, Options{})
	ten := s.Tenant()
	pca := newPCA(t, s, ten.Domain())
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.PendingDeviceCodes(); len(got) != 1 || got[0] != dc.Result.UserCode {
		t.Fatalf("pending = %v, want %s", got, dc.Result.UserCode)
	}
	if err := s.ApproveDeviceCode("nope", ten.EndUserUPN()); err == nil {
		t.Error("unknown code approved")
	}
	if err := s.ApproveDeviceCode(strings.ToLower(dc.Result.UserCode), ten.EndUserUPN()); err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.PreferredUsername != ten.EndUserUPN() {
		t.Errorf("signed in as %s", res.Account.PreferredUsername)
	}
	// Megan has no role: Graph refuses the policy read even with the scope.
	tok := token(t, s, ten, ten.EndUserUPN(), "Policy.Read.All")
	if r := call(t, s, tok, "GET", "/v1.0/policies/authorizationPolicy", nil); r.status != 403 {
		t.Errorf("megan read policy: %d", r.status)
	}
}

func TestMSALDeviceCodeHTMLApprovalAndDecline(t *testing.T) {
	s := newSim(t, Options{})
	pca := newPCA(t, s, "organizations")
	c := s.HTTPClient()
	for _, decline := range []bool{false, true} {
		dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"})
		if err != nil {
			t.Fatal(err)
		}
		p := get(t, c, dc.Result.VerificationURL)
		p = submit(t, c, p, "next", url.Values{"code": {dc.Result.UserCode}, "login": {"reader@contoso.com"}})
		if !p.has("approve") || !strings.Contains(p.body, "User.Read") {
			t.Fatalf("confirm page: %s", p.body)
		}
		button, want := "approve", "device-approved"
		if decline {
			button, want = "decline", "device-declined"
		}
		if p = submit(t, c, p, button, nil); !p.has(want) {
			t.Fatalf("after %s: %s", button, p.body)
		}
		res, err := dc.AuthenticationResult(ctx(t))
		if decline {
			if err == nil || !strings.Contains(err.Error(), "authorization_declined") {
				t.Errorf("declined: %v", err)
			}
			continue
		}
		if err != nil || res.Account.PreferredUsername != "reader@contoso.com" {
			t.Errorf("approved: %v %q", err, res.Account.PreferredUsername)
		}
	}
}

func TestMSALInteractive(t *testing.T) {
	s := newSim(t, Options{})
	pca := newPCA(t, s, "organizations")
	var seen []string
	res, err := pca.AcquireTokenInteractive(ctx(t), []string{"User.Read", "Policy.Read.All"},
		public.WithOpenURL(opener(t, s, "appadmin@contoso.com", &seen)),
		public.WithRedirectURI("http://localhost:0"), public.WithLoginHint("appadmin@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.PreferredUsername != "appadmin@contoso.com" {
		t.Errorf("account %s", res.Account.PreferredUsername)
	}
	if got := graphMe(t, s, res.AccessToken); got != "appadmin@contoso.com" {
		t.Errorf("/me %s", got)
	}
	sil, err := pca.AcquireTokenSilent(ctx(t), []string{"User.Read"}, public.WithSilentAccount(res.Account))
	if err != nil || sil.Metadata.TokenSource != public.TokenSourceCache {
		t.Errorf("silent: %v %v", err, sil.Metadata.TokenSource)
	}
}

func TestMSALInteractiveBadPKCEAndLoginHint(t *testing.T) {
	s := newSim(t, Options{})
	c := s.HTTPClient()
	q := url.Values{"client_id": {entra.DefaultClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:9/"},
		"scope": {"User.Read openid"}, "state": {"st"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"}, "response_mode": {"form_post"}, "login_hint": {"pra@contoso.com"}}
	p := get(t, c, s.LoginURL()+"/organizations/oauth2/v2.0/authorize?"+q.Encode())
	if !strings.Contains(p.body, `value="pra@contoso.com"`) {
		t.Errorf("login_hint not preselected")
	}
	p = submit(t, c, p, "signin", nil)
	m := reInput.FindAllStringSubmatch(p.body, -1)
	code := ""
	for _, in := range m {
		if a := attrs(in[1]); a["name"] == "code" {
			code = a["value"]
		}
	}
	if code == "" || !p.has("form_post") || !strings.Contains(p.body, `action="http://localhost:9/"`) {
		t.Fatalf("form_post page: %s", p.body)
	}
	post := func(verifier, redirect string) resp {
		res, err := c.PostForm(s.LoginURL()+"/organizations/oauth2/v2.0/token", url.Values{
			"client_id": {entra.DefaultClientID}, "grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {verifier}, "redirect_uri": {redirect}, "scope": {"User.Read openid"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, raw: b}
	}
	if r := post("wrong-verifier", "http://localhost:9/"); r.status != 400 || !strings.Contains(string(r.raw), "501481") {
		t.Errorf("bad verifier: %d %s", r.status, r.raw)
	}
	// The code is single use: even the right verifier now fails.
	if r := post("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "http://localhost:9/"); r.status != 400 {
		t.Errorf("reused code: %d", r.status)
	}
}

func TestMSALRefreshWithShortLifetime(t *testing.T) {
	s := newSim(t, Options{AutoApprove: true, TokenLifetime: 2 * time.Second})
	pca := newPCA(t, s, "organizations")
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	before := s.Stats().TokenRequests
	// MSAL never caches tokens living < 5 minutes, so silent redeems the refresh token.
	sil, err := pca.AcquireTokenSilent(ctx(t), []string{"User.Read"}, public.WithSilentAccount(res.Account))
	if err != nil {
		t.Fatal(err)
	}
	if sil.Metadata.TokenSource != public.TokenSourceIdentityProvider || sil.AccessToken == res.AccessToken {
		t.Errorf("silent was not a refresh: %v", sil.Metadata.TokenSource)
	}
	if s.Stats().TokenRequests != before+1 {
		t.Errorf("token requests %d → %d", before, s.Stats().TokenRequests)
	}
	graphMe(t, s, sil.AccessToken)
}

func TestMSALIncrementalConsent(t *testing.T) {
	s := newSim(t, Options{AutoApprove: true, RequireConsent: true})
	ten := s.Tenant()
	pca := newPCA(t, s, "organizations")
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	// The device code approval recorded the admin's consent as a Principal grant.
	grants := ten.Grants(entra.DefaultClientID)
	if len(grants) != 1 || grants[0].ConsentType != "Principal" || !strings.Contains(grants[0].Scope, "User.Read") {
		t.Fatalf("grants after device code: %+v", grants)
	}
	_, err = pca.AcquireTokenSilent(ctx(t), []string{"Policy.Read.All"}, public.WithSilentAccount(res.Account))
	var ce msalerrors.CallErr
	if err == nil || !stderrors.As(err, &ce) || !strings.Contains(err.Error(), "65001") || !strings.Contains(err.Error(), "consent_required") {
		t.Fatalf("silent for a new scope: %v", err)
	}
	var seen []string
	ir, err := pca.AcquireTokenInteractive(ctx(t), []string{"Policy.Read.All"},
		public.WithOpenURL(opener(t, s, ten.AdminUPN(), &seen)), public.WithRedirectURI("http://localhost:0"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "consent,form_post" {
		t.Errorf("pages: %v", seen)
	}
	for _, scopes := range [][]string{{"Policy.Read.All"}, {"User.Read"}, {"User.Read", "Policy.Read.All"}} {
		if _, err := pca.AcquireTokenSilent(ctx(t), scopes, public.WithSilentAccount(ir.Account)); err != nil {
			t.Errorf("silent %v: %v", scopes, err)
		}
	}
	// A non-admin may not consent to an Admin-type scope for the CLI.
	_, err = pca.AcquireTokenInteractive(ctx(t), []string{"Policy.Read.All"},
		public.WithOpenURL(opener(t, s, ten.EndUserUPN(), nil)), public.WithRedirectURI("http://localhost:0"))
	if err == nil || !strings.Contains(err.Error(), "sign-in blocked") || !strings.Contains(err.Error(), "AADSTS") {
		t.Errorf("megan consenting to Policy.Read.All: %v", err)
	}
}

func TestMSALTenantByDomainAndUnknownDomain(t *testing.T) {
	s := newSim(t, Options{AutoApprove: true})
	for _, seg := range []string{"contoso.onmicrosoft.com", "contoso.com", s.Tenant().ID()} {
		r := call(t, s, "", "GET", s.LoginURL()+"/"+seg+"/v2.0/.well-known/openid-configuration", nil)
		if r.status != 200 || r.body["issuer"] != s.LoginURL()+"/"+s.Tenant().ID()+"/v2.0" || r.body["tenant_region_scope"] == nil {
			t.Errorf("%s: %d %v", seg, r.status, r.body["issuer"])
		}
		tokURL, _ := r.body["token_endpoint"].(string)
		if strings.Count(tokURL, "token") != 1 {
			t.Errorf("token endpoint %q must contain 'token' once (MSAL derives devicecode)", tokURL)
		}
	}
	r := call(t, s, "", "GET", s.LoginURL()+"/organizations/v2.0/.well-known/openid-configuration", nil)
	if r.body["issuer"] != s.LoginURL()+"/{tenantid}/v2.0" {
		t.Errorf("organizations issuer %v", r.body["issuer"])
	}
	r = call(t, s, "", "GET", s.LoginURL()+"/fabrikam.com/v2.0/.well-known/openid-configuration", nil)
	if r.status != 400 || !strings.Contains(r.body["error_description"].(string), "AADSTS90002: Tenant 'fabrikam.com' not found") {
		t.Errorf("unknown domain: %d %s", r.status, r.raw)
	}
	// MSAL against an authority named by domain.
	pca := newPCA(t, s, "contoso.onmicrosoft.com")
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.AuthenticationResult(ctx(t)); err != nil {
		t.Fatal(err)
	}
	bad := newPCA(t, s, "fabrikam.com")
	if _, err := bad.AcquireTokenByDeviceCode(ctx(t), []string{"User.Read"}); err == nil || !strings.Contains(err.Error(), "90002") {
		t.Errorf("unknown tenant via MSAL: %v", err)
	}
}

func TestManyTenants(t *testing.T) {
	s := newSim(t, Options{AutoApprove: true})
	t2, err := s.AddTenant("granted")
	if err != nil {
		t.Fatal(err)
	}
	if t2.ID() == s.Tenant().ID() || t2.Domain() != "contoso2.com" || t2.AdminUPN() != "admin@contoso2.com" {
		t.Fatalf("second tenant: %s %s %s", t2.ID(), t2.Domain(), t2.AdminUPN())
	}
	pca := newPCA(t, s, t2.Domain())
	dc, err := pca.AcquireTokenByDeviceCode(ctx(t), []string{"Application.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.IDToken.TenantID != t2.ID() {
		t.Errorf("tid %s", res.IDToken.TenantID)
	}
	r := call(t, s, res.AccessToken, "GET", "/v1.0/servicePrincipals(appId='"+TrackerRMSAppID+"')", nil)
	if r.status != 200 {
		t.Errorf("granted tenant has the SP: %d", r.status)
	}
	if _, err := s.AddTenant("nope"); err == nil {
		t.Error("unknown scenario accepted")
	}
}
