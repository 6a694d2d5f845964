package flows

import (
	"consentwiz/graph/entra"
	"strings"
)

// classify-low: classify the app's delegated permissions as "low impact" and
// set user consent to "verified publishers, selected permissions"
// (microsoft-user-default-low). The change stays; the journal guards the
// user-consent write until it is verified.

// FixClassifyLow classifies the permissions as low impact.
const FixClassifyLow FixID = "classify-low"

var classifyLowFix = &fix{
	id:     FixClassifyLow,
	role:   NeedsCloudAppAdmin,
	scopes: []string{entra.ScopePolicyReadWritePermissionGrant, ScopeUserConsentWrite},
	viable: classifyLowViable,
	rank:   5,
	recommendWhy: func(*Diagnosis) string {
		return "Classifying the permissions as low impact lets users of verified apps consent themselves."
	},
	phases: func(State) []string {
		return []string{"Review the change", "Apply and check"}
	},
	stepNo: func(s State) int {
		if isRestoreStep(s.Step) && s.Restore != nil && s.Restore.then == afterRestoreDone {
			return 6
		}
		return 0
	},
	begin:      readUserConsent,
	selfPolicy: entra.PolicyLow,
	plan: func(s State) ([]Effect, *Failure) {
		plan := classifyPlan(s)
		if !samePolicies(s.Run.UserConsent.Original, s.Run.UserConsent.Target) {
			plan = append(plan, patchUserConsent(s))
		}
		if len(plan) == 0 {
			return nil, &Failure{Title: "Nothing to change", Reason: "The permissions are already classified low and user consent is already set.", AltFix: altFix(s)}
		}
		return plan, nil
	},
	preview: func(s State) (string, string) {
		body := "Only permissions that users may consent to are classified."
		if samePolicies(s.Run.UserConsent.Original, s.Run.UserConsent.Target) {
			body += " User consent already allows \"verified publishers, selected permissions\" and stays as it is."
		} else {
			body += " Then user consent is set to \"verified publishers, selected permissions\"."
		}
		body = note(body, "This change stays, and it is tenant-wide: users may then consent by themselves to every app from a verified publisher that asks only for low-impact permissions, not only "+appName(s)+".")
		return "Review the change", body
	},
	verifyRead: readBackSnapshot,
	verify: func(s State, ev Event) verdict {
		v := snapshotVerdict(ev, func(snap *entra.TenantSnapshot) string { return classifyMismatch(s, snap) })
		if e, ok := ev.(SnapshotLoaded); ok && v.problem != "" && e.Snap != nil && s.Run.Writes.VerifyTries+1 >= MaxVerifyTries {
			cur := e.Snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
			if samePolicies(cur, s.Run.UserConsent.Original) && !samePolicies(cur, s.Run.UserConsent.Target) && classifyMismatch(s, e.Snap) == "user consent reads "+policyText(cur) {
				// docs/entra.md A1: the setting's PATCH answered success and changed nothing.
				v.notApplied = "Microsoft Graph answered the change with success, but user consent still reads \"" + portalName(cur) + "\". This happens in tenants where Microsoft manages consent settings. The classifications made for it are removed again."
			}
		}
		return v
	},
	// The consent change is meant to stay: the journal has done its job.
	then: clearJournalThenFinish,
	summary: func(s State) string {
		return "Users can now consent to " + appName(s) + "'s low-impact permissions themselves."
	},
	// The hand-off's user consent section covers it (see relax-user-consent).
	handoffKey: func(*handoffBuilder) string { return HandoffUserConsent },
}

// classifyLowViable: users may consent to low-impact permissions of verified
// publishers; classifying helps only if nothing else stops them.
func classifyLowViable(g *diag) FixOption {
	f := FixOption{ID: FixClassifyLow, Title: "Classify the permissions as low impact", Writes: true, Viable: true}
	if g.d.UserConsent.Setting == ConsentLow {
		f.NeedsRole = NeedsCloudAppAdmin
		f.HasRole = g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)
	} else {
		f.NeedsRole = NeedsCAAAndPRA
		f.HasRole = g.hasRole() || g.hasRole(entra.RolePrivilegedRoleAdmin) && g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)
	}
	const cannot = "classifying permissions cannot help: "
	if r := g.selfConsentBlocker(cannot, func(roles string) string {
		return "application permissions (" + roles + ") cannot be classified"
	}, " and cannot be classified"); r != "" {
		return notViable(f, r)
	}
	var other []string
	for _, p := range g.asked {
		if !p.graph {
			other = append(other, p.name)
		}
	}
	switch {
	case !g.scopesKnown:
		return notViable(f, "the app's permissions are unknown")
	case !g.graphKnown:
		return notViable(f, "Microsoft Graph's permissions could not be read")
	case len(g.unknown) > 0:
		return notViable(f, strings.Join(g.unknown, ", ")+" "+isAre(len(g.unknown))+" not a Microsoft Graph permission")
	case len(other) > 0:
		return notViable(f, "consentwiz classifies Microsoft Graph permissions only, and the app also asks for "+strings.Join(other, ", "))
	case g.sp == nil:
		return notViable(f, "the app is new to the tenant, so its publisher cannot be checked; 'verified publishers, selected permissions' needs a verified publisher")
	case !g.verified && !g.ownTenant:
		return notViable(f, cannot+"the publisher is not verified, and 'verified publishers, selected permissions' needs a verified publisher")
	case !g.authzKnown:
		return notViable(f, "the current user-consent setting could not be read")
	case g.d.UserConsent.Setting == ConsentCustom:
		return notViable(f, "a custom consent policy is assigned; switching to 'verified publishers, selected permissions' would replace it")
	case g.d.UserConsent.Setting == ConsentLegacy:
		return notViable(f, "user consent is already '"+PortalNameLegacy+"', which allows more")
	}
	// The basic sign-in permissions must be classified too (docs/entra.md A5, B3).
	todo := append(clone(g.lowMissing), g.lowBasics...)
	if len(todo) == 0 {
		todo = g.missing
	}
	f.Reason = "classify " + strings.Join(todo, ", ") + " as low impact"
	if g.d.UserConsent.Setting != ConsentLow {
		f.Reason += " and set user consent to '" + PortalNameLow + "'"
	}
	// Nothing ties the managed policy's excludes to '-low' (docs/entra.md A5):
	// say what the change does instead.
	f.Reason += "; lasting: it lowers the bar tenant-wide, for every verified app asking for " + itThem(len(todo))
	return f
}

// classifyPlan classifies each requested permission users may consent to
// that is not classified low yet, and the basic sign-in permissions.
func classifyPlan(s State) []Effect {
	if s.Snap == nil {
		return nil
	}
	var plan []Effect
	// The basic sign-in permissions too: '-low' needs them classified low
	// (docs/entra.md A5, B3).
	want := requestedScopes(s)
	for _, b := range basicScopes {
		if !containsFold(want, b) {
			want = append(want, b)
		}
	}
	for _, name := range want {
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
				plan = append(plan, CreateClassification{Tenant: s.target(), ResourceID: s.Snap.GraphSP.ID,
					Classification: entra.DelegatedPermissionClassification{PermissionID: ps.ID, PermissionName: ps.Value, Classification: "low"}})
			}
		}
	}
	return plan
}

func classifyMismatch(s State, snap *entra.TenantSnapshot) string {
	var probs []string
	for _, e := range s.Run.Writes.Plan {
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
