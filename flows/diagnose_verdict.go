package flows

import (
	"strings"

	"consentwiz/graph/entra"
)

// The verdict: ok, blocked, or unknown when what it rests on could not be
// read. Unknown is not blocked: a diagnosis that could read nothing says so
// and names what it could not read and who could, rather than guessing.

// partInfo names a snapshot part and what stays unknown when it cannot be read.
var partInfo = map[string][2]string{
	entra.PartOrganization:    {"the organization", "the tenant's name and domains are unknown"},
	entra.PartMe:              {"the signed-in user", "who ran the check is unknown"},
	entra.PartMyRoles:         {"your directory roles", "which fixes you can do yourself is unknown"},
	entra.PartAuthorization:   {"the authorization policy", "the user-consent setting is unknown"},
	entra.PartConsentRequest:  {"the admin consent request policy", "whether users can request approval is unknown"},
	entra.PartApp:             {"the app's enterprise application", "whether the app is in the tenant is unknown"},
	entra.PartAppGrants:       {"the app's permission grants", "what is already granted is unknown"},
	entra.PartAppUserGrants:   {"the users' own grants of the app", "how many users consented for themselves is unknown"},
	entra.PartAppRoles:        {"the app's application permissions", "which app roles are granted is unknown"},
	entra.PartGraphSP:         {"Microsoft Graph's permissions", "which scopes are admin-only is unknown"},
	entra.PartClassifications: {"the permission classifications", "which scopes are classified low impact is unknown"},
	entra.PartManagedExcludes: {"the Microsoft-managed policy's excludes", "which scopes Microsoft-managed consent blocks is unknown"},
	entra.PartPendingRequests: {"the admin consent requests", "pending requests are unknown"},
}

// describePart names a snapshot part and what stays unknown without it,
// the parts read per resource or per policy included.
func describePart(part string) (what, unknown string) {
	if info, ok := partInfo[part]; ok {
		return info[0], info[1]
	}
	for _, pre := range []string{entra.PartPolicyIncludesPrefix, entra.PartPolicyExcludesPrefix} {
		if id, ok := strings.CutPrefix(part, pre); ok {
			kind := strings.TrimSuffix(strings.TrimPrefix(pre, "policy"), "-")
			name := "the consent policy " + Sanitize(id, 80)
			if isMailClients(id) {
				name = "the mail-client consent policy"
			}
			return "the " + strings.ToLower(kind) + " of " + name, "whether " + name + " lets users consent is unknown"
		}
	}
	if id, ok := strings.CutPrefix(part, entra.PartResourceSPPrefix); ok {
		return resourceName(id) + "'s permissions", "what users may consent to on " + resourceName(id) + " is unknown"
	}
	return Sanitize(part, 60), "part of the diagnosis is unknown"
}

// decisiveParts are the snapshot parts that decide what users see (ok or
// blocked): the app, its grants, the permissions it asks for on each API,
// and, unless everything is granted tenant-wide, the user-consent setting
// and each consent policy assigned to users. The others (who signed in,
// their roles, the workflow, pending requests) change the fixes, not the
// verdict. It is the one rule for `check` (exit 5) and many-tenant runs
// (OutcomeOf).
func (g *diag) decisiveParts() []string {
	parts := []string{entra.PartApp, entra.PartAppGrants}
	if len(g.app.AppRoles) > 0 {
		parts = append(parts, entra.PartAppRoles)
	}
	if len(g.considered) > 0 || len(g.app.AppRoles) > 0 {
		parts = append(parts, entra.PartGraphSP)
	}
	for _, p := range g.perms {
		if !p.graph && p.resource != "" && !containsFold(parts, entra.PartResourceSP(p.resource)) {
			parts = append(parts, entra.PartResourceSP(p.resource))
		}
	}
	if g.covered {
		return parts // granted tenant-wide: the consent settings do not decide
	}
	parts = append(parts, entra.PartAuthorization)
	for _, id := range g.selfPolicies {
		var more []string
		switch {
		case strings.EqualFold(id, entra.PolicyManagedRecommended):
			more = []string{entra.PartManagedExcludes}
		case strings.EqualFold(id, entra.PolicyLow):
			more = []string{entra.PartClassifications, entra.PartGraphSP}
		case strings.EqualFold(id, entra.PolicyLegacy):
		case isMailClients(id):
			more = []string{entra.PartPolicyIncludes(entra.PolicyMailClients)}
		default:
			more = []string{entra.PartPolicyIncludes(id), entra.PartPolicyExcludes(id)}
		}
		for _, m := range more {
			if !containsFold(parts, m) {
				parts = append(parts, m)
			}
		}
	}
	return parts
}

