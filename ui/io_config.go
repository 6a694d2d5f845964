package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// Config is what the command line and environment say about where and how to
// run: the cloud and its endpoints, the sign-in client and method, and modes.
type Config struct {
	Cloud entra.Cloud
	// CloudGiven: the cloud was chosen (--cloud, CONSENTWIZ_CLOUD); else a
	// pasted link's cloud is followed (docs/entra.md C3).
	CloudGiven bool
	LoginURL   string // overrides Cloud.LoginURL (turns MSAL instance discovery off)
	GraphURL   string // overrides Cloud.GraphURL
	// BrowserLoginURL, when set, is used instead of LoginURL in links a person
	// opens in a browser (the simulator serves its pages over plain http too).
	BrowserLoginURL string
	CAFile          string
	CAPEM           []byte
	ClientID        string
	UseBrowser      bool // browser sign-in instead of device code
	Present         bool
	Accessible      bool
	DryRun          bool
	NoBrowser       bool // never open a browser; print links only
	// TokenCache keeps MSAL's tokens between runs (--token-cache): the OS
	// keychain or a 0600 file; nil keeps them in memory only.
	TokenCache *graph.TokenCache
	// TokenCacheMode is --token-cache; OpenTokenCache turns it into TokenCache
	// for the commands that sign in.
	TokenCacheMode graph.TokenCacheMode
	ConfigDir      string // where the journal lives
	Demo           bool
	Version        string
	// RelaxWindow (--relax-window) and RequestWindow (--request-window)
	// bound how long a temporary change stays in place while the wizard
	// waits for a person (0: flows' defaults).
	RelaxWindow, RequestWindow time.Duration
}

// OpenTokenCache opens the token cache --token-cache asked for (nothing when
// it was not given) and returns the one-line warning to show, if any.
func (c *Config) OpenTokenCache(ctx context.Context) (warning string, err error) {
	if c.TokenCacheMode == graph.TokenCacheOff || c.TokenCache != nil {
		return "", nil
	}
	tc, err := graph.OpenTokenCache(ctx, c.TokenCacheMode, c.ConfigDir)
	if err != nil {
		return "", err
	}
	c.TokenCache = tc
	return tc.Warning, nil
}

// Custom reports whether the login host is not a Microsoft one.
func (c Config) Custom() bool { return c.LoginURL != "" && c.LoginURL != c.Cloud.LoginURL }

// EffectiveCloud returns the cloud with any custom endpoints applied.
func (c Config) EffectiveCloud() entra.Cloud {
	cl := c.Cloud
	if c.LoginURL != "" {
		cl.LoginURL = strings.TrimRight(c.LoginURL, "/")
	}
	if c.GraphURL != "" {
		cl.GraphURL = strings.TrimRight(c.GraphURL, "/")
	}
	return cl
}

// LinkCloud is the cloud used to build links a person opens in a browser.
func (c Config) LinkCloud() entra.Cloud {
	cl := c.EffectiveCloud()
	if c.BrowserLoginURL != "" {
		cl.LoginURL = strings.TrimRight(c.BrowserLoginURL, "/")
	}
	return cl
}

// HTTPClient returns the client for the authority and Graph: the system trust
// store (SSL_CERT_FILE works), plus the CA file when one is given; a stalled
// service is bounded by the transport's timeouts.
func (c Config) HTTPClient() (*http.Client, error) {
	pem := c.CAPEM
	if c.CAFile != "" {
		data, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca-file: %w", err)
		}
		pem = data
	}
	// Connect, TLS and response-header bounds for every service (graph.NewTransport).
	tr := graph.NewTransport()
	if len(pem) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA file holds no PEM certificate: %s", c.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second, CheckRedirect: httpsRedirectsOnly}, nil
}

// httpsRedirectsOnly follows a redirect only to https (at most 5): an answer
// of the authority or Graph must not come over plain http (reliability
// review L11: discovery followed an https→http redirect).
func httpsRedirectsOnly(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("refusing a redirect to %s: not https", req.URL.Redacted())
	}
	return nil
}

// Authenticator builds the MSAL sign-in for tenant.
func (c Config) Authenticator(tenant string, hc *http.Client) (*graph.Authenticator, error) {
	cl := c.EffectiveCloud()
	ac := graph.AuthConfig{
		ClientID:        c.ClientID,
		LoginURL:        cl.LoginURL,
		Tenant:          tenant,
		Cloud:           c.Cloud,
		CustomAuthority: c.Custom(),
		HTTPClient:      hc,
	}
	if c.TokenCache != nil {
		ac.Cache = c.TokenCache
	}
	return graph.NewAuthenticator(ac)
}
