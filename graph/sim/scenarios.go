package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"sort"
	"strings"
	"time"
)

// scenario builds a tenant's state; the common Contoso directory already exists.
type scenario struct {
	desc  string
	build func(t *Tenant)
}

var scenarios = map[string]scenario{
	"locked-down":          {"user consent off, workflow off, app new to the tenant: Need admin approval (AADSTS90093)", buildLockedDown},
	"request-workflow":     {"user consent off, admin consent workflow on, Megan's request pending: Approval required (AADSTS90095)", buildRequestWorkflow},
	"managed-calendar":     {"Microsoft-managed user consent; the app asks for Calendars.ReadWrite, which the managed policy excludes (AADSTS90094)", buildManagedCalendar},
	"unverified-publisher": {"user consent for verified publishers, low-impact permissions; the app's publisher is unverified (AADSTS90094)", buildUnverified},
	"assignment-required":  {"consented tenant-wide, but assignment is required and Megan is not assigned (AADSTS50105)", buildAssignmentRequired},
	"granted":              {"the app is consented tenant-wide; nothing blocks", buildGranted},
	"hostile":              {"like locked-down, but tenant strings carry terminal escapes, bidi overrides and 5,000-character names", buildHostile},
	"many-apps":            {"like locked-down, in a big tenant: 20,000 service principals, 50,000 grants, 500 consent requests; 20,000 users consented to the app for themselves before user consent was turned off; 110,000 sign-ins in the last 6 days (100,000 stopped by consent)", buildManyApps},
	"no-premium":           {"like request-workflow, in a tenant without Microsoft Entra ID P1: Graph refuses the sign-in logs (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant); Megan's and Nestor's requests are pending", buildNoPremium},
	"cli-not-consented":    {"like locked-down, and nobody has consented to the sign-in client (Microsoft Graph Command Line Tools): the admin's first sign-in asks for consent; a Global Reader or a user is stopped (AADSTS90094 / 65001)", buildCLINotConsented},
	"user-consent":         {"legacy user consent (any user-consentable permission, verified app): the user sees a consent prompt", buildUserConsent},
	"low-impact":           {"user consent for verified publishers, low-impact permissions; Northwind Timesheets is in the tenant but Contacts.Read is not classified low: classifying it lets users consent", buildLowImpact},
}

// ScenarioNames lists the scenarios in a stable order.
func ScenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ScenarioDescription describes a scenario in one line ("" if unknown).
func ScenarioDescription(name string) string {
	if m, ok := multiTenantScenarios[name]; ok {
		return m.desc
	}
	return scenarios[name].desc
}

var ownedResourceEntries = []string{
	entra.OwnedResourceConsentPrefix + "microsoft-dynamically-managed-permissions-for-team",
	entra.OwnedResourceConsentPrefix + "microsoft-dynamically-managed-permissions-for-chat",
}

// buildContoso creates the directory every scenario shares. base is "contoso",
// "contoso2", … so that several tenants on one server have distinct domains.
func (t *Tenant) buildContoso(base string) {
	dom := base + ".com"
	t.domains = []entra.VerifiedDomain{
		{Name: base + ".onmicrosoft.com", IsInitial: true},
		{Name: dom, IsDefault: true},
	}
	if t.name == "" {
		t.name = strings.ToUpper(base[:1]) + base[1:]
	}
	admin := t.addUserLocked("admin@"+dom, "Adele Vance (admin)", entra.RoleGlobalAdmin)
	megan := t.addUserLocked("megan@"+dom, "Megan Bowen")
	reader := t.addUserLocked("reader@"+dom, "Grady Archie (reader)", entra.RoleGlobalReader)
	t.addUserLocked("appadmin@"+dom, "Alex Wilber (app admin)", entra.RoleApplicationAdmin)
	t.addUserLocked("cloudadmin@"+dom, "Isaiah Langer (cloud app admin)", entra.RoleCloudApplicationAdmin)
	t.addUserLocked("pra@"+dom, "Lidia Holloway (privileged role admin)", entra.RolePrivilegedRoleAdmin)
	t.addGroupLocked("Helpdesk", megan, reader)
	t.adminUPN, t.endUserUPN, t.appID = admin.UserPrincipalName, megan.UserPrincipalName, TrackerRMSAppID
	t.authz.DefaultUserRolePermissions.AllowedToCreateApps = true
	t.consentCLIReadScopes()
}

