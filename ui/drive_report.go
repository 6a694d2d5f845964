package ui

import (
	"os"
	"path/filepath"
	"time"

	"consentwiz/flows"
)

// ReportOptions say where the wizard's support reports go.
type ReportOptions struct {
	// Dir is the folder reports are written to; empty means no report.
	Dir string
	// Unredacted keeps names, addresses and ids (--report-unredacted).
	Unredacted bool
	// Started is when the run began (default: when the driver started).
	Started time.Time
}

// reportDir is where a run's support reports go: the user config dir's
// reports folder, or for the demo (whose config dir is removed at exit) a
// folder in the system's temporary directory.
func reportDir(cfg Config, demo bool) string {
	if demo {
		return filepath.Join(os.TempDir(), "consentwiz-demo-reports")
	}
	return filepath.Join(cfg.ConfigDir, "reports")
}

// supportReport builds the report of a run from the machine's state, the
// failed Graph calls the effects recorded and the run's times.
func supportReport(d Deps, s flows.State, started, ended time.Time) flows.Report {
	in := flows.ReportInputFromState(s)
	in.Version = d.Version
	in.Started, in.Ended = started.UTC(), ended.UTC()
	if l, ok := d.Effects.(failedCallLister); ok {
		in.FailedCalls = l.FailedCalls()
	}
	if s.Outcome == nil && in.Outcome == nil {
		in.Notes = append(in.Notes, "Written while the wizard was at the step \""+s.Step.String()+"\": "+s.Prompt.Title+".")
	}
	return BuildSupportReport(in, d.Reports.Unredacted)
}

// saveSupportReport writes the report of s now; it returns the Markdown
// file's path. It does I/O: call it from a tea.Cmd or after the program.
func saveSupportReport(d Deps, s flows.State, started, ended time.Time) (string, error) {
	md, _, err := WriteReport(d.Reports.Dir, supportReport(d, s, started, ended))
	if err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(md); err == nil {
		md = abs
	}
	return md, nil
}

// redactedWord says how a report was written, for messages.
func redactedWord(unredacted bool) string {
	if unredacted {
		return "not redacted"
	}
	return "redacted"
}

// reportHere reports whether the wizard offers a support report at s: on the
// checklist, the hand-off, and finished or failed screens (the TUI's r key,
// the line mode's "report").
func reportHere(s flows.State) bool {
	switch s.Prompt.Kind {
	case flows.PromptDone, flows.PromptFailed:
		return true
	}
	switch s.Step {
	case flows.StepChooseFix, flows.StepHandoff:
		return true
	}
	return false
}
