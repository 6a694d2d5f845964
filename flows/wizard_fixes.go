package flows

import (
	"bytes"
	"consentwiz/graph/entra"
	"encoding/json"
	"strconv"
	"strings"
)

// --- request-workflow: reviewers and options ------------------------------------

// Scope returns the reviewer as an accessReviewReviewerScope (ENTRA.md A3).
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

// reviewerRoles are the roles offered as reviewers: they can approve (ENTRA.md A7).
var reviewerRoles = []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin}

func initRequestPolicy(s State) State {
	var orig entra.AdminConsentRequestPolicy
	if s.Snap != nil {
		orig = s.Snap.ConsentRequestPolicy
	}
	orig.Reviewers = clone(orig.Reviewers)
	if orig.Reviewers == nil {
		orig.Reviewers = []entra.ReviewerScope{}
	}
	s.OriginalRequestPolicy = &orig
	p := entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 30}
	if orig.IsEnabled {
		p.NotifyReviewers, p.RemindersEnabled = orig.NotifyReviewers, orig.RemindersEnabled
		if orig.RequestDurationInDays > 0 {
			p.RequestDurationInDays = orig.RequestDurationInDays
		}
	}
	s.RequestPolicy = p
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
	if r.ID != "" && !hasReviewer(s.Reviewers, r) {
		s.Reviewers = append(clone(s.Reviewers), r)
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
		case e.Key == "me":
			s = addReviewer(s, meReviewer(s))
		case e.Key == "search":
			s.Step = StepReviewerSearch
		case strings.HasPrefix(e.Key, "role:"):
			id := strings.TrimPrefix(e.Key, "role:")
			if name, ok := entra.RoleNames[id]; ok {
				s = addReviewer(s, Reviewer{Kind: ReviewerRole, ID: id, Name: name})
			}
		case e.Key == "clear":
			s.Reviewers = nil
		case e.Key == "continue":
			if len(s.Reviewers) == 0 && len(s.OriginalRequestPolicy.Reviewers) == 0 {
				s.InputErr = "Choose at least one reviewer: someone who can approve requests."
				return s, nil
			}
			s.Step = StepWorkflowOptions
		}
	case Back:
		s = resetFix(s)
		s.Step = StepChooseFix
	}
	return s, nil
}

func reviewerSearch(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		q := strings.TrimSpace(e.Text)
		if q == "" {
			s.InputErr = "Type part of a name, an email address or a group name."
			return s, nil
		}
		s.InputErr = ""
		s.searchQuery = q
		s.searching = true
		return s, []Effect{SearchReviewers{Query: q}}
	case ReviewersFound:
		if !s.searching {
			return s, nil
		}
		s.searching = false
		switch {
		case e.Err != nil:
			s.InputErr = "Search failed: " + e.Err.Error()
		case len(e.Reviewers) == 0:
			s.InputErr = "No users or groups match \"" + s.searchQuery + "\"."
		default:
			s.Candidates = clone(e.Reviewers)
			s.Step = StepReviewerPick
		}
	case Back:
		s.searching = false
		s.InputErr = ""
		s.Step = StepReviewers
	}
	return s, nil
}

func reviewerPick(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		if e.Key == "search" {
			s.Step = StepReviewerSearch
			return s, nil
		}
		i, err := strconv.Atoi(strings.TrimPrefix(e.Key, "pick:"))
		if err != nil || !strings.HasPrefix(e.Key, "pick:") || i < 0 || i >= len(s.Candidates) {
			return s, nil
		}
		s = addReviewer(s, s.Candidates[i])
		s.Candidates = nil
		s.Step = StepReviewers
	case Back:
		s.Step = StepReviewerSearch
	}
	return s, nil
}

func workflowOptions(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case "notify":
			s.RequestPolicy.NotifyReviewers = !s.RequestPolicy.NotifyReviewers
		case "reminders":
			s.RequestPolicy.RemindersEnabled = !s.RequestPolicy.RemindersEnabled
		case "temporary":
			s.RequestTemporary = !s.RequestTemporary
		case "duration":
			s.InputErr = ""
			s.Step = StepWorkflowDuration
		case "continue":
			s.RequestPolicy = finalRequestPolicy(s)
			s.Plan = []Effect{PutConsentRequestPolicy{Policy: s.RequestPolicy}}
			s.Step = StepPreview
		}
	case Back:
		s.Step = StepReviewers
	}
	return s, nil
}

