package flows

import (
	"consentwiz/graph/entra"
	"strconv"
	"strings"
)

// request-workflow: enable "Users can request admin consent" (the admin
// consent request policy, with reviewers), keep user consent off, wait for the
// user's request, show it and approve it through a consent URL built from the
// request. A request already pending is approved directly. Temporary: the
// policy is journaled and put back after the approval. Its prompts and its
// part of the hand-off are in fix_request_workflow_prompt.go.

// FixRequestWorkflow lets users request approval, then approves the request.
const FixRequestWorkflow FixID = "request-workflow"

var requestWorkflowFix = &fix{
	id:     FixRequestWorkflow,
	role:   NeedsGlobalAdmin,
	scopes: []string{ScopeConsentRequestWrite, entra.ScopeUserReadBasicAll, entra.ScopeGroupMemberReadAll},
	viable: workflowViable,
	rank:   3,
	first:  func(d *Diagnosis) bool { return len(d.PendingRequests) > 0 },
	recommendWhy: func(d *Diagnosis) string {
		if len(d.PendingRequests) > 0 {
			return "A user's request is already pending: approving it grants consent and answers the user."
		}
		return "Let users ask for approval so a reviewer can grant consent."
	},
	altWhy: "let users request approval.",
	optionDetail: func(s State) (string, bool) {
		if req := pendingRequest(s.Snap, s.App.ClientID); req != nil {
			return "A request from " + requesterName(req) + " is waiting: show it and approve it.", true
		}
		return "", false
	},
	phases: func(s State) []string {
		// A pending request is approved directly (see start); count it the
		// same way on the fix choice, so the total does not jump from 8 to 5.
		if s.Run != nil && s.Run.directRequest || s.Run == nil && pendingRequest(s.Snap, s.App.ClientID) != nil {
			return []string{"Approve the request"}
		}
		return []string{"Choose who approves requests", "Enable consent requests", "Wait for the user's request", "Approve the request"}
	},
	stepNo: func(s State) int {
		switch s.Step {
		case StepReviewers, StepReviewerSearch, StepReviewerPick, StepWorkflowOptions, StepWorkflowDuration:
			return 5
		case StepJournaling, StepWriting, StepVerifying:
			return 6
		case StepRequestWait:
			return 7
		case StepRequestShow, StepRequestApprove:
			if s.Run.directRequest {
				return 5
			}
			return 8
		}
		return 0
	},
	start: func(s State) (State, []Effect) {
		if req := pendingRequest(s.Snap, s.App.ClientID); req != nil {
			s.Run.Request = req
			s.Run.directRequest = true
			s.Step = StepRequestShow
			return s, nil
		}
		return askWritePermission(s)
	},
	begin: func(s State) (State, []Effect) {
		s = initRequestPolicy(s)
		s.Step = StepReviewers
		return s, nil
	},
	replan: replanRequestPolicy,
	previewBack: func(s State) (State, []Effect) {
		s.Run.Plan = nil
		s.Step = StepWorkflowOptions
		return s, nil
	},
	preview: func(State) (string, string) {
		return "Review: enable consent requests", "Users who are blocked can then send a request with a reason; the reviewers approve it. User consent stays as it is."
	},
	verifyRead: func(s State) Effect { return ReadConsentRequestPolicy{Tenant: s.target()} },
	verify: func(s State, ev Event) verdict {
		e, ok := ev.(ConsentPolicyRead)
		switch {
		case !ok:
			return verdict{}
		case e.Err != nil:
			return verdict{handled: true, readFailed: true, err: e.Err}
		}
		return verdict{handled: true, problem: workflowMismatch(e.Policy, s.Run.RequestPolicy)}
	},
	then: func(s State) (State, []Effect) {
		// Temporary: the journal stays until the request is approved, so a
		// cancel meanwhile puts the original policy back.
		s.Run.committed = s.Run.Journal == nil
		s.Step = StepRequestWait
		s, effs := startPolling(s, PollRequestsEvery, pollRequests(s))
		if s.Demo {
			// Demo: the simulated user asks at once, so the wait ends.
			effs = append([]Effect{simulateUser(s)}, effs...)
		}
		return s, effs
	},
	summary: func(s State) string {
		sum := "The consent request for " + appName(s) + " was approved."
		if s.Run.RequestTemporary {
			switch {
			case s.Run.journalKept:
				sum += " Consent requests are NOT turned off again yet: the saved setting stays in the journal; run `consentwiz restore`."
			case s.Run.keptOther:
				sum += " Someone else changed the consent request setting meanwhile; it was kept as they set it."
			default:
				sum += " The consent request setting is back to what it was."
			}
		}
		return sum
	},
	steps: []StepID{StepReviewers, StepReviewerSearch, StepReviewerPick, StepWorkflowOptions, StepWorkflowDuration,
		StepRequestWait, StepRequestShow, StepRequestApprove},
	step:         requestWorkflowStep,
	prompt:       requestWorkflowPrompt,
	handoffRank:  2,
	handoff:      requestWorkflowHandoff,
	handoffKey:   requestWorkflowHandoffKey,
	handoffRoute: func(*handoffBuilder) string { return HandoffApproveRequest },
}

