package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// keyNumber is the number of the option with key k on the current prompt.
func (d *driver) keyNumber(k flows.OptionKey) int {
	d.t.Helper()
	for i, o := range d.m.state.Prompt.Options {
		if o.Key == k {
			return i + 1
		}
	}
	d.t.Fatalf("no option %s on %q", k, d.m.state.Prompt.Title)
	return 0
}

// hostileAppName is an app name from a sign-in log that tries to reach the
// terminal: an escape sequence, a bell, a bidi override.
const hostileAppName = "Evil\x1b[2J\x1b]0;pwned\x07 App\u202e"

// testSignIns is the fake tenant's sign-in log since since: TrackerRMS
// stopped two users, an app with a hostile name one.
func testSignIns(since time.Time) []entra.SignIn {
	at := since.Add(2 * time.Hour).Format(time.RFC3339)
	fail := func(app, name, user string) entra.SignIn {
		return entra.SignIn{CreatedDateTime: at, AppID: app, AppDisplayName: name, UserID: user,
			UserPrincipalName: user + "@contoso.com", UserDisplayName: "User " + user, Status: &entra.SignInStatus{ErrorCode: 90094}}
	}
	return []entra.SignIn{
		fail(testApp().ClientID, "TrackerRMS", "u1"), fail(testApp().ClientID, "TrackerRMS", "u2"),
		fail("0b9f4c1e-7a2d-4e85-b6f3-d1c0a8e29f47", hostileAppName, "u3\x1b[31m"),
	}
}

// testSearch is the fake tenant's service principals whose name starts with prefix.
func testSearch(prefix string) []flows.AppCandidate {
	var out []flows.AppCandidate
	for _, c := range []flows.AppCandidate{{ClientID: testApp().ClientID, DisplayName: "TrackerRMS", Source: flows.AppFromTenant}} {
		if strings.HasPrefix(strings.ToLower(c.DisplayName), strings.ToLower(prefix)) {
			out = append(out, c)
		}
	}
	return out
}

// The first screen with no app starts (Enter) on "Find what users are
// blocked on": tenant, one sign-in with the read and the scan scopes, the
// list at 80×24 (users, last seen, code; the hostile name sanitized), and
// picking TrackerRMS goes straight to the checklist.
func TestFindBlockedFromFirstScreen(t *testing.T) {
	f := newFake()
	d := newDriver(t, newTestModel(t, f, testModelOpts{}))
	d.drain()
	d.requireStep(flows.StepAppChoose)
	d.requireView("› 2. Find what users are blocked on")
	d.press("enter")
	d.requireStep(flows.StepTenantInput)
	d.typeText("contoso.com")
	d.press("enter")
	d.requireStep(flows.StepScanPick)
	if len(f.signIns) != 1 || !strings.Contains(strings.Join(f.signIns[0].Scopes, " "), "AuditLog.Read.All") {
		t.Fatalf("sign-ins %+v: want one with the scan's scopes", f.signIns)
	}
	d.requireView("What users are blocked on in contoso.com", "1. TrackerRMS", "2 users", "AADSTS90094", "Search the tenant's apps by name")
	raw := d.m.View().Content
	for _, bad := range []string{"\x07", "\x1b]0;", "\x1b[2J", "\u202e", "\x1b[31m"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("a sign-in log's string reached the terminal raw (%q):\n%q", bad, raw)
		}
	}
	d.press("1")
	d.requireStep(flows.StepChooseFix)
	d.requireView("TrackerRMS")
	if len(f.signIns) != 1 {
		t.Errorf("picking an app signed in again: %+v", f.signIns)
	}
	d.press("esc")
	d.requireStep(flows.StepScanPick)
}

// A bracketed paste of a "Troubleshooting details" block keeps its lines:
// the app name ends at its line, where the one-line input would have joined
// it with the next line's words.
func TestPasteKeepsLines(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.drain()
	d.press(itoa(d.keyNumber(flows.KeyAppPaste)))
	d.requireStep(flows.StepAppInput)
	block := "Need admin approval\r\nRequest Id: 6f2c1d3e-0000-4000-8000-000000000001\nCorrelation Id: 6f2c1d3e-0000-4000-8000-000000000002\n" +
		"Message: AADSTS90094: The grant requires admin permission.\nApp id: 7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e\n" +
		"App name: Contoso CRM\nSign out and sign in with a different account"
	d.send(tea.PasteMsg{Content: block})
	if strings.Contains(d.m.input.Value(), "\n") {
		t.Fatalf("the one-line input holds a newline")
	}
	d.press("enter")
	d.requireStep(flows.StepTenantInput)
	a := d.m.state.App
	if a.DisplayName != "Contoso CRM" || a.ClientID != "7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e" || a.CorrelationID != "6f2c1d3e-0000-4000-8000-000000000002" {
		t.Errorf("the pasted block was not read field by field: %+v", a)
	}
}
