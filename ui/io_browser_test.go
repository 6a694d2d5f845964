package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// TestNoBrowserOpensNothing: under --no-browser the runner opens no link and
// no sign-in page; the browser sign-in still starts and gives the page to
// open by hand.
func TestNoBrowserOpensNothing(t *testing.T) {
	s, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	cfg.NoBrowser, cfg.UseBrowser = true, true
	var mu sync.Mutex
	var opened []string
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{Open: func(u string) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.OpenURL("https://login.microsoftonline.com/contoso.com/adminconsent?client_id=x"); !errors.Is(err, errNoBrowser) {
		t.Errorf("OpenURL under --no-browser: %v", err)
	}
	ev := r.Run(context.Background(), flows.OpenURL{URL: "https://entra.microsoft.com/"})
	if o, ok := ev.(flows.Opened); !ok || !errors.Is(o.Err, errNoBrowser) || !strings.Contains(o.Err.Error(), "--no-browser") {
		t.Errorf("the OpenURL effect answered %#v", ev)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	info, err := r.ResolveTenant(ctx, s.Tenant().Domain())
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.StartSignIn(ctx, flows.SignIn{Scopes: entra.ReadScopes, Tenant: flows.TenantRef{ID: info.ID, Cloud: info.Cloud.Name}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Browser || !strings.Contains(p.URL, "/oauth2/v2.0/authorize?") {
		t.Errorf("browser sign-in under --no-browser: %+v; want the page to open by hand", p)
	}
	cancel()
	p.Wait(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(opened) > 0 {
		t.Errorf("opened %q under --no-browser", opened)
	}
}
