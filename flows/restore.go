package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// The restore sub-machine puts a journal entry's change back. First its
// setting (the user-consent setting, or the admin consent request policy of
// a temporary request workflow): read the current value; if it is what
// consentwiz set, write the original back and read it again to verify; if it
// already is the original, nothing is written; otherwise someone else changed
// it: show the three values and ask. Then the objects the entry lists
// (restore_objects.go). Then the entry is cleared. It serves the restore
// offered at start, the end of relax-user-consent and of a temporary request
// workflow, and the undo after a cancel or a failure. Its effects act on the
// entry's tenant.

func restoreStep(s State, ev Event) (State, []Effect) {
	if s.Restore != nil && s.Restore.objPhase {
		switch s.Step {
		case StepRestoreReading:
			if _, ok := ev.(Back); ok {
				return restoreReading(s, ev)
			}
			return objReading(s, ev)
		case StepRestoreConflict:
			return objConflict(s, ev)
		case StepRestoreWriting:
			return objWriting(s, ev)
		case StepRestoreVerifying:
			return objVerifying(s, ev)
		}
	}
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

// restoring reports whether an entry is being put back.
func (s State) restoring() bool { return s.Restore != nil && s.Restore.Entry != nil }

func restoreOffer(s State, ev Event) (State, []Effect) {
	e, ok := ev.(Chose)
	r := s.Restore
	if !ok || r == nil || len(r.Pending) == 0 {
		return s, nil
	}
	switch e.Key {
	case KeyRestore, KeyComplete:
		j := r.Pending[0]
		if e.Key == KeyComplete && !canComplete(&j) {
			return s, nil
		}
		r.Entry = &j
		r.then = afterRestoreContinue
		r.complete = e.Key == KeyComplete
		r.objPhase, r.decided, r.keepScope, r.conflict, r.objWrote = false, false, false, nil, 0
		s.Tenant = TenantInfo{ID: j.TenantID, Domain: j.TenantDomain, Cloud: cloudNamed(j.Cloud)}
		s.Step = StepSigningIn
		return s, []Effect{lastSignIn(s)}
	case KeyLater:
		s = leaveEntry(s, r.Pending[0])
		r.Pending = r.Pending[1:]
		r.skipped++
		return nextPending(s)
	}
	return s, nil
}

// leaveEntry notes an entry left for later at start.
func leaveEntry(s State, j JournalEntry) State {
	if j.IsRequestPolicy() && s.leftRequest == nil {
		s.leftRequest = &j
	} else {
		s.leftOther = true
	}
	return s
}

// adoptLeftRequest puts back the consent request setting of a temporary
// request workflow left for later at start, once this run has approved the
// request it was waiting for (docs/safety.md): sign in for the write, then
// the restore (read, compare, write, verify, clear).
func adoptLeftRequest(s State) (State, []Effect, bool) {
	j := s.leftRequest
	if j == nil || !strings.EqualFold(j.TenantID, s.Tenant.ID) || j.AppID != "" && !strings.EqualFold(j.AppID, s.App.ClientID) {
		return s, nil, false
	}
	s.leftRequest = nil
	s.journalLeft = s.leftOther
	s.Run.Workflow.Temporary = true
	jj := *j
	s.Restore = &RestoreRun{Entry: &jj, then: afterRestoreDone}
	s.Step = StepSigningIn
	return s, []Effect{lastSignIn(s)}, true
}

// lastSignIn is the sign-in of the current step: the read sign-in of the
// journey, or the restore's (with the write scope, for the entry's tenant).
func lastSignIn(s State) Effect {
	scopes := clone(ReadScopes)
	t := s.target()
	if s.restoring() {
		j := s.Restore.Entry
		t = j.Target()
		if !s.DryRun {
			if j.HasSetting() {
				scopes = append(scopes, iff(j.IsRequestPolicy(), ScopeConsentRequestWrite, ScopeUserConsentWrite))
			}
			scopes = mergeScopes(scopes, objScopes(j))
		}
	}
	si := SignIn{Tenant: t, Scopes: scopes}
	if s.restoring() {
		// Sign in as the account that made the change, from its own tenant.
		si.LoginHint = s.Restore.Entry.By
		si.Home = foreignTenant(s.Restore.Entry.ByTenant, t.ID)
	}
	return si
}

// foreignTenant is home when it names another tenant than tenant, else "".
func foreignTenant(home, tenant string) string {
	if home == "" || strings.EqualFold(home, tenant) {
		return ""
	}
	return home
}

// nextPending offers the next pending entry, or goes on with the journey.
func nextPending(s State) (State, []Effect) {
	r := s.Restore
	if len(r.Pending) > 0 {
		s.Step = StepRestoreOffer
		return s, nil
	}
	if s.RestoreOnly {
		if r.skipped > 0 {
			return finish(s, Outcome{Kind: OutcomeRestoreNeeded, Summary: "A change made by consentwiz is still waiting to be put back.", JournalKept: true})
		}
		return finish(s, Outcome{Kind: OutcomeRestored, Summary: restoredSummary(r)})
	}
	if r.restored > 0 {
		// Say so on the first screen of the journey: the restore ended
		// without a screen of its own.
		s.restoredNote = restoredSummary(r)
	}
	// Start the journey afresh: the restore's tenant need not be the one to fix.
	s.journalLeft = s.journalLeft || r.skipped > 0
	s.Restore = nil
	s.Tenant = TenantInfo{}
	s.SignedIn = ""
	s.Scopes = nil
	return proceed(s)
}

func restoreRead(s State) (State, []Effect) {
	r := s.Restore
	if !r.Entry.HasSetting() || r.skipSetting || r.objPhase {
		return restoreSettingDone(s)
	}
	s.Step = StepRestoreReading
	r.verifyTries = 0
	return s, []Effect{restoreReadEffect(s)}
}

// restoreSettingDone goes on once the entry's setting is dealt with: its
// objects, or the end.
func restoreSettingDone(s State) (State, []Effect) {
	if s.Restore.Entry.HasObjects() {
		return objRead(s)
	}
	return restoreClear(s)
}

// restoreIsRequest reports whether the restore in progress is of the admin consent
// request policy (a temporary request workflow) rather than the user-consent setting.
func restoreIsRequest(s State) bool { return s.restoring() && s.Restore.Entry.IsRequestPolicy() }

// restoredSummary says what the restores of the pending entries did.
func restoredSummary(r *RestoreRun) string {
	switch {
	case r.completed > 0 && r.completed == r.restored:
		return "The grant consentwiz had started is finished and verified."
	case r.keptOther > 0 && r.restored == r.keptOther:
		return "Someone else had changed the user consent setting since consentwiz did; it was kept as they set it and consentwiz's saved value was removed. Nothing was written."
	case r.keptOther > 0:
		return "The saved settings were dealt with: where someone else had changed the user consent setting since, it was kept as they set it; the others are back to what they were before consentwiz changed them."
	case r.restoredReq > 0 && r.restoredReq == r.restored:
		return "The consent request setting is back to what it was before consentwiz changed it."
	case r.restoredObj > 0 && r.restoredObj == r.restored:
		return "What consentwiz had created is removed (or was not there): the tenant is as it was before."
	case r.restoredReq > 0 || r.restoredObj > 0:
		return "Every change consentwiz had left is put back (or finished, where you chose), and verified."
	}
	return "The user consent setting is back to what it was before consentwiz changed it."
}

// restoreReadEffect reads the setting the restore's entry is about.
func restoreReadEffect(s State) Effect {
	return journalRead(restoreWriteEffect(s), s.Restore.Entry.Target())
}

// restoreWriteEffect writes the entry's original value back.
func restoreWriteEffect(s State) WriteEffect {
	j := s.Restore.Entry
	if j.IsRequestPolicy() {
		return PutConsentRequestPolicy{Tenant: j.Target(), Policy: cloneRequestPolicy(*j.OriginalRequestPolicy)}
	}
	return PatchUserConsent{Tenant: j.Target(), Policies: cloneNonNil(j.Original)}
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
	r := s.Restore
	j := r.Entry
	if j.IsRequestPolicy() {
		cur = "unknown"
		if r.CurrentRequest != nil {
			cur = requestPolicyText(*r.CurrentRequest)
		}
		return requestPolicyText(*j.OriginalRequestPolicy), requestPolicyText(*j.SetRequestPolicy), cur
	}
	return policyText(j.Original), policyText(j.Set), policyText(r.Current)
}

// readValue is a read of the entry's setting.
type readValue struct {
	err            error
	text           string // the value in words
	original, set  bool   // it is the entry's original / the value consentwiz set
	current        []string
	currentRequest *entra.AdminConsentRequestPolicy
}

// restoreReadValue takes the read of the entry's setting from ev; ok is false
// for any other event.
func restoreReadValue(s State, ev Event) (v readValue, ok bool) {
	j := s.Restore.Entry
	switch e := ev.(type) {
	case ConsentPolicyRead:
		if !j.IsRequestPolicy() {
			return v, false
		}
		if e.Err != nil {
			return readValue{err: e.Err}, true
		}
		cur := cloneRequestPolicy(e.Policy)
		return readValue{text: requestPolicyText(cur), currentRequest: &cur,
			original: sameRequestPolicy(cur, *j.OriginalRequestPolicy), set: sameRequestPolicy(cur, *j.SetRequestPolicy)}, true
	case PolicyRead:
		if j.IsRequestPolicy() {
			return v, false
		}
		if e.Err != nil {
			return readValue{err: e.Err}, true
		}
		cur := cloneNonNil(e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
		return readValue{text: policyText(cur), current: cur, original: samePolicies(cur, j.Original), set: samePolicies(cur, j.Set)}, true
	}
	return v, false
}

func restoreFailure(s State, f Failure) (State, []Effect) {
	if s.Restore.then == afterRestoreContinue {
		f.Outcome = OutcomeRestoreNeeded
	}
	f.journalKept = !s.Restore.mem
	return fail(s, f)
}

func restoreReading(s State, ev Event) (State, []Effect) {
	if _, ok := ev.(Back); ok {
		if s.Restore.then == afterRestoreContinue {
			s.Restore.Entry = nil
			s.Step = StepRestoreOffer
		}
		return s, nil
	}
	v, ok := restoreReadValue(s, ev)
	if !ok {
		return s, nil
	}
	if v.err != nil {
		f := readFailure("Could not read the "+restoreSetting(s.Restore.Entry)+" to put it back", v.err)
		f.Remedy += " The saved value stays in the journal; run `consentwiz restore` later."
		f.retry, f.retryStep = restoreReadEffect(s), StepRestoreReading
		return restoreFailure(s, f)
	}
	r := s.Restore
	if restoreIsRequest(s) {
		r.CurrentRequest = v.currentRequest
	} else {
		r.Current = v.current
	}
	switch {
	case v.set:
		return restoreWrite(s)
	case v.original:
		return restoreSettingDone(s)
	case s.interrupted:
		// Nobody can answer: leave the entry for `consentwiz restore`.
		return restoreLater(s)
	}
	s.Step = StepRestoreConflict
	return s, nil
}

func restoreConflict(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyOriginal:
			return restoreWrite(s)
		case KeyKeep:
			r := s.Restore
			r.keptOther++
			if restoreIsRequest(s) {
				_, set, cur := restoreValues(s)
				s = addSuperseding(s, Change{What: "Consent request setting (kept as changed by someone else)", Before: set, After: cur, Verified: true, At: s.Now}, changeKeyRequestPolicy)
				return restoreSettingDone(s)
			}
			s = addSuperseding(s, Change{What: "User consent setting (kept as changed by someone else)", Before: policySummary(r.Entry.Set), After: policySummary(r.Current), Verified: true, At: s.Now}, changeKeyUserConsent)
			return restoreSettingDone(s)
		case KeyLater:
			return restoreLater(s)
		}
	case Back:
		if s.Restore.then == afterRestoreContinue {
			s.Restore.Entry = nil
			s.Step = StepRestoreOffer
		}
	}
	return s, nil
}

