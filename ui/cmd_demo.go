package ui

import (
	"context"
	"fmt"
	"os"
	"strings"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// demoTimesheets is a second, demo-only app: it asks only for permissions that
// the Microsoft-managed user consent policy allows, so in the demo tenant the
// relax-user-consent fix can work for it (TrackerRMS asks for
// Calendars.ReadWrite, which that policy excludes — assets/managed_policy.json).
// It is offered in the demo only, never in the real wizard's app list.
var demoTimesheets = sim.App{
	AppID:             "0f4b6c1e-7d2a-4e8b-9c3f-5a6d7e8f9a0b",
	DisplayName:       "Northwind Timesheets",
	PublisherName:     "Northwind Traders",
	VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Northwind Traders", VerifiedPublisherID: "7034512", AddedDateTime: "2023-05-02T09:00:00Z"},
	OwnerTenantID:     "4a1e2b3c-5d6e-4f70-8192-a3b4c5d6e7f8",
	ReplyURLs:         []string{"https://timesheets.northwind.example/auth/callback"},
	RequiredScopes:    []string{"User.Read", "offline_access", "Contacts.Read"},
}

// demoProfiles are the demo-only apps, as the wizard's app list shows them.
func demoProfiles() []flows.AppRef {
	a := demoTimesheets
	return []flows.AppRef{{
		ClientID: a.AppID, DisplayName: a.DisplayName + " (demo app)", Profile: "northwind-timesheets",
		Scopes: append([]string(nil), a.RequiredScopes...), RedirectURIs: append([]string(nil), a.ReplyURLs...),
		ConsentVersion: "v1", Notes: "A made-up app of the demo tenant whose permissions user consent can cover.",
	}}
}

// simDemo adapts the simulated cloud to DemoControls.
type simDemo struct {
	srv      *sim.Server
	scenario string
}

func (d simDemo) ApproveDeviceCode(code string) error {
	return d.srv.ApproveDeviceCode(code, d.srv.Tenant().AdminUPN())
}
func (d simDemo) AcceptAdminConsent(u string) error {
	_, err := d.srv.HeadlessAdminConsent(u, d.srv.Tenant().AdminUPN(), true)
	return err
}
func (d simDemo) AdminUPN() string     { return d.srv.Tenant().AdminUPN() }
func (d simDemo) TenantDomain() string { return d.srv.Tenant().Domain() }
func (d simDemo) Scenario() string     { return d.scenario }

// endUserScreen maps the simulator's sign-in result to the wizard's screens.
func endUserScreen(o sim.SignInOutcome) (string, string) {
	detail := o.Message
	if o.Code != 0 && !strings.Contains(detail, fmt.Sprintf("AADSTS%d", o.Code)) {
		detail = fmt.Sprintf("AADSTS%d: %s", o.Code, o.Message)
	}
	switch o.Result {
	case "granted":
		return flows.ScreenNone, ""
	case "consent-prompt":
		return flows.ScreenConsentPrompt, detail
	case "approval-required", "request-submitted":
		return flows.ScreenApprovalRequired, detail
	case "not-assigned":
		return flows.ScreenNotAssigned, detail
	}
	return flows.ScreenNeedAdminApproval, detail
}

// startDemo starts the simulated cloud in-process and points cfg at it. The
// demo's journal lives in a temporary directory: the simulated tenant is gone
// when the demo ends, and its entries must never mix with a real tenant's.
func startDemo(cfg Config, scenario string) (Config, *sim.Server, RunnerOptions, func(), error) {
	srv, err := sim.New(sim.Options{Scenario: scenario})
	if err != nil {
		return cfg, nil, RunnerOptions{}, nil, err
	}
	srv.RegisterApp(demoTimesheets)
	if err := srv.Start(); err != nil {
		return cfg, nil, RunnerOptions{}, nil, fmt.Errorf("starting the simulated tenant: %w", err)
	}
	dir, err := os.MkdirTemp("", "consentwiz-demo-")
	if err != nil {
		srv.Close()
		return cfg, nil, RunnerOptions{}, nil, err
	}
	cfg.LoginURL = srv.LoginURL()
	cfg.GraphURL = srv.GraphURL()
	cfg.BrowserLoginURL = srv.BrowserURL()
	cfg.CAPEM = srv.CAPEM()
	cfg.CAFile = ""
	cfg.ConfigDir = dir
	cfg.TokenCache = nil
	cfg.Demo = true
	t := srv.Tenant()
	ro := RunnerOptions{
		Demo: simDemo{srv: srv, scenario: scenario},
		EndUser: func(ctx context.Context, appID string, scopes []string) (string, string, error) {
			user := t.EndUserUPN()
			o := t.UserSignIn(user, appID, scopes, "")
			if o.Result == sim.ResultApprovalRequired {
				// The user fills in the request form, as they would in the real app.
				o = t.UserSignIn(user, appID, scopes, "I need this app for my work.")
			}
			screen, detail := endUserScreen(o)
			if o.Result == "consent-prompt" {
				// The user accepts the prompt, as they would in the real app.
				if c := t.UserConsents(user, appID, scopes); c.Result == "granted" {
					detail = user + " accepted the consent prompt and the app connected."
				}
			} else if screen == flows.ScreenNone {
				detail = user + " connected the app."
			}
			return screen, detail, nil
		},
	}
	cleanup := func() {
		srv.Close()
		os.RemoveAll(dir)
	}
	return cfg, srv, ro, cleanup, nil
}
