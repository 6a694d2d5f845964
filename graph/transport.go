package graph

// The transport of the client: one HTTP exchange (send), the retry rule (do),
// and the parsing of Graph's errors and Retry-After.

import (
	"bytes"
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

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
// any method may be resent; a 502 or 504 may come after processing, so only
// idempotent ones.
func retryableStatus(method string, status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return isIdempotent(method)
	}
	return false
}

// backoff is the wait before attempt+1 when the service gave no Retry-After.
func (c *Client) backoff(attempt int) time.Duration {
	d := time.Second << min(attempt-1, 10)
	return min(d, c.maxWait)
}

// do sends req and retries it by this rule; a status >= 400 comes back as *APIError.
//
// Retry rule: a response 429 or 503 is retried for every method (the service
// did not process the request); 502 and 504 (a gateway lost or timed out on the
// upstream) only for idempotent requests (GET, PUT, PATCH, DELETE; our PATCH
// bodies set absolute values, so sending the same body twice has the same
// effect). A transport error (connection refused or dropped, no answer within
// the attempt's bound) is retried only for idempotent requests: a POST may have
// been processed, so it is reported, not repeated. A $batch POST counts as
// idempotent when all its items are. The wait is Retry-After (seconds or an
// HTTP date) when given, else exponential backoff (1 s, 2 s, 4 s …); each wait
// is capped (DefaultMaxWait) and a Retry-After above the cap ends the retries
// with the *APIError. At most DefaultMaxAttempts sends. Waits end early when
// ctx is cancelled.
//
// Time bounds: each send waits DefaultAttemptTimeout at most, and the call
// waits DefaultTotalTimeout at most for answers over all its sends (the waits
// between them not counted); then it fails with a *TimeoutError naming Graph's
// host.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	var waited time.Duration // waiting for answers, over all sends
	for attempt := 1; ; attempt++ {
		limit := min(c.attemptTimeout, c.totalTimeout-waited)
		start := time.Now()
		resp, err := c.send(ctx, req, limit)
		waited += time.Since(start)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path, ctx.Err())
			}
			var terr *transportError
			if !errors.As(err, &terr) {
				return nil, err
			}
			if !req.idempotent {
				return nil, fmt.Errorf("graph %s %s: %w (not retried: %w)", req.method, req.path, terr.err, ErrMaybeApplied)
			}
			if waited >= c.totalTimeout && isTimeout(terr.err) {
				return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path,
					&TimeoutError{Service: serviceGraph, Host: hostOf(c.root), After: c.totalTimeout, Err: terr.err})
			}
			if attempt >= c.maxAttempts || waited >= c.totalTimeout {
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

// ErrMaybeApplied marks a request that is not idempotent (a POST) whose answer
// was lost: the connection dropped, or no answer came in time. The service
// may have processed it, so it is not sent again; the caller reads back to
// learn whether it applied (ui's runner does, before it retries or reports).
var ErrMaybeApplied = errors.New("the request may have been processed")

// isTimeout reports a send that got no answer in time (ours or the transport's bound).
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// transportError is a failure to get a response at all (retryable when idempotent).
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// errAttemptTimeout is the cause of a send's context when its bound ran out.
var errAttemptTimeout = errors.New("graph: attempt timed out")

// send makes one HTTP round trip, waiting limit at most for the answer (the
// token is fetched before, under ctx only).
func (c *Client) send(ctx context.Context, req request, limit time.Duration) (*response, error) {
	var tok string
	if c.ts != nil {
		var err error
		tok, err = c.ts.Token(ctx, req.scopes)
		if err != nil {
			return nil, fmt.Errorf("graph %s %s: token for %s: %w", req.method, req.path, strings.Join(req.scopes, " "), err)
		}
	}
	actx, cancel := context.WithTimeoutCause(ctx, limit, errAttemptTimeout)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, req.url, body)
	if err != nil {
		return nil, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "consentwiz")
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		hreq.Header.Set("Authorization", "Bearer "+tok)
	}
	c.roundTrips.Add(1)
	if n, ok := ctx.Value(rtCounterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	// timedOut turns an error caused by the send's own bound into a *TimeoutError.
	timedOut := func(err error) error {
		if ctx.Err() == nil && context.Cause(actx) == errAttemptTimeout {
			return &TimeoutError{Service: serviceGraph, Host: hostOf(c.root), After: limit, Err: context.DeadlineExceeded}
		}
		return err
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, &transportError{err: timedOut(err)}
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &transportError{err: timedOut(err)}
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

// sleepCtx waits d or until ctx ends.
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