// workflowViable: requests help when users cannot consent themselves; a
// pending request can be approved at once.
func workflowViable(g *diag) FixOption {
	f := FixOption{ID: FixRequestWorkflow, Title: "Let users request approval, then approve", Viable: true}
	if r := g.commonBlock(); r != "" {
		f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
		return notViable(f, r)
	}
	if len(g.d.PendingRequests) > 0 {
		f.Title = "Approve the pending request"
		f.NeedsRole, f.HasRole = g.consentRole()
		who := firstNonEmpty(g.d.PendingRequests[0].Requester, "a user")
		f.Reason = "a request from " + who + " is pending: approve it with the consent link built from the request"
		return f
	}
	if g.d.UserScreen == ScreenConsentPrompt {
		f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
		return notViable(f, "users can consent to the app themselves, so they are never offered a request")
	}
	f.Writes = true
	f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
	switch {
	case !g.wfKnown:
		f.Reason = "the request workflow could not be read; enable it with reviewers, the user requests, a reviewer approves"
	case g.d.RequestWorkflow.Enabled && len(g.d.RequestWorkflow.Reviewers) == 0:
		f.Reason = "the workflow is on but has no reviewers: add reviewers, then the user requests again"
	case g.d.RequestWorkflow.Enabled:
		f.Writes = false
		f.NeedsRole, f.HasRole = g.consentRole()
		f.Reason = "the workflow is on: the user submits a request from the 'Approval required' screen, then a reviewer approves it"
	default:
		f.Reason = "turn on 'Users can request admin consent' with reviewers (it can take up to an hour); the user requests, a reviewer approves"
	}
	return f
}

func requestWorkflowStep(s State, ev Event) (State, []Effect) {
	switch s.Step {
	case StepReviewers:
		return reviewers(s, ev)
	case StepReviewerSearch:
		return reviewerSearch(s, ev)
	case StepReviewerPick:
		return reviewerPick(s, ev)
	case StepWorkflowOptions:
		return workflowOptions(s, ev)
	case StepWorkflowDuration:
		return workflowDuration(s, ev)
	case StepRequestWait:
		return requestWait(s, ev)
	case StepRequestShow:
		return requestShow(s, ev)
	}
	return requestApprove(s, ev)
}

// --- reviewers and options ----------------------------------------------------------

// Scope returns the reviewer as an accessReviewReviewerScope (docs/entra.md A3).
func (r Reviewer) Scope() entra.ReviewerScope {
	q := ""
	switch r.Kind {
	case ReviewerUser:
		q = "/users/" + r.ID
	case ReviewerGroup:
		q = "/groups/" + r.ID + "/transitiveMembers/microsoft.graph.user"
	case ReviewerRole:
		q = "/beta/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '" + r.ID + "'"
	}
	return entra.ReviewerScope{Query: q, QueryType: "MicrosoftGraph"}
}

// reviewerRoles are the roles offered as reviewers: they can approve (docs/entra.md A7).
var reviewerRoles = []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin}

