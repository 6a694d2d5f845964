package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
)

// optLevel is how much of each option shows. Whatever the level, every
// option keeps its warning (a role the account lacks), and the selected
// option that is not possible says why (unless the note below already does).
type optLevel int

const (
	optFull     optLevel = iota // every option with its detail
	optCompact                  // the selected option and every "not possible" reason in full, the rest one line
	optSelected                 // one line per option, the selected one in full
	optTight                    // one line per option: the checklist needs the room
)

// optionLines renders the options in at most maxLines lines at level; when
// they still do not fit, a window around the cursor whose first and last
// lines say how many options are hidden above and below.
func (m *Model) optionLines(w, maxLines int, level optLevel) []string {
	opts := m.state.Prompt.Options
	blocks := make([][]string, len(opts))
	total := 0
	for i, o := range opts {
		full := level == optFull ||
			(level == optCompact && (i == m.cursor || o.Disabled)) ||
			(level == optSelected && i == m.cursor) ||
			(level == optTight && i == m.cursor && o.Disabled)
		blocks[i] = m.optionBlock(w, i, full)
		total += len(blocks[i])
	}
	if total <= maxLines {
		return flatten(blocks)
	}
	// cost is the lines of the window lo..hi with its "more" lines.
	n := len(blocks)
	cost := func(lo, hi int) int {
		c := 0
		for _, b := range blocks[lo:hi] {
			c += len(b)
		}
		if lo > 0 {
			c++
		}
		if hi < n {
			c++
		}
		return c
	}
	lo, hi := m.cursor, m.cursor+1
	// The selected option alone may not fit beside the "more" lines: it
	// gets shorter, they stay (the options they stand for must not vanish).
	if cost(lo, hi) > maxLines {
		b := m.optionBlock(w, m.cursor, false)
		blocks[m.cursor] = b
		if over := cost(lo, hi) - maxLines; over > 0 {
			blocks[m.cursor] = b[:max(1, len(b)-over)]
		}
	}
	for {
		grew := false
		if hi < n && cost(lo, hi+1) <= maxLines {
			hi++
			grew = true
		}
		if lo > 0 && cost(lo-1, hi) <= maxLines {
			lo--
			grew = true
		}
		if !grew {
			break
		}
	}
	var out []string
	if lo > 0 {
		out = append(out, m.styles.More.Render(fmt.Sprintf("↑ %d more — ↑/k", lo)))
	}
	out = append(out, flatten(blocks[lo:hi])...)
	if hi < n {
		out = append(out, m.styles.More.Render(fmt.Sprintf("↓ %d more — ↓/j", n-hi)))
	}
	if len(out) > maxLines && lo > 0 {
		// Too few lines even for that: the selected option and what is
		// below it come first.
		out = out[1:]
	}
	if len(out) > maxLines && maxLines >= 2 && hi < n {
		out = append(out[:maxLines-1], out[len(out)-1])
	} else if len(out) > maxLines {
		out = out[:maxLines]
	}
	return out
}

// optionBlock is one option: "› 1. Label", then its detail, indented under
// the label. A disabled option says it is not possible, and with full, why.
// Without full, the option is one line, cut with "…".
func (m *Model) optionBlock(w, i int, full bool) []string {
	st := m.styles
	o := m.state.Prompt.Options[i]
	selected := i == m.cursor
	cursor := "  "
	if selected {
		cursor = st.Cursor.Render("› ")
	}
	num := "   "
	if i < 9 {
		num = fmt.Sprintf("%d. ", i+1)
	}
	label := m.clean(o.Label, 200)
	rec := m.isRecommended(o)
	if rec {
		label = "★ " + label
	}
	indent := "     "
	labelStyle := st.Option
	switch {
	case o.Disabled:
		labelStyle = st.OptionDisabled
	case selected:
		labelStyle = st.OptionSelected
	case rec:
		labelStyle = st.Recommended
	}
	if o.Disabled && selected && m.noteIsReason {
		// The note under the options gives the reason: not twice.
		full = false
	}
	text := label
	if o.Disabled {
		text += " — not possible"
		if full {
			reason := m.clean(o.Reason, 400)
			if reason == "" {
				reason = "not available here"
			}
			text += ": " + reason
		}
	}
	head := cursor + st.OptionNumber.Render(num)
	// What stops the account (a role it lacks) shows at every size, before
	// the option is chosen.
	var warn []string
	if wt := m.clean(o.Warn, 300); wt != "" && !o.Disabled {
		for _, l := range wrapIndent("! "+wt, w-len(indent), "  ") {
			warn = append(warn, indent+st.Warning.Render(l))
		}
	}
	if !full {
		return append([]string{head + labelStyle.Render(ansiCut(text, w-5))}, warn...)
	}
	lines := wrapIndent(text, w-5, "")
	out := make([]string, 0, len(lines)+2)
	for j, l := range lines {
		if j == 0 {
			out = append(out, head+labelStyle.Render(l))
			continue
		}
		out = append(out, indent+labelStyle.Render(l))
	}
	detail := m.clean(o.Detail, 400)
	if detail != "" && !o.Disabled {
		for _, l := range wrapIndent(detail, w-len(indent), "") {
			out = append(out, indent+st.OptionDetail.Render(l))
		}
	}
	return append(out, warn...)
}

// isRecommended reports whether o is the diagnosis's recommended fix.
func (m *Model) isRecommended(o flows.Option) bool {
	d := m.state.Diagnosis
	return d != nil && m.state.Step == flows.StepChooseFix && d.Recommended != "" && o.Key == flows.FixKey(d.Recommended)
}

func flatten(blocks [][]string) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// ansiCut cuts a line to w columns with an ellipsis (for hints, never for
// links or tenant text the user must read in full).
func ansiCut(s string, w int) string {
	if w <= 1 {
		return s
	}
	return ansi.Truncate(strings.TrimRight(s, " "), w, "…")
}
