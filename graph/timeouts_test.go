package graph_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/sim"
)

// blackHole is a stalled network: it accepts connections and never answers
// (no TLS handshake, no HTTP response). It counts the connections.
type blackHole struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newBlackHole(t *testing.T) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackHole{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, c := range b.conns {
			c.Close()
		}
	})
	return b
}

func (b *blackHole) addr() string { return b.ln.Addr().String() }

func (b *blackHole) accepted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns)
}

// A Graph that never answers: each send gives up after the attempt's bound, a
// read is sent again, and the call ends when it has waited the total bound,
// with an error that says which service is slow and where.
func TestStalledGraphIsBounded(t *testing.T) {
	b := newBlackHole(t)
	c := graph.New(graph.WithBaseURL("http://"+b.addr()), graph.WithHTTPClient(&http.Client{}),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return "t", nil })),
		graph.WithSleep(noSleep), graph.WithTimeouts(50*time.Millisecond, 120*time.Millisecond))

	_, err := c.Me(context.Background())
	var te *graph.TimeoutError
	if !errors.As(err, &te) || te.Service != "Microsoft Graph" || te.Host != b.addr() || te.After != 120*time.Millisecond {
		t.Fatalf("GET from a stalled Graph: %v (%+v), want a *TimeoutError after the total bound", err, te)
	}
	if want := "graph GET /me: Microsoft Graph did not answer within 120 ms (" + b.addr() + ")"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not unwrap to context.DeadlineExceeded", err)
	}
	if n := c.RoundTrips(); n < 2 || n > graph.DefaultMaxAttempts || b.accepted() == 0 {
		t.Errorf("%d sends, %d connections: a read is sent again within the total bound", n, b.accepted())
	}

	// A POST is sent once: the per-send bound, and it says why it is not resent.
	before := c.RoundTrips()
	_, err = c.CreateServicePrincipal(context.Background(), sim.ArchiverAppID)
	if !errors.As(err, &te) || te.After != 50*time.Millisecond || !strings.Contains(err.Error(), "not retried") {
		t.Errorf("POST to a stalled Graph: %v", err)
	}
	if n := c.RoundTrips() - before; n != 1 {
		t.Errorf("the POST was sent %d times", n)
	}

	// A snapshot's $batch fails the same way.
	if _, err := c.Snapshot(context.Background(), sim.TrackerRMSAppID); !errors.As(err, &te) || !strings.Contains(err.Error(), "POST /$batch") {
		t.Errorf("snapshot from a stalled Graph: %v", err)
	}

	// The caller's own deadline still wins, and is reported as the caller's.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Me(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) {
		t.Errorf("caller's deadline: %v", err)
	}
}

// The defaults: each send carries a deadline of DefaultAttemptTimeout.
func TestGraphSendDeadlineDefault(t *testing.T) {
	var left time.Duration
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if d, ok := r.Context().Deadline(); ok {
			left = time.Until(d)
		}
		return nil, errors.New("recorded")
	})}
	c := graph.New(graph.WithBaseURL("https://graph.example"), graph.WithHTTPClient(hc), graph.WithRetry(1, 0))
	c.Me(context.Background())
	if left <= graph.DefaultAttemptTimeout-time.Second || left > graph.DefaultAttemptTimeout {
		t.Errorf("a send's deadline is %v away, want %v", left, graph.DefaultAttemptTimeout)
	}
	if graph.DefaultAttemptTimeout > graph.DefaultTotalTimeout || graph.DefaultTotalTimeout > 20*time.Second {
		t.Errorf("attempt %v, total %v: a stalled Graph must fail a call within about 20 s", graph.DefaultAttemptTimeout, graph.DefaultTotalTimeout)
	}
}

// The transport bounds every exchange, the sign-in service's included: the
// TLS handshake and the wait for the answer's headers.
func TestTransportBounds(t *testing.T) {
	tr := graph.NewTransport()
	if tr.TLSHandshakeTimeout != graph.TLSHandshakeTimeout || tr.ResponseHeaderTimeout != graph.ResponseHeaderTimeout || tr.DialContext == nil || tr.Proxy == nil {
		t.Fatalf("transport bounds: TLS %v, headers %v", tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout)
	}
	b := newBlackHole(t)

	headers := graph.NewTransport()
	headers.ResponseHeaderTimeout = 50 * time.Millisecond
	_, err := (&http.Client{Transport: headers}).Get("http://" + b.addr() + "/")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "awaiting response headers") {
		t.Errorf("no answer: %v, want a response header timeout", err)
	}

	handshake := graph.NewTransport()
	handshake.TLSHandshakeTimeout = 50 * time.Millisecond
	handshake.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	_, err = (&http.Client{Transport: handshake}).Get("https://" + b.addr() + "/")
	if err == nil || !strings.Contains(err.Error(), "TLS handshake timeout") {
		t.Errorf("no TLS handshake: %v, want a TLS handshake timeout", err)
	}
}

// An authority that never answers: discovery gives up after its bound and says
// the sign-in service is slow, so `link` can print its fallback link at once.
func TestDiscoverTenantStalledAuthority(t *testing.T) {
	b := newBlackHole(t)
	_, err := graph.DiscoverTenantWithin(context.Background(), &http.Client{}, "http://"+b.addr(), "contoso.com", 50*time.Millisecond)
	var te *graph.TimeoutError
	if !errors.As(err, &te) || te.Service != "the sign-in service" || te.After != 50*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v (%+v), want a *TimeoutError of the sign-in service", err, te)
	}
	if want := "tenant discovery for contoso.com: the sign-in service did not answer within 50 ms (" + b.addr() + ")"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}

	// DiscoverTenant waits DiscoveryTimeout, 3 s.
	var left time.Duration
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if d, ok := r.Context().Deadline(); ok {
			left = time.Until(d)
		}
		return nil, errors.New("recorded")
	})}
	graph.DiscoverTenant(context.Background(), hc, "https://login.example", "contoso.com")
	if graph.DiscoveryTimeout != 3*time.Second || left <= 2*time.Second || left > 3*time.Second {
		t.Errorf("discovery's deadline is %v away, want DiscoveryTimeout (%v) = 3 s", left, graph.DiscoveryTimeout)
	}
}
