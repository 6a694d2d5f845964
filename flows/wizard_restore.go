package flows

import (
	"consentwiz/graph/entra"
	"strconv"
	"strings"
)

// The restore sub-machine puts a journaled user-consent setting back: read the
// current value; if it is what we set, write the original back, read it again to
// verify, then clear the journal; if it already is the original, clear the
// journal; otherwise someone else changed it: show the three values and ask.
// It serves the restore offered at start, the end of relax-user-consent and the
// undo after a cancel or a failure.

func restoreStep(s State, ev Event) (State, []Effect) {
	switch s.Step {
	case StepRestoreOffer:
		return restoreOffer(s, ev)
	case StepRestoreReading:
		return restoreReading(s, ev)
	case StepRestoreConflict:
		return restoreConflict(s, ev)
	case StepRestoreWriting:
		return restoreWriting(s, ev)
	case StepRestoreVerifying:
		return restoreVerifying(s, ev)
	case StepRestoreClearing:
		return restoreClearing(s, ev)
	}
	return s, nil
}

func restoreOffer(s State, ev Event) (State, []Effect) {
	e, ok := ev.(Chose)
	if !ok || len(s.Pending) == 0 {
		return s, nil
	}
	switch e.Key {
	case "restore":
		j := s.Pending[0]
		s.Restore = &j
		s.afterRestore = afterRestoreContinue
		s.Tenant = TenantInfo{ID: j.TenantID, Domain: j.TenantDomain, Cloud: j.Cloud}
		s.Step = StepSigningIn
		s.signInFor = signInRestore
		return s, []Effect{lastSignIn(s)}
	case "later":
		s.Pending = s.Pending[1:]
		s.skipped++
		return nextPending(s)
	}
	return s, nil
}

// nextPending offers the next pending entry, or goes on with the journey.
func nextPending(s State) (State, []Effect) {
	if len(s.Pending) > 0 {
		s.Step = StepRestoreOffer
		return s, nil
	}
	if s.RestoreOnly {
		switch {
		case s.skipped > 0:
			return finish(s, Outcome{Kind: OutcomeRestoreNeeded, Summary: "A change made by consentwiz is still waiting to be put back.", JournalKept: true})
		case s.keptOther > 0 && s.restored == s.keptOther:
			return finish(s, Outcome{Kind: OutcomeRestored, Summary: "Someone else had changed the user consent setting since consentwiz did; it was kept as they set it and consentwiz's saved value was removed. Nothing was written."})
		case s.keptOther > 0:
			return finish(s, Outcome{Kind: OutcomeRestored, Summary: "The saved settings were dealt with: where someone else had changed the user consent setting since, it was kept as they set it; the others are back to what they were before consentwiz changed them."})
		case s.restoredReq > 0 && s.restoredReq == s.restored:
			return finish(s, Outcome{Kind: OutcomeRestored, Summary: "The consent request setting is back to what it was before consentwiz changed it."})
		default:
			return finish(s, Outcome{Kind: OutcomeRestored, Summary: "The user consent setting is back to what it was before consentwiz changed it."})
		}
	}
	// Start the journey afresh: the restore's tenant need not be the one to fix.
	s.Tenant = TenantInfo{}
	s.SignedIn = ""
	s.Scopes = nil
	return proceed(s)
}

func restoreRead(s State) (State, []Effect) {
	s.Step = StepRestoreReading
	s.VerifyTries = 0
	return s, []Effect{restoreReadEffect(s)}
}

// restoreIsRequest reports whether the restore in progress is of the admin consent
// request policy (a temporary request workflow) rather than the user-consent setting.
func restoreIsRequest(s State) bool {
	return s.Restore != nil && s.Restore.IsRequestPolicy()
}

// restoreReadEffect reads the setting the restore's entry is about.
func restoreReadEffect(s State) Effect {
	if restoreIsRequest(s) {
		return ReadConsentRequestPolicy{}
	}
	return ReadAuthorizationPolicy{}
}

// restoreWriteEffect writes the entry's original value back.
func restoreWriteEffect(s State) WriteEffect {
	if restoreIsRequest(s) {
		return PutConsentRequestPolicy{Policy: cloneRequestPolicy(*s.Restore.OriginalRequestPolicy)}
	}
	return PatchUserConsent{Policies: cloneNonNil(s.Restore.Original)}
}

