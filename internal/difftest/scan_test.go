package difftest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"consentwiz/assets"
	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The scan end to end: the real client reads the simulated tenant's sign-in
// log and consent requests (graph.Client.ScanConsent) and flows groups them
// (flows.BuildScan). The expected apps come from the simulator's own log
// (Tenant.SignIns), grouped here independently.

// scanClient is a Graph client acting as upn with tokens minted per call.
func scanClient(t testing.TB, s *sim.Server, upn string) *graph.Client {
	ten := s.Tenant()
	if upn == "" {
		upn = ten.AdminUPN()
	}
	return graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(s.HTTPClient()),
		graph.WithTokenSource(graph.TokenFunc(func(_ context.Context, scopes []string) (string, error) {
			return s.IssueToken(ten, upn, entra.DefaultClientID, scopes)
		})))
}

func scan(t testing.TB, s *sim.Server, upn string, since time.Time) flows.ScanResult {
	t.Helper()
	res, err := scanClient(t, s, upn).ScanConsent(context.Background(), since, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return flows.BuildScan(flows.ScanInput{Tenant: s.Tenant().Domain(), Now: time.Now(), Since: since,
		SignIns: res.SignIns, SignInsTruncated: res.SignInsTruncated, SignInsError: res.SignInsError,
		Requests: res.Requests, RequestsError: res.RequestsError})
}

// expected groups the simulator's log: client id → failures and users.
func expected(ten *sim.Tenant, since time.Time) map[string][2]int {
	failures, users := map[string]int{}, map[string]map[string]bool{}
	for _, r := range ten.SignIns() {
		at, _ := time.Parse(time.RFC3339Nano, r.CreatedDateTime)
		if at.Before(since.Truncate(time.Second)) || !slices.Contains(entra.ConsentErrorCodes, r.ErrorCode()) {
			continue
		}
		failures[r.AppID]++
		if users[r.AppID] == nil {
			users[r.AppID] = map[string]bool{}
		}
		users[r.AppID][r.UserID] = true
	}
	out := map[string][2]int{}
	for id, n := range failures {
		out[id] = [2]int{n, len(users[id])}
	}
	return out
}

func TestScanAgainstTheSimulatorsLog(t *testing.T) {
	for _, name := range []string{"locked-down", "request-workflow", "managed-calendar", "granted", "assignment-required", "hostile"} {
		t.Run(name, func(t *testing.T) {
			s := startSim(t, sim.Options{Scenario: name})
			ten := s.Tenant()
			since := time.Now().Add(-30 * 24 * time.Hour)
			r := scan(t, s, "", since)
			want := expected(ten, since)
			got := map[string][2]int{}
			for _, a := range r.Apps {
				if a.Failures > 0 {
					got[a.ClientID] = [2]int{a.Failures, a.Users - requestersOnly(a, ten)}
				}
			}
			if len(got) != len(want) {
				t.Errorf("apps %v, want %v", got, want)
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s: failures/users %v, want %v", id, got[id], w)
				}
			}
			_, trackerBlocked := want[sim.TrackerRMSAppID]
			if blocked := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "").Result != sim.ResultGranted; blocked != trackerBlocked {
				t.Errorf("TrackerRMS in the scan: %v; Megan blocked today: %v", trackerBlocked, blocked)
			}
			if r.SignInLogs != flows.ScanRead || r.ExitCode() != flows.ScanExitBlocked {
				t.Errorf("logs %s, exit %d, notes %v", r.SignInLogs, r.ExitCode(), r.Notes)
			}
			if out := r.Text(); strings.ContainsAny(out, "\x1b\x07\u202e") {
				t.Errorf("raw control characters in the text")
			}
		})
	}
}

// requestersOnly counts an app's users known only from its requests.
func requestersOnly(a flows.ScanApp, ten *sim.Tenant) int {
	n := 0
	for _, q := range a.Requesters {
		logged := false
		for _, r := range ten.SignIns() {
			if r.AppID == a.ClientID && flows.Sanitize(r.UserDisplayName, 80) == q.Name && r.ErrorCode() != 0 {
				logged = true
			}
		}
		if !logged {
			n++
		}
	}
	return n
}

