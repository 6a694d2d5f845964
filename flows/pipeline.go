package flows

import (
	"consentwiz/graph/entra"
	"slices"
	"strconv"
	"strings"
)

// The write pipeline every writing fix goes through: read what the change
// starts from, preview every write, journal a setting before changing it,
// write one request at a time, and read it all back. Undo is in undo.go.

// WritePipeline is a fix run's writes as they go through the pipeline: the
// plan, how far it got, the journal entry that records it, and how it ended.
type WritePipeline struct {
	// Plan is the fix's writes (effects, in order); Done how many are done;
	// Created what they created.
	Plan    []Effect
	Done    int
	Created []CreatedObject
	// Journal is the journal entry of the change in progress (its setting
	// and the objects it creates), nil once cleared or handed to a restore.
	Journal *JournalEntry
	// VerifyTries counts the reads back that did not show the change yet.
	VerifyTries int

	journaled    int  // the plan's writes saved in the journal before they were sent
	sent         int  // the plan's writes sent (the last may not be answered yet)
	journalAfter bool // the journal write in flight records a create's id (then the plan goes on)
	settingSent  bool // the journaled setting's write was sent (it may have changed the tenant)
	policyFresh  bool // the journaled setting was re-read right before journaling
	committed    bool // the writes are complete and verified (no undo on cancel)
	journalKept  bool // the journal entry stays for `consentwiz restore`
	keptOther    bool // the put-back kept someone else's later change
	// refused is a create Microsoft Graph refused, while the journal is told
	// and, when its object exists already, while the app is read again
	// (pipeline_reread.go); others name what someone else made meanwhile
	// that the plan went on with.
	refused *refusal
	others  []string
}

// UserConsentChange is the user-consent setting a fix changes
// (relax-user-consent, classify-low): the full permissionGrantPoliciesAssigned
// as read before the change, and the target.
type UserConsentChange struct {
	Original []string
	Target   []string
}

// readUserConsent reads the user-consent setting a fix changes (its begin).
func readUserConsent(s State) (State, []Effect) {
	s.Step = StepReadingPolicy
	return s, []Effect{ReadAuthorizationPolicy{Tenant: s.target()}}
}

// readingPolicy builds the plan from the setting read: the fix's writes, with
// its self-consent policy in place of the current one.
func readingPolicy(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case PolicyRead:
		if e.Err != nil {
			f := readFailure("Could not read the user consent setting", e.Err)
			f.retry, f.retryStep = ReadAuthorizationPolicy{Tenant: s.target()}, StepReadingPolicy
			return fail(s, f)
		}
		fx := s.fix()
		r := s.Run
		r.UserConsent.Original = cloneNonNil(e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
		r.UserConsent.Target = withSelfPolicy(r.UserConsent.Original, fx.selfPolicy)
		plan, f := fx.plan(s)
		if f != nil {
			return fail(s, *f)
		}
		r.Writes.Plan = plan
		s.Step = StepPreview
	case Back:
		return backToChecklist(s)
	}
	return s, nil
}

// patchUserConsent is the write that sets the user-consent setting to the run's target.
func patchUserConsent(s State) PatchUserConsent {
	return PatchUserConsent{Tenant: s.target(), Policies: clone(s.Run.UserConsent.Target)}
}

// --- preview, journal, write, verify -----------------------------------------

func preview(s State, ev Event) (State, []Effect) {
	switch ev.(type) {
	case Confirmed:
		if s.DryRun {
			reqs := make([]RequestPreview, 0, len(s.Run.Writes.Plan))
			for _, e := range s.Run.Writes.Plan {
				if r, ok := RequestFor(bind(s, e)); ok {
					reqs = append(reqs, r)
				}
			}
			sum := "Dry run: nothing was changed. These are the requests the fix would send."
			if f := s.fix(); f.restoreAfter != nil {
				if after := f.restoreAfter(s); len(after) > 0 {
					for _, e := range after {
						if r, ok := RequestFor(e); ok {
							reqs = append(reqs, r)
						}
					}
					sum = "Dry run: nothing was changed. These are the requests the fix would send; the last puts the setting back as it was, after the user connected."
				}
			}
			return finish(s, Outcome{Kind: OutcomeDryRun, Summary: sum, Requests: reqs})
		}
		return runPlan(s)
	case Back:
		if f := s.fix(); f.previewBack != nil {
			return f.previewBack(s)
		}
		return backToChecklist(s)
	}
	return s, nil
}

