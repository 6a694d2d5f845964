package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// sgr matches the colour and style sequences the UI itself emits; anything
// else that starts with ESC on screen came from untrusted text.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// cursorMoves are the overlay's cursor save, restore and position.
var cursorMoves = regexp.MustCompile(`\x1b7|\x1b8|\x1b\[[0-9]+;[0-9]+H`)

// osc8 matches an OSC 8 hyperlink: its parameters and its target.
var osc8 = regexp.MustCompile(`\x1b\]8;([^;\x1b\x07]*);([^\x1b\x07]*)(?:\x07|\x1b\\)`)

// withoutOwnHyperlinks removes the OSC 8 hyperlinks the program puts around
// its own links (one of links, each a safe link to open) and their ends;
// any other OSC 8 stays, for assertClean to find.
func withoutOwnHyperlinks(t *testing.T, text string, links []flows.Link) string {
	t.Helper()
	return osc8.ReplaceAllStringFunc(text, func(seq string) string {
		m := osc8.FindStringSubmatch(seq)
		if m[1] == "" && m[2] == "" {
			return "" // the end of a hyperlink
		}
		for _, l := range links {
			if m[2] == l.URL && strings.HasPrefix(m[1], "id=cw") && SafeToOpen(l.URL) == nil {
				return ""
			}
		}
		t.Errorf("a hyperlink that is not the program's own: %q", seq)
		return seq
	})
}

// assertClean fails when text shown on a terminal carries an escape or
// control character, a C1 control, a bidi override, or a 5,000-character
// name in full.
func assertClean(t *testing.T, where, text string, styled bool) {
	t.Helper()
	if styled {
		text = sgr.ReplaceAllString(text, "")
	}
	for i, r := range text {
		bad := ""
		switch {
		case r == 0x1b:
			bad = "ESC"
		case r == 0x07:
			bad = "BEL"
		case r < 0x20 && r != '\n' && r != '\t' && r != '\r':
			bad = "C0 control"
		case r >= 0x80 && r <= 0x9f:
			bad = "C1 control"
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			bad = "bidi control"
		}
		if bad != "" {
			lo := max(0, i-40)
			t.Fatalf("%s: %s at byte %d: %q", where, bad, i, text[lo:min(len(text), i+40)])
		}
	}
	if strings.Contains(text, strings.Repeat("A", 500)) || strings.Count(text, "A") > 3000 {
		t.Fatalf("%s: a 5,000-character name is shown untruncated", where)
	}
	for _, s := range []string{"evil.example", "52;c;", "[2J"} {
		if strings.Contains(text, s) {
			t.Fatalf("%s: an escape sequence's payload %q is shown", where, s)
		}
	}
}

func hostileRig(t *testing.T) *simRig {
	return newSimRig(t, sim.Options{Scenario: "hostile"})
}

// hostileApp is TrackerRMS by client id only: its name comes from the
// hostile tenant's service principal.
func hostileApp() flows.AppRef {
	a := testApp()
	a.DisplayName, a.Profile = "", ""
	return a
}

// TestSafetyHostileTUI runs the TUI model with the real Runner against the
// simulator's hostile tenant (escapes, OSC 52/8, bidi overrides and
// 5,000-character names in the tenant, the app, users and a pending request)
// through the checklist, the fix choices, the request, the failed and the
// done screens: no rendered frame carries raw controls.
func TestSafetyHostileTUI(t *testing.T) {
	rig := hostileRig(t)
	in := rig.input(hostileApp(), false)
	m := NewModel(context.Background(), Deps{Effects: rig.runner, Input: in, NoBrowser: true, Version: "test"},
		WithClock(func() time.Time { return testTime }),
		func(m *Model) { m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil } })
	t.Cleanup(m.cancelAll)
	d := newDriver(t, m)
	check := func(where string) {
		t.Helper()
		text := m.View().Content
		assertClean(t, where, withoutOwnHyperlinks(t, text, m.state.Prompt.Links), true)
		if len(m.state.Prompt.Links) > 0 && !osc8.MatchString(text) {
			t.Fatalf("%s: the program's own link is not a hyperlink", where)
		}
		// The overlay that joins the rows of a link: only the cursor moves
		// around the same rows.
		seq := overlaySeq(wholeRuns(m.frame()), colorprofile.TrueColor)
		seq = cursorMoves.ReplaceAllString(seq, "")
		assertClean(t, where+" (overlay)", withoutOwnHyperlinks(t, seq, m.state.Prompt.Links), true)
	}
	for _, size := range [][2]int{{80, 24}, {160, 300}} {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		d.drain()
	}
	d.requireStep(flows.StepChooseFix)
	check("checklist")
	if v := d.view(); !strings.Contains(v, "SMR") || !strings.Contains(v, "Meganclick") {
		t.Fatalf("the hostile names did not reach the screen:\n%s", v)
	}
	for range d.m.state.Prompt.Options {
		d.press("down")
		check("fix choice")
	}
	d.press(itoa(d.optionNumber(flows.FixRequestWorkflow)))
	d.requireStep(flows.StepRequestShow)
	check("request show")
	if v := d.view(); !strings.Contains(v, "please") {
		t.Fatalf("the hostile request is not shown:\n%s", v)
	}
	d.press("esc")
	d.requireStep(flows.StepChooseFix)

	// Failed: Graph throttles the re-check for good.
	rig.srv.SetFaults(sim.Faults{Throttle429: 100, RetryAfterSeconds: 3600})
	d.press(itoa(optionKeyNumber(t, d, "recheck")))
	d.requireStep(flows.StepFailed)
	check("failed")
	rig.srv.SetFaults(sim.Faults{})
	d.press(itoa(optionKeyNumber(t, d, "retry")))
	d.requireStep(flows.StepChooseFix)

	// Done: hand the admin consent link over.
	d.press(itoa(d.optionNumber(flows.FixAdminLink)))
	d.requireStep(flows.StepLinkShow)
	check("link")
	d.press(itoa(optionKeyNumber(t, d, "handoff")))
	d.requireStep(flows.StepDone)
	check("done")
}

