package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
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
	ft      *wzFakeTenant // never changed: a node that answers an effect answers with a clone
	pending []Effect
	orig    *wzFakeTenant // the tenant before anything was written (default: the start's)
	from    *wzEdge       // how the node was reached (nil for a start)
	path    []string      // how a start was reached
	// seen is the highest step number shown on the way to the node in its
	// journey: going forward again to a step already passed is no skip.
	seen int
}

// wzEdge is a transition still to explore: from parent, by ev (a user answer
// or a failed I/O result) or by the fake tenant's answer to eff, with the
// parent's other effects still in flight. It is computed only when the
// search reaches it.
type wzEdge struct {
	parent *wzNode
	ev     Event
	eff    Effect
	rest   []Effect
}

// compute runs the transition.
func (e *wzEdge) compute(t *testing.T) *wzNode {
	p := e.parent
	ft, ev := p.ft, e.ev
	if e.eff != nil {
		if ft.mutatedBy(e.eff) {
			ft = ft.clone()
		}
		ev, _ = ft.respond(e.eff)
		e.ev = ev
	}
	s, effs := Next(p.s, ev)
	n := &wzNode{s: s, ft: ft, pending: append(slices.Clip(e.rest), effs...), from: e}
	if s.Step == StepDone && p.s.Step != StepDone && !slices.ContainsFunc(effs, isFinish) {
		t.Errorf("%s: reached done without Finish", n.where())
	}
	switched := p.s.Helpdesk != s.Helpdesk
	wzCheckNumbering(t, n, p.s.Prompt, s.Prompt, e.eff != nil, switched, p.seen)
	wzCheckFollowOn(t, n, p.s, s, ev)
	n.seen = max(p.seen, s.Prompt.StepNo)
	if switched {
		n.seen = s.Prompt.StepNo
	}
	return n
}

// wzCheckNumbering: the step counter never skips a number, an I/O result
// never moves it backwards, and the total is given only once the path is
// known (ux review M3). A switch between the admin's journey and the
// helpdesk's (switched) numbers anew: the two have different steps. Going
// forward again to a step the path already showed (seen) is no skip.
func wzCheckNumbering(t *testing.T, n *wzNode, from, to Prompt, auto, switched bool, seen int) {
	t.Helper()
	if from.StepNo > 0 && to.StepNo > max(from.StepNo, seen)+1 && !switched {
		t.Errorf("%s: step %d (%s) jumped to %d (%s)", n.where(), from.StepNo, from.StepTitle, to.StepNo, to.StepTitle)
	}
	if auto && from.StepNo > 0 && to.StepNo > 0 && to.StepNo < from.StepNo && from.StepCount > 0 {
		t.Errorf("%s: step %d (%s) went back to %d (%s) by itself", n.where(), from.StepNo, from.StepTitle, to.StepNo, to.StepTitle)
	}
	if to.StepNo > 0 && to.StepCount > 0 && to.StepNo > to.StepCount {
		t.Errorf("%s: step %d of %d", n.where(), to.StepNo, to.StepCount)
	}
	if n.s.Run == nil && !n.s.Helpdesk && n.s.Step != StepHandoff && to.StepCount != 0 {
		t.Errorf("%s: a total (%d) before the path is known", n.where(), to.StepCount)
	}
}

// wzCheckFollowOn: a fix started from a later step than the checklist
// (relax-user-consent's "grant for everyone") continues the count: the
// step number goes on, and the total counts the steps already taken.
func wzCheckFollowOn(t *testing.T, n *wzNode, from, to State, ev Event) {
	t.Helper()
	c, ok := ev.(Chose)
	if !ok || from.Step == StepChooseFix || from.Prompt.StepNo == 0 || to.Prompt.StepNo == 0 || to.Run == nil || c.Key != FixKey(to.Run.Fix) {
		return
	}
	if to.Prompt.StepNo <= from.Prompt.StepNo || to.Prompt.StepCount <= from.Prompt.StepNo {
		t.Errorf("%s: starting %s from step %d of %d (%s) numbers it %d of %d (%s)", n.where(), to.Run.Fix,
			from.Prompt.StepNo, from.Prompt.StepCount, from.Prompt.StepTitle, to.Prompt.StepNo, to.Prompt.StepCount, to.Prompt.StepTitle)
	}
}

