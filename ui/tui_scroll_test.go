package ui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// Scrolling (tui_scroll.go): paging shows every content line exactly in
// order, with no gap, and never cuts a link that fits on the screen.

// simChecklist drives the TUI with the real Runner against the simulator's
// locked-down tenant to TrackerRMS's checklist, at w×h.
func simChecklist(t *testing.T, w, h int) *driver {
	t.Helper()
	rig := newSimRig(t, sim.Options{})
	m := NewModel(context.Background(), Deps{Effects: rig.runner, Input: rig.input(testApp(), false), NoBrowser: true, Version: "test"},
		WithClock(func() time.Time { return testTime }),
		func(m *Model) { m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil } })
	t.Cleanup(m.cancelAll)
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.drain()
	d.requireStep(flows.StepChooseFix)
	return d
}

// shownRow is a content row as the frame shows it, without styles: with
// the screen's inset, except on the rows of a text shown whole.
func shownRow(row string) string {
	if strings.HasPrefix(row, wholeMark) {
		return ansi.Strip(strings.TrimPrefix(row, wholeMark))
	}
	if row == "" {
		return ""
	}
	return " " + ansi.Strip(row)
}

// page is what one screen shows of the content: its rows, and for each
// row whether it belongs to a text shown whole.
type page struct {
	rows  []string
	whole []bool
}

var moreBelow = regexp.MustCompile(`^ ↓ \d+ more lines — pgdn$`)

// visiblePage reads the content window of the frame on screen: the rows
// between the title and the options, without the "more" rows and the blank
// rows that end it.
func visiblePage(m *Model) page {
	l := m.layout()
	frame := m.frame()
	rows := frame[len(l.top):min(len(frame), len(l.top)+l.avail)]
	var p page
	for i, r := range rows {
		s := ansi.Strip(strings.TrimPrefix(r, wholeMark)) // frame rows carry the inset already
		if i == 0 && s == " ↑ more above — pgup" {
			continue
		}
		if moreBelow.MatchString(s) {
			break
		}
		if len(l.bottom) > 0 && s == shownRow(l.bottom[0]) && len(p.rows) > 0 && p.rows[len(p.rows)-1] == "" {
			// The window ended early: the options follow.
			p.rows, p.whole = p.rows[:len(p.rows)-1], p.whole[:len(p.whole)-1]
			break
		}
		p.rows = append(p.rows, s)
		p.whole = append(p.whole, strings.HasPrefix(r, wholeMark))
	}
	for len(p.rows) > 0 && p.rows[len(p.rows)-1] == "" {
		p.rows, p.whole = p.rows[:len(p.rows)-1], p.whole[:len(p.whole)-1]
	}
	return p
}

// contentRows is the whole content as the screen would show it.
func contentRows(m *Model) (rows []string, whole []bool) {
	for _, r := range m.layout().content {
		rows = append(rows, shownRow(r))
		whole = append(whole, strings.HasPrefix(r, wholeMark))
	}
	for len(rows) > 0 && rows[len(rows)-1] == "" {
		rows, whole = rows[:len(rows)-1], whole[:len(whole)-1]
	}
	return rows, whole
}

// pageThrough presses key until the window stops moving and returns each
// screen's page, the first included.
func pageThrough(t *testing.T, d *driver, key string) []page {
	t.Helper()
	pages := []page{visiblePage(d.m)}
	for range 400 {
		before := d.m.scroll
		d.press(key)
		if d.m.scroll == before {
			return pages
		}
		pages = append(pages, visiblePage(d.m))
	}
	t.Fatalf("%s never reached the end", key)
	return nil
}

// at is where p's rows are in content: the offsets where they all match.
func (p page) at(content []string) []int {
	var out []int
	for a := 0; a+len(p.rows) <= len(content); a++ {
		if slices.Equal(content[a:a+len(p.rows)], p.rows) {
			out = append(out, a)
		}
	}
	return out
}

// checkPagesDown: each page continues where the one before ended (it may
// show again some of what was seen, never skip a line), and the last shows
// the end.
func checkPagesDown(t *testing.T, content []string, pages []page) {
	t.Helper()
	covered := 0
	for i, p := range pages {
		for covered < len(content) && content[covered] == "" {
			covered++ // blank rows at a page's end are not told from the padding
		}
		ok := false
		for _, a := range p.at(content) {
			if a <= covered && a+len(p.rows) > covered {
				covered, ok = a+len(p.rows), true
				break
			}
		}
		if !ok {
			t.Fatalf("pgdn %d: after %d of %d lines seen, the screen shows lines that do not follow on (a gap; next unseen line %q):\n%s",
				i, covered, len(content), content[min(covered, len(content)-1)], strings.Join(p.rows, "\n"))
		}
	}
	if covered != len(content) {
		t.Fatalf("paging down showed %d of %d lines: the end (%q) was never shown", covered, len(content), content[covered])
	}
}

