package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// Cancel, failures and what can still work.

// Failure explains why the wizard stopped and what may still work.
type Failure struct {
	Title  string
	Reason string
	// Remedy says what to do: the role or scope needed, or another fix.
	Remedy string
	// Role and Scope name what was missing for a 403, when known.
	Role  string
	Scope string
	// Retryable: a throttled (429) or transient error; Retry re-issues the failed effect.
	Retryable bool
	// AltFix is another fix that may still work.
	AltFix FixID
	// Outcome is the outcome kind when the wizard ends here (default OutcomeFailed).
	Outcome OutcomeKind

	retry       Effect // what "try again" sends
	retryStep   StepID // and where it waits for the answer
	retryPlan   bool   // "try again" goes on with the plan (a create refused with a 429: marked sent again first)
	canUndo     bool   // writes of this fix remain: offer undo / keep
	canVerify   bool   // offer "check again"
	journalKept bool   // a journal entry stays for `consentwiz restore` if the wizard ends here
	// clientConsent: consentwiz's own sign-in client has no consent in the
	// tenant (Outcome.ClientNotConsented).
	clientConsent bool
}

// --- cancel ---------------------------------------------------------------------------

// stoppedKept is the outcome of a cancel that leaves the saved setting in the journal.
func stoppedKept(s State) (State, []Effect) {
	return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped. The saved setting is still in the journal; run `consentwiz restore` to put it back.", JournalKept: true})
}

func cancel(s State) (State, []Effect) {
	startup := s.Restore != nil && s.Restore.then == afterRestoreContinue
	switch s.Step {
	case StepDemoUser:
		return finish(s, *s.Run.demoAfter)
	case StepRestoreOffer:
		return stoppedKept(s)
	case StepRestoreReading, StepRestoreConflict:
		if startup {
			return stoppedKept(s)
		}
		s.Run.undo.why = undoCancel
		if s.Step == StepRestoreConflict {
			return restoreLater(s)
		}
		s.CancelAsked = true
		return s, nil
	case StepRestoreWriting, StepRestoreVerifying, StepRestoreClearing:
		s.CancelAsked = true
		if s.Run != nil {
			s.Run.undo.why = undoCancel
		}
		return s, nil
	case StepWriting, StepJournaling:
		s.CancelAsked = true
		return s, nil
	case StepUndoing:
		s.Run.undo.why = undoCancel
		return s, nil
	case StepSigningIn:
		if s.restoring() {
			return stoppedKept(s)
		}
	}
	if s.Step == StepFailed && s.Failure != nil && (s.Failure.journalKept || !s.written()) {
		return finishFailure(s)
	}
	if s.written() {
		return startUndo(s, undoCancel, nil)
	}
	return finish(s, Outcome{Kind: OutcomeCancelled, Summary: stoppedSummary(s.Changes)})
}

func finishFailure(s State) (State, []Effect) {
	f := s.Failure
	return finish(s, Outcome{Kind: f.Outcome, Summary: f.Title, Err: strings.TrimSpace(f.Reason + " " + f.Remedy), JournalKept: f.journalKept,
		ClientNotConsented: f.clientConsent})
}

// --- failed ------------------------------------------------------------------------------

func failed(s State, ev Event) (State, []Effect) {
	f := s.Failure
	if f == nil {
		return s, nil
	}
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyHandoff:
			if canHandoff(s) && s.Diagnosis == nil {
				return showHandoff(s)
			}
		case KeyRetry:
			if !f.Retryable || f.retry == nil && !f.retryPlan {
				return s, nil
			}
			if f.retryPlan {
				s.Failure = nil
				return runPlan(s)
			}
			s.Step = f.retryStep
			s.Failure = nil
			return s, []Effect{f.retry}
		case KeyVerify:
			if !f.canVerify {
				return s, nil
			}
			s.Failure = nil
			s.Run.Writes.VerifyTries = 0
			return verify(s)
		case KeyUndo:
			if !f.canUndo {
				return s, nil
			}
			g := *f
			g.Title = "Stopped: " + strings.TrimPrefix(g.Title, "Stopped: ")
			s.Failure = nil
			return startUndo(s, undoFail, &g)
		case KeyKeep:
			if !f.canUndo {
				return s, nil
			}
			s.Run.Writes.committed = true
			if s.Run.Writes.Journal != nil {
				s.Run.Writes.journalKept = true
			}
			return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Stopped; the changes were kept without verification.", Err: strings.TrimSpace(f.Reason)})
		case KeyFix:
			if s.Diagnosis == nil || s.written() {
				return s, nil
			}
			return backToChecklist(s)
		case KeyQuit:
			if s.written() && !f.journalKept {
				if f.canUndo && s.Run.Writes.Done > 0 {
					return s, nil // undo or keep: say which
				}
				// Saved in the journal, nothing changed yet: remove the entry and stop.
				g := *f
				s.Failure = nil
				return startUndo(s, undoQuit, &g)
			}
			return finishFailure(s)
		}
	case Back:
		if s.Diagnosis != nil && !s.written() {
			return backToChecklist(s)
		}
	}
	return s, nil
}

