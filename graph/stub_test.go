package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"consentwiz/graph"
)

// stubGraph answers exactly what a test registers, for the precise answers the
// simulator cannot give: malformed JSON, a hostile nextLink, a specific header,
// an exact 429/503/504 sequence. It is not a second Graph: it has no state and
// no routes. Stubs match by method and path (below /v1.0) in the order they
// were registered, each once; a request no stub matches fails the test, and
// when the test ends every stub must have been used (cli/cli's httpmock).
type stubGraph struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	stubs []*stub
	calls int
}

type stub struct {
	method, path string
	respond      http.HandlerFunc
	used         bool
}

func newStubGraph(t *testing.T) *stubGraph {
	t.Helper()
	g := &stubGraph{t: t}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(func() {
		g.srv.Close()
		g.Verify(t)
	})
	return g
}

// on registers one answer for the next method+path request.
func (g *stubGraph) on(method, path string, respond http.HandlerFunc) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stubs = append(g.stubs, &stub{method: method, path: path, respond: respond})
}

func (g *stubGraph) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/v1.0")
	g.mu.Lock()
	g.calls++
	var match *stub
	for _, s := range g.stubs {
		if !s.used && s.method == r.Method && s.path == path {
			match = s
			s.used = true
			break
		}
	}
	g.mu.Unlock()
	if match == nil {
		g.t.Errorf("stubGraph: no stub for %s %s", r.Method, r.URL)
		http.Error(w, "no stub", http.StatusNotImplemented)
		return
	}
	match.respond(w, r)
}

// Verify reports the stubs that were never used.
func (g *stubGraph) Verify(t interface{ Errorf(string, ...any) }) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var unused []string
	for _, s := range g.stubs {
		if !s.used {
			unused = append(unused, s.method+" "+s.path)
		}
	}
	if len(unused) > 0 {
		t.Errorf("stubGraph: %d unmatched HTTP stubs: %s", len(unused), strings.Join(unused, ", "))
	}
}

// requests is how many requests reached the server.
func (g *stubGraph) requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// client is a Graph client for the stub with a fixed token; it does not sleep.
func (g *stubGraph) client(opts ...graph.Option) *graph.Client {
	base := []graph.Option{graph.WithBaseURL(g.srv.URL), graph.WithHTTPClient(g.srv.Client()),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return "stub-token", nil })),
		graph.WithSleep(noSleep)}
	return graph.New(append(base, opts...)...)
}

// answer writes status, headers (name, value pairs) and a raw body.
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// graphErr is Graph's error shape with a request-id header and an innerError.
func graphErr(status int, code, msg string, headers ...string) http.HandlerFunc {
	body := fmt.Sprintf(`{"error":{"code":%q,"message":%q,"innerError":{"request-id":"inner-%d","date":"2026-01-01T00:00:00"}}}`, code, msg, status)
	return answer(status, body, append([]string{"request-id", fmt.Sprintf("req-%d", status)}, headers...)...)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// The registry itself: an unused stub is reported.
func TestStubGraphReportsUnusedStubs(t *testing.T) {
	g := newStubGraph(t)
	g.on("GET", "/me", answer(200, `{}`))
	g.on("GET", "/organization", answer(200, `{"value":[]}`))
	if _, err := g.client().Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rep reporter
	g.Verify(&rep)
	if len(rep) != 1 || !strings.Contains(rep[0], "1 unmatched HTTP stubs: GET /organization") {
		t.Errorf("Verify reported %q", rep)
	}
	g.mu.Lock() // the test's own cleanup must pass: mark the stub used

	for _, s := range g.stubs {
		s.used = true
	}
	g.mu.Unlock()
}

type reporter []string

func (r *reporter) Errorf(format string, args ...any) { *r = append(*r, fmt.Sprintf(format, args...)) }