func restoreWrite(s State) (State, []Effect) {
	p := restoreWriteEffect(s)
	if s.DryRun {
		r, _ := RequestFor(p)
		return finish(s, Outcome{Kind: OutcomeDryRun, Summary: "Dry run: the " + restoreSetting(s.Restore.Entry) + " was not put back. This is the request that would.", Requests: []RequestPreview{r}, JournalKept: true})
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
		f.Title = "Could not put the " + restoreSetting(s.Restore.Entry) + " back"
		f.Remedy += " The saved value stays in the journal; run `consentwiz restore` later, or set it in the Entra admin center: " + orig + "."
		f.Retryable = true
		// Retrying reads and compares first: someone may change the setting meanwhile.
		f.retry, f.retryStep = restoreReadEffect(s), StepRestoreReading
		return restoreFailure(s, f)
	}
	s.Step = StepRestoreVerifying
	s.Restore.verifyTries = 0
	return s, []Effect{restoreReadEffect(s)}
}

func restoreVerifying(s State, ev Event) (State, []Effect) {
	if e, ok := ev.(Tick); ok {
		if e.Seq == s.PollSeq {
			return s, []Effect{restoreReadEffect(s)}
		}
		return s, nil
	}
	v, ok := restoreReadValue(s, ev)
	if !ok {
		return s, nil
	}
	if v.err != nil {
		f := readFailure("Could not check that the setting was put back", v.err)
		f.retry, f.retryStep = restoreReadEffect(s), StepRestoreVerifying
		return restoreFailure(s, f)
	}
	r := s.Restore
	orig, set, _ := restoreValues(s)
	if v.original {
		c := Change{What: "User consent setting (restored)", Before: policySummary(r.Current), After: policySummary(r.Entry.Original), Verified: true, At: s.Now}
		if restoreIsRequest(s) {
			before := set
			if r.CurrentRequest != nil {
				before = requestPolicyText(*r.CurrentRequest)
			}
			c = Change{What: "Users can request admin consent (restored)", Before: before, After: orig, Verified: true, At: s.Now}
		}
		return restoreSettingDone(addPutBack(s, c, settingKey(r.Entry)))
	}
	r.verifyTries++
	if r.verifyTries < MaxVerifyTries {
		s.PollSeq++
		return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
	}
	// It may read so because someone else changed it: retrying reads and
	// compares again (and asks on a conflict) instead of writing blindly.
	return restoreFailure(s, Failure{
		Title:     "The setting was written back but does not read as the original",
		Reason:    "It reads " + v.text + "; the original is " + orig + ".",
		Remedy:    "Try again, or set it in the Entra admin center. The saved value stays in the journal.",
		Retryable: true,
		retry:     restoreReadEffect(s),
		retryStep: StepRestoreReading,
	})
}