// finalRequestPolicy is the full policy to PUT: the existing reviewers plus the chosen ones.
func finalRequestPolicy(s State) entra.AdminConsentRequestPolicy {
	p := s.RequestPolicy
	p.ID, p.Version = "", 0
	p.IsEnabled = true
	var revs []entra.ReviewerScope
	if s.OriginalRequestPolicy != nil {
		revs = clone(s.OriginalRequestPolicy.Reviewers)
	}
	for _, r := range s.Reviewers {
		sc := r.Scope()
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

func workflowDuration(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		n, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil || n < 1 || n > 30 {
			s.InputErr = "Type a number of days from 1 to 30."
			return s, nil
		}
		s.InputErr = ""
		s.RequestPolicy.RequestDurationInDays = n
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

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
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

// --- request-workflow: the request ------------------------------------------------------

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
		if e.Key == "stop" {
			// Requests are on (verified, in the changes), but the user is
			// not in yet: the approval is handed over, not fixed.
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests are on. When the user requests " + appName(s) + ", approve it in the Entra admin center (Enterprise applications → Admin consent requests)."})
		}
		if e.Key == "simulate" && s.Demo {
			return s, []Effect{SimulateUser{AppID: s.App.ClientID, Scopes: requestedScopes(s)}}
		}
		return s, nil
	case UserSimulated:
		return userSimulated(s, e, "ask")
	case Back:
		if temporaryPending(s) {
			return s, nil // the original request setting must be put back first: cancel does
		}
		s = resetFix(s)
		s.Step = StepChooseFix
		return s, nil
	}
	s, effs, done, snap := pollEvent(s, ev, requestMissing)
	if done {
		s.Request = pendingRequest(snap, s.App.ClientID)
		s.Step = StepRequestShow
		return s, nil
	}
	return s, effs
}

func requestURL(s State) string {
	if s.Request == nil {
		return ""
	}
	tenant := s.Tenant.ID
	if tenant == "" {
		tenant = s.Tenant.Domain
	}
	return RequestApprovalURL(s.Cloud, tenant, *s.Request, len(s.Request.PendingScopes) == 0)
}

func requestShow(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case "approve":
			s.Link = requestURL(s)
			s.Step = StepRequestApprove
			s, effs := startPolling(s, PollGrantEvery)
			return s, append([]Effect{OpenURL{URL: s.Link}}, effs...)
		case "copy":
			return s, []Effect{CopyText{Text: requestURL(s)}}
		case "grant":
			if f, ok := s.Diagnosis.Fix(FixGrantDirect); !ok || !f.Viable || temporaryPending(s) {
				return s, nil
			}
			s = resetFix(s)
			s.Fix = FixGrantDirect
			return startFix(s)
		case "stop":
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "The request is waiting for approval in the Entra admin center (Enterprise applications → Admin consent requests)."})
		}
	case Copied:
		s.LinkCopied = e.Err == nil
	case Back:
		if temporaryPending(s) {
			return s, nil
		}
		s = resetFix(s)
		s.Step = StepChooseFix
	}
	return s, nil
}

func requestScopes(s State) []string {
	if s.Request != nil && len(s.Request.PendingScopes) > 0 {
		out := make([]string, 0, len(s.Request.PendingScopes))
		for _, p := range s.Request.PendingScopes {
			out = append(out, p.DisplayName)
		}
		return out
	}
	return requestedScopes(s)
}

