package ui

import "github.com/pkg/browser"

// openBrowser opens u with pkg/browser. main sets browser.Stdout and
// browser.Stderr to io.Discard so launcher noise cannot reach the screen.
func openBrowser(u string) error { return browser.OpenURL(u) }
