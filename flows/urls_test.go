package flows

import (
	"consentwiz/graph/entra"
	"net/url"
	"strings"
	"testing"
)

func clouds() map[string]entra.Cloud {
	m := map[string]entra.Cloud{}
	for k, v := range entra.Clouds {
		m[k] = v
	}
	m["custom"] = entra.Cloud{Name: "custom", LoginURL: "https://127.0.0.1:8443", GraphURL: "https://127.0.0.1:8443/graph", PortalURL: "https://127.0.0.1:8443/portal"}
	return m
}

var wantHosts = map[string][3]string{ // login, graph, portal
	"global":    {"https://login.microsoftonline.com", "https://graph.microsoft.com", "https://entra.microsoft.com"},
	"usgov":     {"https://login.microsoftonline.us", "https://graph.microsoft.us", "https://entra.microsoft.us"},
	"usgov-dod": {"https://login.microsoftonline.us", "https://dod-graph.microsoft.us", "https://entra.microsoft.us"},
	"china":     {"https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn", "https://entra.microsoftonline.cn"},
	"custom":    {"https://127.0.0.1:8443", "https://127.0.0.1:8443/graph", "https://127.0.0.1:8443/portal"},
}

func TestAdminConsentURLv1(t *testing.T) {
	for name, c := range clouds() {
		h := wantHosts[name]
		got := AdminConsentURLv1(c, "contoso.com", tClient, "https://ukevo.tracker-rms.com/Office365/CallBack", "s 1")
		want := h[0] + "/contoso.com/adminconsent?client_id=" + tClient + "&redirect_uri=https%3A%2F%2Fukevo.tracker-rms.com%2FOffice365%2FCallBack&state=s%201"
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		if got := AdminConsentURLv1(c, tTenant, tClient, "", ""); got != h[0]+"/"+tTenant+"/adminconsent?client_id="+tClient {
			t.Errorf("%s minimal: %s", name, got)
		}
	}
	if got := AdminConsentURLv1(entra.Cloud{}, "", tClient, "", ""); got != "https://login.microsoftonline.com/organizations/adminconsent?client_id="+tClient {
		t.Errorf("defaults: %s", got)
	}
	// Untrusted input is escaped, never injected.
	got := AdminConsentURLv1(entra.Cloud{}, "a/b?x", "x&redirect_uri=https://evil", "", "")
	if strings.Contains(got, "&redirect_uri=https://evil") || strings.Contains(got, "a/b?x") {
		t.Errorf("injection: %s", got)
	}
}

func TestAdminConsentURLv2(t *testing.T) {
	for name, c := range clouds() {
		h := wantHosts[name]
		got, err := AdminConsentURLv2(c, "contoso.com", tClient, []string{"User.Read", "offline_access", "Calendars.ReadWrite"}, "https://ukevo.tracker-rms.com/Office365/CallBack", "st")
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, h[0]+"/contoso.com/v2.0/adminconsent?client_id="+tClient+"&scope=") {
			t.Errorf("%s: %s", name, got)
		}
		q := u.Query()
		if want := h[1] + "/User.Read offline_access " + h[1] + "/Calendars.ReadWrite"; q.Get("scope") != want {
			t.Errorf("%s scope %q, want %q", name, q.Get("scope"), want)
		}
		if q.Get("redirect_uri") != "https://ukevo.tracker-rms.com/Office365/CallBack" || q.Get("state") != "st" {
			t.Errorf("%s: %v", name, q)
		}
		if strings.Contains(got, "+") {
			t.Errorf("%s: spaces must be %%20: %s", name, got)
		}
	}
	bad := []struct {
		tenant, client string
		scopes         []string
		redirect, err  string
	}{
		{"common", tClient, []string{"User.Read"}, "https://a.example/cb", "not common"},
		{"", tClient, []string{"User.Read"}, "https://a.example/cb", "not common"},
		{"contoso.com", "abc", []string{"User.Read"}, "https://a.example/cb", `client_id is not a GUID: "abc"`},
		{"contoso.com", tClient, nil, "https://a.example/cb", "needs scopes"},
		{"contoso.com", tClient, []string{"User.Read"}, "", "needs a redirect URI"},
		{"contoso.com", tClient, []string{"User.Read"}, "http://a.example/cb", "redirect_uri is not an https URL"},
		{"contoso.com", tClient, []string{"User Read&x=1"}, "https://a.example/cb", "invalid permission"},
		{"not a tenant", tClient, []string{"User.Read"}, "https://a.example/cb", "not a domain"},
	}
	for _, b := range bad {
		if _, err := AdminConsentURLv2(entra.Clouds["global"], b.tenant, b.client, b.scopes, b.redirect, ""); err == nil || !strings.Contains(err.Error(), b.err) {
			t.Errorf("%+v: err %v", b, err)
		}
	}
	if got, err := AdminConsentURLv2(entra.Clouds["global"], "organizations", tClient, []string{".default"}, "https://a.example/cb", ""); err != nil ||
		!strings.Contains(got, "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default") {
		t.Errorf(".default: %s %v", got, err)
	}
}

