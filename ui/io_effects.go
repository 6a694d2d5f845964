package ui

import (
	"context"

	"consentwiz/flows"
	"consentwiz/graph"
)

// Effects is what the wizard's drivers (the TUI and the plain line mode) need
// from the outside world. *Runner implements it against the real tenant (or the
// simulator); tests use fakes. Every method blocks: the TUI calls them from a
// tea.Cmd, never from Update or View.
type Effects interface {
	// Run performs one I/O effect and returns the event that answers it
	// (see the effect → event table in flows/wizard_types.go). It handles every
	// effect except SignIn (use StartSignIn), CopyText (the TUI copies with
	// OSC 52 itself; Run's CopyText is for the plain mode), Wait and Finish.
	Run(ctx context.Context, e flows.Effect) flows.Event
	// StartSignIn begins a sign-in for e.Scopes. When the account already holds
	// a token for them, Pending.Code is nil and Wait returns at once. For a
	// device code sign-in Pending.Code says what the user must enter, and where.
	StartSignIn(ctx context.Context, e flows.SignIn) (*PendingSignIn, error)
	// Demo returns the simulator's controls in `consentwiz demo`, else nil.
	Demo() DemoControls
}

// PendingSignIn is a sign-in waiting for the user.
type PendingSignIn struct {
	// Code is the device code to show; nil for a silent or browser sign-in.
	Code *graph.DeviceCodeInfo
	// Browser reports a browser sign-in: the page was opened (URL shown too).
	Browser bool
	// URL is the page the user signs in on (device code page or browser page).
	URL string
	// Wait blocks until the sign-in ends and returns flows.SignedIn.
	Wait func(ctx context.Context) flows.Event
}

// DemoControls lets the demo approve the sign-in from the terminal and show the
// end user's side.
type DemoControls interface {
	// ApproveDeviceCode approves a pending device code as the demo tenant's admin.
	ApproveDeviceCode(userCode string) error
	// AcceptAdminConsent plays the demo tenant's admin accepting an admin
	// consent (or request approval) page in the browser, so the demo needs
	// no browser on this machine.
	AcceptAdminConsent(consentURL string) error
	// AdminUPN is the demo admin's sign-in name.
	AdminUPN() string
	// TenantDomain is the demo tenant's domain, offered as the default answer.
	TenantDomain() string
	// Scenario is the simulator scenario's name.
	Scenario() string
}
