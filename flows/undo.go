package flows

import "strings"

// Undo: after a cancel or a failure, put back what this fix run wrote — the
// journaled setting first (through the restore sub-machine), then the other
// writes in reverse order.

// startUndo undoes what this fix wrote. why says where it ends: Finish
// cancelled, or the failure f.
func startUndo(s State, why undoFor, f *Failure) (State, []Effect) {
	r := s.Run
	r.undoWhy, r.undoFailure = why, f
	r.Undo = buildUndo(s)
	s.PollSeq++
	r.PollInFlight = false
	if r.Journal != nil {
		j := *r.Journal
		s.Restore = &RestoreRun{Entry: &j, then: afterRestoreUndo}
		return restoreRead(s)
	}
	return continueUndo(s)
}

// startUndoClearing is startUndo when the journal entry j was (maybe) written but the
// setting was not changed: the entry is removed instead of restored.
func startUndoClearing(s State, why undoFor, f *Failure, j *JournalEntry) (State, []Effect) {
	if j == nil {
		return startUndo(s, why, f)
	}
	r := s.Run
	r.Journal = nil
	r.undoWhy, r.undoFailure = why, f
	r.Undo = buildUndo(s)
	s.PollSeq++
	r.PollInFlight = false
	jj := *j
	s.Restore = &RestoreRun{Entry: &jj, then: afterRestoreUndo}
	return restoreClear(s)
}

// buildUndo lists the undo of every write done, last first.
func buildUndo(s State) []Effect {
	r := s.Run
	var out []Effect
	for i := r.Done - 1; i >= 0 && i < len(r.Plan); i-- {
		switch p := bind(s, r.Plan[i]).(type) {
		case UpdateGrantScope:
			out = append(out, UpdateGrantScope{Tenant: p.Tenant, GrantID: p.GrantID, Scope: p.Before, Before: p.Scope})
		case PutConsentRequestPolicy:
			if r.Journal != nil && r.Journal.IsRequestPolicy() {
				// Journaled (temporary): the restore sub-machine puts it back.
				continue
			}
			if r.OriginalRequestPolicy != nil {
				out = append(out, PutConsentRequestPolicy{Tenant: p.Tenant, Policy: *r.OriginalRequestPolicy})
			}
		case CreateServicePrincipal, CreateGrant, CreateAppRoleAssignment, CreateClassification, AssignPrincipal:
			for _, c := range r.Created {
				if c.step == i && c.ID != "" {
					out = append(out, DeleteObject{Tenant: p.(TenantEffect).Target(), Object: c})
				}
			}
		}
	}
	return out
}

func continueUndo(s State) (State, []Effect) {
	if len(s.Run.Undo) > 0 {
		s.Step = StepUndoing
		return s, []Effect{s.Run.Undo[0]}
	}
	return finishUndo(s)
}

func undoing(s State, ev Event) (State, []Effect) {
	r := s.Run
	e, ok := ev.(WriteDone)
	if !ok || len(r.Undo) == 0 {
		return s, nil
	}
	cur := r.Undo[0]
	if w := cur.(WriteEffect); e.Op != "" && e.Op != w.Op() {
		return s, nil
	}
	c := describeUndo(cur)
	if e.Err != nil {
		r.undoErrs = append(clone(r.undoErrs), "Could not undo \""+c.Label+"\": "+e.Err.Error()+". Undo it by hand in the Entra admin center.")
	} else {
		s = addChange(s, Change{What: "Undone: " + c.Label, Before: c.Before, After: c.After, At: s.Now})
	}
	r.Undo = r.Undo[1:]
	return continueUndo(s)
}

func finishUndo(s State) (State, []Effect) {
	r := s.Run
	r.Plan, r.Done, r.Created, r.Undo = nil, 0, nil, nil
	r.Journal = nil
	notes := strings.Join(r.undoErrs, " ")
	if r.undoWhy == undoCancel {
		sum := "Stopped. Everything consentwiz changed was put back."
		if notes != "" {
			sum = "Stopped. " + notes
		}
		return finish(s, Outcome{Kind: OutcomeCancelled, Summary: sum, JournalKept: r.journalKept})
	}
	f := Failure{Title: "The fix did not complete", Outcome: OutcomeFailed}
	if r.undoFailure != nil {
		f = *r.undoFailure
	}
	// What was written is undone: there is nothing to check, undo or retry.
	f.canUndo, f.canVerify, f.retry = false, false, nil
	if f.Outcome != OutcomeNotApplied {
		if notes != "" {
			f.Remedy = strings.TrimSpace(f.Remedy + " " + notes)
		} else if len(s.Changes) > 0 {
			f.Remedy = strings.TrimSpace(f.Remedy + " What was changed has been put back.")
		}
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
