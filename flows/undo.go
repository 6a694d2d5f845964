package flows

import "strings"

// Undo: after a cancel or a failure, put back what this fix run wrote. All of
// it goes through the restore sub-machine, which reads before it writes,
// never overwrites someone else's later change without asking, and reads
// back what it put back:
//   - the run's journal entry: its setting first (the newest write), then
//     the objects the run created (deleted, found by id or, when an answer
//     was lost, by what they are) and the grants it changed;
//   - for a permanent request workflow, whose change is not journaled, the
//     original policy kept in memory (an entry that is never saved).

// undoRun is a fix run's undo in progress: why it was started, and what it
// has still to put back after the run's journal entry.
type undoRun struct {
	why     undoFor
	failure *Failure // the failure to end with once undone (undoFail, undoQuit)
	// errs say what went wrong on the way; the outcome says them instead of
	// "everything was put back".
	errs []string
	mem  *JournalEntry // a permanent request workflow's original policy, still to put back
}

// undoFor says how an undo ends.
type undoFor int

const (
	undoCancel undoFor = iota
	undoFail
	undoQuit // the admin stopped at a failure: end with it once undone
)

// startUndo undoes what this fix wrote. why says where it ends: Finish
// cancelled, or the failure f.
func startUndo(s State, why undoFor, f *Failure) (State, []Effect) {
	r := s.Run
	r.undo.why, r.undo.failure = why, f
	r.undo.mem = memUndoEntry(s)
	s.PollSeq++
	r.Poll.InFlight = false
	s = closeWindow(s)
	return continueUndo(s)
}

// continueUndo starts the next part of the undo, or ends it.
func continueUndo(s State) (State, []Effect) {
	r := s.Run
	switch {
	case r.Writes.Journal != nil:
		j := *r.Writes.Journal
		r.Writes.Journal = nil
		j.Objects = sentObjects(s, j.Objects)
		s.Restore = &RestoreRun{Entry: &j, then: afterRestoreUndo, skipSetting: j.HasSetting() && !r.Writes.settingSent}
		if (!j.HasSetting() || !r.Writes.settingSent) && !j.HasObjects() {
			s.Restore.clearWhy = clearNotWritten
		}
		return restoreRead(s)
	case r.undo.mem != nil:
		j := r.undo.mem
		r.undo.mem = nil
		s.Restore = &RestoreRun{Entry: j, then: afterRestoreUndo, mem: true}
		return restoreRead(s)
	}
	return finishUndo(s)
}

// memUndoEntry is the undo of a permanent request workflow's PUT, as an entry
// that is never saved: the restore reads the policy, puts the original back
// only if it still reads what consentwiz set, and asks otherwise.
func memUndoEntry(s State) *JournalEntry {
	r := s.Run
	if r.Workflow.Temporary || r.Workflow.Original == nil || !r.Writes.settingSent {
		return nil
	}
	for _, e := range r.Writes.Plan {
		if w, ok := e.(PutConsentRequestPolicy); ok {
			orig, set := cloneRequestPolicy(*r.Workflow.Original), cloneRequestPolicy(w.Policy)
			return &JournalEntry{ID: "memory", TenantID: w.Tenant.ID, Cloud: w.Tenant.Cloud, Fix: r.Fix, AppID: s.App.ClientID,
				What: JournalWhatRequestPolicy, OriginalRequestPolicy: &orig, SetRequestPolicy: &set, At: s.Now, By: s.SignedIn}
		}
	}
	return nil
}

func finishUndo(s State) (State, []Effect) {
	r := s.Run
	r.Writes.Plan, r.Writes.Done, r.Writes.Created, r.Writes.journaled, r.Writes.sent = nil, 0, nil, 0, 0
	r.Writes.Journal, r.Writes.settingSent = nil, false
	notes := strings.Join(r.undo.errs, " ")
	back := "Everything consentwiz changed was put back."
	switch {
	case r.Writes.journalKept:
		back = "A change is still in place: its original stays in the journal for `consentwiz restore`."
	case r.Writes.keptOther:
		back = "Where someone else had changed a setting since, it was kept as they set it; everything else consentwiz changed was put back."
	}
	if r.undo.why == undoCancel {
		sum := "Stopped. " + back
		switch {
		case notes != "":
			sum = "Stopped. " + notes
		case !r.Writes.journalKept && !r.Writes.keptOther:
			// What stays (an earlier fix's change, a user's consent) and
			// what was put back, each as it is.
			sum = stoppedSummary(s.Changes)
		}
		return finish(s, Outcome{Kind: OutcomeCancelled, Summary: sum, JournalKept: r.Writes.journalKept})
	}
	f := Failure{Title: "The fix did not complete", Outcome: OutcomeFailed}
	if r.undo.failure != nil {
		f = *r.undo.failure
	}
	// What was written is undone: there is nothing to check, undo or retry.
	f.canUndo, f.canVerify, f.retry = false, false, nil
	f.journalKept = r.Writes.journalKept
	if f.Outcome != OutcomeNotApplied {
		if notes != "" {
			f.Remedy = strings.TrimSpace(f.Remedy + " " + notes)
		} else if len(s.Changes) > 0 {
			f.Remedy = strings.TrimSpace(f.Remedy + " " + back)
		}
	}
	if r.undo.why == undoQuit {
		s.Failure = &f
		return finishFailure(s)
	}
	return fail(s, f)
}

// describeUndo names an undo effect for the change log.
func describeUndo(e Effect) Diff {
	switch u := e.(type) {
	case DeleteObject:
		return Diff{Label: u.Object.Label, Before: "created", After: "deleted"}
	case UpdateGrantScope:
		return Diff{Label: "Admin consent scopes", Before: u.Before, After: u.Scope}
	case PutConsentRequestPolicy:
		return Diff{Label: "Admin consent requests", Before: "changed", After: onOff(u.Policy.IsEnabled)}
	}
	return Diff{Label: "change"}
}
