package graph_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// fileCache opens the 0600 file token cache under dir, as a new run would.
func fileCache(t *testing.T, dir string) *graph.TokenCache {
	t.Helper()
	c, err := graph.OpenTokenCache(testCtx(t), graph.TokenCacheFile, dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCacheRoundTrip signs in once with the cache open(), then, as a new run
// with a newly opened cache, resumes the account and gets a token without a
// single token request.
func checkCacheRoundTrip(t *testing.T, open func() *graph.TokenCache) {
	t.Helper()
	s := startSim(t, sim.Options{AutoApprove: true})
	ten := s.Tenant()
	a := newAuth(t, s, func(c *graph.AuthConfig) { c.Cache = open() })
	deviceSignIn(t, s, a, "", entra.ReadScopes)

	b := newAuth(t, s, func(c *graph.AuthConfig) { c.Cache = open() })
	acct, ok := b.Resume(testCtx(t))
	if !ok || acct.Username != ten.AdminUPN() || acct.TenantID != ten.ID() {
		t.Fatalf("Resume = %+v, %v", acct, ok)
	}
	before := tokenRequests(s)
	tok, err := b.Token(testCtx(t), []string{entra.ScopePolicyReadAll})
	if err != nil || tok == "" {
		t.Fatal(err)
	}
	if d := tokenRequests(s) - before; d != 0 {
		t.Errorf("token after Resume: %d token requests, want 0", d)
	}
	if acct, _ := b.Account(); acct.Name != "Adele Vance (admin)" {
		t.Errorf("name from the cached id token: %q", acct.Name)
	}
	if p, err := newClient(s, b).GetAuthorizationPolicy(testCtx(t)); err != nil || p.ID == "" {
		t.Errorf("Graph with the resumed token: %v", err)
	}
	// Without the cache a new run knows nobody.
	if _, ok := newAuth(t, s).Resume(testCtx(t)); ok {
		t.Error("Resume without a cache found an account")
	}
}

func TestTokenCacheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	checkCacheRoundTrip(t, func() *graph.TokenCache { return fileCache(t, dir) })
	path := filepath.Join(dir, "tokencache.json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "RefreshToken") {
		t.Errorf("the cache file holds no refresh token")
	}
	// A damaged cache costs only a new sign-in, never a failure.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startSim(t, sim.Options{AutoApprove: true})
	d := newAuth(t, s, func(c *graph.AuthConfig) { c.Cache = fileCache(t, dir) })
	if _, ok := d.Resume(testCtx(t)); ok {
		t.Error("Resume from a damaged cache")
	}
	deviceSignIn(t, s, d, "", []string{entra.ScopeUserRead})
}

// keychainWanted: CI runs the tests inside a D-Bus session with an unlocked
// GNOME Keyring and sets CONSENTWIZ_TEST_KEYCHAIN=1, so the keychain round
// trip must work there; elsewhere it runs when a keychain happens to be reachable.
func keychainWanted() bool { return os.Getenv("CONSENTWIZ_TEST_KEYCHAIN") == "1" }

func TestTokenCacheKeychain(t *testing.T) {
	dir := t.TempDir()
	probe, err := graph.OpenTokenCache(testCtx(t), graph.TokenCacheKeychain, dir)
	if err != nil {
		if keychainWanted() {
			t.Fatalf("keychain expected in this environment: %v", err)
		}
		if !errors.Is(err, graph.ErrNoKeychain) || !strings.Contains(err.Error(), "--token-cache=keychain") {
			t.Errorf("refusal without a keychain: %v", err)
		}
		t.Skipf("no OS keychain here: %v", err)
	}
	if probe.Warning != "" || strings.Contains(probe.Where, dir) && runtime.GOOS != "windows" {
		t.Errorf("keychain cache: where %q, warning %q", probe.Where, probe.Warning)
	}
	checkCacheRoundTrip(t, func() *graph.TokenCache {
		c, err := graph.OpenTokenCache(testCtx(t), graph.TokenCacheKeychain, dir)
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
	// The tokens are in the keychain: no file under the config dir holds one.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if runtime.GOOS != "windows" && (bytes.Contains(data, []byte("RefreshToken")) || bytes.Contains(data, []byte("simRT."))) {
			t.Errorf("%s holds a token in the clear", e.Name())
		}
	}
}

// Without a keychain, auto falls back to the 0600 file with a one-line
// warning; with one, it uses the keychain silently.
func TestTokenCacheAuto(t *testing.T) {
	dir := t.TempDir()
	c, err := graph.OpenTokenCache(testCtx(t), graph.TokenCacheAuto, dir)
	if err != nil {
		t.Fatal(err)
	}
	_, kerr := graph.OpenTokenCache(testCtx(t), graph.TokenCacheKeychain, t.TempDir())
	switch {
	case kerr == nil:
		if c.Warning != "" {
			t.Errorf("keychain available, yet a warning: %q", c.Warning)
		}
	default:
		if c.Where != filepath.Join(dir, "tokencache.json") || !strings.Contains(c.Warning, "no OS keychain") || strings.Contains(c.Warning, "\n") {
			t.Errorf("fallback: where %q, warning %q", c.Where, c.Warning)
		}
	}
	if off, err := graph.OpenTokenCache(testCtx(t), graph.TokenCacheOff, dir); off != nil || err != nil {
		t.Errorf("off: %v, %v", off, err)
	}
}

func TestParseTokenCacheMode(t *testing.T) {
	for in, want := range map[string]graph.TokenCacheMode{"": graph.TokenCacheAuto, "true": graph.TokenCacheAuto, "Keychain": graph.TokenCacheKeychain, "file": graph.TokenCacheFile, "false": graph.TokenCacheOff} {
		if got, err := graph.ParseTokenCacheMode(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	if _, err := graph.ParseTokenCacheMode("vault"); err == nil {
		t.Error("vault accepted")
	}
}
