package flows

import (
	"strings"
	"testing"
)

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=openid%20User.Read&redirect_uri=https://a.example/cb&prompt=consent",
		"https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&response_type=code",
		"https://login.microsoftonline.us/" + tTenant + "/v2.0/adminconsent?client_id=" + tClient + "&scope=https://graph.microsoft.us/.default",
		"https://login.partner.microsoftonline.cn/x.cn/adminconsent?client_id=" + tClient,
		"http://127.0.0.1:8443/contoso.com/adminconsent?client_id=" + tClient,
		"https://login.microsoftonline.com/error?code=90094",
		"https://a.example/cb?error=access_denied&error_description=AADSTS65004",
		"https://a.example/cb#error_description=AADSTS90094&client_id=" + tClient,
		"login.microsoftonline.com/common/oauth2/authorize?client_id=%zz",
		"https://[::1]:99/x", "https://%00/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseURL(s)
		if err != nil {
			return
		}
		if r.ClientID != "" && NormalizeGUID(r.ClientID) != r.ClientID {
			t.Fatalf("client id %q not normalized", r.ClientID)
		}
		for _, u := range r.RedirectURIs {
			if _, err := ValidateRedirectURI(u); err != nil {
				t.Fatalf("invalid redirect kept: %v", err)
			}
		}
		if r.TenantHint != "" {
			if _, _, err := ParseTenant(r.TenantHint); err != nil {
				t.Fatalf("invalid tenant kept: %q", r.TenantHint)
			}
		}
		for _, sc := range r.Scopes {
			if !scopeTokenRE.MatchString(sc) {
				t.Fatalf("invalid scope kept: %q", sc)
			}
		}
		for _, v := range []string{r.DisplayName, r.Notes, r.Prompt} {
			if Sanitize(v, 0) != v && !strings.Contains(v, "  ") {
				t.Fatalf("unsanitized %q", v)
			}
		}
	})
}

func FuzzParseErrorText(f *testing.F) {
	for _, s := range []string{
		"AADSTS90094: The grant requires admin permission. Application 'TrackerRMS'(" + tClient + ")",
		"AADSTS700016: Application with identifier '" + tClient + "' was not found in the directory 'contoso.com'.",
		"Request Id: " + tTenant + "\nCorrelation Id: " + tTenant + "\nApp id: " + tClient,
		"see https://login.microsoftonline.com/contoso.com/oauth2/authorize?client_id=" + tClient,
		"Error code: 50105 Tenant: contoso.com",
		"Application '\x1b]52;c;AAAA\x07'(" + tClient + ")",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseErrorText(s)
		if err != nil {
			return
		}
		if r.ClientID != "" && NormalizeGUID(r.ClientID) != r.ClientID {
			t.Fatalf("client id %q", r.ClientID)
		}
		if Sanitize(r.DisplayName, 80) != r.DisplayName {
			t.Fatalf("display name not sanitized: %q", r.DisplayName)
		}
		if r.TenantHint != "" {
			if _, _, err := ParseTenant(r.TenantHint); err != nil {
				t.Fatalf("invalid tenant kept: %q", r.TenantHint)
			}
		}
		_, _ = Explain(s)
		_, _ = ParseApp(s)
	})
}
