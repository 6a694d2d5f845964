// Command consentwiz fixes Microsoft 365 "Need admin approval" consent problems:
// it reads the tenant's consent settings through Microsoft Graph, explains why
// users are blocked, and walks an admin through a fix, verifying the result.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/pkg/browser"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/ui"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// pkg/browser pipes xdg-open's output to ours by default; it would corrupt
	// the wizard's screen (STYLE.md 6).
	browser.Stdout = io.Discard
	browser.Stderr = io.Discard
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

const usage = `consentwiz — fix Microsoft 365 "Need admin approval" for an app

Usage:
  consentwiz [wizard flags]                   the wizard, against your tenant
  consentwiz demo [--scenario S] [wizard flags]
                                              the same wizard against a built-in simulated tenant
  consentwiz restore                          put back a setting a fix changed
  consentwiz check  (--app ID | --url URL | --error TEXT | --profile NAME) --tenant DOMAIN
                    [--scope S]... [--json]   diagnosis only (exit 3: users are blocked)
  consentwiz check  --tenants FILE|- [--concurrency N] (--app ID | --profile NAME | ...) [--json]
                                              many tenants (one a line; - reads stdin), one JSON object a line
  consentwiz link   (--app ID | --url URL | --error TEXT | --profile NAME) --tenant DOMAIN
                    [--v2 --scope S... --redirect-uri URI]
  consentwiz explain <CODE | URL | TEXT>      what an error means and what to do, no sign-in
  consentwiz handoff (--app ID | --url URL | --error TEXT | --profile NAME) [--tenant DOMAIN]
                    [--scope S]... [--format md|text] [--out FILE] [--copy] [--sign-in]
                                              a complete hand-off for an admin; no sign-in unless
                                              --sign-in (read-only, e.g. as Global Reader)
  consentwiz sim [--addr A] [--scenario S] [--auto-approve] [--json] [--ca-out FILE]
                                              serve the simulated cloud

Wizard flags (consentwiz, consentwiz demo):
  --app ID | --url URL | --error TEXT | --profile NAME
                                         the app (else the first screen asks)
  --tenant DOMAIN                        the tenant's domain or id (else asked)
  --scope S                              a permission the app asks for (repeatable)
  --scenario S                           demo only: the simulated tenant (default locked-down)
  --report-unredacted                    keep names, addresses and ids in the support report

Global flags (also as environment variables):
  --cloud global|usgov|usgov-dod|china   CONSENTWIZ_CLOUD
  --login-url URL                        CONSENTWIZ_LOGIN_URL
  --graph-url URL                        CONSENTWIZ_GRAPH_URL
  --ca-file FILE                         CONSENTWIZ_CA_FILE
  --client-id GUID                       CONSENTWIZ_CLIENT_ID
  --browser | --device-code              how to sign in (device code is the default)
  --token-cache                          keep tokens between runs (0600 file)
  --present                              screen-share mode: big "Step 3 of 6" banner, ids and
                                         addresses masked, the last key pressed shown
  --accessible                           line-by-line mode (ACCESSIBLE=1, TERM=dumb)
  --dry-run                              show every change without making it
  --version

Support report: every wizard run ends by writing one (Markdown and JSON, redacted unless
--report-unredacted) to the reports folder of the config dir (CONSENTWIZ_CONFIG_DIR; the demo
uses a consentwiz-demo-reports folder in the temporary directory) and prints its path. Press r
(or type report in line mode) on the checklist, the hand-off or a result to save one at once.

Exit codes: 0 ok, 1 error, 2 cancelled, 3 users blocked (check), 4 sign-in failed.
`

// globals are the flags every subcommand takes.
type globals struct {
	cloud, loginURL, graphURL, caFile, clientID string
	browser, deviceCode, tokenCache             bool
	present, accessible, dryRun, showVersion    bool
}