// restoreSetting names the setting an entry is about, for titles.
func restoreSetting(j *JournalEntry) string {
	if j != nil && j.IsRequestPolicy() {
		return "consent request setting"
	}
	return "user consent setting"
}

// restoreValues are the entry's original and set values, and the current value, as text.
func restoreValues(s State) (orig, set, cur string) {
	j := s.Restore
	if j.IsRequestPolicy() {
		cur = "unknown"
		if s.RestoreCurrentRequest != nil {
			cur = requestPolicyText(*s.RestoreCurrentRequest)
		}
		return requestPolicyText(*j.OriginalRequestPolicy), requestPolicyText(*j.SetRequestPolicy), cur
	}
	return policyText(j.Original), policyText(j.Set), policyText(s.RestoreCurrent)
}

func cloneRequestPolicy(p entra.AdminConsentRequestPolicy) entra.AdminConsentRequestPolicy {
	p.Reviewers = clone(p.Reviewers)
	if p.Reviewers == nil {
		p.Reviewers = []entra.ReviewerScope{}
	}
	return p
}

// sameRequestPolicy compares two admin consent request policies on what the wizard
// sets: on/off, notifications, reminders, duration and the reviewers' queries
// (case-insensitively, in any order). The id and version are ignored.
func sameRequestPolicy(a, b entra.AdminConsentRequestPolicy) bool {
	if a.IsEnabled != b.IsEnabled || a.NotifyReviewers != b.NotifyReviewers || a.RemindersEnabled != b.RemindersEnabled || a.RequestDurationInDays != b.RequestDurationInDays {
		return false
	}
	if len(a.Reviewers) != len(b.Reviewers) {
		return false
	}
	used := make([]bool, len(b.Reviewers))
	for _, x := range a.Reviewers {
		found := false
		for i, y := range b.Reviewers {
			if !used[i] && sameQuery(x.Query, y.Query) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// requestPolicyText is a request policy in words: on/off, reviewers, notifications, duration.
func requestPolicyText(p entra.AdminConsentRequestPolicy) string {
	if !p.IsEnabled {
		return "requests off"
	}
	return "requests " + workflowText(p) + ", email " + onOff(p.NotifyReviewers) + ", reminders " + onOff(p.RemindersEnabled) + ", expire after " + strconv.Itoa(p.RequestDurationInDays) + " days"
}

func restoreFailure(s State, f Failure) (State, []Effect) {
	if s.afterRestore == afterRestoreContinue {
		f.Outcome = OutcomeRestoreNeeded
	}
	s.journalKept = true
	return fail(s, f)
}

func restoreReading(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case ConsentPolicyRead:
		if !restoreIsRequest(s) {
			return s, nil
		}
		if e.Err != nil {
			f := readFailure("Could not read the consent request setting to put it back", e.Err)
			f.Remedy += " The saved value stays in the journal; run `consentwiz restore` later."
			s, _ = restoreFailure(s, f)
			s.RetryStep, s.RetryEffect = StepRestoreReading, ReadConsentRequestPolicy{}
			return s, nil
		}
		cur := cloneRequestPolicy(e.Policy)
		s.RestoreCurrentRequest = &cur
		switch {
		case sameRequestPolicy(cur, *s.Restore.SetRequestPolicy):
			return restoreWrite(s)
		case sameRequestPolicy(cur, *s.Restore.OriginalRequestPolicy):
			return restoreClear(s)
		}
		s.Step = StepRestoreConflict
	case PolicyRead:
		if restoreIsRequest(s) {
			return s, nil
		}
		if e.Err != nil {
			f := readFailure("Could not read the user consent setting to put it back", e.Err)
			f.Remedy += " The saved value stays in the journal; run `consentwiz restore` later."
			s, _ = restoreFailure(s, f)
			s.RetryStep, s.RetryEffect = StepRestoreReading, ReadAuthorizationPolicy{}
			return s, nil
		}
		cur := cloneNonNil(e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
		s.RestoreCurrent = cur
		switch {
		case samePolicies(cur, s.Restore.Set):
			return restoreWrite(s)
		case samePolicies(cur, s.Restore.Original):
			return restoreClear(s)
		}
		s.Step = StepRestoreConflict
	case Back:
		if s.afterRestore == afterRestoreContinue {
			s.Restore = nil
			s.Step = StepRestoreOffer
		}
	}
	return s, nil
}

func restoreConflict(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case "original":
			return restoreWrite(s)
		case "keep":
			s.keptOther++
			if restoreIsRequest(s) {
				_, set, cur := restoreValues(s)
				s = addChange(s, Change{What: "Consent request setting (kept as changed by someone else)", Before: set, After: cur, Verified: true, At: s.Now})
				return restoreClear(s)
			}
			s = addChange(s, Change{What: "User consent setting (kept as changed by someone else)", Before: policySummary(s.Restore.Set), After: policySummary(s.RestoreCurrent), Verified: true, At: s.Now})
			return restoreClear(s)
		case "later":
			return restoreLater(s)
		}
	case Back:
		if s.afterRestore == afterRestoreContinue {
			s.Restore = nil
			s.Step = StepRestoreOffer
		}
	}
	return s, nil
}

func restoreWrite(s State) (State, []Effect) {
	p := restoreWriteEffect(s)
	if s.DryRun {
		r, _ := RequestFor(p)
		return finish(s, Outcome{Kind: OutcomeDryRun, Summary: "Dry run: the " + restoreSetting(s.Restore) + " was not put back. This is the request that would.", Requests: []RequestPreview{r}, JournalKept: true})
	}
	s.Step = StepRestoreWriting
	return s, []Effect{p}
}

func restoreWriting(s State, ev Event) (State, []Effect) {
	p := restoreWriteEffect(s)
	e, ok := ev.(WriteDone)
	if !ok || (e.Op != "" && e.Op != p.Op()) {
		return s, nil
	}
	if e.Err != nil {
		orig, _, _ := restoreValues(s)
		f := writeFailure(s, p, e.Err)
		f.Title = "Could not put the " + restoreSetting(s.Restore) + " back"
		f.Remedy += " The saved value stays in the journal; run `consentwiz restore` later, or set it in the Entra admin center: " + orig + "."
		f.Retryable = true
		s, _ = restoreFailure(s, f)
		// Retrying reads and compares first: someone may change the setting meanwhile.
		s.RetryStep, s.RetryEffect = StepRestoreReading, restoreReadEffect(s)
		return s, nil
	}
	s.Step = StepRestoreVerifying
	s.VerifyTries = 0
	return s, []Effect{restoreReadEffect(s)}
}

func restoreVerifying(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Tick:
		if e.Seq == s.PollSeq {
			return s, []Effect{restoreReadEffect(s)}
		}
	case ConsentPolicyRead:
		if restoreIsRequest(s) {
			return restoreVerifyRequest(s, e)
		}
	case PolicyRead:
		if restoreIsRequest(s) {
			return s, nil
		}
		if e.Err != nil {
			f := readFailure("Could not check that the setting was put back", e.Err)
			s, _ = restoreFailure(s, f)
			s.RetryStep, s.RetryEffect = StepRestoreVerifying, ReadAuthorizationPolicy{}
			return s, nil
		}
		cur := e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
		if samePolicies(cur, s.Restore.Original) {
			s = addChange(s, Change{What: "User consent setting (restored)", Before: policySummary(s.RestoreCurrent), After: policySummary(s.Restore.Original), Verified: true, At: s.Now})
			return restoreClear(s)
		}
		s.VerifyTries++
		if s.VerifyTries < MaxVerifyTries {
			s.PollSeq++
			return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
		}
		f := Failure{
			Title:     "The setting was written back but does not read as the original",
			Reason:    "It reads " + policyText(cur) + "; the original is " + policyText(s.Restore.Original) + ".",
			Remedy:    "Try again, or set it in the Entra admin center. The saved value stays in the journal.",
			Retryable: true,
		}
		s, _ = restoreFailure(s, f)
		// It may read so because someone else changed it: retrying reads and
		// compares again (and asks on a conflict) instead of writing blindly.
		s.RetryStep, s.RetryEffect = StepRestoreReading, ReadAuthorizationPolicy{}
	}
	return s, nil
}