func initRequestPolicy(s State) State {
	var orig entra.AdminConsentRequestPolicy
	if s.Snap != nil {
		orig = s.Snap.ConsentRequestPolicy
	}
	orig = cloneRequestPolicy(orig)
	s.Run.OriginalRequestPolicy = &orig
	p := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 30}
	if orig.IsEnabled {
		p.NotifyReviewers, p.RemindersEnabled = orig.NotifyReviewers, orig.RemindersEnabled
		if orig.RequestDurationInDays > 0 {
			p.RequestDurationInDays = orig.RequestDurationInDays
		}
	}
	s.Run.RequestPolicy = p
	return s
}

func hasReviewer(list []Reviewer, r Reviewer) bool {
	for _, x := range list {
		if x.Kind == r.Kind && strings.EqualFold(x.ID, r.ID) {
			return true
		}
	}
	return false
}

func addReviewer(s State, r Reviewer) State {
	if r.ID != "" && !hasReviewer(s.Run.Reviewers, r) {
		s.Run.Reviewers = append(clone(s.Run.Reviewers), r)
	}
	return s
}

func meReviewer(s State) Reviewer {
	if s.Snap == nil {
		return Reviewer{}
	}
	return Reviewer{Kind: ReviewerUser, ID: s.Snap.Me.ID, Name: s.Snap.Me.DisplayName, Detail: s.Snap.Me.UserPrincipalName}
}

func reviewers(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		s.InputErr = ""
		switch {
		case e.Key == KeyMe:
			s = addReviewer(s, meReviewer(s))
		case e.Key == KeySearch:
			s.Step = StepReviewerSearch
		case strings.HasPrefix(string(e.Key), keyRolePrefix):
			id := strings.TrimPrefix(string(e.Key), keyRolePrefix)
			if name, ok := entra.RoleNames[id]; ok {
				s = addReviewer(s, Reviewer{Kind: ReviewerRole, ID: id, Name: name})
			}
		case e.Key == KeyClear:
			s.Run.Reviewers = nil
		case e.Key == KeyContinue:
			if len(s.Run.Reviewers) == 0 && len(s.Run.OriginalRequestPolicy.Reviewers) == 0 {
				s.InputErr = "Choose at least one reviewer: someone who can approve requests."
				return s, nil
			}
			s.Step = StepWorkflowOptions
		}
	case Back:
		return toChecklist(s), nil
	}
	return s, nil
}

func reviewerSearch(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Entered:
		q := strings.TrimSpace(e.Text)
		if q == "" {
			s.InputErr = "Type part of a name, an email address or a group name."
			return s, nil
		}
		s.InputErr = ""
		r.searchQuery = q
		r.searching = true
		return s, []Effect{SearchReviewers{Tenant: s.target(), Query: q}}
	case ReviewersFound:
		if !r.searching {
			return s, nil
		}
		r.searching = false
		switch {
		case e.Err != nil:
			s.InputErr = "Search failed: " + e.Err.Error()
		case len(e.Reviewers) == 0:
			s.InputErr = "No users or groups match \"" + r.searchQuery + "\"."
		default:
			r.Candidates = clone(e.Reviewers)
			s.Step = StepReviewerPick
		}
	case Back:
		r.searching = false
		s.InputErr = ""
		s.Step = StepReviewers
	}
	return s, nil
}

func reviewerPick(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		if e.Key == KeySearch {
			s.Step = StepReviewerSearch
			return s, nil
		}
		i, err := strconv.Atoi(strings.TrimPrefix(string(e.Key), keyPickPrefix))
		if err != nil || !strings.HasPrefix(string(e.Key), keyPickPrefix) || i < 0 || i >= len(s.Run.Candidates) {
			return s, nil
		}
		s = addReviewer(s, s.Run.Candidates[i])
		s.Run.Candidates = nil
		s.Step = StepReviewers
	case Back:
		s.Step = StepReviewerSearch
	}
	return s, nil
}

func workflowOptions(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyNotify:
			r.RequestPolicy.NotifyReviewers = !r.RequestPolicy.NotifyReviewers
		case KeyReminders:
			r.RequestPolicy.RemindersEnabled = !r.RequestPolicy.RemindersEnabled
		case KeyTemporary:
			r.RequestTemporary = !r.RequestTemporary
		case KeyDuration:
			s.InputErr = ""
			s.Step = StepWorkflowDuration
		case KeyContinue:
			s = replanRequestPolicy(s)
			s.Step = StepPreview
		}
	case Back:
		s.Step = StepReviewers
	}
	return s, nil
}

