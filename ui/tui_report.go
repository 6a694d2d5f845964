package ui

import (
	tea "charm.land/bubbletea/v2"
)

// The r key: a support report of the current state, written in a Cmd.

// reportSavedMsg answers saveReportCmd.
type reportSavedMsg struct {
	path  string
	fresh bool // false: the report saved before says the same
	err   error
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
		p, fresh, err := saveSupportReport(d, s, started, ended)
		return reportSavedMsg{path: p, fresh: fresh, err: err}
	}
}

// canReport reports whether the r key saves a support report here.
func (m *Model) canReport() bool {
	if m.deps.Reports.Dir == "" {
		return false
	}
	return m.outcome != nil || reportHere(m.state)
}
