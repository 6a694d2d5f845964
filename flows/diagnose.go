package flows

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// Portal names of the user-consent settings (ENTRA.md A1).
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
	g.d.Tenant = TenantInfo{ID: Sanitize(id, 64), Domain: Sanitize(s.Organization.DefaultDomain(), 253), Cloud: Sanitize(cloud, 32)}
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

func lowerSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[strings.ToLower(x)] = true
	}
	return m
}

func appendUnique(xs []string, seen map[string]bool, x string) []string {
	if x == "" || seen[strings.ToLower(x)] {
		return xs
	}
	seen[strings.ToLower(x)] = true
	return append(xs, x)
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

	// Microsoft-managed policy excludes (ENTRA.md B4).
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

func diagContainsFold(xs []string, v string) bool {
	for _, x := range xs {
		if strings.EqualFold(strings.TrimSpace(x), v) {
			return true
		}
	}
	return false
}

// matchesList reports whether a condition list matches v: empty or "all"
// match everything; unknown v (empty) matches, to stay conservative.
func matchesList(list []string, v string) bool {
	if len(list) == 0 || diagContainsFold(list, "all") || v == "" {
		return true
	}
	return diagContainsFold(list, v)
}

// excludedByManaged reports whether a delegated Graph scope falls under one of
// the excludes of microsoft-user-default-recommended.
func (g *diag) excludedByManaged(scope string) bool {
	ps := g.graphScope[strings.ToLower(scope)]
	for _, cs := range g.snap.ManagedExcludes {
		switch strings.ToLower(cs.PermissionType) {
		case "", "delegated", "delegateduserconsentable":
		default:
			continue
		}
		if ra := cs.ResourceApplication; ra != "" && !strings.EqualFold(ra, "any") && !strings.EqualFold(ra, entra.MicrosoftGraphAppID) {
			continue
		}
		if len(cs.Permissions) > 0 && !diagContainsFold(cs.Permissions, "all") &&
			!(ps.ID != "" && diagContainsFold(cs.Permissions, ps.ID)) && !diagContainsFold(cs.Permissions, scope) {
			continue
		}
		if c := cs.PermissionClassification; c != "" && !strings.EqualFold(c, "all") && !g.classifiedAs(scope, c) {
			continue
		}
		if !matchesList(cs.ClientApplicationIDs, g.clientID) {
			continue
		}
		owner, pub := "", ""
		if g.sp != nil {
			owner = g.sp.AppOwnerOrganizationID
			if g.sp.VerifiedPublisher != nil {
				pub = g.sp.VerifiedPublisher.VerifiedPublisherID
			}
		}
		if !matchesList(cs.ClientApplicationTenantIDs, owner) || !matchesList(cs.ClientApplicationPublisherIDs, pub) {
			continue
		}
		if cs.ClientApplicationsFromVerifiedPublisherOnly && g.sp != nil && !g.verified {
			continue
		}
		return true
	}
	return false
}

func (g *diag) classifiedAs(scope, class string) bool {
	ps := g.graphScope[strings.ToLower(scope)]
	for _, c := range g.snap.Classifications {
		if (strings.EqualFold(c.PermissionName, scope) || ps.ID != "" && strings.EqualFold(c.PermissionID, ps.ID)) &&
			strings.EqualFold(c.Classification, class) {
			return true
		}
	}
	return false
}

// ConsentSetting names the user-consent setting that permissionGrantPoliciesAssigned
// selects: its id (disabled|low|legacy|microsoft-managed|custom), its portal
// name, and the self-consent policy ids (lowercase). Prefixes are compared
// case-insensitively; ManagePermissionGrantsForOwnedResource.* entries are ignored.
func ConsentSetting(assigned []string) (setting, portalName string, selfPolicies []string) {
	prefix := strings.ToLower(entra.SelfConsentPrefix)
	for _, a := range assigned {
		la := strings.ToLower(strings.TrimSpace(a))
		if strings.HasPrefix(la, prefix) {
			selfPolicies = append(selfPolicies, la[len(prefix):])
		}
	}
	has := func(id string) bool { return diagContainsFold(selfPolicies, id) }
	onlyKnown := func(ids ...string) bool {
		for _, p := range selfPolicies {
			if !diagContainsFold(ids, p) {
				return false
			}
		}
		return true
	}
	const mailClients = "microsoft-user-default-allow-consent-apps"
	const mailClientsAlt = "microsoft-user-allow-default-consent-apps"
	switch {
	case len(selfPolicies) == 0:
		return ConsentDisabled, PortalNameDisabled, selfPolicies
	case has(entra.PolicyManagedRecommended) && onlyKnown(entra.PolicyManagedRecommended, mailClients, mailClientsAlt):
		return ConsentMicrosoftManaged, PortalNameManaged, selfPolicies
	case has(entra.PolicyLegacy) && onlyKnown(entra.PolicyLegacy, mailClients, mailClientsAlt):
		return ConsentLegacy, PortalNameLegacy, selfPolicies
	case has(entra.PolicyLow) && onlyKnown(entra.PolicyLow, mailClients, mailClientsAlt):
		return ConsentLow, PortalNameLow, selfPolicies
	}
	return ConsentCustom, PortalNameCustom + " (" + Sanitize(strings.Join(selfPolicies, ", "), 160) + ")", selfPolicies
}

func (g *diag) userConsent() {
	assigned := g.snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	for _, a := range assigned {
		g.d.UserConsent.PolicyIDs = append(g.d.UserConsent.PolicyIDs, Sanitize(a, 200))
	}
	if !g.authzKnown {
		g.d.UserConsent.Setting = ConsentUnknown
		g.d.UserConsent.PortalName = "Unknown (the authorization policy could not be read)"
		return
	}
	g.d.UserConsent.Setting, g.d.UserConsent.PortalName, _ = ConsentSetting(assigned)
}

func (g *diag) workflow() {
	p := g.snap.ConsentRequestPolicy
	g.d.RequestWorkflow.Enabled = g.wfKnown && p.IsEnabled
	g.d.RequestWorkflow.NotifyReviewers = p.NotifyReviewers
	g.d.RequestWorkflow.RemindersEnabled = p.RemindersEnabled
	g.d.RequestWorkflow.RequestDurationInDays = p.RequestDurationInDays
	for _, r := range p.Reviewers {
		g.d.RequestWorkflow.Reviewers = append(g.d.RequestWorkflow.Reviewers, DescribeReviewer(r.Query))
	}
}

var (
	reviewerUserRE  = regexp.MustCompile(`(?i)^/users/([^/?]+)$`)
	reviewerGroupRE = regexp.MustCompile(`(?i)^/groups/([^/?]+)(/.*)?$`)
	reviewerRoleRE  = regexp.MustCompile(`(?i)^/roleManagement/directory/roleAssignments\?\$filter=roleDefinitionId\s+eq\s+'([^']+)'$`)
	reviewerDirRE   = regexp.MustCompile(`(?i)^/directoryRoles/(?:roleTemplateId=)?([^/?]+)(/.*)?$`)
)

// DescribeReviewer renders an admin consent reviewer query readably:
// "/users/{id}" → "user {id}", a group's transitive members → "members of
// group {id}", a role assignment filter → "role Global Administrator". Unknown
// forms are returned sanitized.
func DescribeReviewer(query string) string {
	q := strings.TrimSpace(query)
	for _, p := range []string{"https://graph.microsoft.com", "/v1.0", "/beta"} {
		if len(q) >= len(p) && strings.EqualFold(q[:len(p)], p) {
			q = q[len(p):]
		}
	}
	role := func(id string) string {
		if n := entra.RoleNames[strings.ToLower(id)]; n != "" {
			return n
		}
		return Sanitize(id, 64)
	}
	if m := reviewerUserRE.FindStringSubmatch(q); m != nil {
		return "user " + Sanitize(m[1], 64)
	}
	if m := reviewerGroupRE.FindStringSubmatch(q); m != nil {
		return "members of group " + Sanitize(m[1], 64)
	}
	if m := reviewerRoleRE.FindStringSubmatch(q); m != nil {
		return "role " + role(m[1])
	}
	if m := reviewerDirRE.FindStringSubmatch(q); m != nil {
		return "directory role " + role(m[1])
	}
	return Sanitize(query, 120)
}

func (g *diag) pending() {
	for _, r := range g.snap.PendingRequests {
		if g.clientID == "" || !strings.EqualFold(r.AppID, g.clientID) {
			continue
		}
		var scopes []string
		for _, ps := range r.PendingScopes {
			for _, f := range strings.Fields(ps.DisplayName) {
				scopes = append(scopes, Sanitize(f, 100))
			}
		}
		if scopes == nil {
			scopes = []string{}
		}
		n := 0
		for _, u := range r.UserConsentRequests {
			if !strings.EqualFold(u.Status, "InProgress") {
				continue
			}
			n++
			who := ""
			if u.CreatedBy.User != nil {
				who = Sanitize(u.CreatedBy.User.DisplayName, 80)
				if who == "" {
					who = Sanitize(u.CreatedBy.User.ID, 64)
				}
			}
			g.d.PendingRequests = append(g.d.PendingRequests, PendingRequest{
				RequestID: Sanitize(r.ID, 64), UserRequestID: Sanitize(u.ID, 64), Requester: who,
				Reason: Sanitize(u.Reason, 200), Scopes: scopes, Created: Sanitize(u.CreatedDateTime, 40),
			})
		}
		if n == 0 && len(r.UserConsentRequests) == 0 {
			// The request's user requests were not read: keep the request itself.
			g.d.PendingRequests = append(g.d.PendingRequests, PendingRequest{RequestID: Sanitize(r.ID, 64), Scopes: scopes})
		}
	}
	sort.SliceStable(g.d.PendingRequests, func(i, j int) bool {
		a, b := g.d.PendingRequests[i], g.d.PendingRequests[j]
		if a.Created != b.Created {
			return a.Created < b.Created
		}
		if a.RequestID != b.RequestID {
			return a.RequestID < b.RequestID
		}
		return a.UserRequestID < b.UserRequestID
	})
}

// evaluate decides the screen users see (ENTRA.md B1–B5).
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

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

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
	case len(g.missing) == 0 && g.hasGrant:
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
		title := "Not granted tenant-wide: " + strings.Join(g.missing, ", ")
		if len(g.missing) == 0 {
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
		g.add(FindingUserGrants, SeverityInfo, map[bool]string{true: "At least "}[s.PrincipalGrantsMore]+countNoun(len(users), "user has", "users have")+" consented for themselves",
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
		g.add(FindingUnknownScopes, SeverityWarning, "Not a Microsoft Graph permission: "+strings.Join(g.unknown, ", "),
			"a typo, or a permission of another API")
	}
	if len(g.app.OtherScopes) > 0 {
		var o []string
		for _, x := range g.app.OtherScopes {
			o = append(o, Sanitize(x, 120))
		}
		g.add(FindingOtherResources, SeverityInfo, "The app also asks for other APIs", strings.Join(o, " ")+"; consentwiz checks Microsoft Graph only")
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
		g.add(FindingManagedPolicy, sev, title, "these permissions are excluded from user consent by microsoft-user-default-recommended")
	case managed && len(g.considered) > 0:
		g.add(FindingManagedPolicy, SeverityOK, "Microsoft-managed consent allows every requested permission", "")
	}

	// User consent setting.
	uc := g.d.UserConsent
	switch {
	case uc.Setting == ConsentUnknown:
		g.add(FindingUserConsent, SeverityWarning, "User consent setting: unknown", "the authorization policy could not be read")
	case g.selfConsent:
		g.add(FindingUserConsent, SeverityOK, "User consent: "+uc.PortalName, "users can consent to "+name+" themselves")
	default:
		sev := SeverityWarning
		if g.covered {
			sev = SeverityInfo
		}
		g.add(FindingUserConsent, sev, "User consent: "+uc.PortalName, "users cannot consent to "+name+": "+g.selfReason)
	}
	if uc.Setting == ConsentLow && (g.verified || g.ownTenant) && g.classKnown {
		if len(g.lowMissing) > 0 {
			g.add(FindingClassifications, SeverityWarning, "Not classified low impact: "+strings.Join(g.lowMissing, ", "),
				"'verified publishers, selected permissions' lets users consent only to low-impact permissions")
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
			onOffWord(wf.NotifyReviewers), onOffWord(wf.RemindersEnabled), wf.RequestDurationInDays)
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
				w += " on " + p.Created
			}
			who = append(who, w)
		}
		g.add(FindingPendingRequests, SeverityWarning, countNoun(n, "request", "requests")+" for "+name+" pending", strings.Join(who, "; "))
	} else if !g.readable(entra.PartPendingRequests) {
		g.add(FindingPendingRequests, SeverityWarning, "Pending requests: unknown", "the admin consent requests could not be read")
	}

	if g.promptForce {
		g.add(FindingPrompt, SeverityWarning, "The app's sign-in URL forces prompt="+strings.ToLower(g.app.Prompt),
			"users are asked for consent on every sign-in whatever is granted; the vendor must stop sending it")
	}

	// Roles.
	switch {
	case !g.rolesRead:
		g.add(FindingRoles, SeverityWarning, "Your directory roles are unknown", "which fixes you can do yourself is unknown")
	case len(g.d.Roles) == 0:
		g.add(FindingRoles, SeverityInfo, "You hold no admin role", "hand the fix over to an admin")
	default:
		g.add(FindingRoles, SeverityInfo, "Your roles: "+strings.Join(g.d.Roles, ", "), "")
	}

	for _, part := range g.d.Unreadable {
		info, ok := partInfo[part]
		if !ok {
			info = [2]string{Sanitize(part, 40), "part of the diagnosis is unknown"}
		}
		detail := info[1]
		if e := s.Errors[part]; e != nil {
			detail += fmt.Sprintf(" (HTTP %d %s)", e.Status, Sanitize(e.Code, 60))
		}
		g.add(FindingUnreadablePrefix+part, SeverityWarning, "Could not read "+info[0], detail)
	}
}

