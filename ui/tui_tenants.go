package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
)

// The live table of a --tenants run on a terminal: a small Bubble Tea
// program of its own, inline (no alternate screen), without keys (ctrl+c
// is the terminal's interrupt, which cancels the run). It shows a progress
// bar, one row a tenant — tenant, verdict, what is blocked, the recommended
// fix — and the summary so far. When the rows do not fit, the ok tenants
// that finished first make room, then the oldest others. It is cleared at
// the end: the run then prints a line a tenant, the full record.

// tableHeader is what the table's first line says.
type tableHeader struct {
	Command, What, Account string
	Tenants                []tenantEntry
}

// Messages of the table.
type (
	tenantStartedMsg struct{ i int }
	tenantWaitingMsg struct {
		i   int
		at  time.Time
		why string
	}
	tenantNoticeMsg struct{ text string }
	tenantDoneMsg   struct {
		i int
		d tenantDone
	}
	tenantsFinishMsg  struct{ sum flows.TenantSummary }
	tenantsRefreshMsg struct{}
)

type rowState int

const (
	rowQueued rowState = iota
	rowRunning
	rowWaiting
	rowDone
)

type tableRow struct {
	name    string
	state   rowState
	at      time.Time // rowWaiting: until (zero: for its own sign-in)
	why     string
	outcome flows.TenantOutcome
	blocked string
	fix     string
}

// tenantsModel is the table's Bubble Tea model.
type tenantsModel struct {
	h        tableHeader
	rows     []tableRow
	finished []int // rows in the order they finished
	notice   string
	sum      flows.TenantSummary
	width    int
	height   int
	styles   Styles
	bar      progress.Model
	now      func() time.Time
	end      bool
}

func newTenantsModel(h tableHeader, now func() time.Time) *tenantsModel {
	m := &tenantsModel{h: h, width: 80, height: 24, now: now}
	for _, t := range h.Tenants {
		m.rows = append(m.rows, tableRow{name: t.label()})
	}
	m.setStyles(true)
	return m
}

func (m *tenantsModel) setStyles(isDark bool) {
	m.styles = newStyles(isDark)
	m.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'),
		progress.WithColors(m.styles.Info.GetForeground()))
	m.bar.EmptyColor = m.styles.Rule.GetForeground()
}

// Init implements tea.Model.
func (m *tenantsModel) Init() tea.Cmd { return tea.Batch(tea.RequestBackgroundColor, m.refresh()) }

// refresh redraws every second (the throttled tenants' countdowns).
func (m *tenantsModel) refresh() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tenantsRefreshMsg{} })
}

// Update implements tea.Model.
func (m *tenantsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
	case tenantStartedMsg:
		m.rows[msg.i].state = rowRunning
	case tenantWaitingMsg:
		r := &m.rows[msg.i]
		r.state, r.at, r.why = rowWaiting, msg.at, msg.why
	case tenantNoticeMsg:
		m.notice = msg.text
	case tenantDoneMsg:
		r := &m.rows[msg.i]
		r.state, r.outcome, r.blocked, r.fix = rowDone, msg.d.Result.Outcome, flows.Sanitize(msg.d.Blocked, 80), flows.Sanitize(msg.d.Fix, 80)
		if r.name == msg.d.Result.Tenant && msg.d.Result.Name != "" {
			r.name = msg.d.Result.Name // a tenant id: its domain reads better
		}
		m.finished = append(m.finished, msg.i)
		m.sum.Add(r.outcome)
	case tenantsFinishMsg:
		m.sum, m.end = msg.sum, true
		return m, tea.Quit
	case tenantsRefreshMsg:
		return m, m.refresh()
	}
	return m, nil
}

// View implements tea.Model.
func (m *tenantsModel) View() tea.View {
	if m.end {
		return tea.NewView("")
	}
	return tea.NewView(m.render())
}

// Column widths: the tenant's name takes what is left.
const (
	colVerdict = 16
	colBlocked = 22
	colFix     = 18
	colGap     = 2
	colNameMax = 40
)

func (m *tenantsModel) render() string {
	st := m.styles
	w := max(40, m.width)
	var out []string
	head := fmt.Sprintf("consentwiz %s · %s · %d tenants · signed in once as %s", m.h.Command, m.h.What, len(m.rows), m.h.Account)
	out = append(out, st.Title.Render(ansi.Truncate(head, w, "…")))
	done := len(m.finished)
	count := fmt.Sprintf(" %d/%d", done, len(m.rows))
	m.bar.SetWidth(max(10, w-lipgloss.Width(count)))
	pct := 0.0
	if len(m.rows) > 0 {
		pct = float64(done) / float64(len(m.rows))
	}
	out = append(out, m.bar.ViewAs(pct)+st.Dim.Render(count), "")
	nameW := min(colNameMax, max(8, w-colVerdict-colBlocked-colFix-3*colGap))
	out = append(out, st.Section.Render(m.cells(nameW, "TENANT", "VERDICT", "BLOCKED", "FIX")))

	var footer []string
	if m.notice != "" {
		footer = append(footer, wrapStyled(m.notice, w, "  ", st.Warning)...)
	}
	footer = append(footer, "")
	footer = append(footer, wrapStyled(m.sum.Line(), w, "  ", st.Dim)...)
	avail := max(1, m.height-len(out)-len(footer))
	shown, hidden := m.visible(avail)
	if hidden > 0 {
		out = append(out, st.More.Render(fmt.Sprintf("… %d finished above (%d ok)", hidden, m.hiddenOK(shown))))
	}
	for _, i := range shown {
		out = append(out, m.row(nameW, m.rows[i]))
	}
	return strings.Join(append(out, footer...), "\n")
}

