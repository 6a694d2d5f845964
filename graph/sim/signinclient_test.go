package sim

import (
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// The sign-in client is an app like any other (docs/entra.md 0,
// application-consent-experience.md): its read scopes are admin-consent
// scopes, so where nobody has consented to it the admin's first sign-in asks
// for consent (with the "on behalf of your organization" box for Privileged
// Role Administrator and above), and a Global Reader or a user is stopped:
// AADSTS90094 on the page, AADSTS65001 consent_required to the client.

func newAuthenticator(t *testing.T, s *Server) *graph.Authenticator {
	t.Helper()
	a, err := graph.NewAuthenticator(graph.AuthConfig{LoginURL: s.LoginURL(), Tenant: s.Tenant().Domain(),
		Cloud: entra.Clouds["global"], CustomAuthority: true, HTTPClient: s.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// devicePage opens the device code page, enters the code and signs in as upn.
func devicePage(t *testing.T, s *Server, code, upn string) page {
	t.Helper()
	c := s.HTTPClient()
	p := get(t, c, s.BrowserURL()+"/devicelogin")
	return submit(t, c, p, "next", url.Values{"code": {code}, "login": {upn}})
}

func TestSignInClientNeedsConsent(t *testing.T) {
	s := newSim(t, Options{Scenario: "cli-not-consented"})
	ten := s.Tenant()
	if g := ten.Grants(entra.DefaultClientID); len(g) != 0 {
		t.Fatalf("cli-not-consented holds grants for the client: %+v", g)
	}

	// The admin: a consent prompt with the organization box; accepting it for
	// the organization signs the admin in.
	a := newAuthenticator(t, s)
	dl, err := a.StartDeviceCode(ctx(t), entra.ReadScopes)
	if err != nil {
		t.Fatal(err)
	}
	p := devicePage(t, s, dl.Info().UserCode, ten.AdminUPN())
	if !p.has("device-consent") || !p.has("consent_org") || !strings.Contains(p.body, "Policy.Read.All") {
		t.Fatalf("the admin's first sign-in must show the consent prompt with the organization box: %s", p.body)
	}
	if r := submit(t, s.HTTPClient(), p, "approve", url.Values{"consent_org": {"on"}}); !r.has("device-approved") {
		t.Fatalf("accept: %s", r.body)
	}
	if acct, err := dl.Wait(ctx(t)); err != nil || acct.Username != ten.AdminUPN() {
		t.Fatalf("admin sign-in: %+v %v", acct, err)
	}
	if g := ten.Grants(entra.DefaultClientID); len(g) != 1 || g[0].ConsentType != "AllPrincipals" {
		t.Errorf("consent on behalf of the organization: %+v", g)
	}

	// A Global Reader and a user in a second tenant where nobody consented:
	// 90094 on the page, 65001 consent_required to the polling client.
	s2 := newSim(t, Options{Scenario: "cli-not-consented"})
	for _, upn := range []string{"reader@contoso.com", s2.Tenant().EndUserUPN()} {
		a := newAuthenticator(t, s2)
		dl, err := a.StartDeviceCode(ctx(t), entra.ReadScopes)
		if err != nil {
			t.Fatal(err)
		}
		p := devicePage(t, s2, dl.Info().UserCode, upn)
		if !strings.Contains(p.body, `data-result="need-admin-approval"`) || !strings.Contains(p.body, "AADSTS90094") {
			t.Errorf("%s: the device code page must stop the user with AADSTS90094: %s", upn, p.body)
		}
		_, err = dl.Wait(ctx(t))
		var ae *graph.AuthError
		if !errors.As(err, &ae) || !ae.HasCode(65001) || ae.SubError != "consent_required" || ae.Code != "invalid_grant" {
			t.Errorf("%s: the client must see AADSTS65001 consent_required: %T %v", upn, err, err)
		}
	}
	// The same through the approval API (terminal approval, --auto-approve).
	a = newAuthenticator(t, s2)
	dl, err = a.StartDeviceCode(ctx(t), entra.ReadScopes)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.ApproveDeviceCode(dl.Info().UserCode, "reader@contoso.com"); err == nil || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Errorf("a Global Reader approving: %v", err)
	}
	if _, err := dl.Wait(ctx(t)); err == nil || !strings.Contains(err.Error(), "AADSTS65001") {
		t.Errorf("after a refused approval: %v", err)
	}
	// The browser sign-in of a Global Reader stops on the same page.
	b := newAuthenticator(t, s2)
	if _, err := b.SignInBrowser(ctx(t), entra.ReadScopes, s2.HeadlessOpener("reader@contoso.com"), ""); err == nil || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Errorf("browser sign-in of a Global Reader: %v", err)
	}
}

// In the other scenarios an administrator has consented to the client's read
// scopes for the organization: a Global Reader signs in; a write scope is
// asked for incrementally, and the box shows for Privileged Role
// Administrators and above only.
func TestSignInClientReadScopesConsentedWriteScopesAsked(t *testing.T) {
	s := newSim(t, Options{Scenario: "locked-down"})
	ten := s.Tenant()
	a := newAuthenticator(t, s)
	dl, err := a.StartDeviceCode(ctx(t), entra.ReadScopes)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveDeviceCode(dl.Info().UserCode, "reader@contoso.com"); err != nil {
		t.Fatalf("a Global Reader with the read scopes consented tenant-wide: %v", err)
	}
	if _, err := dl.Wait(ctx(t)); err != nil {
		t.Fatal(err)
	}
	write := []string{"Policy.ReadWrite.Authorization"}
	for _, c := range []struct {
		upn     string
		showOrg bool
	}{{"admin@contoso.com", true}, {"pra@contoso.com", true}, {"cloudadmin@contoso.com", false}, {"appadmin@contoso.com", false}} {
		a := newAuthenticator(t, s)
		dl, err := a.StartDeviceCode(ctx(t), write)
		if err != nil {
			t.Fatal(err)
		}
		p := devicePage(t, s, dl.Info().UserCode, c.upn)
		if !p.has("device-consent") || !strings.Contains(p.body, "Policy.ReadWrite.Authorization") || p.has("consent_org") != c.showOrg {
			t.Errorf("%s asking a write scope: consent prompt with box=%v expected: %s", c.upn, c.showOrg, p.body)
		}
		_ = s.DeclineDeviceCode(dl.Info().UserCode)
	}
	// The admin's accepted incremental consent is the admin's own (no box ticked).
	a2 := newAuthenticator(t, s)
	dl, _ = a2.StartDeviceCode(ctx(t), write)
	if err := s.ApproveDeviceCode(dl.Info().UserCode, ten.AdminUPN()); err != nil {
		t.Fatal(err)
	}
	if _, err := dl.Wait(ctx(t)); err != nil {
		t.Fatal(err)
	}
	principal := 0
	for _, g := range ten.Grants(entra.DefaultClientID) {
		if g.ConsentType == "Principal" && strings.Contains(g.Scope, "Policy.ReadWrite.Authorization") {
			principal++
		}
	}
	if principal != 1 {
		t.Errorf("grants: %+v", ten.Grants(entra.DefaultClientID))
	}
}
