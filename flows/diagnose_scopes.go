package flows

import (
	"strings"

	"consentwiz/graph/entra"
)

// What the app asks for against what the tenant granted, on Microsoft Graph
// and on every other API the app names (Office 365 Exchange Online, …), and
// the screen users see (docs/entra.md A5, A6, B1–B5).

// basicScopes are the basic sign-in permissions: '-low' needs them
// classified low too (docs/entra.md A5, B3).
var basicScopes = []string{"openid", "profile", "email", "offline_access"}

func (g *diag) scopes() {
	s := g.snap
	seen := map[string]bool{}
	for _, sc := range g.app.Scopes {
		g.d.Scopes.Requested = appendUnique(g.d.Scopes.Requested, seen, Sanitize(sc, 100))
	}
	g.scopesKnown = len(g.d.Scopes.Requested) > 0 || len(g.app.AppRoles) > 0 || len(g.app.OtherScopes) > 0
	if !g.scopesKnown {
		// Fall back to what users asked for in pending requests.
		for _, r := range s.PendingRequests {
			if !strings.EqualFold(r.AppID, g.clientID) {
				continue
			}
			for _, ps := range r.PendingScopes {
				for _, f := range strings.Fields(ps.DisplayName) {
					if short, _, _, err := ParseScopes(f); err == nil {
						for _, x := range short {
							g.d.Scopes.Requested = appendUnique(g.d.Scopes.Requested, seen, x)
						}
					}
				}
			}
		}
		if len(g.d.Scopes.Requested) > 0 {
			g.scopesKnown = true
			g.fromPending = true
		}
	}
	for _, sc := range g.d.Scopes.Requested {
		if !ignoredScopes[strings.ToLower(sc)] {
			g.considered = append(g.considered, sc)
		}
	}

	// Microsoft Graph's scopes.
	g.graphKnown = g.readable(entra.PartGraphSP) && (s.GraphSP.ID != "" || len(s.GraphSP.OAuth2PermissionScopes) > 0)
	g.graphScope = map[string]entra.PermissionScope{}
	for _, ps := range s.GraphSP.OAuth2PermissionScopes {
		g.graphScope[strings.ToLower(ps.Value)] = ps
	}

	// Tenant-wide grants, by resource service principal.
	granted := map[string]map[string]bool{} // lower(resource SP id) → lower(value)
	grantSeen := map[string]bool{}
	for _, gr := range s.AppGrants {
		if g.sp != nil && gr.ClientID != "" && !strings.EqualFold(gr.ClientID, g.sp.ID) || !strings.EqualFold(gr.ConsentType, "AllPrincipals") {
			continue
		}
		res := strings.ToLower(gr.ResourceID)
		if granted[res] == nil {
			granted[res] = map[string]bool{}
		}
		for _, f := range strings.Fields(gr.Scope) {
			granted[res][strings.ToLower(f)] = true
		}
		if s.GraphSP.ID != "" && !strings.EqualFold(gr.ResourceID, s.GraphSP.ID) {
			continue
		}
		g.hasGrant = true
		for _, f := range strings.Fields(gr.Scope) {
			g.d.Scopes.Granted = appendUnique(g.d.Scopes.Granted, grantSeen, Sanitize(f, 100))
		}
	}
	g.missingSet = map[string]bool{}
	for _, sc := range g.considered {
		if !grantSeen[strings.ToLower(sc)] {
			g.missing = append(g.missing, sc)
			g.missingSet[strings.ToLower(sc)] = true
		}
	}

	// The permissions, on Microsoft Graph and the other APIs.
	for _, sc := range g.considered {
		ps, ok := g.graphScope[strings.ToLower(sc)]
		g.perms = append(g.perms, perm{name: sc, value: sc, resource: entra.MicrosoftGraphAppID, graph: true,
			known: ok, scope: ps, read: g.graphKnown, granted: grantSeen[strings.ToLower(sc)]})
	}
	g.otherPerms(granted)
	g.d.Scopes.Missing = append(g.d.Scopes.Missing, g.missing...)
	g.d.Scopes.Missing = append(g.d.Scopes.Missing, g.otherMissing...)

	// App roles (application permissions).
	roleID := map[string]string{}
	for _, r := range s.GraphSP.AppRoles {
		roleID[strings.ToLower(r.Value)] = strings.ToLower(r.ID)
	}
	assigned := map[string]bool{}
	for _, a := range s.AppRoleAssignments {
		if s.GraphSP.ID != "" && !strings.EqualFold(a.ResourceID, s.GraphSP.ID) {
			continue
		}
		assigned[strings.ToLower(a.AppRoleID)] = true
	}
	roleSeen := map[string]bool{}
	for _, r := range g.app.AppRoles {
		id, ok := roleID[strings.ToLower(r)]
		if !ok || !assigned[id] {
			g.d.Scopes.AppRolesMissing = appendUnique(g.d.Scopes.AppRolesMissing, roleSeen, Sanitize(r, 100))
		}
	}

	g.grantedAll = g.hasGrant && len(g.missing) == 0 && len(g.otherMissing) == 0 && len(g.d.Scopes.AppRolesMissing) == 0
	g.covered = g.grantedAll && !g.promptForce

	// What users are asked to consent to: what is not granted tenant-wide;
	// everything when the app forces a prompt (docs/entra.md B1).
	for _, p := range g.perms {
		if g.promptForce || !p.granted {
			g.asked = append(g.asked, p)
		}
	}
	for _, sc := range g.d.Scopes.Requested {
		if ignoredScopes[strings.ToLower(sc)] && (g.promptForce || !grantSeen[strings.ToLower(sc)]) {
			ps, ok := g.graphScope[strings.ToLower(sc)]
			g.asked = append(g.asked, perm{name: sc, value: sc, resource: entra.MicrosoftGraphAppID, graph: true, known: ok, scope: ps, read: g.graphKnown})
		}
	}

	// Admin-only and unknown permissions.
	for _, p := range g.perms {
		switch {
		case p.read && !p.known:
			g.unknown = append(g.unknown, p.name)
		case p.adminOnly():
			g.d.Scopes.AdminOnly = append(g.d.Scopes.AdminOnly, p.name)
		}
	}
	for _, p := range g.asked {
		if p.adminOnly() {
			g.adminOnly = append(g.adminOnly, p.name)
		}
	}

	// The Microsoft-managed policy's excludes, on every resource (docs/entra.md B4).
	for _, p := range g.perms {
		if g.excludesKnown && g.anyMatch(s.ManagedExcludes, p) == triYes {
			g.d.Scopes.BlockedByManagedPolicy = append(g.d.Scopes.BlockedByManagedPolicy, p.name)
		}
	}
	for _, p := range g.asked {
		if g.excludesKnown && g.anyMatch(s.ManagedExcludes, p) == triYes {
			g.blocked = append(g.blocked, p.name)
		}
	}

	// Classifications for '-low', the basic sign-in scopes included.
	for _, p := range g.asked {
		if p.graph && !ignoredScopes[strings.ToLower(p.value)] && !g.classifiedAs(p.value, "low") {
			g.lowMissing = append(g.lowMissing, p.name)
		}
	}
	// A v1 admin consent link replaces the tenant-wide grant with what the
	// app registration lists (docs/entra.md A6, C1): say what it may drop.
	if !g.covered && !linkV2(g.app, &g.d) {
		g.d.Scopes.MayDropWithV1Link = append(g.d.Scopes.MayDropWithV1Link, v1Risk(&g.d)...)
	}
	for _, b := range basicScopes {
		if _, ok := g.graphScope[b]; (ok || !g.graphKnown) && !grantSeen[b] && !g.classifiedAs(b, "low") {
			g.lowBasics = append(g.lowBasics, b)
		}
	}
}

