package flows

import (
	"fmt"
	"strings"
)

// admin-link: build the tenant-wide admin consent URL, open it or hand it
// over (copy, file), then poll Graph until the grant appears. The admin
// grants in the browser; consentwiz writes nothing itself.

// FixAdminLink is the admin consent link.
const FixAdminLink FixID = "admin-link"

var adminLinkFix = &fix{
	id:             FixAdminLink,
	role:           NeedsCloudAppAdmin,
	viable:         adminLinkViable,
	rank:           1,
	grantsEveryone: true,
	recommendWhy: func(*Diagnosis) string {
		return "Admin consent through the link grants exactly this app, and changes no tenant setting."
	},
	altWhy: "hand the admin consent link to an administrator who holds the role.",
	phases: func(State) []string { return []string{"Approve the app for your organization"} },
	stepNo: func(s State) int {
		if s.Step == StepLinkShow {
			return 5
		}
		return 0
	},
	start: func(s State) (State, []Effect) {
		s.Run.Link.URL = adminLink(s)
		s.Step = StepLinkShow
		return startPolling(s, PollGrantEvery, pollGrant(s))
	},
	summary: func(s State) string {
		return "An administrator approved " + appName(s) + " for everyone in the organization." + pendingRequestNote(s)
	},
	steps:        []StepID{StepLinkShow},
	step:         linkShow,
	prompt:       linkPrompt,
	handoffRank:  1,
	handoff:      adminLinkHandoff,
	handoffKey:   func(*handoffBuilder) string { return HandoffConsentLink },
	handoffCheck: adminLinkHandoffCheck,
}

// adminLinkViable: an admin opens the link and accepts for the organization.
func adminLinkViable(g *diag) FixOption {
	role, has := g.consentRole()
	f := FixOption{ID: FixAdminLink, Title: "Send or open the admin consent link", NeedsRole: role, HasRole: has, Viable: true}
	if r := g.commonBlock(); r != "" {
		return notViable(f, r)
	}
	if g.clientID == "" {
		return notViable(f, "the app's client id is unknown, so no link can be built")
	}
	if g.sp != nil && len(g.sp.ReplyURLs) == 0 && len(g.app.RedirectURIs) == 0 {
		return notViable(f, "the app has no reply URL, so the consent link fails (AADSTS500113): grant through Graph instead")
	}
	f.Reason = "an admin opens the link and accepts for the organization; no tenant setting changes"
	if g.sp == nil {
		f.Reason += "; it also adds the app to the tenant"
	}
	if drop := g.d.Scopes.MayDropWithV1Link; len(drop) > 0 {
		f.Reason += "; caution: the link grants what the app registration lists and replaces the tenant-wide grant, so it may remove " +
			strings.Join(drop, ", ") + ", granted earlier (grant-direct adds to the grant instead)"
	}
	return f
}