func requestApprove(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case "open":
			return s, []Effect{OpenURL{URL: s.Link}}
		case "copy":
			return s, []Effect{CopyText{Text: s.Link}}
		}
		return s, nil
	case Opened:
		s.ioNote = ""
		if e.Err != nil {
			s.ioNote = "Could not open the browser (" + e.Err.Error() + "). Copy the link instead."
		}
		return s, nil
	case Copied:
		s.LinkCopied = e.Err == nil
		return s, nil
	case Back:
		s.PollSeq++
		s.PollInFlight = false
		s.Step = StepRequestShow
		return s, nil
	}
	check := func(s State, snap *entra.TenantSnapshot) []string {
		return coverage(s, snap, requestScopes(s), true, nil)
	}
	s, effs, done, snap := pollEvent(s, ev, check)
	if done {
		s.Snap = snap
		who := requesterName(s.Request)
		s = addChange(s, Change{What: "Admin consent for " + appName(s) + " (request from " + who + ")", Before: "requested", After: "approved: " + strings.Join(requestScopes(s), " "), Verified: true, At: s.Now})
		if temporaryPending(s) {
			// Temporary: turn requests off again (the restore sub-machine: read,
			// compare, put the original back, verify, clear the journal).
			j := *s.Journal
			s.Restore = &j
			s.afterRestore = afterRestoreDone
			s.PollSeq++
			s.PollInFlight = false
			return restoreRead(s)
		}
		s.committed = true
		return finishVerified(s)
	}
	return s, effs
}

// temporaryPending reports whether a temporary request workflow has turned requests
// on and the journaled original is still to be put back.
func temporaryPending(s State) bool {
	return s.Fix == FixRequestWorkflow && !s.committed && s.Journal != nil && s.Journal.IsRequestPolicy()
}

