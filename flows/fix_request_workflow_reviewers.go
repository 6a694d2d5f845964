package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"strconv"
	"strings"
)

// request-workflow, the reviewers: who approves requests, searched and
// picked, and whether each may approve (CheckReviewer), with the warnings
// the reviewers screen and the preview show (see fix_request_workflow.go).

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
	s.Run.Workflow.Original = &orig
	p := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 30}
	if orig.IsEnabled {
		p.NotifyReviewers, p.RemindersEnabled = orig.NotifyReviewers, orig.RemindersEnabled
		if orig.RequestDurationInDays > 0 {
			p.RequestDurationInDays = orig.RequestDurationInDays
		}
	}
	s.Run.Workflow.Policy = p
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

// addReviewer adds r to the chosen reviewers and checks whether they may
// approve: a role's holders are known to, a user or a group's members are
// looked up (CheckReviewer).
func addReviewer(s State, r Reviewer) (State, []Effect) {
	if r.ID == "" || hasReviewer(s.Run.Workflow.Reviewers, r) {
		return s, nil
	}
	if r.Kind == ReviewerRole {
		r.Warn = roleReviewerWarning(s, r.ID)
		s.Run.Workflow.Reviewers = append(clone(s.Run.Workflow.Reviewers), r)
		return s, nil
	}
	s.Run.Workflow.Reviewers = append(clone(s.Run.Workflow.Reviewers), r)
	return s, []Effect{CheckReviewer{Tenant: s.target(), Reviewer: r}}
}

// approverRoles are the roles that may approve the app's requests (docs/entra.md A7):
// Microsoft Graph application permissions need Privileged Role Administrator
// or Global Administrator.
func approverRoles(s State) []string {
	if len(appRolesNeeded(s)) > 0 {
		return []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin}
	}
	return []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin}
}

func roleReviewerWarning(s State, id string) string {
	if containsFold(approverRoles(s), id) {
		return ""
	}
	return "the " + entra.RoleNames[id] + " role may not approve " + appName(s) + "'s application permissions (" + consentRoles(s) + " may)"
}

// reviewerChecked notes whether a chosen reviewer may approve, whatever
// step the wizard is at by then: the warning must be on the preview.
func reviewerChecked(s State, e ReviewerChecked) State {
	if s.Run == nil {
		return s
	}
	revs := clone(s.Run.Workflow.Reviewers)
	for i, r := range revs {
		if !strings.EqualFold(r.ID, e.ID) || r.Kind == ReviewerRole {
			continue
		}
		revs[i].Warn = reviewerWarning(s, r, e)
	}
	s.Run.Workflow.Reviewers = revs
	return s
}

func reviewerWarning(s State, r Reviewer, e ReviewerChecked) string {
	if e.Err != nil {
		return "" // unknown: no warning is better than a wrong one
	}
	can := false
	for _, id := range e.Roles {
		if containsFold(approverRoles(s), id) {
			can = true
		}
	}
	var why []string
	switch {
	case r.Kind == ReviewerGroup && e.Members == 0:
		why = append(why, "the group has no members")
	case r.Kind == ReviewerGroup && !can:
		why = append(why, "no member of the group holds a role that may approve")
	case !can:
		why = append(why, "holds no role that may approve")
	}
	if r.Kind == ReviewerUser && isRequester(s, r.ID) {
		why = append(why, "is the user asking for the app")
	}
	if len(why) == 0 {
		return ""
	}
	return strings.Join(why, "; ") + ": can only view, block or deny requests"
}

// isRequester reports whether user id asked for the app in a pending request.
func isRequester(s State, id string) bool {
	if s.Snap == nil {
		return false
	}
	for _, r := range s.Snap.PendingRequests {
		for _, u := range r.UserConsentRequests {
			if u.CreatedBy.User != nil && strings.EqualFold(u.CreatedBy.User.ID, id) {
				return true
			}
		}
	}
	return false
}

// anyApprover reports whether a reviewer kept or chosen may approve (the
// existing reviewers are not checked: they are counted as able).
func anyApprover(s State) bool {
	if s.Run.Workflow.Original != nil && len(s.Run.Workflow.Original.Reviewers) > 0 {
		return true
	}
	for _, r := range s.Run.Workflow.Reviewers {
		if r.Warn == "" {
			return true
		}
	}
	return false
}

