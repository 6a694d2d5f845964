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
		Use:     "restore",
		Short:   "put back a setting a fix changed (from the journal)",
		GroupID: "wizard",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunRestore(ctx, cfg, o, a.stdio)
		}),
	}
	c.Flags().BoolVar(&o.ReportUnredacted, "report-unredacted", false, "keep names, addresses and ids in the support report")
	return c
}
