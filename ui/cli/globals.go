package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/ui"
)

// globals are the flags every command takes (persistent flags of the root),
// with their environment variables.
type globals struct {
	cloud, loginURL, graphURL, caFile, clientID string
	browser, deviceCode, noBrowser              bool
	tokenCache                                  string
	present, accessible, dryRun, version        bool
	relaxWindow, requestWindow                  time.Duration
}

// The range of --relax-window and --request-window.
const (
	minWindow = time.Second
	maxWindow = 30 * 24 * time.Hour
)

// register adds the global flags to fs; their defaults come from the
// environment.
func (g *globals) register(fs *pflag.FlagSet, getenv func(string) string) {
	fs.StringVar(&g.cloud, "cloud", getenv("CONSENTWIZ_CLOUD"), "national cloud: "+strings.Join(entra.CloudNames, ", ")+" (env CONSENTWIZ_CLOUD; default global)")
	fs.StringVar(&g.loginURL, "login-url", getenv("CONSENTWIZ_LOGIN_URL"), "authority root URL: custom endpoints, the simulator (env CONSENTWIZ_LOGIN_URL)")
	fs.StringVar(&g.graphURL, "graph-url", getenv("CONSENTWIZ_GRAPH_URL"), "Microsoft Graph root URL (env CONSENTWIZ_GRAPH_URL)")
	fs.StringVar(&g.caFile, "ca-file", getenv("CONSENTWIZ_CA_FILE"), "extra CA certificate (PEM) to trust (env CONSENTWIZ_CA_FILE; SSL_CERT_FILE works too)")
	fs.StringVar(&g.clientID, "client-id", getenv("CONSENTWIZ_CLIENT_ID"), "public client id (GUID) used to sign in (env CONSENTWIZ_CLIENT_ID)")
	fs.BoolVar(&g.browser, "browser", false, "sign in through the browser")
	fs.BoolVar(&g.deviceCode, "device-code", false, "sign in with a device code (the default; wins over --browser)")
	fs.BoolVar(&g.noBrowser, "no-browser", false, "never open a browser: show the links and pages to open by hand (over SSH)")
	fs.StringVar(&g.tokenCache, "token-cache", "", "keep tokens between runs in the OS keychain (a 0600 file in the config dir, with a warning, where there is none); =keychain refuses the file, =file asks for it")
	fs.Lookup("token-cache").NoOptDefVal = string(graph.TokenCacheAuto)
	fs.BoolVar(&g.present, "present", false, "presenter mode for screen shares: big step banner, ids and addresses masked, last key shown")
	fs.BoolVar(&g.accessible, "accessible", envTrue(getenv("ACCESSIBLE")) || getenv("TERM") == "dumb", "accessible line by line mode for screen readers and piped input (env ACCESSIBLE=1, TERM=dumb)")
	fs.BoolVar(&g.dryRun, "dry-run", false, "show every change without making it")
	fs.Var(newDurationRange(&g.relaxWindow, flows.DefaultRelaxWindow, minWindow, maxWindow), "relax-window", "the longest relax-user-consent keeps user consent relaxed while the user connects; then it puts it back by itself")
	fs.Var(newDurationRange(&g.requestWindow, flows.DefaultRequestWindow, minWindow, maxWindow), "request-window", "the longest a temporary request-workflow keeps consent requests on while the request waits for approval; then it turns them off again by itself")
	fs.BoolVar(&g.version, "version", false, "print the version and commit")
}

// checkServiceURL refuses an endpoint that is not plain https: a user name
// before the host ("https://login.microsoftonline.com@evil.example/" goes to
// evil.example) or a query or fragment that would not survive the paths
// appended to it.
func checkServiceURL(flag, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("%s must be an https:// URL (got %q)", flag, v)
	case u.User != nil:
		return fmt.Errorf("%s names a user before the host, so it would go to %s: give the service's own https:// URL", flag, u.Hostname())
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%s must not have a query or fragment (got %q)", flag, v)
	}
	return nil
}

func envTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s != "" && s != "0" && s != "false" && s != "no"
}

// config checks the global flags and turns them into a ui.Config.
func (g *globals) config(getenv func(string) string, version string) (ui.Config, error) {
	cl, err := entra.LookupCloud(g.cloud)
	if err != nil {
		return ui.Config{}, err
	}
	for _, u := range []struct{ flag, value string }{{"--login-url", g.loginURL}, {"--graph-url", g.graphURL}} {
		if err := checkServiceURL(u.flag, u.value); err != nil {
			return ui.Config{}, err
		}
	}
	if g.clientID != "" && !entra.IsGUID(g.clientID) {
		return ui.Config{}, fmt.Errorf("--client-id is not a GUID: %q", g.clientID)
	}
	dir := getenv("CONSENTWIZ_CONFIG_DIR")
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil || base == "" {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "consentwiz")
	}
	cfg := ui.Config{
		Cloud: cl, CloudGiven: strings.TrimSpace(g.cloud) != "", LoginURL: g.loginURL, GraphURL: g.graphURL, CAFile: g.caFile,
		ClientID: g.clientID, UseBrowser: g.browser && !g.deviceCode, NoBrowser: g.noBrowser,
		Present: g.present, Accessible: g.accessible, DryRun: g.dryRun,
		ConfigDir: dir, Version: version, RelaxWindow: g.relaxWindow, RequestWindow: g.requestWindow,
	}
	if g.tokenCache != "" {
		mode, err := graph.ParseTokenCacheMode(g.tokenCache)
		if err != nil {
			return ui.Config{}, err
		}
		cfg.TokenCacheMode = mode
	}
	return cfg, nil
}