// runPlan emits the next write of the plan, or starts verification when all
// are done. Every write that changes a setting or creates an object is saved
// in the journal before it is sent (journalFirst): a crash at any point
// leaves an entry that `consentwiz restore` can act on.
func runPlan(s State) (State, []Effect) {
	w := &s.Run.Writes
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if w.Done >= len(w.Plan) {
		w.VerifyTries = 0
		return verify(s)
	}
	if w.Done == 0 && !w.policyFresh && planSetting(s) != nil {
		// Read the setting again right before the first write: another admin
		// may have changed it while the preview was on screen, and the
		// journal must hold the value that is really replaced.
		s.Step = StepJournaling
		return s, []Effect{journalRead(planSetting(s), s.target())}
	}
	e := bind(s, w.Plan[w.Done])
	if w.journaled <= w.Done && journalFirst(s, e) {
		s = withJournaled(s, e)
		w.journaled = w.Done + 1
		s.Step = StepJournaling
		return s, []Effect{WriteJournal{Entry: *w.Journal}}
	}
	return send(s, e)
}

// send emits a write of the plan.
func send(s State, e Effect) (State, []Effect) {
	s.Run.Writes.sent = max(s.Run.Writes.sent, s.Run.Writes.Done+1)
	switch e.(type) {
	case PatchUserConsent, PutConsentRequestPolicy:
		s.Run.Writes.settingSent = true
	}
	s.Step = StepWriting
	return s, []Effect{e}
}

func writing(s State, ev Event) (State, []Effect) {
	r := s.Run
	if r.Writes.refused != nil {
		return rereading(s, ev)
	}
	e, ok := ev.(WriteDone)
	if !ok || r.Writes.Done >= len(r.Writes.Plan) {
		return s, nil
	}
	cur := bind(s, r.Writes.Plan[r.Writes.Done])
	if w, ok := cur.(WriteEffect); !ok || (e.Op != "" && e.Op != w.Op()) {
		return s, nil
	}
	if createRefused(cur, e) {
		return refused(s, cur, e.Err)
	}
	if e.Err != nil {
		f := writeFailure(s, cur, e.Err)
		if entra.IsThrottled(e.Err) && !s.CancelAsked {
			// A 429 was not processed: nothing of this write happened.
			f.retry, f.retryStep = cur, StepWriting
			f.canUndo = r.Writes.Done > 0
			return fail(s, f)
		}
		why := undoFail
		if s.CancelAsked {
			why = undoCancel
		}
		s.CancelAsked = false
		return startUndo(s, why, &f)
	}
	s = recordWrite(s, cur, e.ID)
	if _, ok := objectFor(cur); ok && e.ID != "" && r.Writes.Journal != nil {
		// Save the new object's id: a restore finds it by id, not by its
		// key. When the next write is journaled first anyway, that one save
		// records both.
		if k := journalObjectIndex(s, r.Writes.Done); k >= 0 && k < len(r.Writes.Journal.Objects) {
			j := *r.Writes.Journal
			j.Objects = clone(j.Objects)
			j.Objects[k].ID = e.ID
			r.Writes.Journal = &j
			r.Writes.Done++
			if r.Writes.Done < len(r.Writes.Plan) && journalFirst(s, r.Writes.Plan[r.Writes.Done]) {
				return runPlan(s)
			}
			r.Writes.journalAfter = true
			s.Step = StepJournaling
			return s, []Effect{WriteJournal{Entry: j}}
		}
	}
	r.Writes.Done++
	return runPlan(s)
}

// recordWrite notes a successful write: what was created, and the change log line.
func recordWrite(s State, e Effect, id string) State {
	r := s.Run
	add := func(kind ObjectKind, parent, label string) {
		r.Writes.Created = append(clone(r.Writes.Created), CreatedObject{Kind: kind, ID: id, ParentID: parent, Label: label, step: r.Writes.Done})
	}
	c := describe(s, e)
	switch w := e.(type) {
	case CreateServicePrincipal:
		add(ObjectServicePrincipal, "", c.Label)
	case CreateGrant:
		add(ObjectGrant, "", c.Label)
	case CreateAppRoleAssignment:
		add(ObjectAppRoleAssignment, w.Assignment.ResourceID, c.Label)
	case CreateClassification:
		add(ObjectClassification, w.ResourceID, c.Label)
	case AssignPrincipal:
		add(ObjectAppRoleAssignment, w.Assignment.ResourceID, c.Label)
	}
	ch := Change{What: c.Label, Before: c.Before, After: c.After, At: s.Now, key: changeKey(e, id)}
	if p, ok := e.(PatchUserConsent); ok {
		ch.Before, ch.After = policySummary(r.UserConsent.Original), policySummary(p.Policies)
	}
	return addChange(s, ch)
}

