package entra

import (
	"sort"
	"strings"
)

// Delegated Microsoft Graph permissions the client asks for, as short names.
// Each call asks its TokenSource for the least-privileged scope(s) of that call
// (docs/entra.md A1–A6 and the Graph permission tables cited there). National clouds
// prefer the qualified form: see QualifyScopes.
const (
	// ScopeUserRead: GET /me and GET /organization.
	ScopeUserRead = "User.Read"
	// ScopeDirectoryReadAll: the app's delegated grants (servicePrincipal
	// oauth2PermissionGrants and /oauth2PermissionGrants list only Directory.Read.All as least
	// privileged) and /me/transitiveMemberOf. With only User.Read, it returns directoryRole
	// objects with "limited information" (no roleTemplateId); Directory.Read.All is
	// already needed for the grants, so it is reused rather than adding
	// RoleManagement.Read.Directory.
	ScopeDirectoryReadAll = "Directory.Read.All"
	// ScopePolicyReadAll: GET authorizationPolicy and adminConsentRequestPolicy.
	ScopePolicyReadAll = "Policy.Read.All"
	// ScopePolicyReadPermissionGrant: GET permissionGrantPolicies includes/excludes.
	ScopePolicyReadPermissionGrant = "Policy.Read.PermissionGrant"
	// ScopeApplicationReadAll: service principals, their app role assignments and
	// delegatedPermissionClassifications.
	ScopeApplicationReadAll = "Application.Read.All"
	// ScopeConsentRequestReadAll: appConsentRequests and userConsentRequests.
	ScopeConsentRequestReadAll = "ConsentRequest.Read.All"
	// ScopeUserReadBasicAll: searching users (reviewer picker).
	ScopeUserReadBasicAll = "User.ReadBasic.All"
	// ScopeGroupMemberReadAll: searching groups (reviewer picker).
	ScopeGroupMemberReadAll = "GroupMember.Read.All"
	// ScopeDelegatedAdminRelationshipReadAll: a partner's GDAP customers,
	// relationships and access assignments (docs/entra.md I). Asked only by
	// `consentwiz tenants` (TenantsScopes), never by a diagnosis.
	ScopeDelegatedAdminRelationshipReadAll = "DelegatedAdminRelationship.Read.All"
	// ScopeAuditLogReadAll: the sign-in logs (docs/entra.md H). Least
	// privileged, but Microsoft asks for Directory.Read.All with it: the
	// licence check reads the tenant's licences with it and fails without it.
	ScopeAuditLogReadAll = "AuditLog.Read.All"

	// ScopePolicyReadWriteAuthorization: PATCH authorizationPolicy (relax-user-consent, classify-low).
	ScopePolicyReadWriteAuthorization = "Policy.ReadWrite.Authorization"
	// ScopePolicyReadWriteConsentRequest: PUT adminConsentRequestPolicy (request-workflow).
	ScopePolicyReadWriteConsentRequest = "Policy.ReadWrite.ConsentRequest"
	// ScopePolicyReadWritePermissionGrant: POST delegatedPermissionClassifications (classify-low).
	ScopePolicyReadWritePermissionGrant = "Policy.ReadWrite.PermissionGrant"
	// ScopeApplicationReadWriteAll: POST /servicePrincipals (grant-direct).
	ScopeApplicationReadWriteAll = "Application.ReadWrite.All"
	// ScopeDelegatedPermissionGrantReadWriteAll: create or update oauth2PermissionGrants (grant-direct).
	ScopeDelegatedPermissionGrantReadWriteAll = "DelegatedPermissionGrant.ReadWrite.All"
	// ScopeAppRoleAssignmentReadWriteAll: POST appRoleAssignedTo (grant-direct).
	ScopeAppRoleAssignmentReadWriteAll = "AppRoleAssignment.ReadWrite.All"
)