func TestScanWithoutPremiumAndWithoutRole(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "no-premium"})
	since := time.Now().Add(-7 * 24 * time.Hour)
	r := scan(t, s, "", since)
	var ids []string
	for _, a := range r.Apps {
		ids = append(ids, a.ClientID)
	}
	if r.SignInLogs != flows.ScanUnavailable || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "Entra ID P1") ||
		!slices.Contains(ids, sim.TrackerRMSAppID) || !slices.Contains(ids, sim.LitwarePlannerAppID) || r.ExitCode() != flows.ScanExitBlocked {
		t.Errorf("no-premium: logs %s, apps %v, notes %v, exit %d", r.SignInLogs, ids, r.Notes, r.ExitCode())
	}
	// An Application Administrator reads the requests, not the logs.
	s = startSim(t, sim.Options{Scenario: "request-workflow"})
	r = scan(t, s, "appadmin@contoso.com", since)
	if r.SignInLogs != flows.ScanUnavailable || len(r.Apps) != 1 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "Reports Reader") {
		t.Errorf("app admin: %+v", r)
	}
	// A plain user reads nothing: exit 5.
	r = scan(t, s, "megan@contoso.com", since)
	if r.ExitCode() != flows.ScanExitUnreadable {
		t.Errorf("plain user: exit %d, %+v", r.ExitCode(), r)
	}
}

// --app-name: the tenant's service principals (startswith) and the shipped profiles.
func TestFindAppByNameAgainstTheTenant(t *testing.T) {
	profiles, err := assets.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []string{"locked-down", "granted"} { // without and with TrackerRMS's service principal
		s := startSim(t, sim.Options{Scenario: sc})
		sps, err := scanClient(t, s, "").SearchServicePrincipals(context.Background(), "trackerrms")
		if err != nil {
			t.Fatal(err)
		}
		app, err := flows.FindAppByName("TrackerRMS", flows.AppCandidatesFromServicePrincipals(sps), flows.AppCandidatesFromProfiles(profiles))
		if err != nil || app.ClientID != sim.TrackerRMSAppID || app.Profile != "TrackerRMS" || (app.Source == flows.AppFromTenant) != (sc == "granted") {
			t.Errorf("%s: %+v, %v", sc, app, err)
		}
	}
}

// The scan benchmark: 100,000 consent failures in the window of many-apps,
// read by the client and grouped by flows (docs/performance.md, "Scan").
func TestScanManyApps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-sign-in tenant")
	}
	s := startSim(t, sim.Options{Scenario: "many-apps"})
	c := benchClient(t, s)
	since := time.Now().Add(-7 * 24 * time.Hour)
	start := time.Now()
	res, err := c.ScanConsent(context.Background(), since, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := flows.BuildScan(flows.ScanInput{Tenant: "contoso.com", Now: time.Now(), Since: since, SignIns: res.SignIns,
		SignInsTruncated: res.SignInsTruncated, SignInsError: res.SignInsError, Requests: res.Requests, RequestsError: res.RequestsError})
	elapsed := time.Since(start)
	if len(res.SignIns) < sim.ManyAppsSignInFailures || res.SignInsTruncated || res.SignInsError != nil || res.RequestsError != nil {
		t.Fatalf("%d sign-ins, truncated %v, %v, %v", len(res.SignIns), res.SignInsTruncated, res.SignInsError, res.RequestsError)
	}
	total := 0
	for _, a := range r.Apps {
		total += a.Failures
	}
	if total != len(res.SignIns) || len(r.Apps) < 1000 || len(res.Requests) != 500 {
		t.Errorf("%d failures over %d apps, %d requests", total, len(r.Apps), len(res.Requests))
	}
	t.Logf("many-apps: %d sign-ins and %d requests read in %d round trips and grouped into %d apps in %v",
		len(res.SignIns), len(res.Requests), res.RoundTrips, len(r.Apps), elapsed.Round(time.Millisecond))
}

// benchClient reads with one token holding the scan's scopes, over a
// keep-alive connection, so that only Graph traffic is measured.
func benchClient(t testing.TB, s *sim.Server) *graph.Client {
	ten := s.Tenant()
	tok, err := s.IssueToken(ten, ten.AdminUPN(), entra.DefaultClientID, entra.ScanScopes)
	if err != nil {
		t.Fatal(err)
	}
	return graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: s.HTTPClient().Transport}),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })))
}

// BenchmarkScan: client + grouping of many-apps' 100,000 consent failures
// (sim in the same process, so the time includes the simulator's side).
func BenchmarkScan(b *testing.B) {
	s, err := sim.New(sim.Options{Scenario: "many-apps"})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	c := benchClient(b, s)
	since := time.Now().Add(-7 * 24 * time.Hour)
	records, trips := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.ScanConsent(context.Background(), since, nil, 0)
		if err != nil || res.SignInsError != nil {
			b.Fatal(err, res.SignInsError)
		}
		r := flows.BuildScan(flows.ScanInput{Tenant: "contoso.com", Now: time.Now(), Since: since, SignIns: res.SignIns, Requests: res.Requests})
		if len(r.Apps) == 0 {
			b.Fatal("no app")
		}
		records, trips = len(res.SignIns), res.RoundTrips
	}
	b.ReportMetric(float64(records), "sign-ins/op")
	b.ReportMetric(float64(trips), "roundtrips/op")
}
