package ui

import (
	"context"
	"io"
)

// Exit codes (README.md "Commands").
const (
	ExitOK        = 0
	ExitError     = 1
	ExitCancelled = 2
	ExitBlocked   = 3
	ExitSignIn    = 4
	// ExitUnknown: could not tell — what the verdict needs could not be read
	// with the signed-in account (check), or neither source could be (scan).
	ExitUnknown = 5
)

// IO are the process's streams and environment, injected for tests.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
}

// The options of each command, as ui/cli parses them from its flags.
type (
	// WizardOptions are the options of `consentwiz`, `demo` and `restore`.
	WizardOptions struct {
		AppFlags        // the app and tenant (else the first screens ask)
		Scenario string // demo: the simulated tenant's scenario
		// BrowserAddr (demo): where the simulated sign-in and consent pages
		// listen; "" is this computer only (127.0.0.1). A host of 0.0.0.0 or
		// :: listens everywhere, and the links then name this computer.
		BrowserAddr      string
		ReportUnredacted bool // keep personal data in the support report
		// HomeTenant is where to sign in once when the tenant is another
		// (a partner's delegated admin, a guest): io_home.go.
		HomeTenant string
	}
	// CheckOptions are the options of `check`.
	CheckOptions struct {
		AppFlags
		ManyOptions // --tenants and what goes with it (cmd_many.go)
		JSON        bool
	}
	// LinkOptions are the options of `link`.
	LinkOptions struct {
		AppFlags
		V2          bool   // a v2.0 admin consent URL
		RedirectURI string // the app's exact registered redirect URI
	}
	// HandoffOptions are the options of `handoff`.
	HandoffOptions struct {
		AppFlags
		Format string // markdown (md) or text
		Out    string // also save the hand-off to this file
		Copy   bool   // also copy it to the clipboard
		SignIn bool   // sign in read-only for a live diagnosis
	}
	// ScanOptions are the options of `scan`.
	ScanOptions struct {
		Tenant      string // the tenant's domain or id
		ManyOptions        // --tenants: many tenants with one sign-in (cmd_many.go)
		Days        int    // how far back the sign-in logs are read (0: flows.DefaultScanDays)
		JSON        bool
	}
	// SimOptions are the options of `sim`.
	SimOptions struct {
		Addr        string // address to serve HTTPS on
		Scenario    string
		AutoApprove bool   // approve device codes as the admin
		JSON        bool   // print the endpoints as one JSON line
		CAOut       string // where to write the generated CA certificate
	}
)

// RunWizard runs `consentwiz`: the wizard against the real tenant.
func RunWizard(ctx context.Context, cfg Config, o WizardOptions, stdio IO) int {
	return runWizard(ctx, cfg, o, stdio, false, false)
}

// RunDemo runs `consentwiz demo`: the wizard against the simulated tenant.
func RunDemo(ctx context.Context, cfg Config, o WizardOptions, stdio IO) int {
	return runWizard(ctx, cfg, o, stdio, true, false)
}

// RunRestore runs `consentwiz restore`: put back what a fix changed.
func RunRestore(ctx context.Context, cfg Config, o WizardOptions, stdio IO) int {
	return runWizard(ctx, cfg, o, stdio, false, true)
}

// RunCheck runs `consentwiz check`, for one tenant or, with Tenants, many.
func RunCheck(ctx context.Context, cfg Config, o CheckOptions, stdio IO) int {
	if o.Tenants != "" {
		return runCheckMany(ctx, cfg, o, stdio)
	}
	return runCheck(ctx, cfg, o, stdio)
}