// restoreVerifyRequest checks the read-back of a restored request policy.
func restoreVerifyRequest(s State, e ConsentPolicyRead) (State, []Effect) {
	if e.Err != nil {
		f := readFailure("Could not check that the setting was put back", e.Err)
		s, _ = restoreFailure(s, f)
		s.RetryStep, s.RetryEffect = StepRestoreVerifying, ReadConsentRequestPolicy{}
		return s, nil
	}
	orig, set, _ := restoreValues(s)
	if sameRequestPolicy(e.Policy, *s.Restore.OriginalRequestPolicy) {
		before := set
		if s.RestoreCurrentRequest != nil {
			before = requestPolicyText(*s.RestoreCurrentRequest)
		}
		s = addChange(s, Change{What: "Users can request admin consent (restored)", Before: before, After: orig, Verified: true, At: s.Now})
		return restoreClear(s)
	}
	s.VerifyTries++
	if s.VerifyTries < MaxVerifyTries {
		s.PollSeq++
		return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
	}
	f := Failure{
		Title:     "The setting was written back but does not read as the original",
		Reason:    "It reads " + requestPolicyText(e.Policy) + "; the original is " + orig + ".",
		Remedy:    "Try again, or set it in the Entra admin center. The saved value stays in the journal.",
		Retryable: true,
	}
	s, _ = restoreFailure(s, f)
	s.RetryStep, s.RetryEffect = StepRestoreReading, ReadConsentRequestPolicy{}
	return s, nil
}