func optionKeyNumber(t *testing.T, d *driver, key flows.OptionKey) int {
	t.Helper()
	for i, o := range d.m.state.Prompt.Options {
		if o.Key == key {
			return i + 1
		}
	}
	t.Fatalf("no option %q at %s: %+v", key, d.m.state.Step, d.m.state.Prompt.Options)
	return 0
}

// TestSafetyHostilePlain: the line mode's transcript against the hostile
// tenant (checklist, the pending request, the link, done) carries no raw
// control and no 5,000-character name.
func TestSafetyHostilePlain(t *testing.T) {
	rig := hostileRig(t)
	in := rig.input(hostileApp(), false)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	answers := "request-workflow\nback\nadmin-link\nhandoff\n"
	o, err := RunPlain(ctx, Deps{Effects: rig.runner, Input: in, NoBrowser: true}, strings.NewReader(answers), &out)
	if err != nil || o.Kind != flows.OutcomeHandedOff {
		t.Fatalf("outcome %+v, %v\n%s", o, err, out.String())
	}
	text := out.String()
	for _, want := range []string{"SMR", "please approve", "Meganclick"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the hostile strings did not reach the transcript (%q):\n%s", want, text)
		}
	}
	assertClean(t, "plain transcript", text, false)
}

// runCmd runs one command in-process the way ui/cli does.
func runCmd(t *testing.T, run func(context.Context, IO) int) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

// TestSafetyHostileCommands: check (text and --json), handoff (Markdown and
// text) against the hostile tenant, and explain with an escape-laden
// argument. Text output carries no raw control; JSON carries the strings
// only escaped and still parses.
func TestSafetyHostileCommands(t *testing.T) {
	rig := hostileRig(t)
	cfg := rig.cfg
	dom := rig.srv.Tenant().Domain()

	app := AppFlags{App: sim.TrackerRMSAppID, Tenant: dom}
	check := func(json bool) func(context.Context, IO) int {
		return func(ctx context.Context, stdio IO) int {
			return RunCheck(ctx, cfg, CheckOptions{AppFlags: app, JSON: json}, stdio)
		}
	}
	code, out, errOut := runCmd(t, check(false))
	if code != ExitBlocked || !strings.Contains(out, "SMR") {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	assertClean(t, "check", out, false)
	assertClean(t, "check stderr", errOut, false)

	code, out, _ = runCmd(t, check(true))
	if code != ExitBlocked {
		t.Fatalf("check --json: exit %d", code)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("check --json is not JSON: %v\n%s", err, out)
	}
	assertClean(t, "check --json", out, false)
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("check --json carries a raw control byte %#x near %q", c, out[max(0, i-30):min(len(out), i+30)])
		}
	}

	for _, format := range []string{"markdown", "text"} {
		code, out, errOut = runCmd(t, func(ctx context.Context, stdio IO) int {
			return RunHandoff(ctx, cfg, HandoffOptions{AppFlags: app, SignIn: true, Format: format}, stdio)
		})
		if code != ExitOK || !strings.Contains(out, "SMR") {
			t.Fatalf("handoff %s: exit %d\n%s\n%s", format, code, out, errOut)
		}
		assertClean(t, "handoff "+format, out, false)
	}

	evil := "AADSTS90094 \x1b]52;c;cm0gLXJmIH4K\x07 app \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 \u202e" +
		strings.Repeat("A", 5000) + "\x1b[2J\x9b31m client_id=" + sim.TrackerRMSAppID
	code, out, errOut = runCmd(t, func(_ context.Context, stdio IO) int { return RunExplain([]string{evil}, stdio) })
	if code != ExitOK || !strings.Contains(out, "90094") {
		t.Fatalf("explain: exit %d\n%s\n%s", code, out, errOut)
	}
	assertClean(t, "explain", out, false)
}
