//go:build !((linux && cgo) || (darwin && cgo) || windows)

package graph

import (
	"fmt"

	"github.com/AzureAD/microsoft-authentication-extensions-for-go/cache/accessor"
)

// keychainStorage: this build has no keychain access. On Linux and macOS the
// extensions library reaches the keychain through cgo (libsecret, Security
// framework), so a build with CGO_ENABLED=0 (a cross-compiled release) cannot;
// build from source on the machine itself to get it (docs/msal.md 3).
func keychainStorage(string) (accessor.Accessor, string, error) {
	return nil, "", fmt.Errorf("%w: this build of consentwiz has no keychain support (built without cgo)", ErrNoKeychain)
}
