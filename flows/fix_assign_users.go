package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// assign-users: the app requires assignment (appRoleAssignmentRequired) and
// the user is not assigned, so Microsoft Entra refuses the sign-in with
// AADSTS50105 whatever is consented (docs/entra.md A5, B1). Show who is
// assigned, link the enterprise app's Users and groups page, and assign a
// user or a group through Graph: POST /servicePrincipals/{app}/appRoleAssignedTo
// with the app's user role, or the default access role when it has none
// (docs/entra.md A6). Previewed, confirmed, read back; undo deletes the
// assignment.

// assignRun is assign-users' part of a fix run: who is assigned to the app,
// and who this run assigns.
type assignRun struct {
	assigned []entra.AppRoleAssignment
	assignee Reviewer
}

// FixAssignUsers assigns a user or a group to an app that requires assignment.
const FixAssignUsers FixID = "assign-users"

// defaultAccessRole is the app role id of "Default Access" (docs/entra.md A6).
const defaultAccessRole = "00000000-0000-0000-0000-000000000000"

var assignUsersFix = &fix{
	id:     FixAssignUsers,
	role:   NeedsCloudAppAdmin,
	scopes: []string{entra.ScopeAppRoleAssignmentReadWriteAll, entra.ScopeUserReadBasicAll, entra.ScopeGroupMemberReadAll},
	viable: assignUsersViable,
	rank:   6,
	// Listed only when the app requires assignment.
	onlyWhenViable: true,
	first:          func(d *Diagnosis) bool { return d.UserScreen == ScreenNotAssigned },
	recommendWhy: func(*Diagnosis) string {
		return "Assigning the user (or a group) lets them sign in; consent alone cannot."
	},
	altWhy: "assign the users to the app.",
	phases: func(State) []string { return []string{"Choose who gets access", "Assign and check"} },
	stepNo: func(s State) int {
		switch s.Step {
		case StepAssignReading, StepAssignChoose, StepAssignSearch, StepAssignPick:
			return 5
		case StepPreview:
			return 6
		}
		return 0
	},
	begin: func(s State) (State, []Effect) {
		s.Step = StepAssignReading
		return s, []Effect{readAssignments(s)}
	},
	previewBack: func(s State) (State, []Effect) {
		s.Run.Writes.Plan = nil
		s.Step = StepAssignChoose
		return s, nil
	},
	preview: func(s State) (string, string) {
		return "Review the assignment", "Only users assigned to " + appName(s) + " (directly or through a group) may sign in to it. The assignment takes effect at the user's next sign-in."
	},
	verifyRead: readAssignments,
	verify: func(s State, ev Event) verdict {
		e, ok := ev.(AssignmentsRead)
		switch {
		case !ok:
			return verdict{}
		case e.Err != nil:
			return verdict{handled: true, readFailed: true, err: e.Err}
		}
		return verdict{handled: true, problem: assignMismatch(s, e.Assignments)}
	},
	summary: func(s State) string {
		p := s.Run.assign.assignee
		who := p.Name + " is"
		if p.Kind == ReviewerGroup {
			who = "The members of " + p.Name + " are"
		}
		return who + " now assigned to " + appName(s) + " and may sign in to it. Users who are not assigned (directly or through a group) still get AADSTS50105."
	},
	steps:  []StepID{StepAssignReading, StepAssignChoose, StepAssignSearch, StepAssignPick},
	step:   assignStep,
	prompt: assignPrompt,
}

// assignUsersViable: assignment is what blocks, and the app is in the tenant.
func assignUsersViable(g *diag) FixOption {
	f := FixOption{ID: FixAssignUsers, Title: "Assign users or a group to the app", NeedsRole: NeedsCloudAppAdmin, Writes: true, Viable: true,
		HasRole: g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)}
	switch {
	case !g.assignReq:
		return notViable(f, "the app does not require assignment: every user of the tenant may sign in to it")
	case g.sp == nil:
		return notViable(f, "the app is not in the tenant yet, so nobody can be assigned to it")
	}
	f.Reason = "the app requires assignment: assign the user, or a group they are in, so they may sign in (consent alone does not let them)"
	return f
}

func readAssignments(s State) Effect {
	return ReadAssignments{Tenant: s.target(), ResourceID: appSPID(s)}
}

// appSPID is the app's service principal in the tenant, or "".
func appSPID(s State) string {
	if s.Snap != nil && s.Snap.App != nil {
		return s.Snap.App.ID
	}
	if s.Diagnosis != nil {
		return s.Diagnosis.App.ServicePrincipalID
	}
	return ""
}

// userRole is the app role a user or group is assigned: the app's first
// enabled role that users may hold, else the default access role.
func userRole(s State) (id, name string) {
	if s.Snap != nil && s.Snap.App != nil {
		for _, r := range s.Snap.App.AppRoles {
			if r.IsEnabled && containsFold(r.AllowedMemberTypes, "User") {
				return r.ID, firstNonEmpty(r.DisplayName, r.Value)
			}
		}
	}
	return defaultAccessRole, "Default Access"
}

