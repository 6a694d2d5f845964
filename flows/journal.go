package flows

import "strconv"

// The journal's part of the write pipeline: which writes are saved before
// they are sent, the entry that records them (a setting's original and the
// value set, the objects a create makes), and the re-read of the setting
// right before the first write (docs/safety.md).

// planSetting is the plan's journaled setting write, or nil.
func planSetting(s State) Effect {
	for _, e := range s.Run.Writes.Plan {
		if isSettingWrite(s, e) {
			return e
		}
	}
	return nil
}

// isSettingWrite reports whether e changes a journaled setting: the
// user-consent setting, or the request policy of a temporary request workflow.
func isSettingWrite(s State, e Effect) bool {
	switch e.(type) {
	case PatchUserConsent:
		return true
	case PutConsentRequestPolicy:
		return s.Run.Workflow.Temporary
	}
	return false
}

// journalFirst reports whether e is saved in the journal before it is sent:
// a journaled setting, and everything that creates an object or changes a
// grant. A permanent request workflow's PUT is not: it is meant to stay, and
// the original is kept in memory for an undo while the fix runs.
func journalFirst(s State, e Effect) bool {
	if isSettingWrite(s, e) {
		return true
	}
	_, ok := objectFor(e)
	return ok
}

// journalRead is the read of the setting a journaled write replaces.
func journalRead(e Effect, t TenantRef) Effect {
	if _, ok := e.(PutConsentRequestPolicy); ok {
		return ReadConsentRequestPolicy{Tenant: t}
	}
	return ReadAuthorizationPolicy{Tenant: t}
}

// newJournalEntry is a new entry for a change of the session's tenant by the
// run's fix. Its id is unique: the tenant, this run's random id and a number.
func newJournalEntry(s State, what string) (State, JournalEntry) {
	s.journalSeq++
	id := firstNonEmpty(s.Tenant.ID, "tenant") + "-" + firstNonEmpty(s.RunID, strconv.FormatInt(s.Now.Unix(), 10)) + "-" + strconv.Itoa(s.journalSeq)
	return s, JournalEntry{
		ID:           id,
		TenantID:     s.Tenant.ID,
		TenantDomain: s.Tenant.Domain,
		Cloud:        s.Tenant.Cloud.Name,
		Fix:          s.Run.Fix,
		AppID:        s.App.ClientID,
		What:         what,
		Original:     []string{},
		Set:          []string{},
		At:           s.Now,
		By:           s.SignedIn,
		ByTenant:     foreignTenant(s.SignedInTenant, s.Tenant.ID),
	}
}

// withJournaled adds the write e to the run's journal entry (making the entry
// on the first one): the value a setting write replaces and the value it
// sets, or — for a create — the object it is about to make. The first
// object write records every object of the plan, the later ones as Planned
// (never sent: a restore does not look for them when it removes, and makes
// them when it finishes a grant); each is marked sent right before its create.
func withJournaled(s State, e Effect) State {
	r := s.Run
	var j JournalEntry
	if r.Writes.Journal != nil {
		j = *r.Writes.Journal
		j.Objects = clone(j.Objects)
	} else {
		s, j = newJournalEntry(s, JournalWhatCreated)
	}
	switch w := e.(type) {
	case PatchUserConsent:
		j.What = JournalWhat
		j.Original, j.Set = cloneNonNil(r.UserConsent.Original), cloneNonNil(w.Policies)
	case PutConsentRequestPolicy:
		j.What = JournalWhatRequestPolicy
		orig, set := cloneRequestPolicy(*r.Workflow.Original), cloneRequestPolicy(w.Policy)
		j.OriginalRequestPolicy, j.SetRequestPolicy = &orig, &set
	default:
		if len(j.Objects) == 0 {
			for _, p := range r.Writes.Plan {
				if o, ok := objectFor(p); ok {
					o.Label = describe(s, bind(s, p)).Label
					o.Planned = true
					j.Objects = append(j.Objects, o)
				}
			}
		}
		if k := journalObjectIndex(s, r.Writes.Done); k >= 0 && k < len(j.Objects) {
			j.Objects[k].Planned = false
		}
	}
	r.Writes.Journal = &j
	return s
}

