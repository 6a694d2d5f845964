package flows

import (
	"regexp"
	"sort"
	"strings"

	"consentwiz/graph/entra"
)

// The tenant's consent settings as the diagnosis reads them: the
// user-consent setting, the admin
// consent request workflow and its reviewers, and the pending requests.

func (g *diag) classifiedAs(scope, class string) bool {
	ps := g.graphScope[strings.ToLower(scope)]
	for _, c := range g.snap.Classifications {
		if (strings.EqualFold(c.PermissionName, scope) || ps.ID != "" && strings.EqualFold(c.PermissionID, ps.ID)) &&
			strings.EqualFold(c.Classification, class) {
			return true
		}
	}
	return false
}

// ConsentSetting names the user-consent setting that permissionGrantPoliciesAssigned
// selects: its id (disabled|low|legacy|microsoft-managed|custom), its portal
// name, and the self-consent policy ids (lowercase). Prefixes are compared
// case-insensitively; ManagePermissionGrantsForOwnedResource.* entries are ignored.
func ConsentSetting(assigned []string) (setting, portalName string, selfPolicies []string) {
	prefix := strings.ToLower(entra.SelfConsentPrefix)
	for _, a := range assigned {
		la := strings.ToLower(strings.TrimSpace(a))
		if strings.HasPrefix(la, prefix) {
			selfPolicies = append(selfPolicies, la[len(prefix):])
		}
	}
	has := func(id string) bool { return containsFold(selfPolicies, id) }
	onlyKnown := func(ids ...string) bool {
		for _, p := range selfPolicies {
			if !containsFold(ids, p) {
				return false
			}
		}
		return true
	}
	const mailClients, mailClientsAlt = entra.PolicyMailClients, entra.PolicyMailClientsAlt
	switch {
	case len(selfPolicies) == 0:
		return ConsentDisabled, PortalNameDisabled, selfPolicies
	case has(entra.PolicyManagedRecommended) && onlyKnown(entra.PolicyManagedRecommended, mailClients, mailClientsAlt):
		return ConsentMicrosoftManaged, PortalNameManaged, selfPolicies
	case has(entra.PolicyLegacy) && onlyKnown(entra.PolicyLegacy, mailClients, mailClientsAlt):
		return ConsentLegacy, PortalNameLegacy, selfPolicies
	case has(entra.PolicyLow) && onlyKnown(entra.PolicyLow, mailClients, mailClientsAlt):
		return ConsentLow, PortalNameLow, selfPolicies
	}
	return ConsentCustom, PortalNameCustom + " (" + Sanitize(strings.Join(selfPolicies, ", "), 160) + ")", selfPolicies
}

func (g *diag) userConsent() {
	assigned := g.snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	for _, a := range assigned {
		g.d.UserConsent.PolicyIDs = append(g.d.UserConsent.PolicyIDs, Sanitize(a, 200))
	}
	if !g.authzKnown {
		g.d.UserConsent.Setting = ConsentUnknown
		g.d.UserConsent.PortalName = "Unknown (the authorization policy could not be read)"
		return
	}
	g.d.UserConsent.Setting, g.d.UserConsent.PortalName, g.selfPolicies = ConsentSetting(assigned)
}

func (g *diag) workflow() {
	p := g.snap.ConsentRequestPolicy
	g.d.RequestWorkflow.Enabled = g.wfKnown && p.IsEnabled
	g.d.RequestWorkflow.NotifyReviewers = p.NotifyReviewers
	g.d.RequestWorkflow.RemindersEnabled = p.RemindersEnabled
	g.d.RequestWorkflow.RequestDurationInDays = p.RequestDurationInDays
	for _, r := range p.Reviewers {
		g.d.RequestWorkflow.Reviewers = append(g.d.RequestWorkflow.Reviewers, DescribeReviewer(r.Query))
	}
}

var (
	reviewerUserRE  = regexp.MustCompile(`(?i)^/users/([^/?]+)$`)
	reviewerGroupRE = regexp.MustCompile(`(?i)^/groups/([^/?]+)(/.*)?$`)
	reviewerRoleRE  = regexp.MustCompile(`(?i)^/roleManagement/directory/roleAssignments\?\$filter=roleDefinitionId\s+eq\s+'([^']+)'$`)
	reviewerDirRE   = regexp.MustCompile(`(?i)^/directoryRoles/(?:roleTemplateId=)?([^/?]+)(/.*)?$`)
)

// DescribeReviewer renders an admin consent reviewer query readably:
// "/users/{id}" → "user {id}", a group's transitive members → "members of
// group {id}", a role assignment filter → "role Global Administrator". Unknown
// forms are returned sanitized.
func DescribeReviewer(query string) string {
	q := strings.TrimSpace(query)
	for _, p := range []string{"https://graph.microsoft.com", "/v1.0", "/beta"} {
		if len(q) >= len(p) && strings.EqualFold(q[:len(p)], p) {
			q = q[len(p):]
		}
	}
	role := func(id string) string {
		if n := entra.RoleNames[strings.ToLower(id)]; n != "" {
			return n
		}
		return Sanitize(id, 64)
	}
	if m := reviewerUserRE.FindStringSubmatch(q); m != nil {
		return "user " + Sanitize(m[1], 64)
	}
	if m := reviewerGroupRE.FindStringSubmatch(q); m != nil {
		return "members of group " + Sanitize(m[1], 64)
	}
	if m := reviewerRoleRE.FindStringSubmatch(q); m != nil {
		return "role " + role(m[1])
	}
	if m := reviewerDirRE.FindStringSubmatch(q); m != nil {
		return "directory role " + role(m[1])
	}
	return Sanitize(query, 120)
}

func (g *diag) pending() {
	for _, r := range g.snap.PendingRequests {
		if g.clientID == "" || !strings.EqualFold(r.AppID, g.clientID) {
			continue
		}
		var scopes []string
		for _, ps := range r.PendingScopes {
			for _, f := range strings.Fields(ps.DisplayName) {
				scopes = append(scopes, Sanitize(f, 100))
			}
		}
		if scopes == nil {
			scopes = []string{}
		}
		n := 0
		for _, u := range r.UserConsentRequests {
			if !strings.EqualFold(u.Status, "InProgress") {
				continue
			}
			n++
			who := ""
			if u.CreatedBy.User != nil {
				who = Sanitize(u.CreatedBy.User.DisplayName, 80)
				if who == "" {
					who = Sanitize(u.CreatedBy.User.ID, 64)
				}
			}
			g.d.PendingRequests = append(g.d.PendingRequests, PendingRequest{
				RequestID: Sanitize(r.ID, 64), UserRequestID: Sanitize(u.ID, 64), Requester: who,
				Reason: Sanitize(u.Reason, 200), Scopes: scopes, Created: Sanitize(u.CreatedDateTime, 40),
			})
		}
		if n == 0 && len(r.UserConsentRequests) == 0 {
			// The request's user requests were not read: keep the request itself.
			g.d.PendingRequests = append(g.d.PendingRequests, PendingRequest{RequestID: Sanitize(r.ID, 64), Scopes: scopes})
		}
	}
	sort.SliceStable(g.d.PendingRequests, func(i, j int) bool {
		a, b := g.d.PendingRequests[i], g.d.PendingRequests[j]
		if a.Created != b.Created {
			return a.Created < b.Created
		}
		if a.RequestID != b.RequestID {
			return a.RequestID < b.RequestID
		}
		return a.UserRequestID < b.UserRequestID
	})
}
