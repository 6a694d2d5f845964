package ui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// Performance of the UI goroutine (docs/performance.md): what Update and View
// cost must not grow with the size of the tenant. No test here asserts a
// duration; allocation counts and screen sizes are deterministic.

// snapEffects answers FetchSnapshot with a given snapshot; everything else
// comes from the UI tests' fake tenant.
type snapEffects struct {
	*fakeEffects
	snap *entra.TenantSnapshot
}

func (e snapEffects) Run(ctx context.Context, eff flows.Effect) flows.Event {
	if fs, ok := eff.(flows.FetchSnapshot); ok {
		ev := flows.SnapshotLoaded{Snap: e.snap}
		if fs.Diagnose {
			d := flows.Diagnose(e.snap, fs.App)
			ev.Diagnosis = &d
		}
		return ev
	}
	return e.fakeEffects.Run(ctx, eff)
}

// perfModel builds the wizard's root model at w×h as the program would
// (Wait effects never tick).
func perfModel(tb testing.TB, fx Effects, w, h int) *Model {
	tb.Helper()
	m := NewModel(context.Background(), Deps{Effects: fx, Input: testInput(), Version: "test"},
		WithClock(func() time.Time { return testTime }),
		func(m *Model) { m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil } })
	tb.Cleanup(m.cancelAll)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// perfDrive runs commands in the calling goroutine and feeds their messages
// back to Update until none are left (spinner ticks dropped).
func perfDrive(tb testing.TB, m *Model, cmds ...tea.Cmd) {
	tb.Helper()
	queue := cmds
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			tb.Fatal("too many messages: a command loop?")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg, tea.QuitMsg, tea.InterruptMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, cmd := m.Update(msg)
			queue = append(queue, cmd)
		}
	}
}

func perfPress(tb testing.TB, m *Model, keys ...string) {
	tb.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		perfDrive(tb, m, cmd)
	}
}

// perfChecklist drives a model to the checklist (choose a fix) screen with
// the diagnosis of snap.
func perfChecklist(tb testing.TB, snap *entra.TenantSnapshot, w, h int) *Model {
	tb.Helper()
	m := perfModel(tb, snapEffects{fakeEffects: newFake(), snap: snap}, w, h)
	perfDrive(tb, m, m.initCmds...)
	m.initCmds = nil
	perfPress(tb, m, "1")
	for _, r := range "contoso.com" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	perfPress(tb, m, "enter")
	if m.state.Step != flows.StepChooseFix {
		tb.Fatalf("step = %s, want %s\n%s", m.state.Step, flows.StepChooseFix, ansi.Strip(m.View().Content))
	}
	return m
}

// simSnapshot reads TrackerRMS's snapshot from a simulated tenant of the
// scenario, with a token minted for its admin.
func simSnapshot(tb testing.TB, scenario string) *entra.TenantSnapshot {
	return simSnapshotWith(tb, scenario, 0)
}

// simSnapshotWith is simSnapshot after userGrants users consented to the app
// for themselves (which also adds the app to the tenant).
func simSnapshotWith(tb testing.TB, scenario string, userGrants int) *entra.TenantSnapshot {
	tb.Helper()
	s, err := sim.New(sim.Options{Scenario: scenario})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	t := s.Tenant()
	if userGrants > 0 {
		if err := t.AddUserGrants(sim.TrackerRMSAppID, userGrants); err != nil {
			tb.Fatal(err)
		}
	}
	tok, err := s.IssueToken(t, t.AdminUPN(), entra.DefaultClientID, entra.ReadScopes)
	if err != nil {
		tb.Fatal(err)
	}
	c := graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(s.HTTPClient()),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })))
	snap, err := c.Snapshot(context.Background(), sim.TrackerRMSAppID)
	if err != nil {
		tb.Fatal(err)
	}
	return snap
}