// checkPagesUp: from the end, each page reaches down to the first line of
// the one before, and the last shows the top.
func checkPagesUp(t *testing.T, content []string, pages []page) {
	t.Helper()
	as := pages[0].at(content)
	if len(as) == 0 || as[len(as)-1]+len(pages[0].rows) != len(content) {
		t.Fatalf("paging up does not start at the end:\n%s", strings.Join(pages[0].rows, "\n"))
	}
	lo := as[len(as)-1]
	for i, p := range pages[1:] {
		for lo > 0 && content[lo-1] == "" {
			lo-- // blank rows at a page's end are not told from the padding
		}
		ok := false
		for _, a := range slices.Backward(p.at(content)) {
			if a < lo && a+len(p.rows) >= lo {
				lo, ok = a, true
				break
			}
		}
		if !ok {
			t.Fatalf("pgup %d: with the lines from %d on seen, the screen does not reach down to them (a gap; line %d %q unseen):\n%s",
				i+1, lo, lo-1, content[lo-1], strings.Join(p.rows, "\n"))
		}
	}
	if lo != 0 {
		t.Fatalf("paging up stopped at line %d (%q), not at the top", lo, content[lo])
	}
}

// checkLinksWhole: a text shown whole that fits on the screen is on it
// whole or not at all.
func checkLinksWhole(t *testing.T, content []string, whole []bool, avail int, pages []page) {
	t.Helper()
	for i, p := range pages {
		as := p.at(content)
		if len(as) == 0 {
			continue
		}
		a := as[0]
		for _, edge := range []int{a, a + len(p.rows) - 1} {
			if edge < 0 || edge >= len(content) || !whole[edge] {
				continue
			}
			rs, re := edge, edge+1
			for rs > 0 && whole[rs-1] {
				rs--
			}
			for re < len(whole) && whole[re] {
				re++
			}
			if re-rs <= avail-2 && (rs < a || re > a+len(p.rows)) {
				t.Fatalf("page %d cuts a link of %d rows across the screen's edge (rows %d-%d shown of %d-%d):\n%s",
					i, re-rs, max(rs, a), min(re, a+len(p.rows))-1, rs, re-1, strings.Join(p.rows, "\n"))
			}
		}
	}
}

// checkPaging pages down to the end and up to the top again.
func checkPaging(t *testing.T, d *driver) {
	t.Helper()
	content, whole := contentRows(d.m)
	if len(content) <= d.m.layout().avail {
		t.Fatalf("the content (%d lines) fits in %d: nothing to page", len(content), d.m.layout().avail)
	}
	down := pageThrough(t, d, "pgdown")
	checkPagesDown(t, content, down)
	checkLinksWhole(t, content, whole, d.m.layout().avail, down)
	up := pageThrough(t, d, "pgup")
	checkPagesUp(t, content, up)
	checkLinksWhole(t, content, whole, d.m.layout().avail, up)
	if d.m.scroll != 0 {
		t.Fatalf("pgup stopped at %d, not at the top", d.m.scroll)
	}
}

// TestPagingShowsEveryLine: at 80×24, pgdn from the top and pgup from the
// end show every line of a long screen, in order, with no gap, and never a
// link cut at the screen's edge (the README's promise that a mouse
// selection gets one whole link).
func TestPagingShowsEveryLine(t *testing.T) {
	t.Run("checklist", func(t *testing.T) {
		checkPaging(t, simChecklist(t, 80, 24))
	})
	t.Run("checklist-presenter", func(t *testing.T) {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{present: true}))
		d.toChooseFix()
		checkPaging(t, d)
	})
	t.Run("handoff", func(t *testing.T) {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
		d.toHandoff()
		content, whole := contentRows(d.m)
		if !slices.Contains(whole, true) {
			t.Fatal("the hand-off shows no link whole")
		}
		if !slices.Contains(content, " -------") {
			t.Fatalf("no Summary rule in the hand-off:\n%s", strings.Join(content, "\n"))
		}
		checkPaging(t, d)
	})
	t.Run("finished-60x16", func(t *testing.T) {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 60, h: 16}))
		d.m.deps.Effects.(*fakeEffects).grantAfter = 100
		d.toChooseFix()
		d.press("enter", "s", "4")
		if d.m.screen() != screenFinished {
			t.Fatalf("not finished:\n%s", d.view())
		}
		checkPaging(t, d)
	})
}

