package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"consentwiz/assets"
	"consentwiz/ui"
)

// addAppFlags registers the flags that name the app and the tenant on c: the
// one definition every command that takes them shares. ui.AppFlags.Ref is
// the one rule that turns them into an app.
func addAppFlags(c *cobra.Command, f *ui.AppFlags) {
	fs := c.Flags()
	fs.StringVar(&f.App, "app", "", "the app's client id (GUID)")
	fs.StringVar(&f.URL, "url", "", "a sign-in or consent URL the user got")
	fs.StringVar(&f.Error, "error", "", "the error text the user got")
	fs.StringVar(&f.Profile, "profile", "", "an app profile: a name (e.g. trackerrms) or a vendor's profile file (./vendor.json)")
	fs.StringVar(&f.AppName, "app-name", "", "the app's name as users see it (found in the tenant after sign-in, else among the profiles)")
	fs.Var((*scopeList)(&f.Scopes), "scope", `a permission the app asks for (repeatable, or "A B")`)
	fs.StringVar(&f.Tenant, "tenant", "", "the tenant's domain or id")
	_ = c.RegisterFlagCompletionFunc("profile", completeProfiles)
	_ = c.RegisterFlagCompletionFunc("tenant", cobra.NoFileCompletions)
}

// scopeList is the repeatable --scope flag: --scope A --scope B, or "A B",
// or "A,B".
type scopeList []string

func (s *scopeList) String() string { return strings.Join(*s, " ") }
func (s *scopeList) Type() string   { return "scope" }

func (s *scopeList) Set(v string) error {
	*s = append(*s, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })...)
	return nil
}

func completeProfiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	ps, err := assets.Profiles()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var names []cobra.Completion
	for _, p := range ps {
		names = append(names, cobra.CompletionWithDesc(strings.ToLower(p.Name), p.DisplayName))
	}
	// Files too: --profile also takes a vendor's profile file.
	return names, cobra.ShellCompDirectiveDefault
}

// fixed completes a flag with a fixed list of values.
func fixed(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}