func onOffWord(b bool) string {
	if b {
		return "on"
	}
	return "off"
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

// consentRole is the role that grants the app's permissions tenant-wide (ENTRA.md A7).
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
	g.d.Fixes = append(g.d.Fixes, g.fixAdminLink(), g.fixRelax(), g.fixWorkflow(), g.fixGrantDirect(), g.fixClassifyLow())
}

func notViable(f FixOption, reason string) FixOption {
	f.Viable = false
	f.Reason = reason
	return f
}

func (g *diag) fixAdminLink() FixOption {
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
	return f
}

func (g *diag) fixRelax() FixOption {
	f := FixOption{ID: FixRelaxUserConsent, Title: "Temporarily let Microsoft manage user consent", NeedsRole: NeedsPRA,
		HasRole: g.hasRole(entra.RolePrivilegedRoleAdmin), Writes: true, Viable: true}
	const cannot = "relaxing user consent cannot help: "
	switch {
	case g.commonBlock() != "":
		return notViable(f, g.commonBlock())
	case g.promptAdmin:
		return notViable(f, cannot+"the app's sign-in URL forces prompt=admin_consent")
	case g.assignReq:
		return notViable(f, cannot+"assignment is required, so users cannot consent themselves")
	case len(g.d.Scopes.AppRolesMissing) > 0:
		return notViable(f, cannot+"the app needs application permissions ("+strings.Join(g.d.Scopes.AppRolesMissing, ", ")+"), which only an admin can grant")
	case len(g.adminOnly) > 0:
		return notViable(f, cannot+strings.Join(g.adminOnly, ", ")+" "+isAre(len(g.adminOnly))+" admin-only")
	case !g.authzKnown:
		return notViable(f, "the current user-consent setting could not be read, so it could not be restored exactly")
	case g.d.UserConsent.Setting == ConsentLegacy:
		return notViable(f, "user consent is already '"+PortalNameLegacy+"', which allows more")
	case !g.scopesKnown:
		return notViable(f, "the app's permissions are unknown, so they cannot be checked against the Microsoft-managed policy")
	case !g.excludesKnown:
		return notViable(f, "the Microsoft-managed policy's excludes could not be read")
	case !g.graphKnown:
		return notViable(f, "Microsoft Graph's permissions could not be read, so admin-only scopes cannot be ruled out")
	case len(g.blocked) > 0:
		return notViable(f, cannot+strings.Join(g.blocked, ", ")+" "+isAre(len(g.blocked))+" excluded by the Microsoft-managed policy")
	case g.d.UserConsent.Setting == ConsentMicrosoftManaged:
		return notViable(f, "user consent is already '"+PortalNameManaged+"'")
	}
	f.Reason = "switch user consent to '" + PortalNameManaged + "' while the user connects, then restore '" + g.d.UserConsent.PortalName + "' exactly"
	if !g.verified && !g.ownTenant {
		f.Reason += " (the publisher is not verified: risk-based step-up may still ask for approval)"
	}
	return f
}

