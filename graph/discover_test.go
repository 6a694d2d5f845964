package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// fakeAuthority serves OpenID metadata like login.microsoftonline.* for known
// tenants (by domain or id) and Entra's AADSTS90002 answer for the rest.
type fakeAuthority struct {
	srv     *httptest.Server
	hits    atomic.Int64
	tenants map[string]map[string]any // domain or id → metadata
}

func newFakeAuthority(t *testing.T) *fakeAuthority {
	a := &fakeAuthority{tenants: map[string]map[string]any{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) != 4 || parts[1] != "v2.0" || parts[2] != ".well-known" || parts[3] != "openid-configuration" {
			w.WriteHeader(404)
			return
		}
		md, ok := a.tenants[strings.ToLower(parts[0])]
		if !ok {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]any{
				"error":             "invalid_tenant",
				"error_description": "AADSTS90002: Tenant '" + parts[0] + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: x",
				"error_codes":       []int{90002},
			})
			return
		}
		json.NewEncoder(w).Encode(md)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAuthority) add(domain, id, loginHost, instance, region, sub, graphHost string) {
	md := map[string]any{
		"issuer":                                "https://" + loginHost + "/" + id + "/v2.0",
		"token_endpoint":                        "https://" + loginHost + "/" + id + "/oauth2/v2.0/token",
		"authorization_endpoint":                "https://" + loginHost + "/" + id + "/oauth2/v2.0/authorize",
		"tenant_region_scope":                   region,
		"cloud_instance_name":                   instance,
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          graphHost,
		"rbac_url":                              "https://pas.windows.net",
		"request_uri_parameter_supported":       false,
		"id_token_signing_alg_values_supported": []string{"RS256"},
	}
	if sub != "" {
		md["tenant_region_sub_scope"] = sub
	}
	a.tenants[domain] = md
	a.tenants[id] = md
}

func TestDiscoverTenantClouds(t *testing.T) {
	a := newFakeAuthority(t)
	a.add("contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", "login.microsoftonline.com", "microsoftonline.com", "NA", "", "graph.microsoft.com")
	a.add("gcc.contoso.us", "11111111-0000-0000-0000-000000000001", "login.microsoftonline.com", "microsoftonline.com", "NA", "GCC", "graph.microsoft.com")
	a.add("high.contoso.us", "11111111-0000-0000-0000-000000000002", "login.microsoftonline.us", "microsoftonline.us", "USGov", "DODCON", "graph.microsoft.us")
	a.add("dod.contoso.mil", "11111111-0000-0000-0000-000000000003", "login.microsoftonline.us", "microsoftonline.us", "USGov", "DOD", "dod-graph.microsoft.us")
	a.add("contoso.partner.onmschina.cn", "11111111-0000-0000-0000-000000000004", "login.partner.microsoftonline.cn", "partner.microsoftonline.cn", "AS", "", "microsoftgraph.chinacloudapi.cn")
	a.add("old.contoso.cn", "11111111-0000-0000-0000-000000000005", "login.chinacloudapi.cn", "chinacloudapi.cn", "AS", "", "microsoftgraph.chinacloudapi.cn")

	cases := []struct{ in, id, domain, cloud, region, graph string }{
		{"contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.com", "global", "NA", "graph.microsoft.com"},
		{"Contoso.COM", "72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.com", "global", "NA", "graph.microsoft.com"},
		{"gcc.contoso.us", "11111111-0000-0000-0000-000000000001", "gcc.contoso.us", "global", "NA", "graph.microsoft.com"},
		{"high.contoso.us", "11111111-0000-0000-0000-000000000002", "high.contoso.us", "usgov", "USGov", "graph.microsoft.us"},
		{"dod.contoso.mil", "11111111-0000-0000-0000-000000000003", "dod.contoso.mil", "usgov-dod", "USGov", "dod-graph.microsoft.us"},
		{"contoso.partner.onmschina.cn", "11111111-0000-0000-0000-000000000004", "contoso.partner.onmschina.cn", "china", "AS", "microsoftgraph.chinacloudapi.cn"},
		{"old.contoso.cn", "11111111-0000-0000-0000-000000000005", "old.contoso.cn", "china", "AS", "microsoftgraph.chinacloudapi.cn"},
		{"72f988bf-86f1-41af-91ab-2d7cd011db47", "72f988bf-86f1-41af-91ab-2d7cd011db47", "", "global", "NA", "graph.microsoft.com"},
	}
	for _, tc := range cases {
		info, err := graph.DiscoverTenant(context.Background(), a.srv.Client(), a.srv.URL, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if info.ID != tc.id || info.Domain != tc.domain || info.Cloud != tc.cloud || info.RegionScope != tc.region || info.GraphHost != tc.graph {
			t.Errorf("%s: %+v", tc.in, info)
		}
		if _, err := entra.LookupCloud(info.Cloud); err != nil {
			t.Errorf("%s: cloud %q is not a known cloud", tc.in, info.Cloud)
		}
	}
}

func TestDiscoverTenantUnknownDomain(t *testing.T) {
	a := newFakeAuthority(t)
	_, err := graph.DiscoverTenant(context.Background(), a.srv.Client(), a.srv.URL, "contoso-typo.com")
	if !errors.Is(err, graph.ErrTenantNotFound) {
		t.Fatalf("err = %v, want graph.ErrTenantNotFound", err)
	}
	want := "no Microsoft Entra tenant found for domain contoso-typo.com — check the spelling or try the tenant id; a tenant in the China cloud (21Vianet) is found only with --cloud china"
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

func TestDiscoverTenantValidatesInputFirst(t *testing.T) {
	a := newFakeAuthority(t)
	for _, in := range []string{"", "contoso", "common", "-bad.com", "a..b", "evil.com/../x", "x.com?a=b", "1.2.3.4", "contoso.com#frag", "dom ain.com",
		strings.Repeat("a", 64) + ".com", "not-a-guid-but-36-characters-long-xx"} {
		if _, err := graph.DiscoverTenant(context.Background(), a.srv.Client(), a.srv.URL, in); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("%q: err = %v, want graph.ErrInvalidArgument", in, err)
		}
	}
	if _, err := graph.DiscoverTenant(context.Background(), a.srv.Client(), "http://login.example.com", "contoso.com"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("plain http to a remote host: %v", err)
	}
	if a.hits.Load() != 0 {
		t.Errorf("invalid input reached the network %d times", a.hits.Load())
	}
}

func TestDiscoverTenantBadMetadata(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/junk.com/") {
			w.Write([]byte(`{"issuer":`))
			return
		}
		w.Write([]byte(`{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0"}`))
	}))
	defer srv.Close()
	for _, in := range []string{"junk.com", "placeholder.com"} {
		if _, err := graph.DiscoverTenant(context.Background(), srv.Client(), srv.URL, in); !errors.Is(err, graph.ErrMalformedResponse) {
			t.Errorf("%s: err = %v", in, err)
		}
	}
}

