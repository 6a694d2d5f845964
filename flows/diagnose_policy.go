package flows

import (
	"strings"

	"consentwiz/graph/entra"
)

// Whether users may consent themselves: each app consent policy assigned to
// users is evaluated on its own, and a permission is consentable when one of
// them approves it (docs/entra.md A2). A policy approves a permission that
// matches at least one of its include condition sets and none of its
// excludes; a condition set matches when all its conditions do. What could
// not be read makes the answer unknown, never "allowed".

// tri is a yes, no or unknown answer.
type tri int

const (
	triNo tri = iota
	triYes
	triUnknown
)

// perm is one delegated permission the app asks for, on its resource.
type perm struct {
	name     string // as shown: Graph's value, else the scope as asked (qualified)
	value    string // the permission's value (IMAP.AccessAsUser.All)
	resource string // the resource's appId; "" when consentwiz does not know it
	graph    bool   // a Microsoft Graph permission
	// known: the resource's permissions were read and name this one (scope).
	known bool
	scope entra.PermissionScope
	// read: the resource's permissions were read (known false then means it
	// does not exist there).
	read    bool
	granted bool // in the app's tenant-wide grant on that resource
}

// adminOnly reports whether the permission always needs an admin (type Admin).
func (p perm) adminOnly() bool { return p.known && strings.EqualFold(p.scope.Type, "Admin") }

// knownResources are the resources whose identifier URIs consentwiz knows
// (entra.ResourceOfScope): a scope of an unknown resource is none of them.
var knownResources = []string{entra.MicrosoftGraphAppID, entra.ExchangeOnlineAppID}

// listMatch matches a condition list against v: empty or "all" match
// everything; an unknown v (empty) is unknown.
func listMatch(list []string, v string) tri {
	switch {
	case len(list) == 0 || containsFold(list, "all"):
		return triYes
	case v == "":
		return triUnknown
	case containsFold(list, v):
		return triYes
	}
	return triNo
}

// condMatch reports whether a condition set matches the permission p asked
// by the app (docs/entra.md A2 fields).
func (g *diag) condMatch(cs entra.PermissionGrantConditionSet, p perm) tri {
	unknown := false
	and := func(t tri) bool { // false: the set does not match
		unknown = unknown || t == triUnknown
		return t != triNo
	}
	switch strings.ToLower(cs.PermissionType) {
	case "", "delegated":
	case "delegateduserconsentable":
		if !and(iffTri(!p.known, triUnknown, boolTri(strings.EqualFold(p.scope.Type, "User")))) {
			return triNo
		}
	default:
		return triNo // application permissions
	}
	if ra := cs.ResourceApplication; ra != "" && !strings.EqualFold(ra, "any") {
		switch {
		case p.resource == "" && containsFold(knownResources, ra):
			return triNo
		case p.resource == "":
			unknown = true
		case !strings.EqualFold(ra, p.resource):
			return triNo
		}
	}
	if len(cs.Permissions) > 0 && !containsFold(cs.Permissions, "all") && !containsFold(cs.Permissions, p.value) {
		if !and(iffTri(!p.known || p.scope.ID == "", triUnknown, boolTri(containsFold(cs.Permissions, p.scope.ID)))) {
			return triNo
		}
	}
	if c := cs.PermissionClassification; c != "" && !strings.EqualFold(c, "all") {
		// Classifications are read for Microsoft Graph only.
		if !and(iffTri(!p.graph || !g.classKnown, triUnknown, boolTri(g.classifiedAs(p.value, c)))) {
			return triNo
		}
	}
	owner, pub := "", ""
	if g.sp != nil {
		owner = g.sp.AppOwnerOrganizationID
		if g.sp.VerifiedPublisher != nil {
			pub = g.sp.VerifiedPublisher.VerifiedPublisherID
		}
	}
	if !and(listMatch(cs.ClientApplicationIDs, g.clientID)) || !and(listMatch(cs.ClientApplicationTenantIDs, owner)) ||
		!and(listMatch(cs.ClientApplicationPublisherIDs, pub)) {
		return triNo
	}
	if cs.ClientApplicationsFromVerifiedPublisherOnly && !and(iffTri(g.sp == nil, triUnknown, boolTri(g.verified))) {
		return triNo
	}
	if unknown {
		return triUnknown
	}
	return triYes
}

func boolTri(b bool) tri {
	if b {
		return triYes
	}
	return triNo
}

func iffTri(c bool, a, b tri) tri {
	if c {
		return a
	}
	return b
}

// anyMatch is whether one of the sets matches: yes wins, then unknown.
func (g *diag) anyMatch(sets []entra.PermissionGrantConditionSet, p perm) tri {
	out := triNo
	for _, cs := range sets {
		switch g.condMatch(cs, p) {
		case triYes:
			return triYes
		case triUnknown:
			out = triUnknown
		}
	}
	return out
}