// objectFor is the journal's record of a write that creates an object or
// changes a grant's scope.
func objectFor(e Effect) (JournalObject, bool) {
	switch w := e.(type) {
	case CreateServicePrincipal:
		return JournalObject{Kind: ObjectServicePrincipal}, true
	case CreateGrant:
		return JournalObject{Kind: ObjectGrant, ResourceID: w.Grant.ResourceID, Scope: w.Grant.Scope}, true
	case UpdateGrantScope:
		return JournalObject{Kind: ObjectGrantScope, ID: w.GrantID, Scope: w.Scope, ScopeBefore: w.Before}, true
	case CreateAppRoleAssignment:
		return JournalObject{Kind: ObjectAppRoleAssignment, ResourceID: w.Assignment.ResourceID, AppRoleID: w.Assignment.AppRoleID, RoleName: w.RoleName}, true
	case CreateClassification:
		c := w.Classification
		return JournalObject{Kind: ObjectClassification, ResourceID: w.ResourceID, PermissionID: c.PermissionID, PermissionName: c.PermissionName, Classification: c.Classification}, true
	case AssignPrincipal:
		a := w.Assignment
		return JournalObject{Kind: ObjectPrincipalAssignment, ResourceID: a.ResourceID, PrincipalID: a.PrincipalID, AppRoleID: a.AppRoleID, RoleName: w.RoleName}, true
	}
	return JournalObject{}, false
}

// sentObjects are the objects of the plan's writes that were sent: only they
// can exist (a journaled create that was never sent cannot).
func sentObjects(s State, objs []JournalObject) []JournalObject {
	n := 0
	for k := 0; k < s.Run.Writes.sent && k < len(s.Run.Writes.Plan); k++ {
		if _, ok := objectFor(s.Run.Writes.Plan[k]); ok {
			n++
		}
	}
	return clone(objs[:min(n, len(objs))])
}

// journalObjectIndex is the index in the journal entry's objects of plan item i.
func journalObjectIndex(s State, i int) int {
	n := -1
	for k := 0; k <= i && k < len(s.Run.Writes.Plan); k++ {
		if _, ok := objectFor(s.Run.Writes.Plan[k]); ok {
			n++
		}
	}
	return n
}

