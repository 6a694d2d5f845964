package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// checkCmd is `consentwiz check`: the diagnosis only, for one tenant or many.
func (a *app) checkCmd() *cobra.Command {
	var o ui.CheckOptions
	c := &cobra.Command{
		Use:   "check",
		Short: "diagnosis only: why users are blocked and which fixes can work (exit 3: blocked, 5: could not tell)",
		Long: `Name the app with one of --app ID, --url URL, --error TEXT or --profile NAME, and the tenant
with --tenant DOMAIN (or its id), or many tenants with --tenants FILE.

Signs in with read-only permissions (the device code goes to standard error) and prints the
diagnosis. Exit codes: 0 nothing blocks, 3 users are blocked, 5 could not tell (what the verdict
needs could not be read with the signed-in account: --json says what, and which role reads it),
1 error, 4 sign-in failed (when consentwiz's own sign-in needs an admin's consent in the tenant,
the message names consentwiz handoff, which needs no sign-in), 2 cancelled.

With --tenants FILE (one domain or tenant id a line; - reads standard input) it checks many
tenants, --concurrency at once, and prints one line (with --json one JSON object) a tenant as
each finishes, then a summary. Exit code: 3 if users are blocked in any tenant, else 1 if any
tenant could not be checked, else 5 if any tenant could not be told, else 0; 2 if cancelled.`,
		Example: `consentwiz check --profile trackerrms --tenant contoso.com --json
consentwiz check --app 5353a3d2-8ca9-42d2-b567-ea399ccb5e38 --scope Calendars.ReadWrite --tenant contoso.com
consentwiz check --profile trackerrms --tenants customers.txt --json`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunCheck(ctx, cfg, o, a.stdio)
		}),
	}
	addAppFlags(c, &o.AppFlags)
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	c.Flags().StringVar(&o.Tenants, "tenants", "", "a file with one tenant domain or id a line (- reads standard input)")
	c.Flags().IntVar(&o.Concurrency, "concurrency", 8, "tenants checked at once (with --tenants)")
	return c
}
