package graph_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The scan's reads (graph/scan.go) against the simulator's sign-in log and
// consent requests.

// consentFailures counts the tenant's sign-ins since since with a consent code.
func consentFailures(ten *sim.Tenant, since time.Time) []entra.SignIn {
	var out []entra.SignIn
	for _, r := range ten.SignIns() {
		tm, _ := time.Parse(time.RFC3339Nano, r.CreatedDateTime)
		if !tm.Before(since.Truncate(time.Second)) && slices.Contains(entra.ConsentErrorCodes, r.ErrorCode()) {
			out = append(out, r)
		}
	}
	return out
}

// recKey names a sign-in by what the scan selects (it does not read ids).
func recKey(r entra.SignIn) string {
	return r.CreatedDateTime + " " + r.UserID + " " + r.AppID + " " + strconv.Itoa(r.ErrorCode()) + " " + r.AppDisplayName + " " +
		r.UserDisplayName + " " + r.UserPrincipalName + " " + r.ResourceDisplayName
}

func TestScanConsentOneBatch(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "locked-down"})
	c := g.client(t, "")
	since := time.Now().Add(-30 * 24 * time.Hour)
	scan, err := c.ScanConsent(testCtx(t), since, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := consentFailures(g.ten, since)
	if scan.SignInsError != nil || scan.RequestsError != nil || len(scan.SignIns) != len(want) || len(want) < 5 {
		t.Fatalf("sign-ins %d (want %d), errors %v %v", len(scan.SignIns), len(want), scan.SignInsError, scan.RequestsError)
	}
	for i := range want {
		if recKey(scan.SignIns[i]) != recKey(want[i]) || scan.SignIns[i].ID != "" {
			t.Fatalf("record %d: %+v, want %+v", i, scan.SignIns[i], want[i])
		}
	}
	// locked-down has no pending request: one round trip, one $batch of both sources.
	if scan.RoundTrips != 1 || g.rec.roundTrips() != 1 || !slices.Equal(g.rec.sizes(), []int{2}) {
		t.Errorf("round trips %d (recorded %d), batches %v", scan.RoundTrips, g.rec.roundTrips(), g.rec.sizes())
	}
	items := g.rec.items()
	if len(items) != 2 || !strings.HasPrefix(items[0], "/auditLogs/signIns?") ||
		!strings.HasPrefix(items[1], "/identityGovernance/appConsent/appConsentRequests?") {
		t.Fatalf("items: %v", items)
	}
	// The filter is server-side, on the documented properties only.
	q := g.rec.requests()[1].Query
	f := q.Get("$filter")
	if !strings.HasPrefix(f, "createdDateTime ge "+since.UTC().Truncate(time.Second).Format(time.RFC3339)+" and (") ||
		q.Get("$top") != "1000" || !strings.Contains(q.Get("$select"), "status") {
		t.Errorf("query: %v", q)
	}
	for _, code := range entra.ConsentErrorCodes {
		if !strings.Contains(f, "status/errorCode eq "+strconv.Itoa(code)) {
			t.Errorf("the filter lacks %d: %s", code, f)
		}
	}
	// The batch's token carries the scan's scopes, which a diagnosis never asks for.
	if s := g.rec.requests()[0].Scopes; !slices.Equal(sorted(s), entra.ScanScopes) {
		t.Errorf("batch scopes %v, want %v", s, entra.ScanScopes)
	}
	if slices.Contains(entra.ReadScopes, entra.ScopeAuditLogReadAll) || !slices.Contains(entra.ScanScopes, entra.ScopeAuditLogReadAll) ||
		!slices.Contains(entra.ScanScopes, entra.ScopeDirectoryReadAll) {
		t.Errorf("ReadScopes %v, ScanScopes %v", entra.ReadScopes, entra.ScanScopes)
	}
}

