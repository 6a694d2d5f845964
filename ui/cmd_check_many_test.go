package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

// manyOut is the parsed stdout of `check --tenants --json`.
type manyOut struct {
	results []tenantResult // in the order they were written
	summary *checkSummary
	lines   int
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
			m.summary = &checkSummary{}
			if err := json.Unmarshal(s, m.summary); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		var r tenantResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatal(err)
		}
		if r.Tenant == "" || (r.Diagnosis == nil) == (r.Error == "") {
			tb.Fatalf("a result needs a tenant and exactly one of diagnosis and error: %s", line)
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
	var out, errb bytes.Buffer
	o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms"}, Tenants: file, JSON: true, Concurrency: conc}
	code = RunCheck(ctx, cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func TestCheckManyTenants(t *testing.T) {
	scen := []string{"granted", "request-workflow", "managed-calendar", "locked-down"}
	var extra []string
	for i := range 19 {
		extra = append(extra, scen[i%len(scen)])
	}
	s, cfg := simCloud(t, sim.Options{Scenario: "locked-down"}, extra...)
	ts := s.Tenants()
	lines := []string{"# MSP customers", ""}
	want := map[string]bool{} // tenant → blocked
	wantTrips := 0
	for i, tn := range ts {
		name := tn.Domain()
		if i%5 == 1 {
			name = tn.ID() // tenant ids work as well as domains
		}
		lines = append(lines, "  "+name+"   # "+tn.Scenario())
		want[name] = tn.Scenario() != "granted"
		wantTrips++
		if tn.Scenario() == "request-workflow" {
			wantTrips++ // the pending request's user requests
		}
	}
	lines = append(lines, strings.ToUpper(ts[0].Domain()), "nope.example", "not a tenant")
	file := writeTenants(t, lines...)

	s.ResetStats()
	code, stdout, stderr := runMany(context.Background(), cfg, file, 4)
	m := parseManyOut(t, stdout)
	if code != ExitBlocked {
		t.Errorf("exit %d, want %d (blocked)\nstderr:\n%s", code, ExitBlocked, stderr)
	}
	got := map[string]bool{}
	errs := map[string]string{}
	for _, r := range m.results {
		if _, dup := got[r.Tenant]; dup {
			t.Errorf("%s reported twice", r.Tenant)
		}
		if _, dup := errs[r.Tenant]; dup {
			t.Errorf("%s reported twice", r.Tenant)
		}
		if r.Error != "" {
			errs[r.Tenant] = r.Error
			continue
		}
		got[r.Tenant] = r.Diagnosis.Blocked
		if r.Diagnosis.Tenant.ID == "" {
			t.Errorf("%s: diagnosis without the tenant id", r.Tenant)
		}
	}
	for name, blocked := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: no diagnosis (error %q)", name, errs[name])
		} else if g != blocked {
			t.Errorf("%s: blocked = %v, want %v", name, g, blocked)
		}
	}
	if len(errs) != 2 || errs["nope.example"] == "" || errs["not a tenant"] == "" {
		t.Errorf("errors = %q, want nope.example and 'not a tenant'", errs)
	}
	nBlocked := 0
	for _, b := range want {
		if b {
			nBlocked++
		}
	}
	wantSum := checkSummary{Tenants: len(ts) + 2, Blocked: nBlocked, OK: len(ts) - nBlocked, Errors: 2}
	if *m.summary != wantSum {
		t.Errorf("summary = %+v, want %+v", *m.summary, wantSum)
	}
	if m.lines != len(ts)+3 {
		t.Errorf("%d stdout lines, want one a tenant and the summary (%d)", m.lines, len(ts)+3)
	}

	// One sign-in (one token) a tenant; one Graph round trip a diagnosis
	// (two with a pending request).
	st := s.Stats()
	if st.RoundTrips != wantTrips {
		t.Errorf("Graph round trips = %d, want %d", st.RoundTrips, wantTrips)
	}
	if st.TokenRequests < len(ts) {
		t.Errorf("token requests = %d, want at least one a tenant (%d)", st.TokenRequests, len(ts))
	}
	// Human messages on stderr: device codes (per tenant), the duplicate, the summary.
	for _, w := range []string{ts[3].Domain() + ": To sign in", "listed twice", "could not be checked"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if strings.Contains(stdout, "To sign in") {
		t.Error("device-code messages on stdout")
	}
}

func TestCheckManyExitCodes(t *testing.T) {
	s, cfg := simCloud(t, sim.Options{Scenario: "granted"}, "granted")
	ts := s.Tenants()
	cases := []struct {
		name  string
		lines []string
		want  int
	}{
		{"all ok", []string{ts[0].Domain(), ts[1].Domain()}, ExitOK},
		{"an error, none blocked", []string{ts[0].Domain(), "nope.example"}, ExitError},
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
	for _, tc := range []struct {
		s         checkSummary
		cancelled bool
		want      int
	}{
		{checkSummary{Tenants: 3, OK: 3}, false, ExitOK},
		{checkSummary{Tenants: 3, OK: 2, Errors: 1}, false, ExitError},
		{checkSummary{Tenants: 3, OK: 1, Blocked: 1, Errors: 1}, false, ExitBlocked},
		{checkSummary{Tenants: 3, Blocked: 3}, false, ExitBlocked},
		{checkSummary{Tenants: 3, Blocked: 1, Errors: 2}, true, ExitCancelled},
	} {
		if got := tc.s.exitCode(tc.cancelled); got != tc.want {
			t.Errorf("exitCode(%+v, cancelled %v) = %d, want %d", tc.s, tc.cancelled, got, tc.want)
		}
	}
}

func TestCheckManyCancelledReportsEveryTenant(t *testing.T) {
	s, cfg := simCloud(t, sim.Options{Scenario: "granted"}, "granted", "granted")
	var names []string
	for _, tn := range s.Tenants() {
		names = append(names, tn.Domain())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, _ := runMany(ctx, cfg, writeTenants(t, names...), 2)
	m := parseManyOut(t, stdout)
	if code != ExitCancelled {
		t.Errorf("exit %d, want %d", code, ExitCancelled)
	}
	if len(m.results) != len(names) || m.summary.Errors != len(names) {
		t.Errorf("results %+v summary %+v: want every tenant reported as not checked", m.results, m.summary)
	}
}

// A tenant whose Graph answers 429 with Retry-After waits in its own worker;
// the other tenants go on meanwhile.
func TestCheckManyThrottledTenantDoesNotStallOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a 2 s Retry-After")
	}
	s, cfg := simCloud(t, sim.Options{Scenario: "granted"}, "granted", "granted", "granted", "granted", "granted")
	var names []string
	for _, tn := range s.Tenants() {
		names = append(names, tn.Domain())
	}
	// The first Graph request of the run (one $batch item of the first
	// tenant to reach Graph, one of the two started first) answers 429.
	s.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 2})
	code, stdout, stderr := runMany(context.Background(), cfg, writeTenants(t, names...), 2)
	m := parseManyOut(t, stdout)
	if code != ExitOK || m.summary.OK != len(names) {
		t.Fatalf("exit %d, summary %+v, want all ok\n%s", code, m.summary, stderr)
	}
	if st := s.Stats(); st.Throttled != 1 {
		t.Fatalf("throttled %d times, want 1", st.Throttled)
	}
	// Throttled: one of the two first tenants. Everyone else finished first.
	last := m.results[len(m.results)-1].Tenant
	if !slices.Contains(names[:2], last) {
		var order []string
		for _, r := range m.results {
			order = append(order, r.Tenant)
		}
		t.Errorf("finish order %v: the throttled tenant (one of %v) held up the others", order, names[:2])
	}
}

func TestParseTenantList(t *testing.T) {
	in := "\ufeff# header\ncontoso.com\n\n  Fabrikam.COM  # a customer\ncontoso.com\n9C3B4A71-DBF1-4D05-A8DA-D8599CAE63C1\ncommon\n#\n"
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
	if ts[1].Line != 4 {
		t.Errorf("line of Fabrikam = %d, want 4", ts[1].Line)
	}
}
