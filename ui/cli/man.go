package cli

import (
	"fmt"
	"strings"

	"github.com/muesli/mango"
	mpflag "github.com/muesli/mango-pflag"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manCmd is `consentwiz man`: the manual page (roff), built from the commands
// and flags themselves with mango, as fang's own would be; fang's writes to
// the process's stdout, this one to the command's.
func (a *app) manCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "man",
		Short:   "print the manual page (roff): consentwiz man > consentwiz.1",
		GroupID: "tools",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(c.OutOrStdout(), manPage(c.Root()))
			return err
		},
	}
}

func manPage(root *cobra.Command) string {
	page := mango.NewManPage(1, root.Name(), "fix Microsoft 365 Need admin approval for an app").
		WithLongDescription(paragraphs(root.Long)).
		WithSection("Exit status", "0 ok, 1 error, 2 cancelled, 3 users are blocked (check, scan; a wizard run that ended with users still blocked), 4 sign-in failed, 5 could not tell (check, scan).").
		WithSection("Environment", "CONSENTWIZ_CLOUD, CONSENTWIZ_LOGIN_URL, CONSENTWIZ_GRAPH_URL, CONSENTWIZ_CA_FILE, "+
			"CONSENTWIZ_CLIENT_ID: the defaults of the flags of the same name. CONSENTWIZ_CONFIG_DIR: where the journal, "+
			"the token cache and the support reports live. NO_COLOR: no colour. ACCESSIBLE=1 or TERM=dumb: --accessible.")
	// The root's own flags and the global ones; each command its own.
	root.LocalFlags().VisitAll(mpflag.PFlagCommandVisitor(&page.Root))
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		item := mango.NewCommand(c.Name(), c.Short, manUsage(c))
		visit := mpflag.PFlagCommandVisitor(item)
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden { // a flag kept only for old scripts is not offered
				visit(f)
			}
		})
		_ = page.Root.AddCommand(item)
	}
	return page.Build(roff.NewDocument())
}

// manUsage is c's usage line as mango wants it: mango writes the command's
// name in bold, then the usage with that name cut from its start, so the
// usage must start with the name ("check [flags]"), not with the program's
// ("consentwiz check [flags]", which came out as "checkconsentwiz check").
func manUsage(c *cobra.Command) string {
	return strings.TrimPrefix(c.UseLine(), c.Root().Name()+" ")
}

// paragraphs joins the lines of each paragraph of s (mango starts a new
// paragraph at every line).
func paragraphs(s string) string {
	ps := strings.Split(s, "\n\n")
	for i, p := range ps {
		ps[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(ps, "\n\n")
}
