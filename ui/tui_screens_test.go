package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"consentwiz/flows"
)

// signInErrFake fails every sign-in.
type signInErrFake struct{ *fakeEffects }

func (f signInErrFake) StartSignIn(context.Context, flows.SignIn) (*PendingSignIn, error) {
	return nil, errors.New("AADSTS50126: Error validating credentials due to invalid username or password")
}

// screens builds each screen kind; run with -update to rewrite the goldens
// under testdata/TestScreens/<screen>/<W>x<H>.golden.
var screens = []struct {
	name    string
	present bool
	setup   func(d *driver)
}{
	{"app-choice", false, func(d *driver) { d.drain() }},
	{"text-input-error", false, func(d *driver) {
		d.drain()
		d.press("1")
		d.typeText("contoso")
		d.press("enter")
	}},
	{"device-code", false, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).deviceCode = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
		d.queue = nil
	}},
	{"progress", false, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).block = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepDiagnosing })
		d.queue = nil
		d.m.stepSince = testTime.Add(-3 * time.Second)
	}},
	{"checklist", false, func(d *driver) { d.toChooseFix() }},
	{"link", false, func(d *driver) {
		d.toChooseFix()
		d.press("enter")
	}},
	{"preview-confirm", false, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	}},
	{"failed", false, func(d *driver) {
		d.m.deps.Effects = signInErrFake{d.m.deps.Effects.(*fakeEffects)}
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.press("enter")
	}},
	{"done", false, func(d *driver) {
		d.toChooseFix()
		d.press("enter", "d")
		d.press("d") // the second check finds the grant
	}},
	{"handoff", false, func(d *driver) { d.toHandoff() }},
	{"presenter-app-choice", true, func(d *driver) { d.drain() }},
	{"presenter-device-code", true, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).deviceCode = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
		d.queue = nil
	}},
	{"presenter-progress", true, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).block = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepDiagnosing })
		d.queue = nil
		d.m.stepSince = testTime.Add(-3 * time.Second)
	}},
	{"presenter-checklist", true, func(d *driver) { d.toChooseFix() }},
	{"presenter-preview", true, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	}},
	{"presenter-handoff", true, func(d *driver) { d.toHandoff() }},
	{"presenter-done", true, func(d *driver) {
		d.m.deps.Reports = ReportOptions{Dir: d.t.TempDir()}
		d.toChooseFix()
		d.press("enter", "d")
		d.press("d")
	}},
	{"presenter-link", true, func(d *driver) {
		d.toChooseFix()
		d.press("enter")
	}},
}

func TestScreens(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				m := newTestModel(t, newFake(), testModelOpts{w: sz[0], h: sz[1], present: sc.present})
				d := newDriver(t, m)
				sc.setup(d)
				checkFrame(t, d, sz[0], sz[1])
				golden.RequireEqual(t, d.view())
			})
		}
	}
	t.Run("too-small/40x10", func(t *testing.T) {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 40, h: 10}))
		d.drain()
		checkFrame(t, d, 40, 10)
		golden.RequireEqual(t, d.view())
	})
}

// checkFrame asserts the frame fits the terminal: no line wider than the
// width, no more lines than the height, and the key help on screen.
func checkFrame(t *testing.T, d *driver, w, h int) {
	t.Helper()
	lines := strings.Split(d.m.View().Content, "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d is %d wide on a %d-column terminal: %q", i+1, ansi.StringWidth(l), w, ansi.Strip(l))
		}
	}
	if w >= minWidth && h >= minHeight && !strings.Contains(d.view(), "ctrl+c") && !strings.Contains(d.view(), "quit") {
		t.Errorf("no key help on screen:\n%s", d.view())
	}
}
