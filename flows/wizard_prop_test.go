package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The property test explores the wizard breadth-first from several starts, feeding
// every user answer and every I/O result (success and failure), and checks at each
// reachable state that:
//   - Cancel leads to Finish (answering in-flight and undo effects), and when the
//     fix had written to the tenant, the tenant is back as it was;
//   - Back moves exactly when the prompt offers it;
//   - the state does not dead-end: it waits for I/O or offers an answer;
//   - reaching StepDone always comes with a Finish effect.

type wzNode struct {
	s       State
	ft      *wzFakeTenant
	pending []Effect
	path    []string
	orig    *wzFakeTenant // the tenant before anything was written (default: the start's)
}

// wzStarts are the explorations' starting points: the whole journey from Start,
// and each fix from just after it was chosen (so the search depth goes into the fix).
func wzStarts(t *testing.T) map[string]wzNode {
	starts := map[string]wzNode{}
	fromStart := func(in WizardInput, ft *wzFakeTenant) wzNode {
		s, effs := Start(in)
		return wzNode{s: s, ft: ft, pending: effs}
	}
	atFix := func(in WizardInput, ft *wzFakeTenant, fix FixID) wzNode {
		w := wzNewWiz(t, in, ft)
		w.toChooseFix()
		w.send(Chose{Key: FixKey(fix)})
		return wzNode{s: w.s, ft: ft, pending: w.last, path: []string{"chose " + string(fix)}}
	}
	in := wzTestInput()
	starts["journey"] = fromStart(in, wzGrantTenant())
	ask := wzTestInput()
	ask.App, ask.Tenant, ask.Profiles = AppRef{}, "", []AppRef{wzTestApp()}
	starts["ask-app"] = fromStart(ask, wzGrantTenant())
	j := wzRelaxJournal()
	for _, cur := range [][]string{j.Set, j.Original, {wzTLow}} {
		jin := wzTestInput()
		jin.Journal = []JournalEntry{j}
		ft := wzGrantTenant()
		ft.policy = clone(cur)
		ft.journal[j.ID] = j
		starts["journal "+strings.Join(cur, ",")] = fromStart(jin, ft)
	}
	for _, fix := range AllFixes {
		starts[string(fix)] = atFix(wzTestInput(), wzGrantTenant(), fix)
		dry := wzTestInput()
		dry.DryRun = true
		starts["dry-run "+string(fix)] = atFix(dry, wzGrantTenant(), fix)
	}
	demo := wzTestInput()
	demo.Demo = true
	ft := wzGrantTenant()
	ft.userConsents = true
	starts["demo relax"] = atFix(demo, ft, FixRelaxUserConsent)
	ft = wzGrantTenant()
	ft.addRequest()
	starts["pending request"] = atFix(wzTestInput(), ft, FixRequestWorkflow)
	ft = wzGrantTenant()
	worig := ft.clone()
	w := wzNewWiz(t, wzTestInput(), ft)
	walkToPreview(t, w, FixRequestWorkflow)
	w.confirm()
	w.answerOnly()
	w.answerOnly()
	w.expect(StepRequestWait, Wait{D: PollRequestsEvery, Seq: w.s.PollSeq})
	ft.addRequest()
	rft := wzGrantTenant()
	rorig := rft.clone()
	rw := wzNewWiz(t, wzTestInput(), rft)
	wzRelaxToPreview(t, rw)
	rw.confirm()
	rw.answerOnly()
	rw.answerOnly()
	rw.answerOnly()
	rw.expect(StepRelaxConnect, Wait{D: PollGrantEvery, Seq: rw.s.PollSeq})
	starts["relax connect"] = wzNode{s: rw.s, ft: rft, pending: rw.last, path: []string{"relaxed"}, orig: rorig}
	starts["request wait"] = wzNode{s: w.s, ft: ft, pending: w.last, path: []string{"workflow enabled"}, orig: worig}
	tft := wzGrantTenant()
	torig := tft.clone()
	tw := wzNewWiz(t, wzTestInput(), tft)
	wzTemporaryToWait(t, tw)
	tft.addRequest()
	starts["request wait temporary"] = wzNode{s: tw.s, ft: tft, pending: tw.last, path: []string{"workflow enabled temporarily"}, orig: torig}
	return starts
}

