package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"consentwiz/flows"
)

// tableAt builds the live table of n tenants at w×h and plays a run on it:
// the first finish with each outcome, two are being checked, one waits out
// Graph's Retry-After, one waits for its own sign-in.
func tableAt(t *testing.T, n, w, h int) *tenantsModel {
	t.Helper()
	var entries []tenantEntry
	names := []string{"Fabrikam", "Tailspin Toys", "Wingtip Toys", "Woodgrove Bank", "Litware", "Adatum",
		"Relecloud", "Trey Research", "A Datum Corporation With A Very Long Name Indeed", "Contoso"}
	for i := range n {
		name := fmt.Sprintf("Customer %03d", i)
		if i < len(names) {
			name = names[i]
		}
		entries = append(entries, tenantEntry{Input: fmt.Sprintf("t%03d.example", i), Name: name})
	}
	m := newTenantsModel(tableHeader{Command: "check", What: "TrackerRMS", Account: "admin@contoso.com", Tenants: entries},
		func() time.Time { return testTime })
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	send := func(msg tea.Msg) { m.Update(msg) }
	result := func(o flows.TenantOutcome, blocked, fix string) tenantDone {
		return tenantDone{Result: flows.TenantResult{Outcome: o}, Blocked: blocked, Fix: fix}
	}
	outcomes := []tenantDone{
		result(flows.TenantBlocked, "need admin approval", "admin-link"),
		result(flows.TenantBlocked, "must request approval", "request-workflow"),
		result(flows.TenantBlocked, "users not assigned", "relax-user-consent"),
		result(flows.TenantOK, "", ""),
		result(flows.TenantNeedsSignIn, "", ""),
		result(flows.TenantUnknown, "", ""),
		result(flows.TenantError, "", ""),
		result(flows.TenantThrottled, "", ""),
	}
	done := 0
	for i := range n - 4 {
		send(tenantStartedMsg{i})
		d := result(flows.TenantOK, "", "")
		if i < len(outcomes) {
			d = outcomes[i]
		}
		send(tenantDoneMsg{i, d})
		done++
	}
	send(tenantStartedMsg{n - 4})
	send(tenantStartedMsg{n - 3})
	send(tenantStartedMsg{n - 2})
	send(tenantWaitingMsg{i: n - 2, at: testTime.Add(12 * time.Second), why: "throttled"})
	send(tenantStartedMsg{n - 1})
	send(tenantWaitingMsg{i: n - 1, why: "needs its own sign-in"})
	send(tenantNoticeMsg{"Adatum: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."})
	return m
}

// TestTenantsTable: the live table of `check --tenants` on a terminal, as
// it looks mid-run; with many tenants, the ok rows that finished first make
// room. Run with -update to rewrite testdata/TestTenantsTable/*.golden.
func TestTenantsTable(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		w, h int
	}{
		{"12-tenants/80x24", 12, 80, 24},
		{"40-tenants/80x24", 40, 80, 24},
		{"12-tenants/120x40", 12, 120, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tableAt(t, c.n, c.w, c.h)
			view := m.View().Content
			lines := strings.Split(view, "\n")
			if len(lines) > c.h {
				t.Errorf("%d lines on a %d-line terminal", len(lines), c.h)
			}
			for i, l := range lines {
				if ansi.StringWidth(l) > c.w {
					t.Errorf("line %d is %d wide on %d columns: %q", i+1, ansi.StringWidth(l), c.w, ansi.Strip(l))
				}
			}
			plain := ansi.Strip(view)
			// The rows in progress always show, and the summary so far.
			for _, want := range []string{"… checking", "… throttled 12s", "… own sign-in", "enter the code ABCD-EFGH",
				fmt.Sprintf("%d/%d", c.n-4, c.n), fmt.Sprintf("%d tenants:", c.n-4)} {
				if !strings.Contains(plain, want) {
					t.Errorf("the table lacks %q:\n%s", want, plain)
				}
			}
			golden.RequireEqual(t, []byte(plain))
		})
	}
}

// The table hides the ok rows first, then the oldest others, and says so.
func TestTenantsTableKeepsWhatNeedsAttention(t *testing.T) {
	m := tableAt(t, 40, 80, 24)
	plain := ansi.Strip(m.View().Content)
	for _, want := range []string{"✗ blocked", "! needs sign-in", "? unknown", "✗ error", "! throttled", "finished above ("} {
		if !strings.Contains(plain, want) {
			t.Errorf("lacks %q:\n%s", want, plain)
		}
	}
	// The run's end clears the table: the lines that follow are the record.
	m.Update(tenantsFinishMsg{flows.TenantSummary{Tenants: 40}})
	if v := m.View().Content; v != "" {
		t.Errorf("after the end the table still shows:\n%s", v)
	}
}

// The whole run with the table on: the table is drawn while the tenants are
// checked, then a line a tenant and the summary.
func TestCheckManyTable(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	var out, errb bytes.Buffer
	on := true
	run := &manyRun{cmd: "check", title: "TrackerRMS", cfg: cfg,
		o:      ManyOptions{Tenants: writeTenants(t, m.Granted.Domain(), m.LockedDown.Domain(), m.MFA.Domain())},
		scopes: flows.ReadScopes, stdio: IO{Out: &out, Err: &errb}, table: &on,
		tableOpts: []tea.ProgramOption{tea.WithWindowSize(80, 24)}}
	ref, err := (CheckOptions{AppFlags: AppFlags{Profile: "trackerrms"}}).Ref()
	if err != nil {
		t.Fatal(err)
	}
	// Each tenant takes a few frames, so that the table is drawn.
	check := checkJob(ref, nil)
	run.job = func(ctx context.Context, t *tenantTask) tenantDone {
		time.Sleep(150 * time.Millisecond)
		return check(ctx, t)
	}
	code := run.run(context.Background())
	if code != ExitBlocked {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	got := ansi.Strip(out.String())
	for _, want := range []string{"consentwiz check · TrackerRMS · 3 tenants", "TENANT", "VERDICT",
		m.LockedDown.Domain() + ": blocked — users see", m.MFA.Domain() + ": needs-sign-in — needs its own sign-in"} {
		if !strings.Contains(got, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(errb.String(), "3 tenants: 1 ok, 1 blocked, 0 unknown, 1 needs its own sign-in, 0 errors") {
		t.Errorf("stderr: %s", errb.String())
	}
}