func restoreClear(s State) (State, []Effect) {
	s.Step = StepRestoreClearing
	return s, []Effect{ClearJournal{ID: s.Restore.ID}}
}

func restoreClearing(s State, ev Event) (State, []Effect) {
	e, ok := ev.(JournalCleared)
	if !ok {
		return s, nil
	}
	if e.Err != nil {
		s.undoErrs = append(clone(s.undoErrs), "Could not remove the journal entry ("+e.Err.Error()+"); `consentwiz restore` will find nothing to do and clear it.")
	}
	return restoreFinished(s)
}

func restoreFinished(s State) (State, []Effect) {
	if restoreIsRequest(s) && s.afterRestore == afterRestoreContinue {
		s.restoredReq++
	}
	s.Restore = nil
	s.RestoreCurrent = nil
	s.RestoreCurrentRequest = nil
	switch s.afterRestore {
	case afterRestoreContinue:
		s.Pending = s.Pending[1:]
		s.restored++
		if s.CancelAsked {
			s.CancelAsked = false
			return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped after putting the setting back.", JournalKept: len(s.Pending) > 0})
		}
		return nextPending(s)
	case afterRestoreDone:
		s.Journal = nil
		s.committed = true
		return finishVerified(s)
	}
	s.Journal = nil
	return continueUndo(s)
}

// restoreLater leaves the journal entry for a later restore.
func restoreLater(s State) (State, []Effect) {
	s.Restore = nil
	s.RestoreCurrent = nil
	s.RestoreCurrentRequest = nil
	switch s.afterRestore {
	case afterRestoreContinue:
		s.Pending = s.Pending[1:]
		s.skipped++
		return nextPending(s)
	case afterRestoreDone:
		s.Journal = nil
		s.journalKept = true
		s.committed = true
		return finishVerified(s)
	}
	s.Journal = nil
	s.journalKept = true
	return continueUndo(s)
}

// --- undo -------------------------------------------------------------------------

// startUndo undoes what this fix wrote: the user-consent change first (through the
// restore sub-machine), then the other writes in reverse order. why says where it ends:
// Finish cancelled, or the failure f.
func startUndo(s State, why undoFor, f *Failure) (State, []Effect) {
	s.undoWhy = why
	s.undoFailure = f
	s.Undo = buildUndo(s)
	s.PollSeq++
	s.PollInFlight = false
	if s.Journal != nil {
		j := *s.Journal
		s.Restore = &j
		s.afterRestore = afterRestoreUndo
		return restoreRead(s)
	}
	return continueUndo(s)
}

// startUndoClearing is startUndo when the journal entry j was (maybe) written but the
// user-consent setting was not changed: the entry is removed instead of restored.
func startUndoClearing(s State, why undoFor, f *Failure, j *JournalEntry) (State, []Effect) {
	if j == nil {
		return startUndo(s, why, f)
	}
	s.Journal = nil
	s.undoWhy = why
	s.undoFailure = f
	s.Undo = buildUndo(s)
	s.PollSeq++
	s.PollInFlight = false
	jj := *j
	s.Restore = &jj
	s.afterRestore = afterRestoreUndo
	return restoreClear(s)
}

