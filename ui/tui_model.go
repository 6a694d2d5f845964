package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"consentwiz/flows"
	"consentwiz/graph"
)

// Minimum terminal size; below it the TUI shows a "too small" notice.
const (
	minWidth  = 60
	minHeight = 16
)

// Model is the TUI's root model: it holds the wizard's flows.State, turns
// keys into flows events and flows effects into tea.Cmds, and renders the
// current prompt. It is the only tea.Model of the program.
type Model struct {
	ctx       context.Context
	cancelAll context.CancelFunc
	deps      Deps

	state   flows.State
	sig     string // identifies the prompt on screen; a new one resets cursor and input
	outcome *flows.Outcome

	width, height int
	isDark        bool
	styles        Styles
	keys          keyMap
	help          help.Model
	spinner       spinner.Model
	input         textinput.Model
	pastes        []paste // bracketed pastes into the input (tui_input.go)

	cursor   int // selected option
	linkSel  int // selected link
	scroll   int // first content line shown
	overflow bool
	atEnd    bool // the content is scrolled to its end (pgdn has nothing more)

	nextID  reqID
	pending map[reqID]pendingReq
	device  *deviceView

	note         string // a short message about the last action
	noteBad      bool
	noteIsReason bool // the note is why the selected option is not possible
	lastKey      string

	term       string               // $TERM of the terminal (tea.EnvMsg)
	profile    colorprofile.Profile // the terminal's colour profile (tea.ColorProfileMsg)
	overlaySig string               // the texts shown whole last overlaid (tui_whole.go)
	overlayGen int

	now        func() time.Time
	clock      time.Time // the time of the last message, for elapsed seconds
	started    time.Time // when the run began, for the support report
	stepSince  time.Time
	cancelled  bool // ctrl+c was pressed once
	interrupt  bool // quit by a second ctrl+c
	quitOnDone bool
	initCmds   []tea.Cmd
	demoTenant string // the demo tenant's domain, offered as the tenant answer
	// tick schedules a Wait's Tick: tea.Tick, replaced in tests.
	tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

var _ tea.Model = (*Model)(nil)

// deviceView is a sign-in waiting for the user.
type deviceView struct {
	id      reqID
	code    *graph.DeviceCodeInfo
	browser bool
	url     string
}

// Option changes how NewModel builds the model (tests).
type Option func(*Model)

// WithClock makes the model read the time from now (elapsed seconds).
func WithClock(now func() time.Time) Option { return func(m *Model) { m.now = now } }

// WithQuitOnFinish makes the program quit as soon as the wizard finishes,
// instead of waiting for a key.
func WithQuitOnFinish() Option { return func(m *Model) { m.quitOnDone = true } }

// NewModel starts the wizard (flows.Start) and returns the TUI's root model.
// The effects of the first step run when the program calls Init.
func NewModel(ctx context.Context, d Deps, opts ...Option) *Model {
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{
		ctx: ctx, cancelAll: cancel, deps: d,
		isDark:  true,
		keys:    defaultKeyMap(),
		help:    help.New(),
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		input:   textinput.New(),
		pending: map[reqID]pendingReq{},
		now:     time.Now,
		tick:    tea.Tick,
		width:   80, height: 24,
	}
	for _, o := range opts {
		o(m)
	}
	m.demoTenant = demoTenant(d.Effects)
	m.setStyles(true)
	m.clock = m.now()
	m.stepSince = m.clock
	m.started = d.Reports.Started
	if m.started.IsZero() {
		m.started = m.clock
	}
	s, effs := flows.Start(d.Input)
	m.state = s
	m.promptChanged()
	m.initCmds = m.runEffects(effs, false)
	m.syncKeys()
	return m
}

// Outcome returns how the wizard ended; ok is false while it runs or when
// it was quit before finishing.
func (m *Model) Outcome() (flows.Outcome, bool) {
	if m.outcome == nil {
		return flows.Outcome{}, false
	}
	return *m.outcome, true
}

// State returns the wizard's current state.
func (m *Model) State() flows.State { return m.state }

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	cmds := append([]tea.Cmd{tea.RequestBackgroundColor, m.spinner.Tick}, m.initCmds...)
	m.initCmds = nil
	return tea.Batch(cmds...)
}

