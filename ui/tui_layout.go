package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
)

// View implements tea.Model.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.WindowTitle = "consentwiz"
	v.AltScreen = true
	// MouseMode stays off: codes and links remain selectable with the mouse.
	return v
}

// layout is one frame, cut into the parts that always show (top, bottom,
// footer) and the content between them, which scrolls.
type layout struct {
	top     []string // header and title
	content []string // scrollable
	bottom  []string // progress line, options, input, errors, notes
	footer  []string // key help, presenter echo
	avail   int      // lines for content
}

// body is a screen's scrollable content. keep is how many of its first
// lines must be on the first screen when it scrolls (the checklist's
// blockers); 0 for most screens.
type body struct {
	lines []string
	keep  int
}

func (m *Model) innerWidth() int {
	return max(20, m.width-m.styles.App.GetHorizontalFrameSize())
}

func (m *Model) layout() layout {
	w := m.innerWidth()
	var l layout
	l.top = m.headerLines(w)
	if !m.banner() || m.height >= 30 {
		l.top = append(l.top, "")
	}
	l.top = append(l.top, m.titleLines(w)...)
	l.footer = m.footerLines(w)
	content := func(compact bool) body {
		switch m.screen() {
		case screenFinished:
			return body{lines: m.finishedContent(w)}
		case screenDeviceCode:
			return body{lines: m.deviceContent(w)}
		}
		return m.promptContent(w, compact)
	}
	bottom := func(maxLines int, level optLevel) []string {
		if m.screen() == screenFinished {
			return nil
		}
		return m.bottomLines(w, maxLines, level)
	}
	room := m.height - len(l.top) - 1 - m.footerHeight(w, l.footer) - 1 // blank lines after the title and above the footer
	fits := func(c, b []string) bool { return len(c)+len(b)+gapLines(c, b) <= room }
	const all = 1 << 30
	// Ever tighter until everything fits: the details of options that are
	// not selected go first, then the checklist's details of info rows, then
	// the selected option's detail. Every option keeps its warning, and a
	// "not possible" reason always shows for the selected option.
	full := content(false)
	var short body
	done := false
	tries := []struct {
		compact bool
		level   optLevel
	}{{false, optFull}, {false, optCompact}, {true, optCompact}, {true, optSelected}, {true, optTight}}
	for _, t := range tries {
		c := full
		if t.compact {
			if !m.hasCompactContent() {
				continue
			}
			if short.lines == nil {
				short = content(true)
			}
			c = short
		}
		if b := bottom(all, t.level); fits(c.lines, b) {
			l.content, l.bottom, done = c.lines, b, true
			break
		}
	}
	if !done {
		// Then the content scrolls (pgdn shows all of it), and the options
		// take only so much room that its first lines, and what it must
		// show at once (keep), stay in sight.
		c := full
		if m.hasCompactContent() {
			c = short // the compact tries made it
		}
		minContent := min(len(c.lines), max(4, room/3, c.keep+1), max(1, room-4))
		l.content = c.lines
		for _, level := range []optLevel{optSelected, optTight} {
			if b := bottom(all, level); room-len(b)-gapLines(c.lines, b) >= minContent {
				l.bottom = b
				break
			}
		}
		if l.bottom == nil {
			// The options stay visible around the selected one.
			l.bottom = bottom(max(3, room-minContent-1), optTight)
		}
	}
	if len(l.content) > 0 || len(l.bottom) > 0 {
		l.top = append(l.top, "")
	}
	l.avail = max(0, room-len(l.bottom)-gapLines(l.content, l.bottom))
	return l
}

// hasCompactContent reports whether the content has a shorter form for
// small terminals: the checklist, whose info rows can go to one line.
func (m *Model) hasCompactContent() bool {
	return m.screen() == screenPrompt && m.state.Step == flows.StepChooseFix && m.state.Diagnosis != nil
}

func gapLines(c, b []string) int {
	if len(c) > 0 && len(b) > 0 {
		return 1
	}
	return 0
}

// render is the frame as the terminal shows it.
func (m *Model) render() string {
	if m.screen() == screenTooSmall {
		return m.tooSmallView()
	}
	lines := m.frame()
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, wholeMark)
	}
	return strings.Join(lines, "\n")
}

// frame is the frame's rows; rows of texts shown whole keep their mark
// (tui_whole.go).
func (m *Model) frame() []string {
	if m.screen() == screenTooSmall {
		return strings.Split(m.tooSmallView(), "\n")
	}
	l := m.layout()
	lines := append([]string{}, l.top...)
	content := l.content
	if len(content) > l.avail {
		w := viewWindow(content, l.avail, clampStart(content, l.avail, m.scroll))
		content = m.windowRows(content, l.avail, w)
	}
	lines = append(lines, content...)
	if len(l.bottom) > 0 {
		if len(content) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, l.bottom...)
	}
	// Push the footer to the last lines of the screen.
	for len(lines)+1+len(l.footer) < m.height {
		lines = append(lines, "")
	}
	lines = append(lines, "")
	lines = append(lines, l.footer...)
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	// Inset by the App style's left padding without padding lines on the
	// right (lipgloss would pad every line to the widest). Texts shown whole
	// start at the first column.
	pad := strings.Repeat(" ", m.styles.App.GetPaddingLeft())
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, wholeMark):
		case ansi.StringWidth(l) > 0:
			lines[i] = pad + l
		default:
			lines[i] = ""
		}
	}
	return lines
}

