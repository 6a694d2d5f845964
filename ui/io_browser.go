package ui

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/pkg/browser"
)

// openBrowser opens u with pkg/browser. main sets browser.Stdout and
// browser.Stderr to io.Discard so launcher noise cannot reach the screen.
// No launcher at all (a server, a container) is said in a few words: the
// screen keeps the link and says so in one line.
func openBrowser(u string) error {
	err := browser.OpenURL(u)
	var exit *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return errNoLauncher
	case errors.As(err, &exit):
		return fmt.Errorf("launcher %v", err)
	}
	return err
}

// errNoLauncher: this computer has no way to open a browser.
var errNoLauncher = errors.New("no browser on this computer")

// errNoBrowser answers every attempt to open a browser under --no-browser.
var errNoBrowser = errors.New("the browser is turned off by --no-browser")

// browserOpener is the one place --no-browser (Config.NoBrowser) is
// enforced: the Runner opens every link and sign-in page through it.
func browserOpener(cfg Config, open func(string) error) func(string) error {
	if cfg.NoBrowser {
		return func(string) error { return errNoBrowser }
	}
	if open == nil {
		return openBrowser
	}
	return open
}