// TestArrowsScrollWithoutCursor: where ↑ and ↓ have no option to move (the
// finished screen), they scroll a line, like pgdn and pgup page, instead of
// quitting; the help says so.
func TestArrowsScrollWithoutCursor(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 60, h: 16}))
	d.m.deps.Effects.(*fakeEffects).grantAfter = 100
	d.toChooseFix()
	d.press("enter", "s", "4")
	if d.m.screen() != screenFinished || !d.m.overflow {
		t.Fatalf("not a finished screen that scrolls:\n%s", d.view())
	}
	d.requireView("↑/↓ scroll", "any other key quit")
	before := visiblePage(d.m)
	// ↓ reveals the next line; a blank line (a paragraph break) shows as
	// nothing new, so the next ↓ must bring a line of text.
	downs := 0
	for downs < 2 {
		d.press("down")
		downs++
		after := visiblePage(d.m)
		if d.quit || !slices.Contains(before.rows, after.rows[len(after.rows)-1]) {
			break
		}
	}
	if after := visiblePage(d.m); d.quit || slices.Contains(before.rows, after.rows[len(after.rows)-1]) {
		t.Fatalf("↓ on the finished screen: quit %v, no new line after %d presses:\n%s", d.quit, downs, d.view())
	}
	for range downs + 1 {
		d.press("up")
	}
	if d.quit || d.m.scroll != 0 {
		t.Fatalf("↑ on the finished screen: quit %v, scroll %d", d.quit, d.m.scroll)
	}
	d.press("x")
	if !d.quit {
		t.Fatal("another key did not quit")
	}
}

// TestScrollFunctionsProperty checks the window arithmetic on every content
// of up to 12 lines made of plain lines and texts shown whole of 1 to 4
// rows, in windows of 1 to 10 rows: pgdn from the top and pgup from the
// end see every line with no gap, each press moves, no window cuts a text
// that fits, and ↓ and ↑ a line at a time reach the end and the top.
func TestScrollFunctionsProperty(t *testing.T) {
	var contents [][]string
	var build func(c []string)
	build = func(c []string) {
		if len(c) > 12 {
			return
		}
		contents = append(contents, c)
		build(append(slices.Clip(c), "plain"))
		for n := 1; n <= 4; n++ {
			next := slices.Clip(c)
			if len(c) > 0 && strings.HasPrefix(c[len(c)-1], wholeMark) {
				next = append(next, "label") // two texts shown whole are never adjacent
			}
			for range n {
				next = append(next, wholeMark+"link")
			}
			build(next)
		}
	}
	build(nil)
	for _, c := range contents {
		for avail := 1; avail <= 10; avail++ {
			if len(c) <= avail {
				continue
			}
			where := func() string { return fmt.Sprintf("content %d lines %q, %d rows", len(c), c, avail) }
			checkWindow := func(s int) window {
				w := viewWindow(c, avail, s)
				rows := w.end - w.start
				if w.above {
					rows++
				}
				if w.below {
					rows++
				}
				if rows > avail || w.end <= w.start {
					t.Fatalf("%s: window at %d is %+v", where(), s, w)
				}
				if avail >= 3 {
					for _, edge := range []int{w.start, w.end - 1} {
						if rs, re, ok := wholeRunAt(c, edge); ok && re-rs <= avail-2 && (rs < w.start || re > w.end) {
							t.Fatalf("%s: window %+v cuts the text at %d-%d", where(), w, rs, re)
						}
					}
				}
				return w
			}
			// Down.
			s, covered := 0, 0
			for n := 0; ; n++ {
				w := checkWindow(s)
				if w.start > covered {
					t.Fatalf("%s: pgdn skipped lines %d-%d", where(), covered, w.start-1)
				}
				covered = max(covered, w.end)
				next := pageDown(c, avail, s)
				if next == s {
					break
				}
				if next < s || n > len(c) {
					t.Fatalf("%s: pgdn from %d went to %d", where(), s, next)
				}
				s = next
			}
			if covered != len(c) {
				t.Fatalf("%s: pgdn stopped at %d", where(), covered)
			}
			// Up.
			lo := checkWindow(s).start
			for n := 0; s > 0; n++ {
				next := pageUp(c, avail, s)
				w := checkWindow(next)
				if next >= s || w.end < lo || n > len(c) {
					t.Fatalf("%s: pgup from %d went to %d (%+v), lines from %d seen", where(), s, next, w, lo)
				}
				lo, s = w.start, next
			}
			// A line at a time.
			for n := 0; s < lastStart(c, avail); n++ {
				next := lineDown(c, avail, s)
				if next <= s || n > len(c) {
					t.Fatalf("%s: ↓ from %d went to %d", where(), s, next)
				}
				if before, after := checkWindow(s), checkWindow(next); after.start > before.end || after.end <= before.end {
					t.Fatalf("%s: ↓ from %+v to %+v shows no new line, or skips one", where(), before, after)
				}
				s = next
			}
			for n := 0; s > 0; n++ {
				next := lineUp(c, avail, s)
				if next >= s || n > len(c) {
					t.Fatalf("%s: ↑ from %d went to %d", where(), s, next)
				}
				checkWindow(next)
				s = next
			}
		}
	}
	t.Logf("%d contents", len(contents))
}
