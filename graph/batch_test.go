package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func meItems(n int) []BatchRequest {
	reqs := make([]BatchRequest, n)
	for i := range reqs {
		reqs[i] = BatchRequest{ID: fmt.Sprintf("r%d", i), Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}}
	}
	return reqs
}

func TestBatchChunksAtTwenty(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	resps, err := c.Batch(context.Background(), meItems(45))
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 45 {
		t.Fatalf("%d responses", len(resps))
	}
	for i, r := range resps {
		var u entra.User
		if r.ID != fmt.Sprintf("r%d", i) || r.Status != 200 || r.Decode(&u) != nil || u.ID != f.me.ID {
			t.Errorf("response %d = %+v", i, r)
		}
	}
	if !reflect.DeepEqual(f.batchSizes, []int{20, 20, 5}) || f.trips() != 3 || c.RoundTrips() != 3 {
		t.Errorf("batch sizes %v, trips %d/%d; want [20 20 5] in 3 round trips", f.batchSizes, f.trips(), c.RoundTrips())
	}
}

func TestBatchOutOfOrderCaseInsensitiveIDs(t *testing.T) {
	f := newFakeGraph(t)
	f.reverseBatch = true // answers reversed, ids upper-cased
	c := f.client()
	resps, err := c.Batch(context.Background(), []BatchRequest{
		{ID: "me", Method: "GET", URL: "/me"},
		{ID: "authz", Method: "GET", URL: "/policies/authorizationPolicy"},
		{ID: "missing", Method: "GET", URL: "/servicePrincipals(appId='99999999-2222-3333-4444-555555555555')/appRoleAssignments"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var u entra.User
	var p entra.AuthorizationPolicy
	if resps[0].Decode(&u) != nil || u.ID != f.me.ID {
		t.Errorf("me = %+v", resps[0])
	}
	if resps[1].Decode(&p) != nil || p.ID != "authorizationPolicy" {
		t.Errorf("authz = %+v", resps[1])
	}
	e := resps[2].Err("GET", "/servicePrincipals(appId='x')/appRoleAssignments?$top=1")
	if e == nil || e.Status != 404 || e.Code != "Request_ResourceNotFound" || e.RequestID != "req-404" || strings.Contains(e.Path, "?") {
		t.Errorf("404 item error = %+v", e)
	}
}

func TestBatchValidation(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	for name, reqs := range map[string][]BatchRequest{
		"duplicate ids": {{ID: "a", Method: "GET", URL: "/me"}, {ID: "A", Method: "GET", URL: "/me"}},
		"no id":         {{Method: "GET", URL: "/me"}},
		"absolute url":  {{ID: "a", Method: "GET", URL: "https://evil.example/me"}},
		"unknown dep":   {{ID: "a", Method: "GET", URL: "/me", DependsOn: []string{"b"}}},
	} {
		if _, err := c.Batch(context.Background(), reqs); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if f.trips() != 0 {
		t.Errorf("invalid batches were sent: %d", f.trips())
	}
}

func TestBatchBodyGetsContentType(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	resps, err := c.Batch(context.Background(), []BatchRequest{{ID: "p", Method: "PATCH", URL: "/oauth2PermissionGrants/grant-1",
		Body: json.RawMessage(`{"scope":"User.Read Mail.Read"}`), Scopes: []string{entra.ScopeDelegatedPermissionGrantReadWriteAll}}})
	if err != nil || resps[0].Status != 204 {
		t.Fatalf("resps %+v err %v", resps, err)
	}
	if f.grants[0].Scope != "User.Read Mail.Read" {
		t.Errorf("grant = %+v", f.grants[0])
	}
}

// itemThrottle makes the first answer for each listed path a 429 with its Retry-After.
func itemThrottle(retryAfter map[string]string) func(string, string, bool) *fakeResp {
	var mu sync.Mutex
	done := map[string]bool{}
	return func(m, p string, inBatch bool) *fakeResp {
		mu.Lock()
		defer mu.Unlock()
		ra, ok := retryAfter[p]
		if !ok || done[p] || !inBatch {
			return nil
		}
		done[p] = true
		r := throttled("")
		delete(r.headers, "Retry-After")
		r.headers["retry-after"] = ra // item headers come in any case
		return r
	}
}

func TestBatchRetriesThrottledItemsAfterLargestRetryAfter(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	f.fault = itemThrottle(map[string]string{"/me": "9", "/policies/authorizationPolicy": "3"})
	resps, err := c.Batch(context.Background(), []BatchRequest{
		{ID: "org", Method: "GET", URL: "/organization"},
		{ID: "me", Method: "GET", URL: "/me"},
		{ID: "authz", Method: "GET", URL: "/policies/authorizationPolicy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Status != 200 {
			t.Errorf("%s: status %d", r.ID, r.Status)
		}
	}
	if got := s.all(); !reflect.DeepEqual(got, []time.Duration{9 * time.Second}) {
		t.Errorf("waits = %v, want one of 9s (the largest)", got)
	}
	if !reflect.DeepEqual(f.batchSizes, []int{3, 2}) || f.trips() != 2 {
		t.Errorf("batch sizes %v trips %d; want [3 2]: only the throttled items again, together", f.batchSizes, f.trips())
	}
}

func TestBatchRetries424Dependents(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	f.fault = itemThrottle(map[string]string{"/policies/authorizationPolicy": "4"})
	body := json.RawMessage(`{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":[]}}`)
	resps, err := c.Batch(context.Background(), []BatchRequest{
		{ID: "read", Method: "GET", URL: "/policies/authorizationPolicy"},
		{ID: "write", Method: "PATCH", URL: "/policies/authorizationPolicy", Body: body, DependsOn: []string{"read"}},
		{ID: "verify", Method: "GET", URL: "/policies/authorizationPolicy", DependsOn: []string{"write"}},
		{ID: "me", Method: "GET", URL: "/me"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Status >= 300 {
			t.Errorf("%s: status %d", r.ID, r.Status)
		}
	}
	if !reflect.DeepEqual(f.batchSizes, []int{4, 3}) {
		t.Errorf("batch sizes %v, want [4 3]: the 429 and its two 424 dependents retried", f.batchSizes)
	}
	if !reflect.DeepEqual(s.all(), []time.Duration{4 * time.Second}) {
		t.Errorf("waits %v", s.all())
	}
	var p entra.AuthorizationPolicy
	resps[2].Decode(&p)
	if len(p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned) != 0 {
		t.Errorf("verify read %+v", p)
	}
}

func TestBatch424FromRealFailureNotRetried(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	resps, err := c.Batch(context.Background(), []BatchRequest{
		{ID: "a", Method: "GET", URL: "/servicePrincipals(appId='99999999-2222-3333-4444-555555555555')/appRoleAssignments"},
		{ID: "b", Method: "GET", URL: "/me", DependsOn: []string{"a"}},
	})
	if err != nil || resps[0].Status != 404 || resps[1].Status != 424 || f.trips() != 1 {
		t.Fatalf("resps %+v err %v trips %d", resps, err, f.trips())
	}
}

func TestBatchKeepsDependencyGroupsTogether(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	reqs := meItems(15)
	for i := 0; i < 10; i++ {
		r := BatchRequest{ID: fmt.Sprintf("chain%d", i), Method: "GET", URL: "/me"}
		if i > 0 {
			r.DependsOn = []string{fmt.Sprintf("chain%d", i-1)}
		}
		reqs = append(reqs, r)
	}
	resps, err := c.Batch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Status != 200 {
			t.Errorf("%s: %d", r.ID, r.Status)
		}
	}
	if !reflect.DeepEqual(f.batchSizes, []int{15, 10}) {
		t.Errorf("batch sizes %v, want [15 10]", f.batchSizes)
	}
	big := make([]BatchRequest, 21)
	for i := range big {
		big[i] = BatchRequest{ID: fmt.Sprint(i), Method: "GET", URL: "/me"}
		if i > 0 {
			big[i].DependsOn = []string{fmt.Sprint(i - 1)}
		}
	}
	if _, err := c.Batch(context.Background(), big); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("21 chained items: %v", err)
	}
}

func TestBatchTokenCarriesUnionOfScopes(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	_, err := c.Batch(context.Background(), []BatchRequest{
		{ID: "a", Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}},
		{ID: "b", Method: "GET", URL: "/policies/authorizationPolicy", Scopes: []string{entra.ScopePolicyReadAll}},
		{ID: "c", Method: "GET", URL: "/organization", Scopes: []string{entra.ScopeUserRead}},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := f.requests()[0]
	if env.Path != "/$batch" || !reflect.DeepEqual(env.Scopes, []string{"Policy.Read.All", "User.Read"}) {
		t.Errorf("batch token scopes = %v", env.Scopes)
	}
}

func TestBatchTopLevelThrottleAndDrop(t *testing.T) {
	f := newFakeGraph(t)
	var s sleeps
	c := f.client(WithSleep(s.sleep))
	// The envelope itself is throttled (the fault hook sees only items, so use raw).
	n := 0
	f.raw = func(w http.ResponseWriter, r *http.Request) bool {
		n++
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
			return true
		}
		return false
	}
	resps, err := c.Batch(context.Background(), meItems(2))
	if err != nil || resps[1].Status != 200 || f.trips() != 2 || !reflect.DeepEqual(s.all(), []time.Duration{2 * time.Second}) {
		t.Fatalf("resps %+v err %v trips %d waits %v", resps, err, f.trips(), s.all())
	}
	// A dropped connection: a batch of GETs is idempotent and resent; one with a POST is not.
	f2 := newFakeGraph(t)
	c2 := f2.client()
	dropFirst(f2, 1, "/$batch")
	if _, err := c2.Batch(context.Background(), meItems(2)); err != nil || f2.trips() != 2 {
		t.Errorf("GET batch after drop: err %v trips %d", err, f2.trips())
	}
	f3 := newFakeGraph(t)
	c3 := f3.client()
	dropFirst(f3, 1, "/$batch")
	_, err = c3.Batch(context.Background(), []BatchRequest{{ID: "sp", Method: "POST", URL: "/servicePrincipals",
		Body: json.RawMessage(`{"appId":"99999999-2222-3333-4444-555555555555"}`)}})
	if err == nil || f3.trips() != 1 {
		t.Errorf("POST batch after drop: err %v trips %d", err, f3.trips())
	}
}