func (m *Model) setStyles(isDark bool) {
	m.isDark = isDark
	m.styles = newStyles(isDark)
	m.help.Styles = m.styles.Help
	m.input.SetStyles(m.styles.Input)
	m.spinner.Style = m.styles.Spinner
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.clock = m.now()
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(max(0, m.innerWidth()))
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
	case tea.EnvMsg:
		m.term = msg.Getenv("TERM")
	case tea.ColorProfileMsg:
		m.profile = msg.Profile
	case overlayMsg:
		return m, m.overlay(msg)
	case copiedMsg:
		m.setNote(msg.note, msg.bad)
	case demoAcceptedMsg:
		cmd = m.demoAccepted(msg)
	case spinner.TickMsg:
		m.spinner, cmd = m.spinner.Update(msg)
		m.countdown()
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case effectMsg:
		cmd = m.handleResult(msg)
	case interruptMsg:
		cmd = m.interrupted(msg.why)
	case signInStartedMsg:
		cmd = m.handleSignInStarted(msg)
	case linkOpenedMsg:
		if msg.err != nil {
			m.setNote("No browser opened ("+msg.err.Error()+"): copy the link or save it.", true)
		} else {
			m.setNote("Opened in the browser.", false)
		}
	case reportSavedMsg:
		switch {
		case msg.err != nil:
			m.setNote("Could not save the support report: "+msg.err.Error(), true)
		case msg.path == "":
			m.setNote(noReportNote, false)
		case !msg.fresh:
			m.setNote("Support report already saved, nothing new since: "+msg.path, false)
		default:
			m.setNote("Support report saved ("+redactedWord(m.deps.Reports.Unredacted)+"): "+msg.path, false)
		}
	case tea.PasteMsg:
		cmd = m.paste(msg)
	case demoApprovedMsg:
		if msg.err != nil {
			m.setNote("Could not approve the code: "+msg.err.Error(), true)
		} else {
			m.setNote("Approved as the demo admin; finishing sign-in…", false)
		}
	default:
		if m.state.Prompt.Kind == flows.PromptInput {
			m.input, cmd = m.input.Update(msg)
		}
	}
	m.syncKeys()
	return m, tea.Batch(cmd, m.scheduleOverlay())
}

// quit cancels every request and ends the program. interrupt reports a
// forced quit (a second ctrl+c) before the wizard finished.
func (m *Model) quit(interrupt bool) tea.Cmd {
	m.cancelAll()
	m.pending = map[reqID]pendingReq{}
	if interrupt {
		m.interrupt = true
		return tea.Interrupt
	}
	return tea.Quit
}

// userEvent feeds a user answer. When Back or Cancel moves the wizard to
// another step, the requests of the old step are cancelled (writes finish).
func (m *Model) userEvent(ev flows.Event) tea.Cmd {
	before := m.state.Step
	old := make([]reqID, 0, len(m.pending))
	for id := range m.pending {
		old = append(old, id)
	}
	m.clearNote()
	cmd := m.feed(ev)
	drop := false
	switch ev.(type) {
	case flows.Back, flows.Cancel, flows.Interrupted:
		drop = m.state.Step != before
	case flows.Chose:
		// "Make a hand-off instead" during a sign-in drops the sign-in too.
		drop = before == flows.StepSigningIn && m.state.Step != before
	}
	if drop {
		for _, id := range old {
			m.cancelReq(id, false)
		}
	}
	return cmd
}

// cancelReq cancels a pending request; keep requests only when force is set.
func (m *Model) cancelReq(id reqID, force bool) {
	p, ok := m.pending[id]
	if !ok || (p.keep && !force) {
		return
	}
	if p.cancel != nil {
		p.cancel()
	}
	delete(m.pending, id)
	if m.device != nil && m.device.id == id {
		m.device = nil
	}
}

// feed runs flows.Next and turns its effects into commands.
func (m *Model) feed(ev flows.Event) tea.Cmd {
	s, effs := flows.Next(m.state, ev)
	m.state = s
	m.promptChanged()
	return tea.Batch(m.runEffects(effs, true)...)
}

// countdown moves the machine's clock (flows.Clock) when the second
// changed while a temporary change's countdown is on the screen: polls
// come every 5 s, and a countdown that jumps 5 s at a time looks stuck.
// The spinner's ticks (several a second) drive it.
func (m *Model) countdown() {
	if !m.state.TemporaryChange() || m.clock.Sub(m.state.Now) < time.Second {
		return
	}
	m.state, _ = flows.Next(m.state, flows.Clock{Now: m.clock})
}

// handleResult feeds an I/O result, unless its request is no longer pending.
func (m *Model) handleResult(msg effectMsg) tea.Cmd {
	p, ok := m.pending[msg.id]
	if !ok {
		return nil // stale: cancelled or superseded
	}
	delete(m.pending, msg.id)
	if p.cancel != nil {
		p.cancel()
	}
	if m.device != nil && m.device.id == msg.id {
		m.device = nil
	}
	return m.feed(msg.ev)
}

