package graph

// How long the program waits for a service that accepted the connection and
// does not answer (a stalled network, a proxy that swallows requests). Without
// bounds `check` took 247 s to fail: 4 sends of 60 s each.

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Bounds of one exchange with a service, set on the transport (NewTransport):
// they hold for everything the program sends — MSAL's calls to the sign-in
// service, tenant discovery and Graph.
const (
	DialTimeout           = 10 * time.Second // TCP connect
	TLSHandshakeTimeout   = 10 * time.Second
	ResponseHeaderTimeout = 15 * time.Second // from the request sent to the answer's headers
)

// Bounds of a Graph call (WithTimeouts) and of tenant discovery.
const (
	// DefaultAttemptTimeout bounds one send of a Graph request, answer included.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultTotalTimeout bounds the time one call waits for Graph's answers
	// over all its attempts; the waits between attempts (Retry-After, backoff)
	// do not count. A stalled Graph thus fails a call after about 20 s with a
	// *TimeoutError.
	DefaultTotalTimeout = 20 * time.Second
	// DiscoveryTimeout bounds tenant discovery (DiscoverTenant), so that an
	// offline command can fall back quickly when the sign-in service is slow.
	DiscoveryTimeout = 3 * time.Second
)

// NewTransport returns the HTTP transport the program talks to every service
// through: http.DefaultTransport's settings (proxy from the environment,
// HTTP/2 unless built with -tags nethttpomithttp2, idle connections) with the
// bounds above.
func NewTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = TLSHandshakeTimeout
	tr.ResponseHeaderTimeout = ResponseHeaderTimeout
	return tr
}

// Names of the services in a *TimeoutError.
const (
	serviceGraph     = "Microsoft Graph"
	serviceAuthority = "the sign-in service"
)

// TimeoutError says which service did not answer in time. It unwraps to the
// cause (context.DeadlineExceeded).
type TimeoutError struct {
	Service string // "Microsoft Graph" or "the sign-in service"
	Host    string
	After   time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s (%s)", e.Service, humanDuration(e.After), e.Host)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true, as net.Error does for a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// humanDuration writes 20 s, 3 s, 1.5 s or 120 ms.
func humanDuration(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Second:
		return fmt.Sprintf("%d ms", d/time.Millisecond)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// hostOf is the host[:port] of rawURL, or rawURL when it does not parse.
func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}