// otherPerms reads the app's permissions on other APIs: the resource each
// names, its service principal when read, and its tenant-wide grant.
func (g *diag) otherPerms(granted map[string]map[string]bool) {
	seen := map[string]bool{}
	for _, sc := range g.app.OtherScopes {
		name := Sanitize(sc, 200)
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		res, value := entra.ResourceOfScope(name)
		p := perm{name: name, value: value, resource: strings.ToLower(res), graph: strings.EqualFold(res, entra.MicrosoftGraphAppID)}
		if res != "" && g.readable(entra.PartResourceSP(res)) {
			if sp := g.snap.ResourceSP(res); sp != nil && !strings.EqualFold(value, ".default") {
				p.read = true
				for _, ps := range sp.OAuth2PermissionScopes {
					if strings.EqualFold(ps.Value, value) {
						p.known, p.scope = true, ps
					}
				}
				p.granted = sp.ID != "" && granted[strings.ToLower(sp.ID)][strings.ToLower(value)]
			}
		}
		if !p.granted {
			g.otherMissing = append(g.otherMissing, name)
		}
		g.perms = append(g.perms, p)
	}
}

// evaluate decides the screen users see (docs/entra.md B1–B5).
func (g *diag) evaluate() {
	g.selfTri, g.selfReason = g.canSelfConsent()
	g.selfConsent = g.selfTri == triYes
	switch {
	case g.covered && g.assignReq:
		g.d.UserScreen, g.d.UserCode = ScreenNotAssigned, 50105
	case g.covered:
		g.d.UserScreen = ScreenNone
	case g.selfConsent:
		g.d.UserScreen = ScreenConsentPrompt
	case g.d.RequestWorkflow.Enabled:
		g.d.UserScreen, g.d.UserCode = ScreenApprovalRequired, 90095
	default:
		// AADSTS90093 when user consent is off; 90094 when the app asks for
		// more than users may grant (docs/entra.md B1).
		g.d.UserScreen, g.d.UserCode = ScreenNeedAdminApproval, 90094
		if g.authzKnown && len(g.selfPolicies) == 0 && len(g.adminOnly) == 0 && !g.promptAdmin {
			g.d.UserCode = 90093
		}
	}
	switch g.d.UserScreen {
	case ScreenNeedAdminApproval, ScreenApprovalRequired, ScreenNotAssigned:
		g.d.Blocked = true
	}
	if g.disabled {
		g.d.Blocked = true
		g.d.UserCode = 7000112
	}
}

// ResourceAppIDs are the appIds of the other APIs (than Microsoft Graph)
// the app asks permissions of, known by their identifier URIs (Office 365
// Exchange Online, …): a diagnosis reads their service principals
// (graph.Client.SnapshotWithResources).
func ResourceAppIDs(a AppRef) []string {
	var out []string
	for _, sc := range a.OtherScopes {
		if res, _ := entra.ResourceOfScope(sc); res != "" && !strings.EqualFold(res, entra.MicrosoftGraphAppID) && !containsFold(out, res) {
			out = append(out, strings.ToLower(res))
		}
	}
	return out
}
