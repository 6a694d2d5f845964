package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consentwiz/flows"
	"consentwiz/ui"
)

// explainCmd is `consentwiz explain`: what an error means and what to do.
func (a *app) explainCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "explain [CODE | URL | TEXT | -]",
		Short: "what an error means and what to do; no sign-in, works offline",
		Long: prose(`Explains an AADSTS code, a sign-in or consent URL, or the error text a user pasted. With no
argument or -, it reads the text from standard input. Put -- before a text that starts with "-".`),
		Example: `consentwiz explain AADSTS90094
consentwiz explain -- "-AADSTS65001: The user or administrator has not…"
pbpaste | consentwiz explain`,
		GroupID: "headless",
		Args:    cobra.ArbitraryArgs,
		RunE: a.run(func(_ context.Context, _ ui.Config, args []string) int {
			return ui.RunExplain(args, a.stdio)
		}),
	}
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if tok := unknownDashArg(c.Flags(), a.args); tok != "" {
			t := flows.Sanitize(tok, 40)
			return &cmdError{path: c.CommandPath(), err: fmt.Errorf(
				"%q is not a flag: to explain a text that starts with \"-\", put -- before it: consentwiz explain -- %q", t, t)}
		}
		return flagError(c, err)
	})
	return c
}

// unknownDashArg is the first argument before "--" that starts with "-" and
// is not a flag of fs: a pasted text such as "-AADSTS65001: …".
func unknownDashArg(fs *pflag.FlagSet, args []string) string {
	for _, arg := range args {
		switch {
		case arg == "--":
			return ""
		case arg == "-" || !strings.HasPrefix(arg, "-"):
			continue
		case strings.HasPrefix(arg, "--"):
			name, _, _ := strings.Cut(arg[2:], "=")
			if fs.Lookup(name) == nil {
				return arg
			}
		default:
			for _, r := range arg[1:] {
				if f := fs.ShorthandLookup(string(r)); f == nil {
					return arg
				} else if f.Value.Type() != "bool" {
					break // the rest is the flag's value
				}
			}
		}
	}
	return ""
}
