package ui

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// demoTimesheets is a second app of the simulated cloud, offered in the
// demo only (never in the real wizard's app list): it asks only for
// permissions that the Microsoft-managed user consent policy allows, so in
// the demo tenant the relax-user-consent fix can work for it (TrackerRMS asks
// for Calendars.ReadWrite, which that policy excludes —
// assets/managed_policy.json), and classify-low in the low-impact scenario.
var demoTimesheets = sim.TimesheetsApp()

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

// demoBrowser sets where the simulated browser pages listen: this computer
// only unless the admin asks for another address; an address that listens
// everywhere (0.0.0.0, ::) makes the links name this computer, so another
// machine's browser can open them.
func demoBrowser(o sim.Options, addr string) (sim.Options, error) {
	if addr == "" {
		return o, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return o, fmt.Errorf("--browser-addr %q: want host:port, e.g. 0.0.0.0:8080 (%v)", addr, err)
	}
	o.BrowserAddr = addr
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		name, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("--browser-addr %q: this computer's name is unknown (%v): give the address to listen on", addr, err)
		}
		o.BrowserHost = name
	}
	return o, nil
}

// startDemo starts the simulated cloud in-process and points cfg at it. The
// demo's journal lives in a temporary directory: the simulated tenant is gone
// when the demo ends, and its entries must never mix with a real tenant's.
func startDemo(cfg Config, scenario, browserAddr string) (Config, *sim.Server, RunnerOptions, func(), error) {
	opts, err := demoBrowser(sim.Options{Scenario: scenario}, browserAddr)
	if err != nil {
		return cfg, nil, RunnerOptions{}, nil, err
	}
	srv, err := sim.New(opts)
	if err != nil {
		return cfg, nil, RunnerOptions{}, nil, err
	}
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
