package ui

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes (DESIGN.md "Commands").
const (
	ExitOK        = 0
	ExitError     = 1
	ExitCancelled = 2
	ExitBlocked   = 3
	ExitSignIn    = 4
)

// IO are the process's streams and environment, injected for tests.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
}

// stringList is a repeatable string flag (--scope A --scope B, or "A B").
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, " ") }

func (s *stringList) Set(v string) error {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		*s = append(*s, f)
	}
	return nil
}

// CommandOptions are the flags of the subcommands.
type CommandOptions struct {
	App, URL, Error, Profile, Tenant string
	Tenants                          string
	Scopes                           stringList
	JSON                             bool
	V2                               bool
	RedirectURI                      string
	Scenario                         string
	Addr                             string
	AutoApprove                      bool
	CAOut                            string
	Out                              string
	Format                           string // handoff: markdown or text
	Copy                             bool   // handoff: copy to the clipboard
	SignIn                           bool   // handoff: sign in read-only for a live diagnosis
	ReportUnredacted                 bool
	Concurrency                      int
}

// RegisterCommandFlags adds the flags of cmd to fs.
func RegisterCommandFlags(cmd string, fs *flag.FlagSet) *CommandOptions {
	o := &CommandOptions{}
	appFlags := func() {
		fs.StringVar(&o.App, "app", "", "the app's client id (GUID)")
		fs.StringVar(&o.URL, "url", "", "a sign-in or consent URL the user got")
		fs.StringVar(&o.Error, "error", "", "the error text the user got")
		fs.StringVar(&o.Profile, "profile", "", "an app profile name (e.g. trackerrms)")
		fs.StringVar(&o.Tenant, "tenant", "", "the tenant's domain or id")
		fs.Var(&o.Scopes, "scope", "a permission the app asks for (repeatable)")
	}
	switch cmd {
	case "", "demo":
		fs.StringVar(&o.Scenario, "scenario", "locked-down", "simulated tenant scenario (demo)")
		appFlags()
		fs.BoolVar(&o.ReportUnredacted, "report-unredacted", false, "keep personal data in the support report")
	case "check":
		appFlags()
		fs.BoolVar(&o.JSON, "json", false, "print JSON")
		fs.StringVar(&o.Tenants, "tenants", "", "file with one tenant domain or id per line")
		fs.IntVar(&o.Concurrency, "concurrency", 8, "tenants checked at once (with --tenants)")
	case "link":
		appFlags()
		fs.BoolVar(&o.V2, "v2", false, "build a v2.0 admin consent URL (needs --scope and --redirect-uri)")
		fs.StringVar(&o.RedirectURI, "redirect-uri", "", "the app's exact registered redirect URI (v2)")
	case "handoff":
		appFlags()
		fs.StringVar(&o.Out, "out", "", "also save the hand-off to this file")
		fs.StringVar(&o.Format, "format", "markdown", "markdown or text")
		fs.BoolVar(&o.Copy, "copy", false, "also copy the hand-off to the clipboard")
		fs.BoolVar(&o.SignIn, "sign-in", false, "sign in read-only (e.g. as Global Reader) to include the live diagnosis")
	case "sim":
		fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "address to serve HTTPS on")
		fs.StringVar(&o.Scenario, "scenario", "locked-down", "tenant scenario")
		fs.BoolVar(&o.AutoApprove, "auto-approve", false, "approve device codes automatically as the admin")
		fs.BoolVar(&o.JSON, "json", false, "print the endpoints as one JSON line")
		fs.StringVar(&o.CAOut, "ca-out", "", "where to write the generated CA certificate")
	}
	return o
}

// RunCommand runs one subcommand and returns its exit code.
func RunCommand(ctx context.Context, cmd string, cfg Config, o *CommandOptions, args []string, stdio IO) int {
	switch cmd {
	case "":
		return runWizard(ctx, cfg, o, stdio, false, false)
	case "demo":
		return runWizard(ctx, cfg, o, stdio, true, false)
	case "restore":
		return runWizard(ctx, cfg, o, stdio, false, true)
	case "sim":
		return runSim(ctx, cfg, o, stdio)
	case "check":
		if o.Tenants != "" {
			return runCheckMany(ctx, cfg, o, stdio)
		}
		return runCheck(ctx, cfg, o, stdio)
	case "link":
		return runLink(ctx, cfg, o, stdio)
	case "explain":
		return runExplain(args, stdio)
	case "handoff":
		return runHandoff(ctx, cfg, o, stdio)
	}
	fmt.Fprintf(stdio.Err, "consentwiz %s: unknown command\n", cmd)
	return ExitError
}
