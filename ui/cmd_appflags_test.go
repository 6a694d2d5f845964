package ui

import (
	"strings"
	"testing"
)

// TestAppFlagsOneRule: more than one of --app, --url, --error and --profile
// is one error line for every command (the wizard included), except --error
// beside another one in `handoff`; --scope completes whichever names the app.
func TestAppFlagsOneRule(t *testing.T) {
	const id = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	url := "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + id + "&scope=User.Read"
	cases := []struct {
		name    string
		f       AppFlags
		wantErr string // "" when the flags are fine
		client  string
		scopes  string
	}{
		{name: "none", wantErr: "name the app with --app ID"},
		{name: "app", f: AppFlags{App: id}, client: id},
		{name: "app and scope", f: AppFlags{App: id, Scopes: []string{"User.Read", "Mail.Send"}}, client: id, scopes: "User.Read Mail.Send"},
		{name: "profile and scope", f: AppFlags{Profile: "trackerrms", Scopes: []string{"User.Read"}}, client: id, scopes: "User.Read"},
		{name: "app and url", f: AppFlags{App: id, URL: url}, wantErr: "name the app once: use only one of --app, --url"},
		{name: "profile and error", f: AppFlags{Profile: "trackerrms", Error: "AADSTS90094"}, wantErr: "use only one of --profile, --error"},
		{name: "handoff: app and error", f: AppFlags{App: id, Error: "AADSTS90094", ErrorExplains: true}, client: id},
		{name: "handoff: app, url and error", f: AppFlags{App: id, URL: url, Error: "AADSTS90094", ErrorExplains: true}, wantErr: "use only one of --app, --url"},
		{name: "handoff: error alone", f: AppFlags{Error: "AADSTS90094 client_id=" + id, ErrorExplains: true}, client: id},
		{name: "no client id", f: AppFlags{Error: "AADSTS90094"}, wantErr: "no app id found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref, err := c.f.Ref()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("Ref() = %+v, %v; want one line with %q", ref, err, c.wantErr)
				}
				if _, _, _, werr := c.f.wizardApp(); strings.HasPrefix(c.wantErr, "name the app once") && werr == nil {
					t.Errorf("the wizard takes %+v without a word", c.f)
				}
				return
			}
			if err != nil || ref.ClientID != c.client {
				t.Fatalf("Ref() = %+v, %v; want client %s", ref, err, c.client)
			}
			if c.scopes != "" && strings.Join(ref.Scopes, " ") != c.scopes {
				t.Errorf("scopes %q, want %q", ref.Scopes, c.scopes)
			}
		})
	}

	// The tenant: --tenant, else the one the URL names.
	f := AppFlags{URL: url}
	ref, err := f.Ref()
	if err != nil || f.tenantFor(ref) != "contoso.com" {
		t.Errorf("tenant from the URL: %q (%v)", f.tenantFor(ref), err)
	}
	f.Tenant = "fabrikam.com"
	if f.tenantFor(ref) != "fabrikam.com" {
		t.Errorf("--tenant must win over the URL's tenant, got %q", f.tenantFor(ref))
	}
}
