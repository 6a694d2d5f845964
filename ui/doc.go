// Package ui is everything impure around the pure core in flows: the
// commands, the two drivers of the wizard and the effect runner. Its parts
// show in the file names (docs/architecture.md):
//
//   - cmd_*   the commands: one Run* entry point each, behind ui/cli's cobra
//     commands; they build a Runner and start a driver.
//   - drive*  what both drivers of the wizard share: Deps, support reports.
//   - tui_*   the Bubble Tea driver: one root Model, its screens, keys and the
//     one styles file.
//   - line_*  the accessible line-by-line driver (--accessible, TERM=dumb).
//   - io_*    the effect runner and everything it touches: MSAL sign-in,
//     Graph, the journal, the browser, the clipboard, report files, TLS.
//
// A driver feeds flows.Next with events and hands every effect to Effects
// (the Runner); no I/O happens in Update or View. ui/cli wires the commands
// to cobra + fang.
package ui