// approvedBy is a policy's verdict on sets it was read with: an include
// matches and no exclude does.
func (g *diag) approvedBy(includes, excludes []entra.PermissionGrantConditionSet, p perm) tri {
	in := g.anyMatch(includes, p)
	if in == triNo {
		return triNo
	}
	switch g.anyMatch(excludes, p) {
	case triYes:
		return triNo
	case triUnknown:
		return triUnknown
	}
	return in
}

// isMailClients reports whether id is the mail-client policy (either spelling).
func isMailClients(id string) bool {
	return strings.EqualFold(id, entra.PolicyMailClients) || strings.EqualFold(id, entra.PolicyMailClientsAlt)
}

// approves is the policy id's verdict on the permission p.
func (g *diag) approves(id string, p perm) tri {
	userType := iffTri(!p.known, triUnknown, boolTri(strings.EqualFold(p.scope.Type, "User")))
	switch {
	case strings.EqualFold(id, entra.PolicyLegacy):
		// Any user-consentable delegated permission (docs/entra.md A1).
		return userType
	case strings.EqualFold(id, entra.PolicyLow):
		// Verified publishers or apps of this tenant, permissions classified
		// low, and the basic sign-in permissions classified too (docs/entra.md
		// A2, A5, B3). Classifications are read for Microsoft Graph only.
		switch {
		case !p.graph || g.sp == nil || !g.verified && !g.ownTenant:
			return triNo
		case !g.classKnown:
			return triUnknown
		case len(g.lowBasics) > 0:
			return triNo
		}
		return boolTri(g.classifiedAs(p.value, "low"))
	case strings.EqualFold(id, entra.PolicyManagedRecommended):
		// Any user-consentable delegated permission except the live
		// excludes, on every resource (docs/entra.md B4).
		if userType != triYes {
			return userType
		}
		if !g.excludesKnown {
			return triUnknown
		}
		switch g.anyMatch(g.snap.ManagedExcludes, p) {
		case triYes:
			return triNo
		case triUnknown:
			return triUnknown
		}
		return triYes
	case isMailClients(id):
		// Six mail apps only (docs/entra.md B4): its includes decide.
		ps := g.snap.Sets(entra.PolicyMailClients)
		if ps == nil || !ps.IncludesRead {
			return triUnknown
		}
		return g.anyMatch(ps.Includes, p)
	}
	ps := g.snap.Sets(id)
	if ps == nil || !ps.IncludesRead || !ps.ExcludesRead {
		return triUnknown
	}
	return g.approvedBy(ps.Includes, ps.Excludes, p)
}

// consentable is whether one of the assigned self-consent policies approves
// p, and which policies could not tell.
func (g *diag) consentable(p perm) tri {
	out := triNo
	for _, id := range g.selfPolicies {
		switch g.approves(id, p) {
		case triYes:
			return triYes
		case triUnknown:
			out = triUnknown
		}
	}
	return out
}

// primaryPolicy is the assigned policy that names the setting: the first
// that is not the mail-client companion.
func (g *diag) primaryPolicy() string {
	for _, id := range g.selfPolicies {
		if !isMailClients(id) {
			return id
		}
	}
	if len(g.selfPolicies) > 0 {
		return g.selfPolicies[0]
	}
	return ""
}

// names lists the permissions' names.
func names(ps []perm) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.name)
	}
	return out
}

// canSelfConsent reports whether users may consent to what they are asked
// themselves (yes, no or unknown), and if not, why.
func (g *diag) canSelfConsent() (tri, string) {
	switch {
	case g.promptAdmin:
		return triNo, "the app's sign-in URL asks for prompt=admin_consent"
	case g.assignReq:
		return triNo, "assignment is required, so users cannot consent themselves"
	case len(g.d.Scopes.AppRolesMissing) > 0:
		return triNo, "application permissions always need an admin: " + strings.Join(g.d.Scopes.AppRolesMissing, ", ")
	case len(g.adminOnly) > 0:
		return triNo, strings.Join(g.adminOnly, ", ") + " " + isAre(len(g.adminOnly)) + " admin-only"
	case !g.authzKnown:
		return triUnknown, "the user-consent setting could not be read"
	case len(g.selfPolicies) == 0:
		return triNo, "user consent is off (" + PortalNameDisabled + ")"
	}
	var denied, unknown []perm
	for _, p := range g.asked {
		switch g.consentable(p) {
		case triNo:
			denied = append(denied, p)
		case triUnknown:
			unknown = append(unknown, p)
		}
	}
	switch {
	case len(denied) > 0:
		return triNo, g.denyReason(g.primaryPolicy(), denied)
	case len(unknown) > 0:
		return triUnknown, g.unknownReason(unknown)
	}
	return triYes, ""
}

