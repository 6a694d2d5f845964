package ui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"consentwiz/flows"
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
	waitFor(t, tm, "Checklist")
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
	waitFor(t, tm, "Checklist")
	tm.Send(tea.KeyPressMsg{Code: '1', Text: "1"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if o, ok := fm.Outcome(); !ok || o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v (ok %v)", o, ok)
	}
}