// replanRequestPolicy plans the PUT of the policy as chosen, over the original.
func replanRequestPolicy(s State) State {
	s.Run.RequestPolicy = finalRequestPolicy(s)
	s.Run.Plan = []Effect{PutConsentRequestPolicy{Tenant: s.target(), Policy: s.Run.RequestPolicy}}
	return s
}

// finalRequestPolicy is the full policy to PUT: the existing reviewers plus the chosen ones.
func finalRequestPolicy(s State) entra.AdminConsentRequestPolicy {
	r := s.Run
	p := r.RequestPolicy
	p.ID, p.Version = "", 0
	p.IsEnabled = true
	var revs []entra.ReviewerScope
	if r.OriginalRequestPolicy != nil {
		revs = clone(r.OriginalRequestPolicy.Reviewers)
	}
	for _, rv := range r.Reviewers {
		sc := rv.Scope()
		dup := false
		for _, x := range revs {
			if sameQuery(x.Query, sc.Query) {
				dup = true
			}
		}
		if !dup {
			revs = append(revs, sc)
		}
	}
	if revs == nil {
		revs = []entra.ReviewerScope{}
	}
	p.Reviewers = revs
	return p
}

func workflowDuration(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		n, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil || n < 1 || n > 30 {
			s.InputErr = "Type a number of days from 1 to 30."
			return s, nil
		}
		s.InputErr = ""
		s.Run.RequestPolicy.RequestDurationInDays = n
		s.Step = StepWorkflowOptions
	case Back:
		s.InputErr = ""
		s.Step = StepWorkflowOptions
	}
	return s, nil
}

func workflowMismatch(got, want entra.AdminConsentRequestPolicy) string {
	var probs []string
	if !got.IsEnabled {
		probs = append(probs, "consent requests are still off")
	}
	for _, w := range want.Reviewers {
		found := false
		for _, g := range got.Reviewers {
			if sameQuery(g.Query, w.Query) {
				found = true
			}
		}
		if !found {
			probs = append(probs, "reviewer "+w.Query+" is missing")
		}
	}
	if got.NotifyReviewers != want.NotifyReviewers || got.RemindersEnabled != want.RemindersEnabled || got.RequestDurationInDays != want.RequestDurationInDays {
		probs = append(probs, "the notification settings differ")
	}
	return strings.Join(probs, "; ")
}

// --- the request ------------------------------------------------------------------------

// pendingRequest returns the app's pending consent request in snap, if any.
func pendingRequest(snap *entra.TenantSnapshot, appID string) *entra.AppConsentRequest {
	if snap == nil {
		return nil
	}
	for _, r := range snap.PendingRequests {
		if !strings.EqualFold(r.AppID, appID) {
			continue
		}
		pending := len(r.UserConsentRequests) == 0
		for _, u := range r.UserConsentRequests {
			if strings.EqualFold(u.Status, "InProgress") {
				pending = true
			}
		}
		if pending {
			rr := r
			rr.PendingScopes = clone(r.PendingScopes)
			rr.UserConsentRequests = clone(r.UserConsentRequests)
			return &rr
		}
	}
	return nil
}

func requestMissing(s State, snap *entra.TenantSnapshot) []string {
	if pendingRequest(snap, s.App.ClientID) != nil {
		return nil
	}
	return []string{"a request from the user"}
}

func requestWait(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case e.Key == KeyStop:
			// Requests are on (verified, in the changes), but the user is
			// not in yet: the approval is handed over, not fixed.
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests are on. When the user requests " + appName(s) + ", approve it in the Entra admin center (Enterprise applications → Admin consent requests)."})
		case e.Key == KeySimulate && s.Demo:
			return s, []Effect{simulateUser(s)}
		}
		return s, nil
	case UserSimulated:
		return userSimulated(s, e, "ask")
	case Back:
		if temporaryPending(s) {
			return s, nil // the original request setting must be put back first: cancel does
		}
		return toChecklist(s), nil
	}
	s, effs, done, snap := pollEvent(s, ev, requestMissing)
	if done {
		s.Run.Request = pendingRequest(snap, s.App.ClientID)
		s.Step = StepRequestShow
		return s, nil
	}
	return s, effs
}