func wzUserEvents(s State) []Event {
	var evs []Event
	for _, o := range s.Prompt.Options {
		if !o.Disabled {
			evs = append(evs, Chose{Key: o.Key})
		}
	}
	evs = append(evs, Confirmed{}, Back{}, DoneKey{})
	switch s.Step {
	case StepAppInput:
		evs = append(evs, Entered{Text: wzTAppID}, Entered{Text: "nonsense"})
	case StepTenantInput:
		evs = append(evs, Entered{Text: wzTDomain}, Entered{Text: ""})
	case StepReviewerSearch:
		evs = append(evs, Entered{Text: "IT"})
	case StepWorkflowDuration:
		evs = append(evs, Entered{Text: "7"}, Entered{Text: "0"})
	}
	return evs
}

// wzFailures are failing answers to an effect.
func wzFailures(e Effect) []Event {
	switch w := e.(type) {
	case WriteEffect:
		return []Event{WriteDone{Op: w.Op(), Err: wzErr403}, WriteDone{Op: w.Op(), Err: wzErr429}}
	case SignIn:
		return []Event{SignedIn{Err: wzErr500}}
	case ReadAuthorizationPolicy:
		return []Event{PolicyRead{Err: wzErr403}}
	case ReadConsentRequestPolicy:
		return []Event{ConsentPolicyRead{Err: wzErr403}}
	case FetchSnapshot:
		return []Event{SnapshotLoaded{Err: wzErr429}}
	case ResolveTenant:
		return []Event{TenantResolved{Err: wzErr500}}
	case WriteJournal:
		return []Event{JournalWritten{Err: wzErr500}}
	}
	return nil
}

func wzKey(n wzNode) string {
	var types []string
	for _, e := range n.pending {
		types = append(types, fmt.Sprintf("%T", e))
	}
	s := n.s
	var r FixRun
	if s.Run != nil {
		r = *s.Run
	}
	return fmt.Sprintf("%s|%s|%d|%d|%v|%v|%s|%v|%v|%v|%d|%v|%d|%v", s.Step, r.Fix, r.Done, len(r.Undo), r.Journal != nil, r.committed,
		s.Prompt.Title, optionKeys(s.Prompt), types, n.ft.policy, len(r.Reviewers), s.CancelAsked, len(s.Changes), s.Failure != nil)
}

func TestWizardPropertyCancelBackNoDeadEnd(t *testing.T) {
	const maxNodes = 4000
	for name, start := range wzStarts(t) {
		t.Run(name, func(t *testing.T) {
			pristine := start.ft.clone()
			if start.orig != nil {
				pristine = start.orig
			}
			queue := []wzNode{start}
			seen := map[string]bool{}
			visited := 0
			steps := map[StepID]bool{}
			for len(queue) > 0 && visited < maxNodes {
				n := queue[0]
				queue = queue[1:]
				k := wzKey(n)
				if seen[k] {
					continue
				}
				seen[k] = true
				visited++
				steps[n.s.Step] = true
				if n.s.Step == StepDone {
					continue
				}
				wzCheckNode(t, n, pristine)
				if t.Failed() {
					return
				}
				next := func(ev Event, rest []Effect, label string) {
					ft := n.ft.clone()
					s2, effs := Next(n.s, ev)
					if s2.Step == StepDone && n.s.Step != StepDone {
						found := false
						for _, e := range effs {
							if _, ok := e.(Finish); ok {
								found = true
							}
						}
						if !found {
							t.Errorf("%s: reached done without Finish via %s", strings.Join(n.path, " → "), label)
						}
					}
					p := append(clone(n.path), label)
					queue = append(queue, wzNode{s: s2, ft: ft, pending: append(clone(rest), effs...), path: p})
				}
				for i, e := range n.pending {
					if _, ok := e.(Finish); ok {
						continue
					}
					rest := append(clone(n.pending[:i]), n.pending[i+1:]...)
					ft := n.ft.clone()
					ev, _ := ft.respond(e)
					s2, effs := Next(n.s, ev)
					queue = append(queue, wzNode{s: s2, ft: ft, pending: append(clone(rest), effs...), path: append(clone(n.path), fmt.Sprintf("%T ok", e))})
					for _, fev := range wzFailures(e) {
						next(fev, rest, fmt.Sprintf("%T fails", e))
					}
				}
				for _, ev := range wzUserEvents(n.s) {
					next(ev, n.pending, fmt.Sprintf("%T%v", ev, ev))
				}
			}
			var missed []string
			for st := StepID(0); st < stepEnd; st++ {
				if !steps[st] {
					missed = append(missed, st.String())
				}
			}
			t.Logf("%s: %d states checked; steps not reached: %v", name, visited, missed)
			if visited < 10 {
				t.Fatalf("explored only %d states", visited)
			}
		})
	}
}