// available reports whether a part was read: not failed, and for the parts
// read per resource or per policy, present.
func (g *diag) available(part string) bool {
	if !g.readable(part) {
		return false
	}
	if id, ok := strings.CutPrefix(part, entra.PartResourceSPPrefix); ok {
		return g.snap.ResourceSP(id) != nil
	}
	if id, ok := strings.CutPrefix(part, entra.PartPolicyIncludesPrefix); ok {
		ps := g.snap.Sets(id)
		return ps != nil && ps.IncludesRead
	}
	if id, ok := strings.CutPrefix(part, entra.PartPolicyExcludesPrefix); ok {
		ps := g.snap.Sets(id)
		return ps != nil && ps.ExcludesRead
	}
	return true
}

// verdict decides ok, blocked or unknown. Unknown when a decisive part could
// not be read, or when whether users may consent could not be told; a
// disabled app is blocked whatever else is unknown.
func (g *diag) verdict() {
	d := &g.d
	for _, p := range g.decisiveParts() {
		if !g.available(p) {
			d.Undecided = append(d.Undecided, p)
		}
	}
	unknown := (len(d.Undecided) > 0 || !g.covered && g.selfTri == triUnknown) && !g.certainlyBlocked()
	switch {
	case g.disabled:
		d.Verdict = VerdictBlocked
	case unknown:
		d.Verdict = VerdictUnknown
		d.VerdictWhy = g.unknownWhy()
		d.Blocked = false
		d.UserScreen, d.UserCode = ScreenUnknown, 0
	case d.Blocked:
		d.Verdict = VerdictBlocked
	default:
		d.Verdict = VerdictOK
	}
}

// certainlyBlocked reports whether users are blocked whatever the parts
// that could not be read say: users are asked for a permission that is
// certainly not granted tenant-wide (the app and its grants were read, or
// the app forces a prompt), and one of the blocks read says no.
func (g *diag) certainlyBlocked() bool {
	asked := len(g.asked) > 0 && (g.promptForce ||
		g.readable(entra.PartApp) && g.readable(entra.PartAppGrants) && (g.sp == nil || len(g.missing) > 0))
	switch {
	case g.disabled:
		return true
	case !asked:
		return false
	case g.promptAdmin, g.assignReq:
		return true
	case len(g.adminOnly) > 0 && g.graphKnown:
		return true
	case len(g.d.Scopes.AppRolesMissing) > 0 && g.graphKnown && g.readable(entra.PartAppRoles):
		return true
	}
	// User consent is off.
	return g.authzKnown && len(g.selfPolicies) == 0
}

// unknownWhy names what could not be read and which role would read it.
func (g *diag) unknownWhy() string {
	var what []string
	throttled := len(g.d.Undecided) > 0
	for _, p := range g.d.Undecided {
		w, _ := describePart(p)
		what = append(what, w)
		if e := g.snap.Errors[p]; e == nil || e.Status != 429 {
			throttled = false
		}
	}
	var why []string
	switch {
	case throttled:
		why = append(why, "Microsoft Graph is throttling reads of "+joinAnd(what)+"; check again in a moment.")
	case len(what) > 0:
		why = append(why, "could not read "+joinAnd(what)+"; a Global Reader (or Cloud Application Administrator, Application Administrator, Global Administrator) can read "+itThem(len(what))+".")
	}
	if g.selfTri == triUnknown && (len(what) == 0 || !strings.Contains(why[0], g.selfReason)) && g.selfReason != "" &&
		!g.undecidedExplains() {
		why = append(why, "whether users may consent themselves is unknown: "+g.selfReason+".")
	}
	if len(why) == 0 {
		return "what users see could not be told."
	}
	s := strings.Join(why, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// undecidedExplains reports whether the unreadable parts are why
// self-consent is unknown (so it need not be said twice).
func (g *diag) undecidedExplains() bool {
	for _, p := range g.asked {
		if !p.graph && p.resource == "" {
			return false // no read would tell: the API is not one consentwiz can read
		}
	}
	return len(g.d.Undecided) > 0
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