func addChange(s State, c Change) State {
	s.Changes = append(clone(s.Changes), c)
	s.staleDiag = true
	return s
}

// markVerified marks the change log lines of this fix's writes as verified.
func markVerified(s State) State {
	n := min(len(s.Run.Writes.Plan), len(s.Changes))
	s.Changes = clone(s.Changes)
	for i := len(s.Changes) - n; i < len(s.Changes); i++ {
		s.Changes[i].Verified = true
	}
	return s
}

func verify(s State) (State, []Effect) {
	s.Step = StepVerifying
	return s, []Effect{s.fix().verifyRead(s)}
}

func verifying(s State, ev Event) (State, []Effect) {
	w := &s.Run.Writes
	if e, ok := ev.(Tick); ok {
		if e.Seq != s.PollSeq {
			return s, nil
		}
		return s, []Effect{s.fix().verifyRead(s)}
	}
	v := s.fix().verify(s, ev)
	switch {
	case !v.handled:
		return s, nil
	case v.readFailed:
		return verifyReadFailed(s, v.err)
	case v.notApplied != "":
		// docs/entra.md A1: a 204 that changed nothing.
		s = markUnverified(s)
		f := Failure{
			Title:   "The service accepted the change but did not apply it",
			Reason:  v.notApplied,
			AltFix:  altFix(s),
			Outcome: OutcomeNotApplied,
		}
		f.Remedy = remedyFor(f)
		// The restore reads the setting (the original: nothing to write),
		// removes what the fix created on the way, and clears the entry.
		return startUndo(s, undoFail, &f)
	case v.problem != "":
		w.VerifyTries++
		if w.VerifyTries < MaxVerifyTries {
			s.PollSeq++
			return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
		}
		return fail(s, Failure{
			Title:     "The change could not be verified",
			Reason:    "After the write, " + v.problem + ".",
			Remedy:    "Check again in a moment, undo the change, or keep it and check it in the Entra admin center.",
			canUndo:   true,
			canVerify: true,
		})
	}
	if v.snap != nil {
		s.Snap = v.snap
	}
	s = markVerified(s)
	w.VerifyTries = 0
	return verified(s)
}

func markUnverified(s State) State {
	// The write did not apply: its change log line says so, and it is not
	// in place.
	if n := len(s.Changes); n > 0 {
		s.Changes = clone(s.Changes)
		s.Changes[n-1].After = s.Changes[n-1].Before + " (not applied by the service)"
		s.Changes[n-1].back = true
	}
	return s
}

func verifyReadFailed(s State, err error) (State, []Effect) {
	f := readFailure("Could not read back the change", err)
	f.Remedy = "The change was made but could not be checked. " + f.Remedy
	f.canUndo, f.canVerify = true, true
	return fail(s, f)
}

// verified continues the fix after its writes were read back; by default
// the change stays and its journal entry is cleared.
func verified(s State) (State, []Effect) {
	if f := s.fix(); f.then != nil {
		return f.then(s)
	}
	return clearJournalThenFinish(s)
}

// finishVerified ends a fix that worked, with its summary. In the demo the
// simulated user tries the app again first, and the summary says what they got.
func finishVerified(s State) (State, []Effect) {
	if f := s.fix(); f.notFixed != nil {
		if why := f.notFixed(s); why != "" {
			kind := OutcomeNotFixed
			if s.Run.Writes.journalKept {
				kind = OutcomeRestoreNeeded
			}
			return finish(s, Outcome{Kind: kind, Summary: why})
		}
	}
	if f := s.fix(); f.done != nil {
		if s, effs, ok := f.done(s); ok {
			return s, effs
		}
	}
	o := Outcome{Kind: OutcomeVerified, Summary: s.fix().summary(s) + othersNote(s)}
	if s.Demo && s.Run.demoAfter == nil && s.App.ClientID != "" {
		s.Run.demoAfter = &o
		s.Step = StepDemoUser
		return s, []Effect{simulateUser(s)}
	}
	return finish(s, o)
}

// demoUser waits for the simulated user's second try (demo only).
func demoUser(s State, ev Event) (State, []Effect) {
	o := *s.Run.demoAfter
	switch e := ev.(type) {
	case UserSimulated:
		if e.Err != nil {
			o.Summary += "\n\nThe simulated user could not try again: " + e.Err.Error()
		} else {
			o.Summary += "\n\nThe user tries the app again and gets " + screenName(e.Screen) + "."
			if e.Detail != "" {
				o.Summary += " " + e.Detail
			}
		}
		return finish(s, o)
	case Confirmed, DoneKey:
		return finish(s, o)
	}
	return s, nil
}

