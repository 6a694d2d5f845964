package ui

import (
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The enterprise app (and its grants) someone else made are never
// consentwiz's to remove (docs/safety.md, "Only what consentwiz made"):
// against the simulator, with the real MSAL sign-in and the real client.

// otherAdmin is a second consentwiz on the same simulated tenant: another
// computer, with a journal of its own.
func (r *simRig) otherAdmin() *simRig {
	r.t.Helper()
	o := *r
	o.cfg.ConfigDir = r.t.TempDir()
	o.journal = NewJournal(o.cfg.ConfigDir)
	o.newRunner()
	return &o
}

// allPrincipals is the app's tenant-wide grant, if any.
func allPrincipals(gs []entra.OAuth2PermissionGrant) (entra.OAuth2PermissionGrant, bool) {
	for _, g := range gs {
		if g.ConsentType == "AllPrincipals" {
			return g, true
		}
	}
	return entra.OAuth2PermissionGrant{}, false
}

// sentDeletes are the deletes a headless run sent.
func sentDeletes(h *headless) []flows.DeleteObject {
	var out []flows.DeleteObject
	for _, e := range h.ran {
		if d, ok := e.(flows.DeleteObject); ok {
			out = append(out, d)
		}
	}
	return out
}

// checkUsers is `consentwiz check` for the app: whether users are blocked.
func (r *simRig) checkUsers(app flows.AppRef) flows.Outcome {
	r.t.Helper()
	in := r.input(app, false)
	in.CheckOnly, in.Journal = true, nil
	h := r.otherAdmin().start(in)
	if h.out == nil {
		r.t.Fatalf("check did not finish at %s", h.s.Step)
	}
	return *h.out
}

// Repro A: relax-user-consent, Megan connects (her consent adds the app to
// the tenant), then "Grant for everyone" through Microsoft Graph. The
// choices and the preview start from the tenant as it is now; the grant is
// made on Megan's enterprise app, which stays, with her consent.
func TestSafetyRelaxThenGrantKeepsTheUsersApp(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	ten := rig.srv.Tenant()
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRelaxConnect)
	rig.userAccepts(app)
	h.choose("restore")
	h.requireStep(flows.StepRelaxNext)
	sp, ok := ten.ServicePrincipal(app.ClientID)
	if !ok {
		t.Fatal("Megan's consent made no enterprise application")
	}
	for _, o := range h.s.Prompt.Options {
		if strings.Contains(o.Detail, "adds the app to the tenant") || strings.Contains(o.Detail, "add the app to the tenant") {
			t.Errorf("stale choice: %s — %s", o.Label, o.Detail)
		}
	}
	h.choose(flows.FixKey(flows.FixGrantDirect))
	h.requireStep(flows.StepPreview)
	for _, d := range h.s.Prompt.Preview {
		if strings.HasPrefix(d.Label, "Enterprise application") {
			t.Errorf("the preview adds the app again: %+v", d)
		}
	}
	h.send(flows.Confirmed{})
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v at %s (%+v)", h.out, h.s.Step, h.s.Failure)
	}
	after, ok := ten.ServicePrincipal(app.ClientID)
	if !ok || after.ID != sp.ID || len(sentDeletes(h)) != 0 {
		t.Fatalf("enterprise app %+v (was %s), deletes %+v", after, sp.ID, sentDeletes(h))
	}
	gs := ten.Grants(app.ClientID)
	if _, ok := allPrincipals(gs); !ok || len(gs) < 2 {
		t.Fatalf("grants %+v: want Megan's and the tenant-wide one", gs)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal left: %+v", p)
	}
	if o := rig.checkUsers(app); o.Kind != flows.OutcomeNothingToFix {
		t.Fatalf("check: %+v", o)
	}
}

// Repro B: two admins. B grants through Graph ("Fixed and verified"); then
// A, whose checklist is older, picks grant-direct. A reads the app again
// before the preview: nothing is left to grant, and B's objects stay.
func TestSafetyTwoAdminsStaleChecklist(t *testing.T) {
	rigA := newSimRig(t, sim.Options{})
	rigB := rigA.otherAdmin()
	app := timesheetsApp()
	ten := rigA.srv.Tenant()
	a := rigA.start(rigA.input(app, false))
	a.requireStep(flows.StepChooseFix)
	b := rigB.start(rigB.input(app, false))
	b.toPreview(flows.FixGrantDirect)
	b.send(flows.Confirmed{})
	if b.out == nil || b.out.Kind != flows.OutcomeVerified {
		t.Fatalf("B: %+v at %s", b.out, b.s.Step)
	}
	sp, _ := ten.ServicePrincipal(app.ClientID)
	a.choose(flows.FixKey(flows.FixGrantDirect))
	a.requireStep(flows.StepFailed)
	if a.s.Failure.Title != "Nothing to grant" {
		t.Fatalf("A: %+v", a.s.Failure)
	}
	if after, ok := ten.ServicePrincipal(app.ClientID); !ok || after.ID != sp.ID || len(sentDeletes(a)) != 0 || len(a.writes()) != 0 {
		t.Fatalf("B's enterprise app %+v (was %s); A wrote %+v", after, sp.ID, a.writes())
	}
	if o := rigA.checkUsers(app); o.Kind != flows.OutcomeNothingToFix || o.ExitCode() != 0 {
		t.Fatalf("check: %+v", o)
	}
}