// cliReadScopes are what consentwiz reads a tenant with, plus the sign-in
// scopes MSAL adds. Written here from the Graph permission tables, apart from
// the client's own list (graph/entra ReadScopes): if the client starts to
// need another read scope, sign-ins in the simulator meet a consent prompt,
// as they would in a real tenant. Every one but the sign-in scopes is an
// admin-consent (Admin type) permission.
var cliReadScopes = []string{"openid", "profile", "offline_access", "User.Read", "Directory.Read.All", "Policy.Read.All",
	"Policy.Read.PermissionGrant", "Application.Read.All", "ConsentRequest.Read.All"}

// consentCLIReadScopes gives the tenant what an administrator who has used
// the sign-in client before leaves behind: its service principal and a
// tenant-wide grant of its read scopes (consent on behalf of the
// organization). Write scopes are consented to incrementally.
func (t *Tenant) consentCLIReadScopes() {
	t.grantKeysLocked(t.ensureSPLocked(entra.DefaultClientID), "AllPrincipals", "", cliReadScopes, false)
}

// revokeClientLocked deletes every delegated grant of the client (its service
// principal stays).
func (t *Tenant) revokeClientLocked(appID string) {
	if sp := t.spByAppLocked(appID); sp != nil {
		for _, id := range append([]string(nil), t.grantsByClient[sp.ID]...) {
			t.deleteGrantLocked(id)
		}
	}
}

// buildCLINotConsented is locked-down where nobody has consented to the
// sign-in client: docs/entra.md 0 ("The sign-in client itself needs consent").
func buildCLINotConsented(t *Tenant) {
	t.lockDown()
	t.revokeClientLocked(entra.DefaultClientID)
}

// lockDown disables user consent but keeps the owned-resource entries (docs/entra.md A1).
func (t *Tenant) lockDown() {
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ownedResourceEntries...)
}

func buildLockedDown(t *Tenant) { t.lockDown() }

func (t *Tenant) enableWorkflow(reviewer *simUser) {
	t.acrp.IsEnabled = true
	t.acrp.NotifyReviewers = true
	t.acrp.RemindersEnabled = true
	t.acrp.RequestDurationInDays = 30
	t.acrp.Reviewers = []entra.ReviewerScope{{Query: "/users/" + reviewer.ID, QueryType: "MicrosoftGraph"}}
	t.acrp.Version = 1
}

func buildRequestWorkflow(t *Tenant) {
	t.lockDown()
	t.enableWorkflow(t.userByUPNLocked(t.adminUPN))
	a := t.srv.catalog.get(TrackerRMSAppID)
	t.submitRequestLocked(t.userByUPNLocked(t.endUserUPN), a, a.RequiredScopes,
		"I need TrackerRMS to sync interviews to my calendar and send candidate emails.")
}

// buildNoPremium is request-workflow in a tenant without Microsoft Entra ID
// P1 or P2: Graph answers the sign-in logs with 403 (docs/entra.md H), while
// the pending admin consent requests still name the apps users asked for.
func buildNoPremium(t *Tenant) {
	buildRequestWorkflow(t)
	t.noPremium = true
	nestor := t.seedUserLocked("nestor@"+t.domainLocked(), "Nestor Wilke")
	a := t.srv.catalog.get(LitwarePlannerAppID)
	t.submitRequestLocked(nestor, a, a.RequiredScopes, "Our team plans its sprints in Litware Planner; it reads my calendar.")
}

func buildManagedCalendar(t *Tenant) {
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{
		entra.SelfConsentPrefix + entra.PolicyManagedRecommended,
		entra.SelfConsentPrefix + "microsoft-user-default-allow-consent-apps",
	}, ownedResourceEntries...)
}

