package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxBatchSize is Graph's limit of requests in one $batch (docs/msal.md 6).
const MaxBatchSize = 20

// BatchRequest is one item of a JSON $batch (docs/msal.md 6).
type BatchRequest struct {
	// ID is unique in the batch, compared case-insensitively.
	ID     string `json:"id"`
	Method string `json:"method"`
	// URL is relative to the version root, e.g. "/me?$select=id".
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is a JSON value; Content-Type: application/json is added when missing.
	Body      json.RawMessage `json:"body,omitempty"`
	DependsOn []string        `json:"dependsOn,omitempty"`
	// Scopes this item needs; the batch's token carries the union of its items' scopes.
	Scopes []string `json:"-"`
}

// BatchResponse is one item's answer.
type BatchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// OK reports a 2xx status.
func (r BatchResponse) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Header returns the item header name, looked up case-insensitively.
func (r BatchResponse) Header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Err returns the item's failure as *APIError (nil for 2xx); method and path name
// the item's request in the message.
func (r BatchResponse) Err(method, path string) *entra.APIError {
	if r.OK() {
		return nil
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	return parseAPIError(method, pathOnly(path), r.Status, h, r.Body)
}

// Decode unmarshals the item's JSON body into v.
func (r BatchResponse) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("graph $batch item %s: %w: %v", r.ID, ErrMalformedResponse, err)
	}
	return nil
}

// Batch sends reqs as JSON $batch requests of at most 20 items (requests joined by
// dependsOn stay in one batch) and returns one response per request, in the order
// of reqs. Items answered 429 or 503 (or 502/504 for idempotent methods), and 424 items
// whose dependency was one of those, are sent again together in a new batch after
// the largest Retry-After of those items (exponential backoff when none), within
// the client's attempt and wait limits; after that their last answer is returned.
// Item failures are not errors of Batch: check each BatchResponse. Every $batch
// POST is one round trip (Client.RoundTrips).
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest) ([]BatchResponse, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	items, err := normalizeBatch(reqs)
	if err != nil {
		return nil, err
	}
	results := make(map[string]BatchResponse, len(items))
	pending := items
	for round := 1; ; round++ {
		chunks, err := chunkBatch(pending)
		if err != nil {
			return nil, err
		}
		for _, chunk := range chunks {
			resps, err := c.batchOnce(ctx, chunk)
			if err != nil {
				return nil, err
			}
			for k, v := range resps {
				results[k] = v
			}
		}
		retry, wait, hasWait := retryableItems(pending, results)
		if len(retry) == 0 || round >= c.maxAttempts {
			break
		}
		if !hasWait {
			wait = c.backoff(round)
		}
		if wait > c.maxWait {
			break
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("graph POST /$batch: %w while waiting to retry throttled items", err)
		}
		pending = retry
	}
	out := make([]BatchResponse, len(items))
	for i, it := range items {
		out[i] = results[strings.ToLower(it.ID)]
	}
	return out, nil
}

// normalizeBatch validates reqs and returns copies with Content-Type added to items with a body.
func normalizeBatch(reqs []BatchRequest) ([]BatchRequest, error) {
	ids := map[string]bool{}
	out := make([]BatchRequest, len(reqs))
	for i, r := range reqs {
		k := strings.ToLower(r.ID)
		switch {
		case r.ID == "":
			return nil, fmt.Errorf("%w: $batch item %d has no id", ErrInvalidArgument, i)
		case ids[k]:
			return nil, fmt.Errorf("%w: $batch id %q is not unique (ids are case-insensitive)", ErrInvalidArgument, r.ID)
		case r.Method == "":
			return nil, fmt.Errorf("%w: $batch item %q has no method", ErrInvalidArgument, r.ID)
		case !strings.HasPrefix(r.URL, "/"):
			return nil, fmt.Errorf("%w: $batch item %q: url %q must be relative to the version root", ErrInvalidArgument, r.ID, r.URL)
		}
		ids[k] = true
		if len(r.Body) > 0 {
			h := make(map[string]string, len(r.Headers)+1)
			hasCT := false
			for hk, hv := range r.Headers {
				h[hk] = hv
				hasCT = hasCT || strings.EqualFold(hk, "Content-Type")
			}
			if !hasCT {
				h["Content-Type"] = "application/json"
			}
			r.Headers = h
		}
		out[i] = r
	}
	for _, r := range out {
		for _, d := range r.DependsOn {
			if !ids[strings.ToLower(d)] {
				return nil, fmt.Errorf("%w: $batch item %q depends on unknown id %q", ErrInvalidArgument, r.ID, d)
			}
		}
	}
	return out, nil
}

