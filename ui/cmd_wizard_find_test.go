package ui

import (
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// optionKey is the key of the offered option whose label starts with label.
func (h *headless) optionKey(label string) flows.OptionKey {
	h.t.Helper()
	for _, o := range h.s.Prompt.Options {
		if strings.HasPrefix(o.Label, label) {
			return o.Key
		}
	}
	h.t.Fatalf("step %s offers no %q: %+v", h.s.Step, label, h.s.Prompt.Options)
	return ""
}

// The demo's story from a first screen with no app, against the simulated
// cloud with the real runner: "Find what users are blocked on" → the
// tenant → one sign-in (the admin accepts the consent prompt for the scan's
// scopes) → the list → TrackerRMS → the diagnosis → the admin consent link
// → accepted → verified.
func TestWizardFindBlockedAgainstTheSimulator(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "locked-down"})
	h := rig.start(flows.WizardInput{Now: time.Now(), Nonce: "n0nce"})
	h.requireStep(flows.StepAppChoose)
	h.choose(flows.KeyScan)
	h.requireStep(flows.StepTenantInput)
	h.send(flows.Entered{Text: rig.srv.Tenant().Domain()})
	h.requireStep(flows.StepScanPick)
	p := h.s.Prompt
	if len(p.Options) == 0 || p.Options[0].Label != "TrackerRMS" || !strings.Contains(p.Options[0].Detail, "users") ||
		!strings.Contains(p.Options[0].Detail, "AADSTS") || !strings.Contains(p.Options[0].Detail, "last seen") {
		t.Fatalf("the list: %+v", p.Options)
	}
	h.choose(p.Options[0].Key)
	h.requireStep(flows.StepChooseFix)
	if h.s.App.ClientID != sim.TrackerRMSAppID || !h.s.Diagnosis.Blocked {
		t.Fatalf("diagnosed %+v", h.s.App)
	}
	h.choose(flows.FixKey(flows.FixAdminLink))
	h.requireStep(flows.StepLinkShow)
	ten := rig.srv.Tenant()
	if err := ten.AdminConsent(ten.AdminUPN(), sim.TrackerRMSAppID, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5 && h.out == nil; i++ {
		h.poll()
	}
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v at %s", h.out, h.s.Step)
	}
}

// Without Entra ID P1 the list says so and still shows the pending request.
func TestWizardFindBlockedNoPremium(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "no-premium"})
	h := rig.start(flows.WizardInput{Tenant: rig.srv.Tenant().Domain(), Now: time.Now(), Nonce: "n0nce"})
	h.choose(flows.KeyScan)
	h.requireStep(flows.StepScanPick)
	if !strings.Contains(h.s.Prompt.Body, "Microsoft Entra ID P1") {
		t.Errorf("no word of the licence: %q", h.s.Prompt.Body)
	}
	k := h.optionKey("TrackerRMS")
	for _, o := range h.s.Prompt.Options {
		if o.Key == k && !strings.Contains(o.Detail, "pending request") {
			t.Errorf("the pending request is not shown: %+v", o)
		}
	}
}

// A consent screen's words name an app that is no profile: the wizard
// offers the search by that name, signs in read-only and finds the app
// among the tenant's service principals (and the name's case does not matter).
func TestWizardScreenWordsFoundInTheTenant(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "locked-down"})
	// The archiver is in the tenant: an admin consented to it once.
	if err := rig.srv.Tenant().AdminConsent(rig.srv.Tenant().AdminUPN(), sim.ArchiverAppID, nil); err != nil {
		t.Fatal(err)
	}
	h := rig.start(flows.WizardInput{Tenant: rig.srv.Tenant().Domain(), Now: time.Now(), Nonce: "n0nce",
		AppText: "Need admin approval\nfabrikam mail archiver\nfabrikam mail archiver needs permission to access resources in your organization that only an admin can grant."})
	h.requireStep(flows.StepAppSearch)
	h.send(flows.Entered{})
	if h.s.Step != flows.StepChooseFix && h.s.Step != flows.StepDone {
		t.Fatalf("step %s (%s: %s)", h.s.Step, h.s.Prompt.Title, h.s.Prompt.Body)
	}
	if !strings.EqualFold(h.s.App.DisplayName, "Fabrikam Mail Archiver") || h.s.App.ClientID == "" {
		t.Errorf("found %+v", h.s.App)
	}
	for _, e := range h.ran {
		if si, ok := e.(flows.SignIn); ok && strings.Contains(strings.Join(si.Scopes, " "), "AuditLog") {
			t.Errorf("a search by name asked for the sign-in logs: %v", si.Scopes)
		}
	}
}
