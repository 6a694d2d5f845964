package flows

import (
	"slices"
	"sort"
	"strings"

	"consentwiz/graph/entra"
)

// Portal names of the user-consent settings (docs/entra.md A1).
const (
	PortalNameDisabled = "Do not allow user consent"
	PortalNameLow      = "Allow user consent for apps from verified publishers, for selected permissions"
	PortalNameLegacy   = "Allow user consent for apps (legacy)"
	PortalNameManaged  = "Let Microsoft manage your consent settings (Recommended)"
	PortalNameCustom   = "Custom app consent policy"
)

// ConsentUnknown is the user-consent setting when the authorization policy
// could not be read.
const ConsentUnknown = "unknown"

// Role names used in FixOption.NeedsRole.
const (
	NeedsGlobalAdmin   = "Global Administrator"
	NeedsPRA           = "Privileged Role Administrator"
	NeedsCloudAppAdmin = "Cloud Application Administrator"
	NeedsCAAAndPRA     = "Cloud Application Administrator + Privileged Role Administrator"
)

// Finding ids (stable; used in JSON and tests).
const (
	FindingServicePrincipal   = "service-principal"
	FindingAppDisabled        = "app-disabled"
	FindingAssignmentRequired = "assignment-required"
	FindingPublisher          = "publisher"
	FindingScopes             = "scopes"
	FindingUserGrants         = "user-grants"
	FindingAppRoles           = "app-roles"
	FindingAdminOnly          = "admin-only"
	FindingUnknownScopes      = "unknown-scopes"
	FindingOtherResources     = "other-resources"
	FindingManagedPolicy      = "managed-policy"
	FindingUserConsent        = "user-consent"
	FindingClassifications    = "classifications"
	FindingRiskyApp           = "risky-app"
	FindingRequestWorkflow    = "request-workflow"
	FindingPendingRequests    = "pending-requests"
	FindingPrompt             = "prompt"
	FindingErrorCode          = "error-code"
	FindingRoles              = "roles"
	// FindingUnreadablePrefix prefixes one finding per unreadable snapshot part.
	FindingUnreadablePrefix = "unreadable-"
)

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

// diag carries the facts computed while diagnosing.
type diag struct {
	snap *entra.TenantSnapshot
	app  AppRef
	d    Diagnosis

	myRoles   map[string]bool
	rolesRead bool

	sp          *entra.ServicePrincipal
	clientID    string
	verified    bool
	ownTenant   bool
	assignReq   bool
	disabled    bool
	scopesKnown bool
	fromPending bool

	considered []string // requested minus ignored scopes
	graphKnown bool
	graphScope map[string]entra.PermissionScope // lower(value)
	missing    []string
	missingSet map[string]bool
	hasGrant   bool
	adminOnly  []string // missing ∩ admin-only
	unknown    []string
	blocked    []string // missing ∩ managed excludes
	lowMissing []string // missing scopes not classified low

	excludesKnown bool
	classKnown    bool
	authzKnown    bool
	wfKnown       bool

	covered     bool
	selfConsent bool
	selfReason  string
	promptAdmin bool
	promptForce bool
}

// Diagnose analyses why users cannot connect app in the tenant described by
// snap: findings, the screen users see, each fix's viability with its reason
// and role, and the recommended fix. It is deterministic and does no I/O.
// A nil snap is treated as an empty snapshot (nothing read).
func Diagnose(snap *entra.TenantSnapshot, app AppRef) Diagnosis {
	if snap == nil {
		snap = &entra.TenantSnapshot{}
	}
	g := &diag{snap: snap, app: app}
	g.init()
	g.tenantAndApp()
	g.scopes()
	g.userConsent()
	g.workflow()
	g.pending()
	g.evaluate()
	g.findings()
	g.fixes()
	g.recommend()
	return g.d
}

func (g *diag) readable(part string) bool {
	return g.snap.Errors == nil || g.snap.Errors[part] == nil
}

func (g *diag) add(id string, sev Severity, title, detail string) {
	g.d.Findings = append(g.d.Findings, Finding{ID: id, Severity: sev, Title: title, Detail: detail})
}

