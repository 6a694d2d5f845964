package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/sim"
	"consentwiz/ui"
)

// exec runs the command line in-process with env as the environment.
func exec(t *testing.T, ctx context.Context, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["CONSENTWIZ_CONFIG_DIR"]; !ok {
		env["CONSENTWIZ_CONFIG_DIR"] = t.TempDir()
	}
	code = Execute(ctx, args, Build{Version: "1.2.3", Commit: "0123456789abcdef0123"},
		ui.IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

// tree is the command tree as Execute builds it, for the tests to walk.
func tree() *cobra.Command {
	a := &app{stdio: ui.IO{Getenv: func(string) string { return "" }}}
	return a.root()
}

// flagsOf lists the flags c takes and shows: its own and the global ones
// that do something there (flagShown).
func flagsOf(c *cobra.Command) []*pflag.Flag {
	var fs []*pflag.Flag
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) { fs = append(fs, f) })
	c.Root().PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if flagShown(c.Name(), f.Name) {
			fs = append(fs, f)
		}
	})
	return fs
}

// ours are the commands consentwiz defines (not cobra's help and completion).
func ours(root *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" && !c.Hidden {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// TestHelpNamesEveryFlag keeps the help true to the flags: `consentwiz CMD
// --help` lists every flag CMD takes, and the README's "Commands" section
// names every flag of every command.
func TestHelpNamesEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sec := string(readme)
	sec = sec[strings.Index(sec, "\n## Commands"):]
	sec = sec[:strings.Index(sec[1:], "\n## ")+1]
	for _, c := range ours(tree()) {
		args := []string{c.Name(), "--help"}
		if c == c.Root() {
			args = []string{"--help"}
		}
		code, out, errOut := exec(t, context.Background(), nil, args...)
		if code != ui.ExitOK || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		for _, f := range flagsOf(c) {
			re := regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `([^a-z-]|$)`)
			if !re.MatchString(out) {
				t.Errorf("%v does not list --%s", args, f.Name)
			}
			if !re.MatchString(sec) {
				t.Errorf("the README's Commands section does not name --%s (%s)", f.Name, c.CommandPath())
			}
		}
		if c != c.Root() && !strings.Contains(sec, "consentwiz "+c.Name()) {
			t.Errorf("the README's Commands section does not show 'consentwiz %s'", c.Name())
		}
	}
}

// TestTextsNameOnlyRealFlags: every --flag that the program's texts (ui and
// flows sources, the help, the README) tell a person to use exists. A
// message once told users about a --no-browser flag that did not exist.
func TestTextsNameOnlyRealFlags(t *testing.T) {
	real := map[string]bool{"help": true}
	for _, c := range tree().Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) { real[f.Name] = true })
	}
	tree().Flags().VisitAll(func(f *pflag.Flag) { real[f.Name] = true })
	tree().PersistentFlags().VisitAll(func(f *pflag.Flag) { real[f.Name] = true })
	// "--" then a lower-case name, not inside a word (xn--punycode).
	flagRE := regexp.MustCompile(`(^|[^A-Za-z0-9-])--([a-z][a-z0-9-]*[a-z0-9])`)
	var files []string
	for _, glob := range []string{"../*.go", "*.go", "../../flows/*.go", "../../main.go", "../../README.md", "../../assets/*.md", "../../docs/*.md"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.HasSuffix(f, ".md") {
			text = consentwizSpans(text)
		}
		for _, m := range flagRE.FindAllStringSubmatch(text, -1) {
			checked++
			if !real[m[2]] {
				t.Errorf("%s names --%s, which no command has", f, m[2])
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d flag mentions found: the file globs are wrong", checked)
	}
}

// consentwizSpans is what a Markdown text says about consentwiz's command
// line: its "Commands" section, and elsewhere the code (spans and block
// lines) that runs consentwiz or names a flag, but not other tools' command
// lines (sha256sum --check, git describe --tags).
func consentwizSpans(md string) string {
	var b strings.Builder
	inCommands, inBlock := false, false
	spanRE := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "## ") {
			inCommands = line == "## Commands"
		}
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		spans := []string{line}
		if !inBlock {
			spans = nil
			for _, m := range spanRE.FindAllStringSubmatch(line, -1) {
				spans = append(spans, m[1])
			}
		}
		for _, sp := range spans {
			sp = strings.TrimSpace(sp)
			if inCommands || strings.HasPrefix(sp, "consentwiz") || strings.HasPrefix(sp, "go run .") || strings.HasPrefix(sp, "--") {
				b.WriteString(sp + "\n")
			}
		}
	}
	return b.String()
}

