package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// The browser sign-in's authorize URL comes from the authority's OpenID
// metadata. An authority advertising a plain-http (or any unsafe) page must
// not get it opened: the opener refuses it like any other link.
func TestBrowserSignInRefusesUnsafeAuthorizeURL(t *testing.T) {
	const tenantID = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"issuer":                 srv.URL + "/" + tenantID + "/v2.0",
			"authorization_endpoint": "http://evil.example/" + tenantID + "/oauth2/v2.0/authorize",
			"token_endpoint":         srv.URL + "/" + tenantID + "/oauth2/v2.0/token",
		})
	}))
	defer srv.Close()
	cfg := fakeAuthorityConfig(t, srv)
	cfg.UseBrowser = true
	cfg.NoBrowser = false // the opener must refuse the URL itself
	var mu sync.Mutex
	var openedURLs []string
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{Open: func(u string) error {
		mu.Lock()
		defer mu.Unlock()
		openedURLs = append(openedURLs, u)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := r.StartSignIn(ctx, flows.SignIn{Tenant: flows.TenantRef{ID: tenantID}, Scopes: entra.ReadScopes})
	if err == nil {
		ev := p.Wait(ctx)
		if si, ok := ev.(flows.SignedIn); !ok || si.Err == nil {
			t.Errorf("sign-in answered %#v, want an error", ev)
		}
		if p.URL != "" {
			t.Errorf("the screen would show %q to open by hand", p.URL)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(openedURLs) > 0 {
		t.Errorf("opened %q: an http authorize page on another host must not be opened", openedURLs)
	}
}