// requestURL approves the request: the consent URL built from it, in the tenant's cloud.
func requestURL(s State) string {
	r := s.Run.Request
	if r == nil {
		return ""
	}
	return RequestApprovalURL(s.Tenant.Cloud, s.Tenant.segment(), *r, len(r.PendingScopes) == 0)
}

func requestShow(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyApprove:
			s.Run.Link = requestURL(s)
			s.Step = StepRequestApprove
			s, effs := startPolling(s, PollGrantEvery, pollGrant(s))
			return s, append([]Effect{OpenURL{URL: s.Run.Link}}, effs...)
		case KeyCopy:
			return s, []Effect{CopyText{Text: requestURL(s)}}
		case KeyGrant:
			if f, ok := s.Diagnosis.Fix(FixGrantDirect); !ok || !f.Viable || temporaryPending(s) {
				return s, nil
			}
			return startFix(toChecklist(s), FixGrantDirect)
		case KeyStop:
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "The request is waiting for approval in the Entra admin center (Enterprise applications → Admin consent requests)."})
		}
	case Back:
		if temporaryPending(s) {
			return s, nil
		}
		return toChecklist(s), nil
	}
	return s, nil
}

// requestScopes are the scopes the request asks for (else the app's).
func requestScopes(s State) []string {
	if r := s.Run.Request; r != nil && len(r.PendingScopes) > 0 {
		out := make([]string, 0, len(r.PendingScopes))
		for _, p := range r.PendingScopes {
			out = append(out, p.DisplayName)
		}
		return out
	}
	return requestedScopes(s)
}

func requestApprove(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyOpen:
			return s, []Effect{OpenURL{URL: r.Link}}
		case KeyCopy:
			return s, []Effect{CopyText{Text: r.Link}}
		}
		return s, nil
	case Opened:
		r.ioNote, _ = linkNote(e)
		return s, nil
	case Copied:
		return s, nil
	case Back:
		s = stopPolling(s)
		s.Step = StepRequestShow
		return s, nil
	}
	check := func(s State, snap *entra.TenantSnapshot) []string {
		return coverage(s, snap, requestScopes(s), true, nil)
	}
	s, effs, done, snap := pollEvent(s, ev, check)
	if !done {
		return s, effs
	}
	s.Snap = snap
	who := requesterName(r.Request)
	s = addChange(s, Change{What: "Admin consent for " + appName(s) + " (request from " + who + ")", Before: "requested", After: "approved: " + strings.Join(requestScopes(s), " "), Verified: true, At: s.Now})
	if temporaryPending(s) {
		// Temporary: turn requests off again (the restore sub-machine: read,
		// compare, put the original back, verify, clear the journal).
		j := *r.Journal
		s.Restore = &RestoreRun{Entry: &j, then: afterRestoreDone}
		return restoreRead(stopPolling(s))
	}
	r.committed = true
	return finishVerified(s)
}

// temporaryPending reports whether a temporary request workflow has turned requests
// on and the journaled original is still to be put back.
func temporaryPending(s State) bool {
	r := s.Run
	return !r.committed && r.Journal != nil && r.Journal.IsRequestPolicy()
}

// stopTemporary ends a temporary request workflow before the approval: requests
// stay on for the reviewers, and the journal keeps the original for `consentwiz restore`.
func stopTemporary(s State) (State, []Effect) {
	s.Run.committed = true
	s.Run.journalKept = true
	s = stopPolling(s)
	return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests stay on until the request for " + appName(s) + " is approved in the Entra admin center (Enterprise applications → Admin consent requests). Then run `consentwiz restore` to turn them off again: the original setting is saved in the journal.", JournalKept: true})
}

func requesterName(r *entra.AppConsentRequest) string {
	if r == nil {
		return "a user"
	}
	for _, u := range r.UserConsentRequests {
		if u.CreatedBy.User != nil && u.CreatedBy.User.DisplayName != "" {
			return u.CreatedBy.User.DisplayName
		}
	}
	return "a user"
}
