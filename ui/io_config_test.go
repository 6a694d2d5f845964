package ui

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// The authority's answers come over https only: a redirect to plain http is
// not followed (reliability review L11).
func TestHTTPClientRefusesRedirectToHTTP(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the plain http server was reached: %s", r.URL)
	}))
	defer plain.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	hc, err := Config{Cloud: entra.Clouds["global"], CAPEM: cert}.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	_, err = graph.DiscoverTenant(context.Background(), hc, srv.URL, "contoso.com")
	if err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
		t.Fatalf("discovery followed the redirect: %v", err)
	}
}

// Every client request (MSAL, Graph) refuses the same redirect.
func TestHTTPSRedirectsOnly(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://evil.example/x", nil)
	if err := httpsRedirectsOnly(req, []*http.Request{{}}); err == nil {
		t.Fatal("followed a redirect to http")
	}
	req, _ = http.NewRequest("GET", "https://login.example/x", nil)
	if err := httpsRedirectsOnly(req, []*http.Request{{}}); err != nil {
		t.Fatal(err)
	}
	if err := httpsRedirectsOnly(req, make([]*http.Request, 5)); err == nil {
		t.Fatal("no bound on redirects")
	}
}
