package flows

import (
	"fmt"
	"strings"
	"time"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// HandoffInput is what the helpdesk knows when handing the problem to an admin.
type HandoffInput struct {
	// App is the app, from a client id, a profile, a pasted URL or error text.
	App AppRef
	// Tenant is the tenant; ID may be empty offline (the domain is used then).
	Tenant TenantInfo
	// Cloud is the cloud links are built for (login and admin-center hosts).
	Cloud entra.Cloud
	// Diagnosis is the live diagnosis when someone signed in (e.g. as Global
	// Reader); nil offline.
	Diagnosis *Diagnosis
	// Explanation is the explained error the user got (Explain), when known.
	Explanation *Explanation
	// GeneratedAt is when the hand-off was made (the driver passes the clock).
	GeneratedAt time.Time
	// Version is consentwiz's version.
	Version string
	// Notes are extra remarks from the driver (e.g. the tenant id could not be looked up).
	Notes []string
}

// Hand-off fix keys (stable; used in tests and by drivers).
const (
	HandoffConsentLink     = "consent-link"
	HandoffPortalGrant     = "portal-grant"
	HandoffApproveRequest  = "approve-request"
	HandoffRequestWorkflow = "request-workflow"
	HandoffGrantDirect     = "grant-direct"
	HandoffUserConsent     = "user-consent"
	HandoffAssignUsers     = "assign-users"
	HandoffEnableApp       = "enable-app"
)

// Handoff is a complete hand-off for the admin: what is wrong, the admin
// consent link, what the app asks for, every way to fix it with portal links,
// steps and roles, and how to check the result. All strings are sanitized.
type Handoff struct {
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generatedAt"`
	Version     string    `json:"version"`
	AppName     string    `json:"appName"`
	ClientID    string    `json:"clientId"`
	Profile     string    `json:"profile,omitempty"`
	// Tenant is the tenant segment used in links (id, domain, or "" for none).
	Tenant      string         `json:"tenant"`
	TenantLabel string         `json:"tenantLabel"`
	Cloud       string         `json:"cloud"`
	Problem     HandoffProblem `json:"problem"`
	Live        *HandoffLive   `json:"live,omitempty"`
	// ConsentLinks are the admin consent URLs, the preferred one first.
	ConsentLinks []HandoffLink       `json:"consentLinks"`
	Permissions  []HandoffPermission `json:"permissions"`
	Fixes        []HandoffFix        `json:"fixes"`
	Verify       HandoffVerify       `json:"verify"`
	Notes        []string            `json:"notes"`
}

// HandoffProblem is what the user ran into.
type HandoffProblem struct {
	Code          int    `json:"code,omitempty"`
	Name          string `json:"name,omitempty"`
	Meaning       string `json:"meaning,omitempty"`
	UserSaw       string `json:"userSaw"`
	Cause         string `json:"cause,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
	TraceID       string `json:"traceId,omitempty"`
	Source        string `json:"source,omitempty"`
}

// HandoffLive summarises a live diagnosis.
type HandoffLive struct {
	CheckedBy      string    `json:"checkedBy,omitempty"`
	Roles          []string  `json:"roles"`
	Blocked        bool      `json:"blocked"`
	UserScreen     string    `json:"userScreen"`
	Findings       []Finding `json:"findings"`
	Recommended    FixID     `json:"recommended,omitempty"`
	RecommendedWhy string    `json:"recommendedWhy"`
	Unreadable     []string  `json:"unreadable"`
}

// HandoffLink is a labelled URL.
type HandoffLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// HandoffPermission is one permission the app asks for.
type HandoffPermission struct {
	Name string `json:"name"`
	// Kind is "delegated", "application" or "other API".
	Kind string `json:"kind"`
	// AdminOnly is known only with a diagnosis (Known).
	AdminOnly bool `json:"adminOnly"`
	Granted   bool `json:"granted"`
	// ManagedBlocked: the Microsoft-managed user-consent policy excludes it
	// (live with a diagnosis; from the documented list offline).
	ManagedBlocked bool `json:"managedBlocked"`
	Known          bool `json:"known"`
}

// HandoffFix is one way to fix the problem.
type HandoffFix struct {
	Key   string `json:"key"`
	Fix   FixID  `json:"fix,omitempty"`
	Title string `json:"title"`
	// Summary says what it does, in a sentence.
	Summary string      `json:"summary"`
	Role    string      `json:"role"`
	Link    HandoffLink `json:"link"`
	Steps   []string    `json:"steps"`
	Command string      `json:"command,omitempty"`
	// Recommended marks the fix to do first.
	Recommended bool `json:"recommended"`
	// Checked says a live diagnosis decided Viable and Reason.
	Checked bool   `json:"checked"`
	Viable  bool   `json:"viable"`
	Reason  string `json:"reason,omitempty"`
	// Caution is a warning to read before doing it.
	Caution string `json:"caution,omitempty"`
}

// HandoffVerify says how to check the result afterwards.
type HandoffVerify struct {
	Link    HandoffLink `json:"link"`
	Steps   []string    `json:"steps"`
	Command string      `json:"command"`
}

// Navigation texts of the Entra admin center (ENTRA.md D).
const (
	navUserConsent     = "Entra ID > Enterprise apps > Consent and permissions > User consent settings"
	navAdminConsent    = "Entra ID > Enterprise apps > Consent and permissions > Admin consent settings"
	navClassifications = "Entra ID > Enterprise apps > Consent and permissions > Permission classifications"
	navRequests        = "Entra ID > Enterprise apps > Activity > Admin consent requests"
	navAllApps         = "Entra ID > Enterprise apps > All applications"
)

// managedExcludedDocumented are delegated Graph permissions that public
// sources name as excluded from the Microsoft-managed user-consent policy
// (ENTRA.md B4). The live excludes decide; this list only warns offline.
var managedExcludedDocumented = map[string]bool{}

func init() {
	for _, s := range []string{
		"Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All",
		"Calendars.ReadWrite", "Mail.Read", "Mail.ReadWrite", "Mail.ReadBasic", "MailboxItem.Read", "MailboxFolder.Read",
		"EWS.AccessAsUser.All", "IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "EAS.AccessAsUser.All",
		"Chat.Read", "OnlineMeetings.Read",
		"Contacts.ReadWrite", "Contacts.Read.Shared", "Contacts.ReadWrite.Shared", "People.Read",
		"Tasks.Read", "Tasks.ReadWrite", "Tasks.Read.Shared", "Tasks.ReadWrite.Shared",
	} {
		managedExcludedDocumented[strings.ToLower(s)] = true
	}
}

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
	h.Cloud = Sanitize(firstNonEmptyStr(in.Cloud.Name, in.Tenant.Cloud, "global"), 32)
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
	if n := Sanitize(a.Notes, 600); n != "" {
		h.Notes = append(h.Notes, n)
	}
	h.Title = "Admin approval needed: " + h.AppName
	if b.d != nil && !b.d.Blocked {
		h.Title = "Consent check: " + h.AppName
	}
	if h.TenantLabel != "" {
		h.Title += " in " + h.TenantLabel
	}
	return *h
}

func iff(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func firstNonEmptyStr(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
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
	b.h.Tenant = firstNonEmptyStr(id, domain)
	b.h.TenantLabel = b.h.Tenant
	if domain != "" && id != "" {
		b.h.TenantLabel = domain + " (" + id + ")"
	}
	b.tenantName = firstNonEmptyStr(domain, id, "your organization")
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
	if b.d != nil {
		p.UserSaw = ScreenTitle(b.d.UserScreen)
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
	// The diagnosis speaks to whoever ran it ("Your account can do it"); the
	// hand-off goes to someone else, so those remarks are left out.
	why := d.RecommendedWhy
	for _, cut := range []string{" Your account can do it.", " It needs a "} {
		if i := strings.Index(why, cut); i >= 0 {
			why = why[:i]
		}
	}
	l := &HandoffLive{CheckedBy: Sanitize(d.SignedInAs, 120), Blocked: d.Blocked, UserScreen: d.UserScreen,
		Recommended: d.Recommended, RecommendedWhy: Sanitize(why, 400), Roles: []string{}, Findings: []Finding{}, Unreadable: []string{}}
	for _, r := range d.Roles {
		l.Roles = append(l.Roles, Sanitize(r, 80))
	}
	for _, f := range d.Findings {
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

func (b *handoffBuilder) linkCloud() entra.Cloud { return b.in.Cloud }

func (b *handoffBuilder) consentLinks() {
	h := &b.h
	h.ConsentLinks = []HandoffLink{}
	if b.clientID == "" {
		return
	}
	a := b.in.App
	v1 := HandoffLink{Label: "Admin consent link (v1: everything the app registration lists)",
		URL: AdminConsentURLv1(b.linkCloud(), h.Tenant, b.clientID, "", "")}
	var v2 []HandoffLink
	scopes := append(append([]string{}, a.Scopes...), a.OtherScopes...)
	if len(scopes) > 0 {
		seen := map[string]bool{}
		for _, r := range a.RedirectURIs {
			if len(v2) == 3 || seen[r] {
				break
			}
			seen[r] = true
			if u, err := AdminConsentURLv2(b.linkCloud(), firstNonEmptyStr(h.Tenant, "organizations"), b.clientID, scopes, r, ""); err == nil {
				label := "Admin consent link (v2.0: exactly the permissions listed below)"
				if len(a.RedirectURIs) > 1 {
					label = "Admin consent link (v2.0, returns to " + Sanitize(r, 200) + ")"
				}
				v2 = append(v2, HandoffLink{Label: label, URL: u})
			}
		}
	}
	// v1 is preferred (ENTRA.md G) unless the app's profile says v2.
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
			p.ManagedBlocked = managedExcludedDocumented[strings.ToLower(s)]
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
		h.Permissions = append(h.Permissions, HandoffPermission{Name: o, Kind: "other API"})
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
		return "Privileged Role Administrator or Global Administrator (the app needs application permissions)"
	}
	return "Cloud Application Administrator, Application Administrator or Global Administrator"
}

func withGA(role string) string {
	if role == NeedsGlobalAdmin {
		return role
	}
	if role == NeedsCloudAppAdmin {
		return "Cloud Application Administrator, Application Administrator or Global Administrator"
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

func (b *handoffBuilder) fixes() {
	h := &b.h
	d := b.d
	h.Fixes = []HandoffFix{}
	app := h.AppName
	pending := d != nil && len(d.PendingRequests) > 0
	notAssigned := b.code == 50105 || d != nil && (d.UserScreen == ScreenNotAssigned || d.App.AssignmentRequired)
	disabled := d != nil && !d.App.Enabled

	var all []HandoffFix
	if b.clientID != "" && len(h.ConsentLinks) > 0 {
		link := h.ConsentLinks[0]
		steps := []string{
			"Open the link above in a browser (a private window avoids signing in with the wrong account).",
			"Sign in with an administrator account of " + b.tenantName + ".",
			"Review the permissions " + app + " asks for and select Accept.",
			"The browser then goes to the vendor's site; an error or \"page not found\" there is harmless: the consent is recorded.",
		}
		if h.Tenant == "" {
			steps[1] = "Sign in with an administrator account of the tenant whose users are blocked (the link has no tenant in it)."
		}
		all = append(all, HandoffFix{Key: HandoffConsentLink, Fix: FixAdminLink, Title: "Grant admin consent with the link",
			Summary: "Grants " + app + " its permissions for everyone in the organization. No tenant setting changes.",
			Role:    b.consentRole(FixAdminLink), Link: link, Steps: steps})
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
	all = append(all, portalGrant)

	approve := HandoffFix{Key: HandoffApproveRequest, Fix: FixRequestWorkflow, Title: "Approve the user's request",
		Summary: "The user sent a request from the \"Approval required\" screen; a reviewer approves it, which grants consent for everyone.",
		Role:    b.consentRole(FixAdminLink) + ", and listed as a reviewer",
		Link:    HandoffLink{Label: "Admin consent requests", URL: b.portal(LinkConsentRequests)},
		Steps: []string{
			"Open the link (" + navRequests + ").",
			"On the My Pending tab, select " + app + ".",
			"Select \"Review permissions and consent\", sign in, review the permissions and select Accept.",
		}}
	workflow := HandoffFix{Key: HandoffRequestWorkflow, Fix: FixRequestWorkflow, Title: "Let users request admin consent, then approve",
		Summary: "Turns on the admin consent workflow: blocked users can ask for approval, and reviewers approve in the portal.",
		Role:    NeedsGlobalAdmin,
		Link:    HandoffLink{Label: "Admin consent settings", URL: b.portal(LinkAdminConsentSettings)},
		Steps: []string{
			"Open the link (" + navAdminConsent + ").",
			"Set \"Users can request admin consent to apps they are unable to consent to\" to Yes.",
			"Add reviewers (users, groups or roles) who may grant consent, e.g. your Cloud Application Administrators.",
			"Keep email notifications and reminders on, set how long requests stay open (30 days is common), and select Save.",
			"Wait: it can take up to an hour before users see the request form.",
			"Ask the user to connect " + app + " again and send the request (reviewers added later cannot act on older requests).",
			"Approve the request under " + navRequests + " > My Pending.",
		}}
	grantDirect := HandoffFix{Key: HandoffGrantDirect, Fix: FixGrantDirect, Title: "Grant consent through consentwiz (Microsoft Graph)",
		Summary: "consentwiz signs you in, shows exactly what it will grant, grants it through Microsoft Graph and verifies it.",
		Role:    b.consentRole(FixGrantDirect), Command: "consentwiz " + b.cmdApp() + b.cmdTenant(),
		Steps: []string{
			"Run the command below as an administrator and sign in when asked.",
			"Choose \"" + string(FixGrantDirect) + "\", check the preview of what will be granted, and confirm.",
		}}
	userConsent := b.userConsentFix()
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
	var enable HandoffFix
	if disabled {
		enable = HandoffFix{Key: HandoffEnableApp, Title: "Enable the app for sign-in",
			Summary: "The enterprise app is disabled; no consent helps until it is enabled.",
			Role:    "Cloud Application Administrator, Application Administrator or an owner of the enterprise app",
			Link:    HandoffLink{Label: "Enterprise app > Overview", URL: b.portal(LinkAppOverview, b.spID, b.clientID)},
			Steps: []string{
				"Open the link (" + navAllApps + " > " + app + " > Properties).",
				"Set \"Enabled for users to sign in?\" to Yes and select Save.",
			}}
	}

	// Which fixes apply, in default order.
	switch {
	case d != nil && pending:
		all = append(all, approve)
	case d != nil:
		all = append(all, workflow)
	case b.route == string(FixRequestWorkflow):
		all = append(all, approve, workflow)
	default:
		all = append(all, workflow, approve)
	}
	all = append(all, grantDirect, userConsent)
	if notAssigned {
		all = append([]HandoffFix{assign}, all...)
	}
	if disabled {
		all = append([]HandoffFix{enable}, all...)
	}

	// Live viability.
	if d != nil {
		for i := range all {
			b.check(&all[i])
		}
	}

	// The recommended fix goes first.
	rec := b.recommendedKey(pending, notAssigned, disabled)
	out := make([]HandoffFix, 0, len(all))
	for _, f := range all {
		if f.Key == rec {
			f.Recommended = true
			out = append([]HandoffFix{f}, out...)
			continue
		}
		out = append(out, f)
	}
	// Fixes that cannot work go last.
	var ok, no []HandoffFix
	for _, f := range out {
		if f.Checked && !f.Viable {
			no = append(no, f)
		} else {
			ok = append(ok, f)
		}
	}
	h.Fixes = append(ok, no...)
}

func (b *handoffBuilder) searchHint() string {
	if b.clientID == "" {
		return ""
	}
	return " (or its client id " + b.clientID + ")"
}

func (b *handoffBuilder) userConsentFix() HandoffFix {
	cur := ""
	if b.d != nil && b.d.UserConsent.PortalName != "" {
		cur = b.d.UserConsent.PortalName
	}
	f := HandoffFix{Key: HandoffUserConsent, Fix: FixRelaxUserConsent, Title: "Change the user consent settings",
		Summary: "Lets users consent to " + b.h.AppName + " themselves. This is a tenant-wide change; prefer the consent link.",
		Role:    "Global Administrator in the admin center (Privileged Role Administrator through Microsoft Graph)",
		Link:    HandoffLink{Label: "User consent settings", URL: b.portal(LinkUserConsentSettings)},
		Steps: []string{
			"Open the link (" + navUserConsent + ") and note the current choice under \"User consent for applications\"" +
				iff(cur != "", " (now: \""+cur+"\")", "") + ".",
			"Temporarily choose \"" + PortalNameManaged + "\" and select Save.",
			"Ask the user to connect " + b.h.AppName + " and accept the consent prompt.",
			"Put the previous choice back and select Save.",
			"Or, for a lasting change: choose \"" + PortalNameLow + "\" and classify the app's permissions as low impact under " + navClassifications + ".",
		}}
	var blocked []string
	for _, p := range b.h.Permissions {
		if p.ManagedBlocked {
			blocked = append(blocked, p.Name)
		}
	}
	if b.d == nil && len(blocked) > 0 {
		f.Caution = "Likely not enough: Microsoft's managed policy has excluded " + strings.Join(blocked, ", ") +
			" from user consent since 2025, so users still need admin approval for " + itThem(len(blocked)) + "."
	} else if b.d == nil {
		f.Caution = "Admin-only permissions, application permissions and apps that require assignment always need admin consent."
	}
	return f
}

// check fills the live viability of f from the diagnosis.
func (b *handoffBuilder) check(f *HandoffFix) {
	d := b.d
	switch f.Key {
	case HandoffAssignUsers, HandoffEnableApp:
		f.Checked, f.Viable = true, true
		return
	case HandoffUserConsent:
		relax, ok1 := d.Fix(FixRelaxUserConsent)
		low, ok2 := d.Fix(FixClassifyLow)
		if !ok1 && !ok2 {
			return
		}
		f.Checked = true
		f.Viable = relax.Viable || low.Viable
		switch {
		case relax.Viable:
			f.Reason = Sanitize(relax.Reason, 400)
		case low.Viable:
			f.Fix = FixClassifyLow
			f.Reason = Sanitize(low.Reason, 400)
		default:
			f.Reason = Sanitize(relax.Reason, 400)
		}
		return
	}
	o, ok := d.Fix(f.Fix)
	if !ok {
		return
	}
	f.Checked, f.Viable, f.Reason = true, o.Viable, Sanitize(o.Reason, 400)
	if f.Key == HandoffPortalGrant && o.Viable && b.spID == "" {
		f.Viable = false
		f.Reason = "the app is not in the tenant yet, so it has no Permissions page: use the admin consent link, which adds it"
	}
}

func (b *handoffBuilder) recommendedKey(pending, notAssigned, disabled bool) string {
	if d := b.d; d != nil {
		switch {
		case disabled:
			return HandoffEnableApp
		case d.UserScreen == ScreenNotAssigned:
			return HandoffAssignUsers
		}
		switch d.Recommended {
		case FixAdminLink:
			return HandoffConsentLink
		case FixRequestWorkflow:
			if pending {
				return HandoffApproveRequest
			}
			return HandoffRequestWorkflow
		case FixGrantDirect:
			return HandoffGrantDirect
		case FixRelaxUserConsent, FixClassifyLow:
			return HandoffUserConsent
		}
		return ""
	}
	switch b.route {
	case assets.RouteAssignUsers:
		return HandoffAssignUsers
	case string(FixRequestWorkflow):
		return HandoffApproveRequest
	case string(FixGrantDirect):
		return HandoffGrantDirect
	case assets.RouteVendor:
		return ""
	}
	if notAssigned {
		return HandoffAssignUsers
	}
	if b.clientID != "" {
		return HandoffConsentLink
	}
	return HandoffPortalGrant
}

func (b *handoffBuilder) verify() {
	h := &b.h
	v := &h.Verify
	if b.spID != "" && b.clientID != "" {
		v.Link = HandoffLink{Label: "Enterprise app > Permissions", URL: b.portal(LinkAppPermissions, b.spID, b.clientID)}
		v.Steps = []string{"Open the link: the Admin consent tab lists every permission granted for the organization."}
	} else {
		v.Link = HandoffLink{Label: "Enterprise apps", URL: b.portal(LinkEnterpriseApps)}
		v.Steps = []string{"Open the link, search for " + h.AppName + b.searchHint() + ", and select Permissions: the Admin consent tab lists every permission granted for the organization."}
	}
	v.Steps = append(v.Steps, "Or run the command below (read-only; a Global Reader is enough): exit code 0 means nothing blocks users any more.",
		"Ask the user to connect "+h.AppName+" again.")
	if b.clientID != "" {
		v.Command = "consentwiz check " + b.cmdApp() + b.cmdTenant()
	}
}

// ---- rendering ----

// Markdown renders the hand-off as Markdown for a ticket or an email.
func (h Handoff) Markdown() string { return h.doc().markdown() }

// Text renders the hand-off as plain text, without colour; every link is on
// its own line.
func (h Handoff) Text() string { return h.doc().text() }

func (h Handoff) appLabel() []span {
	if h.ClientID == "" {
		return spans(bold(h.AppName))
	}
	return spans(bold(h.AppName), " (client id ", code(h.ClientID), ")")
}

func (h Handoff) doc() *doc {
	d := &doc{title: h.Title}
	meta := d.section(2, "Summary")
	byline := "Prepared with consentwiz"
	if h.Version != "" {
		byline += " " + h.Version
	}
	if !h.GeneratedAt.IsZero() {
		byline += " on " + h.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	meta.para(byline + " for an administrator of the tenant.")
	var facts [][]span
	facts = append(facts, spans("App: ", h.appLabel()))
	if h.TenantLabel != "" {
		facts = append(facts, spans("Tenant: ", code(h.TenantLabel), iff(h.Cloud != "" && h.Cloud != "global", ", cloud "+h.Cloud, "")))
	} else {
		facts = append(facts, spans("Tenant: not given (the links use the admin's own tenant)"))
	}
	if rec := h.recommended(); rec != nil {
		facts = append(facts, spans("To do: ", bold(rec.Title), " (needs "+rec.Role+")"))
	}
	meta.bullets(facts...)

	// What is wrong.
	p := h.Problem
	w := d.section(2, "What is wrong")
	if h.Live != nil && !h.Live.Blocked {
		w.para("Users who connect ", h.appLabel(), " now get ", strings.TrimRight(p.UserSaw, "."), ".")
	} else {
		w.para("Users who try to connect ", h.appLabel(), " are stopped by Microsoft Entra ID. They see ", strings.TrimRight(p.UserSaw, "."), ".")
	}
	var items [][]span
	if p.Code != 0 {
		name := fmt.Sprintf("AADSTS%d", p.Code)
		if p.Name != "" {
			name += " " + p.Name
		}
		items = append(items, spans("Error: ", code(name), ": ", p.Meaning))
	}
	if p.Cause != "" {
		items = append(items, spans("Usual cause: ", p.Cause))
	}
	if p.CorrelationID != "" {
		items = append(items, spans("Correlation ID: ", code(p.CorrelationID)))
	}
	if p.TraceID != "" {
		items = append(items, spans("Trace ID: ", code(p.TraceID)))
	}
	if p.Source != "" && p.Meaning != "" && strings.Contains(p.Meaning, "not in consentwiz's catalogue") {
		items = append(items, spans("Look it up: ", p.Source))
	}
	if len(items) == 0 && h.Live == nil {
		items = append(items, spans("An administrator has to approve the permissions the app asks for, for the whole organization."))
	}
	w.bullets(items...)

	// Live findings.
	if l := h.Live; l != nil {
		s := d.section(2, "What consentwiz found in the tenant")
		by := "A read-only check"
		if l.CheckedBy != "" {
			by += " by " + l.CheckedBy
			if len(l.Roles) > 0 {
				by += " (" + strings.Join(l.Roles, ", ") + ")"
			}
		}
		state := "users are blocked"
		if !l.Blocked {
			state = "users are not blocked"
		}
		s.para(by+" found: ", bold(state), ".")
		var fs [][]span
		for _, f := range l.Findings {
			it := spans(SeverityLabel(f.Severity)+": ", f.Title)
			if f.Detail != "" {
				it = append(it, spans(" — ", f.Detail)...)
			}
			fs = append(fs, it)
		}
		s.bullets(fs...)
		if l.RecommendedWhy != "" {
			s.para(bold("Recommended:"), " ", l.RecommendedWhy)
		}
		if len(l.Unreadable) > 0 {
			s.para("Not readable with that account: ", strings.Join(l.Unreadable, ", "), ".")
		}
	}

	// The recommended fix in full.
	rec := h.recommended()
	if rec != nil {
		s := d.section(2, "The fix: "+rec.Title)
		h.renderFix(s, *rec, true)
	} else if h.Live == nil || h.Live.Blocked {
		s := d.section(2, "The fix")
		s.para("No single fix is certain from what is known; the vendor may have to change the app (see the error above). The options below may still help.")
	}

	// Consent links not already shown.
	if len(h.ConsentLinks) > 1 || len(h.ConsentLinks) == 1 && (rec == nil || rec.Key != HandoffConsentLink) {
		if rec != nil && rec.Key == HandoffConsentLink {
			s := d.section(2, "Other forms of the admin consent link")
			s.para("If the link above does not work (a v2.0 link also needs the app's exact redirect URI):")
			for _, l := range h.ConsentLinks[1:] {
				s.link(l.URL, l.Label+":")
			}
		} else {
			s := d.section(2, "Admin consent link")
			s.para("An administrator can grant consent for the whole organization by opening this link and accepting:")
			for _, l := range h.ConsentLinks {
				s.link(l.URL, l.Label+":")
			}
		}
	}

	// Permissions.
	ps := d.section(2, "What "+h.AppName+" asks for")
	if len(h.Permissions) == 0 {
		ps.para("The permissions are not known from what was given. The consent page lists them before the administrator accepts; compare them with what the vendor documents.")
	} else {
		var rows [][]string
		live := false
		for _, p := range h.Permissions {
			var notes []string
			if p.Kind == "application" {
				notes = append(notes, "admin only (application permission)")
			} else if p.AdminOnly {
				notes = append(notes, "admin only")
			}
			if p.Granted && p.Known {
				notes = append(notes, "already granted")
			}
			if p.ManagedBlocked {
				if p.Known {
					notes = append(notes, "excluded from Microsoft-managed user consent")
				} else {
					notes = append(notes, "likely excluded from Microsoft-managed user consent")
				}
			}
			live = live || p.Known && p.Kind == "delegated"
			rows = append(rows, []string{p.Name, p.Kind, strings.Join(notes, "; ")})
		}
		ps.table([]string{"Permission", "Type", "Note"}, rows)
		if !live {
			ps.para("Which delegated permissions are admin-only is checked live (", code("consentwiz check"), "); the consent page shows the rest.")
		}
	}

	// Other fixes.
	var others []HandoffFix
	for _, f := range h.Fixes {
		if rec == nil || f.Key != rec.Key {
			others = append(others, f)
		}
	}
	if len(others) > 0 {
		d.section(2, "Other ways to fix it")
		for i, f := range others {
			s := d.section(3, fmt.Sprintf("%d. %s", i+1, f.Title))
			h.renderFix(s, f, false)
		}
	}

	// Check.
	c := d.section(2, "Check the result")
	c.link(h.Verify.Link.URL, h.Verify.Link.Label+":")
	var vs [][]span
	for _, st := range h.Verify.Steps {
		vs = append(vs, spans(st))
	}
	c.bullets(vs...)
	if h.Verify.Command != "" {
		c.command(h.Verify.Command)
	}

	if len(h.Notes) > 0 {
		n := d.section(2, "Notes")
		var ns [][]span
		for _, x := range h.Notes {
			ns = append(ns, spans(x))
		}
		n.bullets(ns...)
	}
	end := d.section(2, "Guided help")
	end.para("Run ", code("consentwiz"), " to be guided through the fix step by step, with every change previewed and verified.")
	return d
}

func (h Handoff) recommended() *HandoffFix {
	for i := range h.Fixes {
		if h.Fixes[i].Recommended {
			return &h.Fixes[i]
		}
	}
	return nil
}

func (h Handoff) renderFix(s *section, f HandoffFix, main bool) {
	if f.Checked && !f.Viable {
		s.para(bold("Will not work here:"), " ", f.Reason, ".")
		s.para(f.Summary)
		return
	}
	s.para(f.Summary)
	if f.Checked && f.Reason != "" && !main {
		s.para("In this tenant: ", f.Reason, ".")
	}
	s.para(bold("Who can do it:"), " ", f.Role, ".")
	if f.Link.URL != "" {
		s.link(f.Link.URL, f.Link.Label+":")
	}
	var st [][]span
	for _, x := range f.Steps {
		st = append(st, spans(x))
	}
	s.steps(st...)
	if f.Command != "" {
		s.command(f.Command)
	}
	if f.Caution != "" {
		s.para(bold("Caution:"), " ", f.Caution)
	}
}
