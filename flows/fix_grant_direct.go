package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// grant-direct: admin consent through Graph itself. Create the app's service
// principal (when missing) and an AllPrincipals oauth2PermissionGrant (or add
// the missing scopes to the existing one) and the app role assignments, for
// exactly the permissions shown.

// FixGrantDirect grants consent through Microsoft Graph.
const FixGrantDirect FixID = "grant-direct"

var grantDirectFix = &fix{
	id:             FixGrantDirect,
	role:           NeedsCloudAppAdmin,
	scopes:         []string{entra.ScopeApplicationReadWriteAll, entra.ScopeDelegatedPermissionGrantReadWriteAll, entra.ScopeAppRoleAssignmentReadWriteAll},
	viable:         grantDirectViable,
	rank:           2,
	grantsEveryone: true,
	// A v1 admin consent link may drop what was granted earlier; a grant
	// through Graph adds to it (docs/entra.md A6).
	first: func(d *Diagnosis) bool { return len(d.Scopes.MayDropWithV1Link) > 0 },
	recommendWhy: func(d *Diagnosis) string {
		if len(d.Scopes.MayDropWithV1Link) > 0 {
			return "Granting through Graph adds exactly the missing permissions to the tenant-wide grant; the admin consent link would replace it with what the app registration lists and may remove " +
				strings.Join(d.Scopes.MayDropWithV1Link, ", ") + "."
		}
		return "Granting through Graph covers exactly the permissions shown, and changes no tenant setting."
	},
	altWhy: "grant the permissions through Microsoft Graph.",
	phases: func(State) []string {
		return []string{"Review what will be granted", "Grant and check"}
	},
	// The plan is built from the app's objects read right before the
	// preview: the checklist's read may be old (a user's consent or another
	// admin may have added the app since).
	begin: readApp,
	objectPlan: func(s State) ([]Effect, *Failure) {
		plan := grantPlan(s)
		if len(plan) == 0 {
			return nil, &Failure{Title: "Nothing to grant", Reason: "The app already has every permission it asks for.", AltFix: altFix(s)}
		}
		return plan, nil
	},
	preview: func(State) (string, string) {
		return "Review what will be granted", "These permissions are granted for everyone in the organization at once, without further review. They take effect immediately."
	},
	verifyRead: readBackSnapshot,
	verify: func(s State, ev Event) verdict {
		return snapshotVerdict(ev, func(snap *entra.TenantSnapshot) string { return grantMismatch(s, snap) })
	},
	summary: func(s State) string {
		return appName(s) + " now has admin consent for everyone in the organization." + pendingRequestNote(s)
	},
	handoffRank:  3,
	handoff:      grantDirectHandoff,
	handoffKey:   func(*handoffBuilder) string { return HandoffGrantDirect },
	handoffRoute: func(*handoffBuilder) string { return HandoffGrantDirect },
}

// grantDirectViable: the grant must cover exactly what the app asks for, so
// its Microsoft Graph permissions must be known.
func grantDirectViable(g *diag) FixOption {
	f := FixOption{ID: FixGrantDirect, Title: "Grant consent through Microsoft Graph", Writes: true, Viable: true}
	switch {
	case len(g.app.AppRoles) > 0 && len(g.d.Scopes.AppRolesMissing) > 0:
		f.NeedsRole = NeedsPRA
		f.HasRole = g.hasRole(entra.RolePrivilegedRoleAdmin) && (g.sp != nil || g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin))
	case g.sp == nil:
		f.NeedsRole = NeedsCloudAppAdmin
		f.HasRole = g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)
	default:
		f.NeedsRole = NeedsCloudAppAdmin
		f.HasRole = g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin)
	}
	switch {
	case g.commonBlock() != "":
		return notViable(f, g.commonBlock())
	case g.clientID == "":
		return notViable(f, "the app's client id is unknown")
	case !g.scopesKnown:
		return notViable(f, "the app's permissions are unknown: paste the sign-in URL or use a profile so the grant matches what the app asks for")
	case !g.graphKnown:
		return notViable(f, "Microsoft Graph's permissions could not be read, so the grant cannot be built")
	case len(g.unknown) > 0:
		return notViable(f, strings.Join(g.unknown, ", ")+" "+isAre(len(g.unknown))+" not a Microsoft Graph permission")
	case len(g.app.OtherScopes) > 0:
		return notViable(f, "the app also asks for other APIs' permissions; use the admin consent link")
	}
	what := append([]string{}, g.missing...)
	what = append(what, g.d.Scopes.AppRolesMissing...)
	f.Reason = "grant exactly " + strings.Join(what, ", ") + " tenant-wide"
	if len(what) == 0 {
		f.Reason = "grant the app's sign-in permissions tenant-wide"
	}
	if g.sp == nil {
		f.Reason = "add the app to the tenant and " + f.Reason
	}
	return f
}

// readBackSnapshot reads the app's objects back after the writes.
func readBackSnapshot(s State) Effect {
	return FetchSnapshot{Tenant: s.target(), AppID: s.App.ClientID, App: s.App}
}

// snapshotVerdict judges a read-back snapshot with mismatch.
func snapshotVerdict(ev Event, mismatch func(*entra.TenantSnapshot) string) verdict {
	e, ok := ev.(SnapshotLoaded)
	switch {
	case !ok:
		return verdict{}
	case e.Err != nil || e.Snap == nil:
		return verdict{handled: true, readFailed: true, err: e.Err}
	}
	v := verdict{handled: true, problem: mismatch(e.Snap)}
	if v.problem == "" {
		v.snap = e.Snap
	}
	return v
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
	t := s.target()
	var plan []Effect
	if s.Snap == nil || s.Snap.App == nil {
		plan = append(plan, CreateServicePrincipal{Tenant: t, AppID: s.App.ClientID})
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
				plan = append(plan, UpdateGrantScope{Tenant: t, GrantID: g.ID, Scope: strings.Join(append(have, add...), " "), Before: g.Scope})
			}
		} else {
			plan = append(plan, CreateGrant{Tenant: t, Grant: entra.OAuth2PermissionGrant{ConsentType: "AllPrincipals", ResourceID: res, Scope: strings.Join(scopes, " ")}})
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
		plan = append(plan, CreateAppRoleAssignment{Tenant: t, Assignment: entra.AppRoleAssignment{AppRoleID: id, ResourceID: res}, RoleName: name})
	}
	return plan
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

// grantDirectHandoff: the admin runs consentwiz and chooses grant-direct.
func grantDirectHandoff(b *handoffBuilder) []HandoffFix {
	return []HandoffFix{{Key: HandoffGrantDirect, Fix: FixGrantDirect, Title: "Grant consent through consentwiz (Microsoft Graph)",
		Summary: "consentwiz signs you in, shows exactly what it will grant, grants it through Microsoft Graph and verifies it.",
		Role:    b.consentRole(FixGrantDirect), Command: "consentwiz " + b.cmdApp() + b.cmdTenant(),
		Steps: []string{
			"Run the command below as an administrator and sign in when asked.",
			"Choose \"" + string(FixGrantDirect) + "\", check the preview of what will be granted, and confirm.",
		}}}
}
