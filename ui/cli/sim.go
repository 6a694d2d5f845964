package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// simCmd is `consentwiz sim`: serve the simulated cloud to other processes.
func (a *app) simCmd() *cobra.Command {
	var o ui.SimOptions
	c := &cobra.Command{
		Use:   "sim",
		Short: "serve the simulated Microsoft cloud (sign-in server and Graph) until ctrl+c",
		Long: prose(`Serves the simulated Microsoft cloud over HTTPS for other programs and for trying the real
commands: it prints the login and Graph URLs and the CA file to point consentwiz at
(CONSENTWIZ_LOGIN_URL, CONSENTWIZ_GRAPH_URL, CONSENTWIZ_CA_FILE).`) +
			"\n\n" + scenarioList(textWidth()),
		Example: `consentwiz sim --auto-approve --json > sim.json &`,
		GroupID: "tools",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, _ ui.Config, _ []string) int {
			return ui.RunSim(ctx, o, a.stdio)
		}),
	}
	c.Flags().StringVar(&o.Addr, "addr", "127.0.0.1:0", "address to serve HTTPS on")
	addScenarioFlag(c, &o.Scenario)
	c.Flags().BoolVar(&o.AutoApprove, "auto-approve", false, "approve device codes automatically as the admin")
	c.Flags().BoolVar(&o.JSON, "json", false, "print the endpoints as one JSON line")
	c.Flags().StringVar(&o.CAOut, "ca-out", "", "where to write the generated CA certificate (default: a temporary file)")
	return c
}