// reviewerWarnings lists the chosen reviewers who cannot approve.
func reviewerWarnings(s State) []string {
	var out []string
	for _, r := range s.Run.Workflow.Reviewers {
		if r.Warn != "" {
			out = append(out, r.Name+" ("+r.Kind+"): "+r.Warn)
		}
	}
	return out
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
			return addReviewer(s, meReviewer(s))
		case e.Key == KeySearch:
			s.Step = StepReviewerSearch
		case strings.HasPrefix(string(e.Key), keyRolePrefix):
			id := strings.TrimPrefix(string(e.Key), keyRolePrefix)
			if name, ok := entra.RoleNames[id]; ok {
				return addReviewer(s, Reviewer{Kind: ReviewerRole, ID: id, Name: name})
			}
		case e.Key == KeyClear:
			s.Run.Workflow.Reviewers = nil
		case e.Key == KeyContinue:
			if len(s.Run.Workflow.Reviewers) == 0 && len(s.Run.Workflow.Original.Reviewers) == 0 {
				s.InputErr = "Choose at least one reviewer: someone who can approve requests."
				return s, nil
			}
			s.Step = StepWorkflowOptions
		}
	case Back:
		return backToChecklist(s)
	}
	return s, nil
}

func reviewerSearch(s State, ev Event) (State, []Effect) {
	return directorySearch(s, ev, StepReviewers, StepReviewerPick)
}

func reviewerPick(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		if e.Key == KeySearch {
			s.Step = StepReviewerSearch
			return s, nil
		}
		i, err := strconv.Atoi(strings.TrimPrefix(string(e.Key), keyPickPrefix))
		if err != nil || !strings.HasPrefix(string(e.Key), keyPickPrefix) || i < 0 || i >= len(s.Run.Search.Candidates) {
			return s, nil
		}
		c := s.Run.Search.Candidates[i]
		s.Run.Search.Candidates = nil
		s.Step = StepReviewers
		return addReviewer(s, c)
	case Back:
		s.Step = StepReviewerSearch
	}
	return s, nil
}

func reviewersPrompt(s State) Prompt {
	r := s.Run
	var b strings.Builder
	if len(r.Workflow.Reviewers) > 0 {
		b.WriteString("Chosen:")
		for _, x := range r.Workflow.Reviewers {
			b.WriteString("\n  • " + x.Name + " — " + x.Kind)
			if x.Warn != "" {
				b.WriteString("\n    ! " + x.Warn)
			}
		}
		b.WriteString("\n\n")
	}
	if r.Workflow.Original != nil && len(r.Workflow.Original.Reviewers) > 0 {
		b.WriteString("Already reviewers (kept):")
		for _, x := range r.Workflow.Original.Reviewers {
			b.WriteString("\n  • " + DescribeReviewer(x.Query))
		}
		b.WriteString("\n\n")
	}
	b.WriteString("Reviewers get the users' requests. Approving needs " + consentRoles(s) + "; other reviewers can only view, block or deny.")
	p := Prompt{Kind: PromptChoice, Title: "Who approves requests?", Body: note(b.String(), s.InputErr), CanBack: true}

	n := len(r.Workflow.Reviewers)
	if r.Workflow.Original != nil {
		n += len(r.Workflow.Original.Reviewers)
	}
	cont := Option{Key: KeyContinue, Label: fmt.Sprintf("Continue with %d reviewers", n)}
	switch n {
	case 0:
		cont.Label = "Continue"
		cont.Disabled, cont.Reason = true, "choose at least one reviewer"
	case 1:
		cont.Label = "Continue with 1 reviewer"
	}
	p.Options = append(p.Options, cont)
	me := meReviewer(s)
	meOpt := Option{Key: KeyMe, Label: "Me", Detail: strings.TrimSpace(me.Name + " " + me.Detail)}
	if me.ID == "" {
		meOpt.Disabled, meOpt.Reason = true, "the signed-in account is not known"
	} else if hasReviewer(r.Workflow.Reviewers, me) {
		meOpt.Disabled, meOpt.Reason = true, "already chosen"
	}
	p.Options = append(p.Options, meOpt, Option{Key: KeySearch, Label: "Search for a user or group"})
	for _, id := range reviewerRoles {
		o := Option{Key: RoleKey(id), Label: "Everyone with the " + entra.RoleNames[id] + " role"}
		if hasReviewer(r.Workflow.Reviewers, Reviewer{Kind: ReviewerRole, ID: id}) {
			o.Disabled, o.Reason = true, "already chosen"
		}
		p.Options = append(p.Options, o)
	}
	if len(r.Workflow.Reviewers) > 0 {
		p.Options = append(p.Options, Option{Key: KeyClear, Label: "Start the list over"})
	}
	return p
}
