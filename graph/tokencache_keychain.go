//go:build (linux && cgo) || (darwin && cgo) || windows

package graph

import (
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/AzureAD/microsoft-authentication-extensions-for-go/cache/accessor"
)

// keychainStorage is the OS keychain through the extensions library
// (docs/msal.md 3): the macOS Keychain, Windows DPAPI (an encrypted file under
// dir), or libsecret's Secret Service on Linux (GNOME Keyring, KWallet).
func keychainStorage(dir string) (accessor.Accessor, string, error) {
	name, where := keychainService, "the Secret Service (libsecret)"
	switch runtime.GOOS {
	case "windows":
		name = filepath.Join(dir, "tokencache.dpapi")
		where = "a DPAPI-encrypted file (" + name + ")"
	case "darwin":
		where = "the macOS Keychain"
	}
	st, err := accessor.New(name)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrNoKeychain, firstLine(err.Error()))
	}
	return st, where, nil
}
