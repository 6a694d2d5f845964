package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// handoffCmd is `consentwiz handoff`: a complete hand-off for an admin.
func (a *app) handoffCmd() *cobra.Command {
	var o ui.HandoffOptions
	c := &cobra.Command{
		Use:   "handoff",
		Short: "a complete hand-off for an admin: what is wrong, the admin consent link, the steps",
		Long: prose(`Name the app with one of --app ID, --url URL, --error TEXT, --profile NAME or --app-name NAME
(--error may come with one of the others), and the tenant with --tenant DOMAIN (or its id).

For helpdesk staff without admin rights: from the user's error text and the company domain it
writes a complete hand-off for the admin: what is wrong, the exact admin consent link, the other
fixes with admin-center links and steps, what the app asks for, and how to check the result.
No sign-in unless --sign-in (read-only, e.g. as Global Reader), which adds the live diagnosis.`),
		Example: `consentwiz handoff --tenant contoso.com \
  --error "AADSTS90094: …client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
consentwiz handoff --profile trackerrms --tenant contoso.com \
  --format text --out handoff.txt --copy`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunHandoff(ctx, cfg, o, a.stdio)
		}),
	}
	addAppFlags(c, &o.AppFlags)
	c.Flags().Lookup("error").Usage = "the error text the user got (with --app, --url or --profile: it only explains what the user saw)"
	c.Flags().StringVar(&o.Format, "format", "markdown", "markdown (md) or text")
	c.Flags().StringVar(&o.Out, "out", "", "also save the hand-off to this file")
	c.Flags().BoolVar(&o.Copy, "copy", false, "also copy the hand-off to the clipboard")
	c.Flags().BoolVar(&o.SignIn, "sign-in", false, "sign in read-only (e.g. as Global Reader) to include the live diagnosis")
	_ = c.RegisterFlagCompletionFunc("format", fixed("markdown", "text"))
	return c
}