func failedPrompt(s State) Prompt {
	f := s.Failure
	p := Prompt{Kind: PromptFailed, Title: f.Title, Body: note(f.Reason, f.Remedy)}
	if f.Retryable && (f.retry != nil || f.retryPlan) {
		p.Options = append(p.Options, Option{Key: KeyRetry, Label: "Try again"})
	}
	if f.canVerify {
		p.Options = append(p.Options, Option{Key: KeyVerify, Label: "Check again"})
	}
	changed := f.canUndo && s.written() && s.Run.Writes.Done > 0
	if changed {
		p.Options = append(p.Options, Option{Key: KeyUndo, Label: "Undo the change and stop"}, Option{Key: KeyKeep, Label: "Keep the change and stop"})
	}
	if s.Diagnosis != nil && !s.written() {
		label := "Choose another fix"
		if f.AltFix != "" {
			if o, ok := s.Diagnosis.Fix(f.AltFix); ok {
				label += " (" + o.Title + " may work)"
			}
		}
		p.Options = append(p.Options, Option{Key: KeyFix, Label: label})
		p.CanBack = true
	}
	if canHandoff(s) && s.Diagnosis == nil {
		p.Options = append(p.Options, Option{Key: KeyHandoff, Label: "Make a hand-off for an admin instead", Detail: "without the live diagnosis"})
	}
	switch {
	case !s.written() || f.journalKept:
		p.Options = append(p.Options, Option{Key: KeyQuit, Label: "Quit"})
	case !changed:
		p.Options = append(p.Options, Option{Key: KeyQuit, Label: "Stop", Detail: "nothing was changed in the tenant; the saved copy is removed"})
	}
	return p
}

// --- failures ---------------------------------------------------------------------------

func readFailure(title string, err error) Failure {
	f := Failure{Title: title, Reason: errText(err), Retryable: true}
	switch {
	case entra.IsForbidden(err):
		f.Remedy = "The signed-in account may not read this. Global Reader, Cloud Application Administrator or Global Administrator can."
		f.Role = "Global Reader"
	case entra.IsThrottled(err):
		f.Remedy = "Microsoft Graph is throttling requests. Wait a moment and retry."
	default:
		f.Remedy = "Check the connection and retry."
	}
	return f
}

// writeRole returns the role and scope a write needs (docs/entra.md A1, A3, A5, A6).
func writeRole(e Effect) (role, scope string) {
	switch e.(type) {
	case PatchUserConsent:
		return NeedsPRA, ScopeUserConsentWrite
	case PutConsentRequestPolicy:
		return NeedsGlobalAdmin, ScopeConsentRequestWrite
	case CreateServicePrincipal:
		return NeedsCloudAppAdmin, entra.ScopeApplicationReadWriteAll
	case CreateGrant, UpdateGrantScope:
		return NeedsCloudAppAdmin, entra.ScopeDelegatedPermissionGrantReadWriteAll
	case CreateAppRoleAssignment:
		return NeedsPRA, entra.ScopeAppRoleAssignmentReadWriteAll
	case CreateClassification:
		return NeedsCloudAppAdmin, entra.ScopePolicyReadWritePermissionGrant
	case AssignPrincipal:
		return NeedsCloudAppAdmin, entra.ScopeAppRoleAssignmentReadWriteAll
	}
	return "", ""
}

func writeFailure(s State, e Effect, err error) Failure {
	c := describe(s, e)
	f := Failure{Title: "Could not change: " + c.Label, Reason: errText(err)}
	switch {
	case entra.IsForbidden(err):
		f.Title = "Not allowed to change: " + c.Label
		f.Role, f.Scope = writeRole(e)
		f.AltFix = altFix(s)
	case entra.IsThrottled(err):
		f.Retryable = true
	case entra.IsUnauthorized(err):
		f.Remedy = "The sign-in expired or lacks the permission. Sign in again."
	default:
		f.AltFix = altFix(s)
	}
	f.Remedy = strings.TrimSpace(f.Remedy + " " + remedyFor(f))
	return f
}

func remedyFor(f Failure) string {
	var parts []string
	if f.Role != "" || f.Scope != "" {
		p := "This needs"
		if f.Role != "" {
			p += " the " + f.Role + " role"
		}
		if f.Scope != "" {
			if f.Role != "" {
				p += " and"
			}
			p += " the " + f.Scope + " permission"
		}
		parts = append(parts, p+".")
	}
	if f.Retryable {
		parts = append(parts, "Microsoft Graph may be busy: retry in a moment.")
	}
	if f.AltFix != "" {
		why := "choose it from the list."
		if alt := lookup(f.AltFix); alt != nil && alt.altWhy != "" {
			why = alt.altWhy
		}
		parts = append(parts, "\""+string(f.AltFix)+"\" may still work: "+why)
	}
	return strings.Join(parts, " ")
}

// altFix picks another viable fix (the first in display order), or the
// admin consent link when nothing was diagnosed.
func altFix(s State) FixID {
	if s.Diagnosis == nil {
		return defaultFix
	}
	var current FixID
	if s.Run != nil {
		current = s.Run.Fix
	}
	for _, id := range AllFixes {
		if id == current {
			continue
		}
		if f, ok := s.Diagnosis.Fix(id); ok && f.Viable {
			return id
		}
	}
	return ""
}
