package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	extcache "github.com/AzureAD/microsoft-authentication-extensions-for-go/cache"
	"github.com/AzureAD/microsoft-authentication-extensions-for-go/cache/accessor"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// TokenCacheMode says where MSAL's token cache lives between runs
// (docs/msal.md 3). The default is memory only: nothing is written.
type TokenCacheMode string

// Token cache modes (--token-cache[=MODE]).
const (
	// TokenCacheOff keeps tokens in memory for this run only.
	TokenCacheOff TokenCacheMode = ""
	// TokenCacheAuto uses the OS keychain and falls back, with a warning, to
	// a 0600 file where none is reachable (a headless Linux machine).
	TokenCacheAuto TokenCacheMode = "auto"
	// TokenCacheKeychain uses the OS keychain or refuses.
	TokenCacheKeychain TokenCacheMode = "keychain"
	// TokenCacheFile keeps the cache in a 0600 file, unencrypted.
	TokenCacheFile TokenCacheMode = "file"
)

// ParseTokenCacheMode reads the --token-cache value ("" or "true" mean auto).
func ParseTokenCacheMode(v string) (TokenCacheMode, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "true", "auto":
		return TokenCacheAuto, nil
	case "false", "off", "none":
		return TokenCacheOff, nil
	case "keychain":
		return TokenCacheKeychain, nil
	case "file":
		return TokenCacheFile, nil
	}
	return TokenCacheOff, fmt.Errorf("--token-cache takes keychain, file or auto, not %q", v)
}

// Names of the cache files under the config directory.
const (
	tokenCacheFileName  = "tokencache.json"
	tokenCacheStampName = "tokencache.timestamp"
	// keychainService names the keychain item (macOS service, libsecret schema).
	keychainService = "consentwiz"
)

// ErrNoKeychain says the OS keychain cannot be used here: this build has none
// (a build without cgo on Linux or macOS), or its service is not reachable
// (no D-Bus Secret Service, a locked keychain over SSH).
var ErrNoKeychain = errors.New("no OS keychain is available")

// TokenCache is MSAL's persistent cache, opened by OpenTokenCache.
type TokenCache struct {
	cache.ExportReplace
	// Where says where the tokens are kept, for the user: "the OS keychain
	// (libsecret)" or the file's path.
	Where string
	// Warning, when set, is the one line to show before signing in (the file
	// fallback of TokenCacheAuto).
	Warning string
}

// OpenTokenCache opens the token cache of mode under dir (the config
// directory). Both kinds go through the extensions library's cache, which
// locks across processes (several consentwiz runs at once) and rereads only
// what another process changed. A damaged cache costs only a new sign-in.
// It returns nil, nil for TokenCacheOff.
func OpenTokenCache(ctx context.Context, mode TokenCacheMode, dir string) (*TokenCache, error) {
	if mode == TokenCacheOff {
		return nil, nil
	}
	if dir == "" {
		return nil, errors.New("token cache: no config directory")
	}
	stamp := filepath.Join(dir, tokenCacheStampName)
	if mode == TokenCacheAuto || mode == TokenCacheKeychain {
		st, where, err := openKeychain(ctx, dir)
		if err == nil {
			c, err := extcache.New(st, stamp)
			if err != nil {
				return nil, fmt.Errorf("token cache: %w", err)
			}
			return &TokenCache{ExportReplace: newTolerant(c), Where: where}, nil
		}
		if mode == TokenCacheKeychain {
			return nil, fmt.Errorf("--token-cache=keychain: %w", err)
		}
		path := filepath.Join(dir, tokenCacheFileName)
		tc, ferr := openFileCache(path, stamp)
		if ferr != nil {
			return nil, ferr
		}
		tc.Warning = fmt.Sprintf("no OS keychain here (%v): tokens are kept unencrypted in %s (0600); use --token-cache=keychain to refuse this", err, path)
		return tc, nil
	}
	return openFileCache(filepath.Join(dir, tokenCacheFileName), stamp)
}

func openFileCache(path, stamp string) (*TokenCache, error) {
	c, err := extcache.New(&atomicFile{path: path}, stamp)
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	return &TokenCache{ExportReplace: newTolerant(c), Where: path}, nil
}

// openKeychain opens the OS keychain storage and reads it once, so an
// unreachable service (no D-Bus session, a locked keychain) is found now and
// not in the middle of a sign-in.
func openKeychain(ctx context.Context, dir string) (accessor.Accessor, string, error) {
	st, where, err := keychainStorage(dir)
	if err != nil {
		return nil, "", err
	}
	probe, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := st.Read(probe); err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrNoKeychain, firstLine(err.Error()))
	}
	return st, where, nil
}

// tolerant turns a cache that cannot be read (damaged data, a keychain that
// times out) into an empty one: the run signs in again instead of failing.
// The extensions library retries a damaged blob until the caller's deadline,
// so one read gets a short deadline, and after a failure the stored blob is
// not read again until this run has written a good one.
type tolerant struct {
	c      cache.ExportReplace
	mu     sync.Mutex
	broken bool
}

func newTolerant(c cache.ExportReplace) *tolerant { return &tolerant{c: c} }

func (t *tolerant) Replace(ctx context.Context, u cache.Unmarshaler, h cache.ReplaceHints) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.broken {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		err := t.c.Replace(rctx, u, h)
		cancel()
		if err == nil {
			return nil
		}
		t.broken = true
	}
	// Keep what this run holds in memory; the next Export replaces the blob.
	return nil
}

func (t *tolerant) Export(ctx context.Context, m cache.Marshaler, h cache.ExportHints) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.c.Export(ctx, m, h)
	if err == nil {
		t.broken = false
	}
	return err
}

// atomicFile is the file storage of TokenCacheFile: 0600, written to a temp
// file, fsynced and renamed, so a crash never leaves half a cache. It holds
// refresh tokens, so it is never world-readable.
type atomicFile struct {
	path string
	mu   sync.Mutex
}

var _ accessor.Accessor = (*atomicFile)(nil)

func (f *atomicFile) Read(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

func (f *atomicFile) Delete(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (f *atomicFile) Write(_ context.Context, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tokencache-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}
