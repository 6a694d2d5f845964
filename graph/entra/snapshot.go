package entra

import "strings"

// TenantSnapshot is everything a diagnosis needs, read in one $batch round trip
// (plus one more only when a pending request's user requests must be read).
// Parts the signed-in account may not read are left empty and their errors are
// kept in Errors, keyed by part name, so a Global Reader still gets a diagnosis.
type TenantSnapshot struct {
	TenantID     string
	Cloud        string
	Organization Organization
	Me           User
	// MyRoles are the signed-in user's activated directory roles.
	MyRoles []DirectoryRole
	// RolesFrom says where MyRoles come from when the account lives in
	// another tenant (RolesFromGDAP, RolesGDAPUnread); "" for the
	// directory's own answer (/me/transitiveMemberOf).
	RolesFrom string

	AuthorizationPolicy  AuthorizationPolicy
	ConsentRequestPolicy AdminConsentRequestPolicy

	// App is the app's service principal in this tenant; nil when the app is new to the tenant.
	App *ServicePrincipal
	// AppGrants are the delegated grants whose client is App: every AllPrincipals
	// (tenant-wide) grant, then the first page of its Principal grants (users'
	// own consent; PrincipalGrantsMore says whether more exist).
	AppGrants []OAuth2PermissionGrant
	// PrincipalGrantsMore is true when App has more Principal grants than
	// AppGrants holds: their number is only known to exceed what is there.
	PrincipalGrantsMore bool
	// AppRoleAssignments are the app roles (application permissions) granted to App.
	AppRoleAssignments []AppRoleAssignment
	// AppAssignedTo are the users, groups and service principals assigned to
	// App's own roles (its appRoleAssignedTo); read only when asked for (a
	// restore of assign-users), never by a diagnosis.
	AppAssignedTo []AppRoleAssignment

	// GraphSP is Microsoft Graph's own service principal: its scopes (type User/Admin) and app roles.
	GraphSP ServicePrincipal
	// Classifications are the delegated permission classifications on Microsoft Graph.
	Classifications []DelegatedPermissionClassification
	// ManagedExcludes are the excludes of microsoft-user-default-recommended,
	// one condition set per resource (Microsoft Graph, Office 365 Exchange
	// Online, …; docs/entra.md B4).
	ManagedExcludes []PermissionGrantConditionSet
	// ResourceSPs are the service principals of the other resources the app
	// asks permissions of (Office 365 Exchange Online, …), read by appId
	// (PartResourceSP): their delegated permissions (ids, User or Admin),
	// against which the policies' condition sets and the app's grants are read.
	ResourceSPs []ServicePrincipal
	// PolicySets are the condition sets of the other app consent policies a
	// diagnosis evaluates (docs/entra.md A2): the mail-client policy's
	// includes (always read), and the includes and excludes of each other
	// policy assigned to users (custom ones). An unread list is kept out and
	// its part is in Errors: unknown, not empty.
	PolicySets []ConsentPolicySets

	// PendingRequests are the app's consent requests with their in-progress user requests.
	PendingRequests []AppConsentRequest

	// Errors holds the parts that could not be read (for example 403 for a role
	// that may not read consent requests), keyed by part name.
	Errors map[string]*APIError

	// RoundTrips is how many HTTP round trips to Graph the snapshot cost.
	RoundTrips int

	// Parts lists the parts read when the snapshot is partial (a poll: see
	// AppParts, RequestParts); nil for a full snapshot. The fields of the
	// other parts are zero and mean nothing.
	Parts []string
}

// ConsentPolicySets are the condition sets read of one app consent policy.
// IncludesRead and ExcludesRead say which of the two lists was read.
type ConsentPolicySets struct {
	PolicyID     string
	Includes     []PermissionGrantConditionSet
	Excludes     []PermissionGrantConditionSet
	IncludesRead bool
	ExcludesRead bool
}

// Sets returns the policy's sets read in s (case-insensitive id), or nil.
func (s *TenantSnapshot) Sets(policyID string) *ConsentPolicySets {
	for i := range s.PolicySets {
		if strings.EqualFold(s.PolicySets[i].PolicyID, policyID) {
			return &s.PolicySets[i]
		}
	}
	return nil
}

// ResourceSP returns the service principal of the resource appID read in s, or nil.
func (s *TenantSnapshot) ResourceSP(appID string) *ServicePrincipal {
	if strings.EqualFold(appID, MicrosoftGraphAppID) && (s.GraphSP.ID != "" || len(s.GraphSP.OAuth2PermissionScopes) > 0) {
		return &s.GraphSP
	}
	for i := range s.ResourceSPs {
		if strings.EqualFold(s.ResourceSPs[i].AppID, appID) {
			return &s.ResourceSPs[i]
		}
	}
	return nil
}