// stopTemporary ends a temporary request workflow before the approval: requests
// stay on for the reviewers, and the journal keeps the original for `consentwiz restore`.
func stopTemporary(s State) (State, []Effect) {
	s.committed = true
	s.journalKept = true
	s.PollSeq++
	s.PollInFlight = false
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

// --- relax-user-consent: the user connects --------------------------------------------

func relaxConnect(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case DoneKey:
		return restoreAfterRelax(s)
	case Chose:
		if e.Key == "restore" {
			return restoreAfterRelax(s)
		}
		if e.Key == "simulate" && s.Demo {
			return s, []Effect{SimulateUser{AppID: s.App.ClientID, Scopes: requestedScopes(s)}}
		}
		return s, nil
	case UserSimulated:
		return userSimulated(s, e, "connect")
	case Back:
		return s, nil // going back would leave the setting relaxed; restore or cancel instead
	}
	s, effs, done, _ := pollEvent(s, ev, userGrantMissing)
	if done {
		s.grantSeen = true
		s = addChange(s, Change{What: "A user connected " + appName(s), Before: "blocked", After: "consented: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
		return restoreAfterRelax(s)
	}
	return s, effs
}

func screenName(sc string) string {
	switch sc {
	case ScreenConsentPrompt:
		return "the consent prompt (they can accept)"
	case ScreenNeedAdminApproval:
		return "\"Need admin approval\""
	case ScreenApprovalRequired:
		return "\"Approval required\""
	case ScreenNotAssigned:
		return "\"not assigned to this app\""
	case ScreenNone:
		return "straight in (no prompt)"
	}
	return sc
}

func restoreAfterRelax(s State) (State, []Effect) {
	if s.Journal == nil {
		s.committed = true
		return finishVerified(s)
	}
	j := *s.Journal
	s.Restore = &j
	s.afterRestore = afterRestoreDone
	s.PollSeq++
	s.PollInFlight = false
	return restoreRead(s)
}

// userGrantMissing reports the scopes no new grant of the app covers yet (a user's own
// consent counts, and so does tenant-wide consent).
func userGrantMissing(s State, snap *entra.TenantSnapshot) []string {
	old := map[string]bool{}
	if s.Snap != nil {
		for _, g := range s.Snap.AppGrants {
			if g.ConsentType != "AllPrincipals" {
				old[strings.ToLower(g.ID)] = true
			}
		}
	}
	return coverage(s, snap, requestedScopes(s), false, old)
}

// --- grants and coverage -----------------------------------------------------------------

func graphSPID(s State, snap *entra.TenantSnapshot) string {
	if s.Snap != nil && s.Snap.GraphSP.ID != "" {
		return s.Snap.GraphSP.ID
	}
	if snap != nil {
		return snap.GraphSP.ID
	}
	return ""
}

// coverage returns what snap's grants of the app still lack for scopes, or nil when
// covered. allOnly counts only AllPrincipals grants; skip lists grant ids to ignore.
func coverage(s State, snap *entra.TenantSnapshot, scopes []string, allOnly bool, skip map[string]bool) []string {
	if snap == nil || snap.App == nil {
		if len(scopes) == 0 {
			return []string{"admin consent"}
		}
		return clone(scopes)
	}
	res := graphSPID(s, snap)
	var granted []string
	any := false
	for _, g := range snap.AppGrants {
		if !strings.EqualFold(g.ClientID, snap.App.ID) || skip[strings.ToLower(g.ID)] {
			continue
		}
		if allOnly && g.ConsentType != "AllPrincipals" {
			continue
		}
		if res != "" && g.ResourceID != "" && !strings.EqualFold(g.ResourceID, res) {
			continue
		}
		any = true
		granted = append(granted, strings.Fields(g.Scope)...)
	}
	var missing []string
	if len(scopes) == 0 && !any {
		missing = append(missing, "admin consent")
	}
	for _, sc := range scopes {
		// OpenID Connect scopes (offline_access, openid, profile, email) need no
		// grant of their own to let the user in; the diagnosis ignores them too.
		if oidcScope(sc) {
			continue
		}
		if !containsFold(granted, sc) {
			missing = append(missing, sc)
		}
	}
	if allOnly {
		missing = append(missing, rolesMissing(s, snap)...)
	}
	if len(missing) == 0 {
		return nil
	}
	return missing
}

func appRolesNeeded(s State) []string {
	if s.Diagnosis != nil {
		return clone(s.Diagnosis.Scopes.AppRolesMissing)
	}
	return clone(s.App.AppRoles)
}

func appRoleID(s State, name string) string {
	if s.Snap == nil {
		return ""
	}
	for _, r := range s.Snap.GraphSP.AppRoles {
		if strings.EqualFold(r.Value, name) {
			return r.ID
		}
	}
	return ""
}

func rolesMissing(s State, snap *entra.TenantSnapshot) []string {
	var out []string
	for _, name := range appRolesNeeded(s) {
		id := appRoleID(s, name)
		if id == "" {
			continue
		}
		found := false
		for _, a := range snap.AppRoleAssignments {
			if strings.EqualFold(a.AppRoleID, id) {
				found = true
			}
		}
		if !found {
			out = append(out, name+" (application)")
		}
	}
	return out
}

func grantMissing(s State, snap *entra.TenantSnapshot) []string {
	return coverage(s, snap, requestedScopes(s), true, nil)
}

func allPrincipalsGrant(s State) *entra.OAuth2PermissionGrant {
	if s.Snap == nil || s.Snap.App == nil {
		return nil
	}
	res := graphSPID(s, s.Snap)
	for _, g := range s.Snap.AppGrants {
		if g.ConsentType == "AllPrincipals" && strings.EqualFold(g.ClientID, s.Snap.App.ID) && (res == "" || strings.EqualFold(g.ResourceID, res)) {
			gg := g
			return &gg
		}
	}
	return nil
}

// grantPlan lists exactly what grant-direct creates: the service principal (if
// missing), the AllPrincipals grant (or the scope update of the existing one) and
// the app role assignments.
func grantPlan(s State) []Effect {
	var plan []Effect
	if s.Snap == nil || s.Snap.App == nil {
		plan = append(plan, CreateServicePrincipal{AppID: s.App.ClientID})
	}
	res := graphSPID(s, s.Snap)
	if scopes := requestedScopes(s); len(scopes) > 0 {
		if g := allPrincipalsGrant(s); g != nil {
			have := strings.Fields(g.Scope)
			var add []string
			for _, sc := range scopes {
				if !containsFold(have, sc) && !containsFold(add, sc) {
					add = append(add, sc)
				}
			}
			if len(add) > 0 {
				plan = append(plan, UpdateGrantScope{GrantID: g.ID, Scope: strings.Join(append(have, add...), " "), Before: g.Scope})
			}
		} else {
			plan = append(plan, CreateGrant{Grant: entra.OAuth2PermissionGrant{ConsentType: "AllPrincipals", ResourceID: res, Scope: strings.Join(scopes, " ")}})
		}
	}
	for _, name := range appRolesNeeded(s) {
		id := appRoleID(s, name)
		if id == "" {
			continue
		}
		if s.Snap != nil && s.Snap.App != nil {
			assigned := false
			for _, a := range s.Snap.AppRoleAssignments {
				if strings.EqualFold(a.AppRoleID, id) {
					assigned = true
				}
			}
			if assigned {
				continue
			}
		}
		plan = append(plan, CreateAppRoleAssignment{Assignment: entra.AppRoleAssignment{AppRoleID: id, ResourceID: res}, RoleName: name})
	}
	return plan
}

// newSPPlaceholder stands for the id of a service principal not created yet (dry run, preview).
const newSPPlaceholder = "{id of the new service principal}"

func spID(s State) string {
	if s.Snap != nil && s.Snap.App != nil && s.Snap.App.ID != "" {
		return s.Snap.App.ID
	}
	for _, c := range s.Created {
		if c.Kind == ObjectServicePrincipal && c.ID != "" {
			return c.ID
		}
	}
	return newSPPlaceholder
}

// bind fills in the ids a planned write depends on (the service principal created earlier).
func bind(s State, e Effect) Effect {
	switch w := e.(type) {
	case CreateGrant:
		if w.Grant.ClientID == "" {
			w.Grant.ClientID = spID(s)
		}
		return w
	case CreateAppRoleAssignment:
		if w.Assignment.PrincipalID == "" {
			w.Assignment.PrincipalID = spID(s)
		}
		return w
	}
	return e
}

func grantMismatch(s State, snap *entra.TenantSnapshot) string {
	if snap.App == nil {
		return "the app's service principal is not in the tenant"
	}
	if m := coverage(s, snap, requestedScopes(s), true, nil); m != nil {
		return "admin consent still lacks " + strings.Join(m, ", ")
	}
	return ""
}

// --- classify-low ----------------------------------------------------------------------------

func classifyPlan(s State) []Effect {
	if s.Snap == nil {
		return nil
	}
	var plan []Effect
	for _, name := range requestedScopes(s) {
		for _, ps := range s.Snap.GraphSP.OAuth2PermissionScopes {
			if !strings.EqualFold(ps.Value, name) || !strings.EqualFold(ps.Type, "User") {
				continue
			}
			done := false
			for _, c := range s.Snap.Classifications {
				if strings.EqualFold(c.PermissionID, ps.ID) && strings.EqualFold(c.Classification, "low") {
					done = true
				}
			}
			if !done {
				plan = append(plan, CreateClassification{ResourceID: s.Snap.GraphSP.ID, Classification: entra.DelegatedPermissionClassification{PermissionID: ps.ID, PermissionName: ps.Value, Classification: "low"}})
			}
		}
	}
	return plan
}

func classifyMismatch(s State, snap *entra.TenantSnapshot) string {
	var probs []string
	for _, e := range s.Plan {
		switch w := e.(type) {
		case CreateClassification:
			found := false
			for _, c := range snap.Classifications {
				if strings.EqualFold(c.PermissionID, w.Classification.PermissionID) && strings.EqualFold(c.Classification, "low") {
					found = true
				}
			}
			if !found {
				probs = append(probs, w.Classification.PermissionName+" is not classified low")
			}
		case PatchUserConsent:
			if cur := snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; !samePolicies(cur, w.Policies) {
				probs = append(probs, "user consent reads "+policyText(cur))
			}
		}
	}
	return strings.Join(probs, "; ")
}

// --- descriptions and requests -----------------------------------------------------------------

// describe names a planned write as a before → after line.
func describe(s State, e Effect) Diff {
	switch w := e.(type) {
	case PatchUserConsent:
		return Diff{Label: "User consent for apps", Before: policyText(s.OriginalPolicy), After: policyText(w.Policies)}
	case PutConsentRequestPolicy:
		before := "off"
		if s.OriginalRequestPolicy != nil {
			before = workflowText(*s.OriginalRequestPolicy)
		}
		return Diff{Label: "Users can request admin consent", Before: before, After: workflowText(w.Policy)}
	case CreateServicePrincipal:
		return Diff{Label: "Enterprise application for " + appName(s), Before: "not in your tenant", After: "added (app id " + w.AppID + ")"}
	case CreateGrant:
		return Diff{Label: "Admin consent for everyone (Microsoft Graph)", Before: "none", After: w.Grant.Scope}
	case UpdateGrantScope:
		return Diff{Label: "Admin consent for everyone (Microsoft Graph)", Before: w.Before, After: w.Scope}
	case CreateAppRoleAssignment:
		return Diff{Label: "Application permission " + w.RoleName, Before: "not granted", After: "granted"}
	case CreateClassification:
		return Diff{Label: "Classification of " + w.Classification.PermissionName, Before: "none", After: w.Classification.Classification + " impact"}
	case DeleteObject:
		return describeUndo(w)
	}
	return Diff{Label: "change"}
}

// RequestFor returns the exact Graph request a write effect sends (method, path
// relative to the Graph root, JSON body), for dry runs and previews.
func RequestFor(e Effect) (RequestPreview, bool) {
	switch w := e.(type) {
	case PatchUserConsent:
		body := map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": cloneNonNil(w.Policies)}}
		return RequestPreview{Method: "PATCH", Path: "/v1.0/policies/authorizationPolicy", Body: jsonText(body)}, true
	case PutConsentRequestPolicy:
		p := w.Policy
		p.ID, p.Version = "", 0
		if p.Reviewers == nil {
			p.Reviewers = []entra.ReviewerScope{}
		}
		return RequestPreview{Method: "PUT", Path: "/v1.0/policies/adminConsentRequestPolicy", Body: jsonText(p)}, true
	case CreateServicePrincipal:
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals", Body: jsonText(map[string]string{"appId": w.AppID})}, true
	case CreateGrant:
		g := w.Grant
		g.ID = ""
		return RequestPreview{Method: "POST", Path: "/v1.0/oauth2PermissionGrants", Body: jsonText(g)}, true
	case UpdateGrantScope:
		return RequestPreview{Method: "PATCH", Path: "/v1.0/oauth2PermissionGrants/" + w.GrantID, Body: jsonText(map[string]string{"scope": w.Scope})}, true
	case CreateAppRoleAssignment:
		a := w.Assignment
		body := map[string]string{"principalId": a.PrincipalID, "resourceId": a.ResourceID, "appRoleId": a.AppRoleID}
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals/" + a.ResourceID + "/appRoleAssignedTo", Body: jsonText(body)}, true
	case CreateClassification:
		c := w.Classification
		c.ID = ""
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals/" + w.ResourceID + "/delegatedPermissionClassifications", Body: jsonText(c)}, true
	case DeleteObject:
		o := w.Object
		path := ""
		switch o.Kind {
		case ObjectServicePrincipal:
			path = "/v1.0/servicePrincipals/" + o.ID
		case ObjectGrant:
			path = "/v1.0/oauth2PermissionGrants/" + o.ID
		case ObjectAppRoleAssignment:
			path = "/v1.0/servicePrincipals/" + o.ParentID + "/appRoleAssignedTo/" + o.ID
		case ObjectClassification:
			path = "/v1.0/servicePrincipals/" + o.ParentID + "/delegatedPermissionClassifications/" + o.ID
		}
		return RequestPreview{Method: "DELETE", Path: path}, true
	}
	return RequestPreview{}, false
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// oidcScope reports whether sc is an OpenID Connect scope rather than an API permission.
func oidcScope(sc string) bool {
	switch strings.ToLower(sc) {
	case "offline_access", "openid", "profile", "email":
		return true
	}
	return false
}

// userSimulated notes what the demo's simulated user saw and polls the tenant
// at once for the result (their request, or their consent). verb names what
// they tried, for the error case.
func userSimulated(s State, e UserSimulated, verb string) (State, []Effect) {
	if e.Err != nil {
		s.Simulated = "The simulated user could not " + verb + ": " + e.Err.Error()
	} else {
		s.Simulated = "The user saw: " + screenName(e.Screen)
		if e.Detail != "" {
			s.Simulated += " (" + e.Detail + ")"
		}
	}
	if !s.PollInFlight {
		s.PollSeq++
		s.PollInFlight = true
		return s, []Effect{pollEffect(s)}
	}
	return s, nil
}