func assignStep(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch s.Step {
	case StepAssignReading:
		switch e := ev.(type) {
		case AssignmentsRead:
			if e.Err != nil {
				f := readFailure("Could not read who is assigned to "+appName(s), e.Err)
				f.retry, f.retryStep = readAssignments(s), StepAssignReading
				return fail(s, f)
			}
			r.assign.assigned = clone(e.Assignments)
			s.Step = StepAssignChoose
		case Back:
			return backToChecklist(s)
		}
		return s, nil
	case StepAssignChoose:
		switch e := ev.(type) {
		case Chose:
			s.InputErr = ""
			switch e.Key {
			case KeyMe:
				return assignTo(s, meReviewer(s))
			case KeySearch:
				s.Step = StepAssignSearch
			}
		case Back:
			return backToChecklist(s)
		}
		return s, nil
	case StepAssignSearch:
		return directorySearch(s, ev, StepAssignChoose, StepAssignPick)
	}
	// StepAssignPick
	switch e := ev.(type) {
	case Chose:
		if e.Key == KeySearch {
			s.Step = StepAssignSearch
			return s, nil
		}
		for i, c := range r.Search.Candidates {
			if e.Key == PickKey(i) {
				r.Search.Candidates = nil
				return assignTo(s, c)
			}
		}
	case Back:
		s.Step = StepAssignSearch
	}
	return s, nil
}

// assignTo plans the assignment of p and shows the preview.
func assignTo(s State, p Reviewer) (State, []Effect) {
	r := s.Run
	if p.ID == "" {
		return s, nil
	}
	if isAssigned(r.assign.assigned, p.ID) {
		s.InputErr = p.Name + " is already assigned to " + appName(s) + "."
		s.Step = StepAssignChoose
		return s, nil
	}
	r.assign.assignee = p
	role, name := userRole(s)
	sp := appSPID(s)
	r.Writes.Plan = []Effect{AssignPrincipal{Tenant: s.target(), Principal: p, RoleName: name,
		Assignment: entra.AppRoleAssignment{PrincipalID: p.ID, ResourceID: sp, AppRoleID: role}}}
	s.Step = StepPreview
	return s, nil
}

func isAssigned(list []entra.AppRoleAssignment, principal string) bool {
	for _, a := range list {
		if strings.EqualFold(a.PrincipalID, principal) {
			return true
		}
	}
	return false
}

func assignMismatch(s State, got []entra.AppRoleAssignment) string {
	var probs []string
	for _, e := range s.Run.Writes.Plan {
		if w, ok := e.(AssignPrincipal); ok && !isAssigned(got, w.Assignment.PrincipalID) {
			probs = append(probs, w.Principal.Name+" is not listed as assigned")
		}
	}
	return strings.Join(probs, "; ")
}

// assignedNames lists who is assigned, for the screen.
func assignedNames(list []entra.AppRoleAssignment) []string {
	var out []string
	for _, a := range list {
		name := Sanitize(firstNonEmpty(a.PrincipalDisplayName, a.PrincipalID), 120)
		if a.PrincipalType != "" {
			name += " (" + strings.ToLower(Sanitize(a.PrincipalType, 40)) + ")"
		}
		out = append(out, name)
	}
	return out
}

func assignPrompt(s State) Prompt {
	r := s.Run
	users := PortalLink(s.Tenant.Cloud, s.Tenant.segment(), LinkAppUsers, appSPID(s), s.App.ClientID)
	switch s.Step {
	case StepAssignReading:
		return Prompt{Kind: PromptProgress, Title: "Reading who is assigned to " + appName(s), Body: "Reading the app's users and groups. This is read-only and takes a second or two.", CanBack: true}
	case StepAssignSearch:
		return searchPrompt(s, "Search for a user or a group")
	case StepAssignPick:
		p := Prompt{Kind: PromptChoice, Title: "Who gets access to " + appName(s) + "?", CanBack: true}
		for i, c := range r.Search.Candidates {
			o := Option{Key: PickKey(i), Label: c.Name, Detail: strings.TrimSpace(c.Kind + " " + c.Detail)}
			if isAssigned(r.assign.assigned, c.ID) {
				o.Disabled, o.Reason = true, "already assigned"
			}
			p.Options = append(p.Options, o)
		}
		p.Options = append(p.Options, Option{Key: KeySearch, Label: "Search again"})
		return p
	}
	var b strings.Builder
	b.WriteString("Assignment is required for " + appName(s) + ": only users assigned to it, directly or through a group, may sign in; everyone else gets AADSTS50105.")
	if names := assignedNames(r.assign.assigned); len(names) > 0 {
		b.WriteString("\n\nAssigned now:")
		for _, n := range names {
			b.WriteString("\n  • " + n)
		}
	} else {
		b.WriteString("\n\nNobody is assigned yet.")
	}
	_, role := userRole(s)
	b.WriteString("\n\nconsentwiz assigns one user or group with the role \"" + role + "\". Several at once, or turning assignment off, is done on the app's Users and groups page.")
	p := Prompt{Kind: PromptChoice, Title: "Who should get access to " + appName(s) + "?", Body: note(b.String(), s.InputErr), CanBack: true,
		Links: []Link{{Label: "Users and groups of " + appName(s) + " (Entra admin center)", URL: users}},
		Options: []Option{
			{Key: KeySearch, Label: "Search for a user or a group"},
		}}
	me := meReviewer(s)
	meOpt := Option{Key: KeyMe, Label: "Me", Detail: strings.TrimSpace(me.Name + " " + me.Detail)}
	if me.ID == "" {
		meOpt.Disabled, meOpt.Reason = true, "the signed-in account is not known"
	} else if isAssigned(r.assign.assigned, me.ID) {
		meOpt.Disabled, meOpt.Reason = true, "already assigned"
	}
	p.Options = append(p.Options, meOpt)
	return p
}
