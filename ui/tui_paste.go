package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// paste is one bracketed paste into a text input.
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