// Op names one kind of request the client sends. Ops are stable identifiers the UI
// can use to ask for a write scope (ScopesFor) before the admin confirms a fix.
type Op string

// The operations of the client. Every HTTP request the client sends belongs to one.
const (
	OpGetOrganization            Op = "GetOrganization"
	OpGetMe                      Op = "GetMe"
	OpListMyRoles                Op = "ListMyRoles"
	OpGetAuthorizationPolicy     Op = "GetAuthorizationPolicy"
	OpUpdateUserConsentPolicies  Op = "UpdateUserConsentPolicies"
	OpGetConsentRequestPolicy    Op = "GetConsentRequestPolicy"
	OpPutConsentRequestPolicy    Op = "PutConsentRequestPolicy"
	OpListPolicyIncludes         Op = "ListPermissionGrantPolicyIncludes"
	OpListPolicyExcludes         Op = "ListPermissionGrantPolicyExcludes"
	OpGetServicePrincipalByAppID Op = "GetServicePrincipalByAppID"
	OpGetGraphServicePrincipal   Op = "GetGraphServicePrincipal"
	// OpGetResourceServicePrincipal reads another resource's service
	// principal by appId (Office 365 Exchange Online, …) for its permissions.
	OpGetResourceServicePrincipal   Op = "GetResourceServicePrincipal"
	OpCreateServicePrincipal        Op = "CreateServicePrincipal"
	OpListAppGrantsByAppID          Op = "ListAppGrantsByAppID"
	OpListGrants                    Op = "ListGrants"
	OpCreateGrant                   Op = "CreateGrant"
	OpUpdateGrantScope              Op = "UpdateGrantScope"
	OpListAppRoleAssignments        Op = "ListAppRoleAssignments"
	OpListAppRoleAssignmentsByAppID Op = "ListAppRoleAssignmentsByAppID"
	OpCreateAppRoleAssignment       Op = "CreateAppRoleAssignment"
	OpListAppRoleAssignedTo         Op = "ListAppRoleAssignedTo"
	OpListUserRoles                 Op = "ListUserRoles"
	OpListGroupMembers              Op = "ListGroupMembers"
	OpListConsentRequests           Op = "ListConsentRequests"
	OpListPendingUserRequests       Op = "ListPendingUserRequests"
	OpListClassifications           Op = "ListClassifications"
	OpListClassificationsByAppID    Op = "ListClassificationsByAppID"
	OpCreateClassification          Op = "CreateClassification"
	OpSearchUsers                   Op = "SearchUsers"
	OpSearchGroups                  Op = "SearchGroups"
	OpGetUser                       Op = "GetUser"
	OpDeleteServicePrincipal        Op = "DeleteServicePrincipal"
	OpDeleteGrant                   Op = "DeleteGrant"
	OpDeleteAppRoleAssignment       Op = "DeleteAppRoleAssignment"
	OpDeleteClassification          Op = "DeleteClassification"
	OpListSignIns                   Op = "ListSignIns"
	OpSearchServicePrincipals       Op = "SearchServicePrincipals"
	OpBatch                         Op = "Batch"

	// GDAP, read in the partner's tenant (docs/entra.md I).
	OpListDelegatedAdminCustomers         Op = "ListDelegatedAdminCustomers"
	OpListDelegatedAdminRelationships     Op = "ListDelegatedAdminRelationships"
	OpListDelegatedAdminAccessAssignments Op = "ListDelegatedAdminAccessAssignments"
	// OpListMyGroups reads the same /me/transitiveMemberOf as OpListMyRoles
	// and keeps the groups (the access containers of GDAP assignments).
	OpListMyGroups Op = "ListMyGroups"
)

// Endpoint is one (method, path) the client can send, with the scopes it needs.
// Path is relative to the version root (/v1.0) and has no query. Placeholders:
// {id} is an object id (or a policy/request id), {appId} is the alternate key of
// servicePrincipals(appId='{appId}') (docs/entra.md A5). The typed methods build their
// URLs from this table only, so graph/schema_test.go checks what is really sent.
type Endpoint struct {
	Op     Op
	Method string
	Path   string
	Scopes []string
	// Write is true when the call changes the tenant.
	Write bool
}

