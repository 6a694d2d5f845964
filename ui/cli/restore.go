package cli

import (
	"context"

	"github.com/spf13/cobra"

	"consentwiz/ui"
)

// restoreCmd is `consentwiz restore`: put back what a fix changed.
func (a *app) restoreCmd() *cobra.Command {
	var o ui.WizardOptions
	c := &cobra.Command{
		Use:   "restore",
		Short: "put back a setting a fix changed (from the journal)",
		Long: prose(`Offers each change consentwiz made that was not put back — a wizard killed, cut off or
out of network in the middle of a fix — oldest first: it signs in to that tenant as the account
that made the change, reads the setting and compares it with what consentwiz set, puts the
original back (or removes what the fix created) and verifies it. With --dry-run it shows the
request it would send instead. Exit code 0 when everything is back, or when nothing waits.`),
		GroupID: "wizard",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunRestore(ctx, cfg, o, a.stdio)
		}),
	}
	c.Flags().BoolVar(&o.ReportUnredacted, "report-unredacted", false, "keep names, addresses and ids in the support report")
	return c
}
