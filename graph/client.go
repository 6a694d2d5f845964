package graph

import (
	"bytes"
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
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
//
// Retry rule: a response 429 or 503 is retried for every method (the service did
// not process the request), 504 only for idempotent requests (GET, PUT, PATCH,
// DELETE; our PATCH bodies set absolute values, so sending the same body twice has
// the same effect). A transport error (connection refused or dropped, no response)
// is retried only for idempotent requests: a POST may have been processed, so it
// is reported, not repeated. A $batch POST counts as idempotent when all its items
// are. The wait is Retry-After (seconds or an HTTP date) when given, else
// exponential backoff (1 s, 2 s, 4 s …); each wait is capped (DefaultMaxWait) and a
// Retry-After above the cap ends the retries with the *APIError. At most
// DefaultMaxAttempts sends. Waits end early when ctx is cancelled.
type Client struct {
	root        string // graph root without version, e.g. https://graph.microsoft.com
	cloud       string // cloud name when set with WithCloud
	hc          *http.Client
	ts          TokenSource
	maxAttempts int
	maxWait     time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	roundTrips  atomic.Int64
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
		root:        strings.TrimRight(entra.Clouds["global"].GraphURL, "/"),
		hc:          &http.Client{Timeout: 60 * time.Second},
		maxAttempts: DefaultMaxAttempts,
		maxWait:     DefaultMaxWait,
		sleep:       sleepCtx,
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

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rtCounterKey carries a per-call round-trip counter (Snapshot.RoundTrips).
type rtCounterKey struct{}

func withRoundTripCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, rtCounterKey{}, n)
}

// request is one HTTP call, resent as is on retry.
type request struct {
	method     string
	url        string // absolute
	path       string // for errors: path below /v1.0, without query
	body       []byte // nil: no body
	scopes     []string
	idempotent bool
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func isIdempotent(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableStatus: 429 and 503 mean the service did not process the request, so
// any method may be resent; a 504 may come after processing, so only idempotent ones.
func retryableStatus(method string, status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusGatewayTimeout:
		return isIdempotent(method)
	}
	return false
}

// backoff is the wait before attempt+1 when the service gave no Retry-After.
func (c *Client) backoff(attempt int) time.Duration {
	d := time.Second << min(attempt-1, 10)
	return min(d, c.maxWait)
}

// do sends req with the retry rule documented on Client. A status >= 400 comes
// back as *APIError.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.send(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path, ctx.Err())
			}
			var terr *transportError
			if !errors.As(err, &terr) {
				return nil, err
			}
			if !req.idempotent {
				return nil, fmt.Errorf("graph %s %s: %w (not retried: the request may have been processed)", req.method, req.path, terr.err)
			}
			if attempt >= c.maxAttempts {
				return nil, fmt.Errorf("graph %s %s: %w (after %d attempts)", req.method, req.path, terr.err, attempt)
			}
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
			}
			continue
		}
		if resp.status < 400 {
			return resp, nil
		}
		apiErr := parseAPIError(req.method, req.path, resp.status, resp.header, resp.body)
		if !retryableStatus(req.method, resp.status) || attempt >= c.maxAttempts {
			return nil, apiErr
		}
		wait, ok := parseRetryAfter(resp.header.Get("Retry-After"))
		if !ok {
			wait = c.backoff(attempt)
		}
		if wait > c.maxWait {
			return nil, apiErr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("graph %s %s: %w while waiting to retry (%v)", req.method, req.path, err, apiErr)
		}
	}
}

// transportError is a failure to get a response at all (retryable when idempotent).
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// send makes one HTTP round trip.
func (c *Client) send(ctx context.Context, req request) (*response, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "consentwiz")
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if c.ts != nil {
		tok, err := c.ts.Token(ctx, req.scopes)
		if err != nil {
			return nil, fmt.Errorf("graph %s %s: token for %s: %w", req.method, req.path, strings.Join(req.scopes, " "), err)
		}
		hreq.Header.Set("Authorization", "Bearer "+tok)
	}
	c.roundTrips.Add(1)
	if n, ok := ctx.Value(rtCounterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, &transportError{err: err}
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &transportError{err: err}
	}
	if len(data) > MaxResponseBytes {
		return nil, fmt.Errorf("graph %s %s: %w (more than %d bytes)", req.method, req.path, ErrResponseTooLarge, MaxResponseBytes)
	}
	return &response{status: hresp.StatusCode, header: hresp.Header, body: data}, nil
}