// v1Risk are the permissions the app asks for that are granted tenant-wide
// already: admin consent through a v1 link grants the app registration's
// static permissions and may revoke what was granted tenant-wide before
// (docs/entra.md A6, C1), so any of them the registration does not list
// would be lost.
func v1Risk(d *Diagnosis) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, sc := range d.Scopes.Requested {
		if !oidcScope(sc) && containsFold(d.Scopes.Granted, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// linkV2 reports whether the admin consent link is the v2.0 one with the
// permissions listed: when the app's profile says so, or when a v1 link may
// drop permissions granted earlier. Both need a redirect URI of the app.
func linkV2(a AppRef, d *Diagnosis) bool {
	return len(a.RedirectURIs) > 0 && (a.ConsentVersion == "v2" || len(v1Risk(d)) > 0)
}

// adminLink is the admin consent URL for the session's tenant, in its cloud.
func adminLink(s State) string {
	tenant := s.Tenant.segment()
	if linkV2(s.App, s.Diagnosis) {
		if u, err := AdminConsentURLv2(s.Tenant.Cloud, tenant, s.App.ClientID, v2Scopes(s), s.App.RedirectURIs[0], s.Nonce); err == nil {
			return u
		}
	}
	// v1 without redirect_uri returns to the app's own registered reply URL
	// (docs/entra.md C1, G): right for every region of a multi-region vendor, where
	// picking one of the profile's URIs could send a US customer to the UK site.
	redirect := ""
	if len(s.App.RedirectURIs) == 1 {
		redirect = s.App.RedirectURIs[0]
	}
	return AdminConsentURLv1(s.Tenant.Cloud, tenant, s.App.ClientID, redirect, s.Nonce)
}

func v2Scopes(s State) []string {
	sc := requestedScopes(s)
	if len(sc) == 0 || len(s.App.AppRoles) > 0 {
		return []string{".default"}
	}
	return sc
}

func linkShow(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyOpen:
			return s, []Effect{OpenURL{URL: r.Link.URL}}
		case KeyCopy:
			return s, []Effect{CopyText{Text: r.Link.URL}}
		case KeySave:
			return s, []Effect{SaveFile{Name: linkFileName(s), Text: linkFileText(s)}}
		case KeyHandoff:
			if r.Poll.stop != nil {
				return s, nil
			}
			// consentwiz only prepared the link: nobody has accepted it, so
			// say what it did with it and that users stay blocked.
			sum := "The admin consent link for " + appName(s) + " is ready to send to an administrator"
			switch {
			case r.Link.Saved != "" && r.Link.copied:
				sum += ": it was copied, and saved with the steps in the hand-off file."
			case r.Link.Saved != "":
				sum += ": it is saved with the steps in the hand-off file."
			case r.Link.copied:
				sum += ": it was copied to the clipboard."
			default:
				sum += " (below)."
			}
			sum += " Nothing was changed, and users stay blocked until an administrator who holds " +
				consentRoles(s) + " opens it, signs in and accepts."
			return stopAfterCheck(s, stopRequest{outcome: Outcome{Kind: OutcomeHandedOff, Summary: sum, Link: r.Link.URL, SavedTo: r.Link.Saved}})
		}
		return s, nil
	case Opened, Copied:
		r.Link.note, _ = linkNote(ev)
		if c, ok := ev.(Copied); ok && c.Err == nil && !c.Terminal {
			r.Link.copied = true
		}
		return s, nil
	case Saved:
		r.Link.note = ""
		if e.Err != nil {
			r.Link.note = "Could not save the file: " + e.Err.Error()
		} else {
			r.Link.Saved = e.Path
		}
		return s, nil
	case Back:
		return backToChecklist(s)
	}
	s, effs, done, snap := pollEvent(s, ev, grantMissing)
	if done {
		s.Snap = snap
		s = addChange(s, Change{What: "Admin consent for " + appName(s), Before: "not granted", After: "granted for everyone: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
		s.Run.Writes.committed = true
		return finishVerified(s)
	}
	return s, effs
}

// pendingRequestNote says that a user's request stays in the admin center's
// queue when consent was granted another way (ux review: reviewers are not
// told by the grant).
func pendingRequestNote(s State) string {
	if s.Diagnosis == nil || len(s.Diagnosis.PendingRequests) == 0 {
		return ""
	}
	who := firstNonEmpty(s.Diagnosis.PendingRequests[0].Requester, "A user")
	return " " + who + "'s request for it is still listed under Enterprise applications → Admin consent requests until a reviewer acts on it there."
}

// consentRoles names the roles that may grant the app's permissions
// tenant-wide (docs/entra.md A7), the same way on every screen and in every
// hand-off.
func consentRoles(s State) string {
	if len(appRolesNeeded(s)) > 0 {
		return consentRolesAppRoles
	}
	return consentRolesDelegated
}

// The roles that may grant admin consent (docs/entra.md A7).
const (
	consentRolesDelegated = "Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator"
	consentRolesAppRoles  = "Privileged Role Administrator or Global Administrator"
)

func linkPrompt(s State) Prompt {
	r := s.Run
	body := "An administrator who holds " + consentRoles(s) + " opens this link, signs in and accepts for the organization. consentwiz checks the tenant every few seconds and says when it worked."
	if strings.Contains(r.Link.URL, "/v2.0/") {
		body += " This is the v2.0 link with the app's permissions listed."
	}
	if s.Demo {
		body += "\n\nDemo: no browser is needed; the simulated administrator can accept the consent page from here."
	}
	p := Prompt{
		Kind:      PromptProgress,
		Title:     "Approve " + appName(s) + " for everyone",
		Body:      body,
		Note:      pollNote(s),
		Links:     []Link{{Label: "Admin consent link", URL: r.Link.URL}},
		CanBack:   true,
		CanDone:   true,
		DoneLabel: "I approved it — check now",
		Options: []Option{
			{Key: KeyOpen, Label: "Open it in a browser on this computer"},
			{Key: KeyCopy, Label: "Copy the link"},
			{Key: KeySave, Label: "Save the link and the steps to a file", Detail: linkFileName(s) + ", for another admin"},
			{Key: KeyHandoff, Label: "Stop here: another admin will approve", Detail: "checks once more, then ends with the link to send"},
		},
	}
	if r.Link.Saved != "" {
		p.Snippets = []Snippet{{Label: "Saved to", Text: r.Link.Saved}}
	}
	return p
}

// linkFileName is the name of the saved link file (plain text).
func linkFileName(s State) string {
	return "consentwiz-handoff-" + safeName(appName(s)) + ".txt"
}

// linkFileText is the saved link file: the link and what to do with it. It
// is written for another administrator: nothing in it speaks of the account
// that made it.
func linkFileText(s State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Admin consent needed for %s (client id %s)\n\n", appName(s), s.App.ClientID)
	fmt.Fprintf(&b, "Tenant: %s\n", tenantName(s))
	if s.Diagnosis != nil {
		if why := forAnotherAdmin(s.Diagnosis.RecommendedWhy); why != "" {
			fmt.Fprintf(&b, "Why: %s\n", why)
		}
	}
	if sc := requestedScopes(s); len(sc) > 0 {
		fmt.Fprintf(&b, "Permissions: %s\n", strings.Join(sc, ", "))
	}
	fmt.Fprintf(&b, "\nWhat to do: sign in with an account that holds %s, open this link and accept:\n\n", consentRoles(s))
	b.WriteString(s.Run.Link.URL + "\n\n")
	b.WriteString("Afterwards users can connect the app without the \"Need admin approval\" screen.\n")
	return b.String()
}

// --- hand-off -------------------------------------------------------------------

// adminLinkHandoff: the consent link (when there is one) and the same consent
// from the Entra admin center.
func adminLinkHandoff(b *handoffBuilder) []HandoffFix {
	h := &b.h
	app := h.AppName
	var out []HandoffFix
	if b.clientID != "" && len(h.ConsentLinks) > 0 {
		steps := []string{
			"Open the link above in a browser (a private window avoids signing in with the wrong account).",
			"Sign in with an administrator account of " + b.tenantName + ".",
			"Review the permissions " + app + " asks for and select Accept.",
			"The browser then goes to the vendor's site; an error or \"page not found\" there is harmless: the consent is recorded.",
		}
		if h.Tenant == "" {
			steps[1] = "Sign in with an administrator account of the tenant whose users are blocked (the link has no tenant in it)."
		}
		out = append(out, HandoffFix{Key: HandoffConsentLink, Fix: FixAdminLink, Title: "Grant admin consent with the link",
			Summary: "Grants " + app + " its permissions for everyone in the organization. No tenant setting changes.",
			Role:    b.consentRole(FixAdminLink), Link: h.ConsentLinks[0], Steps: steps})
	}
	portalGrant := HandoffFix{Key: HandoffPortalGrant, Fix: FixAdminLink, Title: "Grant admin consent in the Entra admin center",
		Summary: "The same consent, from the app's Permissions page, when the app is already listed in Enterprise apps.",
		Role:    b.consentRole(FixAdminLink)}
	if b.spID != "" && b.clientID != "" {
		portalGrant.Link = HandoffLink{Label: "Enterprise app > Permissions", URL: b.portal(LinkAppPermissions, b.spID, b.clientID)}
		portalGrant.Steps = []string{
			"Open the link (" + navAllApps + " > " + app + " > Permissions).",
			"Select \"Grant admin consent for " + b.tenantName + "\".",
			"Sign in if asked, review the permissions and select Accept.",
		}
	} else {
		portalGrant.Link = HandoffLink{Label: "Enterprise apps", URL: b.portal(LinkEnterpriseApps)}
		portalGrant.Steps = []string{
			"Open the link (" + navAllApps + ").",
			"Search for " + app + b.searchHint() + " and open it. If it is not listed, use the admin consent link instead: it adds the app.",
			"Select Permissions, then \"Grant admin consent for " + b.tenantName + "\".",
			"Sign in if asked, review the permissions and select Accept.",
		}
	}
	return append(out, portalGrant)
}

// adminLinkHandoffCheck: the admin center's Permissions page exists only once
// the app is in the tenant.
func adminLinkHandoffCheck(b *handoffBuilder, f *HandoffFix) bool {
	b.checkFix(f)
	if f.Key == HandoffPortalGrant && f.Checked && f.Viable && b.spID == "" {
		f.Viable = false
		f.Reason = "the app is not in the tenant yet, so it has no Permissions page: use the admin consent link, which adds it"
	}
	return true
}
