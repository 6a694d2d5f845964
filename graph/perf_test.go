package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// Performance and scale of the diagnosis read (docs/performance.md): how many
// Graph round trips Snapshot costs, that it asks Graph for one app with
// server-side $filter/$select (no full scans of big tenants), and benchmarks.
// No test here asserts a duration.

// perfClient is a Graph client for the tenant's admin with one token minted by
// the sim (so that only Graph traffic is measured), over a keep-alive
// connection, recording its traffic.
func perfClient(tb testing.TB, s *sim.Server, t *sim.Tenant) (*graph.Client, *traffic) {
	tb.Helper()
	tok, err := s.IssueToken(t, t.AdminUPN(), entra.DefaultClientID, entra.ReadScopes)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := url.Parse(s.GraphURL())
	if err != nil {
		tb.Fatal(err)
	}
	rec := &traffic{next: s.HTTPClient().Transport, root: u.Path + "/v1.0", tokens: map[string][]string{tok: entra.ReadScopes}}
	ts := graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })
	return graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: rec}), graph.WithTokenSource(ts)), rec
}

// snapshotParts is how many $batch items a snapshot of an app without
// consent requests sends: the fixed parts of graph/snapshot_fetch.go.
const snapshotParts = 14

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
			s := startSim(t, tc.opts)
			c, rec := perfClient(t, s, s.Tenant())
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
			if trips := rec.roundTrips(); trips != tc.trips {
				t.Errorf("HTTP round trips seen by the client transport = %d, want %d", trips, tc.trips)
			}
		})
	}
}

// A tenant with 20,000 service principals, 50,000 grants and 500 consent
// requests, where 20,000 users consented to the app for themselves, is read in
// one round trip of the same 14 parts as a small one, because every part asks
// Graph for the one app (server-side $filter), only the fields used ($select),
// and one page of the users' own grants. internal/difftest checks that its
// diagnosis is that of a small tenant with 101 such users.
func TestSnapshotManyAppsFilteredServerSide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-app tenant")
	}
	big := startSim(t, sim.Options{Scenario: "many-apps"})
	if n := big.Tenant().ServicePrincipalCount(); n < 20000 {
		t.Fatalf("many-apps has %d service principals, want ≥ 20,000", n)
	}
	ctx := context.Background()

	c, rec := perfClient(t, big, big.Tenant())
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
	if bigSnap.App == nil || bigSnap.App.AppID != sim.TrackerRMSAppID || len(bigSnap.PendingRequests) != 0 {
		t.Fatalf("the app's service principal %v, %d requests", bigSnap.App, len(bigSnap.PendingRequests))
	}
	for _, g := range bigSnap.AppGrants {
		if g.ClientID != bigSnap.App.ID || g.ConsentType != "Principal" {
			t.Errorf("another app's or a tenant-wide grant leaked into the snapshot: %+v", g)
		}
	}
	if len(bigSnap.AppGrants) != 100 || !bigSnap.PrincipalGrantsMore {
		t.Errorf("%d of the app's %d user grants read (more: %v); want one page of 100 and more",
			len(bigSnap.AppGrants), sim.ManyAppsUserGrants, bigSnap.PrincipalGrantsMore)
	}

	// Every collection that could be big is asked for with a server-side filter.
	items := rec.items()
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
			if strings.HasSuffix(u.Path, "/oauth2PermissionGrants") && !strings.HasPrefix(q.Get("$filter"), "consentType eq ") {
				t.Errorf("the app's grants read without a consentType filter: %s", raw)
			}
		}
	}
}

// BenchmarkSnapshot reads the diagnosis's snapshot of TrackerRMS from a
// small tenant, a big one (many-apps, where 20,000 users consented to the app
// for themselves) and one with a pending request. Metrics: roundtrips/op and
// graph-requests/op (sim counters), resp-B/op (Graph response bytes), besides
// time and allocations.
func BenchmarkSnapshot(b *testing.B) {
	for _, sc := range []string{"locked-down", "many-apps", "request-workflow"} {
		b.Run(sc, func(b *testing.B) {
			benchRead(b, startSim(b, sim.Options{Scenario: sc}), (*graph.Client).Snapshot, 0)
		})
	}
	// The same against a Graph 100 ms away: one round trip, ~100 ms.
	for _, sc := range []string{"locked-down", "many-apps"} {
		b.Run(sc+"/latency-100ms", func(b *testing.B) {
			benchRead(b, startSim(b, sim.Options{Scenario: sc}), (*graph.Client).Snapshot, 100*time.Millisecond)
		})
	}
}

// BenchmarkSnapshotUserGrants is the diagnosis read of an app that n users
// consented to for themselves (locked-down plus n Principal grants): the same
// one round trip whatever n, because only the first page of them is read and
// counted ("at least 100 users").
func BenchmarkSnapshotUserGrants(b *testing.B) {
	for _, tc := range []struct {
		users   int
		latency time.Duration
	}{{100, 0}, {1000, 0}, {20000, 0}, {20000, 100 * time.Millisecond}} {
		b.Run(fmt.Sprintf("users-%d/latency-%dms", tc.users, tc.latency.Milliseconds()), func(b *testing.B) {
			s := startSim(b, sim.Options{Scenario: "locked-down"})
			if err := s.Tenant().AddUserGrants(sim.TrackerRMSAppID, tc.users); err != nil {
				b.Fatal(err)
			}
			benchRead(b, s, (*graph.Client).Snapshot, tc.latency)
		})
	}
}

// BenchmarkPoll is one poll of the wizard in many-apps: the app's parts
// after a fix (PollApp), the pending requests while users' requests are
// awaited (PollRequests), and the full snapshot every poll used to read.
func BenchmarkPoll(b *testing.B) {
	reads := []struct {
		name string
		read func(*graph.Client, context.Context, string) (*entra.TenantSnapshot, error)
	}{{"app", (*graph.Client).PollApp}, {"requests", (*graph.Client).PollRequests}, {"full-snapshot", (*graph.Client).Snapshot}}
	for _, lat := range []time.Duration{0, 100 * time.Millisecond} {
		for _, r := range reads {
			b.Run(fmt.Sprintf("%s/latency-%dms", r.name, lat.Milliseconds()), func(b *testing.B) {
				benchRead(b, startSim(b, sim.Options{Scenario: "many-apps"}), r.read, lat)
			})
		}
	}
}

// benchRead benchmarks one read of TrackerRMS from s with Graph latency away.
func benchRead(b *testing.B, s *sim.Server, read func(*graph.Client, context.Context, string) (*entra.TenantSnapshot, error), latency time.Duration) {
	c, rec := perfClient(b, s, s.Tenant())
	ctx := context.Background()
	if _, err := read(c, ctx, sim.TrackerRMSAppID); err != nil { // warm the connection
		b.Fatal(err)
	}
	s.SetFaults(sim.Faults{Latency: latency})
	s.ResetStats()
	rec.reset()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := read(c, ctx, sim.TrackerRMSAppID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st := s.Stats()
	respBytes := rec.responseBytes()
	n := float64(b.N)
	b.ReportMetric(float64(st.RoundTrips)/n, "roundtrips/op")
	b.ReportMetric(float64(st.GraphRequests)/n, "graph-requests/op")
	b.ReportMetric(float64(respBytes)/n, "resp-B/op")
}