func (g *diag) fixWorkflow() FixOption {
	f := FixOption{ID: FixRequestWorkflow, Title: "Let users request approval, then approve", Viable: true}
	if r := g.commonBlock(); r != "" {
		f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
		return notViable(f, r)
	}
	if len(g.d.PendingRequests) > 0 {
		f.Title = "Approve the pending request"
		f.NeedsRole, f.HasRole = g.consentRole()
		p := g.d.PendingRequests[0]
		who := p.Requester
		if who == "" {
			who = "a user"
		}
		f.Reason = "a request from " + who + " is pending: approve it with the consent link built from the request"
		return f
	}
	if g.d.UserScreen == ScreenConsentPrompt {
		f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
		return notViable(f, "users can consent to the app themselves, so they are never offered a request")
	}
	f.Writes = true
	f.NeedsRole, f.HasRole = NeedsGlobalAdmin, g.hasRole()
	switch {
	case !g.wfKnown:
		f.Reason = "the request workflow could not be read; enable it with reviewers, the user requests, a reviewer approves"
	case g.d.RequestWorkflow.Enabled && len(g.d.RequestWorkflow.Reviewers) == 0:
		f.Reason = "the workflow is on but has no reviewers: add reviewers, then the user requests again"
	case g.d.RequestWorkflow.Enabled:
		f.Writes = false
		f.NeedsRole, f.HasRole = g.consentRole()
		f.Reason = "the workflow is on: the user submits a request from the 'Approval required' screen, then a reviewer approves it"
	default:
		f.Reason = "turn on 'Users can request admin consent' with reviewers (it can take up to an hour); the user requests, a reviewer approves"
	}
	return f
}