func (g *diag) init() {
	g.d = Diagnosis{
		UserConsent:     UserConsentInfo{PolicyIDs: []string{}},
		RequestWorkflow: WorkflowInfo{Reviewers: []string{}},
		Scopes: ScopeInfo{Requested: []string{}, Granted: []string{}, Missing: []string{}, AdminOnly: []string{},
			BlockedByManagedPolicy: []string{}, AppRolesMissing: []string{}},
		PendingRequests: []PendingRequest{},
		Findings:        []Finding{},
		Fixes:           []FixOption{},
		Roles:           []string{},
		Unreadable:      []string{},
	}
	g.myRoles = map[string]bool{}
	for _, r := range g.snap.MyRoles {
		g.myRoles[strings.ToLower(r.RoleTemplateID)] = true
	}
	g.rolesRead = g.readable(entra.PartMyRoles)
	for k := range g.snap.Errors {
		if g.snap.Errors[k] != nil {
			g.d.Unreadable = append(g.d.Unreadable, k)
		}
	}
	sort.Strings(g.d.Unreadable)
	g.authzKnown = g.readable(entra.PartAuthorization)
	g.wfKnown = g.readable(entra.PartConsentRequest)
	g.excludesKnown = g.readable(entra.PartManagedExcludes)
	g.classKnown = g.readable(entra.PartClassifications)
}

func (g *diag) tenantAndApp() {
	s := g.snap
	id := s.TenantID
	if id == "" {
		id = s.Organization.ID
	}
	cloud := s.Cloud
	if cloud == "" {
		cloud = "global"
	}
	g.d.Tenant = TenantInfo{ID: Sanitize(id, 64), Domain: Sanitize(s.Organization.DefaultDomain(), 253), Cloud: cloudNamed(Sanitize(cloud, 32))}
	if g.d.Tenant.Domain == "" && g.app.TenantHint != "" && !IsGUID(g.app.TenantHint) {
		g.d.Tenant.Domain = Sanitize(g.app.TenantHint, 253)
	}
	me := s.Me.UserPrincipalName
	if me == "" {
		me = s.Me.DisplayName
	}
	g.d.SignedInAs = Sanitize(me, 120)
	for _, r := range s.MyRoles {
		name := entra.RoleNames[strings.ToLower(r.RoleTemplateID)]
		if name == "" {
			name = Sanitize(r.DisplayName, 80)
		}
		if name == "" {
			name = Sanitize(r.RoleTemplateID, 40)
		}
		g.d.Roles = append(g.d.Roles, name)
	}
	sort.Strings(g.d.Roles)

	g.clientID = NormalizeGUID(g.app.ClientID)
	if s.App != nil && (g.clientID == "" || strings.EqualFold(s.App.AppID, g.clientID)) {
		g.sp = s.App
		if g.clientID == "" {
			g.clientID = NormalizeGUID(s.App.AppID)
		}
	}
	g.d.App = AppInfo{ClientID: g.clientID, Enabled: true}
	name := Sanitize(g.app.DisplayName, 80)
	if g.sp != nil {
		g.d.App.ServicePrincipalID = Sanitize(g.sp.ID, 64)
		if n := Sanitize(g.sp.DisplayName, 80); n != "" {
			name = n
		}
		g.verified = g.sp.PublisherVerified()
		g.ownTenant = g.sp.AppOwnerOrganizationID != "" && strings.EqualFold(g.sp.AppOwnerOrganizationID, g.d.Tenant.ID)
		g.assignReq = g.sp.AppRoleAssignmentRequired
		g.disabled = !g.sp.Enabled()
		g.d.App.PublisherVerified = g.verified
		g.d.App.AssignmentRequired = g.assignReq
		g.d.App.Enabled = !g.disabled
	}
	if name == "" {
		for _, r := range s.PendingRequests {
			if strings.EqualFold(r.AppID, g.clientID) && r.AppDisplayName != "" {
				name = Sanitize(r.AppDisplayName, 80)
				break
			}
		}
	}
	g.d.App.DisplayName = name
	p := strings.ToLower(g.app.Prompt)
	g.promptAdmin = p == "admin_consent"
	g.promptForce = p == "consent" || p == "admin_consent"
}

func (g *diag) appName() string {
	if g.d.App.DisplayName != "" {
		return g.d.App.DisplayName
	}
	if g.clientID != "" {
		return "the app (" + g.clientID + ")"
	}
	return "the app"
}

