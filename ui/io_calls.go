package ui

import (
	"fmt"
	"strings"
	"sync"

	"consentwiz/flows"
)

// maxFailedCalls bounds the recorder: a poll that keeps failing (429, 503)
// must not grow the report without end.
const maxFailedCalls = 50

// callRecorder collects the Microsoft Graph calls that failed during a run,
// with their request ids, for the support report. It is safe for concurrent
// use: effects run in their own goroutines.
type callRecorder struct {
	mu      sync.Mutex
	calls   []flows.FailedCall
	dropped int
}

// record adds err when it is (or wraps) a Graph API error.
func (c *callRecorder) record(op string, err error) {
	if err == nil {
		return
	}
	fc, ok := flows.FailedCallFrom(op, err)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) >= maxFailedCalls {
		c.dropped++
		return
	}
	c.calls = append(c.calls, fc)
}

// list returns a copy of the failed calls, with a last line saying how many
// more were left out.
func (c *callRecorder) list() []flows.FailedCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]flows.FailedCall{}, c.calls...)
	if c.dropped > 0 {
		out = append(out, flows.FailedCall{Op: fmt.Sprintf("(%d more failed calls not listed)", c.dropped)})
	}
	return out
}

// FailedCalls returns the Graph calls that failed so far (op, HTTP status,
// Graph error code and request id), oldest first.
func (r *Runner) FailedCalls() []flows.FailedCall { return r.calls.list() }

// failedCallLister is implemented by Effects that record failed Graph calls
// (*Runner); the support report lists them.
type failedCallLister interface {
	FailedCalls() []flows.FailedCall
}

// recordEvent records the error an effect's answer carries.
func (r *Runner) recordEvent(eff flows.Effect, ev flows.Event) {
	if err := eventErr(ev); err != nil {
		r.calls.record(effectOp(eff), err)
	}
}

// effectOp names an effect for the report ("fetch-snapshot", "create-grant").
func effectOp(eff flows.Effect) string {
	if w, ok := eff.(flows.WriteEffect); ok {
		return string(w.Op())
	}
	name := fmt.Sprintf("%T", eff)
	name = name[strings.LastIndex(name, ".")+1:]
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// eventErr is the error an I/O answer carries, if any.
func eventErr(ev flows.Event) error {
	switch e := ev.(type) {
	case flows.TenantResolved:
		return e.Err
	case flows.SignedIn:
		return e.Err
	case flows.SnapshotLoaded:
		return e.Err
	case flows.PolicyRead:
		return e.Err
	case flows.ConsentPolicyRead:
		return e.Err
	case flows.WriteDone:
		return e.Err
	case flows.ReviewersFound:
		return e.Err
	case flows.Polled:
		return e.Err
	case flows.Scanned:
		return e.Err
	case flows.AppsFound:
		return e.Err
	case flows.UsersRead:
		return e.Err
	}
	return nil
}