func TestScanConsentReadsPendingRequests(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "request-workflow"})
	scan, err := g.client(t, "").ScanConsent(testCtx(t), time.Now().Add(-7*24*time.Hour), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Requests) != 1 || scan.Requests[0].AppID != sim.TrackerRMSAppID || len(scan.Requests[0].UserConsentRequests) != 1 {
		t.Fatalf("requests: %+v", scan.Requests)
	}
	u := scan.Requests[0].UserConsentRequests[0]
	if u.Status != "InProgress" || !strings.Contains(u.Reason, "sync interviews") || u.CreatedBy.User == nil || u.CreatedBy.User.DisplayName != "Megan Bowen" {
		t.Errorf("user request: %+v", u)
	}
	// Both sources in one batch, then the user requests in a second.
	if scan.RoundTrips != 2 || !slices.Equal(g.rec.sizes(), []int{2, 1}) {
		t.Errorf("round trips %d, batches %v", scan.RoundTrips, g.rec.sizes())
	}
	if len(scan.SignIns) == 0 || scan.SignIns[0].ErrorCode() != 90095 {
		t.Errorf("sign-ins: %d", len(scan.SignIns))
	}
}

func TestScanConsentPaging(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "locked-down", SignInPageSize: 2})
	c := g.client(t, "")
	since := time.Now().Add(-30 * 24 * time.Hour)
	want := consentFailures(g.ten, since)
	all, err := c.ScanConsent(testCtx(t), since, nil, 0)
	if err != nil || len(all.SignIns) != len(want) || all.SignInsTruncated {
		t.Fatalf("all pages: %d of %d, truncated %v, %v", len(all.SignIns), len(want), all.SignInsTruncated, err)
	}
	if pages := (len(want) + 1) / 2; all.RoundTrips != pages {
		t.Errorf("%d round trips for %d pages (the first in the batch)", all.RoundTrips, pages)
	}
	for _, limit := range []int{1, 2, 3} {
		scan, err := c.ScanConsent(testCtx(t), since, nil, limit)
		if err != nil || len(scan.SignIns) != 2*limit || !scan.SignInsTruncated {
			t.Errorf("page limit %d: %d records, truncated %v, %v", limit, len(scan.SignIns), scan.SignInsTruncated, err)
		}
		for i := range scan.SignIns {
			if recKey(scan.SignIns[i]) != recKey(want[i]) {
				t.Errorf("page limit %d: record %d is %s, want %s", limit, i, recKey(scan.SignIns[i]), recKey(want[i]))
			}
		}
	}
	// The standalone read pages the same way.
	got, truncated, err := c.ListConsentFailures(testCtx(t), since, nil, 2)
	if err != nil || len(got) != 4 || !truncated {
		t.Errorf("ListConsentFailures: %d, %v, %v", len(got), truncated, err)
	}
	got, truncated, err = c.ListConsentFailures(testCtx(t), since, []int{90093}, 0)
	if err != nil || truncated || len(got) == 0 {
		t.Fatalf("90093 only: %d, %v", len(got), err)
	}
	for _, r := range got {
		if r.ErrorCode() != 90093 {
			t.Errorf("code %d in a 90093 read", r.ErrorCode())
		}
	}
}

// No Entra ID P1: the licence 403, and the requests are still read.
func TestScanConsentWithoutPremium(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "no-premium"})
	scan, err := g.client(t, "").ScanConsent(testCtx(t), time.Now().Add(-7*24*time.Hour), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := scan.SignInsError; e == nil || e.Status != 403 || e.Code != "Authentication_RequestFromNonPremiumTenantOrB2CTenant" || len(scan.SignIns) != 0 {
		t.Errorf("sign-ins error %v, %d records", scan.SignInsError, len(scan.SignIns))
	}
	var apps []string
	for _, r := range scan.Requests {
		apps = append(apps, r.AppID)
	}
	if scan.RequestsError != nil || !slices.Contains(apps, sim.TrackerRMSAppID) || !slices.Contains(apps, sim.LitwarePlannerAppID) {
		t.Errorf("requests %v, %v", apps, scan.RequestsError)
	}
}