// endpoints is the table of every request the client can send.
var endpoints = []Endpoint{
	{OpGetOrganization, "GET", "/organization", []string{ScopeUserRead}, false},
	{OpGetMe, "GET", "/me", []string{ScopeUserRead}, false},
	{OpListMyRoles, "GET", "/me/transitiveMemberOf", []string{ScopeDirectoryReadAll}, false},
	{OpGetAuthorizationPolicy, "GET", "/policies/authorizationPolicy", []string{ScopePolicyReadAll}, false},
	{OpUpdateUserConsentPolicies, "PATCH", "/policies/authorizationPolicy", []string{ScopePolicyReadWriteAuthorization}, true},
	{OpGetConsentRequestPolicy, "GET", "/policies/adminConsentRequestPolicy", []string{ScopePolicyReadAll}, false},
	// PUT, not PATCH: docs/entra.md A3 (adminconsentrequestpolicy-update). The CSDL-derived
	// subset lists only PATCH; schema_test.go documents the exception.
	{OpPutConsentRequestPolicy, "PUT", "/policies/adminConsentRequestPolicy", []string{ScopePolicyReadWriteConsentRequest}, true},
	{OpListPolicyIncludes, "GET", "/policies/permissionGrantPolicies/{id}/includes", []string{ScopePolicyReadPermissionGrant}, false},
	{OpListPolicyExcludes, "GET", "/policies/permissionGrantPolicies/{id}/excludes", []string{ScopePolicyReadPermissionGrant}, false},
	{OpGetServicePrincipalByAppID, "GET", "/servicePrincipals", []string{ScopeApplicationReadAll}, false},
	{OpGetGraphServicePrincipal, "GET", "/servicePrincipals", []string{ScopeApplicationReadAll}, false},
	{OpGetResourceServicePrincipal, "GET", "/servicePrincipals", []string{ScopeApplicationReadAll}, false},
	{OpCreateServicePrincipal, "POST", "/servicePrincipals", []string{ScopeApplicationReadWriteAll}, true},
	{OpListAppGrantsByAppID, "GET", "/servicePrincipals(appId='{appId}')/oauth2PermissionGrants", []string{ScopeDirectoryReadAll}, false},
	{OpListGrants, "GET", "/oauth2PermissionGrants", []string{ScopeDirectoryReadAll}, false},
	{OpCreateGrant, "POST", "/oauth2PermissionGrants", []string{ScopeDelegatedPermissionGrantReadWriteAll}, true},
	{OpUpdateGrantScope, "PATCH", "/oauth2PermissionGrants/{id}", []string{ScopeDelegatedPermissionGrantReadWriteAll}, true},
	{OpListAppRoleAssignments, "GET", "/servicePrincipals/{id}/appRoleAssignments", []string{ScopeApplicationReadAll}, false},
	{OpListAppRoleAssignmentsByAppID, "GET", "/servicePrincipals(appId='{appId}')/appRoleAssignments", []string{ScopeApplicationReadAll}, false},
	// serviceprincipal-post-approleassignedto: AppRoleAssignment.ReadWrite.All and Application.Read.All.
	{OpCreateAppRoleAssignment, "POST", "/servicePrincipals/{id}/appRoleAssignedTo", []string{ScopeAppRoleAssignmentReadWriteAll, ScopeApplicationReadAll}, true},
	// Who is assigned to an app (users, groups, service principals): docs/entra.md A6.
	{OpListAppRoleAssignedTo, "GET", "/servicePrincipals/{id}/appRoleAssignedTo", []string{ScopeApplicationReadAll}, false},
	// A reviewer's directory roles, and a group reviewer's members: whether they
	// may approve requests (docs/entra.md A3, A7).
	{OpListUserRoles, "GET", "/users/{id}/transitiveMemberOf", []string{ScopeDirectoryReadAll}, false},
	{OpListGroupMembers, "GET", "/groups/{id}/members", []string{ScopeGroupMemberReadAll}, false},
	{OpListConsentRequests, "GET", "/identityGovernance/appConsent/appConsentRequests", []string{ScopeConsentRequestReadAll}, false},
	{OpListPendingUserRequests, "GET", "/identityGovernance/appConsent/appConsentRequests/{id}/userConsentRequests", []string{ScopeConsentRequestReadAll}, false},
	{OpListClassifications, "GET", "/servicePrincipals/{id}/delegatedPermissionClassifications", []string{ScopeApplicationReadAll}, false},
	{OpListClassificationsByAppID, "GET", "/servicePrincipals(appId='{appId}')/delegatedPermissionClassifications", []string{ScopeApplicationReadAll}, false},
	// docs/entra.md A5: Policy.ReadWrite.PermissionGrant + Application.Read.All.
	{OpCreateClassification, "POST", "/servicePrincipals/{id}/delegatedPermissionClassifications", []string{ScopePolicyReadWritePermissionGrant, ScopeApplicationReadAll}, true},
	{OpSearchUsers, "GET", "/users", []string{ScopeUserReadBasicAll}, false},
	{OpSearchGroups, "GET", "/groups", []string{ScopeGroupMemberReadAll}, false},
	// Who a user's own grant is for (its principalId): their name. Least
	// privileged is User.ReadBasic.All, which the sign-in does not ask for;
	// Directory.Read.All covers it too and the sign-in holds it already
	// (ReadScopes), so naming users costs no consent prompt (docs/entra.md A6).
	{OpGetUser, "GET", "/users/{id}", []string{ScopeDirectoryReadAll}, false},
	// Undo of what a fix created (DeleteObject).
	{OpDeleteServicePrincipal, "DELETE", "/servicePrincipals/{id}", []string{ScopeApplicationReadWriteAll}, true},
	{OpDeleteGrant, "DELETE", "/oauth2PermissionGrants/{id}", []string{ScopeDelegatedPermissionGrantReadWriteAll}, true},
	{OpDeleteAppRoleAssignment, "DELETE", "/servicePrincipals/{id}/appRoleAssignedTo/{id}", []string{ScopeAppRoleAssignmentReadWriteAll}, true},
	{OpDeleteClassification, "DELETE", "/servicePrincipals/{id}/delegatedPermissionClassifications/{id}", []string{ScopePolicyReadWritePermissionGrant}, true},
	// The scan (ScanOps): sign-in logs need AuditLog.Read.All and, for the
	// licence check, Directory.Read.All (docs/entra.md H; signin-list.md).
	{OpListSignIns, "GET", "/auditLogs/signIns", []string{ScopeAuditLogReadAll, ScopeDirectoryReadAll}, false},
	// --app-name: service principals whose display name starts with a text (docs/entra.md A5).
	{OpSearchServicePrincipals, "GET", "/servicePrincipals", []string{ScopeApplicationReadAll}, false},
	// $batch carries the union of its items' scopes.
	{OpBatch, "POST", "/$batch", nil, false},
	// GDAP (docs/entra.md I): DelegatedAdminRelationship.Read.All is the least
	// privileged delegated permission of all three lists.
	{OpListDelegatedAdminCustomers, "GET", "/tenantRelationships/delegatedAdminCustomers", []string{ScopeDelegatedAdminRelationshipReadAll}, false},
	{OpListDelegatedAdminRelationships, "GET", "/tenantRelationships/delegatedAdminRelationships", []string{ScopeDelegatedAdminRelationshipReadAll}, false},
	{OpListDelegatedAdminAccessAssignments, "GET", "/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments", []string{ScopeDelegatedAdminRelationshipReadAll}, false},
	{OpListMyGroups, "GET", "/me/transitiveMemberOf", []string{ScopeDirectoryReadAll}, false},
}