// headerLines: app name, tenant and the step (a banner in presenter mode).
func (m *Model) headerLines(w int) []string {
	st := m.styles
	p := m.state.Prompt
	left := st.AppName.Render("consentwiz")
	if t := m.tenantLabel(); t != "" {
		left += st.Dim.Render(" · " + t)
	}
	step := stepLabel(p, " — ", m.clean(p.StepTitle, 80))
	if m.state.DryRun {
		left += st.Warning.Render("  DRY RUN")
	}
	var out []string
	if m.banner() {
		// The app and tenant move to the footer, beside the keystroke echo.
		return strings.Split(st.Banner.Width(w).Render(step), "\n")
	}
	if step != "" {
		s := st.Step.Render(step)
		gap := w - lipgloss.Width(left) - lipgloss.Width(s)
		if gap >= 2 {
			out = append(out, left+strings.Repeat(" ", gap)+s)
		} else {
			out = append(out, left, ansi.Truncate(s, w, "…"))
		}
	} else {
		out = append(out, left)
	}
	out = append(out, st.Rule.Render(strings.Repeat("─", w)))
	return out
}

// banner reports whether presenter mode shows the big step banner.
func (m *Model) banner() bool {
	p := m.state.Prompt
	return m.deps.Present && p.StepNo > 0 && m.outcome == nil && m.screen() != screenTooSmall
}

// stepLabel is "Step 3 of 6 — Sign in", or "Step 3 — Sign in" while the
// path, and so the total, is not known yet; "" for a step not numbered.
func stepLabel(p flows.Prompt, sep, title string) string {
	if p.StepNo <= 0 {
		return ""
	}
	step := fmt.Sprintf("Step %d", p.StepNo)
	if p.StepCount > 0 {
		step += fmt.Sprintf(" of %d", p.StepCount)
	}
	if title != "" {
		step += sep + title
	}
	return step
}

func (m *Model) tenantLabel() string {
	t := m.state.Tenant
	switch {
	case t.Domain != "":
		return m.clean(t.Domain, 60)
	case t.ID != "":
		return m.clean(t.ID, 60)
	}
	return ""
}

// titleLines is the prompt's title; on progress screens it carries the
// spinner and the elapsed seconds, on finished screens a status glyph.
func (m *Model) titleLines(w int) []string {
	st := m.styles
	p := m.state.Prompt
	title := m.clean(p.Title, 300)
	switch {
	case m.screen() == screenDeviceCode:
		title = "Sign in with this code"
	case m.outcome != nil || p.Kind == flows.PromptDone || p.Kind == flows.PromptFailed:
		glyph, style := m.statusGlyph()
		return wrapStyled(glyph+" "+title, w, "  ", style)
	case p.Kind == flows.PromptProgress:
		return wrapStyled(m.progressLine(title), w, "  ", st.Title)
	}
	return wrapStyled(title, w, "", st.Title)
}

// progressLine is "⠋ Title… 3s".
func (m *Model) progressLine(title string) string {
	secs := int(m.clock.Sub(m.stepSince).Seconds())
	return fmt.Sprintf("%s %s… %ds", m.spinner.View(), strings.TrimRight(title, ".…"), max(0, secs))
}

// statusGlyph is the glyph and colour of a finished or failed screen.
func (m *Model) statusGlyph() (string, lipgloss.Style) {
	st := m.styles
	kind := m.state.Prompt.Kind
	if m.outcome != nil {
		switch m.outcome.Kind {
		case flows.OutcomeCancelled, flows.OutcomeRestoreNeeded, flows.OutcomeHandedOff:
			// Left for an admin: nothing failed, but users are still blocked.
			return "!", st.Warning
		case flows.OutcomeVerified, flows.OutcomeNothingToFix, flows.OutcomeRestored, flows.OutcomeDryRun, flows.OutcomeNothingToRestore:
			// Nothing to restore is good news: nothing of consentwiz's was left.
			return "✓", st.OK
		}
		return "✗", st.Error
	}
	if kind == flows.PromptFailed {
		return "✗", st.Error
	}
	return "✓", st.OK
}

// footerLines is the key help, and the keystroke echo in presenter mode.
func (m *Model) footerLines(w int) []string { return m.footerWith(w, m.helpKeys()) }

// footerHeight is how many lines the footer takes. While the content
// scrolls it is the most the footer takes at any scroll position (pgup is
// offered only below the top, pgdn only above the end): the room for the
// content must not change as it scrolls, or a page would not be what pgdn
// and pgup counted on.
func (m *Model) footerHeight(w int, footer []string) int {
	if !m.overflow || m.screen() == screenTooSmall {
		return len(footer)
	}
	k := m.keys
	k.PageUp.SetEnabled(true)
	k.PageDown.SetEnabled(true)
	return max(len(footer), len(m.footerWith(w, m.helpKeysOf(k, false))))
}

