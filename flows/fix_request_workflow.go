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
// policy is journaled and put back after the approval. This file has the fix
// up to the request policy (the options); the reviewers are in
// fix_request_workflow_reviewers.go; the request itself (wait, show,
// approve) and the fix's part of the hand-off are in
// fix_request_workflow_request.go.

// RequestWorkflow is request-workflow's part of a fix run: the request
// policy as read and as it is being set, its reviewers, and the user's
// request.
type RequestWorkflow struct {
	// Original is the admin consent request policy as read before the
	// change; Policy the one being set.
	Original  *entra.AdminConsentRequestPolicy
	Policy    entra.AdminConsentRequestPolicy
	Reviewers []Reviewer
	Request   *entra.AppConsentRequest // the request shown / approved
	// Temporary: turn requests off again (put the original policy back) after the approval.
	Temporary bool

	direct bool // started from a pending request
	// grantedElsewhere: consent was granted another way while it waited.
	grantedElsewhere bool
}

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
		// A pending request is approved directly (see start). The wait for
		// the request is one step with its approval: in the demo the request
		// comes at once, and a step of its own would flash by.
		if s.Run != nil && s.Run.Workflow.direct {
			return []string{"Approve the request"}
		}
		return []string{"Choose who approves requests", "Enable consent requests", "Get the user's request and approve it"}
	},
	stepNo: func(s State) int {
		switch {
		case s.Step == StepReviewers, s.Step == StepReviewerSearch, s.Step == StepReviewerPick, s.Step == StepWorkflowOptions, s.Step == StepWorkflowDuration:
			return 5
		case s.Step == StepPreview, s.Step == StepJournaling, s.Step == StepWriting, s.Step == StepVerifying:
			return 6
		case s.Step == StepRequestWait, s.Step == StepRequestShow, s.Step == StepRequestApprove,
			isRestoreStep(s.Step) && s.Restore != nil && s.Restore.then == afterRestoreDone:
			if s.Run.Workflow.direct {
				return 5
			}
			return 7
		}
		return 0
	},
	start: func(s State) (State, []Effect) {
		if req := pendingRequest(s.Snap, s.App.ClientID); req != nil {
			s.Run.Workflow.Request = req
			s.Run.Workflow.direct = true
			return showRequest(s)
		}
		return askWritePermission(s)
	},
	begin: func(s State) (State, []Effect) {
		s = initRequestPolicy(s)
		s.Step = StepReviewers
		return s, nil
	},
	replan: replanRequestPolicy,
	restoreAfter: func(s State) []Effect {
		if !s.Run.Workflow.Temporary || s.Run.Workflow.Original == nil {
			return nil
		}
		return []Effect{PutConsentRequestPolicy{Tenant: s.target(), Policy: cloneRequestPolicy(*s.Run.Workflow.Original)}}
	},
	previewBack: func(s State) (State, []Effect) {
		s.Run.Writes.Plan = nil
		s.Step = StepWorkflowOptions
		return s, nil
	},
	preview: func(s State) (string, string) {
		body := "Users who are blocked can then send a request with a reason; the reviewers approve it. User consent stays as it is."
		if s.Run.Workflow.Temporary {
			body = note(body, "Temporary: once this request is approved, consentwiz puts the consent request setting back as it was (the before column); if nothing is approved within "+durationText(firstDuration(s.RequestWindow, DefaultRequestWindow))+", it puts it back then.")
		} else {
			body = note(body, "This change stays: requests stay on after the approval.")
		}
		if w := reviewerWarnings(s); len(w) > 0 {
			body = note(body, "Warning: some reviewers cannot approve requests:\n  • "+strings.Join(w, "\n  • "))
			if !anyApprover(s) {
				body = note(body, "Nobody chosen can approve "+appName(s)+": requests would wait unanswered. Go back and add someone who holds "+consentRoles(s)+".")
			}
		}
		return "Review: enable consent requests", body
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
		v := verdict{handled: true, problem: workflowMismatch(e.Policy, s.Run.Workflow.Policy)}
		if o := s.Run.Workflow.Original; v.problem != "" && o != nil && sameRequestPolicy(e.Policy, *o) && s.Run.Writes.VerifyTries+1 >= MaxVerifyTries {
			// docs/entra.md A1: a success answer that changed nothing.
			v.notApplied = "Microsoft Graph answered the change with success, but the consent request setting still reads as before (" + requestPolicyText(e.Policy) + "). Nothing was changed."
		}
		return v
	},
	then: func(s State) (State, []Effect) {
		// Temporary: the journal stays until the request is approved, so a
		// cancel meanwhile puts the original policy back.
		s.Run.Writes.committed = s.Run.Writes.Journal == nil
		s.Step = StepRequestWait
		var win []Effect
		if s.Run.Writes.Journal != nil {
			s, win = openWindow(s, firstDuration(s.RequestWindow, DefaultRequestWindow))
		}
		s, effs := startPolling(s, PollRequestsEvery, pollRequests(s))
		effs = append(win, effs...)
		if s.Demo {
			// Demo: the simulated user asks at once, so the wait ends.
			effs = append([]Effect{simulateUser(s)}, effs...)
		}
		return s, effs
	},
	summary: func(s State) string {
		sum := "The consent request for " + appName(s) + " was approved."
		if s.Run.Workflow.grantedElsewhere {
			sum = appName(s) + " was granted admin consent for everyone outside consentwiz while it waited for the user's request."
		}
		if s.Run.Workflow.Temporary {
			switch {
			case s.Run.Writes.journalKept:
				sum += " Consent requests are NOT turned off again yet: the saved setting stays in the journal; run `consentwiz restore`."
			case s.Run.Writes.keptOther:
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
		f.Reason = "a request from " + who + " is pending: approve it (admin consent for everyone) with the app's admin consent link or in the admin center"
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
	}
	step := requestApprove
	switch s.Step {
	case StepRequestWait:
		step = requestWait
	case StepRequestShow:
		step = requestShow
	}
	if !temporaryPending(s) {
		return step(s, ev)
	}
	return inWindow(s, ev, step, func(s State, _ Event) (State, []Effect) {
		// The temporary change has been on long enough: put the original back.
		s.stopWhy = "the window of " + durationText(s.Run.window.length) + " for temporary consent requests ran out before the request was approved"
		return startUndo(s, undoCancel, nil)
	})
}

func workflowOptions(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyNotify:
			r.Workflow.Policy.NotifyReviewers = !r.Workflow.Policy.NotifyReviewers
		case KeyReminders:
			r.Workflow.Policy.RemindersEnabled = !r.Workflow.Policy.RemindersEnabled
		case KeyTemporary:
			r.Workflow.Temporary = !r.Workflow.Temporary
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
	s.Run.Workflow.Policy = finalRequestPolicy(s)
	s.Run.Writes.Plan = []Effect{PutConsentRequestPolicy{Tenant: s.target(), Policy: s.Run.Workflow.Policy}}
	return s
}

// finalRequestPolicy is the full policy to PUT: the existing reviewers plus the chosen ones.
func finalRequestPolicy(s State) entra.AdminConsentRequestPolicy {
	r := s.Run
	p := r.Workflow.Policy
	p.ID, p.Version = "", 0
	p.IsEnabled = true
	var revs []entra.ReviewerScope
	if r.Workflow.Original != nil {
		revs = clone(r.Workflow.Original.Reviewers)
	}
	for _, rv := range r.Workflow.Reviewers {
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
		s.Run.Workflow.Policy.RequestDurationInDays = n
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

// --- prompts --------------------------------------------------------------------

// requestWorkflowPrompt renders the fix's own steps.
func requestWorkflowPrompt(s State) Prompt {
	r := s.Run
	switch s.Step {
	case StepReviewers:
		return reviewersPrompt(s)
	case StepReviewerSearch:
		return searchPrompt(s, "Search for a reviewer")
	case StepReviewerPick:
		p := Prompt{Kind: PromptChoice, Title: "Choose a reviewer", CanBack: true}
		for i, c := range r.Search.Candidates {
			p.Options = append(p.Options, Option{Key: PickKey(i), Label: c.Name, Detail: strings.TrimSpace(c.Kind + " " + c.Detail)})
		}
		p.Options = append(p.Options, Option{Key: KeySearch, Label: "Search again"})
		return p
	case StepWorkflowOptions:
		rp := r.Workflow.Policy
		return Prompt{Kind: PromptChoice, Title: "How should requests work?", CanBack: true, Options: []Option{
			{Key: KeyContinue, Label: "Continue", Detail: "review the change"},
			{Key: KeyNotify, Label: "Email reviewers about new requests: " + onOff(rp.NotifyReviewers)},
			{Key: KeyReminders, Label: "Remind reviewers: " + onOff(rp.RemindersEnabled)},
			{Key: KeyDuration, Label: "Requests expire after " + strconv.Itoa(rp.RequestDurationInDays) + " days"},
			temporaryOption(r.Workflow.Temporary),
		}}
	case StepWorkflowDuration:
		return Prompt{Kind: PromptInput, Title: "Requests expire after how many days?", Body: note("From 1 to 30.", s.InputErr), Default: strconv.Itoa(r.Workflow.Policy.RequestDurationInDays), CanBack: true}
	case StepRequestWait:
		return requestWaitPrompt(s)
	case StepRequestShow:
		return requestShowPrompt(s)
	}
	return requestApprovePrompt(s)
}

// temporaryOption says what the temporary switch does in its current state.
func temporaryOption(on bool) Option {
	o := Option{Key: KeyTemporary, Label: "Turn requests off again after this approval: no (requests stay on)",
		Detail: "choose to put the consent request setting back as it was once this request is approved"}
	if on {
		o.Label = "Turn requests off again after this approval: yes (temporary)"
		o.Detail = "choose to keep requests on after the approval"
	}
	return o
}
