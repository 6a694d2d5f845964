package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"consentwiz/flows"
)

// This is the only file with colours. Every status that has a colour also has
// a glyph and a word, so nothing is lost with NO_COLOR or a screen reader.

// Styles holds every style the TUI renders with, built for a light or dark
// background by newStyles.
type Styles struct {
	App lipgloss.Style // the whole screen: horizontal padding

	// Header.
	AppName lipgloss.Style
	Dim     lipgloss.Style
	Step    lipgloss.Style
	Rule    lipgloss.Style
	Banner  lipgloss.Style // presenter mode's big step banner

	// Content.
	Title   lipgloss.Style
	Body    lipgloss.Style
	Section lipgloss.Style // small headings inside the content ("Checklist", "Links")
	More    lipgloss.Style // "↓ more below" hints

	// Options.
	Cursor         lipgloss.Style
	Option         lipgloss.Style
	OptionSelected lipgloss.Style
	OptionDisabled lipgloss.Style
	OptionDetail   lipgloss.Style
	OptionNumber   lipgloss.Style
	Recommended    lipgloss.Style

	// Links and previews.
	LinkLabel lipgloss.Style
	Link      lipgloss.Style
	LinkSel   lipgloss.Style
	DiffLabel lipgloss.Style
	Before    lipgloss.Style
	After     lipgloss.Style
	Arrow     lipgloss.Style

	// Status words.
	OK      lipgloss.Style
	Info    lipgloss.Style
	Warning lipgloss.Style
	Error   lipgloss.Style

	// Device code.
	CodeBox lipgloss.Style
	Code    lipgloss.Style

	Spinner lipgloss.Style
	Echo    lipgloss.Style // presenter mode keystroke echo
	Small   lipgloss.Style // "terminal too small" box

	Help  help.Styles
	Input textinput.Styles
}

// newStyles builds the styles for a dark or light background.
func newStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		fg      = c("#1B1B1F", "#ECECF1")
		subtle  = c("#5F5F6B", "#A3A3B0")
		faint   = c("#9A9AA5", "#6A6A75")
		primary = c("#5B3CC4", "#B4A0FF")
		accent  = c("#0B6BCB", "#7CC4FF")
		success = c("#1B7F3B", "#6BD98A")
		warning = c("#946200", "#F0C05A")
		danger  = c("#C42B2B", "#FF7A7A")
		border  = c("#C9C9D1", "#4A4A55")
	)
	s := Styles{
		App:     lipgloss.NewStyle().Padding(0, 1),
		AppName: lipgloss.NewStyle().Bold(true).Foreground(primary),
		Dim:     lipgloss.NewStyle().Foreground(subtle),
		Step:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Rule:    lipgloss.NewStyle().Foreground(border),
		Banner: lipgloss.NewStyle().Bold(true).Foreground(primary).
			Border(lipgloss.ThickBorder()).BorderForeground(primary).Padding(0, 2).Align(lipgloss.Center),

		Title:   lipgloss.NewStyle().Bold(true).Foreground(fg),
		Body:    lipgloss.NewStyle().Foreground(fg),
		Section: lipgloss.NewStyle().Bold(true).Foreground(subtle),
		More:    lipgloss.NewStyle().Foreground(accent).Italic(true),

		Cursor:         lipgloss.NewStyle().Bold(true).Foreground(primary),
		Option:         lipgloss.NewStyle().Foreground(fg),
		OptionSelected: lipgloss.NewStyle().Bold(true).Foreground(primary),
		OptionDisabled: lipgloss.NewStyle().Foreground(faint),
		OptionDetail:   lipgloss.NewStyle().Foreground(subtle),
		OptionNumber:   lipgloss.NewStyle().Foreground(subtle),
		Recommended:    lipgloss.NewStyle().Bold(true).Foreground(success),

		LinkLabel: lipgloss.NewStyle().Foreground(subtle),
		Link:      lipgloss.NewStyle().Foreground(accent).Underline(true),
		LinkSel:   lipgloss.NewStyle().Foreground(accent).Underline(true).Bold(true),
		DiffLabel: lipgloss.NewStyle().Bold(true).Foreground(fg),
		Before:    lipgloss.NewStyle().Foreground(danger),
		After:     lipgloss.NewStyle().Foreground(success),
		Arrow:     lipgloss.NewStyle().Foreground(subtle),

		OK:      lipgloss.NewStyle().Bold(true).Foreground(success),
		Info:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Warning: lipgloss.NewStyle().Bold(true).Foreground(warning),
		Error:   lipgloss.NewStyle().Bold(true).Foreground(danger),

		CodeBox: lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(primary).Padding(1, 4),
		Code:    lipgloss.NewStyle().Bold(true).Foreground(primary),

		Spinner: lipgloss.NewStyle().Foreground(primary),
		Echo:    lipgloss.NewStyle().Foreground(warning),
		Small:   lipgloss.NewStyle().Foreground(warning).Bold(true),

		Help:  help.DefaultStyles(isDark),
		Input: textinput.DefaultStyles(isDark),
	}
	s.Help.ShortKey = lipgloss.NewStyle().Bold(true).Foreground(subtle)
	s.Help.FullKey = s.Help.ShortKey
	s.Help.ShortDesc = lipgloss.NewStyle().Foreground(subtle)
	s.Help.FullDesc = s.Help.ShortDesc
	s.Help.ShortSeparator = lipgloss.NewStyle().Foreground(faint)
	s.Help.FullSeparator = s.Help.ShortSeparator
	s.Help.Ellipsis = s.Help.ShortSeparator
	s.Input.Focused.Prompt = lipgloss.NewStyle().Bold(true).Foreground(primary)
	s.Input.Focused.Placeholder = lipgloss.NewStyle().Foreground(faint)
	s.Input.Cursor.Blink = false // a steady cursor: calmer on a shared screen
	s.Input.Cursor.Color = primary
	return s
}

// severity returns the style for a finding's severity.
func (s Styles) severity(sev flows.Severity) lipgloss.Style {
	switch sev {
	case flows.SeverityOK:
		return s.OK
	case flows.SeverityWarning:
		return s.Warning
	case flows.SeverityBlocker:
		return s.Error
	}
	return s.Info
}
