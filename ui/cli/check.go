package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// checkCmd is `consentwiz check`: the diagnosis only, for one tenant or many.
func (a *app) checkCmd() *cobra.Command {
	var o ui.CheckOptions
	c := &cobra.Command{
		Use:   "check",
		Short: "diagnosis only: why users are blocked and which fixes can work (exit 3: blocked, 5: could not tell)",
		Long: prose(`Name the app with one of --app ID, --url URL, --error TEXT, --profile NAME or --app-name NAME,
and the tenant with --tenant DOMAIN (or its id), or many tenants with --tenants FILE.

Signs in with read-only permissions (the device code goes to standard error) and prints the
diagnosis. Exit codes: 0 nothing blocks, 3 users are blocked, 5 could not tell (what the verdict
needs could not be read with the signed-in account: --json says what, and which role reads it; or
users get in only through a temporary change consentwiz left open: run consentwiz restore),
1 error, 4 sign-in failed (when consentwiz's own sign-in needs an admin's consent in the tenant,
the message names consentwiz handoff, which needs no sign-in), 2 cancelled.

With --tenants FILE (one domain or tenant id a line, or the output of 'consentwiz tenants';
- reads standard input) it checks many tenants with one sign-in: you sign in once at
--home-tenant (default: wherever your account lives), and each tenant's token comes silently
with the same account (a partner's GDAP role, or a guest account). A tenant where that is not
enough (MFA or Conditional Access there, no role) is reported as needing its own sign-in;
--interactive-fallback signs in to each of those, one at a time. A tenant that Microsoft Graph
throttles waits its turn without holding up the others. On a terminal a live table shows the
tenants as they finish; with --json one JSON object a tenant, then a summary. Exit code: 3 if
users are blocked in any tenant, else 1 if any tenant could not be checked, else 5 if any tenant
could not be told, else 0; 2 if cancelled; 4 if the one sign-in failed.`),
		Example: `consentwiz check --profile trackerrms --tenant contoso.com --json
consentwiz check --app 5353a3d2-8ca9-42d2-b567-ea399ccb5e38 \
  --scope Calendars.ReadWrite --tenant contoso.com
consentwiz check --profile trackerrms --tenants customers.txt --json
consentwiz tenants --json |
  consentwiz check --profile trackerrms --tenants - \
  --interactive-fallback`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunCheck(ctx, cfg, o, a.stdio)
		}),
	}
	addAppFlags(c, &o.AppFlags)
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	addManyFlags(c, &o.ManyOptions)
	return c
}

// addManyFlags registers the flags of a command that checks many tenants
// with one sign-in (--tenants).
func addManyFlags(c *cobra.Command, o *ui.ManyOptions) {
	c.Flags().StringVar(&o.Tenants, "tenants", "", "a file with one tenant domain or id a line, or the output of 'consentwiz tenants' (- reads standard input)")
	c.Flags().Var(newIntRange(&o.Concurrency, ui.DefaultConcurrency, 1, ui.MaxConcurrency), "concurrency",
		fmt.Sprintf("tenants checked at once with --tenants, 1 to %d", ui.MaxConcurrency))
	c.Flags().StringVar(&o.HomeTenant, "home-tenant", "", "the tenant to sign in to once; the others are reached with that sign-in (with --tenants the default is organizations: wherever your account lives)")
	c.Flags().BoolVar(&o.InteractiveFallback, "interactive-fallback", false, "with --tenants: sign in to each tenant the one sign-in does not reach, one at a time")
}