func (g *diag) fixGrantDirect() FixOption {
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

func (g *diag) fixClassifyLow() FixOption {
	f := FixOption{ID: FixClassifyLow, Title: "Classify the permissions as low impact", Writes: true, Viable: true}
	if g.d.UserConsent.Setting == ConsentLow {
		f.NeedsRole = NeedsCloudAppAdmin
		f.HasRole = g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)
	} else {
		f.NeedsRole = NeedsCAAAndPRA
		f.HasRole = g.hasRole() || g.hasRole(entra.RolePrivilegedRoleAdmin) && g.hasRole(entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin)
	}
	const cannot = "classifying permissions cannot help: "
	switch {
	case g.commonBlock() != "":
		return notViable(f, g.commonBlock())
	case g.promptAdmin:
		return notViable(f, cannot+"the app's sign-in URL forces prompt=admin_consent")
	case g.assignReq:
		return notViable(f, cannot+"assignment is required, so users cannot consent themselves")
	case len(g.d.Scopes.AppRolesMissing) > 0:
		return notViable(f, cannot+"application permissions ("+strings.Join(g.d.Scopes.AppRolesMissing, ", ")+") cannot be classified")
	case len(g.adminOnly) > 0:
		return notViable(f, cannot+strings.Join(g.adminOnly, ", ")+" "+isAre(len(g.adminOnly))+" admin-only and cannot be classified")
	case !g.scopesKnown:
		return notViable(f, "the app's permissions are unknown")
	case !g.graphKnown:
		return notViable(f, "Microsoft Graph's permissions could not be read")
	case len(g.unknown) > 0:
		return notViable(f, strings.Join(g.unknown, ", ")+" "+isAre(len(g.unknown))+" not a Microsoft Graph permission")
	case !g.excludesKnown:
		return notViable(f, "the Microsoft-managed policy's excludes could not be read")
	case len(g.blocked) > 0:
		return notViable(f, cannot+strings.Join(g.blocked, ", ")+" "+isAre(len(g.blocked))+" excluded by the Microsoft-managed policy, so Microsoft does not treat "+itThem(len(g.blocked))+" as low impact")
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
	todo := g.lowMissing
	if len(todo) == 0 {
		todo = g.missing
	}
	f.Reason = "classify " + strings.Join(todo, ", ") + " as low impact"
	if g.d.UserConsent.Setting != ConsentLow {
		f.Reason += " and set user consent to '" + PortalNameLow + "' (a lasting tenant-wide change)"
	}
	return f
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// recommendOrder is the preference among viable fixes: the least tenant-wide change first.
var recommendOrder = []FixID{FixAdminLink, FixGrantDirect, FixRequestWorkflow, FixRelaxUserConsent, FixClassifyLow}

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
		return
	}
	order := recommendOrder
	if len(d.PendingRequests) > 0 {
		order = append([]FixID{FixRequestWorkflow}, recommendOrder...)
	}
	pick := func(needRole bool) (FixOption, bool) {
		for _, id := range order {
			f, _ := d.Fix(id)
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
	var why string
	switch f.ID {
	case FixRequestWorkflow:
		if len(d.PendingRequests) > 0 {
			why = "A user's request is already pending: approving it grants consent and answers the user."
		} else {
			why = "Let users ask for approval so a reviewer can grant consent."
		}
	case FixAdminLink:
		why = "Admin consent through the link grants exactly this app, and changes no tenant setting."
	case FixGrantDirect:
		why = "Granting through Graph covers exactly the permissions shown, and changes no tenant setting."
	case FixRelaxUserConsent:
		why = "A temporary change to user consent lets the user connect; the setting is restored afterwards."
	case FixClassifyLow:
		why = "Classifying the permissions as low impact lets users of verified apps consent themselves."
	}
	if self {
		why += " Your account can do it."
	} else {
		why += " It needs a " + f.NeedsRole + ": hand it over to one."
	}
	d.RecommendedWhy = why
}

// SeverityLabel is a severity as glyph and word, readable without colour:
// "✓ OK", "i Info", "! Warning", "✗ Blocks".
func SeverityLabel(s Severity) string {
	switch s {
	case SeverityOK:
		return "✓ OK"
	case SeverityInfo:
		return "i Info"
	case SeverityWarning:
		return "! Warning"
	case SeverityBlocker:
		return "✗ Blocks"
	}
	return "? " + string(s)
}

// ScreenTitle names a user screen as users see it.
func ScreenTitle(screen string) string {
	switch screen {
	case ScreenNone:
		return "no prompt: the app connects"
	case ScreenConsentPrompt:
		return "a consent prompt the user can accept"
	case ScreenNeedAdminApproval:
		return "\"Need admin approval\" (AADSTS90094)"
	case ScreenApprovalRequired:
		return "\"Approval required\": a form to request approval (AADSTS90095)"
	case ScreenNotAssigned:
		return "not assigned to the app (AADSTS50105)"
	}
	return screen
}

// Text renders the diagnosis as the plain-text report of `consentwiz check`:
// a checklist with a glyph and a word per severity, the fixes, and the
// recommendation. No colour.
func (d Diagnosis) Text() string {
	var b strings.Builder
	tenant := d.Tenant.Domain
	if tenant == "" {
		tenant = d.Tenant.ID
	} else if d.Tenant.ID != "" {
		tenant += " (" + d.Tenant.ID + ")"
	}
	app := d.App.DisplayName
	if app == "" {
		app = d.App.ClientID
	} else if d.App.ClientID != "" {
		app += " (" + d.App.ClientID + ")"
	}
	fmt.Fprintf(&b, "Tenant:  %s, cloud %s\n", orDash(tenant), orDash(d.Tenant.Cloud))
	fmt.Fprintf(&b, "App:     %s\n", orDash(app))
	if d.SignedInAs != "" {
		fmt.Fprintf(&b, "Checked by: %s\n", d.SignedInAs)
	}
	status := "users are not blocked"
	if d.Blocked {
		status = "users are BLOCKED"
	}
	fmt.Fprintf(&b, "Users see: %s — %s\n\n", ScreenTitle(d.UserScreen), status)

	b.WriteString("Checklist\n")
	for _, f := range d.Findings {
		fmt.Fprintf(&b, "  %-10s %s\n", SeverityLabel(f.Severity), f.Title)
		if f.Detail != "" {
			fmt.Fprintf(&b, "  %-10s   %s\n", "", f.Detail)
		}
	}
	b.WriteString("\nFixes\n")
	for _, f := range d.Fixes {
		state := "viable"
		if !f.Viable {
			state = "not possible"
		}
		mark := ""
		if f.ID == d.Recommended && d.Recommended != "" {
			mark = " (recommended)"
		}
		fmt.Fprintf(&b, "  %-19s %s%s: %s\n", f.ID, state, mark, f.Reason)
		if f.NeedsRole != "" {
			has := "you do not have it"
			if f.HasRole {
				has = "you have it"
			}
			fmt.Fprintf(&b, "  %-19s needs %s (%s)\n", "", f.NeedsRole, has)
		}
	}
	b.WriteString("\n")
	if d.Recommended != "" {
		fmt.Fprintf(&b, "Recommended: %s. %s\n", d.Recommended, d.RecommendedWhy)
	} else {
		fmt.Fprintf(&b, "Recommended: none. %s\n", d.RecommendedWhy)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
