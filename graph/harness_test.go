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

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The client's tests run against one Graph: the simulator (graph/sim) over
// loopback HTTPS. simGraph gives a client tokens the simulator mints for
// exactly the scopes each call asks for (so the simulator's own scope and role
// checks judge the client's least-privilege claims), and records the traffic.
// Answers the simulator cannot give come from stubGraph (stub_test.go).

// startSim starts a simulated cloud for the test or benchmark.
func startSim(tb testing.TB, opts sim.Options) *sim.Server {
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

// testCtx is a context that ends with the test (and after 30 s at most).
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// simGraph is a simulated cloud with a traffic recorder in front of its Graph.
type simGraph struct {
	*sim.Server
	ten *sim.Tenant
	rec *traffic
}

func newSimGraph(tb testing.TB, opts sim.Options) *simGraph {
	tb.Helper()
	s := startSim(tb, opts)
	// A transport of its own without keep-alive: every request is a new
	// connection, so net/http never resends one by itself after a dropped
	// connection, and what the client does is what the tests see.
	tr := s.HTTPClient().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	u, err := url.Parse(s.GraphURL())
	if err != nil {
		tb.Fatal(err)
	}
	rec := &traffic{next: tr, root: u.Path + "/v1.0", tokens: map[string][]string{}}
	return &simGraph{Server: s, ten: s.Tenant(), rec: rec}
}

// client is a Graph client acting as upn ("" = the scenario's admin). It does
// not sleep between attempts unless opts say otherwise (WithSleep).
func (g *simGraph) client(tb testing.TB, upn string, opts ...graph.Option) *graph.Client {
	tb.Helper()
	if upn == "" {
		upn = g.ten.AdminUPN()
	}
	base := []graph.Option{
		graph.WithBaseURL(g.GraphURL()),
		graph.WithHTTPClient(&http.Client{Transport: g.rec, Timeout: 30 * time.Second}),
		graph.WithTokenSource(g.tokens(upn)),
		graph.WithSleep(noSleep),
	}
	return graph.New(append(base, opts...)...)
}

// tokens mints a token for upn per call, carrying the scopes the call asks for.
func (g *simGraph) tokens(upn string) graph.TokenSource {
	return graph.TokenFunc(func(_ context.Context, scopes []string) (string, error) {
		tok, err := g.IssueToken(g.ten, upn, entra.DefaultClientID, scopes)
		if err == nil {
			g.rec.noteToken(tok, scopes)
		}
		return tok, err
	})
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// sent is one Graph request the client sent: a top-level request, or an item
// of a $batch (InBatch). Path is below /v1.0, without the query.
type sent struct {
	Method  string
	Path    string
	Query   url.Values
	Body    []byte
	Scopes  []string // of the token that carried it
	InBatch bool
}

// traffic is a RoundTripper that records every Graph request, the size of
// each $batch, and the bytes of the responses.
type traffic struct {
	next http.RoundTripper
	root string // path of the version root, e.g. /graph/v1.0

	mu         sync.Mutex
	log        []sent
	batchSizes []int
	trips      int
	respBytes  int64
	tokens     map[string][]string // token → scopes
}

func (tr *traffic) noteToken(tok string, scopes []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.tokens[tok] = append([]string(nil), scopes...)
}

func (tr *traffic) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	tr.mu.Lock()
	tr.trips++
	scopes := tr.tokens[strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")]
	path := strings.TrimPrefix(req.URL.EscapedPath(), tr.root)
	tr.log = append(tr.log, sent{Method: req.Method, Path: path, Query: req.URL.Query(), Body: body, Scopes: scopes})
	if path == "/$batch" {
		var env struct {
			Requests []struct {
				Method string          `json:"method"`
				URL    string          `json:"url"`
				Body   json.RawMessage `json:"body"`
			} `json:"requests"`
		}
		if json.Unmarshal(body, &env) == nil {
			tr.batchSizes = append(tr.batchSizes, len(env.Requests))
			for _, it := range env.Requests {
				u, _ := url.Parse(it.URL)
				tr.log = append(tr.log, sent{Method: it.Method, Path: u.EscapedPath(), Query: u.Query(), Body: it.Body, Scopes: scopes, InBatch: true})
			}
		}
	}
	tr.mu.Unlock()
	resp, err := tr.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	tr.mu.Lock()
	tr.respBytes += int64(len(data))
	tr.mu.Unlock()
	return resp, nil
}

// requests returns the recorded requests (top-level and $batch items).
func (tr *traffic) requests() []sent {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]sent(nil), tr.log...)
}

// last returns the last recorded request.
func (tr *traffic) last(tb testing.TB) sent {
	tb.Helper()
	r := tr.requests()
	if len(r) == 0 {
		tb.Fatal("no request recorded")
	}
	return r[len(r)-1]
}

// items returns the recorded $batch items as "path?query" strings.
func (tr *traffic) items() []string {
	var out []string
	for _, r := range tr.requests() {
		if r.InBatch {
			u := r.Path
			if q := r.Query.Encode(); q != "" {
				u += "?" + q
			}
			out = append(out, u)
		}
	}
	return out
}

func (tr *traffic) sizes() []int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]int(nil), tr.batchSizes...)
}

// roundTrips is how many HTTP requests reached the transport.
func (tr *traffic) roundTrips() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.trips
}

func (tr *traffic) responseBytes() int64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.respBytes
}

func (tr *traffic) reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.log, tr.batchSizes, tr.trips, tr.respBytes = nil, nil, 0, 0
}

// waits records the client's waits between attempts instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) get() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}
