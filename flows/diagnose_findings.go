package flows

import (
	"fmt"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// The findings: one line of the checklist for each fact the diagnosis found.

func (g *diag) findings() {
	s := g.snap
	name := g.appName()

	if c := g.app.ErrorCode; c != 0 {
		title := fmt.Sprintf("The user saw AADSTS%d", c)
		detail := ""
		if info, ok := assets.Code(c); ok {
			title += " (" + info.Name + ")"
			detail = info.Meaning
		}
		g.add(FindingErrorCode, SeverityInfo, title, detail)
	}

	// Service principal.
	switch {
	case !g.readable(entra.PartApp):
		g.add(FindingServicePrincipal, SeverityWarning, "Whether "+name+" is in the tenant is unknown", "the enterprise application could not be read")
	case g.sp == nil:
		g.add(FindingServicePrincipal, SeverityInfo, name+" is new to the tenant",
			"no enterprise application yet; the first consent (admin or user) creates it")
	default:
		g.add(FindingServicePrincipal, SeverityOK, name+" is in the tenant", "enterprise application "+g.d.App.ServicePrincipalID)
	}
	if g.disabled {
		g.add(FindingAppDisabled, SeverityBlocker, "The enterprise app is disabled",
			"'Enabled for users to sign in' is off: nobody can sign in to it; turn it on in the app's Properties")
	}
	if g.assignReq {
		sev := SeverityWarning
		if g.d.UserScreen == ScreenNotAssigned {
			sev = SeverityBlocker
		}
		g.add(FindingAssignmentRequired, sev, "Assignment is required",
			"only users and groups assigned to the app can sign in (AADSTS50105); consent alone is not enough, and users cannot consent themselves")
	}

	// Publisher.
	switch {
	case g.sp == nil:
		g.add(FindingPublisher, SeverityInfo, "Publisher verification is unknown", "it shows once the app is in the tenant")
	case g.verified:
		g.add(FindingPublisher, SeverityOK, "Publisher verified: "+Sanitize(g.sp.VerifiedPublisher.DisplayName, 80), "")
	case g.ownTenant:
		g.add(FindingPublisher, SeverityOK, "The app is registered in this tenant", "publisher verification is not needed for your own apps")
	default:
		g.add(FindingPublisher, SeverityWarning, "The publisher is not verified",
			"'verified publishers, selected permissions' never lets users consent, and risk-based step-up may ask for admin approval")
	}

	// Scopes.
	switch {
	case !g.scopesKnown:
		detail := "paste the user's sign-in URL or use a profile to compare"
		if g.hasGrant {
			detail = "granted tenant-wide: " + strings.Join(g.d.Scopes.Granted, " ") + "; " + detail
		}
		g.add(FindingScopes, SeverityWarning, "The permissions the app asks for are unknown", detail)
	case !g.readable(entra.PartAppGrants):
		g.add(FindingScopes, SeverityWarning, "What is already granted is unknown", "the app's permission grants could not be read")
	case len(g.d.Scopes.Missing) == 0 && g.hasGrant:
		g.add(FindingScopes, SeverityOK, "Every requested permission is granted tenant-wide", strings.Join(g.d.Scopes.Granted, " "))
	default:
		sev := SeverityInfo
		if g.d.Blocked {
			sev = SeverityBlocker
		}
		detail := "requested: " + strings.Join(g.d.Scopes.Requested, " ")
		if len(g.d.Scopes.Granted) > 0 {
			detail += "; granted: " + strings.Join(g.d.Scopes.Granted, " ")
		}
		if g.fromPending {
			detail += " (requested scopes taken from the pending request)"
		}
		title := "Not granted tenant-wide: " + strings.Join(g.d.Scopes.Missing, ", ")
		if len(g.d.Scopes.Missing) == 0 {
			title = "No tenant-wide grant for the app's sign-in"
		}
		g.add(FindingScopes, sev, title, detail)
	}
	users := map[string]bool{}
	for _, gr := range s.AppGrants {
		if strings.EqualFold(gr.ConsentType, "Principal") && (g.sp == nil || gr.ClientID == "" || strings.EqualFold(gr.ClientID, g.sp.ID)) {
			users[strings.ToLower(gr.PrincipalID)] = true
		}
	}
	if len(users) > 0 {
		// One page of the users' own grants is read (docs/performance.md): past
		// it, the count is a floor.
		count := countNoun(len(users), "user has", "users have")
		if s.PrincipalGrantsMore {
			count = "At least " + count
		}
		g.add(FindingUserGrants, SeverityInfo, count+" consented for themselves",
			"their own grants do not help other users")
	}
	if len(g.app.AppRoles) > 0 {
		if len(g.d.Scopes.AppRolesMissing) > 0 {
			sev := SeverityWarning
			if g.d.Blocked {
				sev = SeverityBlocker
			}
			g.add(FindingAppRoles, sev, "Application permissions not granted: "+strings.Join(g.d.Scopes.AppRolesMissing, ", "),
				"only an admin can grant them (Privileged Role Administrator for Microsoft Graph)")
		} else {
			g.add(FindingAppRoles, SeverityOK, "Application permissions granted", strings.Join(g.app.AppRoles, ", "))
		}
	}
	switch {
	case !g.graphKnown && len(g.considered) > 0:
		g.add(FindingAdminOnly, SeverityWarning, "Which permissions are admin-only is unknown", "Microsoft Graph's permissions could not be read")
	case len(g.d.Scopes.AdminOnly) > 0:
		sev := SeverityInfo
		if len(g.adminOnly) > 0 {
			sev = SeverityBlocker
		}
		g.add(FindingAdminOnly, sev, "Admin-only: "+strings.Join(g.d.Scopes.AdminOnly, ", "), "users can never consent to these; an admin must")
	}
	if len(g.unknown) > 0 {
		title, detail := "Not a Microsoft Graph permission: ", "a typo, or a permission of another API"
		for _, p := range g.perms {
			if !p.graph && p.read && !p.known {
				title, detail = "Not a permission of the API it names: ", "a typo, or the API does not expose it"
			}
		}
		g.add(FindingUnknownScopes, SeverityWarning, title+strings.Join(g.unknown, ", "), detail)
	}
	if len(g.app.OtherScopes) > 0 {
		var granted, missing, unread []string
		for _, p := range g.perms {
			switch {
			case p.graph:
			case p.granted:
				granted = append(granted, p.name)
			case p.resource == "" || !p.read:
				unread = append(unread, p.name)
			default:
				missing = append(missing, p.name)
			}
		}
		var parts []string
		if len(granted) > 0 {
			parts = append(parts, "granted tenant-wide: "+strings.Join(granted, " "))
		}
		if len(missing) > 0 {
			parts = append(parts, "not granted tenant-wide: "+strings.Join(missing, " "))
		}
		if len(unread) > 0 {
			parts = append(parts, "unknown (the API's permissions could not be read): "+strings.Join(unread, " "))
		}
		sev := SeverityInfo
		if len(unread) > 0 {
			sev = SeverityWarning
		}
		g.add(FindingOtherResources, sev, "The app also asks for other APIs' permissions", strings.Join(parts, "; "))
	}

	// Microsoft-managed policy.
	managed := g.d.UserConsent.Setting == ConsentMicrosoftManaged
	switch {
	case !g.excludesKnown:
		g.add(FindingManagedPolicy, SeverityWarning, "What the Microsoft-managed policy blocks is unknown", "its excludes could not be read")
	case len(g.d.Scopes.BlockedByManagedPolicy) > 0:
		sev := SeverityInfo
		title := "Microsoft-managed consent would block " + strings.Join(g.d.Scopes.BlockedByManagedPolicy, ", ")
		if managed {
			title = "Microsoft-managed consent blocks " + strings.Join(g.d.Scopes.BlockedByManagedPolicy, ", ")
			if len(g.blocked) > 0 {
				sev = SeverityBlocker
			}
		}
		g.add(FindingManagedPolicy, sev, title, "these permissions are excluded from user consent under 'Let Microsoft manage your consent settings'")
	case managed && len(g.perms) > 0:
		if _, unknown := g.managedVerdict(); len(unknown) > 0 {
			g.add(FindingManagedPolicy, SeverityWarning, "Whether Microsoft-managed consent allows "+strings.Join(names(unknown), ", ")+" is unknown",
				g.unknownReason(unknown))
			break
		}
		g.add(FindingManagedPolicy, SeverityOK, "Microsoft-managed consent allows every requested permission", "")
	}

	// User consent setting.
	uc := g.d.UserConsent
	switch {
	case uc.Setting == ConsentUnknown:
		g.add(FindingUserConsent, SeverityWarning, "User consent setting: unknown", "the authorization policy could not be read")
	case g.selfConsent:
		g.add(FindingUserConsent, SeverityOK, "User consent: "+uc.PortalName, "users can consent to "+name+" themselves")
	case g.selfTri == triUnknown && !g.covered:
		g.add(FindingUserConsent, SeverityWarning, "User consent: "+uc.PortalName, "whether users can consent to "+name+" is unknown: "+g.selfReason)
	default:
		sev := SeverityWarning
		if g.covered {
			sev = SeverityInfo
		}
		g.add(FindingUserConsent, sev, "User consent: "+uc.PortalName, "users cannot consent to "+name+": "+g.selfReason)
	}
	if uc.Setting == ConsentLow && (g.verified || g.ownTenant) && g.classKnown {
		if todo := append(clone(g.lowMissing), g.lowBasics...); len(todo) > 0 && !g.covered {
			g.add(FindingClassifications, SeverityWarning, "Not classified low impact: "+strings.Join(todo, ", "),
				"'verified publishers, selected permissions' lets users consent only to low-impact permissions, and needs the basic sign-in permissions (openid, profile, email, offline_access) classified too")
		} else if len(g.missing) > 0 {
			g.add(FindingClassifications, SeverityOK, "Every missing permission is classified low impact", "")
		}
	}
	if g.sp != nil && !g.verified && !g.ownTenant && (uc.Setting == ConsentLegacy || uc.Setting == ConsentMicrosoftManaged) && g.selfConsent {
		risky := s.AuthorizationPolicy.AllowUserConsentForRiskyApps
		if risky == nil || !*risky {
			g.add(FindingRiskyApp, SeverityWarning, "Risk-based step-up may still ask for admin approval",
				"unverified multitenant apps asking for more than basic permissions are stepped up (AADSTS900941/900981)")
		}
	}

	// Request workflow.
	wf := g.d.RequestWorkflow
	switch {
	case !g.wfKnown:
		g.add(FindingRequestWorkflow, SeverityWarning, "Admin consent requests: unknown", "the admin consent request policy could not be read")
	case wf.Enabled:
		sev, title := SeverityOK, "Users can request admin consent"
		detail := "reviewers: " + strings.Join(wf.Reviewers, ", ")
		if len(wf.Reviewers) == 0 {
			sev, title, detail = SeverityWarning, "Users can request admin consent, but there are no reviewers", "nobody can approve requests"
		}
		detail += fmt.Sprintf("; notify reviewers: %s; reminders: %s; requests expire after %d days",
			onOff(wf.NotifyReviewers), onOff(wf.RemindersEnabled), wf.RequestDurationInDays)
		g.add(FindingRequestWorkflow, sev, title, detail)
	default:
		g.add(FindingRequestWorkflow, SeverityInfo, "Users cannot request admin consent", "the admin consent request workflow is off: blocked users see no request button")
	}
	if n := len(g.d.PendingRequests); n > 0 {
		var who []string
		for _, p := range g.d.PendingRequests {
			w := p.Requester
			if w == "" {
				w = "a user"
			}
			if p.Reason != "" {
				w += " (\"" + p.Reason + "\")"
			}
			if p.Created != "" {
				w += " on " + requestTime(p.Created)
			}
			who = append(who, w)
		}
		g.add(FindingPendingRequests, SeverityWarning, countNoun(n, "request", "requests")+" for "+name+" pending", strings.Join(who, "; "))
	} else if !g.readable(entra.PartPendingRequests) {
		g.add(FindingPendingRequests, SeverityWarning, "Pending requests: unknown", "the admin consent requests could not be read")
	}

	if g.promptForce {
		sev := SeverityWarning
		if g.grantedAll && g.d.Blocked {
			sev = SeverityBlocker
		}
		g.add(FindingPrompt, sev, "The app's sign-in URL forces prompt="+strings.ToLower(g.app.Prompt),
			"users are asked for consent on every sign-in whatever is granted, so no grant or setting stops it: only the vendor can, by no longer sending prompt")
	}

	// Roles: one finding says what is known of them, with why they could
	// not be read (their unreadable part is not listed again below).
	switch {
	case !g.rolesRead:
		title, detail := "Your directory roles are unknown", "which fixes you can do yourself is unknown"
		if e := s.Errors[entra.PartMyRoles]; e != nil {
			detail = fmt.Sprintf("they could not be read (HTTP %d %s): ", e.Status, Sanitize(e.Code, 60)) + detail
		}
		if s.RolesFrom == entra.RolesGDAPUnread {
			title = "Your roles in this tenant are unknown"
			detail += "; a partner's delegated admin holds roles here through GDAP, and your partner tenant's GDAP relationships " +
				"could not be read (`consentwiz tenants` asks for the permission to read them, once)"
		}
		g.add(FindingRoles, SeverityWarning, title, detail)
	case len(g.d.Roles) == 0:
		g.add(FindingRoles, SeverityInfo, "You hold no admin role", "hand the fix over to an admin")
	case g.d.RolesFrom == entra.RolesFromGDAP:
		g.add(FindingRoles, SeverityInfo, "Your roles (through GDAP): "+strings.Join(g.d.Roles, ", "),
			"from your partner tenant's GDAP relationships with this customer: a delegated admin holds no directory role here")
	default:
		g.add(FindingRoles, SeverityInfo, "Your roles: "+strings.Join(g.d.Roles, ", "), "")
	}

	for _, part := range g.d.Unreadable {
		if part == entra.PartMyRoles {
			continue // said by the roles finding above
		}
		what, detail := describePart(part)
		if e := s.Errors[part]; e != nil {
			detail += fmt.Sprintf(" (HTTP %d %s)", e.Status, Sanitize(e.Code, 60))
		}
		g.add(FindingUnreadablePrefix+part, SeverityWarning, "Could not read "+what, detail)
	}
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