// PartResourceSP is the part that reads the service principal of the
// resource appID; PartPolicyIncludes and PartPolicyExcludes those that read
// an app consent policy's condition sets.
func PartResourceSP(appID string) string { return PartResourceSPPrefix + strings.ToLower(appID) }

// PartPolicyIncludes names the part that reads policyID's includes.
func PartPolicyIncludes(policyID string) string {
	return PartPolicyIncludesPrefix + strings.ToLower(policyID)
}

// PartPolicyExcludes names the part that reads policyID's excludes.
func PartPolicyExcludes(policyID string) string {
	return PartPolicyExcludesPrefix + strings.ToLower(policyID)
}

// Where the signed-in account's roles come from (TenantSnapshot.RolesFrom),
// for an account of another tenant: a customer's directory holds no user
// object, and so no role, for a partner's delegated admin (docs/entra.md I).
const (
	// RolesFromGDAP: MyRoles are the roles the partner's GDAP relationships
	// give the account in this customer's tenant.
	RolesFromGDAP = "gdap"
	// RolesGDAPUnread: the partner's GDAP relationships could not be read,
	// so roles the account may hold here through GDAP are not in MyRoles.
	RolesGDAPUnread = "gdap-unread"
)

// Snapshot part names, used as $batch ids and as keys of TenantSnapshot.Errors.
const (
	PartOrganization    = "organization"
	PartMe              = "me"
	PartMyRoles         = "myRoles"
	PartAuthorization   = "authorizationPolicy"
	PartConsentRequest  = "adminConsentRequestPolicy"
	PartApp             = "app"
	PartAppGrants       = "appGrants"
	PartAppUserGrants   = "appUserGrants"
	PartAppRoles        = "appRoleAssignments"
	PartGraphSP         = "graphServicePrincipal"
	PartClassifications = "classifications"
	PartManagedExcludes = "managedExcludes"
	PartPendingRequests = "pendingRequests"

	// Prefixes of the parts read per resource or per policy (PartResourceSP,
	// PartPolicyIncludes, PartPolicyExcludes).
	PartResourceSPPrefix     = "resourceServicePrincipal-"
	PartPolicyIncludesPrefix = "policyIncludes-"
	PartPolicyExcludesPrefix = "policyExcludes-"
)

// AppParts are what a fix of the app changes, read by a poll after a fix: its
// service principal, its grants and its app role assignments.
var AppParts = []string{PartApp, PartAppGrants, PartAppUserGrants, PartAppRoles}

// RequestParts are the app's pending consent requests, read by a poll while
// users' requests are awaited.
var RequestParts = []string{PartPendingRequests}

// Merge returns a copy of s in which the parts that poll read (poll.Parts)
// are poll's: what a partial read (graph.Client.PollApp, PollRequests)
// brings up to date, while the rest of s (policies, Microsoft Graph's
// permissions, …) stays. A full poll (Parts nil) is returned as it is. The
// app's grants count as one part: PartAppGrants or PartAppUserGrants takes
// AppGrants and PrincipalGrantsMore from poll. Errors of the parts read are
// poll's; RoundTrips is poll's (the cost of the last read).
func (s *TenantSnapshot) Merge(poll *TenantSnapshot) *TenantSnapshot {
	if s == nil || poll == nil || poll.Parts == nil {
		return poll
	}
	m := *s
	m.Errors = map[string]*APIError{}
	for k, e := range s.Errors {
		m.Errors[k] = e
	}
	for _, p := range poll.Parts {
		switch p {
		case PartOrganization:
			m.Organization, m.TenantID = poll.Organization, poll.TenantID
		case PartMe:
			m.Me = poll.Me
		case PartMyRoles:
			m.MyRoles = poll.MyRoles
		case PartAuthorization:
			m.AuthorizationPolicy = poll.AuthorizationPolicy
		case PartConsentRequest:
			m.ConsentRequestPolicy = poll.ConsentRequestPolicy
		case PartApp:
			m.App = poll.App
		case PartAppGrants, PartAppUserGrants:
			m.AppGrants, m.PrincipalGrantsMore = poll.AppGrants, poll.PrincipalGrantsMore
		case PartAppRoles:
			m.AppRoleAssignments = poll.AppRoleAssignments
		case PartGraphSP:
			m.GraphSP = poll.GraphSP
		case PartClassifications:
			m.Classifications = poll.Classifications
		case PartManagedExcludes:
			m.ManagedExcludes = poll.ManagedExcludes
		case PartPendingRequests:
			m.PendingRequests = poll.PendingRequests
		}
		// Parts read per resource or per policy are not polled: what a fix
		// changes is in AppParts and RequestParts.
		delete(m.Errors, p)
		if e := poll.Errors[p]; e != nil {
			m.Errors[p] = e
		}
	}
	m.RoundTrips = poll.RoundTrips
	return &m
}
