package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The runner acts on the tenant each effect names, not on the tenant it
// resolved or signed in to last: after tenant B was resolved, a read of
// tenant A reads A.
func TestRunnerUsesTheEffectsTenant(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	tb, err := rig.srv.AddTenant("granted")
	if err != nil {
		t.Fatal(err)
	}
	ta := rig.srv.Tenant()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := rig.runner
	var refs []flows.TenantRef
	for _, tn := range []*sim.Tenant{ta, tb} {
		info, err := r.ResolveTenant(ctx, tn.Domain())
		if err != nil {
			t.Fatal(err)
		}
		ref := flows.TenantRef{ID: info.ID, Cloud: info.Cloud.Name}
		p, err := r.StartSignIn(ctx, flows.SignIn{Tenant: ref, Scopes: flows.ReadScopes})
		if err != nil {
			t.Fatal(err)
		}
		if si, ok := p.Wait(ctx).(flows.SignedIn); !ok || si.Err != nil {
			t.Fatalf("sign-in to %s: %#v", tn.Domain(), si)
		}
		refs = append(refs, ref)
	}
	for i, tn := range []*sim.Tenant{ta, tb} {
		ev, ok := r.Run(ctx, flows.FetchSnapshot{Tenant: refs[i], AppID: tn.AppID()}).(flows.SnapshotLoaded)
		if !ok || ev.Err != nil {
			t.Fatalf("snapshot of %s: %#v", tn.Domain(), ev)
		}
		if !strings.EqualFold(ev.Snap.TenantID, tn.ID()) {
			t.Errorf("snapshot of %s read tenant %s", tn.ID(), ev.Snap.TenantID)
		}
	}
	if n := len(r.sessions); n != 2 {
		t.Errorf("%d sessions, want one a tenant", n)
	}
}

// A tenant found in another national cloud is followed: its sign-in and
// Graph use that cloud's hosts, and the links a person opens too. Custom
// endpoints (the simulator, a private cloud) are never left.
func TestRunnerFollowsTheTenantsCloud(t *testing.T) {
	r, err := NewRunner(Config{Cloud: entra.Clouds["global"]}, NewJournal(t.TempDir()), RunnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.cloudFor("usgov"); got != entra.Clouds["usgov"] {
		t.Errorf("cloudFor(usgov) = %+v", got)
	}
	if got := r.linkCloud("usgov"); got != entra.Clouds["usgov"] {
		t.Errorf("linkCloud(usgov) = %+v", got)
	}
	for _, name := range []string{"", "global", "nowhere"} {
		if got := r.cloudFor(name); got != entra.Clouds["global"] {
			t.Errorf("cloudFor(%q) = %+v, want the configured cloud", name, got)
		}
	}
	custom := Config{Cloud: entra.Clouds["global"], LoginURL: "https://127.0.0.1:8443", GraphURL: "https://127.0.0.1:8443/graph",
		BrowserLoginURL: "http://127.0.0.1:8080"}
	r, err = NewRunner(custom, NewJournal(t.TempDir()), RunnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.cloudFor("usgov"); got != custom.EffectiveCloud() {
		t.Errorf("custom: cloudFor(usgov) = %+v, want the custom endpoints", got)
	}
	if got := r.linkCloud("usgov"); got.LoginURL != "http://127.0.0.1:8080" {
		t.Errorf("custom: linkCloud = %+v, want the browser login URL", got)
	}
}