// graphErrorBody is Graph's error shape.
type graphErrorBody struct {
	Error *struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// parseAPIError builds an *APIError from a failed response. The request-id header
// wins over the body's innerError; an unreadable body keeps the HTTP status text.
func parseAPIError(method, path string, status int, header http.Header, body []byte) *entra.APIError {
	e := &entra.APIError{Status: status, Method: method, Path: path}
	var b graphErrorBody
	if json.Unmarshal(body, &b) == nil && b.Error != nil {
		e.Code = b.Error.Code
		e.Message = b.Error.Message
		e.RequestID = b.Error.InnerError.RequestID
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if header != nil {
		if id := header.Get("request-id"); id != "" {
			e.RequestID = id
		}
		if d, ok := parseRetryAfter(header.Get("Retry-After")); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP date.
func parseRetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d.Round(time.Second), true
	}
	return 0, false
}

// ---- URLs ----

// odataString quotes s as an OData string literal; a quote inside is doubled.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// escapeQueryValue percent-encodes a query value but keeps the characters OData
// expressions use literally ('(),:$@/*!) so URLs stay readable in batches and logs.
func escapeQueryValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("-._~'(),:$@/*!", ch) >= 0:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// param is one query parameter; keys are written as is ($filter).
type param struct{ key, value string }

func encodeQuery(params []param) string {
	var parts []string
	for _, p := range params {
		parts = append(parts, p.key+"="+escapeQueryValue(p.value))
	}
	return strings.Join(parts, "&")
}

// relURL fills the endpoint's placeholders with args in order and appends the
// query: the URL relative to /v1.0, as $batch items use it.
func relURL(e entra.Endpoint, args []string, params []param) (string, error) {
	p := e.Path
	for _, a := range args {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("graph: too many arguments for %s", e.Path)
		}
		var v string
		switch p[i : j+1] {
		case "{appId}":
			if !entra.IsGUID(a) {
				return "", fmt.Errorf("%w: app id %q is not a GUID", ErrInvalidArgument, a)
			}
			v = a
		default:
			if a == "" || strings.ContainsAny(a, "/?#%") || a == "." || a == ".." {
				return "", fmt.Errorf("%w: id %q", ErrInvalidArgument, a)
			}
			v = url.PathEscape(a)
		}
		p = p[:i] + v + p[j+1:]
	}
	if strings.ContainsAny(p, "{}") {
		return "", fmt.Errorf("graph: missing arguments for %s", e.Path)
	}
	if q := encodeQuery(params); q != "" {
		p += "?" + q
	}
	return p, nil
}

// pathOnly strips the query of a relative URL (for error messages).
func pathOnly(rel string) string {
	if i := strings.IndexByte(rel, '?'); i >= 0 {
		return rel[:i]
	}
	return rel
}

func (c *Client) versionRoot() string { return c.root + apiVersion }

// newRequest builds a request for op.
func (c *Client) newRequest(op entra.Op, args []string, params []param, body any) (request, error) {
	ep := entra.EndpointFor(op)
	rel, err := relURL(ep, args, params)
	if err != nil {
		return request{}, err
	}
	req := request{
		method:     ep.Method,
		url:        c.versionRoot() + rel,
		path:       pathOnly(rel),
		scopes:     ep.Scopes,
		idempotent: isIdempotent(ep.Method),
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return request{}, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
		}
		req.body = b
	}
	return req, nil
}

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

// page is one page of a Graph collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// listAll reads every page of op's collection (limit > 0 stops after limit items).
func listAll[T any](ctx context.Context, c *Client, op entra.Op, args []string, params []param, limit int) ([]T, error) {
	req, err := c.newRequest(op, args, params, nil)
	if err != nil {
		return nil, err
	}
	var out []T
	for n := 0; ; n++ {
		if n >= maxPages {
			return out, fmt.Errorf("graph %s %s: more than %d pages", req.method, req.path, maxPages)
		}
		resp, err := c.do(ctx, req)
		if err != nil {
			return out, err
		}
		var p page[T]
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return out, fmt.Errorf("graph %s %s: %w: %v", req.method, req.path, ErrMalformedResponse, err)
		}
		out = append(out, p.Value...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if p.NextLink == "" {
			return out, nil
		}
		next, err := c.checkNextLink(p.NextLink)
		if err != nil {
			return out, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
		}
		req.url = next
	}
}

// checkNextLink accepts an absolute nextLink on the client's own scheme and host.
func (c *Client) checkNextLink(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("%w: %q is not an absolute URL", ErrForeignNextLink, link)
	}
	base, err := url.Parse(c.root)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", fmt.Errorf("%w (%s)", ErrForeignNextLink, u.Host)
	}
	return u.String(), nil
}

// relativeNextLink turns a nextLink into a URL relative to /v1.0 for a $batch item.
func (c *Client) relativeNextLink(link string) (string, error) {
	abs, err := c.checkNextLink(link)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(abs)
	base, _ := url.Parse(c.versionRoot())
	if !strings.HasPrefix(u.EscapedPath(), base.EscapedPath()+"/") {
		return "", fmt.Errorf("%w: %q is outside %s", ErrForeignNextLink, link, apiVersion)
	}
	rel := strings.TrimPrefix(u.EscapedPath(), base.EscapedPath())
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return rel, nil
}

// selectOf lists the JSON names of T's fields for $select.
func selectOf[T any]() string {
	t := reflect.TypeFor[T]()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
	}
	return strings.Join(names, ",")
}