// SnapshotOps are the operations a diagnosis (graph.Client.Snapshot) reads.
var SnapshotOps = []Op{
	OpGetOrganization, OpGetMe, OpListMyRoles, OpGetAuthorizationPolicy, OpGetConsentRequestPolicy,
	OpGetServicePrincipalByAppID, OpListAppGrantsByAppID, OpListAppRoleAssignmentsByAppID,
	OpGetGraphServicePrincipal, OpGetResourceServicePrincipal, OpListClassificationsByAppID,
	OpListPolicyExcludes, OpListPolicyIncludes, OpListConsentRequests, OpListPendingUserRequests,
}

// ReadScopes is every scope a diagnosis (Snapshot) needs; sign-in can request them up front.
var ReadScopes = ScopesForOps(SnapshotOps...)

// TenantsOps are the operations `consentwiz tenants` reads in the partner's
// tenant (graph.Client.PartnerSnapshot).
var TenantsOps = []Op{OpListDelegatedAdminCustomers, OpListDelegatedAdminRelationships,
	OpListDelegatedAdminAccessAssignments, OpListMyGroups}

// TenantsScopes is every scope TenantsOps need: asked for `consentwiz tenants`
// (and `--tenants` runs that list the customers) only.
var TenantsScopes = ScopesForOps(TenantsOps...)

