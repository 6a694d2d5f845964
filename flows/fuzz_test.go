package flows

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		"https://login.microsoftonline.com/{tenant-id}/adminconsent?client_id=" + tClient,
		"https://login.live.com/oauth20_authorize.srf?client_id=" + tClient,
		"https://login.microsoftonline.de/common/oauth2/authorize",
		"https://a.example/cb?error=access_denied&error_subcode=cancel&state=x",
		"https://a.example/cb?admin_consent=True&tenant=" + tTenant,
		"https://login.microsoftonline.com/common/reprocess?ctx=x",
		"https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.microsoftonline.com%2Fcontoso.com%2Fadminconsent%3Fclient_id%3D" + tClient + "&data=x",
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
		"AADSTS50020: ... cannot access the application '" + tClient + "'(Microsoft Azure) in that tenant.",
		"AADSTS65002: Consent between first party application '" + tClient + "' and first party resource '" + tTenant + "'",
		"AADSTS650052: The app needs access to a service (\\\"https://x.example\\\") that your organization \\\"" + tTenant + "\\\" has not subscribed",
		"Request Id: " + tTenant + " Correlation Id: " + tTenant + " Timestamp: 2026-01-01T00:00:00Z Message: AADSTS90095: x App name: TrackerRMS App id: " + tClient,
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

// exampleInputs are the collected real inputs (testdata/inputs), as fuzz seeds.
func exampleInputs(f *testing.F) []string {
	files, _ := filepath.Glob(filepath.Join("testdata", "inputs", "*.json"))
	var out []string
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var exs []inputExample
		if err := json.Unmarshal(b, &exs); err != nil {
			f.Fatal(err)
		}
		for _, ex := range exs {
			out = append(out, ex.Input)
		}
	}
	return out
}

// FuzzRead covers the new paths: multi-line and joined "Troubleshooting
// details" blocks, JSON error bodies, escaped log lines, wrapped and broken
// links. Whatever the input, a client id is a normalized GUID taken from an
// app or client label, every kept value is valid and sanitized, errors are one
// clean line, and Explain reads the input the same way.
func FuzzRead(f *testing.F) {
	for _, s := range exampleInputs(f) {
		f.Add(s)
	}
	for _, s := range []string{
		"Request Id: " + tTenant + " Correlation Id: " + tTenant + " App name: X App id: " + tClient,
		`{"error_description":"AADSTS90094: x\r\nTrace ID: ` + tTenant + `","error_codes":[90094]}`,
		"> https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.microsoftonline.com%2F%7Btenant%7D%2Fadminconsent%3Fclient_id%3D" + tClient + "&amp;data=x",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__login.microsoftonline.com_common_adminconsent-3Fclient-5Fid-3D" + tClient + "&d=x",
		"https://login.microsoftonline.com/{tenant}/v2.0/adminconsent?\n client_id=" + tClient + "\n &scope=\n https://graph.microsoft.com/a.b",
		"Need admin approval\n\x1b]52;c;AAAA\x07 needs permission to access resources in your organization",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Read(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || Sanitize(err.Error(), 0) != err.Error() {
				t.Fatalf("error is not one clean line: %q", err)
			}
			return
		}
		a := r.App
		if a.ClientID != "" && NormalizeGUID(a.ClientID) != a.ClientID {
			t.Fatalf("client id %q not normalized", a.ClientID)
		}
		if l := strings.ToLower(s); r.Kind != KindClientID && a.ClientID != "" && !strings.Contains(l, "app") && !strings.Contains(l, "client") && !strings.Contains(l, "trackerrms") {
			t.Fatalf("client id %q taken without an app or client label", a.ClientID)
		}
		for _, u := range a.RedirectURIs {
			if _, err := ValidateRedirectURI(u); err != nil {
				t.Fatalf("invalid redirect kept: %v", err)
			}
		}
		if a.TenantHint != "" {
			if _, _, err := ParseTenant(a.TenantHint); err != nil {
				t.Fatalf("invalid tenant kept: %q", a.TenantHint)
			}
		}
		for _, v := range append([]string{a.DisplayName, r.TenantName, r.ResourceID, r.PlaceholderTenant, r.PlaceholderClient}, r.Notes...) {
			if Sanitize(v, 0) != v {
				t.Fatalf("unsanitized %q", v)
			}
		}
		if _, err := r.AppRef(); err != nil && (strings.Contains(err.Error(), "\n") || Sanitize(err.Error(), 0) != err.Error()) {
			t.Fatalf("AppRef error is not one clean line: %q", err)
		}
		if e, err := Explain(s); err == nil && !bareCodeRE.MatchString(strings.TrimSpace(s)) && (e.App.ClientID != a.ClientID || e.Code != a.ErrorCode) {
			t.Fatalf("Explain read %q/%d, Read %q/%d", e.App.ClientID, e.Code, a.ClientID, a.ErrorCode)
		}
	})
}

// FuzzUnwrap: finding, joining and unwrapping links always ends, keeps at most
// 8 links, and never returns whitespace inside a link.
func FuzzUnwrap(f *testing.F) {
	for _, s := range exampleInputs(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		urls, _ := extractURLs(stripQuotes(unescapeText(s)))
		if len(urls) > 8 {
			t.Fatalf("%d links", len(urls))
		}
		for _, u := range urls {
			if strings.ContainsAny(u, " \t\r\n") {
				t.Fatalf("whitespace in %q", u)
			}
			inner, names := unwrapURL(u)
			if len(names) > 5 || (len(names) == 0 && inner != u) {
				t.Fatalf("unwrap %q -> %q %v", u, inner, names)
			}
		}
	})
}

// FuzzParseProfile: a vendor's file never yields an invalid profile.
func FuzzParseProfile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "assets", "apps", "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name":"x","clientId":"` + tClient + `","scopes":["a.b"],"consentVersion":"v2","redirectUris":{"eu":"https://a.example/cb"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ref, err := ParseProfile(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || Sanitize(err.Error(), 0) != err.Error() {
				t.Fatalf("error is not one clean line: %q", err)
			}
			return
		}
		if NormalizeGUID(ref.ClientID) != ref.ClientID || ref.Profile == "" {
			t.Fatalf("%+v", ref)
		}
		for _, u := range ref.RedirectURIs {
			if _, err := ValidateRedirectURI(u); err != nil || !strings.HasPrefix(u, "https://") {
				t.Fatalf("redirect %q", u)
			}
		}
	})
}