// appHeavySnapshot is the UI tests' tenant where the one app itself has a
// lot of data: its service principal, n users' Principal grants and one
// consent request with n pending user requests. This is what grows with the
// size of a tenant for the app being diagnosed.
func appHeavySnapshot(n int) *entra.TenantSnapshot {
	s := testSnapshot()
	s.App = &entra.ServicePrincipal{ID: testAppSP, AppID: testApp().ClientID, DisplayName: "TrackerRMS"}
	req := entra.AppConsentRequest{ID: "req-1", AppID: testApp().ClientID, AppDisplayName: "TrackerRMS",
		PendingScopes: []entra.ConsentRequestScope{{DisplayName: "Calendars.ReadWrite"}, {DisplayName: "Mail.Send"}}}
	for i := range n {
		s.AppGrants = append(s.AppGrants, entra.OAuth2PermissionGrant{ID: fmt.Sprintf("g%d", i), ClientID: testAppSP,
			ConsentType: "Principal", PrincipalID: fmt.Sprintf("u%d", i), ResourceID: testGraphSP, Scope: "User.Read"})
		req.UserConsentRequests = append(req.UserConsentRequests, entra.UserConsentRequest{
			ID: fmt.Sprintf("ucr%d", i), Status: "InProgress", Reason: "please approve, I need it for my calendar",
			CreatedBy:       entra.IdentitySet{User: &entra.Identity{ID: fmt.Sprintf("u%d", i), DisplayName: fmt.Sprintf("User %03d", i)}},
			CreatedDateTime: "2026-03-01T10:00:00Z"})
	}
	s.PendingRequests = []entra.AppConsentRequest{req}
	return s
}

// viewCost is the size of a frame of the model, and the allocations and
// bytes allocated by rendering it.
func viewCost(m *Model) (lines, width int, allocs, bytes float64) {
	v := ansi.Strip(m.View().Content)
	for _, l := range strings.Split(v, "\n") {
		width = max(width, ansi.StringWidth(l))
	}
	lines = strings.Count(v, "\n") + 1
	allocs = testing.AllocsPerRun(20, func() { _ = m.View() })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 20 {
		_ = m.View()
	}
	runtime.ReadMemStats(&after)
	return lines, width, allocs, float64(after.TotalAlloc-before.TotalAlloc) / 20
}

// The checklist of a diagnosis from a 20,000-app tenant costs the same to
// render as a small locked-down tenant's, and an app with 2,000 users'
// grants and pending requests the same as one with 50: the screen never holds or
// walks per-tenant collections, and every frame fits the terminal.
func TestChecklistViewBoundedByTenantSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-app tenant")
	}
	const w, h = 120, 40
	pairs := []struct {
		name       string
		base, big  *entra.TenantSnapshot
		bigDetails string
	}{
		// The small tenant is locked-down where 101 users consented for
		// themselves, as in many-apps: the same diagnosis (internal/difftest).
		{"tenant size", simSnapshotWith(t, "locked-down", 101), simSnapshot(t, "many-apps"), "20,000 apps, 50,000 grants, 500 requests (sim many-apps)"},
		{"app size", appHeavySnapshot(50), appHeavySnapshot(2000), "the app with 2,000 users' grants and pending requests"},
	}
	for _, p := range pairs {
		base := perfChecklist(t, p.base, w, h)
		big := perfChecklist(t, p.big, w, h)
		bl, bw, ba, bb := viewCost(base)
		gl, gw, ga, gb := viewCost(big)
		bk := keyAllocs(base)
		gk := keyAllocs(big)
		t.Logf("%s: View %.0f → %.0f allocs, %.0f → %.0f bytes; key %.0f → %.0f allocs; frame %d×%d → %d×%d",
			p.name, ba, ga, bb, gb, bk, gk, bw, bl, gw, gl)
		for _, f := range [][2]int{{bw, bl}, {gw, gl}} {
			if f[0] > w || f[1] > h {
				t.Errorf("%s: a frame of %d×%d exceeds the terminal %d×%d", p.name, f[0], f[1], w, h)
			}
		}
		if ga > 1.1*ba+50 {
			t.Errorf("%s: View allocates %.0f times with %s, %.0f in the small case: rendering grows with size", p.name, ga, p.bigDetails, ba)
		}
		if gb > 1.1*bb+8<<10 {
			t.Errorf("%s: View allocates %.0f bytes with %s, %.0f in the small case: rendering grows with size", p.name, gb, p.bigDetails, bb)
		}
		if gk > 1.1*bk+50 {
			t.Errorf("%s: a key press allocates %.0f times with %s, %.0f in the small case", p.name, gk, p.bigDetails, bk)
		}
	}
}

// keyAllocs is the allocations of one key press (down, then up again).
func keyAllocs(m *Model) float64 {
	return testing.AllocsPerRun(20, func() {
		m.Update(keyMsg("down"))
		m.Update(keyMsg("up"))
	}) / 2
}
