package ui

import (
	"strings"
	"testing"

	"consentwiz/flows"
)

// requireDiagnosisInSight: the first screen of the checklist shows who is
// blocked, every blocker whole (title and detail), and the selected
// option; with allOptions every fix option (none hidden behind "↓ more"),
// and nothing cut with "…" (presenter mode masks ids with one).
func requireDiagnosisInSight(t *testing.T, d *driver, allOptions bool) {
	t.Helper()
	v := d.view()
	d.requireView("users see", "✗ Blocks  Not granted tenant-wide: User.Read, Calendars.ReadWrite, Mail.Send",
		"requested: User.Read offline_access Calendars.ReadWrite Mail.Send", "› "+itoa(d.m.cursor+1)+". ")
	if !allOptions {
		return
	}
	for i := range d.m.state.Prompt.Options {
		d.requireView(itoa(i+1) + ". ")
	}
	if strings.Contains(v, "more — ↓/j") || strings.Contains(v, "…") && !d.m.deps.Present {
		t.Fatalf("options hidden or text cut:\n%s", v)
	}
}

// TestChecklistAt80x24: at 80×24 the diagnosis is in sight, not two lines
// of it: the blockers come first and stay on the first screen, also beside
// the "not possible" note and in presenter mode; the options take less
// room instead (one line each, the selected one's detail if it fits), and a
// reason is never cut (ux review of the 80×24 layout).
func TestChecklistAt80x24(t *testing.T) {
	for _, present := range []bool{false, true} {
		name := "plain"
		if present {
			name = "presenter"
		}
		t.Run(name, func(t *testing.T) {
			var d *driver
			if present {
				d = newDriver(t, newTestModel(t, newFake(), testModelOpts{present: true}))
				d.toChooseFix()
			} else {
				d = simChecklist(t, 80, 24)
			}
			requireDiagnosisInSight(t, d, true)
			for i, o := range d.m.state.Prompt.Options {
				if !o.Disabled {
					continue
				}
				// Selected, a disabled option says why, in full.
				for d.m.cursor != i {
					d.press("down")
				}
				requireDiagnosisInSight(t, d, true)
				if !strings.Contains(strings.Join(strings.Fields(d.view()), " "), "not possible: "+o.Reason) {
					t.Fatalf("option %d does not say why it is not possible (%q):\n%s", i+1, o.Reason, d.view())
				}
				// Chosen, it is not: the note says why, once, and the
				// blockers stay in sight (a long note may push options
				// out of the menu's window, which says so).
				d.press(itoa(i + 1))
				requireDiagnosisInSight(t, d, false)
				if n := strings.Count(strings.Join(strings.Fields(d.view()), " "), o.Reason); n != 1 {
					t.Fatalf("the reason shows %d times:\n%s", n, d.view())
				}
			}
			d.requireStep(flows.StepChooseFix)
		})
	}
}
