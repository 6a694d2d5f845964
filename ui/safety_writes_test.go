package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// lossyTransport loses the answer to the first n requests of one method
// whose path holds a fragment: after the service processed the request
// (after), or before it was sent (before) — a connection reset either way,
// which the client cannot tell apart. The simulator's own Drop fault only
// drops before processing.
type lossyTransport struct {
	base   http.RoundTripper
	mu     sync.Mutex
	method string
	path   string
	n      int
	after  bool
	hits   int
}

func (l *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	hit := l.n > 0 && req.Method == l.method && strings.Contains(req.URL.Path, l.path)
	if hit {
		l.n--
		l.hits++
	}
	l.mu.Unlock()
	if hit && !l.after {
		return nil, errors.New("connection reset by peer (test: before the request)")
	}
	resp, err := l.base.RoundTrip(req)
	if hit && err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (test: the request was processed)")
	}
	return resp, err
}

// lose makes the rig's runner lose answers (a new runner: no session yet).
func (r *simRig) lose(method, path string, n int, after bool) *lossyTransport {
	r.t.Helper()
	run := r.newRunner()
	l := &lossyTransport{base: run.hc.Transport, method: method, path: path, n: n, after: after}
	hc := *run.hc
	hc.Transport = l
	run.hc = &hc
	run.lagWaits = []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond}
	return l
}

// A create whose answer is lost is read back before anything else happens:
// found, it counts as made (no second object, no stray one); not found, it is
// sent once more (reliability review M2, M4b).
func TestSafetyLostCreateAnswer(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		n      int
		after  bool
		ok     bool
	}{
		{"service principal made, answer lost", "POST", "/servicePrincipals", 1, true, true},
		{"service principal not made, connection reset", "POST", "/servicePrincipals", 1, false, true},
		{"grant made, answer lost", "POST", "/oauth2PermissionGrants", 1, true, true},
		{"grant lost twice, never made", "POST", "/oauth2PermissionGrants", 2, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rig := newSimRig(t, sim.Options{})
			app := timesheetsApp()
			l := rig.lose(c.method, c.path, c.n, c.after)
			h := rig.start(rig.input(app, false))
			h.toPreview(flows.FixGrantDirect)
			h.send(flows.Confirmed{})
			if l.hits != c.n {
				t.Fatalf("the fault fired %d times, want %d", l.hits, c.n)
			}
			ten := rig.srv.Tenant()
			if c.ok {
				if h.out == nil || h.out.Kind != flows.OutcomeVerified {
					t.Fatalf("outcome %+v at %s (%+v)", h.out, h.s.Step, h.s.Failure)
				}
				if g := ten.Grants(app.ClientID); len(g) != 1 {
					t.Fatalf("grants %+v", g)
				}
			} else {
				h.requireStep(flows.StepFailed)
				if !strings.Contains(h.s.Prompt.Body, "not applied") || !strings.Contains(h.s.Prompt.Body, "put back") {
					t.Fatalf("failure says %q", h.s.Prompt.Body)
				}
				if _, ok := ten.ServicePrincipal(app.ClientID); ok {
					t.Fatal("the service principal was left behind")
				}
				if g := ten.Grants(app.ClientID); len(g) != 0 {
					t.Fatalf("grants %+v", g)
				}
			}
			if n := ten.ServicePrincipalCount(); c.ok && n == 0 {
				t.Fatal("no service principal")
			}
			if p := h.pending(); len(p) != 0 {
				t.Fatalf("journal left: %+v", p)
			}
		})
	}
}

// classify-low: the second classification is made but its answer is lost.
// The runner finds it, the fix goes on and is verified; nothing is doubled.
func TestSafetyLostClassificationAnswer(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	if err := rig.srv.Tenant().AddUserGrants(app.ClientID, 0); err != nil { // the app is in the tenant already
		t.Fatal(err)
	}
	l := rig.lose("POST", "/delegatedPermissionClassifications", 1, true)
	l.n = 0
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixClassifyLow)
	creates := 0
	h.before = func(e flows.Effect) {
		if _, ok := e.(flows.CreateClassification); ok {
			if creates++; creates == 2 {
				l.mu.Lock()
				l.n = 1
				l.mu.Unlock()
			}
		}
	}
	h.send(flows.Confirmed{})
	if l.hits != 1 || h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("hits %d, outcome %+v at %s (%+v)", l.hits, h.out, h.s.Step, h.s.Failure)
	}
	if cls := rig.srv.Tenant().Classifications(entra.MicrosoftGraphAppID); len(cls) != creates {
		t.Fatalf("%d classifications for %d creates: %+v", len(cls), creates, cls)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal left: %+v", p)
	}
}

// Replication lag: the grant refers to the service principal created just
// before, which Graph does not show yet. The runner retries the grant with
// backoff, and verification reads again until it shows.
func TestSafetyReplicationLag(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	run := rig.newRunner()
	run.lagWaits = []time.Duration{0, 30 * time.Millisecond, 60 * time.Millisecond, 120 * time.Millisecond, 250 * time.Millisecond}
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixGrantDirect)
	rig.srv.SetFaults(sim.Faults{ReplicationLagRequests: 2})
	h.send(flows.Confirmed{})
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v at %s (%+v)", h.out, h.s.Step, h.s.Failure)
	}
	if g := rig.srv.Tenant().Grants(app.ClientID); len(g) != 1 || rig.srv.Tenant().ServicePrincipalCount() == 0 {
		t.Fatalf("grants %+v", g)
	}
}

// Only a lost answer says a create may have been made (WriteDone.Lost): the
// service's refusal, or a failure before the request went out, made nothing,
// and flows never looks for — nor removes — what it would have made.
func TestWriteAnswerLost(t *testing.T) {
	lost := errors.New("graph POST /servicePrincipals: connection reset (not retried: the request may have been processed)")
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection dropped after sending", fmt.Errorf("graph POST /oauth2PermissionGrants: reset (not retried: %w)", graph.ErrMaybeApplied), true},
		{"no answer in time", &graph.TimeoutError{Service: "Microsoft Graph", Host: "graph.microsoft.com"}, true},
		{"gateway lost the answer", &entra.APIError{Status: 504}, true},
		{"looked for twice, not found", fmt.Errorf("%w: the answer was lost twice (%v)", errNotApplied, lost), true},
		{"sent again after a lost answer, refused", fmt.Errorf("%w (%w: %v)", &entra.APIError{Status: 403}, errEarlierLost, lost), true},
		{"the caller gave up on the way", fmt.Errorf("graph POST /servicePrincipals: %w", context.Canceled), true},
		{"already exists", &entra.APIError{Status: 409, Code: "Request_MultipleObjectsWithSameKeyValue"}, false},
		{"forbidden", &entra.APIError{Status: 403}, false},
		{"throttled", &entra.APIError{Status: 429}, false},
		{"server error while processing (may have made it)", &entra.APIError{Status: 500}, true},
		{"unavailable, not processed", &entra.APIError{Status: 503}, false},
		{"no token, never sent", errors.New("sign-in: interaction required"), false},
		{"no error", nil, false},
	} {
		if got := answerLost(c.err); got != c.want {
			t.Errorf("%s: answerLost = %v, want %v", c.name, got, c.want)
		}
	}
}
