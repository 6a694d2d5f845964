package ui

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
)

func TestAdminLinkFlowReachesVerified(t *testing.T) {
	f := newFake()
	d := newDriver(t, newTestModel(t, f, testModelOpts{ticks: true}))
	d.toChooseFix()

	// The recommended fix is preselected; a disabled one is greyed, and
	// says why in full when it is selected (never a reason cut with "…").
	if o := d.m.state.Prompt.Options[d.m.cursor]; o.Key != flows.FixKey(flows.FixAdminLink) {
		t.Fatalf("cursor on %q, want the recommended admin-link", o.Key)
	}
	d.requireView("✗ Blocks", "★", "— not possible")
	if strings.Contains(d.view(), "…") {
		t.Fatalf("something is cut:\n%s", d.view())
	}
	d.press("down")
	if o := d.m.state.Prompt.Options[d.m.cursor]; !o.Disabled {
		t.Fatalf("option 2 is not the disabled one: %+v", o)
	}
	d.requireView("not possible: relaxing", "user consent cannot help: Calendars.ReadWrite is excluded by the", "Microsoft-managed policy")
	d.press("up")

	d.press("enter")
	// Polling ticks at once in this test: poll 1 misses, poll 2 finds the grant.
	d.requireStep(flows.StepDone)
	out, ok := d.m.Outcome()
	if !ok || out.Kind != flows.OutcomeVerified || out.Fix != flows.FixAdminLink {
		t.Fatalf("outcome = %+v (ok %v), want verified admin-link", out, ok)
	}
	d.requireView("✓ Fixed and verified")

	var resolved, fetched, polls int
	for _, e := range f.effects() {
		switch e := e.(type) {
		case flows.ResolveTenant:
			resolved++
			if e.Input != "contoso.com" {
				t.Errorf("ResolveTenant input %q", e.Input)
			}
		case flows.FetchSnapshot:
			fetched++
		case flows.PollGrant:
			polls++
		}
	}
	if resolved != 1 || fetched != 1 || polls != 2 {
		t.Fatalf("effects: %d resolve, %d fetch, %d polls; want 1, 1, 2: %#v", resolved, fetched, polls, f.effects())
	}
	if len(f.signIns) != 1 || !strings.Contains(strings.Join(f.signIns[0].Scopes, " "), "Policy.Read.All") {
		t.Fatalf("sign-ins: %+v", f.signIns)
	}
	if d.quit {
		t.Fatal("quit before a key was pressed on the final screen")
	}
	d.press("x")
	if !d.quit {
		t.Fatal("a key on the final screen did not quit")
	}
}

func TestDisabledOptionIsNotChosen(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.toChooseFix()
	i := -1
	for j, o := range d.m.state.Prompt.Options {
		if o.Disabled {
			i = j
			break
		}
	}
	if i < 0 {
		t.Fatal("the test tenant should make one fix impossible")
	}
	d.press(itoa(i + 1))
	d.requireStep(flows.StepChooseFix)
	d.requireView("Not possible:")
	// The reason shows once, in the note: the option does not repeat it,
	// which left the checklist no room at 80×24.
	if n := strings.Count(d.view(), "cannot help"); n != 1 {
		t.Fatalf("the reason shows %d times:\n%s", n, d.view())
	}
	d.requireView("✗ Blocks", "requested: User.Read")
}

func TestInputErrorShownInRed(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.drain()
	d.press("1")
	d.typeText("not a domain!")
	d.press("enter")
	d.requireStep(flows.StepTenantInput)
	if d.m.state.InputErr == "" {
		t.Fatal("the machine accepted a bad tenant")
	}
	d.requireView("✗ ")
	// The typed text stays so it can be corrected.
	if v := d.m.input.Value(); v != "not a domain!" {
		t.Fatalf("input = %q", v)
	}
}

func TestUnknownTenantReturnsToInput(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.drain()
	d.press("1")
	d.typeText("nope.example")
	d.press("enter")
	d.requireStep(flows.StepTenantInput)
	d.requireView("Could not look up the tenant")
}

