package graph

import (
	"bytes"
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Limits and defaults of the client.
const (
	// DefaultMaxAttempts is how many times a request is sent at most (first try included).
	DefaultMaxAttempts = 4
	// DefaultMaxWait caps one wait between attempts. A Retry-After longer than the
	// cap is not shortened: the call fails at once with the *APIError (RetryAfter set).
	DefaultMaxWait = 30 * time.Second
	// MaxResponseBytes is the largest response body the client reads.
	MaxResponseBytes = 4 << 20
	// maxPages stops a paging loop that never ends.
	maxPages = 500
	// apiVersion is appended to the Graph root.
	apiVersion = "/v1.0"
)

// Errors of the client besides *APIError.
var (
	// ErrMalformedResponse: Graph (or something in between) answered with JSON the client cannot read.
	ErrMalformedResponse = errors.New("malformed response from Microsoft Graph")
	// ErrResponseTooLarge: the response body exceeded MaxResponseBytes.
	ErrResponseTooLarge = errors.New("response from Microsoft Graph is too large")
	// ErrForeignNextLink: an @odata.nextLink pointed at another host; it is not followed
	// (the token would be sent there).
	ErrForeignNextLink = errors.New("refusing to follow @odata.nextLink to another host")
	// ErrInvalidArgument: an id or query given to a method is not valid.
	ErrInvalidArgument = errors.New("invalid argument")
)

// TokenSource gives an access token for Microsoft Graph carrying scopes. The client
// asks per call for the least-privileged short scope names of that call (see
// ScopesFor); implementations qualify them for the cloud (QualifyScopes) and cache.
type TokenSource interface {
	Token(ctx context.Context, scopes []string) (string, error)
}

// TokenFunc adapts a function to TokenSource.
type TokenFunc func(ctx context.Context, scopes []string) (string, error)

// Token implements TokenSource.
func (f TokenFunc) Token(ctx context.Context, scopes []string) (string, error) { return f(ctx, scopes) }

// Client is a thin typed Microsoft Graph v1.0 client. It is safe for concurrent use.
// Every request is sent by do (transport.go), which holds the retry rule; URLs
// are built from the endpoint table (urls.go) and collections are paged by
// listAll (paging.go).
type Client struct {
	root        string // graph root without version, e.g. https://graph.microsoft.com
	cloud       string // cloud name when set with WithCloud
	hc          *http.Client
	ts          TokenSource
	maxAttempts int
	maxWait     time.Duration
	// attemptTimeout bounds one send, totalTimeout the waiting for answers of
	// one call (see do).
	attemptTimeout, totalTimeout time.Duration
	sleep                        func(ctx context.Context, d time.Duration) error
	roundTrips                   atomic.Int64
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the Graph root (e.g. https://graph.microsoft.com, or a
// simulator's URL); the client appends /v1.0.
func WithBaseURL(graphRoot string) Option {
	return func(c *Client) { c.root = strings.TrimRight(graphRoot, "/") }
}

// WithCloud sets the Graph root from cloud.GraphURL and records the cloud's name
// in snapshots.
func WithCloud(cloud entra.Cloud) Option {
	return func(c *Client) {
		c.root = strings.TrimRight(cloud.GraphURL, "/")
		c.cloud = cloud.Name
	}
}

// WithHTTPClient sets the HTTP client (TLS trust, proxies, timeouts).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTokenSource sets where bearer tokens come from. Without one no
// Authorization header is sent.
func WithTokenSource(ts TokenSource) Option { return func(c *Client) { c.ts = ts } }

// WithRetry sets the maximum number of sends per request (first try included;
// values below 1 mean 1) and the cap of one wait between them.
func WithRetry(maxAttempts int, maxWait time.Duration) Option {
	return func(c *Client) {
		if maxAttempts < 1 {
			maxAttempts = 1
		}
		c.maxAttempts = maxAttempts
		if maxWait > 0 {
			c.maxWait = maxWait
		}
	}
}

// WithTimeouts sets how long one send waits for Graph's answer, and how long
// one call waits for answers over all its sends (values <= 0 keep the defaults,
// DefaultAttemptTimeout and DefaultTotalTimeout).
func WithTimeouts(attempt, total time.Duration) Option {
	return func(c *Client) {
		if attempt > 0 {
			c.attemptTimeout = attempt
		}
		if total > 0 {
			c.totalTimeout = total
		}
	}
}

// WithSleep replaces the wait between attempts (tests record the waits instead of sleeping).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// New returns a client for the global cloud unless options say otherwise.
func New(opts ...Option) *Client {
	c := &Client{
		root:           strings.TrimRight(entra.Clouds["global"].GraphURL, "/"),
		hc:             &http.Client{Transport: NewTransport(), Timeout: 60 * time.Second},
		maxAttempts:    DefaultMaxAttempts,
		maxWait:        DefaultMaxWait,
		attemptTimeout: DefaultAttemptTimeout,
		totalTimeout:   DefaultTotalTimeout,
		sleep:          sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the Graph root the client talks to (without /v1.0).
func (c *Client) BaseURL() string { return c.root }

// RoundTrips returns how many HTTP requests the client has sent to Graph so far.
func (c *Client) RoundTrips() int64 { return c.roundTrips.Load() }

// call sends op and decodes a JSON answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, op entra.Op, args []string, params []param, body, out any) error {
	req, err := c.newRequest(op, args, params, body)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(resp.body)) == 0 && resp.status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("graph %s %s: %w: %v", req.method, req.path, ErrMalformedResponse, err)
	}
	return nil
}
