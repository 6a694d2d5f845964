package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// batchItem is one item of a $batch a stub received.
type batchItem struct {
	ID        string   `json:"id"`
	Method    string   `json:"method"`
	URL       string   `json:"url"`
	DependsOn []string `json:"dependsOn"`
}

// batchReply answers a $batch stub with one response per item, built by each
// (a JSON object without the id, which batchReply adds); got receives the items.
func batchReply(got *[][]batchItem, each func(batchItem) string, opts ...func([]string, []batchItem) []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct {
			Requests []batchItem `json:"requests"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if got != nil {
			*got = append(*got, env.Requests)
		}
		var out []string
		for _, it := range env.Requests {
			out = append(out, fmt.Sprintf(`{"id":%q,%s`, it.ID, strings.TrimPrefix(each(it), "{")))
		}
		for _, o := range opts {
			out = o(out, env.Requests)
		}
		answer(200, `{"responses":[`+strings.Join(out, ",")+`]}`)(w, r)
	}
}

func meItems(n int) []graph.BatchRequest {
	reqs := make([]graph.BatchRequest, n)
	for i := range reqs {
		reqs[i] = graph.BatchRequest{ID: fmt.Sprintf("r%d", i), Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}}
	}
	return reqs
}

func TestBatchChunksAtTwenty(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	c := g.client(t, "")
	var reqs []graph.BatchRequest
	for i := range 45 {
		u := "/me?$select=id,userPrincipalName"
		if i%3 == 1 {
			u = "/policies/authorizationPolicy"
		}
		reqs = append(reqs, graph.BatchRequest{ID: fmt.Sprintf("r%d", i), Method: "GET", URL: u,
			Scopes: []string{entra.ScopeUserRead, entra.ScopePolicyReadAll}})
	}
	resps, err := c.Batch(testCtx(t), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != len(reqs) {
		t.Fatalf("%d responses", len(resps))
	}
	for i, r := range resps {
		if r.ID != reqs[i].ID || !r.OK() {
			t.Errorf("response %d: %s %d", i, r.ID, r.Status)
		}
	}
	var me entra.User
	if err := resps[0].Decode(&me); err != nil || me.UserPrincipalName != g.ten.AdminUPN() {
		t.Errorf("item 0: %+v %v", me, err)
	}
	var p entra.AuthorizationPolicy
	if err := resps[1].Decode(&p); err != nil || p.ID == "" {
		t.Errorf("item 1: %+v %v", p, err)
	}
	st := g.Stats()
	if !slices.Equal(g.rec.sizes(), []int{20, 20, 5}) || st.Batches != 3 || st.RoundTrips != 3 || st.GraphRequests != 45 || c.RoundTrips() != 3 {
		t.Errorf("batch sizes %v, sim: %d batches, %d round trips, %d requests, client %d round trips; want [20 20 5] in 3",
			g.rec.sizes(), st.Batches, st.RoundTrips, st.GraphRequests, c.RoundTrips())
	}
}

func TestBatchOutOfOrderCaseInsensitiveIDs(t *testing.T) {
	g := newStubGraph(t)
	// Answers reversed, ids upper-cased; the third item is a 404 with a request-id header.
	reverseUpper := func(out []string, items []batchItem) []string {
		for i, it := range items {
			out[i] = strings.Replace(out[i], fmt.Sprintf("%q", it.ID), fmt.Sprintf("%q", strings.ToUpper(it.ID)), 1)
		}
		slices.Reverse(out)
		return out
	}
	g.on("POST", "/$batch", batchReply(nil, func(it batchItem) string {
		switch it.ID {
		case "me":
			return `{"status":200,"body":{"id":"me-id"}}`
		case "authz":
			return `{"status":200,"body":{"id":"authorizationPolicy"}}`
		}
		return `{"status":404,"headers":{"request-id":"req-404"},"body":{"error":{"code":"Request_ResourceNotFound","message":"gone"}}}`
	}, reverseUpper))
	resps, err := g.client().Batch(context.Background(), []graph.BatchRequest{
		{ID: "me", Method: "GET", URL: "/me"},
		{ID: "authz", Method: "GET", URL: "/policies/authorizationPolicy"},
		{ID: "missing", Method: "GET", URL: "/servicePrincipals(appId='" + sim.ArchiverAppID + "')/appRoleAssignments"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var u entra.User
	var p entra.AuthorizationPolicy
	if resps[0].Decode(&u) != nil || u.ID != "me-id" {
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
	g := newStubGraph(t) // no stubs: nothing may be sent
	c := g.client()
	for name, reqs := range map[string][]graph.BatchRequest{
		"duplicate ids": {{ID: "a", Method: "GET", URL: "/me"}, {ID: "A", Method: "GET", URL: "/me"}},
		"no id":         {{Method: "GET", URL: "/me"}},
		"absolute url":  {{ID: "a", Method: "GET", URL: "https://evil.example/me"}},
		"unknown dep":   {{ID: "a", Method: "GET", URL: "/me", DependsOn: []string{"b"}}},
	} {
		if _, err := c.Batch(context.Background(), reqs); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if g.requests() != 0 {
		t.Errorf("invalid batches were sent: %d", g.requests())
	}
}

func TestBatchBodyGetsContentType(t *testing.T) {
	f := newFixture(t)
	grant := f.ten.Grants(f.ten.AppID())[0].ID
	// The simulator, like Graph, refuses an item with a body but no Content-Type.
	resps, err := f.c.Batch(testCtx(t), []graph.BatchRequest{{ID: "p", Method: "PATCH", URL: "/oauth2PermissionGrants/" + grant,
		Body: json.RawMessage(`{"scope":"User.Read Mail.Read"}`), Scopes: []string{entra.ScopeDelegatedPermissionGrantReadWriteAll}}})
	if err != nil || resps[0].Status != 204 {
		t.Fatalf("resps %+v err %v", resps, err)
	}
	if got := f.ten.Grants(f.ten.AppID())[0].Scope; got != "User.Read Mail.Read" {
		t.Errorf("grant scope = %q", got)
	}
}

func TestBatchRetriesThrottledItemsAfterLargestRetryAfter(t *testing.T) {
	g := newStubGraph(t)
	w := &waits{}
	c := g.client(graph.WithSleep(w.sleep))
	var got [][]batchItem
	// Item headers come in any case.
	g.on("POST", "/$batch", batchReply(&got, func(it batchItem) string {
		switch it.ID {
		case "me":
			return `{"status":429,"headers":{"retry-after":"9"},"body":{"error":{"code":"TooManyRequests","message":"slow down"}}}`
		case "authz":
			return `{"status":429,"headers":{"retry-after":"3"},"body":{"error":{"code":"TooManyRequests","message":"slow down"}}}`
		}
		return `{"status":200,"body":{"value":[]}}`
	}))
	g.on("POST", "/$batch", batchReply(&got, func(batchItem) string { return `{"status":200,"body":{}}` }))
	resps, err := c.Batch(context.Background(), []graph.BatchRequest{
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
	if got := w.get(); !slices.Equal(got, []time.Duration{9 * time.Second}) {
		t.Errorf("waits = %v, want one of 9s (the largest)", got)
	}
	if len(got) != 2 || len(got[1]) != 2 || got[1][0].ID != "me" || got[1][1].ID != "authz" {
		t.Errorf("batches %+v; want the two throttled items again, together", got)
	}
}

func TestBatchRetries424Dependents(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	w := &waits{}
	c := g.client(t, "", graph.WithSleep(w.sleep))
	g.SetFaults(sim.Faults{Throttle429: 1, RetryAfterSeconds: 4}) // the first item executed: read
	body := json.RawMessage(`{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":[]}}`)
	resps, err := c.Batch(testCtx(t), []graph.BatchRequest{
		{ID: "read", Method: "GET", URL: "/policies/authorizationPolicy", Scopes: []string{entra.ScopePolicyReadAll}},
		{ID: "write", Method: "PATCH", URL: "/policies/authorizationPolicy", Body: body, DependsOn: []string{"read"}, Scopes: []string{entra.ScopePolicyReadWriteAuthorization}},
		{ID: "verify", Method: "GET", URL: "/policies/authorizationPolicy", DependsOn: []string{"write"}},
		{ID: "me", Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Status >= 300 {
			t.Errorf("%s: status %d", r.ID, r.Status)
		}
	}
	if !slices.Equal(g.rec.sizes(), []int{4, 3}) {
		t.Errorf("batch sizes %v, want [4 3]: the 429 and its two 424 dependents retried", g.rec.sizes())
	}
	if !slices.Equal(w.get(), []time.Duration{4 * time.Second}) {
		t.Errorf("waits %v", w.get())
	}
	var p entra.AuthorizationPolicy
	resps[2].Decode(&p)
	if p.ID == "" || len(p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned) != 0 {
		t.Errorf("verify read %+v", p)
	}
}

func TestBatch424FromRealFailureNotRetried(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	c := g.client(t, "")
	resps, err := c.Batch(testCtx(t), []graph.BatchRequest{
		{ID: "a", Method: "GET", URL: "/servicePrincipals(appId='" + sim.ArchiverAppID + "')/appRoleAssignments", Scopes: []string{entra.ScopeApplicationReadAll}},
		{ID: "b", Method: "GET", URL: "/me", DependsOn: []string{"a"}, Scopes: []string{entra.ScopeUserRead}},
	})
	if err != nil || resps[0].Status != 404 || resps[1].Status != 424 || g.rec.roundTrips() != 1 {
		t.Fatalf("resps %+v err %v requests %d", resps, err, g.rec.roundTrips())
	}
}

func TestBatchKeepsDependencyGroupsTogether(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	c := g.client(t, "")
	reqs := meItems(15)
	for i := 0; i < 10; i++ {
		r := graph.BatchRequest{ID: fmt.Sprintf("chain%d", i), Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}}
		if i > 0 {
			r.DependsOn = []string{fmt.Sprintf("chain%d", i-1)}
		}
		reqs = append(reqs, r)
	}
	resps, err := c.Batch(testCtx(t), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Status != 200 {
			t.Errorf("%s: %d", r.ID, r.Status)
		}
	}
	if !slices.Equal(g.rec.sizes(), []int{15, 10}) {
		t.Errorf("batch sizes %v, want [15 10]", g.rec.sizes())
	}
	big := make([]graph.BatchRequest, 21)
	for i := range big {
		big[i] = graph.BatchRequest{ID: fmt.Sprint(i), Method: "GET", URL: "/me"}
		if i > 0 {
			big[i].DependsOn = []string{fmt.Sprint(i - 1)}
		}
	}
	if _, err := c.Batch(testCtx(t), big); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("21 chained items: %v", err)
	}
}

func TestBatchTokenCarriesUnionOfScopes(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	c := g.client(t, "")
	resps, err := c.Batch(testCtx(t), []graph.BatchRequest{
		{ID: "a", Method: "GET", URL: "/me", Scopes: []string{entra.ScopeUserRead}},
		{ID: "b", Method: "GET", URL: "/policies/authorizationPolicy", Scopes: []string{entra.ScopePolicyReadAll}},
		{ID: "c", Method: "GET", URL: "/organization", Scopes: []string{entra.ScopeUserRead}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if !r.OK() {
			t.Errorf("%s: %d (the token lacks a scope)", r.ID, r.Status)
		}
	}
	env := g.rec.requests()[0]
	if env.Path != "/$batch" || !slices.Equal(env.Scopes, []string{"Policy.Read.All", "User.Read"}) {
		t.Errorf("batch token scopes = %v", env.Scopes)
	}
}

func TestBatchTopLevelThrottleAndDrop(t *testing.T) {
	// The envelope itself is throttled.
	g := newStubGraph(t)
	w := &waits{}
	c := g.client(graph.WithSleep(w.sleep))
	g.on("POST", "/$batch", graphErr(429, "TooManyRequests", "slow down", "Retry-After", "2"))
	g.on("POST", "/$batch", batchReply(nil, func(batchItem) string { return `{"status":200,"body":{}}` }))
	resps, err := c.Batch(context.Background(), meItems(2))
	if err != nil || resps[1].Status != 200 || g.requests() != 2 || !slices.Equal(w.get(), []time.Duration{2 * time.Second}) {
		t.Fatalf("resps %+v err %v requests %d waits %v", resps, err, g.requests(), w.get())
	}

	// A dropped connection: a batch of GETs is idempotent and resent; one with a POST is not.
	s := newSimGraph(t, sim.Options{})
	sc := s.client(t, "")
	s.SetFaults(sim.Faults{Drop: 1})
	if _, err := sc.Batch(testCtx(t), meItems(2)); err != nil || s.rec.roundTrips() != 2 {
		t.Errorf("GET batch after drop: err %v, %d requests", err, s.rec.roundTrips())
	}
	s.rec.reset()
	s.SetFaults(sim.Faults{Drop: 1})
	_, err = sc.Batch(testCtx(t), []graph.BatchRequest{{ID: "sp", Method: "POST", URL: "/servicePrincipals",
		Body: json.RawMessage(`{"appId":"` + sim.ArchiverAppID + `"}`), Scopes: []string{entra.ScopeApplicationReadWriteAll}}})
	if err == nil || s.rec.roundTrips() != 1 {
		t.Errorf("POST batch after drop: err %v, %d requests", err, s.rec.roundTrips())
	}
}
