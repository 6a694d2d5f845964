package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// Performance and scale of the diagnosis read (docs/performance.md): how many
// Graph round trips Snapshot costs, that it asks Graph for one app with
// server-side $filter/$select (no full scans of big tenants), and benchmarks.
// No test here asserts a duration.

// perfSim starts a simulated cloud for a perf test or benchmark.
func perfSim(tb testing.TB, opts sim.Options) *sim.Server {
	tb.Helper()
	s, err := sim.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// batchRecorder is a RoundTripper that records the item URLs of every $batch
// sent and the bytes of every Graph response read.
type batchRecorder struct {
	next http.RoundTripper

	mu        sync.Mutex
	items     []string
	trips     int
	respBytes int64
}

func (b *batchRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/$batch") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var env struct {
			Requests []struct {
				URL string `json:"url"`
			} `json:"requests"`
		}
		if json.Unmarshal(body, &env) == nil {
			b.mu.Lock()
			for _, r := range env.Requests {
				b.items = append(b.items, r.URL)
			}
			b.mu.Unlock()
		}
	}
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	b.mu.Lock()
	b.trips++
	b.respBytes += int64(len(data))
	b.mu.Unlock()
	return resp, nil
}

func (b *batchRecorder) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.items, b.trips, b.respBytes = nil, 0, 0
}

func (b *batchRecorder) snapshot() (items []string, trips int, respBytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.items...), b.trips, b.respBytes
}

// perfClient is a Graph client for the tenant's admin, with a token minted by
// the sim (so that only Graph traffic is measured), sending through rec.
func perfClient(tb testing.TB, s *sim.Server, t *sim.Tenant, rec *batchRecorder) *graph.Client {
	tb.Helper()
	tok, err := s.IssueToken(t, t.AdminUPN(), entra.DefaultClientID, entra.ReadScopes)
	if err != nil {
		tb.Fatal(err)
	}
	hc := s.HTTPClient()
	if rec != nil {
		rec.next = hc.Transport
		hc.Transport = rec
	}
	ts := graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })
	return graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(hc), graph.WithTokenSource(ts))
}

// snapshotParts is how many $batch items a snapshot of an app without
// consent requests sends: the fixed parts of graph/snapshot.go.
const snapshotParts = 12

func TestSnapshotRoundTripsAgainstSim(t *testing.T) {
	cases := []struct {
		name     string
		opts     sim.Options
		trips    int // HTTP round trips to Graph
		requests int // Graph operations ($batch items)
	}{
		// Everything in one $batch.
		{"locked-down", sim.Options{Scenario: "locked-down"}, 1, snapshotParts},
		{"granted", sim.Options{Scenario: "granted"}, 1, snapshotParts},
		{"managed-calendar", sim.Options{Scenario: "managed-calendar"}, 1, snapshotParts},
		// One consent request for the app: its in-progress user requests
		// are read in a second batch.
		{"request-workflow", sim.Options{Scenario: "request-workflow"}, 2, snapshotParts + 1},
		// Pages of 4: the five low-impact classifications of
		// unverified-publisher take two pages; every other part fits in
		// one. The second page goes in a second batch.
		{"unverified-publisher/page-size-4", sim.Options{Scenario: "unverified-publisher", PageSize: 4}, 2, snapshotParts + 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := perfSim(t, tc.opts)
			rec := &batchRecorder{}
			c := perfClient(t, s, s.Tenant(), rec)
			s.ResetStats()
			snap, err := c.Snapshot(context.Background(), sim.TrackerRMSAppID)
			if err != nil {
				t.Fatal(err)
			}
			st := s.Stats()
			if st.TokenRequests != 0 || st.AuthorityRequests != 0 {
				t.Errorf("the snapshot talked to the authority: %+v", st)
			}
			if snap.RoundTrips != tc.trips || st.RoundTrips != tc.trips || st.Batches != tc.trips {
				t.Errorf("round trips: snapshot says %d, sim counted %d (%d batches); want %d",
					snap.RoundTrips, st.RoundTrips, st.Batches, tc.trips)
			}
			if st.GraphRequests != tc.requests {
				t.Errorf("Graph requests = %d, want %d", st.GraphRequests, tc.requests)
			}
			if len(snap.Errors) != 0 {
				t.Errorf("snapshot errors: %v", snap.Errors)
			}
			if _, trips, _ := rec.snapshot(); trips != tc.trips {
				t.Errorf("HTTP round trips seen by the client transport = %d, want %d", trips, tc.trips)
			}
		})
	}
}

// comparableDiagnosis is a diagnosis as JSON without the tenant's identity.
func comparableDiagnosis(t *testing.T, snap *entra.TenantSnapshot, tenantID string) string {
	t.Helper()
	app, err := flows.ParseApp(sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	d := flows.Diagnose(snap, app)
	d.Tenant = flows.TenantInfo{}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), tenantID, "TENANT")
}

