package ui

import (
	"strings"
	"testing"

	"consentwiz/flows"
)

// toHandoff drives the helpdesk path to the hand-off screen with keys.
func (d *driver) toHandoff() {
	d.t.Helper()
	d.drain()
	d.requireStep(flows.StepAppChoose)
	d.press(itoa(d.keyNumber(flows.KeyHelpdesk))) // I can't sign in as an admin
	d.requireView("Hand-off for an admin: which app")
	d.press("1")
	d.requireStep(flows.StepTenantInput)
	d.typeText("contoso.com")
	d.press("enter")
	d.requireStep(flows.StepHandoff)
}

func TestHelpdeskHandoffScreen(t *testing.T) {
	f := newFake()
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.toHandoff()
	for _, e := range f.effects() {
		if _, ok := e.(flows.FetchSnapshot); ok {
			t.Fatal("the helpdesk path read the tenant")
		}
	}
	if len(f.signIns) != 0 {
		t.Fatalf("the helpdesk path signed in: %+v", f.signIns)
	}
	d.requireView("Hand-off for an admin: TrackerRMS", "Step 3 of 3", "1. Copy the hand-off", "pgdn scroll down")
	d.press("1")
	if c := lastCopy(f); !strings.Contains(c, "adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38") {
		t.Fatalf("copied %q", c)
	}
	d.requireView("Copied to the clipboard.")
	d.press("2")
	d.requireView("Saved to:", "/tmp/consentwiz-handoff-trackerrms.md")
	d.press("4")
	o, ok := d.m.Outcome()
	if !ok || o.Kind != flows.OutcomeHandedOff || o.ExitCode() != 0 {
		t.Fatalf("outcome %+v %v", o, ok)
	}
}

func TestDeviceCodeHandoffKey(t *testing.T) {
	f := newFake()
	f.deviceCode = true
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.drain()
	d.press("1")
	d.typeText("contoso.com")
	d.pressOnly("enter")
	d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
	d.queue = nil
	d.requireView("h hand-off instead")
	d.press("h")
	d.requireStep(flows.StepHandoff)
	if d.m.device != nil || len(d.m.pending) != 0 {
		t.Fatalf("the sign-in is still pending: device %v, %d pending", d.m.device != nil, len(d.m.pending))
	}
	if ctxs := f.ctxs; len(ctxs) == 0 || ctxs[len(ctxs)-1].Err() == nil {
		t.Fatal("the sign-in's context was not cancelled")
	}
	// Back: sign in after all.
	d.pressOnly("esc")
	d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
	d.queue = nil
	d.requireStep(flows.StepSigningIn)
}
