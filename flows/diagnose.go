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
	// PortalNameLegacy is what Microsoft names the legacy setting; the admin
	// center no longer offers it (docs/entra.md A1).
	PortalNameLegacy  = "Allow user consent for apps"
	PortalNameManaged = "Let Microsoft manage your consent settings (Recommended)"
	PortalNameCustom  = "Custom app consent policy"
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

	considered []string // requested Microsoft Graph scopes minus the basic sign-in ones
	graphKnown bool
	graphScope map[string]entra.PermissionScope // lower(value)
	missing    []string                         // Microsoft Graph scopes not granted tenant-wide
	missingSet map[string]bool
	hasGrant   bool
	adminOnly  []string // asked ∩ admin-only
	unknown    []string // asked for, but not a permission of the API named
	blocked    []string // asked ∩ the managed policy's excludes
	lowMissing []string // asked Microsoft Graph scopes not classified low
	// lowBasics are the basic sign-in scopes (openid, profile, email,
	// offline_access) not classified low and not granted tenant-wide: '-low'
	// needs them classified too (docs/entra.md A5, B3).
	lowBasics []string

	// perms are the delegated permissions the app asks for, on every
	// resource; asked those users are asked to consent to (the ones not
	// granted tenant-wide, or all of them when the app forces a prompt).
	perms []perm
	asked []perm
	// otherMissing are the other APIs' permissions not granted tenant-wide.
	otherMissing []string

	excludesKnown bool
	classKnown    bool
	authzKnown    bool
	wfKnown       bool
	// selfPolicies are the self-consent policies assigned to users (lower case).
	selfPolicies []string

	grantedAll  bool // every permission is granted tenant-wide (whatever the prompt)
	covered     bool // grantedAll, and the app does not force a consent prompt
	selfTri     tri
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
	g.verdict()
	g.findings()
	g.fixes()
	g.recommend()
	return g.d
}

func (g *diag) readable(part string) bool {
	return g.snap.Errors == nil || g.snap.Errors[part] == nil
}

func (g *diag) add(id string, sev Severity, title, detail string) {
	if strings.HasPrefix(title, "the app") { // a title is a sentence: "The app (id) is new…"
		title = "The" + strings.TrimPrefix(title, "the")
	}
	g.d.Findings = append(g.d.Findings, Finding{ID: id, Severity: sev, Title: title, Detail: detail})
}

func (g *diag) init() {
	g.d = Diagnosis{
		UserConsent:     UserConsentInfo{PolicyIDs: []string{}},
		RequestWorkflow: WorkflowInfo{Reviewers: []string{}},
		Scopes: ScopeInfo{Requested: []string{}, Granted: []string{}, Missing: []string{}, AdminOnly: []string{},
			BlockedByManagedPolicy: []string{}, AppRolesMissing: []string{}, MayDropWithV1Link: []string{}},
		PendingRequests: []PendingRequest{},
		Findings:        []Finding{},
		Fixes:           []FixOption{},
		Roles:           []string{},
		Unreadable:      []string{},
		Undecided:       []string{},
	}
	g.myRoles = map[string]bool{}
	for _, r := range g.snap.MyRoles {
		g.myRoles[strings.ToLower(r.RoleTemplateID)] = true
	}
	// An account of another tenant whose GDAP relationships could not be
	// read may hold roles here that no directory read shows: none found is
	// then unknown, not "no role" (AsDelegatedAdmin).
	g.rolesRead = g.readable(entra.PartMyRoles) && !(g.snap.RolesFrom == entra.RolesGDAPUnread && len(g.snap.MyRoles) == 0)
	if g.snap.RolesFrom == entra.RolesFromGDAP {
		g.d.RolesFrom = entra.RolesFromGDAP
	}
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
	// A prompt the app sends on every sign-in forces a consent screen
	// whatever is granted (docs/entra.md B1); an admin consent link that
	// carries prompt=admin_consent on purpose does not.
	p := strings.ToLower(g.app.Prompt)
	if g.app.PromptLink {
		p = ""
	}
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
	case g.grantedAll && g.promptForce:
		return "everything the app asks for is granted tenant-wide already, but it forces prompt=" + g.prompt() +
			" on every sign-in, so consenting again cannot help: only the vendor can fix it, by no longer sending prompt"
	}
	return ""
}

// prompt is the prompt the app forces, lower case.
func (g *diag) prompt() string { return strings.ToLower(Sanitize(g.app.Prompt, 20)) }

// vendorWhy says that only the vendor can stop a forced prompt (docs/entra.md B1, B5, G).
func (g *diag) vendorWhy() string {
	return "Only the vendor can fix this: " + g.appName() + " sends prompt=" + g.prompt() +
		" on every sign-in, so users are asked again whatever is granted. Ask the vendor to stop sending prompt (the hand-off has a note to send them)."
}

func (g *diag) fixes() {
	for _, f := range fixes {
		o := f.viable(g)
		// Roles that could not be read are unknown, not missing.
		o.RoleUnknown = !g.rolesRead && o.NeedsRole != "" && !o.HasRole
		g.d.Fixes = append(g.d.Fixes, o)
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
	case d.Verdict == VerdictUnknown:
		d.RecommendedWhy = "Could not tell whether users are blocked. " + d.VerdictWhy +
			" Make a hand-off for an admin (it needs no sign-in), or check again with such an account."
		return
	case g.promptForce && g.grantedAll && d.Blocked:
		d.RecommendedWhy = g.vendorWhy()
		return
	case g.promptForce && !d.Blocked:
		d.RecommendedWhy = "Nothing blocks users: they can accept the consent prompt themselves. But " + g.appName() + " asks them on every sign-in (prompt=" +
			g.prompt() + "): only the vendor can stop that, by no longer sending prompt."
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
			if f.Viable && (!needRole || f.HasRole || f.RoleUnknown) {
				return f, true
			}
		}
		return FixOption{}, false
	}
	f, ok := pick(true)
	if !ok {
		f, ok = pick(false)
	}
	if !ok {
		d.RecommendedWhy = "No consentwiz fix can work here; see the findings (the vendor may have to change the app)."
		return
	}
	d.Recommended = f.ID
	why := lookup(f.ID).recommendWhy(d)
	if g.promptForce {
		why += " The app also forces prompt=" + g.prompt() + " on every sign-in: users stay asked until the vendor stops sending it."
	}
	switch {
	case f.HasRole:
		why += " Your account can do it."
	case f.RoleUnknown:
		why += " It needs a " + f.NeedsRole + "; your roles could not be read, so whether your account can do it is unknown."
	default:
		why += " It needs a " + f.NeedsRole + ": hand it over to one."
	}
	d.RecommendedWhy = why
}