// A tenant with 20,000 service principals, 50,000 grants and 500 consent
// requests is diagnosed exactly like a small locked-down one, in one round
// trip of the same 12 parts, because every part asks Graph for the one app
// (server-side $filter) and only the fields used ($select).
func TestSnapshotManyAppsFilteredServerSide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-app tenant")
	}
	small := perfSim(t, sim.Options{Scenario: "locked-down"})
	big := perfSim(t, sim.Options{Scenario: "many-apps"})
	if n := big.Tenant().ServicePrincipalCount(); n < 20000 {
		t.Fatalf("many-apps has %d service principals, want ≥ 20,000", n)
	}
	ctx := context.Background()

	smallSnap, err := perfClient(t, small, small.Tenant(), nil).Snapshot(ctx, sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	rec := &batchRecorder{}
	c := perfClient(t, big, big.Tenant(), rec)
	big.ResetStats()
	bigSnap, err := c.Snapshot(ctx, sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	st := big.Stats()
	if st.RoundTrips != 1 || st.GraphRequests != snapshotParts || bigSnap.RoundTrips != 1 {
		t.Errorf("many-apps: %d round trips, %d Graph requests (snapshot says %d trips); want 1 and %d",
			st.RoundTrips, st.GraphRequests, bigSnap.RoundTrips, snapshotParts)
	}
	if len(bigSnap.Errors) != 0 {
		t.Errorf("snapshot errors: %v", bigSnap.Errors)
	}
	if len(bigSnap.AppGrants) != 0 || len(bigSnap.PendingRequests) != 0 || bigSnap.App != nil {
		t.Errorf("other apps' data leaked into the snapshot: app %v, %d grants, %d requests",
			bigSnap.App, len(bigSnap.AppGrants), len(bigSnap.PendingRequests))
	}

	// Same diagnosis as the small tenant.
	if a, b := comparableDiagnosis(t, smallSnap, small.Tenant().ID()), comparableDiagnosis(t, bigSnap, big.Tenant().ID()); a != b {
		t.Errorf("many-apps diagnosis differs from locked-down:\nlocked-down: %s\nmany-apps:   %s", a, b)
	}

	// Every collection that could be big is asked for with a server-side filter.
	items, _, _ := rec.snapshot()
	if len(items) != snapshotParts {
		t.Fatalf("batch items = %d, want %d: %q", len(items), snapshotParts, items)
	}
	for _, raw := range items {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("item URL %q: %v", raw, err)
		}
		q := u.Query()
		switch {
		case u.Path == "/servicePrincipals":
			if !strings.HasPrefix(q.Get("$filter"), "appId eq ") || q.Get("$select") == "" {
				t.Errorf("service principals read without $filter=appId and $select: %s", raw)
			}
		case u.Path == "/identityGovernance/appConsent/appConsentRequests":
			if !strings.HasPrefix(q.Get("$filter"), "appId eq ") {
				t.Errorf("consent requests read without $filter=appId: %s", raw)
			}
		case u.Path == "/oauth2PermissionGrants", u.Path == "/users", u.Path == "/groups":
			t.Errorf("a tenant-wide collection is scanned: %s", raw)
		case strings.HasPrefix(u.Path, "/servicePrincipals("):
			if !strings.Contains(u.Path, "appId=") {
				t.Errorf("an app's collection is not addressed by appId: %s", raw)
			}
		}
	}
}

// BenchmarkSnapshot reads the diagnosis's snapshot of TrackerRMS from a
// small tenant, a big one (many-apps) and one with a pending request.
// Metrics: roundtrips/op and graph-requests/op (sim counters), resp-B/op
// (Graph response bytes), besides time and allocations.
func BenchmarkSnapshot(b *testing.B) {
	for _, sc := range []string{"locked-down", "many-apps", "request-workflow"} {
		b.Run(sc, func(b *testing.B) {
			benchSnapshot(b, sim.Options{Scenario: sc}, 0)
		})
	}
	// The same against a Graph 100 ms away: one round trip, ~100 ms.
	b.Run("locked-down/latency-100ms", func(b *testing.B) {
		benchSnapshot(b, sim.Options{Scenario: "locked-down"}, 100*time.Millisecond)
	})
}

func benchSnapshot(b *testing.B, opts sim.Options, latency time.Duration) {
	s := perfSim(b, opts)
	rec := &batchRecorder{}
	c := perfClient(b, s, s.Tenant(), rec)
	ctx := context.Background()
	if _, err := c.Snapshot(ctx, sim.TrackerRMSAppID); err != nil { // warm the connection
		b.Fatal(err)
	}
	s.SetFaults(sim.Faults{Latency: latency})
	s.ResetStats()
	rec.reset()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Snapshot(ctx, sim.TrackerRMSAppID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st := s.Stats()
	_, _, respBytes := rec.snapshot()
	n := float64(b.N)
	b.ReportMetric(float64(st.RoundTrips)/n, "roundtrips/op")
	b.ReportMetric(float64(st.GraphRequests)/n, "graph-requests/op")
	b.ReportMetric(float64(respBytes)/n, "resp-B/op")
}