// Repro B, the race: A's preview is on screen when B's grant lands. A's
// create is refused (409): A deletes nothing, reads the app again, finds
// everything it confirmed there, and says so; B's objects stay.
func TestSafetyTwoAdminsRace(t *testing.T) {
	rigA := newSimRig(t, sim.Options{})
	rigB := rigA.otherAdmin()
	app := timesheetsApp()
	ten := rigA.srv.Tenant()
	a := rigA.start(rigA.input(app, false))
	a.toPreview(flows.FixGrantDirect)
	b := rigB.start(rigB.input(app, false))
	b.toPreview(flows.FixGrantDirect)
	b.send(flows.Confirmed{})
	if b.out == nil || b.out.Kind != flows.OutcomeVerified {
		t.Fatalf("B: %+v at %s", b.out, b.s.Step)
	}
	sp, _ := ten.ServicePrincipal(app.ClientID)
	grant, _ := allPrincipals(ten.Grants(app.ClientID))
	a.send(flows.Confirmed{})
	after, ok := ten.ServicePrincipal(app.ClientID)
	g, gok := allPrincipals(ten.Grants(app.ClientID))
	if !ok || after.ID != sp.ID || !gok || g.ID != grant.ID || len(sentDeletes(a)) != 0 {
		t.Fatalf("B's app %+v (was %s), grant %+v (was %s); A deleted %+v", after, sp.ID, g, grant.ID, sentDeletes(a))
	}
	if a.out == nil || a.out.Kind != flows.OutcomeVerified || !strings.Contains(a.out.Summary, "Someone else had meanwhile made") || len(a.out.Changes) != 0 {
		t.Fatalf("A: %+v at %s (%+v)", a.out, a.s.Step, a.s.Failure)
	}
	if p := a.pending(); len(p) != 0 {
		t.Fatalf("A's journal left: %+v", p)
	}
	if o := rigA.checkUsers(app); o.Kind != flows.OutcomeNothingToFix {
		t.Fatalf("check: %+v", o)
	}
}

// A user's consent adds the app while A's preview is on screen (the SP only,
// no tenant-wide grant): A's create is refused, and A goes on with the
// user's enterprise app — the grant it confirmed is made on it.
func TestSafetyAppAddedDuringPreview(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	ten := rig.srv.Tenant()
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixGrantDirect)
	if err := ten.AddUserGrants(app.ClientID, 1); err != nil {
		t.Fatal(err)
	}
	sp, _ := ten.ServicePrincipal(app.ClientID)
	h.send(flows.Confirmed{})
	after, ok := ten.ServicePrincipal(app.ClientID)
	if !ok || after.ID != sp.ID || len(sentDeletes(h)) != 0 {
		t.Fatalf("app %+v (was %s), deletes %+v", after, sp.ID, sentDeletes(h))
	}
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v at %s (%+v)", h.out, h.s.Step, h.s.Failure)
	}
	g, ok := allPrincipals(ten.Grants(app.ClientID))
	if !ok || !strings.EqualFold(g.ClientID, sp.ID) || len(ten.Grants(app.ClientID)) != 2 {
		t.Fatalf("grants %+v", ten.Grants(app.ClientID))
	}
	if len(h.out.Changes) != 1 || !strings.Contains(h.out.Summary, "Someone else had meanwhile made Enterprise application") {
		t.Fatalf("outcome %+v", h.out)
	}
}

// The text printed after the screen is gone lists what stays and what was
// put back apart, as the end screen does.
func TestPrintOutcomeSaysWhatStays(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	rig.userAccepts(app)
	h.choose("restore")
	h.requireStep(flows.StepRelaxNext)
	h.choose("stop")
	if h.out == nil {
		t.Fatalf("no outcome at %s", h.s.Step)
	}
	var b strings.Builder
	printOutcome(&b, *h.out)
	out := b.String()
	kept, back := strings.Index(out, "Still in place:\n"), strings.Index(out, "Put back:\n")
	if kept < 0 || back < kept || !strings.Contains(out[kept:back], "connected Northwind Timesheets") ||
		strings.Contains(out[kept:back], "User consent") || !strings.Contains(out[back:], "User consent setting (restored)") {
		t.Fatalf("printed:\n%s", out)
	}
}