// ScanOps are the operations the scan (graph.Client.ScanConsent) reads: the
// sign-in logs and every pending admin consent request with its user requests.
var ScanOps = []Op{OpListSignIns, OpListConsentRequests, OpListPendingUserRequests}

// ScanScopes is what the scan needs. They are asked for when the admin runs a
// scan, not with ReadScopes: a diagnosis never reads the sign-in logs.
var ScanScopes = ScopesForOps(ScanOps...)

// Endpoints returns a copy of the table of every request the client can send.
func Endpoints() []Endpoint {
	out := make([]Endpoint, len(endpoints))
	for i, e := range endpoints {
		e.Scopes = append([]string(nil), e.Scopes...)
		out[i] = e
	}
	return out
}

// EndpointFor returns the table row of op; it panics for an op the table lacks
// (a programming error: every Op constant has a row).
func EndpointFor(op Op) Endpoint {
	for _, e := range endpoints {
		if e.Op == op {
			return e
		}
	}
	panic("entra: no endpoint for op " + string(op))
}

// ScopesFor returns the least-privileged scopes op needs (nil for an unknown op or OpBatch).
func ScopesFor(op Op) []string {
	for _, e := range endpoints {
		if e.Op == op {
			return append([]string(nil), e.Scopes...)
		}
	}
	return nil
}

// WriteScope returns the scopes a write operation needs, so the UI can ask for
// incremental consent before a fix; nil when op does not write.
func WriteScope(op Op) []string {
	for _, e := range endpoints {
		if e.Op == op && e.Write {
			return append([]string(nil), e.Scopes...)
		}
	}
	return nil
}

// ScopesForOps returns the sorted union of the scopes of ops.
func ScopesForOps(ops ...Op) []string {
	var all []string
	for _, op := range ops {
		all = append(all, ScopesFor(op)...)
	}
	return UnionScopes(all)
}

// UnionScopes returns the sorted, case-insensitively de-duplicated scopes.
func UnionScopes(scopes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scopes {
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// QualifyScopes returns scopes qualified for cloud c with Cloud.GraphScope
// (https://graph.microsoft.us/Policy.Read.All). Scopes that are already URIs are
// kept as they are, so qualifying twice is harmless.
func QualifyScopes(c Cloud, scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if strings.Contains(s, "://") {
			out = append(out, s)
			continue
		}
		out = append(out, c.GraphScope(s))
	}
	return out
}
