package ui

import (
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// TestSafetyFaultsRelax runs relax-user-consent through the real Runner while
// the simulated Graph misbehaves. Whatever happens, the tenant ends either
// fixed (relaxed, with the original journaled, then restored exactly) or
// exactly as it was — never half-changed. Retry-After values are 0 or beyond
// the client's cap, so no test sleeps on them.
func TestSafetyFaultsRelax(t *testing.T) {
	cases := []struct {
		name string
		opts sim.Options
		// faults are switched on right before the PATCH (atPatch) or from the start.
		faults  sim.Faults
		atPatch bool
		// fixed: the PATCH gets through (after retries); else the fix stops cleanly.
		fixed bool
		retry bool // the stop offers "Try again"
	}{
		{name: "latency", faults: sim.Faults{Latency: 20 * time.Millisecond}, fixed: true},
		{name: "429 retried", faults: sim.Faults{Throttle429: 2, RetryAfterSeconds: -1}, atPatch: true, fixed: true},
		{name: "429 survives", faults: sim.Faults{Throttle429: 100, RetryAfterSeconds: 3600}, atPatch: true, retry: true},
		{name: "503 retried", faults: sim.Faults{Unavailable503: 3, RetryAfterSeconds: -1}, atPatch: true, fixed: true},
		{name: "503 survives", faults: sim.Faults{Unavailable503: 4, RetryAfterSeconds: -1}, atPatch: true},
		{name: "dropped connection", faults: sim.Faults{Drop: 1}, atPatch: true, fixed: true},
		{name: "short-lived tokens", opts: sim.Options{TokenLifetime: 3 * time.Second}, fixed: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rig := newSimRig(t, c.opts)
			orig := rig.policy()
			if !c.atPatch {
				rig.srv.SetFaults(c.faults)
			}
			h := rig.start(rig.input(timesheetsApp(), false))
			h.toPreview(flows.FixRelaxUserConsent)
			patches := 0
			h.before = func(e flows.Effect) {
				if _, ok := e.(flows.PatchUserConsent); ok {
					patches++
					if patches == 1 && c.atPatch {
						rig.srv.SetFaults(c.faults)
					}
				}
			}
			h.send(flows.Confirmed{})
			st := rig.srv.Stats()
			if (c.faults.Throttle429 > 0 && st.Throttled == 0) || (c.faults.Unavailable503 > 0 && st.Unavailable == 0) ||
				(c.faults.Drop > 0 && st.Dropped == 0) || (c.opts.TokenLifetime > 0 && st.TokenRequests < 4) {
				t.Fatalf("the fault never fired: %+v", st)
			}
			if !c.fixed {
				h.requireStep(flows.StepFailed)
				if got := rig.policy(); !equalStrings(got, orig) {
					t.Fatalf("after a failed write the tenant reads %v, want exactly %v", got, orig)
				}
				if h.offered("retry") != c.retry {
					t.Fatalf("retry offered = %v, want %v: %+v", h.offered("retry"), c.retry, h.s.Prompt.Options)
				}
				rig.srv.SetFaults(sim.Faults{})
				if !c.retry {
					// The fix undid itself: nothing written, nothing journaled.
					if p := h.pending(); len(p) != 0 {
						t.Fatalf("journal left after a clean stop: %+v", p)
					}
					h.choose("quit")
					if h.out == nil || h.out.Kind != flows.OutcomeFailed {
						t.Fatalf("outcome %+v", h.out)
					}
					return
				}
				// A surviving 429: the journal still holds the original
				// (saved before the PATCH), and retrying goes on.
				if p := h.pending(); len(p) != 1 || !equalStrings(p[0].Original, orig) {
					t.Fatalf("journal = %+v", p)
				}
				h.choose("retry")
			}
			h.requireStep(flows.StepRelaxConnect)
			if p := h.pending(); len(p) != 1 || !equalStrings(p[0].Original, orig) || !equalStrings(rig.policy(), p[0].Set) {
				t.Fatalf("relaxed: tenant %v, journal %+v", rig.policy(), p)
			}
			rig.userAccepts(timesheetsApp())
			h.choose("restore")
			// The user consented while it lasted: the setting is back, and the
			// wizard says the others are still blocked and offers to grant for
			// everyone; finishing here is the fix verified for that user.
			h.requireStep(flows.StepRelaxNext)
			h.choose("stop")
			if h.out == nil || h.out.Kind != flows.OutcomeVerified {
				t.Fatalf("outcome %+v at %s", h.out, h.s.Step)
			}
			if got := rig.policy(); !equalStrings(got, orig) {
				t.Fatalf("restored %v, want exactly %v", got, orig)
			}
			if p := h.pending(); len(p) != 0 {
				t.Fatalf("journal left: %+v", p)
			}
		})
	}
}

// TestSafetyFaultsGrantDirect: grant-direct creates the service principal,
// then the grant's POST fails for good (503 beyond the retries). The service
// principal it created is deleted again: the tenant is exactly as it was.
func TestSafetyFaultsGrantDirect(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	if _, ok := rig.srv.Tenant().ServicePrincipal(app.ClientID); ok {
		t.Fatal("the app should be new to the tenant")
	}
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixGrantDirect)
	h.before = func(e flows.Effect) {
		if _, ok := e.(flows.CreateGrant); ok {
			rig.srv.SetFaults(sim.Faults{Unavailable503: 4, RetryAfterSeconds: -1})
		}
	}
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepFailed)
	if _, ok := rig.srv.Tenant().ServicePrincipal(app.ClientID); ok {
		t.Fatal("the service principal created before the failure was left behind")
	}
	if g := rig.srv.Tenant().Grants(app.ClientID); len(g) != 0 {
		t.Fatalf("grants left: %+v", g)
	}
	var deleted bool
	for _, w := range h.writes() {
		if _, ok := w.(flows.DeleteObject); ok {
			deleted = true
		}
	}
	if !deleted {
		t.Fatalf("no undo was sent: %+v", h.writes())
	}

	// The same fix with transient faults on every write gets through, verified.
	rig2 := newSimRig(t, sim.Options{})
	h2 := rig2.start(rig2.input(app, false))
	h2.toPreview(flows.FixGrantDirect)
	h2.before = func(e flows.Effect) {
		if _, ok := e.(flows.WriteEffect); ok {
			rig2.srv.SetFaults(sim.Faults{Throttle429: 1, Unavailable503: 1, RetryAfterSeconds: -1})
		}
	}
	h2.send(flows.Confirmed{})
	if h2.out == nil || h2.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v at %s", h2.out, h2.s.Step)
	}
	if g := rig2.srv.Tenant().Grants(app.ClientID); len(g) != 1 || g[0].ConsentType != "AllPrincipals" {
		t.Fatalf("grants: %+v", g)
	}
}
