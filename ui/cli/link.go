package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// linkCmd is `consentwiz link`: the admin consent URL, without sign-in.
func (a *app) linkCmd() *cobra.Command {
	var o ui.LinkOptions
	c := &cobra.Command{
		Use:   "link",
		Short: "print the admin consent link; no sign-in, works offline",
		Long: prose(`Name the app with one of --app ID, --url URL, --error TEXT, --profile NAME or --app-name NAME
(among consentwiz's app profiles), and the tenant with --tenant DOMAIN (or its id).

Prints the tenant-wide admin consent link for the app. No sign-in; without network it uses the
tenant's domain, which the consent endpoint accepts as well as its id.`),
		Example: `consentwiz link --profile trackerrms --tenant contoso.com
consentwiz link --app 5353a3d2-8ca9-42d2-b567-ea399ccb5e38 \
  --tenant contoso.com --v2 --scope Calendars.ReadWrite \
  --redirect-uri https://app.example.com/cb`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunLink(ctx, cfg, o, a.stdio)
		}),
	}
	addAppFlags(c, &o.AppFlags)
	c.Flags().BoolVar(&o.V2, "v2", false, "a v2.0 admin consent URL (needs --scope and --redirect-uri)")
	c.Flags().StringVar(&o.RedirectURI, "redirect-uri", "", "the app's exact registered redirect URI (v2)")
	return c
}
