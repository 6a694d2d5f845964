package entra

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

	AuthorizationPolicy  AuthorizationPolicy
	ConsentRequestPolicy AdminConsentRequestPolicy

	// App is the app's service principal in this tenant; nil when the app is new to the tenant.
	App *ServicePrincipal
	// AppGrants are the delegated grants whose client is App (AllPrincipals and Principal).
	AppGrants []OAuth2PermissionGrant
	// AppRoleAssignments are the app roles (application permissions) granted to App.
	AppRoleAssignments []AppRoleAssignment

	// GraphSP is Microsoft Graph's own service principal: its scopes (type User/Admin) and app roles.
	GraphSP ServicePrincipal
	// Classifications are the delegated permission classifications on Microsoft Graph.
	Classifications []DelegatedPermissionClassification
	// ManagedExcludes are the excludes of microsoft-user-default-recommended.
	ManagedExcludes []PermissionGrantConditionSet

	// PendingRequests are the app's consent requests with their in-progress user requests.
	PendingRequests []AppConsentRequest

	// Errors holds the parts that could not be read (for example 403 for a role
	// that may not read consent requests), keyed by part name.
	Errors map[string]*APIError

	// RoundTrips is how many HTTP round trips to Graph the snapshot cost.
	RoundTrips int
}

// Snapshot part names, used as $batch ids and as keys of TenantSnapshot.Errors.
const (
	PartOrganization    = "organization"
	PartMe              = "me"
	PartMyRoles         = "myRoles"
	PartAuthorization   = "authorizationPolicy"
	PartConsentRequest  = "adminConsentRequestPolicy"
	PartApp             = "app"
	PartAppGrants       = "appGrants"
	PartAppRoles        = "appRoleAssignments"
	PartGraphSP         = "graphServicePrincipal"
	PartClassifications = "classifications"
	PartManagedExcludes = "managedExcludes"
	PartPendingRequests = "pendingRequests"
)
