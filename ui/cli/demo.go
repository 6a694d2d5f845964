package cli

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"consentwiz/graph/sim"
	"consentwiz/ui"
)

// demoCmd is `consentwiz demo`: the wizard against a simulated tenant.
func (a *app) demoCmd() *cobra.Command {
	var o ui.WizardOptions
	c := &cobra.Command{
		Use:   "demo",
		Short: "the wizard on a built-in simulated tenant (no account, no network)",
		Long: prose(`The same wizard against a simulated Microsoft cloud (sign-in server and Microsoft Graph)
that runs inside the process over HTTPS on 127.0.0.1. Sign-in, and the admin consent and
approval pages, can be approved from the terminal (a) or in a browser; no browser is needed.`) +
			"\n\n" + scenarioList(textWidth()),
		Example: "consentwiz demo --scenario request-workflow",
		GroupID: "wizard",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunDemo(ctx, cfg, o, a.stdio)
		}),
	}
	addWizardFlags(c, &o)
	addScenarioFlag(c, &o.Scenario)
	c.Flags().StringVar(&o.BrowserAddr, "browser-addr", "", "serve the simulated sign-in and consent pages on this address (default: this computer only); 0.0.0.0:8080 lets another machine's browser open the links")
	return c
}

// addScenarioFlag registers --scenario (demo, sim): one of scenarioNames.
func addScenarioFlag(c *cobra.Command, s *string) {
	*s = "locked-down"
	c.Flags().Var(&choice{p: s, names: scenarioNames()}, "scenario", "the simulated tenant's scenario (see the list above)")
	_ = c.RegisterFlagCompletionFunc("scenario", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, n := range sim.ScenarioNames() {
			out = append(out, cobra.CompletionWithDesc(n, sim.ScenarioDescription(n)))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// scenarioNames are the simulator's scenarios, demo's and sim's alike: the
// single-tenant ones, then those with several tenants (msp).
func scenarioNames() []string {
	return append(sim.ScenarioNames(), sim.MultiTenantScenarioNames()...)
}

// scenarioList is the simulator's scenarios with their one-line
// descriptions, wrapped to width (the help's text width, so that fang's own
// wrapping does not break the hanging indent).
func scenarioList(width int) string {
	const indent = 24
	var b strings.Builder
	b.WriteString("Scenarios (--scenario):")
	for _, n := range scenarioNames() {
		line := fmt.Sprintf("  %-*s", indent-3, n)
		for _, w := range strings.Fields(sim.ScenarioDescription(n)) {
			if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width && len(strings.TrimSpace(line)) > len(n) {
				b.WriteString("\n" + line)
				line = strings.Repeat(" ", indent-1)
				if indent+utf8.RuneCountInString(w) > width {
					// A word too long for the column (an error code's
					// name) gets a line of its own, whole.
					line = "   "
				}
			}
			line += " " + w
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}
