package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
)

// The text input's pastes and a choice's default option.

// paste is one bracketed paste into a text input. Enter hands the machine
// what was pasted, with its lines (the one-line input turns newlines into
// spaces), so a "Troubleshooting details" block is read field by field.
type paste struct {
	raw  string // as pasted
	flat string // as the one-line input holds it
}

// flatPaste is what a one-line text input makes of a paste: the input's
// own sanitizer, so that the pasted text can be found again in its value.
func flatPaste(s string) string {
	ti := textinput.New()
	ti.Focus()
	ti, _ = ti.Update(tea.PasteMsg{Content: s})
	return ti.Value()
}

// inputText is the text input's answer, with each paste that is still in it
// as it was pasted (its line breaks kept). An edited paste stays as the
// input shows it: flows reads a block joined onto one line too.
func (m *Model) inputText() string {
	v := m.input.Value()
	for _, p := range m.pastes {
		if p.raw != p.flat && p.flat != "" && strings.Contains(v, p.flat) {
			v = strings.Replace(v, p.flat, p.raw, 1)
		}
	}
	return v
}

// paste takes a bracketed paste into the current text input.
func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	if m.state.Prompt.Kind != flows.PromptInput {
		return nil
	}
	m.pastes = append(m.pastes, paste{raw: msg.Content, flat: flatPaste(msg.Content)})
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// choiceDefault is the option a choice's Default names, when it is offered.
func (m *Model) choiceDefault() (int, bool) {
	p := m.state.Prompt
	if p.Kind != flows.PromptChoice || p.Default == "" {
		return 0, false
	}
	for i, o := range p.Options {
		if string(o.Key) == p.Default && !o.Disabled {
			return i, true
		}
	}
	return 0, false
}
