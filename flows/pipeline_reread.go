package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// The pipeline's part that keeps the writes on the tenant as it is now, not
// as it was read before (docs/safety.md, "Only what consentwiz made"):
//
//   - A fix whose writes depend on the app's objects (grant-direct: its
//     service principal, grants and app role assignments) reads them again
//     right before its preview, so that the preview says what is there now —
//     a user's consent or another admin may have added the app since the
//     checklist was read.
//   - A create that Microsoft Graph refused made nothing. Only a create whose
//     answer was lost (WriteDone.Lost) may have made its object, and only
//     that one is looked for by what it is; a refused one is never counted
//     as consentwiz's, and no undo or restore removes it. The journal is
//     told first (the object goes back to "not sent"), so that not even a
//     crash right after the refusal makes a restore take someone else's
//     object for consentwiz's.
//   - When the refusal says the object exists already (someone made it
//     meanwhile), the app is read again: when what is left to do is what the
//     admin confirmed, the plan goes on with the existing object, which stays
//     someone else's; otherwise the fix stops, says so, and undoes only what
//     consentwiz made.

// refusal is a create of the plan that Microsoft Graph refused.
type refusal struct {
	write  Effect // the refused create, as it was sent
	err    error
	saving bool // the journal entry is being saved without it
	tries  int  // reads of the app that did not show the existing object yet
}

// --- the read before the preview --------------------------------------------

// readApp reads the app's objects and the diagnosis again, then builds the
// plan from them (a fix's begin; its objectPlan builds the writes).
func readApp(s State) (State, []Effect) {
	s.Step = StepReadingApp
	return s, []Effect{diagnoseEffect(s)}
}

func readingApp(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SnapshotLoaded:
		if e.Err != nil || e.Snap == nil {
			f := readFailure("Could not read "+appName(s)+" in the tenant", e.Err)
			f.Remedy = "Nothing was changed. " + f.Remedy
			f.retry, f.retryStep = diagnoseEffect(s), StepReadingApp
			return fail(s, f)
		}
		s = withRead(s, e)
		plan, f := s.fix().objectPlan(s)
		if f != nil {
			return fail(s, *f)
		}
		s.Run.Writes.Plan = plan
		s.Step = StepPreview
	case Back:
		return backToChecklist(s)
	}
	return s, nil
}

// withRead keeps a fresh read of the tenant: the snapshot, and the diagnosis
// when it came with one (the checklist shows it from then on).
func withRead(s State, e SnapshotLoaded) State {
	s.Snap = e.Snap
	if e.Diagnosis != nil {
		d := *e.Diagnosis
		d.Tenant = s.Tenant.over(d.Tenant)
		s.Diagnosis = &d
		s.staleDiag = false
	}
	return s
}

// --- a refused create -----------------------------------------------------------

// createRefused reports whether ev answers the create e with a definite
// refusal: the service's answer (or a failure before the request went out),
// not a lost one. Such a create made nothing.
func createRefused(e Effect, ev WriteDone) bool {
	if ev.Err == nil || ev.Lost {
		return false
	}
	o, ok := objectFor(e)
	return ok && o.Kind != ObjectGrantScope
}

// refused takes a create that made nothing out of what this run may have
// made: it counts as not sent (an undo does not look for it), and the journal
// entry says so before anything else happens.
func refused(s State, cur Effect, err error) (State, []Effect) {
	w := &s.Run.Writes
	w.sent, w.journaled = w.Done, w.Done
	w.refused = &refusal{write: cur, err: err, saving: true}
	if w.Journal == nil {
		return afterRefusal(s, nil)
	}
	j := *w.Journal
	j.Objects = clone(j.Objects)
	if k := journalObjectIndex(s, w.Done); k >= 0 && k < len(j.Objects) {
		j.Objects[k].Planned = true
	}
	w.Journal = &j
	s.Step = StepJournaling
	return s, []Effect{WriteJournal{Entry: j}}
}