func (g *diag) scopes() {
	s := g.snap
	seen := map[string]bool{}
	for _, sc := range g.app.Scopes {
		g.d.Scopes.Requested = appendUnique(g.d.Scopes.Requested, seen, Sanitize(sc, 100))
	}
	g.scopesKnown = len(g.d.Scopes.Requested) > 0 || len(g.app.AppRoles) > 0
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

	// Grants.
	grantSeen := map[string]bool{}
	for _, gr := range s.AppGrants {
		if g.sp != nil && gr.ClientID != "" && !strings.EqualFold(gr.ClientID, g.sp.ID) {
			continue
		}
		if s.GraphSP.ID != "" && !strings.EqualFold(gr.ResourceID, s.GraphSP.ID) {
			continue
		}
		if strings.EqualFold(gr.ConsentType, "AllPrincipals") {
			g.hasGrant = true
			for _, f := range strings.Fields(gr.Scope) {
				g.d.Scopes.Granted = appendUnique(g.d.Scopes.Granted, grantSeen, Sanitize(f, 100))
			}
		}
	}
	g.missingSet = map[string]bool{}
	for _, sc := range g.considered {
		if !grantSeen[strings.ToLower(sc)] {
			g.missing = append(g.missing, sc)
			g.missingSet[strings.ToLower(sc)] = true
		}
	}
	g.d.Scopes.Missing = append(g.d.Scopes.Missing, g.missing...)

	// Admin-only and unknown scopes.
	for _, sc := range g.considered {
		ps, ok := g.graphScope[strings.ToLower(sc)]
		switch {
		case !ok && g.graphKnown:
			g.unknown = append(g.unknown, sc)
		case ok && strings.EqualFold(ps.Type, "Admin"):
			g.d.Scopes.AdminOnly = append(g.d.Scopes.AdminOnly, sc)
			if g.missingSet[strings.ToLower(sc)] {
				g.adminOnly = append(g.adminOnly, sc)
			}
		}
	}

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

	// Microsoft-managed policy excludes (docs/entra.md B4).
	for _, sc := range g.considered {
		if g.excludedByManaged(sc) {
			g.d.Scopes.BlockedByManagedPolicy = append(g.d.Scopes.BlockedByManagedPolicy, sc)
			if g.missingSet[strings.ToLower(sc)] {
				g.blocked = append(g.blocked, sc)
			}
		}
	}

	// Classifications for the low policy.
	low := map[string]bool{}
	for _, c := range s.Classifications {
		if strings.EqualFold(c.Classification, "low") {
			low[strings.ToLower(c.PermissionName)] = true
			low[strings.ToLower(c.PermissionID)] = true
		}
	}
	for _, sc := range g.missing {
		ps := g.graphScope[strings.ToLower(sc)]
		if !low[strings.ToLower(sc)] && (ps.ID == "" || !low[strings.ToLower(ps.ID)]) {
			g.lowMissing = append(g.lowMissing, sc)
		}
	}
}

// evaluate decides the screen users see (docs/entra.md B1–B5).
func (g *diag) evaluate() {
	g.covered = g.hasGrant && len(g.missing) == 0 && len(g.d.Scopes.AppRolesMissing) == 0 && !g.promptForce
	g.selfConsent, g.selfReason = g.canSelfConsent()
	switch {
	case g.covered && g.assignReq:
		g.d.UserScreen = ScreenNotAssigned
	case g.covered:
		g.d.UserScreen = ScreenNone
	case g.selfConsent:
		g.d.UserScreen = ScreenConsentPrompt
	case g.d.RequestWorkflow.Enabled:
		g.d.UserScreen = ScreenApprovalRequired
	default:
		g.d.UserScreen = ScreenNeedAdminApproval
	}
	switch g.d.UserScreen {
	case ScreenNeedAdminApproval, ScreenApprovalRequired, ScreenNotAssigned:
		g.d.Blocked = true
	}
	if g.disabled {
		g.d.Blocked = true
	}
}

// canSelfConsent reports whether a user may consent to the missing
// permissions themselves, and if not, why.
func (g *diag) canSelfConsent() (bool, string) {
	switch {
	case g.promptAdmin:
		return false, "the app's sign-in URL asks for prompt=admin_consent"
	case g.assignReq:
		return false, "assignment is required, so users cannot consent themselves"
	case len(g.d.Scopes.AppRolesMissing) > 0:
		return false, "application permissions always need an admin: " + strings.Join(g.d.Scopes.AppRolesMissing, ", ")
	case len(g.adminOnly) > 0:
		return false, strings.Join(g.adminOnly, ", ") + " " + isAre(len(g.adminOnly)) + " admin-only"
	}
	switch g.d.UserConsent.Setting {
	case ConsentDisabled:
		return false, "user consent is off (" + PortalNameDisabled + ")"
	case ConsentLegacy:
		return true, ""
	case ConsentMicrosoftManaged:
		if !g.excludesKnown {
			return false, "the Microsoft-managed policy's excludes could not be read"
		}
		if len(g.blocked) > 0 {
			return false, strings.Join(g.blocked, ", ") + " " + isAre(len(g.blocked)) + " excluded by the Microsoft-managed policy"
		}
		return true, ""
	case ConsentLow:
		if !g.verified && !g.ownTenant {
			if g.sp == nil {
				return false, "the app is new to the tenant; 'verified publishers, selected permissions' only allows verified publishers"
			}
			return false, "the publisher is not verified; 'verified publishers, selected permissions' only allows verified publishers"
		}
		if !g.classKnown {
			return false, "the permission classifications could not be read"
		}
		if len(g.lowMissing) > 0 {
			return false, strings.Join(g.lowMissing, ", ") + " " + isAre(len(g.lowMissing)) + " not classified low impact"
		}
		return true, ""
	case ConsentCustom:
		return false, "a custom consent policy is assigned; consentwiz cannot evaluate it and assumes users cannot consent"
	}
	return false, "the user-consent setting could not be read"
}