// chunkBatch packs items into batches of at most MaxBatchSize, keeping every group
// of items joined by dependsOn in one batch. Dependencies on items not in items
// (already answered in an earlier round) are dropped.
func chunkBatch(items []BatchRequest) ([][]BatchRequest, error) {
	index := map[string]int{}
	for i, it := range items {
		index[strings.ToLower(it.ID)] = i
	}
	parent := make([]int, len(items))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range items {
		var deps []string
		for _, d := range items[i].DependsOn {
			if j, ok := index[strings.ToLower(d)]; ok {
				deps = append(deps, d)
				parent[find(i)] = find(j)
			}
		}
		items[i].DependsOn = deps
	}
	var order []int
	groups := map[int][]BatchRequest{}
	for i, it := range items {
		r := find(i)
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], it)
	}
	var chunks [][]BatchRequest
	var cur []BatchRequest
	for _, r := range order {
		g := groups[r]
		if len(g) > MaxBatchSize {
			return nil, fmt.Errorf("%w: %d $batch items depend on each other; at most %d fit in one batch", ErrInvalidArgument, len(g), MaxBatchSize)
		}
		if len(cur)+len(g) > MaxBatchSize {
			chunks = append(chunks, cur)
			cur = nil
		}
		cur = append(cur, g...)
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks, nil
}

// batchOnce sends one $batch POST and returns its responses keyed by lower-case id.
func (c *Client) batchOnce(ctx context.Context, chunk []BatchRequest) (map[string]BatchResponse, error) {
	var scopes []string
	idempotent := true
	for _, it := range chunk {
		scopes = append(scopes, it.Scopes...)
		idempotent = idempotent && isIdempotent(it.Method)
	}
	body, err := json.Marshal(struct {
		Requests []BatchRequest `json:"requests"`
	}{chunk})
	if err != nil {
		return nil, fmt.Errorf("graph POST /$batch: %w", err)
	}
	ep := entra.EndpointFor(entra.OpBatch)
	req := request{
		method:     ep.Method,
		url:        c.versionRoot() + ep.Path,
		path:       ep.Path,
		body:       body,
		scopes:     entra.UnionScopes(scopes),
		idempotent: idempotent,
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	var env struct {
		Responses []BatchResponse `json:"responses"`
	}
	if err := json.Unmarshal(resp.body, &env); err != nil {
		return nil, fmt.Errorf("graph POST /$batch: %w: %v", ErrMalformedResponse, err)
	}
	out := make(map[string]BatchResponse, len(env.Responses))
	for _, r := range env.Responses {
		out[strings.ToLower(r.ID)] = r
	}
	for _, it := range chunk {
		if _, ok := out[strings.ToLower(it.ID)]; !ok {
			return nil, fmt.Errorf("graph POST /$batch: %w: no response for item %q", ErrMalformedResponse, it.ID)
		}
	}
	return out, nil
}

// retryableItems returns the items of pending to send again: throttled ones and
// the 424s that depended on them. wait is their largest Retry-After.
func retryableItems(pending []BatchRequest, results map[string]BatchResponse) (retry []BatchRequest, wait time.Duration, hasWait bool) {
	again := map[string]bool{}
	for _, it := range pending {
		r := results[strings.ToLower(it.ID)]
		if retryableStatus(it.Method, r.Status) {
			again[strings.ToLower(it.ID)] = true
			if d, ok := parseRetryAfter(r.Header("Retry-After")); ok {
				hasWait = true
				wait = max(wait, d)
			}
		}
	}
	if len(again) == 0 {
		return nil, 0, false
	}
	for changed := true; changed; {
		changed = false
		for _, it := range pending {
			k := strings.ToLower(it.ID)
			if again[k] || results[k].Status != http.StatusFailedDependency {
				continue
			}
			for _, d := range it.DependsOn {
				if again[strings.ToLower(d)] {
					again[k] = true
					changed = true
					break
				}
			}
		}
	}
	for _, it := range pending {
		if again[strings.ToLower(it.ID)] {
			retry = append(retry, it)
		}
	}
	return retry, wait, hasWait
}