// Back while the tenant is read cancels the request, and its late result
// is dropped.
func TestBackCancelsPendingAndDropsStale(t *testing.T) {
	f := newFake()
	f.block = true
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.drain()
	d.press("1")
	d.typeText("contoso.com")
	d.pressOnly("enter")
	d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepDiagnosing })
	d.requireStep(flows.StepDiagnosing)
	if len(d.queue) == 0 {
		t.Fatal("no FetchSnapshot command queued")
	}
	results := make(chan tea.Msg, len(d.queue))
	for _, c := range d.queue {
		go func() { results <- c() }()
	}
	n := len(d.queue)
	d.queue = nil

	d.press("esc")
	d.requireStep(flows.StepTenantInput)
	var late []tea.Msg
	for range n {
		late = append(late, <-results) // the blocked fetch returns once cancelled
	}
	ctxs := f.ctxs
	if err := ctxs[len(ctxs)-1].Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("fetch context not cancelled: %v", err)
	}
	before := d.m.state
	for _, msg := range late {
		_, cmd := d.m.Update(msg)
		if cmd != nil {
			t.Fatalf("a stale result produced a command (%T)", msg)
		}
	}
	if d.m.state.Step != before.Step || d.m.state.InputErr != before.InputErr {
		t.Fatalf("a stale result changed the state: %s %q", d.m.state.Step, d.m.state.InputErr)
	}
}

func TestDeviceCodeScreen(t *testing.T) {
	f := newFake()
	f.deviceCode = true
	f.demo = &fakeDemo{f: f}
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.drain()
	d.press("1")
	d.pressOnly("enter") // the demo offers contoso.com
	d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
	if d.m.screen() != screenDeviceCode {
		t.Fatalf("no device code screen:\n%s", d.view())
	}
	wait := d.queue
	d.queue = nil
	d.requireView("G H 7 K 2 M 9 P L", "https://microsoft.com/devicelogin", "c copy code", "a approve here")

	d.press("c")
	if c := lastCopy(f); c != "GH7K2M9PL" || len(d.clipboard) != 0 {
		t.Fatalf("copied %q, OSC 52 %q", c, d.clipboard)
	}
	d.requireView("Copied the code GH7K2M9PL to the clipboard.")
	d.press("a")
	if len(f.demo.codes) != 1 || f.demo.codes[0] != "GH7K2M9PL" {
		t.Fatalf("demo approvals = %q", f.demo.codes)
	}
	d.queue = wait // the sign-in wait now returns
	d.drain()
	d.requireStep(flows.StepChooseFix)
	if d.m.device != nil {
		t.Fatal("the device code is still shown after sign-in")
	}
}

func TestDeviceCodeEscCancelsSignIn(t *testing.T) {
	f := newFake()
	f.deviceCode = true
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.drain()
	d.press("1")
	d.typeText("contoso.com")
	d.pressOnly("enter")
	d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
	results := make(chan tea.Msg, len(d.queue))
	for _, c := range d.queue {
		go func() { results <- c() }()
	}
	n := len(d.queue)
	d.queue = nil
	d.press("esc")
	d.requireStep(flows.StepTenantInput)
	for range n {
		msg := <-results
		if _, cmd := d.m.Update(msg); cmd != nil {
			t.Fatalf("the cancelled sign-in's result was used (%T)", msg)
		}
	}
	d.requireStep(flows.StepTenantInput)
}

// ctrl+c before anything was written stops at once with a cancelled outcome.
func TestCtrlCCancels(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.drain()
	d.press("1", "ctrl+c")
	if !d.quit || d.interrupt {
		t.Fatalf("quit %v interrupt %v", d.quit, d.interrupt)
	}
	out, ok := d.m.Outcome()
	if !ok || out.Kind != flows.OutcomeCancelled {
		t.Fatalf("outcome %+v", out)
	}
}

