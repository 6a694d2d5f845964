package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// Smoke tests: the whole program, with the fake tenant.

func newSmokeModel(f *fakeEffects, opts ...Option) *Model {
	fast := func(m *Model) {
		m.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
			return func() tea.Msg { return fn(testTime) }
		}
	}
	return NewModel(context.Background(), Deps{Effects: f, Input: testInput()}, append([]Option{fast}, opts...)...)
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestSmokeAdminLink(t *testing.T) {
	tm := teatest.NewTestModel(t, newSmokeModel(newFake()), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "Which app")
	tm.Send(tea.KeyPressMsg{Code: '1', Text: "1"})
	waitFor(t, tm, "Microsoft 365 tenant")
	tm.Type("contoso.com")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "✗ Blocks") // the checklist
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "Fixed and verified")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	o, ok := m.Outcome()
	if !ok || o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v (ok %v)", o, ok)
	}
}

func TestSmokeCtrlCCancels(t *testing.T) {
	tm := teatest.NewTestModel(t, newSmokeModel(newFake()), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "Which app")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if o, ok := m.Outcome(); !ok || o.Kind != flows.OutcomeCancelled {
		t.Fatalf("outcome %+v (ok %v)", o, ok)
	}
}

func TestSmokeQuitOnFinish(t *testing.T) {
	f := newFake()
	in := testInput()
	in.App = testApp()
	in.Tenant = "contoso.com"
	m := NewModel(context.Background(), Deps{Effects: f, Input: in}, WithQuitOnFinish(), func(m *Model) {
		m.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
			return func() tea.Msg { return fn(testTime) }
		}
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "✗ Blocks") // the checklist
	tm.Send(tea.KeyPressMsg{Code: '1', Text: "1"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if o, ok := fm.Outcome(); !ok || o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v (ok %v)", o, ok)
	}
}

// While user consent is relaxed, the countdown on the screen moves every
// second (the spinner's ticks feed flows.Clock), not only with each 5 s poll.
func TestCountdownMovesEachSecond(t *testing.T) {
	f := newFake()
	f.tweak = func(s *entra.TenantSnapshot) { s.ManagedExcludes = nil } // relax-user-consent can work
	m := newTestModel(t, f, testModelOpts{})
	now := testTime
	m.now = func() time.Time { return now }
	m.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		if d > 0 {
			return nil // no poll, no end of the window: only the clock moves
		}
		return func() tea.Msg { return fn(now) }
	}
	d := newDriver(t, m)
	d.toChooseFix()
	d.press(itoa(d.optionNumber(flows.FixRelaxUserConsent)))
	d.requireStep(flows.StepPreview)
	d.press("y")
	d.requireStep(flows.StepRelaxConnect)
	d.requireView("(15:00 left)")
	now = now.Add(61 * time.Second)
	d.send(spinner.TickMsg{})
	d.requireView("(13:59 left)")
	if !m.state.TemporaryChange() {
		t.Fatal("the change is no longer in place")
	}
}

// The result's mark says good, waiting or wrong: nothing left to restore is
// good news (it showed ✗, as if something had failed).
func TestResultGlyphs(t *testing.T) {
	m := newTestModel(t, newFake(), testModelOpts{})
	for kind, want := range map[flows.OutcomeKind]string{
		flows.OutcomeVerified: "✓", flows.OutcomeNothingToFix: "✓", flows.OutcomeRestored: "✓",
		flows.OutcomeDryRun: "✓", flows.OutcomeNothingToRestore: "✓",
		flows.OutcomeCancelled: "!", flows.OutcomeHandedOff: "!", flows.OutcomeRestoreNeeded: "!",
		flows.OutcomeFailed: "✗", flows.OutcomeSignInFailed: "✗", flows.OutcomeBlocked: "✗", flows.OutcomeNotFixed: "✗",
	} {
		m.outcome = &flows.Outcome{Kind: kind}
		if got, _ := m.statusGlyph(); got != want {
			t.Errorf("%s: %s, want %s", kind, got, want)
		}
	}
}

// On the finished screen, scroll keys never quit, even with nothing to
// scroll (walk-through: PgDn on a short summary, PgUp at the top quit).
func TestFinishedScreenScrollKeysDoNotQuit(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 120, h: 40}))
	d.toChooseFix()
	d.press("enter", "d")
	d.press("d")
	if d.m.screen() != screenFinished {
		t.Fatalf("not finished:\n%s", d.view())
	}
	for _, k := range []string{"pgdown", "pgup", "down", "up"} {
		_, cmd := d.m.Update(navMsg(k))
		d.queue = append(d.queue, cmd)
		d.drain()
		if d.quit {
			t.Fatalf("%s quit the finished screen", k)
		}
	}
	d.press("x")
	if !d.quit {
		t.Fatal("another key does not quit")
	}
}

func navMsg(k string) tea.KeyPressMsg {
	switch k {
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	return keyMsg(k)
}

// A link's label wraps like text at 80 columns; it was cut at the edge
// ("…Admin consent requests > TrackerRMS > Review perm").
func TestLinkLabelsWrap(t *testing.T) {
	f := newFake()
	f.tweak = withRequest
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.toChooseFix()
	d.press(itoa(d.optionNumber(flows.FixRequestWorkflow)))
	rows, whole := contentRows(d.m)
	found := false
	for i, r := range rows {
		if whole[i] {
			continue // a link itself is shown whole, for the terminal to wrap
		}
		if ansi.StringWidth(r) > d.m.width {
			t.Errorf("row wider than the screen, cut when drawn: %q", r)
		}
		found = found || strings.HasSuffix(strings.TrimSpace(r), "permissions and consent:")
	}
	if !found {
		t.Errorf("no whole label row:\n%s", strings.Join(rows, "\n"))
	}
}
