package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// An app nobody has consented to yet has no entry in the tenant — the usual
// case. check --app-name (and handoff --sign-in --app-name) then find it
// among the shipped profiles, as link, handoff and the wizard do, and check
// by name says what check --profile says.
func TestNameFallsBackToProfilesWhenNotInTheTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in to the simulated cloud")
	}
	srv, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	if _, ok := srv.Tenant().ServicePrincipal(sim.TrackerRMSAppID); ok {
		t.Fatal("locked-down has TrackerRMS in the tenant: the test needs an app new to it")
	}
	check := func(f AppFlags) (int, string, string) {
		var out, errOut bytes.Buffer
		code := RunCheck(context.Background(), cfg, CheckOptions{AppFlags: f, JSON: true}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
		return code, out.String(), errOut.String()
	}
	_, byProfile, _ := check(AppFlags{Profile: "trackerrms", Tenant: "contoso.com"})
	for _, name := range []string{"TrackerRMS", "trackerrms", "  trackerRMS "} {
		code, out, errOut := check(AppFlags{AppName: name, Tenant: "contoso.com"})
		if code != ExitBlocked {
			t.Errorf("check --app-name %q: exit %d, want %d; stderr %q", name, code, ExitBlocked, errOut)
			continue
		}
		if out != byProfile {
			t.Errorf("check --app-name %q differs from check --profile trackerrms:\n%s\n---\n%s", name, out, byProfile)
		}
	}
	code, ho, herr := runHandoffCmd(t, cfg, HandoffOptions{AppFlags: AppFlags{AppName: "TrackerRMS", Tenant: "contoso.com"}, SignIn: true, Format: "text"})
	if code != ExitOK || !strings.Contains(ho, "client_id="+sim.TrackerRMSAppID) {
		t.Errorf("handoff --sign-in --app-name: exit %d %q", code, herr)
	}
	// Every way in resolves the name to the same app.
	for _, c := range []struct {
		how string
		get func() (string, error)
	}{
		{"link and handoff (offline)", func() (string, error) {
			ref, err := AppFlags{AppName: "trackerrms"}.Ref()
			return ref.ClientID, err
		}},
		{"the wizard", func() (string, error) {
			in, err := wizardInput(Config{}, WizardOptions{AppFlags: AppFlags{AppName: "trackerrms"}}, nil, false)
			if err != nil {
				return "", err
			}
			c, err := flows.FindAppByName(in.AppName, flows.ProfileCandidates(in.Profiles))
			return c.ClientID, err
		}},
		{"check", func() (string, error) {
			in, err := checkInput(flows.AppRef{}, "trackerrms", "contoso.com")
			if err != nil {
				return "", err
			}
			c, err := flows.FindAppByName(in.AppName, flows.ProfileCandidates(in.Profiles))
			return c.ClientID, err
		}},
	} {
		if id, err := c.get(); err != nil || id != sim.TrackerRMSAppID {
			t.Errorf("%s: %q, %v", c.how, id, err)
		}
	}
}
