package flows

import (
	"strings"
	"testing"

	"consentwiz/graph/entra"
)

func TestParseApp(t *testing.T) {
	tests := []struct {
		name, in string
		want     AppRef
		check    func(t *testing.T, r AppRef)
		err      string
	}{
		{name: "guid", in: "  5353A3D2-8CA9-42D2-B567-EA399CCB5E38 ", want: AppRef{ClientID: tClient}},
		{name: "braced guid", in: "{5353a3d2-8ca9-42d2-b567-ea399ccb5e38}", want: AppRef{ClientID: tClient}},
		{name: "profile", in: "TRACKERrms", check: func(t *testing.T, r AppRef) {
			if r.ClientID != tClient || r.Profile != "TrackerRMS" || r.ConsentVersion != "v1" || len(r.Scopes) != 4 || len(r.RedirectURIs) != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{name: "v2 authorize URL", in: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=" + tClient +
			"&response_type=code&redirect_uri=https%3A%2F%2Fukevo.tracker-rms.com%2FOffice365%2FCallBack&scope=openid%20profile%20offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite%20https%3A%2F%2Fgraph.microsoft.com%2FMail.Send&prompt=consent",
			check: func(t *testing.T, r AppRef) {
				if r.ClientID != tClient || r.TenantHint != "contoso.onmicrosoft.com" || r.ConsentVersion != "v2" || r.Prompt != "consent" ||
					strings.Join(r.Scopes, " ") != "offline_access Calendars.ReadWrite Mail.Send" ||
					r.RedirectURIs[0] != "https://ukevo.tracker-rms.com/Office365/CallBack" || r.CloudHint != "global" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "error text", in: "AADSTS90094: The grant requires admin permission.\nApplication 'TrackerRMS'(" + tClient + ")", check: func(t *testing.T, r AppRef) {
			if r.ClientID != tClient || r.ErrorCode != 90094 || r.DisplayName != "TrackerRMS" {
				t.Errorf("%+v", r)
			}
		}},
		{name: "empty", in: "  ", err: "no app given"},
		{name: "junk word", in: "abc", err: `"abc" is not a client id`},
		{name: "error text without app", in: "AADSTS90094: admin approval needed", err: "it shows AADSTS90094"},
		{name: "url without client", in: "https://login.microsoftonline.com/common/oauth2/authorize?scope=User.Read", err: "no client_id"},
		{name: "error page URL", in: "https://login.microsoftonline.com/error?code=90094", err: "has no client_id"},
		{name: "bad client id", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=abc", err: `client_id is not a GUID: "abc"`},
		{name: "text with nothing", in: "hello there friend", err: "no AADSTS code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseApp(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, r)
			} else if r.ClientID != tc.want.ClientID {
				t.Errorf("%+v", r)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(t *testing.T, r AppRef)
		err      string
	}{
		{name: "v1 authorize, plus-separated", in: "https://login.microsoftonline.com/" + tTenant + "/oauth2/authorize?client_id=" + tClient + "&scope=User.Read+Calendars.ReadWrite&response_type=code+id_token",
			check: func(t *testing.T, r AppRef) {
				if r.TenantHint != tTenant || r.ConsentVersion != "v1" || strings.Join(r.Scopes, ",") != "User.Read,Calendars.ReadWrite" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "v1 adminconsent", in: "https://login.microsoftonline.com/contoso.com/adminconsent?client_id=" + tClient + "&redirect_uri=https://ukevo.tracker-rms.com/Office365/CallBack&state=x",
			check: func(t *testing.T, r AppRef) {
				if r.TenantHint != "contoso.com" || r.ConsentVersion != "v1" || len(r.RedirectURIs) != 1 {
					t.Errorf("%+v", r)
				}
			}},
		{name: "v2 adminConsent mixed case, usgov", in: "https://login.microsoftonline.us/contoso.us/v2.0/adminConsent?client_id=" + tClient + "&scope=https://graph.microsoft.us/Mail.Send%20https://dod-graph.microsoft.us/User.Read",
			check: func(t *testing.T, r AppRef) {
				if r.ConsentVersion != "v2" || r.CloudHint != "usgov" || strings.Join(r.Scopes, ",") != "Mail.Send,User.Read" || r.TenantHint != "contoso.us" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "china, .default and other API", in: "https://login.partner.microsoftonline.cn/organizations/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=https%3A%2F%2Fmicrosoftgraph.chinacloudapi.cn%2F.default+https%3A%2F%2Foutlook.office.com%2FEWS.AccessAsUser.All",
			check: func(t *testing.T, r AppRef) {
				if r.CloudHint != "china" || len(r.Scopes) != 0 || r.TenantHint != "" || len(r.OtherScopes) != 1 || !strings.Contains(r.Notes, ".default") {
					t.Errorf("%+v", r)
				}
			}},
		{name: "double-encoded scope, prompt=admin_consent", in: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=User.Read%2520Mail.Send&prompt=admin_consent",
			check: func(t *testing.T, r AppRef) {
				if strings.Join(r.Scopes, ",") != "User.Read,Mail.Send" || r.Prompt != "admin_consent" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "no scheme", in: "login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient, check: func(t *testing.T, r AppRef) {
			if r.ClientID != tClient {
				t.Errorf("%+v", r)
			}
		}},
		{name: "loopback http sim", in: "http://127.0.0.1:8443/contoso.com/adminconsent?client_id=" + tClient, check: func(t *testing.T, r AppRef) {
			if r.LoginHost != "127.0.0.1:8443" || r.TenantHint != "contoso.com" {
				t.Errorf("%+v", r)
			}
		}},
		{name: "redirect with error", in: "https://ukevo.tracker-rms.com/Office365/CallBack?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.+Trace+ID%3A+aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
			check: func(t *testing.T, r AppRef) {
				if r.ErrorCode != 65004 || r.TraceID != "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "fragment response", in: "https://app.example.com/cb#error=interaction_required&error_description=AADSTS90094+admin+needed&client_id=" + tClient,
			check: func(t *testing.T, r AppRef) {
				if r.ErrorCode != 90094 || r.ClientID != tClient {
					t.Errorf("%+v", r)
				}
			}},
		{name: "error page", in: "https://login.microsoftonline.com/error?code=50105", check: func(t *testing.T, r AppRef) {
			if r.ErrorCode != 50105 {
				t.Errorf("%+v", r)
			}
		}},
		{name: "vendor path is not a tenant", in: "https://app.vendor.com/oauth/authorize?client_id=" + tClient, check: func(t *testing.T, r AppRef) {
			if r.TenantHint != "" || r.ConsentVersion != "" {
				t.Errorf("%+v", r)
			}
		}},
		{name: "adminconsent success redirect", in: "https://ukevo.tracker-rms.com/Office365/CallBack?admin_consent=True&tenant=" + tTenant + "&client_id=" + tClient,
			check: func(t *testing.T, r AppRef) {
				if r.TenantHint != tTenant {
					t.Errorf("%+v", r)
				}
			}},
		{name: "not https", in: "ftp://login.microsoftonline.com/x?client_id=" + tClient, err: "URL is not https"},
		{name: "http not loopback", in: "http://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient, err: "URL is not https"},
		{name: "bad host", in: "https://bad_host!/common/oauth2/authorize?client_id=" + tClient, err: "not"},
		{name: "user info", in: "https://user:pw@login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient, err: "user info"},
		{name: "bad tenant", in: "https://login.microsoftonline.com/contoso/oauth2/authorize?client_id=" + tClient, err: `tenant "contoso"`},
		{name: "bad redirect", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&redirect_uri=http://evil.example/cb", err: "redirect_uri is not an https URL"},
		{name: "javascript redirect", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&redirect_uri=javascript:alert(1)", err: "redirect_uri is not an https URL"},
		{name: "bad scope", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&scope=User.Read%20%3Cscript%3E", err: "scope contains an invalid permission"},
		{name: "bad prompt", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&prompt=evil", err: "prompt is not a known value"},
		{name: "bad response_type", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&response_type=evil", err: "response_type"},
		{name: "escape in client id", in: "https://login.microsoftonline.com/common/oauth2/authorize?client_id=%1B%5B2J", err: `client_id is not a GUID: ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := readURL(tc.in)
			r := rd.App
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				assertClean(t, err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}

func TestParseErrorText(t *testing.T) {
	tests := []struct {
		name, in string
		want     AppRef
		err      bool
	}{
		{name: "need admin approval page", in: `Need admin approval
TrackerRMS
needs permission to access resources in your organization that only an admin can grant.
Request Id: 0b8d6a32-9a62-4b3e-8c1b-2f0f8a1c0e00
Correlation Id: 1a2b3c4d-1111-2222-3333-444455556666
Timestamp: 2026-01-01T10:00:00Z
Message: AADSTS90094: The grant requires admin permission.
App name: TrackerRMS
App id: ` + tClient,
			want: AppRef{ClientID: tClient, DisplayName: "TrackerRMS", ErrorCode: 90094, CorrelationID: "1a2b3c4d-1111-2222-3333-444455556666", TraceID: "0b8d6a32-9a62-4b3e-8c1b-2f0f8a1c0e00"}},
		{name: "700016", in: "AADSTS700016: Application with identifier '" + strings.ToUpper(tClient) + "' was not found in the directory 'contoso.onmicrosoft.com'. Trace ID: aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa Correlation ID: bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb",
			want: AppRef{ClientID: tClient, ErrorCode: 700016, TenantHint: "contoso.onmicrosoft.com", TraceID: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", CorrelationID: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}},
		{name: "application quoted", in: "AADSTS65001: The user or administrator has not consented to use the application with ID '" + tClient + "' named 'TrackerRMS'.",
			want: AppRef{ClientID: tClient, ErrorCode: 65001, DisplayName: "TrackerRMS"}},
		{name: "application name(guid)", in: "AADSTS50105: Your administrator has configured the application TrackerRMS ('x') ... Application 'Tracker\x1b[31mRMS'(" + tClient + ")",
			want: AppRef{ClientID: tClient, ErrorCode: 50105, DisplayName: "TrackerRMS"}},
		{name: "client_id in a URL in the text", in: "I got sent to https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=Mail.Send. then it failed",
			want: AppRef{ClientID: tClient, TenantHint: "contoso.com", Scopes: []string{"Mail.Send"}}},
		{name: "tenant id label", in: "Error code: 90095 Tenant ID: " + tTenant, want: AppRef{ErrorCode: 90095, TenantHint: tTenant}},
		{name: "tenant display name is not a domain", in: "AADSTS90002: Tenant 'Contoso Ltd' not found.", want: AppRef{ErrorCode: 90002}},
		{name: "nothing", in: "it does not work", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := Read(tc.in)
			r := rd.App
			if tc.err {
				if err == nil {
					t.Fatalf("want error, got %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if r.ClientID != w.ClientID || r.ErrorCode != w.ErrorCode || r.TenantHint != w.TenantHint || (w.DisplayName != "" && r.DisplayName != w.DisplayName) ||
				(w.CorrelationID != "" && r.CorrelationID != w.CorrelationID) || (w.TraceID != "" && r.TraceID != w.TraceID) ||
				(w.Scopes != nil && strings.Join(r.Scopes, " ") != strings.Join(w.Scopes, " ")) {
				t.Errorf("got %+v\nwant %+v", r, w)
			}
		})
	}
}

func TestParseTenant(t *testing.T) {
	tests := []struct{ in, kind, value, err string }{
		{in: "Contoso.OnMicrosoft.com", kind: TenantKindDomain, value: "contoso.onmicrosoft.com"},
		{in: strings.ToUpper(tTenant), kind: TenantKindID, value: tTenant},
		{in: "admin@Contoso.com", kind: TenantKindDomain, value: "contoso.com"},
		{in: "xn--bcher-kva.example", kind: TenantKindDomain, value: "xn--bcher-kva.example"},
		{in: "common", err: "names no tenant"},
		{in: "organizations", err: "names no tenant"},
		{in: "", err: "no tenant given"},
		{in: "contoso", err: "not a domain or tenant id"},
		{in: "127.0.0.1", err: "not a domain"},
		{in: "contoso.c0m", err: "not a domain"},
		{in: "evil\x1b[2J.com", err: "not a domain"},
		{in: "-bad.com", err: "not a domain"},
	}
	for _, tc := range tests {
		kind, v, err := ParseTenant(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTenant(%q) err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind || v != tc.value {
			t.Errorf("ParseTenant(%q) = %q %q %v", tc.in, kind, v, err)
		}
	}
}

func TestValidateRedirectURI(t *testing.T) {
	ok := []string{"https://ukevo.tracker-rms.com/Office365/CallBack", "http://localhost:8400/cb", "http://127.0.0.1/cb", "http://[::1]:9/cb"}
	bad := []string{"http://evil.example/cb", "javascript:alert(1)", "https://u:p@evil.example/", "https://x.example/#frag", "ms-app://x", "", "https:///nohost",
		"https://evil.example/\u202ecb"}
	for _, u := range ok {
		if _, err := ValidateRedirectURI(u); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	for _, u := range bad {
		if _, err := ValidateRedirectURI(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestParseScopes(t *testing.T) {
	g, o, d, err := ParseScopes("openid profile email offline_access OFFLINE_ACCESS https://graph.microsoft.com/User.Read user.read 00000003-0000-0000-c000-000000000000/Mail.Send https://graph.microsoft.com/.default api://vendor/access")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(g, " ") != "offline_access User.Read Mail.Send" || strings.Join(o, " ") != "api://vendor/access" || !d {
		t.Errorf("%v %v %v", g, o, d)
	}
}

// A client id that belongs to a shipped profile picks up the profile's name,
// redirect URIs and permissions; scopes from a pasted URL win over the
// profile's, since they are what the app really asked for.
func TestKnownApp(t *testing.T) {
	const tracker = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	r, err := ParseApp(tracker)
	if err != nil || r.DisplayName != "TrackerRMS" || len(r.Scopes) == 0 || len(r.RedirectURIs) != 2 {
		t.Fatalf("client id: %+v %v", r, err)
	}
	r, err = ParseErrorText("AADSTS90094: needs permission … app id " + tracker)
	if err != nil || r.DisplayName != "TrackerRMS" || r.ErrorCode != 90094 {
		t.Fatalf("error text: %+v %v", r, err)
	}
	r, err = ParseURL("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + tracker + "&scope=User.Read&response_type=code&redirect_uri=https%3A%2F%2Fukevo.tracker-rms.com%2FOffice365%2FCallBack")
	if err != nil || r.DisplayName != "TrackerRMS" || strings.Join(r.Scopes, " ") != "User.Read" || len(r.RedirectURIs) != 1 {
		t.Fatalf("URL: %+v %v", r, err)
	}
	other := "0f4b6c1e-7d2a-4e8b-9c3f-5a6d7e8f9a0b"
	if r, _ := ParseApp(other); r.DisplayName != "" || r.Profile != "" {
		t.Fatalf("an unknown app must stay unnamed: %+v", r)
	}
}

// A prompt the app's sign-in forces is not one an admin consent link
// carries on purpose (docs/entra.md B1, C1).
func TestPromptLink(t *testing.T) {
	cases := []struct {
		in        string
		prompt    string
		link      bool
		wantForce bool
	}{
		{"https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + tClient + "&response_type=code&scope=User.Read&state=x&prompt=admin_consent", "admin_consent", false, true},
		{"https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=User.Read&prompt=consent", "consent", false, true},
		// A published admin consent link: no scope, no state.
		{"https://login.microsoftonline.com/contoso.com/oauth2/authorize?client_id=" + tClient + "&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&prompt=admin_consent", "admin_consent", true, false},
		{"https://login.microsoftonline.com/contoso.com/adminconsent?client_id=" + tClient + "&prompt=admin_consent", "admin_consent", true, false},
	}
	for _, c := range cases {
		r, err := ParseApp(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if r.Prompt != c.prompt || r.PromptLink != c.link {
			t.Errorf("%s: prompt %q link %v", c.in, r.Prompt, r.PromptLink)
		}
		s := lockedDown()
		s.App = appSP(true)
		s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
		r.Scopes = []string{"User.Read"}
		if d := Diagnose(s, r); (d.UserScreen != ScreenNone) != c.wantForce {
			t.Errorf("%s: users see %s", c.in, d.UserScreen)
		}
	}
	// A profile may say the app forces a prompt.
	p, err := ParseProfile([]byte(`{"name":"Forcer","clientId":"` + tClient + `","scopes":["User.Read"],"consentVersion":"v1","prompt":"consent"}`))
	if err != nil || p.Prompt != "consent" || p.PromptLink {
		t.Errorf("profile: %+v %v", p, err)
	}
	if _, err := ParseProfile([]byte(`{"name":"Forcer","clientId":"` + tClient + `","scopes":["User.Read"],"consentVersion":"v1","prompt":"login"}`)); err == nil {
		t.Error("profile prompt=login accepted")
	}
}