// Roles: an Application Administrator reads the requests but not the logs; a
// Reports Reader the logs but not the requests.
func TestScanConsentRoles(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "request-workflow"})
	g.ten.AddUser("reports@contoso.com", "Reports Reader", entra.RoleReportsReader)
	since := time.Now().Add(-7 * 24 * time.Hour)
	scan, err := g.client(t, "appadmin@contoso.com").ScanConsent(testCtx(t), since, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := scan.SignInsError; e == nil || e.Code != "Authentication_RequestFromUnsupportedUserRole" || len(scan.Requests) != 1 {
		t.Errorf("app admin: sign-ins %v, %d requests (%v)", scan.SignInsError, len(scan.Requests), scan.RequestsError)
	}
	scan, err = g.client(t, "reports@contoso.com").ScanConsent(testCtx(t), since, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if scan.SignInsError != nil || len(scan.SignIns) == 0 || scan.RequestsError == nil || scan.RequestsError.Status != 403 {
		t.Errorf("reports reader: %d sign-ins (%v), requests error %v", len(scan.SignIns), scan.SignInsError, scan.RequestsError)
	}
}

// When no token carries the sign-in scopes (the admin did not consent to
// AuditLog.Read.All), the batch fails as a whole; the requests are read on
// their own.
func TestScanConsentWithoutTheLogScope(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "request-workflow"})
	inner := g.tokens(g.ten.AdminUPN())
	ts := graph.TokenFunc(func(ctx context.Context, scopes []string) (string, error) {
		if slices.Contains(scopes, entra.ScopeAuditLogReadAll) {
			return "", errors.New("AADSTS65001: The user or administrator has not consented to use the application")
		}
		return inner.Token(ctx, scopes)
	})
	c := g.client(t, "", graph.WithTokenSource(ts))
	scan, err := c.ScanConsent(testCtx(t), time.Now().Add(-7*24*time.Hour), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := scan.SignInsError; e == nil || e.Status != 0 || !strings.Contains(e.Message, "AADSTS65001") {
		t.Errorf("sign-ins error: %v", scan.SignInsError)
	}
	if scan.RequestsError != nil || len(scan.Requests) != 1 || len(scan.Requests[0].UserConsentRequests) != 1 {
		t.Errorf("requests: %+v, %v", scan.Requests, scan.RequestsError)
	}
}

// A throttled $batch item is sent again (the client's $batch rule).
func TestScanConsentThrottled(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "locked-down"})
	g.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 1})
	since := time.Now().Add(-30 * 24 * time.Hour)
	scan, err := g.client(t, "").ScanConsent(testCtx(t), since, nil, 0)
	if err != nil || scan.SignInsError != nil || len(scan.SignIns) != len(consentFailures(g.ten, since)) {
		t.Fatalf("%v, %v, %d", err, scan.SignInsError, len(scan.SignIns))
	}
	if !slices.Equal(g.rec.sizes(), []int{2, 1}) {
		t.Errorf("batches %v: the throttled item alone again", g.rec.sizes())
	}
}

func TestScanConsentArguments(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "locked-down"})
	c := g.client(t, "")
	for _, tc := range []struct {
		since time.Time
		codes []int
	}{
		{time.Time{}, nil},
		{time.Now(), []int{}},
		{time.Now(), []int{90093, -1}},
	} {
		if _, err := c.ScanConsent(testCtx(t), tc.since, tc.codes, 0); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("%v %v: %v", tc.since, tc.codes, err)
		}
		if _, _, err := c.ListConsentFailures(testCtx(t), tc.since, tc.codes, 0); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("ListConsentFailures %v %v: %v", tc.since, tc.codes, err)
		}
	}
	if g.rec.roundTrips() != 0 {
		t.Errorf("invalid arguments sent %d requests", g.rec.roundTrips())
	}
	f, err := graph.ConsentFailureFilter(time.Date(2026, 12, 1, 8, 30, 15, 999, time.FixedZone("x", 3600)), []int{90094, 65001, 90094})
	if err != nil || f != "createdDateTime ge 2026-12-01T07:30:15Z and (status/errorCode eq 90094 or status/errorCode eq 65001)" {
		t.Errorf("filter %q, %v", f, err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, err := c.ScanConsent(ctx, time.Now().Add(-time.Hour), nil, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSearchServicePrincipals(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "granted"})
	c := g.client(t, "")
	sps, err := c.SearchServicePrincipals(testCtx(t), "track")
	if err != nil || len(sps) != 1 || sps[0].AppID != sim.TrackerRMSAppID || sps[0].DisplayName != "TrackerRMS" {
		t.Fatalf("search: %+v, %v", sps, err)
	}
	q := g.rec.last(t).Query
	if q.Get("$filter") != "startswith(displayName,'track')" || q.Get("$top") != "50" {
		t.Errorf("query %v", q)
	}
	if _, err := c.SearchServicePrincipals(testCtx(t), "a\x1b[2J"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("control characters: %v", err)
	}
	if sps, err := c.SearchServicePrincipals(testCtx(t), "O'Neil"); err != nil || len(sps) != 0 {
		t.Errorf("quote: %v %v", sps, err)
	}
}
