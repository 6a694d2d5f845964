// Package cli is consentwiz's command line: one cobra command per file, each
// with its own options and flags, styled and run by fang. The app and tenant
// flags are defined once (appflags.go), the global flags once (globals.go).
// The commands' work is in package ui.
package cli

import (
	"context"
	"fmt"
	"runtime/debug"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"consentwiz/graph/entra"
	"consentwiz/ui"
)

// app is one run of the command line.
type app struct {
	stdio ui.IO
	build Build
	args  []string // as given (explain's hint looks at them)
	g     globals
	code  int // the exit code the command chose
}

// Execute runs consentwiz with args and returns the exit code: the command's
// own (0 ok, 1 error, 2 cancelled, 3 users blocked, 4 sign-in failed), or 1
// for a command-line error, which is printed on one line.
func Execute(ctx context.Context, args []string, build Build, stdio ui.IO) int {
	errw := &lineSanitizer{w: stdio.Err}
	defer errw.Flush()
	stdio.Err = errw
	if stdio.Getenv == nil {
		stdio.Getenv = func(string) string { return "" }
	}
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	a := &app{stdio: stdio, build: build.resolve(debug.ReadBuildInfo()), args: args}
	root := a.root()
	root.SetArgs(args)
	prepareHelp(root, args)
	err := fang.Execute(ctx, root,
		fang.WithoutVersion(), // --version is ours: it prints the commit too
		fang.WithoutManpage(), // `consentwiz man` is ours: it writes to our stdout
		fang.WithErrorHandler(printError))
	if err != nil {
		return ui.ExitError
	}
	return a.code
}

const rootLong = `consentwiz fixes Microsoft 365 "Need admin approval" for an app. It reads the
tenant's consent settings through Microsoft Graph, says why users are blocked and which
fixes can work, and walks an admin through the chosen fix, verifying the result.

Without a command it runs the wizard against your tenant (device code sign-in; --browser
for the browser). A wizard run ends by writing a support report (Markdown and JSON,
redacted unless --report-unredacted) to the reports folder of the config dir
(CONSENTWIZ_CONFIG_DIR) when it has something new to report, and prints its path.

Exit codes: 0 ok, 1 error, 2 cancelled, 3 users are blocked (check, scan; a wizard run that
ended with users still blocked), 4 sign-in failed, 5 could not tell (check, scan).

Environment: CONSENTWIZ_CLOUD, CONSENTWIZ_LOGIN_URL, CONSENTWIZ_GRAPH_URL,
CONSENTWIZ_CA_FILE, CONSENTWIZ_CLIENT_ID, CONSENTWIZ_CONFIG_DIR, NO_COLOR, ACCESSIBLE, TERM=dumb.`

// root is `consentwiz`: the wizard, and the parent of every command.
func (a *app) root() *cobra.Command {
	var o ui.WizardOptions
	c := &cobra.Command{
		Use:   "consentwiz",
		Short: `Fix Microsoft 365 "Need admin approval" for an app`,
		Long:  prose(rootLong),
		Example: `consentwiz demo
consentwiz --profile trackerrms --tenant contoso.com
consentwiz check --profile trackerrms --tenant contoso.com --json
consentwiz explain -- "-AADSTS90094: An administrator of Contoso…"`,
		Args: a.noArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunWizard(ctx, cfg, o, a.stdio)
		}),
		SilenceErrors: true,
		SilenceUsage:  true,

		SuggestionsMinimumDistance: 2,
	}
	c.SetIn(a.stdio.In)
	c.SetOut(a.stdio.Out)
	c.SetErr(a.stdio.Err)
	addWizardFlags(c, &o)
	a.g.register(c.PersistentFlags(), a.stdio.Getenv)
	_ = c.RegisterFlagCompletionFunc("cloud", fixed(entra.CloudNames...))
	c.SetFlagErrorFunc(flagError) // every command's, unless it sets its own

	c.AddGroup(
		&cobra.Group{ID: "wizard", Title: "the wizard"},
		&cobra.Group{ID: "headless", Title: "without the wizard"},
		&cobra.Group{ID: "tools", Title: "tools"},
	)
	for _, sub := range []*cobra.Command{
		a.demoCmd(), a.restoreCmd(),
		a.checkCmd(), a.scanCmd(), a.tenantsCmd(), a.linkCmd(), a.explainCmd(), a.handoffCmd(),
	} {
		c.AddCommand(sub)
	}
	c.AddCommand(a.simCmd(), a.manCmd())
	c.SetHelpCommandGroupID("tools")
	c.SetCompletionCommandGroupID("tools")
	c.InitDefaultCompletionCmd()
	if comp, _, err := c.Find([]string{"completion"}); err == nil && comp != c {
		// cobra's completion command shows its help, exit 0, for a shell it
		// does not know: a script redirecting it would get the help text.
		comp.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(c, fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", args[0]))
			}
			return nil
		}
		comp.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	return c
}

// addWizardFlags registers the flags of the wizard (`consentwiz`, `demo`).
func addWizardFlags(c *cobra.Command, o *ui.WizardOptions) {
	addAppFlags(c, &o.AppFlags)
	c.Flags().BoolVar(&o.ReportUnredacted, "report-unredacted", false, "keep names, addresses and ids in the support report")
	c.Flags().StringVar(&o.HomeTenant, "home-tenant", "", "sign in here once and work in --tenant with the same account (an MSP's partner tenant; organizations: wherever your account lives)")
}

// run is a command's RunE: --version answers first, then the global flags
// become the configuration, then body runs and chooses the exit code.
func (a *app) run(body func(ctx context.Context, cfg ui.Config, args []string) int) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) (err error) {
		defer func() {
			// A bug must not end in a stack trace on the admin's terminal.
			if p := recover(); p != nil {
				err = &cmdError{path: c.CommandPath(), err: fmt.Errorf("internal error: %v (please report it)", p)}
			}
		}()
		if a.g.version {
			fmt.Fprintln(a.stdio.Out, a.build.line())
			a.code = ui.ExitOK
			return nil
		}
		cfg, err := a.g.config(a.stdio.Getenv, a.build.short())
		if err != nil {
			return usageError(c, err)
		}
		if signsIn(c) {
			warning, err := cfg.OpenTokenCache(c.Context())
			if err != nil {
				return &cmdError{path: c.CommandPath(), err: err}
			}
			if warning != "" {
				fmt.Fprintln(a.stdio.Err, "consentwiz: "+warning)
			}
		}
		a.code = body(c.Context(), cfg, args)
		return nil
	}
}

// noArgs rejects an argument to the root: an unknown command.
func (a *app) noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return &cmdError{path: c.CommandPath(), err: fmt.Errorf("%s", msg), hint: "see 'consentwiz --help'"}
}

// signsIn reports whether c may sign in, so --token-cache opens the cache for
// it (the offline commands and the demo's simulated tenant never use it).
func signsIn(c *cobra.Command) bool {
	switch c.Name() {
	case "explain", "link", "sim", "demo", "man", "completion", "help":
		return false
	}
	return true
}
