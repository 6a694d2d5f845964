package ui

import (
	"bytes"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// Texts shown whole: links, saved paths and request bodies must survive
// being selected with the mouse and copied, on SSH and on a screen share.
// A terminal joins lines it wrapped itself (soft wraps) when text is
// selected or captured; lines a program broke are not joined. The alt-screen
// renderer draws every row with cursor moves, so it cannot leave a soft
// wrap: such a text is laid out in rows of exactly the terminal's width from
// the first column (the cells the terminal's own wrap would fill) and, once
// the renderer has drawn them, printed again as one string from its first
// row (the "overlay"), which the terminal wraps by itself at the same
// places: the cells stay as they were, the rows become one line. The
// program's own links are OSC 8 hyperlinks too, where the terminal takes
// them. Tenant text never gets either: it is sanitized before it is laid out.

// wholeMark starts a content row that is part of a text shown whole: the
// row is drawn from the first column (no inset) and is overlaid. It is a
// zero-width character that flows.Sanitize removes from every tenant string,
// so no tenant text can carry it; render removes it.
const wholeMark = "\u2060"

// wholeLines lays text out as the terminal would wrap it when printed
// after the screen's inset: the first row starts at the inset, the others
// at the first column, every row but the last as wide as the terminal. It
// is styled; link, when set and hyperlinks are on, makes every row part of
// one OSC 8 hyperlink to it.
func (m *Model) wholeLines(text string, st lipgloss.Style, link string) []string {
	// Only a link that is exactly what the screen shows and may be opened
	// becomes a hyperlink: its target is written raw to the terminal.
	if link != "" && m.hyperlinks() && SafeToOpen(link) == nil {
		st = st.Hyperlink(link, "id=cw"+linkID(link))
	}
	pad := m.styles.App.GetPaddingLeft()
	width := max(8+pad, m.width)
	first := ansi.Truncate(text, width-pad, "")
	out := []string{wholeMark + strings.Repeat(" ", pad) + st.Render(first)}
	rest := strings.TrimPrefix(text, first)
	if rest == "" {
		return out
	}
	for _, part := range strings.Split(ansi.Hardwrap(rest, width, true), "\n") {
		out = append(out, wholeMark+st.Render(part))
	}
	return out
}

// bodyLines wraps a body to w columns, except a line that is a link alone
// (the hand-off puts every link on its own line): that one is shown whole.
func (m *Model) bodyLines(body string, w int, st lipgloss.Style) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if (strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "http://")) && !strings.ContainsAny(t, " \t") && ansi.StringWidth(line) > w {
			out = append(out, m.wholeLines(t, m.styles.Link, t)...)
			continue
		}
		out = append(out, wrapStyled(line, w, "", st)...)
	}
	return out
}

// hyperlinks reports whether the program's own links are OSC 8 hyperlinks:
// not in presenter mode (a hyperlink's target shows when hovered, and the
// screen masks ids) and not on terminals that print OSC sequences.
func (m *Model) hyperlinks() bool {
	if m.deps.Present {
		return false
	}
	switch m.term {
	case "dumb", "linux":
		return false
	}
	return true
}

// linkID groups the rows of one link into one hyperlink (OSC 8 id).
func linkID(u string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(u); i++ {
		h = (h ^ uint32(u[i])) * 16777619
	}
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [7]byte
	for i := range b {
		b[i] = digits[h%36]
		h /= 36
	}
	return string(b[:])
}

// wholeRun is a run of rows of one text shown whole, where it is on screen.
type wholeRun struct {
	row  int      // the first row (0-based)
	rows []string // the rows as drawn, styled
}

// wholeRuns finds the texts shown whole in a frame (its rows, marks kept).
func wholeRuns(frame []string) []wholeRun {
	var out []wholeRun
	for i := 0; i < len(frame); i++ {
		if !strings.HasPrefix(frame[i], wholeMark) {
			continue
		}
		r := wholeRun{row: i}
		for ; i < len(frame) && strings.HasPrefix(frame[i], wholeMark); i++ {
			r.rows = append(r.rows, strings.TrimPrefix(frame[i], wholeMark))
		}
		i--
		if len(r.rows) > 1 {
			out = append(out, r)
		}
	}
	return out
}

// overlaySeq prints each run again as one string from its first row, between
// a cursor save and restore (the renderer's idea of the cursor stays true),
// downsampled to the terminal's colour profile like the frame itself.
func overlaySeq(runs []wholeRun, p colorprofile.Profile) string {
	if len(runs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(ansi.SaveCursor)
	for _, r := range runs {
		b.WriteString(ansi.CursorPosition(1, r.row+1))
		b.WriteString(strings.Join(r.rows, ""))
		b.WriteString(ansi.ResetStyle)
	}
	b.WriteString(ansi.RestoreCursor)
	if p == colorprofile.TrueColor {
		return b.String()
	}
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: p}
	_, _ = w.WriteString(b.String())
	return buf.String()
}

// overlayMsg asks for the overlay of generation gen.
type overlayMsg struct{ gen int }

// Overlay timing: after the renderer drew the frame (it draws at 60 frames
// a second), and once more a little later in case a frame came between.
const (
	overlayFirst = 120 * time.Millisecond
	overlayAgain = time.Second
)

// scheduleOverlay asks for an overlay when the texts shown whole changed.
func (m *Model) scheduleOverlay() tea.Cmd {
	if m.screen() == screenTooSmall || m.profile == colorprofile.Unknown || m.profile == colorprofile.NoTTY {
		return nil
	}
	runs := wholeRuns(m.frame())
	var sig strings.Builder
	for _, r := range runs {
		sig.WriteString(itoa(r.row))
		sig.WriteString(strings.Join(r.rows, "\n"))
	}
	if sig.String() == m.overlaySig {
		return nil
	}
	m.overlaySig = sig.String()
	m.overlayGen++
	if len(runs) == 0 {
		return nil
	}
	gen := m.overlayGen
	msg := func(time.Time) tea.Msg { return overlayMsg{gen: gen} }
	return tea.Batch(m.tick(overlayFirst, msg), m.tick(overlayAgain, msg))
}

// overlay prints the texts shown whole of the frame on screen now.
func (m *Model) overlay(msg overlayMsg) tea.Cmd {
	if msg.gen != m.overlayGen || m.screen() == screenTooSmall {
		return nil
	}
	seq := overlaySeq(wholeRuns(m.frame()), m.profile)
	if seq == "" {
		return nil
	}
	return tea.Raw(seq)
}
