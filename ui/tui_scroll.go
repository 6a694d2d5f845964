package ui

import (
	"fmt"
	"strings"
)

// Scrolling. The content between a frame's fixed top and bottom shows a
// window of avail rows: its first row says "↑ more above" when lines are
// hidden above, its last "↓ N more lines" when lines are hidden below, and
// the rows between are content[start:end]. Paging moves by exactly the
// lines shown: pgdn starts the next window with the first line not yet
// shown, pgup ends it with the line just above the first one shown, so
// every line is seen, in order, with no gap. A text shown whole (a link,
// tui_whole.go) that fits between the two "more" rows is never cut by the
// window's edge: a window whose last row would cut one ends above it (the
// rows left over stay blank), and no window starts inside one, so a mouse
// selection always gets the whole link (README, "Links").

// window is the part of the content on screen.
type window struct {
	start, end   int  // content[start:end] is shown
	above, below bool // the "more above" and "more below" rows are shown
}

// viewWindow is the window of avail rows that starts at content line start.
// Below three rows there is no room for the "more" rows: the content alone
// shows (the key help still offers pgdn).
func viewWindow(content []string, avail, start int) window {
	total := len(content)
	if total <= avail {
		return window{end: total}
	}
	if avail < 3 {
		return window{start: start, end: min(total, start+max(0, avail))}
	}
	w := window{start: start, above: start > 0}
	n := avail
	if w.above {
		n--
	}
	if start+n >= total {
		w.end = total
		return w
	}
	w.below = true
	w.end = start + n - 1
	// A text shown whole that the bottom edge would cut goes to the next window.
	if rs, re, ok := wholeRunAt(content, w.end); ok && rs > start && rs < w.end && re-rs <= avail-2 {
		w.end = rs
	}
	return w
}

// windowRows renders a window: the "more" rows and the content between,
// padded to avail rows when the window ends early (above a whole text).
func (m *Model) windowRows(content []string, avail int, w window) []string {
	var rows []string
	if w.above {
		rows = append(rows, m.styles.More.Render("↑ more above — pgup"))
	}
	rows = append(rows, content[w.start:w.end]...)
	if w.below {
		for len(rows) < avail-1 {
			rows = append(rows, "")
		}
		rows = append(rows, m.styles.More.Render(fmt.Sprintf("↓ %d more lines — pgdn", len(content)-w.end)))
	}
	return rows
}

// wholeRunAt reports the run of rows of one text shown whole that holds
// content line i: content[rs:re].
func wholeRunAt(content []string, i int) (rs, re int, ok bool) {
	if i < 0 || i >= len(content) || !strings.HasPrefix(content[i], wholeMark) {
		return 0, 0, false
	}
	rs, re = i, i+1
	for rs > 0 && strings.HasPrefix(content[rs-1], wholeMark) {
		rs--
	}
	for re < len(content) && strings.HasPrefix(content[re], wholeMark) {
		re++
	}
	return rs, re, true
}

// insideWhole reports whether line s is inside (not the first row of) a
// text shown whole that fits in a window of avail rows: a window must not
// start there. rs and re are that text's rows.
func insideWhole(content []string, avail, s int) (rs, re int, inside bool) {
	rs, re, ok := wholeRunAt(content, s)
	return rs, re, ok && rs < s && re-rs <= avail-2
}

// lastStart is where the last window starts: the one that shows the end.
func lastStart(content []string, avail int) int {
	total := len(content)
	if total <= avail {
		return 0
	}
	if avail < 3 {
		return max(0, total-avail)
	}
	s := total - (avail - 1)
	if _, re, inside := insideWhole(content, avail, s); inside {
		// The last window starts below the text (which the window before
		// showed whole), not in the middle of it.
		s = re
	}
	return s
}

// clampStart makes s a start a window may have: within the content, and
// not inside a text shown whole (a resize can reflow the content under it).
func clampStart(content []string, avail, s int) int {
	s = max(0, min(s, lastStart(content, avail)))
	if rs, _, inside := insideWhole(content, avail, s); inside {
		s = rs
	}
	return s
}

// pageDown is the start of the window after the one at s: its first line is
// the first line the window at s did not show.
func pageDown(content []string, avail, s int) int {
	s = clampStart(content, avail, s)
	w := viewWindow(content, avail, s)
	if w.end >= len(content) {
		return s
	}
	return min(w.end, lastStart(content, avail))
}

// pageUp is the start of the window before the one at s: the first start
// whose window reaches down to the first line the window at s shows.
func pageUp(content []string, avail, s int) int {
	s = clampStart(content, avail, s)
	for c := max(0, s-avail); c < s; c++ {
		if _, _, inside := insideWhole(content, avail, c); inside {
			continue
		}
		if viewWindow(content, avail, c).end >= s {
			return c
		}
	}
	return clampStart(content, avail, s-1)
}

// lineDown scrolls down until one more line shows at the bottom (from the
// top that is two: the "more above" row takes one), or to the end; never to
// a start inside a text shown whole.
func lineDown(content []string, avail, s int) int {
	s = clampStart(content, avail, s)
	last := lastStart(content, avail)
	end := viewWindow(content, avail, s).end
	for n := s + 1; n < last; n++ {
		if _, _, inside := insideWhole(content, avail, n); inside {
			continue
		}
		if viewWindow(content, avail, n).end > end {
			return n
		}
	}
	return last
}

// lineUp scrolls one line up; into a text shown whole, to its first row.
func lineUp(content []string, avail, s int) int {
	return clampStart(content, avail, clampStart(content, avail, s)-1)
}

// scrollWith moves the content's window with one of the functions above.
func (m *Model) scrollWith(move func(content []string, avail, s int) int) {
	l := m.layout()
	m.scroll = move(l.content, l.avail, m.scroll)
}
