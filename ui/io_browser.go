package ui

import (
	"errors"

	"github.com/pkg/browser"
)

// openBrowser opens u with pkg/browser. main sets browser.Stdout and
// browser.Stderr to io.Discard so launcher noise cannot reach the screen.
func openBrowser(u string) error { return browser.OpenURL(u) }

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