// visible picks the rows that fit in n lines: the finished ones in the
// order they finished, then those in progress; when they do not fit, the
// finished ok rows go first (oldest first), then the oldest others, and a
// line says how many are hidden.
func (m *tenantsModel) visible(n int) (rows []int, hidden int) {
	var active []int
	for i, r := range m.rows {
		if r.state == rowRunning || r.state == rowWaiting {
			active = append(active, i)
		}
	}
	finished := append([]int(nil), m.finished...)
	if len(finished)+len(active) <= n {
		return append(finished, active...), 0
	}
	n-- // the "… hidden" line
	room := max(0, n-len(active))
	drop := len(finished) - room
	keep := make([]bool, len(finished))
	for i := range keep {
		keep[i] = true
	}
	for i := 0; i < len(finished) && drop > 0; i++ {
		if m.rows[finished[i]].outcome == flows.TenantOK {
			keep[i] = false
			drop--
		}
	}
	for i := 0; i < len(finished) && drop > 0; i++ {
		if keep[i] {
			keep[i] = false
			drop--
		}
	}
	for i, k := range keep {
		if k {
			rows = append(rows, finished[i])
		}
	}
	hidden = len(finished) - len(rows)
	rows = append(rows, active...)
	if len(rows) > n {
		rows = rows[:n] // more in progress than lines: the first ones
	}
	return rows, hidden
}

// hiddenOK counts the finished ok rows not shown.
func (m *tenantsModel) hiddenOK(shown []int) int {
	on := map[int]bool{}
	for _, i := range shown {
		on[i] = true
	}
	n := 0
	for _, i := range m.finished {
		if !on[i] && m.rows[i].outcome == flows.TenantOK {
			n++
		}
	}
	return n
}

// pad cuts s to w columns, or fills it to w with spaces.
func pad(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

var gap = strings.Repeat(" ", colGap)

func (m *tenantsModel) cells(nameW int, name, verdict, blocked, fix string) string {
	return strings.TrimRight(pad(name, nameW)+gap+pad(verdict, colVerdict)+gap+pad(blocked, colBlocked)+gap+fix, " ")
}

// row is one tenant's line; the verdict is styled after padding, so the
// columns stay aligned.
func (m *tenantsModel) row(nameW int, r tableRow) string {
	verdict, style := verdictCell(r, m.now())
	rest := strings.TrimRight(pad(r.blocked, colBlocked)+gap+ansi.Truncate(r.fix, colFix, "…"), " ")
	v := ansi.Truncate(verdict, colVerdict, "…")
	line := pad(flows.Sanitize(r.name, 120), nameW) + gap + style(m.styles).Render(v)
	if rest == "" {
		return line
	}
	return line + strings.Repeat(" ", colVerdict-lipgloss.Width(v)) + gap + rest
}

// verdictCell is a row's verdict, with a glyph and a word (NO_COLOR and
// screen readers lose nothing), and its style.
func verdictCell(r tableRow, now time.Time) (string, func(Styles) lipgloss.Style) {
	dim := func(s Styles) lipgloss.Style { return s.Dim }
	switch r.state {
	case rowQueued:
		return "· queued", dim
	case rowRunning:
		return "… checking", func(s Styles) lipgloss.Style { return s.Info }
	case rowWaiting:
		if r.at.IsZero() {
			return "… own sign-in", func(s Styles) lipgloss.Style { return s.Warning }
		}
		left := max(0, r.at.Sub(now).Round(time.Second))
		return fmt.Sprintf("… throttled %s", left), func(s Styles) lipgloss.Style { return s.Warning }
	}
	switch r.outcome {
	case flows.TenantOK:
		return "✓ ok", func(s Styles) lipgloss.Style { return s.OK }
	case flows.TenantBlocked:
		return "✗ blocked", func(s Styles) lipgloss.Style { return s.Error }
	case flows.TenantUnknown:
		return "? unknown", func(s Styles) lipgloss.Style { return s.Warning }
	case flows.TenantNeedsSignIn:
		return "! needs sign-in", func(s Styles) lipgloss.Style { return s.Warning }
	case flows.TenantThrottled:
		return "! throttled", func(s Styles) lipgloss.Style { return s.Warning }
	}
	return "✗ error", func(s Styles) lipgloss.Style { return s.Error }
}

// ---- the program ----------------------------------------------------------------

// tableView runs the table's program and feeds it the run's progress
// (manyView).
type tableView struct {
	p      *tea.Program
	exited chan struct{}
	once   sync.Once
}

// startTableView starts the table on out (a terminal). Input is not read:
// standard input may be the tenants list, and ctrl+c reaches the run as an
// interrupt.
func startTableView(ctx context.Context, out io.Writer, h tableHeader, now func() time.Time, opts ...tea.ProgramOption) *tableView {
	m := newTenantsModel(h, now)
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(out), tea.WithInput(nil)}, opts...)
	v := &tableView{p: tea.NewProgram(m, opts...), exited: make(chan struct{})}
	go func() {
		defer close(v.exited)
		_, _ = v.p.Run()
	}()
	return v
}

func (v *tableView) started(i int) { v.p.Send(tenantStartedMsg{i}) }
func (v *tableView) waiting(i int, at time.Time, why string) {
	v.p.Send(tenantWaitingMsg{i: i, at: at, why: why})
}
func (v *tableView) notice(text string)             { v.p.Send(tenantNoticeMsg{text}) }
func (v *tableView) done(i int, d tenantDone)       { v.p.Send(tenantDoneMsg{i, d}) }
func (v *tableView) finish(sum flows.TenantSummary) { v.p.Send(tenantsFinishMsg{sum}) }

// wait waits for the program to end (after finish, or when ctx ends).
func (v *tableView) wait() { v.once.Do(func() { <-v.exited }) }