func journaling(s State, ev Event) (State, []Effect) {
	w := &s.Run.Writes
	if w.refused != nil && w.refused.saving {
		// The entry now says a refused create made nothing (pipeline_reread.go).
		if e, ok := ev.(JournalWritten); ok {
			return afterRefusal(s, e.Err)
		}
		return s, nil
	}
	if w.Done == 0 && !w.policyFresh && w.Journal == nil {
		// The re-read before the first write: it must answer the setting's read.
		switch e := ev.(type) {
		case PolicyRead:
			if _, ok := planSetting(s).(PatchUserConsent); ok {
				return journalRecheck(s, e)
			}
		case ConsentPolicyRead:
			if _, ok := planSetting(s).(PutConsentRequestPolicy); ok {
				return journalRecheckRequest(s, e)
			}
		}
	}
	e, ok := ev.(JournalWritten)
	if !ok {
		return s, nil
	}
	if e.Err != nil {
		// The write this entry was for is not sent; the entry on disk may or
		// may not have changed. What earlier writes made is undone.
		f := Failure{Title: "Could not save the journal, so nothing was changed", Reason: e.Err.Error(),
			Remedy:    "consentwiz saves what it changes before changing it. Check that the config directory is writable, then try again.",
			Retryable: true}
		if w.Done > 0 {
			f.Title = "Could not save the journal, so consentwiz stopped"
		}
		if w.journalAfter {
			f.Title = "Could not save the journal after a change"
		}
		if w.Done == 0 && !w.journalAfter && !s.CancelAsked {
			// Nothing changed in the tenant: say so first, and offer to try
			// again; stopping removes what the save may have left (L7).
			f.retry, f.retryStep = WriteJournal{Entry: *w.Journal}, StepJournaling
			return fail(s, f)
		}
		w.journalAfter = false
		why := undoFail
		if s.CancelAsked {
			why = undoCancel
		}
		s.CancelAsked = false
		return startUndo(s, why, &f)
	}
	if w.journalAfter {
		w.journalAfter = false
		return runPlan(s)
	}
	if s.CancelAsked {
		// The entry is on disk but its write was not sent: undo (the entry
		// is removed, and anything made before it deleted) and stop.
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	return send(s, bind(s, w.Plan[w.Done]))
}

// journalRecheck compares the fresh read with the value the preview showed: the
// same → journal it and write; changed → show the preview again with the new
// value (nothing is written on a stale view of the tenant).
func journalRecheck(s State, e PolicyRead) (State, []Effect) {
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if e.Err != nil {
		f := readFailure("Could not read the user consent setting before changing it", e.Err)
		f.Remedy = "Nothing was changed. " + f.Remedy
		f.retry, f.retryStep = ReadAuthorizationPolicy{Tenant: s.target()}, StepJournaling
		return fail(s, f)
	}
	r := s.Run
	cur := cloneNonNil(e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
	if samePolicies(cur, r.UserConsent.Original) {
		r.Writes.policyFresh = true
		return runPlan(s)
	}
	r.UserConsent.Original = cur
	r.UserConsent.Target = withSelfPolicy(cur, s.fix().selfPolicy)
	plan := clone(r.Writes.Plan)
	for i, e := range plan {
		if _, ok := e.(PatchUserConsent); ok {
			plan[i] = patchUserConsent(s)
		}
	}
	r.Writes.Plan = plan
	s.Step = StepPreview
	s.InputErr = "The setting changed since consentwiz read it (another admin?). Review the change again: it now starts from the current value."
	return s, nil
}

// journalRecheckRequest is journalRecheck for a temporary request workflow: the
// request policy read right before journaling must be the one the preview showed.
func journalRecheckRequest(s State, e ConsentPolicyRead) (State, []Effect) {
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if e.Err != nil {
		f := readFailure("Could not read the consent request setting before changing it", e.Err)
		f.Remedy = "Nothing was changed. " + f.Remedy
		f.retry, f.retryStep = ReadConsentRequestPolicy{Tenant: s.target()}, StepJournaling
		return fail(s, f)
	}
	r := s.Run
	cur := cloneRequestPolicy(e.Policy)
	if r.Workflow.Original == nil || sameRequestPolicy(cur, *r.Workflow.Original) {
		if r.Workflow.Original == nil {
			r.Workflow.Original = &cur
		}
		r.Writes.policyFresh = true
		return runPlan(s)
	}
	r.Workflow.Original = &cur
	s = s.fix().replan(s)
	s.Step = StepPreview
	s.InputErr = "The consent request setting changed since consentwiz read it (another admin?). Review the change again: it now starts from the current value."
	return s, nil
}

// journalingPrompt says what is being saved to the journal: the setting a
// write replaces (read once more first), an object about to be created, or
// the id of one just created.
func journalingPrompt(s State) Prompt {
	p := Prompt{Kind: PromptProgress, Title: "Saving the current setting",
		Body: "The current value is read once more and saved to the journal on this computer first, so it can be put back even after a crash. This takes a moment."}
	r := s.Run
	switch {
	case r == nil:
	case r.Writes.refused != nil:
		p.Title = "Noting what was not made"
		p.Body = "Microsoft Graph refused to create " + describe(s, r.Writes.refused.write).Label + ", so it was not made. The journal on this computer notes that first, so that nothing consentwiz did not make is ever removed. This takes a moment."
	case r.Writes.journalAfter:
		p.Title = "Noting what was created"
		p.Body = "The new object's id is saved to the journal on this computer, so it can be found and removed even after a crash. This takes a moment."
	case r.Writes.Done < len(r.Writes.Plan) && (r.Writes.policyFresh || planSetting(s) == nil):
		if e := r.Writes.Plan[r.Writes.Done]; !isSettingWrite(s, e) {
			p.Title = "Noting the change first"
			p.Body = "What is about to be created or changed is saved to the journal on this computer first, so it can be removed even after a crash. This takes a moment."
		}
	}
	return p
}