// where is the path to n, for a failure message.
func (n *wzNode) where() string {
	var labels []string
	for ; n != nil; n = n.from.parentOrNil() {
		switch e := n.from; {
		case e == nil:
			for i := len(n.path) - 1; i >= 0; i-- {
				labels = append(labels, n.path[i])
			}
		case e.eff != nil:
			labels = append(labels, fmt.Sprintf("%T answered", e.eff))
		default:
			labels = append(labels, fmt.Sprintf("%T%v", e.ev, e.ev))
		}
	}
	slices.Reverse(labels)
	return strings.Join(labels, " → ")
}

func (e *wzEdge) parentOrNil() *wzNode {
	if e == nil {
		return nil
	}
	return e.parent
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
	find := wzTestInput()
	find.App, find.Tenant, find.Profiles = AppRef{}, "", []AppRef{wzTestApp()}
	fs, _ := Start(find)
	fs, feffs := Next(fs, Chose{Key: KeyScan})
	starts["find blocked"] = wzNode{s: fs, ft: wzGrantTenant(), pending: feffs, path: []string{"chose scan"}}
	byName := wzTestInput()
	byName.App, byName.AppName = AppRef{}, "Calendar"
	starts["by name"] = fromStart(byName, wzGrantTenant())
	words := wzTestInput()
	words.App, words.Tenant, words.AppText = AppRef{}, "", "Need admin approval\nCalendar Sync needs permission to access resources in your organization that only an admin can grant."
	starts["screen words"] = fromStart(words, wzGrantTenant())
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
	rw.expect(StepRelaxConnect, Wait{D: 0, Seq: rw.s.PollSeq - 2}, Wait{D: DefaultRelaxWindow, Seq: rw.s.PollSeq - 1}, Wait{D: PollGrantEvery, Seq: rw.s.PollSeq})
	starts["relax connect"] = wzNode{s: rw.s, ft: rft, pending: rw.last, path: []string{"relaxed"}, orig: rorig}
	starts["request wait"] = wzNode{s: w.s, ft: ft, pending: w.last, path: []string{"workflow enabled"}, orig: worig}
	// After relaxing, someone connected: grant for everyone, or finish.
	// (What a cancel must leave is the tenant as it is then: the user's
	// consent made the app's service principal.)
	nft := wzNewTenant(FixRelaxUserConsent)
	nw := wzRelaxUserConnects(t, nft)
	starts["relax next"] = wzNode{s: nw.s, ft: nft, pending: nw.last, path: []string{"relaxed, a user connected"}, orig: nft.clone()}
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
	case StepAppSearch:
		evs = append(evs, Entered{Text: "Calendar"}, Entered{Text: "calendar sync"}, Entered{Text: "Nothing"}, Entered{Text: ""})
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
	case Scan:
		return []Event{Scanned{Err: wzErr500}, Scanned{Result: BuildScan(ScanInput{Tenant: wzTDomain, Now: wzTNow, Since: wzTNow.Add(-time.Hour),
			SignInsError: &entra.APIError{Status: 403, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant"}})}}
	case SearchApps:
		return []Event{AppsFound{Err: wzErr500}}
	case ReadUsers:
		return []Event{UsersRead{Err: wzErr403}}
	}
	return nil
}

// wzKey abstracts a node for the search: states with the same key are
// explored once.
func wzKey(n *wzNode) string {
	s := n.s
	var r FixRun
	if s.Run != nil {
		r = *s.Run
	}
	var b strings.Builder
	b.Grow(256)
	sep := func() { b.WriteByte('|') }
	b.WriteString(s.Step.String())
	sep()
	b.WriteString(string(r.Fix))
	sep()
	b.WriteString(strconv.Itoa(r.Writes.Done))
	sep()
	b.WriteString(strconv.Itoa(r.Writes.journaled))
	sep()
	if s.Restore != nil {
		b.WriteString(strconv.FormatBool(s.Restore.objPhase) + strconv.Itoa(len(s.Restore.objTodo)))
	}
	sep()
	b.WriteString(strconv.FormatBool(r.Writes.Journal != nil))
	sep()
	b.WriteString(strconv.FormatBool(r.Writes.committed))
	sep()
	b.WriteString(s.Prompt.Title)
	sep()
	for _, o := range s.Prompt.Options {
		b.WriteString(string(o.Key))
		b.WriteByte(' ')
	}
	sep()
	for _, e := range n.pending {
		b.WriteString(reflect.TypeOf(e).Name())
		b.WriteByte(' ')
	}
	sep()
	for _, p := range n.ft.policy {
		b.WriteString(p)
		b.WriteByte(' ')
	}
	sep()
	b.WriteString(strconv.Itoa(len(r.Workflow.Reviewers)))
	sep()
	b.WriteString(strconv.FormatBool(s.CancelAsked))
	sep()
	b.WriteString(strconv.Itoa(len(s.Changes)))
	sep()
	b.WriteString(strconv.FormatBool(s.Failure != nil))
	return b.String()
}

// TestWizardPropertyCancelBackNoDeadEnd explores up to maxNodes states from
// each start, breadth-first; the starts run in parallel.
func TestWizardPropertyCancelBackNoDeadEnd(t *testing.T) {
	const maxNodes = 4000
	for name, start := range wzStarts(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pristine := start.ft.clone()
			if start.orig != nil {
				pristine = start.orig
			}
			queue := []*wzEdge{nil} // nil: the start itself
			seen := make(map[string]bool, 2*maxNodes)
			visited := 0
			var steps [stepEnd]bool
			for head := 0; head < len(queue) && visited < maxNodes; head++ {
				n := &start
				if e := queue[head]; e != nil {
					n = e.compute(t)
				}
				queue[head] = nil
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
				// Every answer and every I/O result (success and failure) from
				// here, in order; each is computed when the search reaches it.
				for i, e := range n.pending {
					if isFinish(e) {
						continue
					}
					rest := slices.Concat(n.pending[:i], n.pending[i+1:])
					queue = append(queue, &wzEdge{parent: n, eff: e, rest: rest})
					for _, fev := range wzFailures(e) {
						queue = append(queue, &wzEdge{parent: n, ev: fev, rest: rest})
					}
				}
				for _, ev := range wzUserEvents(n.s) {
					queue = append(queue, &wzEdge{parent: n, ev: ev, rest: n.pending})
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

func isFinish(e Effect) bool {
	_, ok := e.(Finish)
	return ok
}

func wzCheckNode(t *testing.T, n *wzNode, pristine *wzFakeTenant) {
	t.Helper()
	where := func() string { return n.where() + " @ " + n.s.Step.String() }
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
	if wrote && !n.s.Run.Writes.committed {
		if !reflect.DeepEqual(ft.policy, pristine.policy) && !o.JournalKept {
			t.Errorf("%s: cancel left the policy at %v (was %v)", where(), ft.policy, pristine.policy)
		}
		// Objects may stay only with an entry that lists them, for `consentwiz restore`.
		// (A service principal there before, made by a user's consent, is not the fix's.)
		left := n.s.Run.Fix == FixGrantDirect && ft.sp != nil && pristine.sp == nil || len(ft.classes) != 0 || len(ft.roles) != 0
		listed := false
		for _, j := range ft.journal {
			listed = listed || j.HasObjects()
		}
		if left && !(o.JournalKept && listed) {
			t.Errorf("%s: cancel left created objects: sp %v classes %v roles %v (journal %v)", where(), ft.sp, ft.classes, ft.roles, ft.journal)
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
	// Interrupted (a signal, the end of the input) finishes with no answer
	// at all, and leaves the tenant as Cancel does, or a journal entry.
	ift := n.ft.clone()
	iw := &wzRun{t: t, s: n.s, ft: ift}
	iw.send(Interrupted{Why: "SIGTERM"})
	iw.last = append(clone(n.pending), iw.last...)
	io, ok := iw.drive(80)
	if !ok {
		t.Errorf("%s: Interrupted did not finish without answers (stuck at %s, prompt %q)", where(), iw.s.Step, iw.s.Prompt.Title)
		return
	}
	if wrote && !n.s.Run.Writes.committed && !reflect.DeepEqual(ift.policy, pristine.policy) && !io.JournalKept {
		t.Errorf("%s: Interrupted left the policy at %v", where(), ift.policy)
	}
	if len(ift.journal) > 0 && !io.JournalKept {
		t.Errorf("%s: Interrupted left a journal %v but says none: %+v", where(), ift.journal, io)
	}
}