func buildUndo(s State) []Effect {
	var out []Effect
	for i := s.Done - 1; i >= 0 && i < len(s.Plan); i-- {
		switch p := bind(s, s.Plan[i]).(type) {
		case UpdateGrantScope:
			out = append(out, UpdateGrantScope{GrantID: p.GrantID, Scope: p.Before, Before: p.Scope})
		case PutConsentRequestPolicy:
			if s.Journal != nil && s.Journal.IsRequestPolicy() {
				// Journaled (temporary): the restore sub-machine puts it back.
				continue
			}
			if s.OriginalRequestPolicy != nil {
				out = append(out, PutConsentRequestPolicy{Policy: *s.OriginalRequestPolicy})
			}
		case CreateServicePrincipal, CreateGrant, CreateAppRoleAssignment, CreateClassification:
			for _, c := range s.Created {
				if c.step == i && c.ID != "" {
					out = append(out, DeleteObject{Object: c})
				}
			}
		}
	}
	return out
}

func continueUndo(s State) (State, []Effect) {
	if len(s.Undo) > 0 {
		s.Step = StepUndoing
		return s, []Effect{s.Undo[0]}
	}
	return finishUndo(s)
}

func undoing(s State, ev Event) (State, []Effect) {
	e, ok := ev.(WriteDone)
	if !ok || len(s.Undo) == 0 {
		return s, nil
	}
	cur := s.Undo[0]
	if w := cur.(WriteEffect); e.Op != "" && e.Op != w.Op() {
		return s, nil
	}
	c := describeUndo(cur)
	if e.Err != nil {
		s.undoErrs = append(clone(s.undoErrs), "Could not undo \""+c.Label+"\": "+e.Err.Error()+". Undo it by hand in the Entra admin center.")
	} else {
		s = addChange(s, Change{What: "Undone: " + c.Label, Before: c.Before, After: c.After, At: s.Now})
	}
	s.Undo = s.Undo[1:]
	return continueUndo(s)
}