// classifyLowBasics classifies the basic sign-in scopes low on Microsoft Graph.
func (t *Tenant) classifyLowBasics() {
	gsp := t.graphSPLocked()
	for _, v := range []string{"User.Read", "openid", "profile", "email", "offline_access"} {
		ps := findScope(gsp, v)
		t.classifications[gsp.ID] = append(t.classifications[gsp.ID], entra.DelegatedPermissionClassification{
			ID: t.newGUID(), PermissionID: ps.ID, PermissionName: ps.Value, Classification: "low"})
	}
}

func buildUnverified(t *Tenant) {
	// Publisher verification is a property of the app, so it holds in the
	// whole simulated cloud once this scenario is loaded.
	t.srv.catalog.mu.Lock()
	t.srv.catalog.apps[strings.ToLower(TrackerRMSAppID)].VerifiedPublisher = nil
	t.srv.catalog.mu.Unlock()
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{
		entra.SelfConsentPrefix + entra.PolicyLow}, ownedResourceEntries...)
	t.classifyLowBasics()
}

func (t *Tenant) grantTenantWide() *entra.ServicePrincipal {
	sp := t.ensureSPLocked(TrackerRMSAppID)
	a := t.srv.catalog.get(TrackerRMSAppID)
	t.grantKeysLocked(sp, "AllPrincipals", "", a.RequiredScopes, false)
	return sp
}

func buildAssignmentRequired(t *Tenant) {
	t.lockDown()
	sp := t.grantTenantWide()
	sp.AppRoleAssignmentRequired = true
	r := t.userByUPNLocked("reader@" + t.domainLocked())
	t.addAssignmentLocked(DefaultAppRoleID, r.ID, "User", r.DisplayName, sp)
}

// buildLowImpact: "verified publishers, selected permissions" with the
// basic scopes classified low (docs/entra.md A2, A5); Northwind Timesheets
// (verified) was added to the tenant, nobody consented yet, and one of its
// permissions (Contacts.Read) is not classified: users need an admin, and
// classifying it low is what lets them consent.
func buildLowImpact(t *Tenant) {
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{
		entra.SelfConsentPrefix + entra.PolicyLow}, ownedResourceEntries...)
	t.classifyLowBasics()
	t.ensureSPLocked(TimesheetsAppID)
}

func buildGranted(t *Tenant) {
	t.lockDown()
	t.grantTenantWide()
}

func buildUserConsent(t *Tenant) {
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{
		entra.SelfConsentPrefix + entra.PolicyLegacy}, ownedResourceEntries...)
}

// Hostile strings: terminal escapes (clear screen, OSC 52 clipboard write,
// OSC 8 hyperlink), bidi overrides, and absurd lengths.
const (
	escClear     = "\x1b[2J"
	escClipboard = "\x1b]52;c;cm0gLXJmIH4K\x07"
	escLink      = "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
	bidiOverride = "\u202e"
)

func buildHostile(t *Tenant) {
	t.lockDown()
	t.name = "Contoso" + escClear + " Ltd" + escClipboard + bidiOverride + "dtL"
	long := strings.Repeat("A", 5000)
	megan := t.userByUPNLocked(t.endUserUPN)
	megan.DisplayName = "Megan" + escLink + bidiOverride + " Bowen" + escClear
	admin := t.userByUPNLocked(t.adminUPN)
	admin.DisplayName = "Admin" + escClipboard + " " + long
	t.addUserLocked("long@"+t.domainLocked(), long+escClear)
	t.addGroupLocked("Helpdesk"+escLink+strings.Repeat("G", 5000), megan)
	// The app's SP exists (someone created it) with a hostile display name; no grant.
	sp := t.ensureSPLocked(TrackerRMSAppID)
	sp.DisplayName = "TrackerRMS" + escClear + escLink + bidiOverride + "SMR" + long
	// Old requests and reviewers from when the workflow was on.
	t.acrp.Reviewers = []entra.ReviewerScope{{Query: "/users/" + admin.ID, QueryType: "MicrosoftGraph"}}
	t.acrp.Version = 3
	a := t.srv.catalog.get(TrackerRMSAppID)
	t.submitRequestLocked(megan, a, a.RequiredScopes, "please"+escClipboard+escClear+bidiOverride+" approve "+long)
}

