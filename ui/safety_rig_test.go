package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The safety tests drive the real Runner (MSAL sign-in, the Graph client, the
// journal) and the flows machine against the simulated cloud, headless: a
// small driver plays the part of the TUI or the plain mode.

// simRig is a started simulated cloud and a Runner pointed at it.
type simRig struct {
	t       *testing.T
	srv     *sim.Server
	cfg     Config
	journal *Journal
	runner  *Runner
}

func newSimRig(t *testing.T, o sim.Options) *simRig {
	t.Helper()
	if o.Scenario == "" {
		o.Scenario = "locked-down"
	}
	o.AutoApprove = true
	srv, err := sim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterApp(demoTimesheets)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r := &simRig{t: t, srv: srv}
	r.cfg = Config{Cloud: entra.Clouds["global"], LoginURL: srv.LoginURL(), GraphURL: srv.GraphURL(),
		CAPEM: srv.CAPEM(), ConfigDir: t.TempDir(), NoBrowser: true, Version: "test"}
	r.journal = NewJournal(r.cfg.ConfigDir)
	r.newRunner()
	return r
}

// newRunner replaces the runner: a new process, signed out, same journal.
func (r *simRig) newRunner() *Runner {
	r.t.Helper()
	run, err := NewRunner(r.cfg, r.journal, RunnerOptions{Open: func(string) error { return nil }})
	if err != nil {
		r.t.Fatal(err)
	}
	r.runner = run
	return run
}

// policy is the tenant's permissionGrantPoliciesAssigned as the sim holds it.
func (r *simRig) policy() []string {
	return r.srv.Tenant().AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
}

// userAccepts is the end user signing in to app and accepting the consent prompt.
func (r *simRig) userAccepts(app flows.AppRef) {
	r.t.Helper()
	ten := r.srv.Tenant()
	if out := ten.UserSignIn(ten.EndUserUPN(), app.ClientID, nil, "accept"); len(ten.Grants(app.ClientID)) == 0 {
		r.t.Fatalf("the user could not consent: %+v", out)
	}
}

// timesheetsApp is the demo app for which relax-user-consent is viable.
func timesheetsApp() flows.AppRef {
	a := demoTimesheets
	return flows.AppRef{ClientID: a.AppID, DisplayName: a.DisplayName, Scopes: append([]string(nil), a.RequiredScopes...),
		RedirectURIs: append([]string(nil), a.ReplyURLs...), ConsentVersion: "v1"}
}

// input is the wizard's input for app in the rig's tenant, with the pending journal.
func (r *simRig) input(app flows.AppRef, dryRun bool) flows.WizardInput {
	r.t.Helper()
	pending, err := r.journal.Pending("")
	if err != nil {
		r.t.Fatal(err)
	}
	return flows.WizardInput{App: app, Tenant: r.srv.Tenant().Domain(), Journal: pending,
		Now: time.Now(), DryRun: dryRun, Nonce: "n0nce"}
}

// headless drives the machine with the rig's runner. Wait effects are parked;
// while the machine verifies a write they fire at once (no real sleeping).
type headless struct {
	t      *testing.T
	rig    *simRig
	ctx    context.Context
	s      flows.State
	out    *flows.Outcome
	ran    []flows.Effect // every effect, in order
	waits  []flows.Wait
	before func(flows.Effect) // called before each effect runs (fault injection)
}

func (r *simRig) start(in flows.WizardInput) *headless {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	r.t.Cleanup(cancel)
	h := &headless{t: r.t, rig: r, ctx: ctx}
	s, effs := flows.Start(in)
	h.s = s
	h.run(effs)
	return h
}

// send feeds one event (an answer) and runs everything that follows.
func (h *headless) send(ev flows.Event) {
	h.t.Helper()
	s, effs := flows.Next(h.s, ev)
	h.s = s
	h.run(effs)
}

func (h *headless) choose(key flows.OptionKey) {
	h.t.Helper()
	if !h.offered(key) {
		h.t.Fatalf("step %s does not offer %q: %+v", h.s.Step, key, h.s.Prompt.Options)
	}
	h.send(flows.Chose{Key: key})
}

func (h *headless) offered(key flows.OptionKey) bool {
	for _, o := range h.s.Prompt.Options {
		if o.Key == key && !o.Disabled {
			return true
		}
	}
	return false
}

func (h *headless) run(queue []flows.Effect) {
	h.t.Helper()
	for n := 0; ; n++ {
		if n > 500 {
			h.t.Fatalf("effect loop at step %s", h.s.Step)
		}
		if len(queue) == 0 {
			// Verification re-reads after a Wait: fire it at once.
			if len(h.waits) > 0 && (h.s.Step == flows.StepVerifying || h.s.Step == flows.StepRestoreVerifying) {
				w := h.waits[len(h.waits)-1]
				h.waits = nil
				queue = h.next(flows.Tick{Seq: w.Seq, Now: time.Now()})
				continue
			}
			return
		}
		e := queue[0]
		queue = queue[1:]
		h.ran = append(h.ran, e)
		if h.before != nil {
			h.before(e)
		}
		var ev flows.Event
		switch e := e.(type) {
		case flows.Finish:
			o := e.Outcome
			h.out = &o
			continue
		case flows.Wait:
			h.waits = append(h.waits, e)
			continue
		case flows.SignIn:
			ps, err := h.rig.runner.StartSignIn(h.ctx, e)
			if err != nil {
				ev = flows.SignedIn{Err: err}
			} else {
				ev = ps.Wait(h.ctx) // the sim approves device codes itself
			}
		default:
			ev = h.rig.runner.Run(h.ctx, e)
		}
		if ev != nil {
			queue = append(queue, h.next(ev)...)
		}
	}
}

func (h *headless) next(ev flows.Event) []flows.Effect {
	s, effs := flows.Next(h.s, ev)
	h.s = s
	return effs
}

// poll fires the parked Wait (the next poll).
func (h *headless) poll() {
	h.t.Helper()
	if len(h.waits) == 0 {
		h.t.Fatalf("no wait pending at step %s", h.s.Step)
	}
	w := h.waits[len(h.waits)-1]
	h.waits = nil
	h.send(flows.Tick{Seq: w.Seq, Now: time.Now()})
}

func (h *headless) requireStep(want flows.StepID) {
	h.t.Helper()
	if h.s.Step != want {
		msg := ""
		if h.s.Failure != nil {
			msg = h.s.Failure.Title + ": " + h.s.Failure.Reason
		}
		h.t.Fatalf("step = %s, want %s (%s) %s", h.s.Step, want, h.s.Prompt.Title, msg)
	}
}

// writes are the write effects the machine emitted.
func (h *headless) writes() []flows.Effect {
	var out []flows.Effect
	for _, e := range h.ran {
		if _, ok := e.(flows.WriteEffect); ok {
			out = append(out, e)
		}
	}
	return out
}

// toPreview drives a fresh run to the preview of fix.
func (h *headless) toPreview(fix flows.FixID) {
	h.t.Helper()
	h.requireStep(flows.StepChooseFix)
	h.choose(flows.FixKey(fix))
	if fix == flows.FixRequestWorkflow {
		h.requireStep(flows.StepReviewers)
		h.choose("me")
		h.choose("continue")
		h.requireStep(flows.StepWorkflowOptions)
		h.choose("continue")
	}
	h.requireStep(flows.StepPreview)
}

func (h *headless) pending() []flows.JournalEntry {
	h.t.Helper()
	p, err := h.rig.journal.Pending("")
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func equalStrings(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func joinPolicies(p []string) string { return "[" + strings.Join(p, ", ") + "]" }
