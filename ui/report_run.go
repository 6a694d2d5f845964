package ui

import (
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

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

// reportSavedMsg answers saveReportCmd.
type reportSavedMsg struct {
	path string
	err  error
}

// saveReportCmd writes a support report of the current state (the r key).
// The report is built here, in Update; only the writing runs in the Cmd.
func (m *Model) saveReportCmd() tea.Cmd {
	if m.deps.Reports.Dir == "" {
		m.setNote("Support reports are turned off here.", true)
		return nil
	}
	d, s, started, ended := m.deps, m.state, m.started, m.clock
	m.setNote("Saving a support report…", false)
	return func() tea.Msg {
		p, err := saveSupportReport(d, s, started, ended)
		return reportSavedMsg{path: p, err: err}
	}
}

// canReport reports whether the r key saves a support report here.
func (m *Model) canReport() bool {
	if m.deps.Reports.Dir == "" {
		return false
	}
	return m.outcome != nil || reportHere(m.state)
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
