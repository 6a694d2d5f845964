package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
)

// testModelOpts shapes a model for a test.
type testModelOpts struct {
	w, h    int
	present bool
	ticks   bool // Wait effects tick at once (else they never tick)
	input   *flows.WizardInput
}

func newTestModel(t *testing.T, f *fakeEffects, o testModelOpts) *Model {
	t.Helper()
	if o.w == 0 {
		o.w, o.h = 80, 24
	}
	in := testInput()
	if o.input != nil {
		in = *o.input
	}
	tick := func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	if o.ticks {
		tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
			return func() tea.Msg { return fn(testTime) }
		}
	}
	var fx Effects = f
	m := NewModel(context.Background(), Deps{Effects: fx, Input: in, Present: o.present, Version: "test"},
		WithClock(func() time.Time { return testTime }), func(m *Model) { m.tick = tick })
	t.Cleanup(m.cancelAll)
	m.Update(tea.WindowSizeMsg{Width: o.w, Height: o.h})
	return m
}

// keyMsg builds a key press as a terminal would send it.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// driver runs a model's commands by hand: every command is executed in the
// test's goroutine and its message fed back to Update, expanding
// tea.BatchMsg (docs/architecture.md, "Conventions"). Spinner ticks are dropped; quit, interrupt
// and clipboard messages are recorded.
type driver struct {
	t         *testing.T
	m         *Model
	quit      bool
	interrupt bool
	clipboard []string
	queue     []tea.Cmd // commands not run yet (drainUntil stopped)
}

func newDriver(t *testing.T, m *Model) *driver {
	d := &driver{t: t, m: m}
	d.queue = append(d.queue, m.initCmds...)
	m.initCmds = nil
	return d
}

// press sends keys ("enter", "esc", "1", …) and runs what follows.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		_, cmd := d.m.Update(keyMsg(k))
		d.queue = append(d.queue, cmd)
		d.drain()
	}
}

// pressOnly sends one key and queues its command without running it.
func (d *driver) pressOnly(k string) {
	_, cmd := d.m.Update(keyMsg(k))
	d.queue = append(d.queue, cmd)
}

// typeText types s into the text input.
func (d *driver) typeText(s string) {
	for _, r := range s {
		_, cmd := d.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		d.queue = append(d.queue, cmd)
	}
	d.drain()
}

// send feeds one message and runs what follows.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.m.Update(msg)
	d.queue = append(d.queue, cmd)
	d.drain()
}

func (d *driver) drain() { d.drainUntil(func(*Model) bool { return false }) }

// drainUntil runs queued commands until stop holds; the rest stay queued.
func (d *driver) drainUntil(stop func(*Model) bool) {
	d.t.Helper()
	for n := 0; len(d.queue) > 0; n++ {
		if stop(d.m) {
			return
		}
		if n > 1000 {
			d.t.Fatal("too many messages: a command loop?")
		}
		c := d.queue[0]
		d.queue = d.queue[1:]
		if c == nil {
			continue
		}
		d.handle(c())
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil, spinner.TickMsg:
		return
	case tea.BatchMsg:
		d.queue = append(d.queue, msg...)
		return
	case tea.QuitMsg:
		d.quit = true
		return
	case tea.InterruptMsg:
		d.interrupt = true
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.String && strings.Contains(reflect.TypeOf(msg).Name(), "Clipboard") {
		d.clipboard = append(d.clipboard, v.String())
		return
	}
	_, cmd := d.m.Update(msg)
	d.queue = append(d.queue, cmd)
}

// view is the model's screen without colours.
func (d *driver) view() string { return ansi.Strip(d.m.View().Content) }

func (d *driver) step() flows.StepID { return d.m.state.Step }

func (d *driver) requireStep(want flows.StepID) {
	d.t.Helper()
	if got := d.step(); got != want {
		d.t.Fatalf("step = %s, want %s\n%s", got, want, d.view())
	}
}

func (d *driver) requireView(parts ...string) {
	d.t.Helper()
	v := d.view()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			d.t.Fatalf("screen lacks %q:\n%s", p, v)
		}
	}
}

// toChooseFix drives a fresh model to the checklist.
func (d *driver) toChooseFix() {
	d.t.Helper()
	d.drain()
	d.requireStep(flows.StepAppChoose)
	d.press("1")
	d.requireStep(flows.StepTenantInput)
	d.typeText("contoso.com")
	d.press("enter")
	d.requireStep(flows.StepChooseFix)
}