// Discovery never follows a redirect from https down to plain http.
func TestDiscoverTenantRefusesDowngradeRedirect(t *testing.T) {
	var plainHits atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		w.Write([]byte(`{"issuer":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"}`))
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	defer secure.Close()
	_, err := graph.DiscoverTenant(context.Background(), secure.Client(), secure.URL, "contoso.com")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("err = %v, want a refused redirect", err)
	}
	if plainHits.Load() != 0 {
		t.Errorf("the plain-http target was asked %d times", plainHits.Load())
	}
}

// A login URL with userinfo names another host than it seems to
// (https://login.microsoftonline.com@evil.example/ is evil.example): refused
// before any request.
func TestDiscoverTenantRefusesUserinfoLoginURL(t *testing.T) {
	a := newFakeAuthority(t)
	for _, login := range []string{
		"https://login.microsoftonline.com@evil.example/",
		strings.Replace(a.srv.URL, "http://", "http://login.microsoftonline.com@", 1),
		a.srv.URL + "/?x=1",
		a.srv.URL + "/#frag",
	} {
		if _, err := graph.DiscoverTenant(context.Background(), a.srv.Client(), login, "contoso.com"); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", login, err)
		}
	}
	if a.hits.Load() != 0 {
		t.Errorf("a refused login URL reached the network %d times", a.hits.Load())
	}
}

// A bad answer during discovery is the sign-in service's, not Graph's.
func TestDiscoverTenantErrorsNameTheSignInService(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/big.com/") {
			w.Write([]byte(`{"issuer":"` + strings.Repeat("x", 1<<20) + `"}`))
			return
		}
		w.Write([]byte(`{"issuer":`))
	}))
	defer srv.Close()
	for in, want := range map[string]error{"junk.com": graph.ErrMalformedResponse, "big.com": graph.ErrResponseTooLarge} {
		_, err := graph.DiscoverTenant(context.Background(), srv.Client(), srv.URL, in)
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", in, err, want)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "Graph") || !strings.Contains(msg, "sign-in service") {
			t.Errorf("%s: %q must name the sign-in service, not Microsoft Graph", in, msg)
		}
	}
}