// ctrl+c during a write lets the write finish (its context stays live) so
// the machine can undo it; a second ctrl+c quits at once.
func TestCtrlCDuringWriteWaitsThenInterrupts(t *testing.T) {
	f := newFake()
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.toChooseFix()
	d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	d.requireStep(flows.StepPreview)
	d.requireView("before", "after  →")
	d.pressOnly("enter")
	d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepWriting })
	d.requireStep(flows.StepWriting)
	queued := d.queue
	d.queue = nil

	d.press("ctrl+c")
	d.requireStep(flows.StepWriting)
	if !d.m.state.CancelAsked {
		t.Fatal("the machine was not asked to cancel")
	}
	for id, p := range d.m.pending {
		if p.keep && p.ctx.Err() != nil {
			t.Fatalf("write request %d was cancelled", id)
		}
	}
	d.requireView("ctrl+c quit now")
	d.press("ctrl+c")
	if !d.interrupt {
		t.Fatal("the second ctrl+c did not interrupt")
	}
	_ = queued
	// The write in flight is in the journal: the outcome says a restore is needed.
	if o := flows.Stopped(d.m.State(), ""); o.Kind != flows.OutcomeRestoreNeeded || !o.JournalKept {
		t.Fatalf("stopped outcome %+v", o)
	}
}

func TestHelpIsTruthful(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.drain()
	d.requireView("enter choose", "1-6 pick")
	if strings.Contains(d.view(), "esc back") {
		t.Fatal("back offered on the first screen")
	}
	d.press("?")
	if !d.m.help.ShowAll {
		t.Fatal("? did not open the full help")
	}
	d.requireView("↓/j", "fewer keys")
	d.press("1")
	// On a text input, letters are text: no pick keys, no ? help.
	v := d.view()
	if strings.Contains(v, "pick") || strings.Contains(v, "more keys") {
		t.Fatalf("input screen offers keys it does not have:\n%s", v)
	}
	d.requireView("enter submit", "esc back")
	d.typeText("?")
	if d.m.input.Value() != "?" {
		t.Fatalf("? was not typed: %q", d.m.input.Value())
	}
}

func TestBackgroundColorSwitchesStyles(t *testing.T) {
	m := newTestModel(t, newFake(), testModelOpts{})
	if !m.isDark {
		t.Fatal("not dark by default")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.isDark {
		t.Fatal("a light background kept the dark styles")
	}
}

func TestTooSmall(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 50, h: 12}))
	d.drain()
	if v := strings.Join(strings.Fields(d.view()), " "); !strings.Contains(v, "Terminal too small — need at least 60×16 (now 50×12)") {
		t.Fatalf("no too-small notice: %s", v)
	}
	d.press("1")
	d.requireStep(flows.StepAppChoose)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.requireView("Which app")
}

func TestPresenterMasks(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{present: true}))
	d.toChooseFix()
	v := d.view()
	if strings.Contains(v, testTenantID) {
		t.Fatalf("tenant id on a presenter screen:\n%s", v)
	}
	d.requireView("xxxxxxxx-…-63c1", "Step 4 — Check the tenant", "⌨ pressed: enter")
	// The app's client id is public: the vendor on the call must see it.
	d.press("enter")
	d.requireStep(flows.StepLinkShow)
	d.requireView("Step 5 of 5")
	if joined := strings.ReplaceAll(d.view(), "\n", ""); !strings.Contains(joined, "client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38") {
		t.Fatalf("the client id is masked:\n%s", d.view())
	}
	if strings.Contains(d.view(), testTenantID) || strings.Contains(d.m.View().Content, "\x1b]8;") {
		t.Fatalf("presenter mode shows the tenant id or a hyperlink (its target shows on hover):\n%s", d.view())
	}
}

// lastCopy is the text of the last copy the fake's clipboard got.
func lastCopy(f *fakeEffects) string {
	c := ""
	for _, e := range f.effects() {
		if ct, ok := e.(flows.CopyText); ok {
			c = ct.Text
		}
	}
	return c
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"tenant 9c3b4a71-dbf1-4d05-a8da-d8599cae63c1.": "tenant xxxxxxxx-…-63c1.",
		"megan.bowen@contoso.com signed in":            "m•••@contoso.com signed in",
		"nothing here":                                 "nothing here",
	} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// optionNumber is the 1-based number of the option with the fix's key.