func restoreClear(s State) (State, []Effect) {
	if s.Restore.mem {
		// Never saved: nothing to remove.
		return restoreFinished(s)
	}
	s.Step = StepRestoreClearing
	return s, []Effect{ClearJournal{ID: s.Restore.Entry.ID}}
}

func restoreClearing(s State, ev Event) (State, []Effect) {
	e, ok := ev.(JournalCleared)
	if !ok {
		return s, nil
	}
	if e.Err != nil && s.Run != nil {
		s.Run.undo.errs = append(clone(s.Run.undo.errs), "Could not remove the journal entry ("+e.Err.Error()+"); `consentwiz restore` will find nothing to do and clear it.")
	}
	return restoreFinished(s)
}

// restoreFinished goes on after the entry was put back (or cleared).
func restoreFinished(s State) (State, []Effect) {
	r := s.Restore
	if r.then == afterRestoreContinue {
		if r.Entry.IsRequestPolicy() {
			r.restoredReq++
		}
		switch {
		case r.complete:
			r.completed++
		case !r.Entry.HasSetting():
			r.restoredObj++
		}
		r.Entry, r.Current, r.CurrentRequest = nil, nil, nil
		r.complete, r.objPhase, r.decided, r.keepScope, r.conflict, r.objTodo, r.objWrote = false, false, false, false, nil, nil, 0
		r.Pending = r.Pending[1:]
		r.restored++
		if s.CancelAsked {
			s.CancelAsked = false
			return finish(s, Outcome{Kind: OutcomeCancelled, Summary: "Stopped after putting the setting back.", JournalKept: len(r.Pending) > 0})
		}
		return nextPending(s)
	}
	return backToRun(s, false)
}

// restoreLater leaves the journal entry for a later restore.
func restoreLater(s State) (State, []Effect) {
	r := s.Restore
	if r.then == afterRestoreContinue {
		s = leaveEntry(s, *r.Entry)
		r.Entry, r.Current, r.CurrentRequest = nil, nil, nil
		r.complete, r.objPhase, r.decided, r.keepScope, r.conflict, r.objTodo, r.objWrote = false, false, false, false, nil, nil, 0
		r.Pending = r.Pending[1:]
		r.skipped++
		return nextPending(s)
	}
	return backToRun(s, !r.mem)
}

// backToRun ends a restore a fix run started: the run's journal entry is
// dealt with (kept says it stays for `consentwiz restore`); the fix ends
// verified, or the undo goes on.
func backToRun(s State, kept bool) (State, []Effect) {
	then := s.Restore.then
	run := s.Run
	run.Writes.keptOther = run.Writes.keptOther || s.Restore.keptOther > 0
	run.Writes.journalKept = run.Writes.journalKept || kept
	run.Writes.Journal = nil
	s.Restore = nil
	if then == afterRestoreDone {
		run.Writes.committed = true
		return finishVerified(s)
	}
	return continueUndo(s)
}
