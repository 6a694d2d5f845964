package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// simCloud starts a simulated cloud whose device codes approve themselves,
// with extra tenants of the given scenarios (contoso2.com, contoso3.com, …),
// and a Config pointing at it as CONSENTWIZ_LOGIN_URL/GRAPH_URL/CA_FILE would.
func simCloud(tb testing.TB, opts sim.Options, extra ...string) (*sim.Server, Config) {
	tb.Helper()
	opts.AutoApprove = true
	s, err := sim.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	for _, sc := range extra {
		if _, err := s.AddTenant(sc); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	cfg := Config{
		Cloud: entra.Clouds["global"], LoginURL: s.LoginURL(), GraphURL: s.GraphURL(),
		CAPEM: s.CAPEM(), ConfigDir: tb.TempDir(), NoBrowser: true, Version: "test",
	}
	return s, cfg
}

// writeTenants writes a --tenants file.
func writeTenants(tb testing.TB, lines ...string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "tenants.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// manyResult is one tenant's line of `check --tenants --json`.
type manyResult struct {
	flows.TenantResult
	Error     string            `json:"error"`
	Diagnosis *flows.Diagnosis  `json:"diagnosis"`
	Scan      *flows.ScanResult `json:"scan"`
}

// manyOut is the parsed stdout of `check --tenants --json`.
type manyOut struct {
	results []manyResult // in the order they were written
	summary *flows.TenantSummary
	lines   int
}

// byTenant indexes the results by tenant as given.
func (m manyOut) byTenant() map[string]manyResult {
	out := map[string]manyResult{}
	for _, r := range m.results {
		out[r.Tenant] = r
	}
	return out
}

func parseManyOut(tb testing.TB, out string) manyOut {
	tb.Helper()
	var m manyOut
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m.lines++
		if m.summary != nil {
			tb.Fatalf("a line after the summary: %s", line)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			tb.Fatalf("not one JSON object a line: %q: %v", line, err)
		}
		if s, ok := raw["summary"]; ok {
			m.summary = &flows.TenantSummary{}
			if err := json.Unmarshal(s, m.summary); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		var r manyResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatal(err)
		}
		// A line has a diagnosis (check) or a scan, an error, or both (a diagnosis Graph's
		// throttling left partial).
		if r.Tenant == "" || r.Outcome == "" || r.Reason == "" || (r.Diagnosis == nil && r.Scan == nil && r.Error == "") ||
			(r.Error != "") != (r.Outcome == flows.TenantNeedsSignIn || r.Outcome == flows.TenantThrottled || r.Outcome == flows.TenantError) {
			tb.Fatalf("a result needs a tenant, an outcome, a reason, and a diagnosis or an error: %s", line)
		}
		m.results = append(m.results, r)
	}
	if m.summary == nil {
		tb.Fatalf("no summary line:\n%s", out)
	}
	return m
}

// runMany runs `check --tenants FILE --json --profile trackerrms` in-process.
func runMany(ctx context.Context, cfg Config, file string, conc int) (code int, stdout, stderr string) {
	return runManyWith(ctx, cfg, ManyOptions{Tenants: file, Concurrency: conc}, "")
}

// runManyWith runs `check --tenants … --json --profile trackerrms` with o
// and stdin.
func runManyWith(ctx context.Context, cfg Config, o ManyOptions, stdin string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	co := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms"}, ManyOptions: o, JSON: true}
	code = RunCheck(ctx, cfg, co, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

// mspCloud starts the msp scenario (a partner and its GDAP customers) with
// extra customers; device codes wait for approve (nil: approve themselves as
// the partner's admin).
func mspCloud(tb testing.TB, customers int, manual bool) (*sim.Server, Config) {
	tb.Helper()
	s, err := sim.New(sim.Options{Scenario: "msp", Customers: customers, AutoApprove: !manual})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, Config{Cloud: entra.Clouds["global"], LoginURL: s.LoginURL(), GraphURL: s.GraphURL(),
		CAPEM: s.CAPEM(), ConfigDir: tb.TempDir(), NoBrowser: true, Version: "test"}
}

// approver approves the device codes of a simulator by hand, as upnFor
// says for each (by the order they come in), and counts them.
type approver struct {
	mu    sync.Mutex
	codes []string
}

func (a *approver) run(ctx context.Context, s *sim.Server, upnFor func(n int) string) {
	seen := map[string]bool{}
	for ctx.Err() == nil {
		for _, c := range s.PendingDeviceCodes() {
			if seen[c] {
				continue
			}
			seen[c] = true
			a.mu.Lock()
			a.codes = append(a.codes, c)
			n := len(a.codes)
			a.mu.Unlock()
			_ = s.ApproveDeviceCode(c, upnFor(n))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (a *approver) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.codes)
}

// tenantsJSON runs `consentwiz tenants --json` against the simulator.
func tenantsJSON(t *testing.T, cfg Config) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := RunTenants(context.Background(), cfg, TenantsOptions{JSON: true}, IO{Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("tenants: exit %d\n%s", code, errb.String())
	}
	return out.String()
}

// The "done when": `consentwiz tenants --json` lists the customers;
// `check --tenants -` over them needs exactly one device-code approval and
// returns a line for every tenant — the one without a GDAP role and the one
// that demands MFA as needing their own sign-in, with the AADSTS code.
func TestCheckManyTenantsOneSignIn(t *testing.T) {
	s, cfg := mspCloud(t, 0, true)
	m := s.MSP()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ap approver
	go ap.run(ctx, s, func(int) string { return m.Partner.AdminUPN() })

	list := tenantsJSON(t, cfg)
	if n := strings.Count(list, "\n"); n != len(m.Customers()) {
		t.Fatalf("tenants lists %d customers, want %d:\n%s", n, len(m.Customers()), list)
	}
	if ap.count() != 1 {
		t.Fatalf("tenants: %d device codes", ap.count())
	}
	s.ResetStats()
	code, stdout, stderr := runManyWith(ctx, cfg, ManyOptions{Tenants: "-"}, list)
	out := parseManyOut(t, stdout)
	if got := ap.count() - 1; got != 1 {
		t.Errorf("check --tenants: %d device-code approvals, want 1\n%s", got, stderr)
	}
	if code != ExitBlocked {
		t.Errorf("exit %d, want %d (users blocked in some tenants)\n%s", code, ExitBlocked, stderr)
	}
	want := map[*sim.Tenant]struct {
		outcome flows.TenantOutcome
		code    int
	}{
		m.LockedDown: {flows.TenantBlocked, 0}, m.RequestWorkflow: {flows.TenantBlocked, 0},
		m.ManagedCalendar: {flows.TenantBlocked, 0}, m.Granted: {flows.TenantOK, 0},
		m.NoRole: {flows.TenantNeedsSignIn, 50020}, m.MFA: {flows.TenantNeedsSignIn, 50076},
	}
	got := out.byTenant()
	if len(out.results) != len(want) {
		t.Errorf("%d lines, want %d", len(out.results), len(want))
	}
	for ten, w := range want {
		r, ok := got[ten.ID()]
		switch {
		case !ok:
			t.Errorf("%s: no line", ten.DisplayName())
		case r.Outcome != w.outcome || r.Code != w.code:
			t.Errorf("%s: %s (AADSTS%d) %q, want %s (AADSTS%d)", ten.DisplayName(), r.Outcome, r.Code, r.Reason, w.outcome, w.code)
		case r.Name != ten.DisplayName():
			t.Errorf("%s: named %q (from the tenants list)", ten.DisplayName(), r.Name)
		case r.Diagnosis != nil && (r.Diagnosis.SignedInAs != m.Partner.AdminUPN() || len(r.Diagnosis.Roles) == 0):
			// The partner's delegated admin has no user object there: the
			// account and its GDAP roles (from the list) stand in.
			t.Errorf("%s: checked by %q with roles %v", ten.DisplayName(), r.Diagnosis.SignedInAs, r.Diagnosis.Roles)
		}
	}
	if r := got[m.MFA.ID()]; !strings.Contains(r.Error, "multi-factor authentication is required there (AADSTS50076)") {
		t.Errorf("MFA tenant: error %q", r.Error)
	}
	wantSum := flows.TenantSummary{Tenants: 6, OK: 1, Blocked: 3, NeedsSignIn: 2}
	if *out.summary != wantSum {
		t.Errorf("summary %+v, want %+v", *out.summary, wantSum)
	}
	// One Graph round trip a diagnosis (two with a pending request); a
	// token a tenant through the refresh token, none for a second look.
	st := s.Stats()
	if st.RoundTrips != 5 {
		t.Errorf("%d Graph round trips, want 5", st.RoundTrips)
	}
	if st.TokenRequests > 10 {
		t.Errorf("%d token requests for one sign-in and 6 tenants", st.TokenRequests)
	}
	for _, w := range []string{"signed in once as " + m.Partner.AdminUPN(), "6 tenants: 1 ok, 3 blocked, 0 unknown, 2 need their own sign-in, 0 errors"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// --interactive-fallback: the tenants the one sign-in does not reach get a
// sign-in of their own, one at a time, after which they are checked too.
func TestCheckManyInteractiveFallback(t *testing.T) {
	s, cfg := mspCloud(t, 0, true)
	m := s.MSP()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ap approver
	// The partner admin signs in at home, then in the tenant that demands
	// MFA (the sign-in there does the MFA).
	go ap.run(ctx, s, func(int) string { return m.Partner.AdminUPN() })
	file := writeTenants(t, m.Granted.Domain(), m.MFA.Domain(), m.LockedDown.Domain())
	code, stdout, stderr := runManyWith(ctx, cfg, ManyOptions{Tenants: file, InteractiveFallback: true, Concurrency: 2}, "")
	out := parseManyOut(t, stdout)
	got := out.byTenant()
	if r := got[m.MFA.Domain()]; r.Outcome != flows.TenantBlocked || r.Diagnosis == nil {
		t.Errorf("MFA tenant after its own sign-in: %+v\n%s", r.TenantResult, stderr)
	}
	if ap.count() != 2 {
		t.Errorf("%d device codes, want 2 (home, then the MFA tenant alone)", ap.count())
	}
	if code != ExitBlocked || out.summary.NeedsSignIn != 0 || out.summary.Tenants != 3 {
		t.Errorf("exit %d, summary %+v", code, *out.summary)
	}
	// The fallback's device code is shown with the tenant's name.
	if !strings.Contains(stderr, m.MFA.Domain()+": To sign in") && !strings.Contains(stderr, m.MFA.Domain()+": ") {
		t.Errorf("no device code for %s on stderr:\n%s", m.MFA.Domain(), stderr)
	}
	// The last line is the MFA tenant's: the others did not wait for it.
	if last := out.results[len(out.results)-1]; last.Tenant != m.MFA.Domain() {
		t.Errorf("last line %s, want the tenant signed in to last", last.Tenant)
	}
}

// Without a GDAP role, a tenant's own admin signs in there (fallback).
func TestCheckManyFallbackAnotherAccount(t *testing.T) {
	s, cfg := mspCloud(t, 0, true)
	m := s.MSP()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ap approver
	go ap.run(ctx, s, func(n int) string {
		if n == 1 {
			return m.Partner.AdminUPN()
		}
		return m.NoRole.AdminUPN()
	})
	file := writeTenants(t, m.NoRole.Domain(), m.Granted.Domain())
	code, stdout, stderr := runManyWith(ctx, cfg, ManyOptions{Tenants: file, InteractiveFallback: true}, "")
	got := parseManyOut(t, stdout).byTenant()
	r := got[m.NoRole.Domain()]
	if code != ExitBlocked || r.Diagnosis == nil || r.Diagnosis.SignedInAs != m.NoRole.AdminUPN() {
		t.Errorf("exit %d; no-role tenant %+v checked by %v\n%s", code, r.TenantResult, r.Diagnosis != nil, stderr)
	}
	if g := got[m.Granted.Domain()]; g.Diagnosis == nil || g.Diagnosis.SignedInAs != m.Partner.AdminUPN() {
		t.Errorf("the partner's own tenants keep the partner's sign-in: %+v", g.TenantResult)
	}
}

func TestCheckManyExitCodes(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	cases := []struct {
		name  string
		lines []string
		want  int
	}{
		{"all ok", []string{m.Granted.Domain()}, ExitOK},
		{"an error, none blocked", []string{m.Granted.Domain(), "nope.example"}, ExitError},
		{"needs its own sign-in, none blocked", []string{m.Granted.Domain(), m.MFA.Domain()}, ExitError},
		{"blocked", []string{m.Granted.Domain(), m.MFA.Domain(), m.LockedDown.Domain()}, ExitBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMany(context.Background(), cfg, writeTenants(t, tc.lines...), 0)
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tc.want, stdout, stderr)
			}
			parseManyOut(t, stdout)
		})
	}
	// The one sign-in fails: nothing is checked, exit 4.
	s2, cfg2 := mspCloud(t, 0, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			for _, c := range s2.PendingDeviceCodes() {
				_ = s2.DeclineDeviceCode(c)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	code, stdout, stderr := runMany(ctx, cfg2, writeTenants(t, m.Granted.Domain()), 0)
	if code != ExitSignIn || stdout != "" || !strings.Contains(stderr, "signing in at organizations") {
		t.Errorf("declined sign-in: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestCheckManyCancelledReportsEveryTenant(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	names := []string{m.Granted.Domain(), m.LockedDown.Domain(), m.RequestWorkflow.Domain()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, _ := runMany(ctx, cfg, writeTenants(t, names...), 2)
	out := parseManyOut(t, stdout)
	if code != ExitCancelled {
		t.Errorf("exit %d, want %d", code, ExitCancelled)
	}
	if len(out.results) != len(names) || out.summary.Errors != len(names) {
		t.Errorf("results %+v summary %+v: want every tenant reported as not checked", out.results, out.summary)
	}
	for _, r := range out.results {
		if r.Error != "not checked: cancelled" {
			t.Errorf("%s: %q", r.Tenant, r.Error)
		}
	}
}

// A tenant that Graph throttles waits out its Retry-After without a worker:
// with one worker, every other tenant finishes while it waits.
func TestCheckManyThrottledTenantGivesUpItsWorker(t *testing.T) {
	s, cfg := mspCloud(t, 6, false)
	m := s.MSP()
	slow := m.LockedDown
	// Every read of the first snapshot (one $batch, 13 items) answers 429
	// with Retry-After 2 s: more than the client waits itself.
	slow.SetThrottle(13, 2)
	names := []string{slow.Domain()}
	for _, c := range m.Extra {
		names = append(names, c.Domain())
	}
	start := time.Now()
	code, stdout, stderr := runMany(context.Background(), cfg, writeTenants(t, names...), 1)
	took := time.Since(start)
	out := parseManyOut(t, stdout)
	if code != ExitBlocked || out.summary.Blocked != len(names) {
		t.Fatalf("exit %d, summary %+v\n%s", code, *out.summary, stderr)
	}
	if last := out.results[len(out.results)-1].Tenant; last != slow.Domain() {
		t.Errorf("last %s: the throttled tenant held the only worker", last)
	}
	if took < 2*time.Second {
		t.Errorf("took %v: the Retry-After was not waited out", took)
	}
	if !strings.Contains(stderr, slow.Domain()+": throttled by Microsoft Graph; trying again at") {
		t.Errorf("stderr does not say the tenant waits:\n%s", stderr)
	}
}

// Graph keeps throttling a tenant: it is reported as throttled, with the
// wait Graph asks for, not as an error after the client's retries.
func TestCheckManyPersistentThrottling(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	m.Granted.SetThrottle(1<<20, 1)
	code, stdout, stderr := runMany(context.Background(), cfg, writeTenants(t, m.Granted.Domain(), m.LockedDown.Domain()), 2)
	out := parseManyOut(t, stdout)
	r := out.byTenant()[m.Granted.Domain()]
	if r.Outcome != flows.TenantThrottled || r.RetryAfter != 1 || !strings.Contains(r.Reason, fmt.Sprintf("(%d tries over", maxThrottleTries)) ||
		!strings.Contains(r.Reason, "it asks to wait 1s more") {
		t.Errorf("throttled tenant: %+v", r.TenantResult)
	}
	if out.summary.Throttled != 1 || out.summary.Errors != 1 || code != ExitBlocked {
		t.Errorf("exit %d, summary %+v\n%s", code, *out.summary, stderr)
	}
}

// The list's forms — ids and domains, comments, a repeat, bad lines — and
// the tenants beyond GDAP: the partner's own, one where the partner admin is
// a guest, a former customer.
func TestCheckManyListForms(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	file := writeTenants(t, "# customers", "", "  "+m.Granted.ID()+"  # by id",
		strings.ToUpper(m.Granted.ID()), m.Partner.Domain(), m.Guest.Domain(), m.Former.Domain(), "nope.example", "not a tenant")
	code, stdout, stderr := runMany(context.Background(), cfg, file, 3)
	got := parseManyOut(t, stdout).byTenant()
	want := map[string]flows.TenantOutcome{
		m.Granted.ID(): flows.TenantOK, m.Partner.Domain(): flows.TenantBlocked, m.Guest.Domain(): flows.TenantBlocked,
		m.Former.Domain(): flows.TenantNeedsSignIn, "nope.example": flows.TenantError, "not a tenant": flows.TenantError,
	}
	if len(got) != len(want) {
		t.Errorf("%d lines, want %d: %v", len(got), len(want), got)
	}
	for name, w := range want {
		if r := got[name]; r.Outcome != w {
			t.Errorf("%s: %s %q, want %s", name, r.Outcome, r.Reason, w)
		}
	}
	// The guest reads the tenant as its guest account there.
	if d := got[m.Guest.Domain()].Diagnosis; d == nil || !strings.Contains(d.SignedInAs, "#EXT#") {
		t.Errorf("guest tenant checked as %+v", d)
	}
	if !strings.Contains(got["not a tenant"].Error, "line 9:") || code != ExitBlocked {
		t.Errorf("exit %d; bad line: %q", code, got["not a tenant"].Error)
	}
	if !strings.Contains(stderr, "is listed twice") {
		t.Errorf("stderr lacks the repeat:\n%s", stderr)
	}
}

func TestParseTenantList(t *testing.T) {
	in := "\ufeff# header\ncontoso.com\n\n  Fabrikam.COM  # a customer\ncontoso.com\n9C3B4A71-DBF1-4D05-A8DA-D8599CAE63C1  # Contoso — reachable, roles: Global Reader\ncommon\n#\n"
	ts, dups, err := parseTenantList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ts {
		s := x.Input
		if x.Err != nil {
			s += " (invalid)"
		}
		got = append(got, s)
	}
	want := []string{"contoso.com", "Fabrikam.COM", "9C3B4A71-DBF1-4D05-A8DA-D8599CAE63C1", "common (invalid)"}
	if !slices.Equal(got, want) {
		t.Errorf("tenants = %q, want %q", got, want)
	}
	if !slices.Equal(dups, []string{"contoso.com"}) {
		t.Errorf("dups = %q", dups)
	}
	if ts[1].Name != "" || ts[2].Name != "Contoso" {
		t.Errorf("names %q, %q: want the name of a `consentwiz tenants` line only", ts[1].Name, ts[2].Name)
	}
	if ts[1].Line != 4 {
		t.Errorf("line of Fabrikam = %d, want 4", ts[1].Line)
	}

	// The JSON lines of `consentwiz tenants --json`: id, name and roles.
	in = `{"tenantId":"9c3b4a71-dbf1-4d05-a8da-d8599cae63c1","displayName":"Fabrikam","status":"reachable","rolesHeld":[{"id":"f2ef992c-3afb-46b9-b7cf-a126ee74c451","name":"Global Reader"}]}
{"displayName":"no id"}
{"tenantId":"9C3B4A71-DBF1-4D05-A8DA-D8599CAE63C1","displayName":"again"}
contoso.com
`
	ts, dups, err = parseTenantList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0].Name != "Fabrikam" || ts[0].Input != "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1" || len(ts[0].Roles) != 1 ||
		ts[0].Roles[0].Name != "Global Reader" || ts[1].Err == nil || ts[2].Input != "contoso.com" || len(dups) != 1 {
		t.Errorf("tenants %+v, dups %q", ts, dups)
	}
}