// afterRefusal goes on once the journal says the refused create made
// nothing: try again later (a 429), read the app again (it exists already,
// and the fix can go on with it), or stop and undo what this run made.
func afterRefusal(s State, jerr error) (State, []Effect) {
	w := &s.Run.Writes
	// The refusal is copied before it changes: the state Next was given
	// keeps its own (machine.go, own).
	rf := *w.refused
	rf.saving = false
	w.refused = &rf
	if s.CancelAsked {
		w.refused = nil
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	f := writeFailure(s, rf.write, rf.err)
	switch {
	case jerr != nil:
		f.Remedy = strings.TrimSpace(f.Remedy + " (The journal could not be updated either: " + jerr.Error() + ".)")
	case entra.IsThrottled(rf.err):
		// A 429 was not processed: trying again marks the create sent
		// in the journal again, then sends it.
		w.refused = nil
		f.retryPlan = true
		f.canUndo = w.Done > 0
		return fail(s, f)
	case entra.IsAlreadyExists(rf.err) && s.fix().objectPlan != nil:
		s.Step = StepWriting
		return s, []Effect{diagnoseEffect(s)}
	case entra.IsAlreadyExists(rf.err):
		f = existsFailure(s, "")
	}
	w.refused = nil
	return startUndo(s, undoFail, &f)
}

// rereading takes the read of the app after a create was refused because its
// object exists already.
func rereading(s State, ev Event) (State, []Effect) {
	w := &s.Run.Writes
	rf := *w.refused
	w.refused = &rf
	var e SnapshotLoaded
	switch ev := ev.(type) {
	case Tick:
		if ev.Seq != s.PollSeq {
			return s, nil
		}
		return s, []Effect{diagnoseEffect(s)}
	case SnapshotLoaded:
		e = ev
	default:
		return s, nil
	}
	if s.CancelAsked {
		w.refused = nil
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if e.Err != nil || e.Snap == nil {
		f := existsFailure(s, " consentwiz could not read the app again to go on with it ("+errText(e.Err)+").")
		w.refused = nil
		return startUndo(s, undoFail, &f)
	}
	s = withRead(s, e)
	fresh, _ := s.fix().objectPlan(s)
	done, rest := w.Plan[:w.Done], w.Plan[w.Done+1:]
	var next []Effect
	for _, x := range fresh {
		switch {
		case hasWrite(done, x):
			// This run made it; the read does not show it yet.
		case sameWrite(x, rf.write):
			// Graph said it exists but does not show it yet (docs/entra.md A5).
			if rf.tries++; rf.tries < MaxVerifyTries {
				s.PollSeq++
				return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
			}
			f := existsFailure(s, " Microsoft Graph does not show it yet, so consentwiz cannot go on with it.")
			w.refused = nil
			return startUndo(s, undoFail, &f)
		case hasWrite(rest, x):
			next = append(next, x)
		default:
			// The app changed in another way too: going on would write what
			// the admin did not see in the preview.
			d := describe(s, bind(s, x))
			f := existsFailure(s, " "+appName(s)+" changed in other ways too since the preview (it would now take "+d.Label+": "+d.Before+" → "+d.After+", which the preview did not show), so consentwiz does not go on.")
			w.refused = nil
			return startUndo(s, undoFail, &f)
		}
	}
	// What the admin confirmed that someone else made meanwhile too is named
	// with the refused object.
	var there []string
	for _, x := range rest {
		if !hasWrite(next, x) {
			there = append(there, describe(s, bind(s, x)).Label)
		}
	}
	return goOnWith(s, next, there)
}

// goOnWith replaces what is left of the plan with next (the writes the admin
// confirmed that are still needed), keeps the journal entry in step with it,
// and goes on. The refused object stays someone else's: it is named in the
// summary, never in the journal.
func goOnWith(s State, next []Effect, there []string) (State, []Effect) {
	w := &s.Run.Writes
	w.others = append(append(clone(w.others), describe(s, w.refused.write).Label), there...)
	w.refused = nil
	if w.Journal != nil {
		j := *w.Journal
		n := journalObjectIndex(s, w.Done-1) + 1
		objs := clone(j.Objects[:min(max(n, 0), len(j.Objects))])
		for _, e := range next {
			if o, ok := objectFor(e); ok {
				o.Label = describe(s, bind(s, e)).Label
				o.Planned = true
				objs = append(objs, o)
			}
		}
		j.Objects = objs
		w.Journal = &j
	}
	w.Plan = append(clone(w.Plan[:w.Done]), next...)
	return runPlan(s)
}

// existsFailure says that the refused create's object exists already,
// someone else's, and why the fix stops.
func existsFailure(s State, why string) Failure {
	rf := s.Run.Writes.refused
	label := describe(s, rf.write).Label
	return Failure{
		Title: "Someone else made it meanwhile: " + label,
		Reason: "Microsoft Graph refused to create it because it exists already (" + errText(rf.err) + "): another admin, or a user's consent, made it after consentwiz read the tenant." +
			" It is not consentwiz's, so consentwiz leaves it as it is." + why,
		Remedy: "Check the tenant again and choose a fix from what it shows now.",
	}
}

// othersNote names what someone else had made meanwhile, which the fix used
// as it was (the verified summary).
func othersNote(s State) string {
	if s.Run == nil || len(s.Run.Writes.others) == 0 {
		return ""
	}
	o := s.Run.Writes.others
	return " Someone else had meanwhile made " + joinAnd(o) + "; consentwiz used " + iff(len(o) == 1, "it as it was and did not change it.", "them as they were and did not change them.")
}

// hasWrite reports whether l holds a write that makes what x makes.
func hasWrite(l []Effect, x Effect) bool {
	for _, e := range l {
		if sameWrite(e, x) {
			return true
		}
	}
	return false
}

// sameWrite reports whether a and b make the same object: the same kind,
// for the same key (the service principal a grant or an assignment is for is
// left out: a plan names the one it creates before it exists).
func sameWrite(a, b Effect) bool {
	switch x := a.(type) {
	case CreateServicePrincipal:
		y, ok := b.(CreateServicePrincipal)
		return ok && strings.EqualFold(x.AppID, y.AppID)
	case CreateGrant:
		y, ok := b.(CreateGrant)
		return ok && strings.EqualFold(x.Grant.ResourceID, y.Grant.ResourceID) && strings.EqualFold(x.Grant.ConsentType, y.Grant.ConsentType) &&
			strings.EqualFold(x.Grant.PrincipalID, y.Grant.PrincipalID) && sameScopes(x.Grant.Scope, y.Grant.Scope)
	case UpdateGrantScope:
		y, ok := b.(UpdateGrantScope)
		return ok && strings.EqualFold(x.GrantID, y.GrantID) && sameScopes(x.Scope, y.Scope) && sameScopes(x.Before, y.Before)
	case CreateAppRoleAssignment:
		y, ok := b.(CreateAppRoleAssignment)
		return ok && strings.EqualFold(x.Assignment.ResourceID, y.Assignment.ResourceID) && strings.EqualFold(x.Assignment.AppRoleID, y.Assignment.AppRoleID)
	case CreateClassification:
		y, ok := b.(CreateClassification)
		return ok && strings.EqualFold(x.ResourceID, y.ResourceID) && strings.EqualFold(x.Classification.PermissionID, y.Classification.PermissionID)
	case AssignPrincipal:
		y, ok := b.(AssignPrincipal)
		return ok && strings.EqualFold(x.Assignment.PrincipalID, y.Assignment.PrincipalID) && strings.EqualFold(x.Assignment.AppRoleID, y.Assignment.AppRoleID)
	}
	return false
}