// TestExitCodesSurviveFang: a command's exit code is the process's, and a
// command-line error is exit 1 with one line on stderr.
func TestExitCodesSurviveFang(t *testing.T) {
	srv, err := sim.New(sim.Options{Scenario: "locked-down", AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCAFile(ca); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONSENTWIZ_LOGIN_URL": srv.LoginURL(), "CONSENTWIZ_GRAPH_URL": srv.GraphURL(), "CONSENTWIZ_CA_FILE": ca}
	tenant := srv.Tenant().Domain()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	code, out, errOut := exec(t, ctx, env, "check", "--profile", "trackerrms", "--tenant", tenant, "--json")
	if code != ui.ExitBlocked || !strings.Contains(out, `"blocked":true`) {
		t.Errorf("check in locked-down: exit %d, want %d (users blocked); stderr %q", code, ui.ExitBlocked, errOut)
	}
	done, stop := context.WithCancel(ctx)
	stop()
	if code, _, errOut = exec(t, done, env, "check", "--profile", "trackerrms", "--tenant", tenant); code != ui.ExitCancelled {
		t.Errorf("check, cancelled: exit %d, want %d; stderr %q", code, ui.ExitCancelled, errOut)
	}
	if code, out, _ = exec(t, ctx, env, "explain", "AADSTS90094"); code != ui.ExitOK || !strings.Contains(out, "90094") {
		t.Errorf("explain: exit %d, stdout %q", code, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `consentwiz: unknown command "nosuch" (see 'consentwiz --help')`},
		{[]string{"chek"}, `consentwiz: unknown command "chek" (did you mean "check"?)`},
		{[]string{"check", "--tenat", "x"}, "consentwiz check: unknown flag: --tenat (see 'consentwiz check --help')"},
		{[]string{"link", "--tenant"}, "consentwiz link: flag needs an argument: --tenant"},
		{[]string{"check", "--concurrency", "many"}, `consentwiz check: --concurrency must be a whole number from 1 to 64 (got "many")`},
		{[]string{"--cloud", "mars", "explain", "x"}, `consentwiz explain: unknown cloud "mars"`},
		{[]string{"check", "--app", "x", "--url", "y", "--tenant", "t"}, "consentwiz check: name the app once: use only one of --app, --url"},
		{[]string{"--app", "x", "--error", "y"}, "consentwiz: name the app once: use only one of --app, --error"},
		{[]string{"link", "extra"}, `consentwiz: unknown command "extra" for "consentwiz link"`},
		{[]string{"completion", "tcsh"}, `consentwiz completion: unknown shell "tcsh": use bash, zsh, fish or powershell`},
	} {
		code, out, errOut := exec(t, ctx, nil, c.args...)
		if code != ui.ExitError || out != "" || !strings.HasPrefix(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and one line starting %q", c.args, code, out, errOut, c.want)
		}
	}
}

// TestExplainTextStartingWithDash: a pasted text that starts with "-" works
// after --, and without -- the error says to add it.
func TestExplainTextStartingWithDash(t *testing.T) {
	text := "-AADSTS90094: An administrator of Contoso has set a policy"
	code, out, errOut := exec(t, context.Background(), nil, "explain", "--", text)
	if code != ui.ExitOK || !strings.Contains(out, "AADSTS90094") {
		t.Errorf("explain -- %q: exit %d, stdout %q, stderr %q", text, code, out, errOut)
	}
	for _, args := range [][]string{{"explain", text}, {"explain", "--AADSTS90094"}, {"explain", "AADSTS", "-x"}} {
		code, out, errOut = exec(t, context.Background(), nil, args...)
		if code != ui.ExitError || out != "" || !strings.Contains(errOut, `put -- before it: consentwiz explain -- "-`) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want one line with the hint", args, code, out, errOut)
		}
	}
	// A real flag of explain keeps its own error.
	if code, _, errOut = exec(t, context.Background(), nil, "explain", "--cloud"); code != ui.ExitError || !strings.Contains(errOut, "flag needs an argument: --cloud") {
		t.Errorf("explain --cloud: exit %d, stderr %q", code, errOut)
	}
}

// TestArgumentsAreSanitizedInErrors (reliability review L5): control bytes in
// the user's own arguments never reach the terminal through an error.
func TestArgumentsAreSanitizedInErrors(t *testing.T) {
	evil := "\x1b]52;c;cm0gLXJmIH4K\x07x\x1b[2J\u202e\x9b31m"
	dir := t.TempDir()
	cases := [][]string{
		{"check", "--profile", "trackerrms", "--tenant", "contoso.com", "--ca-file", filepath.Join(dir, evil)},
		{"check", "--" + evil},
		{"explain", "-" + evil},
		{"handoff", "--app", "5353a3d2-8ca9-42d2-b567-ea399ccb5e38", "--tenant", "11111111-2222-4333-8444-555555555555", "--out", filepath.Join(dir, evil)},
		{"handoff", "--app", "5353a3d2-8ca9-42d2-b567-ea399ccb5e38", "--tenant", "11111111-2222-4333-8444-555555555555", "--out", filepath.Join(dir, "missing", evil)},
		{"sim", "--addr", "127.0.0.1:" + evil},
		{"nosuch" + evil},
		{"--cloud", evil},
	}
	for _, args := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, _, errOut := exec(t, ctx, nil, args...)
		cancel()
		if errOut == "" {
			t.Errorf("%q: nothing on stderr", args)
		}
		for _, r := range errOut {
			if (unicode.IsControl(r) && r != '\n') || r == '\u202e' {
				t.Errorf("%q: stderr carries %U: %q", args, r, errOut)
				break
			}
		}
	}
}