func finishUndo(s State) (State, []Effect) {
	s.Plan, s.Done, s.Created, s.Undo = nil, 0, nil, nil
	s.Journal = nil
	notes := strings.Join(s.undoErrs, " ")
	if s.undoWhy == undoCancel {
		sum := "Stopped. Everything consentwiz changed was put back."
		if notes != "" {
			sum = "Stopped. " + notes
		}
		return finish(s, Outcome{Kind: OutcomeCancelled, Summary: sum, JournalKept: s.journalKept})
	}
	f := Failure{Title: "The fix did not complete", Outcome: OutcomeFailed}
	if s.undoFailure != nil {
		f = *s.undoFailure
	}
	f.canUndo, f.canVerify = false, false
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

// --- cancel ---------------------------------------------------------------------------

func cancel(s State) (State, []Effect) {
	switch s.Step {
	case StepDemoUser:
		return finish(s, *s.demoAfter)
	case StepRestoreOffer:
		return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped. The saved setting is still in the journal; run `consentwiz restore` to put it back.", JournalKept: true})
	case StepRestoreReading, StepRestoreConflict:
		if s.afterRestore == afterRestoreContinue {
			return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped. The saved setting is still in the journal; run `consentwiz restore` to put it back.", JournalKept: true})
		}
		s.undoWhy = undoCancel
		if s.Step == StepRestoreConflict {
			return restoreLater(s)
		}
		s.CancelAsked = true
		return s, nil
	case StepRestoreWriting, StepRestoreVerifying, StepRestoreClearing:
		s.CancelAsked = true
		s.undoWhy = undoCancel
		return s, nil
	case StepWriting, StepJournaling:
		s.CancelAsked = true
		return s, nil
	case StepUndoing:
		s.undoWhy = undoCancel
		return s, nil
	case StepSigningIn:
		if s.signInFor == signInRestore {
			return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped. The saved setting is still in the journal; run `consentwiz restore` to put it back.", JournalKept: true})
		}
	}
	if s.written() {
		return startUndo(s, undoCancel, nil)
	}
	if s.Step == StepFailed && s.Failure != nil {
		return finishFailure(s)
	}
	sum := "Stopped. Nothing was changed."
	if len(s.Changes) > 0 {
		sum = "Stopped. The changes listed stay in place."
	}
	return finish(s, Outcome{Kind: OutcomeCancelled, Summary: sum, JournalKept: s.journalKept || len(s.Pending) > 0})
}

func finishFailure(s State) (State, []Effect) {
	f := s.Failure
	return finish(s, Outcome{Kind: f.Outcome, Summary: f.Title, Err: strings.TrimSpace(f.Reason + " " + f.Remedy), JournalKept: s.journalKept})
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
		case "retry":
			if !f.Retryable || s.RetryEffect == nil {
				return s, nil
			}
			eff := s.RetryEffect
			s.Step = s.RetryStep
			s.Failure, s.RetryEffect = nil, nil
			s.journalKept = false
			return s, []Effect{eff}
		case "verify":
			if !f.canVerify {
				return s, nil
			}
			s.Failure = nil
			s.VerifyTries = 0
			return verify(s)
		case "undo":
			if !f.canUndo {
				return s, nil
			}
			g := *f
			g.Title = "Stopped: " + strings.TrimPrefix(g.Title, "Stopped: ")
			s.Failure = nil
			return startUndo(s, undoFail, &g)
		case "keep":
			if !f.canUndo {
				return s, nil
			}
			s.committed = true
			if s.Journal != nil {
				s.journalKept = true
			}
			return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Stopped; the changes were kept without verification.", Err: strings.TrimSpace(f.Reason)})
		case "fix":
			if s.Diagnosis == nil || s.written() {
				return s, nil
			}
			s = resetFix(s)
			s.Step = StepChooseFix
			return s, nil
		case "quit":
			if s.written() {
				return s, nil
			}
			return finishFailure(s)
		}
	case Back:
		if s.Diagnosis != nil && !s.written() {
			s = resetFix(s)
			s.Step = StepChooseFix
		}
	}
	return s, nil
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

// writeRole returns the role and scope a write needs (ENTRA.md A1, A3, A5, A6).
func writeRole(e Effect) (role, scope string) {
	switch e.(type) {
	case PatchUserConsent:
		return "Privileged Role Administrator", ScopeUserConsentWrite
	case PutConsentRequestPolicy:
		return "Global Administrator", ScopeConsentRequestWrite
	case CreateServicePrincipal:
		return "Cloud Application Administrator", "Application.ReadWrite.All"
	case CreateGrant, UpdateGrantScope:
		return "Cloud Application Administrator", "DelegatedPermissionGrant.ReadWrite.All"
	case CreateAppRoleAssignment:
		return "Privileged Role Administrator", "AppRoleAssignment.ReadWrite.All"
	case CreateClassification:
		return "Cloud Application Administrator", "Policy.ReadWrite.PermissionGrant"
	}
	return "", ""
}

func fixRole(fix FixID) string {
	switch fix {
	case FixRelaxUserConsent:
		return "Privileged Role Administrator"
	case FixRequestWorkflow:
		return "Global Administrator"
	case FixGrantDirect, FixClassifyLow, FixAdminLink:
		return "Cloud Application Administrator"
	}
	return ""
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
		parts = append(parts, "\""+string(f.AltFix)+"\" may still work: "+altFixWhy(f.AltFix))
	}
	return strings.Join(parts, " ")
}

func altFixWhy(id FixID) string {
	switch id {
	case FixAdminLink:
		return "hand the admin consent link to an administrator who holds the role."
	case FixGrantDirect:
		return "grant the permissions through Microsoft Graph."
	case FixRequestWorkflow:
		return "let users request approval."
	}
	return "choose it from the list."
}

// altFix picks another viable fix, preferring one that needs no write by this account.
func altFix(s State) FixID {
	if s.Diagnosis == nil {
		return FixAdminLink
	}
	for _, id := range append([]FixID{FixAdminLink}, AllFixes...) {
		if id == s.Fix {
			continue
		}
		if f, ok := s.Diagnosis.Fix(id); ok && f.Viable {
			return id
		}
	}
	return ""
}