// handleSignInStarted shows the device code (if any) and waits for the sign-in.
func (m *Model) handleSignInStarted(msg signInStartedMsg) tea.Cmd {
	p, ok := m.pending[msg.id]
	if !ok {
		return nil
	}
	if msg.err != nil || msg.pending == nil {
		delete(m.pending, msg.id)
		p.cancel()
		err := msg.err
		if err == nil {
			err = errors.New("the sign-in did not start")
		}
		return m.feed(flows.SignedIn{Err: err})
	}
	ps := msg.pending
	if ps.Code != nil || ps.Browser {
		m.device = &deviceView{id: msg.id, code: ps.Code, browser: ps.Browser, url: ps.URL}
		m.scroll = 0
	}
	return m.waitSignInCmd(p.ctx, msg.id, ps.Wait)
}

// promptChanged resets the per-prompt UI state when a new prompt appears.
func (m *Model) promptChanged() {
	p := m.state.Prompt
	sig := m.state.Step.String() + "|" + p.Kind.String() + "|" + p.Title
	if sig == m.sig {
		m.cursor = min(m.cursor, max(0, len(p.Options)-1))
		m.linkSel = min(m.linkSel, max(0, len(p.Links)-1))
		return
	}
	m.sig = sig
	m.clearNote()
	m.cursor = m.defaultCursor()
	m.linkSel = 0
	m.scroll = 0
	m.stepSince = m.clock
	m.help.ShowAll = false
	m.pastes = nil
	if p.Kind == flows.PromptInput {
		// A default is not typed into the box (typing would add to it, and it
		// would look like a placeholder): the box is empty and says that
		// Enter keeps it; a placeholder is an example.
		m.input.Reset()
		m.input.Placeholder = m.clean(p.Placeholder, 200)
		if d := flows.Sanitize(inputDefault(m.state, m.demoTenant), 200); d != "" {
			m.input.Placeholder = "Enter keeps " + d
		}
		m.input.Focus()
	} else {
		m.input.Blur()
	}
}

// defaultCursor is the recommended option, else the first enabled one.
func (m *Model) defaultCursor() int {
	opts := m.state.Prompt.Options
	if i, ok := m.choiceDefault(); ok {
		return i
	}
	if d := m.state.Diagnosis; d != nil && m.state.Step == flows.StepChooseFix {
		for i, o := range opts {
			if o.Key == flows.FixKey(d.Recommended) && !o.Disabled {
				return i
			}
		}
	}
	for i, o := range opts {
		if !o.Disabled {
			return i
		}
	}
	return 0
}

func (m *Model) setNote(s string, bad bool) { m.note, m.noteBad, m.noteIsReason = s, bad, false }
func (m *Model) clearNote()                 { m.setNote("", false) }

// screen says which screen is on.
func (m *Model) screen() screenKind {
	switch {
	case m.width < minWidth || m.height < minHeight:
		return screenTooSmall
	case m.outcome != nil:
		return screenFinished
	case m.device != nil && m.device.code != nil && m.state.Step != flows.StepDone:
		return screenDeviceCode
	}
	return screenPrompt
}

// clean makes text from the state safe to show: control and escape
// characters removed, cut to max runes, and masked in presenter mode.
func (m *Model) clean(s string, max int) string {
	return m.present(flows.Sanitize(s, max))
}

// cleanBlock is clean for multi-line text.
func (m *Model) cleanBlock(s string) string {
	return m.present(cleanLines(s, 4000))
}

// present masks ids, addresses and request reasons in presenter mode.
func (m *Model) present(s string) string {
	if !m.deps.Present {
		return s
	}
	for _, secret := range secretTexts(m.state) {
		s = strings.ReplaceAll(s, secret, "•••")
	}
	return mask(s, publicIDs(m.state)...)
}

func itoa(i int) string { return strconv.Itoa(i) }

// demoTenant is the simulated tenant's domain in `consentwiz demo`.
func demoTenant(fx Effects) string {
	if fx == nil {
		return ""
	}
	if d := fx.Demo(); d != nil {
		return d.TenantDomain()
	}
	return ""
}

// inputDefault is the answer an input prompt starts with: the machine's
// default, or in the demo the simulated tenant's domain.
func inputDefault(s flows.State, demo string) string {
	if s.Prompt.Default != "" {
		return s.Prompt.Default
	}
	if s.Step == flows.StepTenantInput {
		return demo
	}
	return ""
}