// footerWith is the footer with the key help hk.
func (m *Model) footerWith(w int, hk helpKeys) []string {
	h := m.help
	h.SetWidth(w)
	var out []string
	if h.ShowAll {
		out = strings.Split(h.View(hk), "\n")
	} else {
		out = m.shortHelpLines(h, w, hk)
	}
	if m.deps.Present {
		k := m.lastKey
		if k == "" {
			k = "—"
		}
		echo := m.styles.Echo.Render("⌨ pressed: " + k)
		if m.banner() {
			who := m.styles.AppName.Render("consentwiz")
			if t := m.tenantLabel(); t != "" {
				who += m.styles.Dim.Render(" · " + t)
			}
			if gap := w - lipgloss.Width(echo) - lipgloss.Width(who); gap >= 2 {
				echo += strings.Repeat(" ", gap) + who
			}
		}
		out = append(out, echo)
	}
	return out
}

// shortHelpLines fits the short help in up to two lines, most important
// keys first.
func (m *Model) shortHelpLines(h help.Model, w int, hk helpKeys) []string {
	var enabled []key.Binding
	for _, b := range hk.short {
		if b.Enabled() {
			enabled = append(enabled, b)
		}
	}
	h.SetWidth(0)
	lines := wrapHelp(h, w, enabled)
	// Too long: leave out the keys the screen or the full help (?) already
	// shows, least useful first, rather than cutting ctrl+c and ? off.
	for _, drop := range []string{"1", "up", "pgup", "r", "o", "s", "c"} {
		if len(lines) <= 2 {
			break
		}
		kept := enabled[:0:0]
		for _, b := range enabled {
			if ks := b.Keys(); len(ks) == 0 || ks[0] != drop {
				kept = append(kept, b)
			}
		}
		enabled = kept
		lines = wrapHelp(h, w, enabled)
	}
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = ansiCut(lines[1], w-1) + "…"
	}
	return lines
}

// wrapHelp lays the bindings out as short help lines of at most w columns.
func wrapHelp(h help.Model, w int, enabled []key.Binding) []string {
	var lines []string
	var cur []key.Binding
	for _, b := range enabled {
		next := append(append([]key.Binding{}, cur...), b)
		if len(cur) > 0 && lipgloss.Width(h.ShortHelpView(next)) > w {
			lines = append(lines, h.ShortHelpView(cur))
			cur = []key.Binding{b}
			continue
		}
		cur = next
	}
	if len(cur) > 0 {
		lines = append(lines, h.ShortHelpView(cur))
	}
	return lines
}

func (m *Model) tooSmallView() string {
	msg := fmt.Sprintf("Terminal too small — need at least %d×%d (now %d×%d).", minWidth, minHeight, m.width, m.height)
	w := max(10, m.width)
	lines := wrapStyled(msg, w, "", m.styles.Small)
	lines = append(lines, wrapStyled("Enlarge the window, or press ctrl+c to cancel.", w, "", m.styles.Dim)...)
	if len(lines) > m.height && m.height > 0 {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// wrapStyled word-wraps s to w columns (long words are broken, never cut),
// indents continuation lines and styles each line.
func wrapStyled(s string, w int, indent string, st lipgloss.Style) []string {
	return wrapStyledAt(s, w, indent, "", st)
}

// wrapStyledAt is wrapStyled that may also break a long word after any of
// breakpoints (policy ids: after the ".").
func wrapStyledAt(s string, w int, indent, breakpoints string, st lipgloss.Style) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		lines := wrapIndentAt(para, w, indent, breakpoints)
		for _, l := range lines {
			if l == "" {
				out = append(out, "")
				continue
			}
			out = append(out, st.Render(l))
		}
	}
	return out
}

// wrapIndent wraps one paragraph to w columns; continuation lines start with
// indent. A paragraph's own leading spaces are kept as its indentation.
func wrapIndent(s string, w int, indent string) []string {
	return wrapIndentAt(s, w, indent, "")
}

func wrapIndentAt(s string, w int, indent, breakpoints string) []string {
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	if lead != "" && indent == "" {
		indent = lead + "  "
	}
	width := max(8, w-lipgloss.Width(indent))
	// ansi.Wrap always breaks after a hyphen, which splits GUIDs; wrap with
	// non-breaking hyphens and put the real ones back.
	s = strings.ReplaceAll(s, "-", nbHyphen)
	lines := strings.Split(ansi.Wrap(s, width, breakpoints), "\n")
	for i := range lines {
		if i > 0 {
			lines[i] = indent + strings.TrimLeft(lines[i], " ")
		}
		lines[i] = strings.ReplaceAll(lines[i], nbHyphen, "-")
	}
	return lines
}

const nbHyphen = "\u2011"
