package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// tenantsCmd is `consentwiz tenants`: the customer tenants a partner (MSP)
// reaches through GDAP, for `check --tenants -`.
func (a *app) tenantsCmd() *cobra.Command {
	var o ui.TenantsOptions
	c := &cobra.Command{
		Use:   "tenants",
		Short: "list the customer tenants you reach through GDAP (MSPs and partners), for check --tenants",
		Long: prose(`Signs in to your (the partner's) tenant — --home-tenant, default wherever your account lives —
with the one extra permission this command needs, DelegatedAdminRelationship.Read.All (read
only, asked for by this command alone), and lists the customer tenants with an active GDAP
relationship: each tenant's id and name, whether you hold a role there (through the
relationship's access assignments to your groups) and which roles.

The text output is a tenant id a line with the rest as a # comment; --json prints one JSON
object a tenant ({"tenantId","displayName","status","relationships","rolesHeld"}). Both are what
'consentwiz check --tenants -' reads. Exit codes: 0 ok, 1 error, 4 sign-in failed.`),
		Example: `consentwiz tenants
consentwiz tenants --json |
  consentwiz check --profile trackerrms --tenants - --json`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunTenants(ctx, cfg, o, a.stdio)
		}),
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print one JSON object a tenant")
	c.Flags().StringVar(&o.HomeTenant, "home-tenant", "", "your (the partner's) tenant to sign in to (default: organizations, wherever your account lives)")
	return c
}