// denyReason says why the policy id does not let users consent to denied.
func (g *diag) denyReason(id string, denied []perm) string {
	n := names(denied)
	switch {
	case strings.EqualFold(id, entra.PolicyManagedRecommended):
		var excluded []string
		for _, p := range denied {
			if g.anyMatch(g.snap.ManagedExcludes, p) == triYes {
				excluded = append(excluded, p.name)
			}
		}
		if len(excluded) > 0 {
			return strings.Join(excluded, ", ") + " " + isAre(len(excluded)) + " excluded by the Microsoft-managed policy"
		}
		return strings.Join(n, ", ") + " " + isAre(len(n)) + " not allowed by the Microsoft-managed policy"
	case strings.EqualFold(id, entra.PolicyLow):
		switch {
		case g.sp == nil:
			return "the app is new to the tenant; 'verified publishers, selected permissions' only allows verified publishers"
		case !g.verified && !g.ownTenant:
			return "the publisher is not verified; 'verified publishers, selected permissions' only allows verified publishers"
		case len(g.lowBasics) > 0:
			return "the basic sign-in permissions " + strings.Join(g.lowBasics, ", ") + " " + isAre(len(g.lowBasics)) +
				" not classified low impact, and 'verified publishers, selected permissions' needs them classified too"
		}
		var other []string
		for _, p := range denied {
			if !p.graph {
				other = append(other, p.name)
			}
		}
		if len(other) > 0 {
			return "consentwiz reads Microsoft Graph's classifications only: " + strings.Join(other, ", ") + " counted as not classified low impact"
		}
		return strings.Join(n, ", ") + " " + isAre(len(n)) + " not classified low impact"
	case strings.EqualFold(id, entra.PolicyLegacy):
		return strings.Join(n, ", ") + " " + isAre(len(n)) + " not user-consentable"
	case isMailClients(id):
		return "the mail-client policy allows six mail apps only, and " + g.appName() + " is not one of them"
	}
	return "no consent policy assigned to users allows " + strings.Join(n, ", ")
}

// unknownReason says what could not be read to tell whether users may
// consent to unknown.
func (g *diag) unknownReason(unknown []perm) string {
	var why []string
	add := func(s string) {
		if !containsFold(why, s) {
			why = append(why, s)
		}
	}
	for _, p := range unknown {
		switch {
		case !p.graph && p.resource == "":
			add("consentwiz cannot read the permissions of the API " + p.name + " belongs to")
		case !p.graph && !p.read:
			add("the permissions of " + resourceName(p.resource) + " could not be read (" + p.name + ")")
		}
	}
	for _, id := range g.selfPolicies {
		switch {
		case strings.EqualFold(id, entra.PolicyManagedRecommended) && !g.excludesKnown:
			add("the Microsoft-managed policy's excludes could not be read")
		case strings.EqualFold(id, entra.PolicyLow) && !g.classKnown:
			add("the permission classifications could not be read")
		case isMailClients(id):
			if ps := g.snap.Sets(entra.PolicyMailClients); ps == nil || !ps.IncludesRead {
				add("the mail-client policy's includes could not be read")
			}
		case strings.EqualFold(id, entra.PolicyManagedRecommended), strings.EqualFold(id, entra.PolicyLow), strings.EqualFold(id, entra.PolicyLegacy):
		default:
			if ps := g.snap.Sets(id); ps == nil || !ps.IncludesRead || !ps.ExcludesRead {
				add("the consent policy " + Sanitize(id, 80) + " could not be read")
			}
		}
	}
	if len(why) == 0 {
		return "whether users may consent to " + strings.Join(names(unknown), ", ") + " could not be told"
	}
	return strings.Join(why, "; ")
}

// resourceName names a resource application.
func resourceName(appID string) string {
	switch strings.ToLower(appID) {
	case entra.MicrosoftGraphAppID:
		return "Microsoft Graph"
	case entra.ExchangeOnlineAppID:
		return "Office 365 Exchange Online"
	}
	return "the API " + Sanitize(appID, 40)
}

// managedVerdict is what "Let Microsoft manage" would say about what users
// are asked: the permissions it excludes, and those it could not tell.
func (g *diag) managedVerdict() (excluded, unknown []perm) {
	for _, p := range g.asked {
		switch g.approves(entra.PolicyManagedRecommended, p) {
		case triNo:
			if !p.adminOnly() {
				excluded = append(excluded, p)
			}
		case triUnknown:
			unknown = append(unknown, p)
		}
	}
	return excluded, unknown
}