func wzCheckNode(t *testing.T, n wzNode, pristine *wzFakeTenant) {
	t.Helper()
	where := func() string { return strings.Join(n.path, " → ") + " @ " + n.s.Step.String() }
	p := n.s.Prompt
	if p.Title == "" {
		t.Errorf("%s: empty prompt title", where())
	}
	// No dead end.
	offers := p.Kind == PromptInput || p.Kind == PromptConfirm || p.CanDone
	for _, o := range p.Options {
		if !o.Disabled {
			offers = true
		}
	}
	if len(n.pending) == 0 && !offers {
		t.Errorf("%s: dead end: nothing in flight and nothing to answer (prompt %+v)", where(), p)
	}
	// Back moves exactly when offered.
	sb, _ := Next(n.s, Back{})
	if p.CanBack && sb.Step == n.s.Step {
		t.Errorf("%s: CanBack but Back stays", where())
	}
	if !p.CanBack && sb.Step != n.s.Step {
		t.Errorf("%s: Back moved to %s though not offered", where(), sb.Step)
	}
	// Cancel leads to Finish; what was written is undone.
	ft := n.ft.clone()
	w := &wzRun{t: t, s: n.s, ft: ft}
	wrote := n.s.written() || n.s.Step == StepWriting || n.s.Step == StepJournaling
	w.send(Cancel{})
	w.last = append(clone(n.pending), w.last...)
	o, ok := w.drive(60)
	if !ok {
		t.Errorf("%s: Cancel did not lead to Finish (stuck at %s, prompt %q)", where(), w.s.Step, w.s.Prompt.Title)
		return
	}
	if wrote && !n.s.Run.committed {
		if !reflect.DeepEqual(ft.policy, pristine.policy) && !o.JournalKept {
			t.Errorf("%s: cancel left the policy at %v (was %v)", where(), ft.policy, pristine.policy)
		}
		if n.s.Run.Fix == FixGrantDirect && ft.sp != nil || len(ft.classes) != 0 || len(ft.roles) != 0 {
			t.Errorf("%s: cancel left created objects: sp %v classes %v roles %v", where(), ft.sp, ft.classes, ft.roles)
		}
		a, b := ft.reqPolicy, pristine.reqPolicy
		if a.Reviewers == nil {
			a.Reviewers = []entra.ReviewerScope{}
		}
		if b.Reviewers == nil {
			b.Reviewers = []entra.ReviewerScope{}
		}
		if !reflect.DeepEqual(a, b) && n.s.Run.Fix == FixRequestWorkflow {
			t.Errorf("%s: cancel left the request policy changed", where())
		}
	}
	if len(ft.journal) > 0 && !o.JournalKept {
		t.Errorf("%s: journal left %v but outcome says none: %+v", where(), ft.journal, o)
	}
}
