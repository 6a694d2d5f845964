package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
)

// Keys: what a key press does on the current screen.

// handleKey routes a key press. Only tea.KeyPressMsg reaches here.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	m.lastKey = msg.String()
	k := m.keys
	if key.Matches(msg, k.Cancel) {
		return m.ctrlC()
	}
	switch m.screen() {
	case screenTooSmall:
		return nil
	case screenFinished:
		switch {
		case key.Matches(msg, k.Report) && m.canReport():
			return m.saveReportCmd()
		case m.scrollKey(msg), navKey(msg):
			// A scroll key never quits, even where there is nothing to
			// scroll (at the top, or a screen that fits): a presenter who
			// pages would lose the summary.
		default:
			return m.quit(false)
		}
		return nil
	}
	if m.state.Prompt.Kind != flows.PromptInput && key.Matches(msg, k.Help) {
		m.help.ShowAll = !m.help.ShowAll
		return nil
	}
	if m.scrollKey(msg) {
		return nil
	}
	if m.screen() == screenDeviceCode {
		return m.deviceKey(msg)
	}
	if m.state.Prompt.Kind != flows.PromptInput && key.Matches(msg, k.Report) && m.canReport() {
		return m.saveReportCmd()
	}
	return m.promptKey(msg)
}

// scrollKey moves the content when msg is a scrolling key here: pgdn and
// pgup page on every screen; ↑ and ↓ scroll a line where they do not move
// an option cursor (syncKeys enables them only where they work).
func (m *Model) scrollKey(msg tea.KeyPressMsg) bool {
	k := m.keys
	switch {
	case key.Matches(msg, k.PageDown):
		m.scrollWith(pageDown)
	case key.Matches(msg, k.PageUp):
		m.scrollWith(pageUp)
	case m.linesScroll() && key.Matches(msg, k.Down):
		m.scrollWith(lineDown)
	case m.linesScroll() && key.Matches(msg, k.Up):
		m.scrollWith(lineUp)
	default:
		return false
	}
	return true
}

// linesScroll reports whether ↑ and ↓ scroll the content a line: the
// content does not fit, and there is no option cursor for them to move
// (nor a text input, whose keys they are).
func (m *Model) linesScroll() bool {
	if !m.overflow {
		return false
	}
	switch m.screen() {
	case screenFinished, screenDeviceCode:
		return true
	case screenPrompt:
		p := m.state.Prompt
		return p.Kind != flows.PromptInput && len(p.Options) < 2
	}
	return false
}

// promptKey handles a key on a generic prompt.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	p := m.state.Prompt
	if key.Matches(msg, k.Back) {
		return m.userEvent(flows.Back{})
	}
	if p.Kind == flows.PromptInput {
		if key.Matches(msg, k.Select) {
			text := m.inputText()
			if strings.TrimSpace(text) == "" {
				text = inputDefault(m.state, m.demoTenant)
			}
			return m.userEvent(flows.Entered{Text: text})
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	n := len(p.Options)
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = (m.cursor - 1 + n) % n
		m.clearNote()
		return nil
	case key.Matches(msg, k.Down):
		m.cursor = (m.cursor + 1) % n
		m.clearNote()
		return nil
	case key.Matches(msg, k.Pick):
		i, _ := strconv.Atoi(msg.String())
		if i >= 1 && i <= n {
			m.cursor = i - 1
			return m.choose(i - 1)
		}
		return nil
	case key.Matches(msg, k.Done):
		return m.userEvent(flows.DoneKey{})
	case key.Matches(msg, k.NextLink):
		m.linkSel = (m.linkSel + 1) % len(p.Links)
		return nil
	case key.Matches(msg, k.Open):
		if i := m.optionIndex(flows.KeyOpen); i >= 0 && m.linkSel == 0 {
			return m.choose(i)
		}
		return m.openLinkCmd(p.Links[m.linkSel].URL)
	case key.Matches(msg, k.Copy):
		if i := m.optionIndex(flows.KeyCopy); i >= 0 && m.linkSel == 0 {
			return m.choose(i)
		}
		return m.copyNoteCmd(p.Links[m.linkSel].URL, "the link")
	case key.Matches(msg, k.Save):
		return m.choose(m.optionIndex(flows.KeySave))
	case key.Matches(msg, k.Accept):
		m.setNote("Demo: the simulated administrator opens the consent page…", false)
		return m.demoAcceptCmd(m.demoLink())
	case key.Matches(msg, k.Select):
		switch p.Kind {
		case flows.PromptConfirm:
			return m.userEvent(flows.Confirmed{})
		}
		if n > 0 {
			return m.choose(m.cursor)
		}
		return nil
	}
	if p.Kind == flows.PromptInfo {
		return m.userEvent(flows.Confirmed{})
	}
	return nil
}

// choose answers the option at i, unless it is disabled.
func (m *Model) choose(i int) tea.Cmd {
	opts := m.state.Prompt.Options
	if i < 0 || i >= len(opts) {
		return nil
	}
	if o := opts[i]; o.Disabled {
		reason := o.Reason
		if reason == "" {
			reason = "not available here"
		}
		m.setNote("Not possible: "+m.clean(reason, 300), true)
		m.cursor = i
		m.noteIsReason = true
		return nil
	}
	cmd := m.userEvent(flows.Chose{Key: opts[i].Key})
	// Still the same question, and what was chosen is now "not possible"
	// (a reviewer added: "already chosen"): move on to the next useful one.
	if p := m.state.Prompt; m.cursor == i && i < len(p.Options) && p.Options[i].Disabled && p.Options[i].Key == opts[i].Key {
		m.cursor = m.defaultCursor()
	}
	return cmd
}

// optionIndex returns the index of the enabled option with key k, or -1.
func (m *Model) optionIndex(k flows.OptionKey) int {
	for i, o := range m.state.Prompt.Options {
		if o.Key == k && !o.Disabled {
			return i
		}
	}
	return -1
}

// deviceKey handles a key while a device code is shown.
func (m *Model) deviceKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	d := m.device
	switch {
	case key.Matches(msg, k.Select):
		return m.openLinkCmd(d.code.VerificationURL)
	case key.Matches(msg, k.CopyCode):
		return m.copyNoteCmd(d.code.UserCode, "the code "+m.clean(d.code.UserCode, 40))
	case key.Matches(msg, k.Approve):
		m.setNote("Approving the code as the demo admin…", false)
		return m.demoApproveCmd(d.code.UserCode)
	case key.Matches(msg, k.Handoff):
		if i := m.optionIndex(flows.KeyHandoff); i >= 0 {
			return m.choose(i)
		}
	case key.Matches(msg, k.Back):
		if m.state.Prompt.CanBack {
			return m.userEvent(flows.Back{})
		}
		return m.userEvent(flows.Cancel{})
	}
	return nil
}

// ctrlC feeds Cancel the first time (the machine undoes what it wrote), and
// quits at once the second time.
func (m *Model) ctrlC() tea.Cmd {
	if m.outcome != nil {
		return m.quit(false)
	}
	if m.cancelled {
		return m.quit(true)
	}
	m.cancelled = true
	cmd := m.userEvent(flows.Cancel{})
	if m.outcome != nil {
		// Nothing to undo: the wizard stopped; leave at once.
		return tea.Batch(cmd, m.quit(false))
	}
	m.setNote("Stopping: undoing what was changed. Press ctrl+c again to quit now.", true)
	return cmd
}

// navKey reports a key people press to move around a screen.
func navKey(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "up", "down", "pgup", "pgdown", "home", "end", "k", "j", "left", "right", "space":
		return true
	}
	return false
}