// hasRole reports whether the signed-in account holds one of the roles (by
// template id); Global Administrator satisfies everything.
func (g *diag) hasRole(ids ...string) bool {
	if g.myRoles[entra.RoleGlobalAdmin] {
		return true
	}
	for _, id := range ids {
		if g.myRoles[strings.ToLower(id)] {
			return true
		}
	}
	return false
}

// consentRole is the role that grants the app's permissions tenant-wide (docs/entra.md A7).
func (g *diag) consentRole() (string, bool) {
	if len(g.d.Scopes.AppRolesMissing) > 0 {
		return NeedsPRA, g.hasRole(entra.RolePrivilegedRoleAdmin)
	}
	return NeedsCloudAppAdmin, g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin)
}

// commonBlock is the reason no consent fix applies, or "".
func (g *diag) commonBlock() string {
	switch {
	case g.covered && g.assignReq:
		return "consent is already granted tenant-wide; users are blocked because assignment is required: assign them to the app"
	case g.covered:
		return "every requested permission is already granted tenant-wide"
	}
	return ""
}

func (g *diag) fixes() {
	for _, f := range fixes {
		g.d.Fixes = append(g.d.Fixes, f.viable(g))
	}
}

func notViable(f FixOption, reason string) FixOption {
	f.Viable = false
	f.Reason = reason
	return f
}

// selfConsentBlocker is why no user-consent setting can let users consent to
// the app (cannot starts the sentence), or "". Fixes that change the
// user-consent setting share it; appRoles and adminOnly end the sentences
// about application permissions and admin-only permissions their way.
func (g *diag) selfConsentBlocker(cannot string, appRoles func(roles string) string, adminOnly string) string {
	switch {
	case g.commonBlock() != "":
		return g.commonBlock()
	case g.promptAdmin:
		return cannot + "the app's sign-in URL forces prompt=admin_consent"
	case g.assignReq:
		return cannot + "assignment is required, so users cannot consent themselves"
	case len(g.d.Scopes.AppRolesMissing) > 0:
		return cannot + appRoles(strings.Join(g.d.Scopes.AppRolesMissing, ", "))
	case len(g.adminOnly) > 0:
		return cannot + strings.Join(g.adminOnly, ", ") + " " + isAre(len(g.adminOnly)) + " admin-only" + adminOnly
	}
	return ""
}

// recommendOrder is the preference among viable fixes: a fix that asks to
// come first (a pending request), then the least tenant-wide change first.
func recommendOrder(d *Diagnosis) []*fix {
	order := slices.Clone(fixes)
	slices.SortStableFunc(order, func(a, b *fix) int {
		af, bf := a.first != nil && a.first(d), b.first != nil && b.first(d)
		switch {
		case af && !bf:
			return -1
		case bf && !af:
			return 1
		}
		return a.rank - b.rank
	})
	return order
}

func (g *diag) recommend() {
	d := &g.d
	switch {
	case g.disabled:
		d.RecommendedWhy = "The enterprise app is disabled: turn on 'Enabled for users to sign in' in its Properties; no consent fix helps until then."
		return
	case !d.Blocked && d.UserScreen == ScreenNone:
		d.RecommendedWhy = "Nothing to fix: every permission the app asks for is granted tenant-wide."
		return
	case !d.Blocked:
		d.RecommendedWhy = "Nothing to fix: users can consent to the app themselves."
		return
	case d.UserScreen == ScreenNotAssigned:
		d.RecommendedWhy = "Consent is granted; users are blocked because assignment is required: assign them (or a group) in the app's Users and groups, or turn off 'Assignment required'."
		if f, ok := d.Fix(FixAssignUsers); ok && f.Viable {
			d.Recommended = FixAssignUsers // consentwiz can assign them (fix_assign_users.go)
		}
		return
	}
	order := recommendOrder(d)
	pick := func(needRole bool) (FixOption, bool) {
		for _, fx := range order {
			f, _ := d.Fix(fx.id)
			if f.Viable && (!needRole || f.HasRole) {
				return f, true
			}
		}
		return FixOption{}, false
	}
	f, ok := pick(true)
	self := ok
	if !ok {
		f, ok = pick(false)
	}
	if !ok {
		d.RecommendedWhy = "No consentwiz fix can work here; see the findings (the vendor may have to change the app)."
		return
	}
	d.Recommended = f.ID
	why := lookup(f.ID).recommendWhy(d)
	if self {
		why += " Your account can do it."
	} else {
		why += " It needs a " + f.NeedsRole + ": hand it over to one."
	}
	d.RecommendedWhy = why
}