// TestHelpListsScenarios: demo --help and sim --help list every scenario with
// its description.
func TestHelpListsScenarios(t *testing.T) {
	for _, cmd := range []string{"demo", "sim"} {
		_, out, _ := exec(t, context.Background(), nil, cmd, "--help")
		flat := strings.Join(strings.Fields(out), " ")
		for _, n := range sim.ScenarioNames() {
			if !strings.Contains(flat, n+" "+sim.ScenarioDescription(n)) {
				t.Errorf("%s --help lacks scenario %s: %s", cmd, n, sim.ScenarioDescription(n))
			}
		}
	}
}

func TestCompletionAndMan(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := exec(t, context.Background(), nil, "completion", shell)
		if code != ui.ExitOK || !strings.Contains(out, "consentwiz") || errOut != "" {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
	_, out, _ := exec(t, context.Background(), nil, "__complete", "demo", "--scenario", "")
	if !strings.Contains(out, "request-workflow\t") {
		t.Errorf("--scenario does not complete the scenarios: %q", out)
	}
	code, out, _ := exec(t, context.Background(), nil, "man")
	if code != ui.ExitOK || !strings.HasPrefix(out, ".TH CONSENTWIZ 1") {
		t.Fatalf("man: exit %d, %q", code, out[:min(len(out), 200)])
	}
	for _, c := range ours(tree()) {
		if !strings.Contains(out, `\fB`+c.Name()) {
			t.Errorf("the man page lacks %s", c.Name())
		}
	}
	if strings.Count(out, `\fB--cloud\fP`) != 1 {
		t.Errorf("the man page lists --cloud %d times", strings.Count(out, `\fB--cloud\fP`))
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"check", "--version"}} {
		code, out, _ := exec(t, context.Background(), nil, args...)
		if code != ui.ExitOK || out != "consentwiz 1.2.3 (commit 0123456789ab)\n" {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "fedcba9876543210"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	b := Build{}.resolve(info, true)
	if got := b.line(); got != "consentwiz dev (commit fedcba987654-dirty, 2026-01-02T03:04:05Z)" {
		t.Errorf("unstamped: %q", got)
	}
	if got := b.short(); got != "dev (fedcba9-dirty)" {
		t.Errorf("unstamped, short: %q", got)
	}
	stamped := Build{Version: "1.2.3", Commit: "abc", Date: "2026-02-03T00:00:00Z"}.resolve(info, true)
	if got := stamped.line(); got != "consentwiz 1.2.3 (commit abc, 2026-02-03T00:00:00Z)" {
		t.Errorf("stamped: %q", got)
	}
	if got := (Build{}).resolve(nil, false).line(); got != "consentwiz dev (commit unknown)" {
		t.Errorf("no build info: %q", got)
	}
}

// TestGlobalFlagsAndEnvironment: each global flag and its environment
// variable reach the configuration.
func TestGlobalFlagsAndEnvironment(t *testing.T) {
	parse := func(env map[string]string, args ...string) ui.Config {
		t.Helper()
		var g globals
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		g.register(fs, func(k string) string { return env[k] })
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		cfg, err := g.config(func(k string) string { return env[k] }, "v")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	env := map[string]string{
		"CONSENTWIZ_CLOUD": "usgov", "CONSENTWIZ_LOGIN_URL": "https://login.example", "CONSENTWIZ_GRAPH_URL": "https://graph.example",
		"CONSENTWIZ_CA_FILE": "/ca.pem", "CONSENTWIZ_CLIENT_ID": "14d82eec-204b-4c2f-b7e8-296a70dab67e", "CONSENTWIZ_CONFIG_DIR": "/cfg", "ACCESSIBLE": "1",
	}
	cfg := parse(env)
	if cfg.Cloud.Name != "usgov" || cfg.LoginURL != "https://login.example" || cfg.GraphURL != "https://graph.example" ||
		cfg.CAFile != "/ca.pem" || cfg.ClientID != env["CONSENTWIZ_CLIENT_ID"] || cfg.ConfigDir != "/cfg" || !cfg.Accessible {
		t.Errorf("from the environment: %+v", cfg)
	}
	cfg = parse(env, "--cloud", "china", "--browser", "--no-browser", "--token-cache", "--present", "--dry-run")
	if cfg.Cloud.Name != "china" || !cfg.UseBrowser || !cfg.NoBrowser || cfg.TokenCacheMode != graph.TokenCacheAuto || !cfg.Present || !cfg.DryRun {
		t.Errorf("flags: %+v", cfg)
	}
	if cfg = parse(nil, "--token-cache=keychain"); cfg.TokenCacheMode != graph.TokenCacheKeychain {
		t.Errorf("--token-cache=keychain: %q", cfg.TokenCacheMode)
	}
	if cfg = parse(nil); cfg.TokenCacheMode != graph.TokenCacheOff {
		t.Errorf("no --token-cache: %q", cfg.TokenCacheMode)
	}
	if cfg = parse(nil, "--browser", "--device-code"); cfg.UseBrowser {
		t.Error("--device-code must win over --browser")
	}
	if cfg = parse(map[string]string{"TERM": "dumb"}); !cfg.Accessible {
		t.Error("TERM=dumb must turn on accessible mode")
	}
	if cfg = parse(map[string]string{"ACCESSIBLE": "0"}); cfg.Accessible {
		t.Error("ACCESSIBLE=0 is off")
	}
}

// TestPanicIsOneLine: a bug in a command ends with one line and exit 1, not
// a stack trace.
func TestPanicIsOneLine(t *testing.T) {
	a := &app{stdio: ui.IO{Out: &bytes.Buffer{}, Getenv: func(string) string { return "" }}}
	run := a.run(func(context.Context, ui.Config, []string) int { panic("boom\x1b[2J") })
	c := &cobra.Command{Use: "x"}
	err := run(c, nil)
	var buf bytes.Buffer
	printError(&buf, fang.Styles{}, err)
	if got := buf.String(); got != "x: internal error: boom (please report it)\n" {
		t.Errorf("%q", got)
	}
}

// The service URLs are plain https: a user name before the host (the real
// host is the one after @) is refused (reliability review L11); the windows
// of a temporary change come from --relax-window and --request-window.
func TestServiceURLsAndWindows(t *testing.T) {
	for _, args := range [][]string{
		{"--login-url", "https://login.microsoftonline.com@evil.example/"},
		{"--graph-url", "https://graph.microsoft.com@evil.example"},
		{"--login-url", "http://login.example"},
		{"--login-url", "https://login.example/?x=1"},
		{"--relax-window", "-5m"},
		{"--relax-window", "900ms"},
		{"--request-window", "2000h"},
	} {
		code, _, errOut := exec(t, context.Background(), nil, append([]string{"link", "--app", "5353a3d2-8ca9-42d2-b567-ea399ccb5e38", "--tenant", "contoso.com"}, args...)...)
		if code != ui.ExitError || !strings.Contains(errOut, args[0]) {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
	var g globals
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	g.register(fs, func(string) string { return "" })
	if err := fs.Parse([]string{"--relax-window", "3s"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := g.config(func(string) string { return "" }, "v")
	if err != nil || cfg.RelaxWindow != 3*time.Second || cfg.RequestWindow != flows.DefaultRequestWindow {
		t.Fatalf("windows %v %v (%v)", cfg.RelaxWindow, cfg.RequestWindow, err)
	}
}