// Approving a request is granting admin consent (docs/entra.md A4): the
// app's plain admin consent link, or the v2.0 one with the request's
// permissions when a redirect URI registered on the app is known; never the
// undocumented /TokenAuthorize redirect or bf_id.
func TestRequestApprovalURL(t *testing.T) {
	req := entra.AppConsentRequest{ID: "req-1", AppID: tClient, PendingScopes: []entra.ConsentRequestScope{{DisplayName: "User.Read"}, {DisplayName: "Calendars.ReadWrite"}}}
	const redirect = "https://app.example.com/callback"
	for name, c := range clouds() {
		h := wantHosts[name]
		got := RequestApprovalURL(c, "contoso.com", req, "")
		if want := h[0] + "/contoso.com/adminconsent?client_id=" + tClient; got != want {
			t.Errorf("%s plain:\n got %s\nwant %s", name, got, want)
		}
		got = RequestApprovalURL(c, "contoso.com", req, redirect)
		u, _ := url.Parse(got)
		q := u.Query()
		if !strings.HasPrefix(got, h[0]+"/contoso.com/v2.0/adminconsent?") || q.Get("scope") != h[1]+"/User.Read "+h[1]+"/Calendars.ReadWrite" ||
			q.Get("redirect_uri") != redirect || q.Get("client_id") != tClient {
			t.Errorf("%s with the app's redirect URI: %s", name, got)
		}
		for _, u := range []string{got, RequestApprovalURL(c, "contoso.com", req, "")} {
			if strings.Contains(u, "bf_id") || strings.Contains(u, "TokenAuthorize") {
				t.Errorf("%s: undocumented parameters in %s", name, u)
			}
		}
	}
	// A request without permissions: the plain link even with a redirect URI.
	if got := RequestApprovalURL(entra.Clouds["global"], "contoso.com", entra.AppConsentRequest{ID: "r", AppID: tClient}, redirect); strings.Contains(got, "v2.0") {
		t.Errorf("fallback: %s", got)
	}
}

func TestPortalLink(t *testing.T) {
	tests := []struct {
		target string
		ids    []string
		want   string
	}{
		{LinkUserConsentSettings, nil, "#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings"},
		{LinkAdminConsentSettings, nil, "#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/AdminConsentSettings"},
		{LinkConsentRequests, nil, "#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AccessRequests"},
		{LinkEnterpriseApps, nil, "#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview"},
		{LinkAppPermissions, []string{tAppSP, tClient}, "#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Permissions/objectId/" + tAppSP + "/appId/" + tClient},
		{LinkAppOverview, []string{tAppSP, tClient}, "#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/" + tAppSP + "/appId/" + tClient},
		{LinkAppUsers, []string{tAppSP, tClient}, "#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Users/objectId/" + tAppSP + "/appId/" + tClient},
		{LinkAppRegistrationAPIPermissions, []string{tClient}, "#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/" + tClient},
		{LinkSignInLogs, nil, "#view/Microsoft_AAD_IAM/SignInLogsList.ReactView/timeRangeType/last24hours/showApplicationSignIns~/true"},
		{LinkTenantOverview, nil, "#view/Microsoft_AAD_IAM/TenantOverview.ReactView"},
	}
	if len(tests) != len(PortalTargets()) {
		t.Errorf("test every target")
	}
	for name, c := range clouds() {
		h := wantHosts[name]
		for _, tc := range tests {
			if got := PortalLink(c, "Contoso.com", tc.target, tc.ids...); got != h[2]+"/contoso.com/"+tc.want {
				t.Errorf("%s %s: %s", name, tc.target, got)
			}
			if got := PortalLink(c, "", tc.target, tc.ids...); got != h[2]+"/"+tc.want {
				t.Errorf("%s %s unpinned: %s", name, tc.target, got)
			}
		}
	}
	if PortalLink(entra.Clouds["global"], "contoso.com", "nope") != "" {
		t.Error("unknown target")
	}
	if PortalLink(entra.Clouds["global"], "contoso.com", LinkAppPermissions, tAppSP) != "" {
		t.Error("missing id")
	}
	if PortalLink(entra.Clouds["global"], "contoso.com", LinkAppRegistrationAPIPermissions, "../../evil") != "" {
		t.Error("bad id accepted")
	}
}
