package flows

import (
	"fmt"
	"slices"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// BuildHandoff builds the hand-off. It is pure: the time and version come in.
func BuildHandoff(in HandoffInput) Handoff {
	b := &handoffBuilder{in: in, d: in.Diagnosis}
	return b.build()
}

type handoffBuilder struct {
	in HandoffInput
	d  *Diagnosis
	h  Handoff

	appName    string
	clientID   string
	spID       string
	tenantName string // for portal texts: "Grant admin consent for <tenant>"
	code       int
	route      string
}

func (b *handoffBuilder) build() Handoff {
	in := b.in
	a := in.App
	b.clientID = NormalizeGUID(a.ClientID)
	if b.clientID == "" && b.d != nil {
		b.clientID = NormalizeGUID(b.d.App.ClientID)
	}
	b.appName = Sanitize(a.DisplayName, 80)
	if b.d != nil {
		if n := Sanitize(b.d.App.DisplayName, 80); n != "" {
			b.appName = n
		}
		b.spID = NormalizeGUID(b.d.App.ServicePrincipalID)
	}
	h := &b.h
	h.GeneratedAt = in.GeneratedAt
	h.Version = Sanitize(in.Version, 40)
	h.ClientID = b.clientID
	h.Profile = Sanitize(a.Profile, 40)
	h.AppName = b.appName
	if h.AppName == "" {
		h.AppName = "the app"
	}
	b.tenant()
	h.Cloud = Sanitize(firstNonEmpty(in.Tenant.Cloud.Name, "global"), 32)
	h.Notes = []string{}
	for _, n := range in.Notes {
		if n = Sanitize(n, 300); n != "" {
			h.Notes = append(h.Notes, n)
		}
	}
	b.problem()
	b.live()
	b.consentLinks()
	b.permissions()
	b.fixes()
	b.verify()
	if n := Sanitize(a.Notes, 2000); n != "" { // a profile's notes are at most 2000 characters: never cut mid-word
		h.Notes = append(h.Notes, n)
	}
	h.Title = "Admin approval needed: " + h.AppName
	switch {
	case b.notAssigned():
		// AADSTS50105 has its own route: assignment, not consent.
		h.Title = "Users are not assigned to " + h.AppName
	case b.d != nil && (!b.d.Blocked || b.d.Verdict == VerdictUnknown):
		h.Title = "Consent check: " + h.AppName
	}
	if h.TenantLabel != "" {
		h.Title += " in " + h.TenantLabel
	}
	return *h
}

func (b *handoffBuilder) tenant() {
	id, domain := "", ""
	cands := []string{b.in.Tenant.ID, b.in.Tenant.Domain, b.in.App.TenantHint}
	if b.d != nil {
		cands = append(cands, b.d.Tenant.ID, b.d.Tenant.Domain)
	}
	for _, c := range cands {
		k, v, err := ParseTenant(c)
		switch {
		case err != nil:
		case k == TenantKindID && id == "":
			id = v
		case k == TenantKindDomain && domain == "":
			domain = v
		}
	}
	b.h.Tenant = firstNonEmpty(id, domain)
	b.h.TenantLabel = b.h.Tenant
	if domain != "" && id != "" {
		b.h.TenantLabel = domain + " (" + id + ")"
	}
	b.tenantName = firstNonEmpty(domain, id, "your organization")
}

func (b *handoffBuilder) problem() {
	p := &b.h.Problem
	a := b.in.App
	if e := b.in.Explanation; e != nil {
		b.code = e.Code
		p.Code, p.Name = e.Code, Sanitize(e.Name, 80)
		p.Meaning, p.Cause = Sanitize(e.Meaning, 400), Sanitize(e.Cause, 400)
		p.UserSaw, p.Source = Sanitize(e.Screen, 300), Sanitize(e.Source, 200)
		b.route = e.Route
		a.merge(e.App)
	}
	if b.code == 0 && a.ErrorCode != 0 {
		b.code = a.ErrorCode
		p.Code = a.ErrorCode
		if c, ok := assets.Code(a.ErrorCode); ok {
			p.Name, p.Meaning, p.Cause, p.UserSaw, p.Source = c.Name, c.Meaning, c.Cause, c.Screen, c.Source
			b.route = c.Route
		}
	}
	if p.Code != 0 && p.Meaning == "" {
		p.Meaning = fmt.Sprintf("AADSTS%d is not in consentwiz's catalogue of consent errors", p.Code)
		p.Source = fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", p.Code)
	}
	if b.d != nil && b.d.Verdict != VerdictUnknown {
		p.UserSaw = b.d.ScreenText()
		switch {
		case b.d.UserScreen == ScreenNone && !b.d.Blocked:
			p.UserSaw = "nothing: every permission the app asks for is granted tenant-wide"
		case b.d.UserScreen == ScreenConsentPrompt:
			p.UserSaw = "a consent prompt users can accept themselves"
		}
	}
	if p.UserSaw == "" {
		p.UserSaw = "a Microsoft sign-in page saying the app needs an administrator's approval (\"Need admin approval\")"
	}
	p.CorrelationID = NormalizeGUID(a.CorrelationID)
	p.TraceID = NormalizeGUID(a.TraceID)
}

func (b *handoffBuilder) live() {
	d := b.d
	if d == nil {
		return
	}
	why := forAnotherAdmin(d.RecommendedWhy)
	l := &HandoffLive{CheckedBy: Sanitize(d.SignedInAs, 120), Blocked: d.Blocked, UserScreen: d.UserScreen,
		Verdict: d.Verdict, VerdictWhy: Sanitize(d.VerdictWhy, 600),
		Recommended: d.Recommended, RecommendedWhy: Sanitize(why, 400), Roles: []string{}, Findings: []Finding{}, Unreadable: []string{}}
	for _, r := range d.Roles {
		l.Roles = append(l.Roles, Sanitize(r, 80))
	}
	findings := slices.Clone(d.Findings) // blockers first, as on the wizard's screen
	slices.SortStableFunc(findings, func(a, b Finding) int { return b.Severity.Rank() - a.Severity.Rank() })
	for _, f := range findings {
		if f.ID == FindingRoles {
			continue // the checker's roles are shown with their name
		}
		l.Findings = append(l.Findings, Finding{ID: Sanitize(f.ID, 40), Severity: f.Severity, Title: Sanitize(f.Title, 300), Detail: Sanitize(f.Detail, 500)})
	}
	for _, u := range d.Unreadable {
		l.Unreadable = append(l.Unreadable, Sanitize(u, 60))
	}
	b.h.Live = l
}

// forAnotherAdmin is the diagnosis's recommendation for a hand-off: the
// diagnosis speaks to whoever ran it ("Your account can do it"); a hand-off
// goes to someone else, so those remarks are left out.
func forAnotherAdmin(why string) string {
	for _, cut := range []string{" Your account can do it.", " It needs a "} {
		if i := strings.Index(why, cut); i >= 0 {
			why = why[:i]
		}
	}
	return strings.TrimSpace(why)
}

func (b *handoffBuilder) linkCloud() entra.Cloud { return withHosts(b.in.Tenant.Cloud) }

func (b *handoffBuilder) consentLinks() {
	h := &b.h
	h.ConsentLinks = []HandoffLink{}
	if b.clientID == "" || b.notAssigned() && b.consentCovered() {
		return // no consent to give: the links would only mislead
	}
	a := b.in.App
	// The vendor's redirect_uri from the pasted link is kept: some vendors
	// finish their onboarding on that page (docs/entra.md C1).
	v1 := HandoffLink{Label: "Admin consent link (v1: everything the app registration lists)",
		URL: AdminConsentURLv1(b.linkCloud(), h.Tenant, b.clientID, a.InputRedirectURI, "")}
	var v2 []HandoffLink
	scopes := append(append([]string{}, a.Scopes...), a.OtherScopes...)
	if len(scopes) > 0 {
		seen := map[string]bool{}
		for _, r := range a.RedirectURIs {
			if len(v2) == 3 || seen[r] {
				break
			}
			seen[r] = true
			if u, err := AdminConsentURLv2(b.linkCloud(), firstNonEmpty(h.Tenant, "organizations"), b.clientID, scopes, r, ""); err == nil {
				label := "Admin consent link (v2.0: exactly the permissions listed below)"
				if len(a.RedirectURIs) > 1 {
					label = "Admin consent link (v2.0, returns to " + Sanitize(r, 200) + ")"
				}
				v2 = append(v2, HandoffLink{Label: label, URL: u})
			}
		}
	}
	// v1 is preferred (docs/entra.md G) unless the app's profile says v2.
	if a.Profile != "" && strings.EqualFold(a.ConsentVersion, "v2") && len(v2) > 0 {
		h.ConsentLinks = append(append(h.ConsentLinks, v2...), v1)
	} else {
		h.ConsentLinks = append(append(h.ConsentLinks, v1), v2...)
	}
}

func (b *handoffBuilder) permissions() {
	h := &b.h
	h.Permissions = []HandoffPermission{}
	a := b.in.App
	d := b.d
	delegated := a.Scopes
	if len(delegated) == 0 && d != nil {
		delegated = d.Scopes.Requested
	}
	var adminOnly, granted, blocked map[string]bool
	if d != nil {
		adminOnly, granted, blocked = lowerSet(d.Scopes.AdminOnly), lowerSet(d.Scopes.Granted), lowerSet(d.Scopes.BlockedByManagedPolicy)
	}
	seen := map[string]bool{}
	for _, s := range delegated {
		s = Sanitize(s, 100)
		if s == "" || seen[strings.ToLower(s)] || oidcScopes[strings.ToLower(s)] {
			continue
		}
		seen[strings.ToLower(s)] = true
		p := HandoffPermission{Name: s, Kind: "delegated", Known: d != nil}
		if d != nil {
			p.AdminOnly, p.Granted, p.ManagedBlocked = adminOnly[strings.ToLower(s)], granted[strings.ToLower(s)], blocked[strings.ToLower(s)]
		} else {
			p.ManagedBlocked = managedExcludedDocumented(s)
		}
		h.Permissions = append(h.Permissions, p)
	}
	var missingRoles map[string]bool
	if d != nil {
		missingRoles = lowerSet(d.Scopes.AppRolesMissing)
	}
	for _, r := range a.AppRoles {
		r = Sanitize(r, 100)
		if r == "" || seen["app:"+strings.ToLower(r)] {
			continue
		}
		seen["app:"+strings.ToLower(r)] = true
		p := HandoffPermission{Name: r, Kind: "application", AdminOnly: true, Known: true}
		if d != nil {
			p.Granted = !missingRoles[strings.ToLower(r)]
		}
		h.Permissions = append(h.Permissions, p)
	}
	for _, o := range a.OtherScopes {
		o = Sanitize(o, 200)
		if o == "" || seen[strings.ToLower(o)] {
			continue
		}
		seen[strings.ToLower(o)] = true
		p := HandoffPermission{Name: o, Kind: "other API", Known: d != nil}
		if d != nil {
			p.Granted, p.ManagedBlocked, p.AdminOnly = !lowerSet(d.Scopes.Missing)[strings.ToLower(o)], blocked[strings.ToLower(o)], adminOnly[strings.ToLower(o)]
		} else {
			p.ManagedBlocked = managedExcludedDocumented(o)
		}
		h.Permissions = append(h.Permissions, p)
	}
}

// adminRole is who can grant the app's permissions tenant-wide.
func (b *handoffBuilder) consentRole(id FixID) string {
	if b.d != nil {
		if f, ok := b.d.Fix(id); ok && f.NeedsRole != "" {
			return withGA(f.NeedsRole)
		}
	}
	if len(b.in.App.AppRoles) > 0 {
		return consentRolesAppRoles + " (the app needs application permissions)"
	}
	return consentRolesDelegated
}

func withGA(role string) string {
	if role == NeedsGlobalAdmin {
		return role
	}
	if role == NeedsCloudAppAdmin {
		return consentRolesDelegated
	}
	return role + " (or Global Administrator)"
}

func (b *handoffBuilder) portal(target string, ids ...string) string {
	return PortalLink(b.linkCloud(), b.h.Tenant, target, ids...)
}

func (b *handoffBuilder) cmdTenant() string {
	if b.h.Tenant != "" {
		return " --tenant " + b.h.Tenant
	}
	return " --tenant YOUR-DOMAIN"
}

func (b *handoffBuilder) cmdApp() string {
	if p := b.h.Profile; p != "" && !strings.ContainsAny(p, " '\"`$\\;&|<>") {
		if _, err := assets.Profile(p); err == nil {
			return "--profile " + strings.ToLower(p)
		}
	}
	return "--app " + b.clientID
}

// notAssigned reports whether users are stopped because the app requires
// assignment (AADSTS50105): from the error, or from the live diagnosis.
func (b *handoffBuilder) notAssigned() bool {
	if b.d != nil {
		return b.d.UserScreen == ScreenNotAssigned
	}
	return b.code == 50105 || b.route == assets.RouteAssignUsers
}

// consentCovered reports whether the live diagnosis found every permission
// granted tenant-wide: then no consent section belongs in the hand-off.
func (b *handoffBuilder) consentCovered() bool {
	d := b.d
	return d != nil && len(d.Scopes.Requested) > 0 && len(d.Scopes.Missing) == 0 && len(d.Scopes.AppRolesMissing) == 0
}

func (b *handoffBuilder) fixes() {
	h := &b.h
	d := b.d
	h.Fixes = []HandoffFix{}
	app := h.AppName
	notAssigned := b.code == 50105 || d != nil && (d.UserScreen == ScreenNotAssigned || d.App.AssignmentRequired)
	disabled := d != nil && !d.App.Enabled

	// Each fix's ways to do it by hand, in hand-off order.
	byRank := slices.Clone(fixes)
	slices.SortStableFunc(byRank, func(a, b *fix) int { return a.handoffRank - b.handoffRank })
	var all []HandoffFix
	for _, f := range byRank {
		if f.handoff != nil && f.handoffRank > 0 {
			all = append(all, f.handoff(b)...)
		}
	}
	if notAssigned {
		assign := HandoffFix{Key: HandoffAssignUsers, Title: "Assign the users to the app",
			Summary: "Consent is there, but the app requires assignment: users must be assigned to it (or assignment turned off).",
			Role:    "Cloud Application Administrator, Application Administrator or an owner of the enterprise app"}
		if b.spID != "" {
			assign.Link = HandoffLink{Label: "Enterprise app > Users and groups", URL: b.portal(LinkAppUsers, b.spID, b.clientID)}
		} else {
			assign.Link = HandoffLink{Label: "Enterprise apps", URL: b.portal(LinkEnterpriseApps)}
		}
		assign.Steps = []string{
			"Open the link (" + navAllApps + " > " + app + " > Users and groups).",
			"Select \"Add user/group\", choose the users or a group, and select Assign.",
			"Or, under Properties, set \"Assignment required?\" to No and select Save.",
		}
		if b.clientID != "" {
			assign.Steps = append(assign.Steps, "Or run the command below and choose \""+string(FixAssignUsers)+"\": consentwiz shows who is assigned, assigns a user or a group and checks it.")
			assign.Command = "consentwiz " + b.cmdApp() + b.cmdTenant()
		}
		all = append([]HandoffFix{assign}, all...)
	}
	if b.promptForced() {
		all = append([]HandoffFix{b.vendorFix()}, all...)
	}
	if disabled {
		enable := HandoffFix{Key: HandoffEnableApp, Title: "Enable the app for sign-in",
			Summary: "The enterprise app is disabled; no consent helps until it is enabled.",
			Role:    "Cloud Application Administrator, Application Administrator or an owner of the enterprise app",
			Link:    HandoffLink{Label: "Enterprise app > Overview", URL: b.portal(LinkAppOverview, b.spID, b.clientID)},
			Steps: []string{
				"Open the link (" + navAllApps + " > " + app + " > Properties).",
				"Set \"Enabled for users to sign in?\" to Yes and select Save.",
			}}
		all = append([]HandoffFix{enable}, all...)
	}

	// Live viability.
	if d != nil {
		for i := range all {
			b.check(&all[i])
		}
	}

	// The recommended fix goes first.
	rec := b.recommendedKey(notAssigned, disabled)
	out := make([]HandoffFix, 0, len(all))
	for _, f := range all {
		if f.Key == rec {
			f.Recommended = true
			out = append([]HandoffFix{f}, out...)
			continue
		}
		out = append(out, f)
	}
	// Fixes that cannot work go last; when users are only missing their
	// assignment and consent is there, the consent sections are left out.
	var ok, no []HandoffFix
	for _, f := range out {
		switch {
		case f.Checked && !f.Viable && b.notAssigned() && b.consentCovered():
		case f.Checked && !f.Viable:
			no = append(no, f)
		default:
			ok = append(ok, f)
		}
	}
	h.Fixes = append(ok, no...)
}

// promptForced reports whether the app forces a consent prompt on every
// sign-in (docs/entra.md B1): from its sign-in URL, not an admin consent link.
func (b *handoffBuilder) promptForced() bool {
	a := b.in.App
	if e := b.in.Explanation; e != nil && a.Prompt == "" {
		a = e.App
	}
	p := strings.ToLower(a.Prompt)
	return (p == "consent" || p == "admin_consent") && !a.PromptLink
}

// vendorFix is the note for the vendor: stop sending prompt.
func (b *handoffBuilder) vendorFix() HandoffFix {
	a := b.in.App
	if e := b.in.Explanation; e != nil && a.Prompt == "" {
		a = e.App
	}
	p := strings.ToLower(Sanitize(a.Prompt, 20))
	app := b.h.AppName
	msg := "Hello,\n\n" +
		"Our users cannot connect " + app + " to Microsoft 365: every sign-in shows a consent screen (\"Need admin approval\"), " +
		"even though " + app + "'s permissions are granted for our whole organization.\n\n" +
		"The sign-in request " + app + " sends includes prompt=" + p + ". Microsoft's troubleshooting guide for consent issues says " +
		"that with prompt=consent or prompt=admin_consent users keep getting the consent screen even after consent is granted, " +
		"and that the fix is to stop sending the prompt parameter " +
		"(https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/troubleshoot-consent-issues).\n\n" +
		"Please remove prompt=" + p + " from the sign-in request (keep it only on a separate admin consent link, if you publish one).\n"
	if b.clientID != "" {
		msg += "\nApplication (client) id: " + b.clientID + "\n"
	}
	return HandoffFix{Key: HandoffVendor, Title: "Ask the vendor to stop forcing the consent prompt",
		Summary: app + " sends prompt=" + p + " on every sign-in, so users are asked for consent again whatever is granted. No tenant setting or grant can stop it; only the vendor can.",
		Role:    "anyone who can contact the vendor's support",
		Steps: []string{
			"Send the message below to " + app + "'s vendor (their support address or portal).",
			"Until they fix it, users keep seeing the consent screen; granting consent again does not help.",
		},
		Message: msg}
}

func (b *handoffBuilder) searchHint() string {
	if b.clientID == "" {
		return ""
	}
	return " (or its client id " + b.clientID + ")"
}

// check fills the live viability of f from the diagnosis.
func (b *handoffBuilder) check(f *HandoffFix) {
	switch f.Key {
	case HandoffAssignUsers, HandoffEnableApp, HandoffVendor:
		f.Checked, f.Viable = true, true
		return
	}
	if fx := lookup(f.Fix); fx != nil && fx.handoffCheck != nil && fx.handoffCheck(b, f) {
		return
	}
	b.checkFix(f)
}

// checkFix takes f's viability from the diagnosis's verdict on its fix.
func (b *handoffBuilder) checkFix(f *HandoffFix) {
	o, ok := b.d.Fix(f.Fix)
	if !ok {
		return
	}
	f.Checked, f.Viable, f.Reason = true, o.Viable, Sanitize(o.Reason, 400)
}

// recommendedKey is the section to do first: enabling the app or assigning
// users when that blocks; else the recommended fix's; offline, where the
// user's error leads.
func (b *handoffBuilder) recommendedKey(notAssigned, disabled bool) string {
	if d := b.d; d != nil {
		switch {
		case disabled:
			return HandoffEnableApp
		case d.UserScreen == ScreenNotAssigned:
			return HandoffAssignUsers
		case d.Recommended == "" && b.promptForced() && d.Verdict != VerdictUnknown:
			return HandoffVendor // everything is granted: only the vendor can help
		}
		if fx := lookup(d.Recommended); fx != nil && fx.handoffKey != nil {
			return fx.handoffKey(b)
		}
		return ""
	}
	switch b.route {
	case assets.RouteAssignUsers:
		return HandoffAssignUsers
	case assets.RouteVendor:
		return ""
	}
	if fx := lookup(FixID(b.route)); fx != nil && fx.handoffRoute != nil {
		return fx.handoffRoute(b)
	}
	if notAssigned {
		return HandoffAssignUsers
	}
	if b.clientID != "" {
		return HandoffConsentLink
	}
	return HandoffPortalGrant
}

// checkStep offers `consentwiz check` to verify the fix, with who can run it.
func (b *handoffBuilder) checkStep() string {
	who := "a Global Reader is enough"
	if b.in.ClientNotConsented {
		// consentwiz's own sign-in was refused there: its first run needs
		// someone who can consent to it (docs/entra.md A7, F).
		who = "consentwiz's own sign-in is not consented in this tenant yet, so the first run needs a Privileged Role Administrator or above, who consents for the organization"
	}
	return "Or run the command below (read-only; " + who + "): exit code 0 means nothing blocks users any more."
}

func (b *handoffBuilder) verify() {
	h := &b.h
	v := &h.Verify
	if b.notAssigned() {
		// Assignment: the check is the Users and groups page.
		if b.spID != "" && b.clientID != "" {
			v.Link = HandoffLink{Label: "Enterprise app > Users and groups", URL: b.portal(LinkAppUsers, b.spID, b.clientID)}
			v.Steps = []string{"Open the link: the users (or a group they are in) must be listed."}
		} else {
			v.Link = HandoffLink{Label: "Enterprise apps", URL: b.portal(LinkEnterpriseApps)}
			v.Steps = []string{"Open the link, search for " + h.AppName + b.searchHint() + ", and select Users and groups: the users (or a group they are in) must be listed."}
		}
		if b.clientID != "" {
			v.Steps = append(v.Steps, b.checkStep())
			v.Command = "consentwiz check " + b.cmdApp() + b.cmdTenant()
		}
		v.Steps = append(v.Steps, "Ask the user to connect "+h.AppName+" again.")
		return
	}
	if b.spID != "" && b.clientID != "" {
		v.Link = HandoffLink{Label: "Enterprise app > Permissions", URL: b.portal(LinkAppPermissions, b.spID, b.clientID)}
		v.Steps = []string{"Open the link: the Admin consent tab lists every permission granted for the organization."}
	} else {
		v.Link = HandoffLink{Label: "Enterprise apps", URL: b.portal(LinkEnterpriseApps)}
		v.Steps = []string{"Open the link, search for " + h.AppName + b.searchHint() + ", and select Permissions: the Admin consent tab lists every permission granted for the organization."}
	}
	v.Steps = append(v.Steps, b.checkStep(),
		"Ask the user to connect "+h.AppName+" again.")
	if b.clientID != "" {
		v.Command = "consentwiz check " + b.cmdApp() + b.cmdTenant()
	}
}
