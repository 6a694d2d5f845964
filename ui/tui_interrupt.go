package ui

import (
	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
)

// interruptMsg stops the wizard from outside (a signal; Deps.Interrupts).
type interruptMsg struct{ why string }

// forwardInterrupts sends the program each interrupt until the returned
// function is called.
func forwardInterrupts(p *tea.Program, in <-chan string) func() {
	if in == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case why := <-in:
				p.Send(interruptMsg{why: why})
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// interrupted feeds flows.Interrupted the first time — the machine puts back
// what was changed without asking — and quits when it has finished; a second
// interrupt (or ctrl+c after one) quits at once.
func (m *Model) interrupted(why string) tea.Cmd {
	if m.outcome != nil {
		return m.quit(false)
	}
	if m.cancelled {
		return m.quit(true)
	}
	m.cancelled, m.quitOnDone = true, true
	cmd := m.userEvent(flows.Interrupted{Why: why})
	if m.outcome != nil {
		return tea.Batch(cmd, m.quit(false))
	}
	m.setNote("Stopping ("+why+"): putting back what was changed. Press ctrl+c to quit now.", true)
	return cmd
}