func (g *globals) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&g.cloud, "cloud", getenv("CONSENTWIZ_CLOUD"), "national cloud: global, usgov, usgov-dod, china")
	fs.StringVar(&g.loginURL, "login-url", getenv("CONSENTWIZ_LOGIN_URL"), "authority root URL (custom endpoints, the simulator)")
	fs.StringVar(&g.graphURL, "graph-url", getenv("CONSENTWIZ_GRAPH_URL"), "Microsoft Graph root URL")
	fs.StringVar(&g.caFile, "ca-file", getenv("CONSENTWIZ_CA_FILE"), "extra CA certificate (PEM) to trust")
	fs.StringVar(&g.clientID, "client-id", getenv("CONSENTWIZ_CLIENT_ID"), "public client id used to sign in")
	fs.BoolVar(&g.browser, "browser", false, "sign in through the browser")
	fs.BoolVar(&g.deviceCode, "device-code", false, "sign in with a device code (default)")
	fs.BoolVar(&g.tokenCache, "token-cache", false, "keep tokens between runs in the OS keychain (a 0600 file, with a warning, where there is none)")
	fs.BoolVar(&g.present, "present", false, "screen-share presenter mode")
	fs.BoolVar(&g.accessible, "accessible", envTrue(getenv("ACCESSIBLE")) || getenv("TERM") == "dumb", "line-by-line accessible mode")
	fs.BoolVar(&g.dryRun, "dry-run", false, "show every change without making it")
	fs.BoolVar(&g.showVersion, "version", false, "print the version")
}

func envTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s != "" && s != "0" && s != "false" && s != "no"
}

func (g *globals) config(getenv func(string) string) (ui.Config, error) {
	cl, err := entra.LookupCloud(g.cloud)
	if err != nil {
		return ui.Config{}, err
	}
	if g.loginURL != "" && !strings.HasPrefix(g.loginURL, "https://") {
		return ui.Config{}, fmt.Errorf("--login-url must start with https:// (got %q)", g.loginURL)
	}
	if g.graphURL != "" && !strings.HasPrefix(g.graphURL, "https://") {
		return ui.Config{}, fmt.Errorf("--graph-url must start with https:// (got %q)", g.graphURL)
	}
	if g.clientID != "" && !entra.IsGUID(g.clientID) {
		return ui.Config{}, fmt.Errorf("--client-id is not a GUID: %q", g.clientID)
	}
	dir, err := os.UserConfigDir()
	if err != nil || dir == "" {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "consentwiz")
	if d := getenv("CONSENTWIZ_CONFIG_DIR"); d != "" {
		dir = d
	}
	cfg := ui.Config{
		Cloud: cl, LoginURL: g.loginURL, GraphURL: g.graphURL, CAFile: g.caFile,
		ClientID: g.clientID, UseBrowser: g.browser && !g.deviceCode,
		Present: g.present, Accessible: g.accessible, DryRun: g.dryRun,
		ConfigDir: dir, Version: version,
	}
	if g.tokenCache {
		tc, err := graph.OpenTokenCache(context.Background(), graph.TokenCacheAuto, dir)
		if err != nil {
			return ui.Config{}, err
		}
		if tc.Warning != "" {
			fmt.Fprintln(os.Stderr, "consentwiz: "+tc.Warning)
		}
		cfg.TokenCache = tc
	}
	return cfg, nil
}

// run is the whole program behind main, testable with fake streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help":
		fmt.Fprint(stdout, usage)
		return ui.ExitOK
	case "", "demo", "check", "link", "explain", "handoff", "restore", "sim":
	default:
		fmt.Fprintf(stderr, "consentwiz: unknown command %q (run 'consentwiz help')\n", cmd)
		return ui.ExitError
	}
	fs := flag.NewFlagSet("consentwiz "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var g globals
	g.register(fs, getenv)
	opts := ui.RegisterCommandFlags(cmd, fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return ui.ExitOK
		}
		fmt.Fprintf(stderr, "consentwiz %s: %v (run 'consentwiz help')\n", cmd, err)
		return ui.ExitError
	}
	if g.showVersion {
		fmt.Fprintln(stdout, "consentwiz", version)
		return ui.ExitOK
	}
	cfg, err := g.config(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "consentwiz: %v\n", err)
		return ui.ExitError
	}
	io := ui.IO{In: stdin, Out: stdout, Err: stderr, Getenv: getenv}
	return ui.RunCommand(ctx, cmd, cfg, opts, fs.Args(), io)
}