func (t *Tenant) domainLocked() string {
	return entra.Organization{VerifiedDomains: t.domains}.DefaultDomain()
}

// ManyAppsUserGrants is how many users of many-apps consented to TrackerRMS
// for themselves.
const ManyAppsUserGrants = 20000

// buildManyApps is locked-down in a big tenant: the store must stay fast with
// 20,000 service principals, 50,000 grants and 500 consent requests. The app
// itself is no stranger: 20,000 users consented to it for themselves while
// they still could, so its service principal has that many Principal grants
// (what a diagnosis must not page through, docs/performance.md). Its sign-in
// log holds 100,000 consent failures of 200 users to 1,000 apps (and 10,000
// successful sign-ins) in the last 6 days, for the scan's benchmark.
func buildManyApps(t *Tenant) {
	t.lockDown()
	gsp := t.graphSPLocked()
	users := make([]*simUser, 0, 200)
	for i := range 200 {
		u := t.addUserLocked(fmt.Sprintf("user%03d@%s", i, t.domainLocked()), fmt.Sprintf("User %03d", i))
		u.generated = true
		users = append(users, u)
	}
	on := true
	var sps []*entra.ServicePrincipal
	for i := range 20000 {
		sp := &entra.ServicePrincipal{ID: t.newGUID(), AppID: t.newGUID(), DisplayName: fmt.Sprintf("App %05d", i),
			AccountEnabled: &on, AppOwnerOrganizationID: "00000000-0000-0000-0000-0000000000bb",
			ServicePrincipalType: "Application", SignInAudience: "AzureADMultipleOrgs", VerifiedPublisher: &entra.VerifiedPublisher{}}
		sps = append(sps, t.addSPLocked(sp))
	}
	scopes := []string{"User.Read", "Mail.Read", "Calendars.Read", "offline_access"}
	for i := range 50000 {
		sp := sps[i%len(sps)]
		if i < len(sps) {
			t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: sp.ID, ConsentType: "AllPrincipals", ResourceID: gsp.ID, Scope: scopes[i%len(scopes)]})
			continue
		}
		u := users[i%len(users)]
		t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: sp.ID, ConsentType: "Principal", PrincipalID: u.ID, ResourceID: gsp.ID, Scope: strings.Join(scopes[:1+i%len(scopes)], " ")})
	}
	for i := range 500 {
		a := &App{AppID: sps[i].AppID, DisplayName: sps[i].DisplayName, OwnerTenantID: sps[i].AppOwnerOrganizationID}
		t.submitRequestLocked(users[i%len(users)], a, []string{"Mail.Read"}, fmt.Sprintf("request %d", i))
	}
	t.addUserGrantsLocked(TrackerRMSAppID, ManyAppsUserGrants)
	t.seedBulkSignInsLocked(ManyAppsSignInFailures, users, sps[:1000], 6*24*time.Hour)
}

// addUserGrantsLocked gives the app n new users who consented to it for
// themselves: one Principal grant of the app's required scopes per user and
// resource, as user consent leaves them (docs/entra.md A6). It creates the
// app's service principal when missing; false when the app is unknown.
func (t *Tenant) addUserGrantsLocked(appID string, n int) bool {
	sp := t.ensureSPLocked(appID)
	if sp == nil {
		return false
	}
	order, vals := t.byResourceLocked(t.srv.catalog.get(appID).RequiredScopes)
	dom := t.domainLocked()
	base := len(t.userOrder)
	for i := range n {
		u := t.addUserLocked(fmt.Sprintf("consented%05d@%s", base+i, dom), fmt.Sprintf("Consented User %05d", base+i))
		u.generated = true
		for _, res := range order {
			// New users hold no grant yet: add, rather than merge (which
			// would search every grant of the app, quadratic in n).
			t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: sp.ID, ConsentType: "Principal", PrincipalID: u.ID,
				ResourceID: res.ID, Scope: strings.Join(vals[res.ID], " ")})
		}
	}
	return true
}

// ManyAppsSignInFailures is how many consent failures the many-apps sign-in log holds.
const ManyAppsSignInFailures = 100000