func (d *driver) optionNumber(fix flows.FixID) int {
	d.t.Helper()
	for i, o := range d.m.state.Prompt.Options {
		if o.Key == flows.FixKey(fix) {
			return i + 1
		}
	}
	d.t.Fatalf("no option %s", fix)
	return 0
}

// TestLinkWholeAndOverlay: the admin consent link is laid out in rows the
// terminal's own wrap would make (first at the inset, the rest from the
// first column, full width), and the overlay prints it again as one string
// from its first row between a cursor save and restore, downsampled for
// NO_COLOR; the URL is an OSC 8 hyperlink (ux review H5).
func TestLinkWholeAndOverlay(t *testing.T) {
	for _, w := range []int{80, 120} {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: w, h: 24}))
		d.toChooseFix()
		d.press("enter")
		d.requireStep(flows.StepLinkShow)
		link := d.m.state.Run.Link.URL
		runs := wholeRuns(d.m.frame())
		if len(runs) != 1 {
			t.Fatalf("%d columns: runs %+v", w, runs)
		}
		r := runs[0]
		joined := ansi.Strip(strings.Join(r.rows, ""))
		if joined != " "+link {
			t.Fatalf("%d columns: the rows join to %q, want the link %q", w, joined, link)
		}
		for i, row := range r.rows[:len(r.rows)-1] {
			if got := ansi.StringWidth(row); got != w {
				t.Fatalf("%d columns: row %d is %d wide", w, i, got)
			}
		}
		if !strings.Contains(r.rows[0], "\x1b]8;id=cw") || !strings.Contains(r.rows[0], link) {
			t.Fatalf("%d columns: no hyperlink to the link: %q", w, r.rows[0])
		}
		seq := overlaySeq(runs, colorprofile.ASCII)
		if !strings.HasPrefix(seq, ansi.SaveCursor+ansi.CursorPosition(1, r.row+1)) || !strings.HasSuffix(seq, ansi.RestoreCursor) ||
			strings.Contains(seq, "\x1b[38") || !strings.Contains(ansi.Strip(seq), link) {
			t.Fatalf("%d columns: overlay %q", w, seq)
		}
		// The rows on screen are the frame's, without the marks.
		if strings.Contains(d.m.View().Content, wholeMark) {
			t.Fatal("a mark reached the screen")
		}
	}
}

// TestCopyFallsBackToOSC52: with no system clipboard the link goes to the
// terminal's clipboard, and the screen says so, not "copied" (ux review H5).
func TestCopyFallsBackToOSC52(t *testing.T) {
	f := newFake()
	f.noClipboard = true
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.toChooseFix()
	d.press("enter", "c")
	if len(d.clipboard) != 1 || d.clipboard[0] != d.m.state.Run.Link.URL {
		t.Fatalf("OSC 52 %q", d.clipboard)
	}
	d.requireView("Sent to the terminal's clipboard (OSC 52)")
	if strings.Contains(d.view(), "Copied") {
		t.Fatalf("claims a copy:\n%s", d.view())
	}
}

// TestDemoAcceptsConsentPage: in the demo the simulated administrator
// accepts the consent page from the terminal (a), and the wizard checks at
// once (ux review H8).
func TestDemoAcceptsConsentPage(t *testing.T) {
	f := newFake()
	f.grantAfter = 100
	f.demo = &fakeDemo{f: f}
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.toChooseFix()
	d.press("enter")
	d.requireView("a accept as the demo admin")
	d.press("a")
	if len(f.demo.accepted) != 1 || f.demo.accepted[0] != d.m.state.Run.Link.URL {
		t.Fatalf("accepted %q", f.demo.accepted)
	}
	if o, ok := d.m.Outcome(); !ok || o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v %v\n%s", o, ok, d.view())
	}
}