func simulateUser(s State) SimulateUser {
	return SimulateUser{Tenant: s.target(), AppID: s.App.ClientID, Scopes: requestedScopes(s)}
}

// clearJournalThenFinish ends a fix whose change is meant to stay: the journal
// has done its job and is cleared (through the restore's last step).
func clearJournalThenFinish(s State) (State, []Effect) {
	w := &s.Run.Writes
	w.committed = true
	if w.Journal == nil {
		return finishVerified(s)
	}
	j := w.Journal
	w.Journal = nil
	s.Restore = &RestoreRun{Entry: j, then: afterRestoreDone, clearWhy: clearKept}
	s.Step = StepRestoreClearing
	return s, []Effect{ClearJournal{ID: j.ID}}
}

// --- the settings a journal holds ----------------------------------------------

// samePolicies compares two permissionGrantPoliciesAssigned values as sets, ignoring case.
func samePolicies(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, 0, len(l))
		for _, x := range l {
			x = strings.ToLower(strings.TrimSpace(x))
			if x != "" && !containsFold(out, x) {
				out = append(out, x)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

// withSelfPolicy keeps every entry that is not a ManagePermissionGrantsForSelf.* entry
// (so ManagePermissionGrantsForOwnedResource.* stay) and sets the self-consent policy.
func withSelfPolicy(orig []string, policyID string) []string {
	out := []string{}
	for _, p := range orig {
		if !hasPrefixFold(p, entra.SelfConsentPrefix) {
			out = append(out, p)
		}
	}
	return append(out, entra.SelfConsentPrefix+policyID)
}

// portalName names a permissionGrantPoliciesAssigned value as the admin center does.
func portalName(p []string) string {
	_, name, _ := ConsentSetting(p)
	return name
}

func policyText(p []string) string {
	if len(p) == 0 {
		return portalName(p) + " (no policies assigned)"
	}
	return portalName(p) + " (" + strings.Join(p, ", ") + ")"
}

// policySummary names a user-consent value for the preview and the change
// log: the portal's name and the self-consent policies (unless the name
// already says which), with the group/team/developer entries, which the
// fixes keep unchanged, only counted. keptEntriesText names those once
// (the preview's note); the journal holds every entry.
func policySummary(p []string) string {
	var self []string
	kept := 0
	out := portalName(p)
	named := true
	for _, v := range p {
		if hasPrefixFold(v, entra.OwnedResourceConsentPrefix) {
			kept++
			continue
		}
		self = append(self, v)
		if _, id, _ := strings.Cut(v, "."); !strings.Contains(out, id) {
			named = false
		}
	}
	if len(self) > 0 && !named {
		out += " (" + strings.Join(self, ", ") + ")"
	}
	switch {
	case kept == 1:
		out += " + 1 group/team consent entry"
	case kept > 1:
		out += " + " + strconv.Itoa(kept) + " group/team consent entries"
	}
	return out
}

// keptEntriesText says which entries of a user-consent value a fix leaves
// as they are (group, team and developer consent).
func keptEntriesText(p []string) string {
	var kept []string
	for _, v := range p {
		if hasPrefixFold(v, entra.OwnedResourceConsentPrefix) {
			kept = append(kept, v[len(entra.OwnedResourceConsentPrefix):])
		}
	}
	if len(kept) == 0 {
		return "Other entries (group, team and developer consent) stay as they are."
	}
	return "The other entries (group, team and developer consent) stay as they are: " + strings.Join(kept, ", ") + "."
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

// sameQuery compares two reviewer queries, ignoring case and the API version.
func sameQuery(a, b string) bool {
	norm := func(q string) string {
		q = strings.ToLower(strings.TrimSpace(q))
		for _, p := range []string{"/beta", "/v1.0"} {
			q = strings.TrimPrefix(q, p)
		}
		return q
	}
	return norm(a) == norm(b)
}

// requestPolicyText is a request policy in words: on/off, reviewers, notifications, duration.
func requestPolicyText(p entra.AdminConsentRequestPolicy) string {
	if !p.IsEnabled {
		return "requests off"
	}
	return "requests " + workflowText(p) + ", email " + onOff(p.NotifyReviewers) + ", reminders " + onOff(p.RemindersEnabled) + ", expire after " + strconv.Itoa(p.RequestDurationInDays) + " days"
}

func workflowText(p entra.AdminConsentRequestPolicy) string {
	if !p.IsEnabled {
		return "off"
	}
	if len(p.Reviewers) == 1 {
		return "on, 1 reviewer"
	}
	return "on, " + strconv.Itoa(len(p.Reviewers)) + " reviewers"
}
