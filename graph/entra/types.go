package entra

// This file holds the plain resource types consentwiz reads and writes.
// Field names follow Microsoft Graph v1.0 exactly (graph/testdata/graph-subset.json);
// a test checks every JSON field here against that description of the real API.

// Well-known identifiers (docs/entra.md A5, A7).
const (
	// MicrosoftGraphAppID is the appId of the Microsoft Graph resource service principal.
	MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"
	// DefaultClientID is Microsoft Graph Command Line Tools (docs/entra.md F).
	DefaultClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

	RoleGlobalAdmin           = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdmin   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleCloudApplicationAdmin = "158c047a-c907-4556-b7ef-446551a6b5f7"
	RoleApplicationAdmin      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleGlobalReader          = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	// The roles that may read sign-in logs besides Global Administrator and
	// Global Reader (docs/entra.md H; template ids from permissions-reference).
	RoleReportsReader         = "4a5d8f65-41da-4de4-8968-e035b65339cf"
	RoleSecurityReader        = "5d6b6bb7-de71-4623-b4af-96380a352509"
	RoleSecurityOperator      = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"
	RoleSecurityAdministrator = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	PolicyManagedRecommended  = "microsoft-user-default-recommended"
	PolicyLow                 = "microsoft-user-default-low"
	PolicyLegacy              = "microsoft-user-default-legacy"
	// PolicyMailClients lets users consent to the managed policy's excluded
	// mail permissions for six mail apps (docs/entra.md A1, B4);
	// PolicyMailClientsAlt is the spelling the same page's prose uses.
	PolicyMailClients    = "microsoft-user-default-allow-consent-apps"
	PolicyMailClientsAlt = "microsoft-user-allow-default-consent-apps"
	// ExchangeOnlineAppID is the appId of the Office 365 Exchange Online
	// resource, whose EAS/EWS/IMAP/POP permissions the managed policy
	// excludes (docs/entra.md B4).
	ExchangeOnlineAppID        = "00000002-0000-0ff1-ce00-000000000000"
	SelfConsentPrefix          = "ManagePermissionGrantsForSelf."
	OwnedResourceConsentPrefix = "ManagePermissionGrantsForOwnedResource."
)

// RoleNames maps directory role template ids to their display names.
var RoleNames = map[string]string{
	RoleGlobalAdmin:           "Global Administrator",
	RolePrivilegedRoleAdmin:   "Privileged Role Administrator",
	RoleCloudApplicationAdmin: "Cloud Application Administrator",
	RoleApplicationAdmin:      "Application Administrator",
	RoleGlobalReader:          "Global Reader",
	RoleReportsReader:         "Reports Reader",
	RoleSecurityReader:        "Security Reader",
	RoleSecurityOperator:      "Security Operator",
	RoleSecurityAdministrator: "Security Administrator",
}

// SignInLogReaderRoles are the directory roles whose holders may read sign-in
// logs through Graph (docs/entra.md H), most common first.
var SignInLogReaderRoles = []string{RoleGlobalReader, RoleReportsReader, RoleSecurityReader,
	RoleSecurityOperator, RoleSecurityAdministrator, RoleGlobalAdmin}

// ConsentErrorCodes are the AADSTS codes of sign-ins that a consent or app
// access problem stopped (docs/entra.md B1): no consent (65001), declined
// (65004), user consent off or not allowed (90093, 90094), the request form
// (90095), the risky-app interrupts (900941, 900981), not assigned (50105),
// the app disabled or blocked (7000112), the app not in the tenant (700016).
var ConsentErrorCodes = []int{65001, 65004, 90093, 90094, 90095, 900941, 900981, 50105, 7000112, 700016}

// AuthorizationPolicy is /policies/authorizationPolicy (docs/entra.md A1).
type AuthorizationPolicy struct {
	ID                           string                     `json:"id,omitempty"`
	DisplayName                  string                     `json:"displayName,omitempty"`
	AllowUserConsentForRiskyApps *bool                      `json:"allowUserConsentForRiskyApps,omitempty"`
	DefaultUserRolePermissions   DefaultUserRolePermissions `json:"defaultUserRolePermissions"`
}

// DefaultUserRolePermissions holds the user-consent setting.
type DefaultUserRolePermissions struct {
	AllowedToCreateApps bool `json:"allowedToCreateApps"`
	// PermissionGrantPoliciesAssigned is e.g. ["ManagePermissionGrantsForSelf.microsoft-user-default-low"].
	// Never omitted when marshalled: an empty list means "user consent disabled".
	PermissionGrantPoliciesAssigned []string `json:"permissionGrantPoliciesAssigned"`
}

// AdminConsentRequestPolicy is /policies/adminConsentRequestPolicy (docs/entra.md A3).
type AdminConsentRequestPolicy struct {
	ID                    string          `json:"id,omitempty"`
	IsEnabled             bool            `json:"isEnabled"`
	NotifyReviewers       bool            `json:"notifyReviewers"`
	RemindersEnabled      bool            `json:"remindersEnabled"`
	RequestDurationInDays int             `json:"requestDurationInDays"`
	Reviewers             []ReviewerScope `json:"reviewers"`
	Version               int             `json:"version,omitempty"`
}

// ReviewerScope is an accessReviewReviewerScope.
type ReviewerScope struct {
	Query     string `json:"query"`
	QueryType string `json:"queryType"`
	QueryRoot string `json:"queryRoot,omitempty"`
}

// PermissionGrantConditionSet is one include or exclude of a permission grant policy (docs/entra.md A2).
type PermissionGrantConditionSet struct {
	ID                                          string   `json:"id,omitempty"`
	PermissionType                              string   `json:"permissionType,omitempty"`
	PermissionClassification                    string   `json:"permissionClassification,omitempty"`
	ResourceApplication                         string   `json:"resourceApplication,omitempty"`
	Permissions                                 []string `json:"permissions,omitempty"`
	ClientApplicationIDs                        []string `json:"clientApplicationIds,omitempty"`
	ClientApplicationTenantIDs                  []string `json:"clientApplicationTenantIds,omitempty"`
	ClientApplicationPublisherIDs               []string `json:"clientApplicationPublisherIds,omitempty"`
	ClientApplicationsFromVerifiedPublisherOnly bool     `json:"clientApplicationsFromVerifiedPublisherOnly,omitempty"`
}

// VerifiedPublisher is a service principal's verified publisher.
type VerifiedPublisher struct {
	DisplayName         string `json:"displayName,omitempty"`
	VerifiedPublisherID string `json:"verifiedPublisherId,omitempty"`
	AddedDateTime       string `json:"addedDateTime,omitempty"`
}

// PermissionScope is a delegated permission a resource exposes. Type is "User" or "Admin".
type PermissionScope struct {
	ID                      string `json:"id"`
	Value                   string `json:"value"`
	Type                    string `json:"type"`
	IsEnabled               bool   `json:"isEnabled"`
	AdminConsentDisplayName string `json:"adminConsentDisplayName,omitempty"`
	UserConsentDisplayName  string `json:"userConsentDisplayName,omitempty"`
}

// AppRole is an application permission (or assignable role) a resource exposes.
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"displayName,omitempty"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// ServicePrincipal is an enterprise application (docs/entra.md A5).
type ServicePrincipal struct {
	ID                        string             `json:"id,omitempty"`
	AppID                     string             `json:"appId"`
	DisplayName               string             `json:"displayName,omitempty"`
	AccountEnabled            *bool              `json:"accountEnabled,omitempty"`
	AppRoleAssignmentRequired bool               `json:"appRoleAssignmentRequired"`
	PublisherName             string             `json:"-"` // beta only; kept out of v1.0 JSON
	AppOwnerOrganizationID    string             `json:"appOwnerOrganizationId,omitempty"`
	VerifiedPublisher         *VerifiedPublisher `json:"verifiedPublisher,omitempty"`
	OAuth2PermissionScopes    []PermissionScope  `json:"oauth2PermissionScopes,omitempty"`
	AppRoles                  []AppRole          `json:"appRoles,omitempty"`
	ReplyURLs                 []string           `json:"replyUrls,omitempty"`
	ServicePrincipalType      string             `json:"servicePrincipalType,omitempty"`
	SignInAudience            string             `json:"signInAudience,omitempty"`
}

// Enabled reports whether users can sign in to the app (accountEnabled defaults to true).
func (sp ServicePrincipal) Enabled() bool { return sp.AccountEnabled == nil || *sp.AccountEnabled }

// PublisherVerified reports whether the app's publisher is verified.
func (sp ServicePrincipal) PublisherVerified() bool {
	return sp.VerifiedPublisher != nil && sp.VerifiedPublisher.VerifiedPublisherID != ""
}

// OAuth2PermissionGrant is a delegated permission grant (docs/entra.md A6).
// ConsentType is "AllPrincipals" (admin, tenant-wide) or "Principal" (one user).
type OAuth2PermissionGrant struct {
	ID          string `json:"id,omitempty"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId,omitempty"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// AppRoleAssignment grants an app role (application permission) or assigns a user to an app.
type AppRoleAssignment struct {
	ID                   string `json:"id,omitempty"`
	AppRoleID            string `json:"appRoleId"`
	PrincipalID          string `json:"principalId"`
	PrincipalType        string `json:"principalType,omitempty"`
	PrincipalDisplayName string `json:"principalDisplayName,omitempty"`
	ResourceID           string `json:"resourceId"`
	ResourceDisplayName  string `json:"resourceDisplayName,omitempty"`
	CreatedDateTime      string `json:"createdDateTime,omitempty"`
}

// AppConsentRequest is a request, by one or more users, for admin consent to an app (docs/entra.md A4).
type AppConsentRequest struct {
	ID                  string                `json:"id"`
	AppID               string                `json:"appId"`
	AppDisplayName      string                `json:"appDisplayName,omitempty"`
	PendingScopes       []ConsentRequestScope `json:"pendingScopes,omitempty"`
	UserConsentRequests []UserConsentRequest  `json:"userConsentRequests,omitempty"`
}

// ConsentRequestScope is an appConsentRequestScope.
type ConsentRequestScope struct {
	DisplayName string `json:"displayName"`
}

// UserConsentRequest is one user's request. Status: Initializing|InProgress|Expired|Completed.
type UserConsentRequest struct {
	ID                string      `json:"id"`
	ApprovalID        string      `json:"approvalId,omitempty"`
	Status            string      `json:"status"`
	Reason            string      `json:"reason,omitempty"`
	CreatedBy         IdentitySet `json:"createdBy"`
	CreatedDateTime   string      `json:"createdDateTime,omitempty"`
	CompletedDateTime string      `json:"completedDateTime,omitempty"`
}

// IdentitySet names who did something.
type IdentitySet struct {
	User *Identity `json:"user,omitempty"`
}

// Identity is a user, app or device reference.
type Identity struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// DelegatedPermissionClassification classifies one delegated permission of a resource (docs/entra.md A5).
type DelegatedPermissionClassification struct {
	ID             string `json:"id,omitempty"`
	PermissionID   string `json:"permissionId"`
	PermissionName string `json:"permissionName"`
	Classification string `json:"classification"`
}

// User is a directory user.
type User struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	Mail              string `json:"mail,omitempty"`
}

// Group is a directory group.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
	Mail        string `json:"mail,omitempty"`
}

// DirectoryRole is an activated directory role the signed-in user is a member of.
type DirectoryRole struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName,omitempty"`
	RoleTemplateID string `json:"roleTemplateId"`
}

// Organization is the tenant.
type Organization struct {
	ID              string           `json:"id"`
	DisplayName     string           `json:"displayName,omitempty"`
	VerifiedDomains []VerifiedDomain `json:"verifiedDomains,omitempty"`
}

// VerifiedDomain is one of the tenant's domains.
type VerifiedDomain struct {
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefault"`
	IsInitial bool   `json:"isInitial"`
}

// DefaultDomain returns the tenant's default domain, or its initial one.
func (o Organization) DefaultDomain() string {
	for _, d := range o.VerifiedDomains {
		if d.IsDefault {
			return d.Name
		}
	}
	for _, d := range o.VerifiedDomains {
		if d.IsInitial {
			return d.Name
		}
	}
	return ""
}

// GDAP: a partner's delegated admin relationships with its customers
// (docs/entra.md I). These are read in the partner's tenant.

// DelegatedAdminCustomer is a customer tenant with at least one active
// delegated admin relationship (GET /tenantRelationships/delegatedAdminCustomers).
type DelegatedAdminCustomer struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenantId"`
	DisplayName string `json:"displayName,omitempty"`
}

// DelegatedAdminRelationship is one GDAP relationship
// (GET /tenantRelationships/delegatedAdminRelationships). Its AccessDetails are
// the roles the relationship grants; a partner user holds them only through
// the relationship's access assignments (docs/entra.md I).
type DelegatedAdminRelationship struct {
	ID                   string                                        `json:"id"`
	DisplayName          string                                        `json:"displayName,omitempty"`
	Status               string                                        `json:"status,omitempty"`
	Customer             DelegatedAdminRelationshipCustomerParticipant `json:"customer"`
	AccessDetails        DelegatedAdminAccessDetails                   `json:"accessDetails"`
	Duration             string                                        `json:"duration,omitempty"`
	AutoExtendDuration   string                                        `json:"autoExtendDuration,omitempty"`
	CreatedDateTime      string                                        `json:"createdDateTime,omitempty"`
	ActivatedDateTime    string                                        `json:"activatedDateTime,omitempty"`
	EndDateTime          string                                        `json:"endDateTime,omitempty"`
	LastModifiedDateTime string                                        `json:"lastModifiedDateTime,omitempty"`
}

// DelegatedAdminRelationshipCustomerParticipant names a relationship's customer.
type DelegatedAdminRelationshipCustomerParticipant struct {
	TenantID    string `json:"tenantId"`
	DisplayName string `json:"displayName,omitempty"`
}

// DelegatedAdminAccessDetails lists Entra roles by role template id.
type DelegatedAdminAccessDetails struct {
	UnifiedRoles []UnifiedRole `json:"unifiedRoles"`
}

// UnifiedRole is one role of a GDAP relationship or access assignment.
type UnifiedRole struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
}

// DelegatedAdminAccessAssignment gives the members of a security group of the
// partner's tenant (the access container) roles in the customer's tenant
// (GET /tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments).
type DelegatedAdminAccessAssignment struct {
	ID                   string                        `json:"id"`
	Status               string                        `json:"status,omitempty"`
	AccessContainer      DelegatedAdminAccessContainer `json:"accessContainer"`
	AccessDetails        DelegatedAdminAccessDetails   `json:"accessDetails"`
	CreatedDateTime      string                        `json:"createdDateTime,omitempty"`
	LastModifiedDateTime string                        `json:"lastModifiedDateTime,omitempty"`
}

// DelegatedAdminAccessContainer is the group an access assignment is for.
type DelegatedAdminAccessContainer struct {
	AccessContainerID   string `json:"accessContainerId"`
	AccessContainerType string `json:"accessContainerType"` // securityGroup
}

// SignIn is one entry of the sign-in log (GET /auditLogs/signIns,
// docs/entra.md H). CreatedDateTime is RFC 3339 in UTC. Reading it needs
// Microsoft Entra ID P1 or P2.
type SignIn struct {
	ID                               string                           `json:"id"`
	CreatedDateTime                  string                           `json:"createdDateTime"`
	UserID                           string                           `json:"userId,omitempty"`
	UserPrincipalName                string                           `json:"userPrincipalName,omitempty"`
	UserDisplayName                  string                           `json:"userDisplayName,omitempty"`
	AppID                            string                           `json:"appId,omitempty"`
	AppDisplayName                   string                           `json:"appDisplayName,omitempty"`
	ResourceID                       string                           `json:"resourceId,omitempty"`
	ResourceDisplayName              string                           `json:"resourceDisplayName,omitempty"`
	Status                           *SignInStatus                    `json:"status,omitempty"`
	CorrelationID                    string                           `json:"correlationId,omitempty"`
	ClientAppUsed                    string                           `json:"clientAppUsed,omitempty"`
	ConditionalAccessStatus          string                           `json:"conditionalAccessStatus,omitempty"`
	IsInteractive                    *bool                            `json:"isInteractive,omitempty"`
	IPAddress                        string                           `json:"ipAddress,omitempty"`
	Location                         *SignInLocation                  `json:"location,omitempty"`
	DeviceDetail                     *DeviceDetail                    `json:"deviceDetail,omitempty"`
	AppliedConditionalAccessPolicies []AppliedConditionalAccessPolicy `json:"appliedConditionalAccessPolicies,omitempty"`
	RiskDetail                       string                           `json:"riskDetail,omitempty"`
	RiskLevelAggregated              string                           `json:"riskLevelAggregated,omitempty"`
	RiskLevelDuringSignIn            string                           `json:"riskLevelDuringSignIn,omitempty"`
	RiskState                        string                           `json:"riskState,omitempty"`
	RiskEventTypesV2                 []string                         `json:"riskEventTypes_v2,omitempty"`
	HomeTenantID                     string                           `json:"homeTenantId,omitempty"`
	ResourceTenantID                 string                           `json:"resourceTenantId,omitempty"`
}

// ErrorCode is the sign-in's AADSTS code, 0 for a success (or no status).
func (s SignIn) ErrorCode() int {
	if s.Status == nil {
		return 0
	}
	return s.Status.ErrorCode
}

// SignInStatus is a sign-in's result: ErrorCode 0 is a success.
type SignInStatus struct {
	ErrorCode         int    `json:"errorCode"`
	FailureReason     string `json:"failureReason,omitempty"`
	AdditionalDetails string `json:"additionalDetails,omitempty"`
}

// SignInLocation is where a sign-in came from.
type SignInLocation struct {
	City            string `json:"city,omitempty"`
	State           string `json:"state,omitempty"`
	CountryOrRegion string `json:"countryOrRegion,omitempty"`
}

// DeviceDetail is the device a sign-in came from.
type DeviceDetail struct {
	DeviceID        string `json:"deviceId,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	OperatingSystem string `json:"operatingSystem,omitempty"`
	Browser         string `json:"browser,omitempty"`
	TrustType       string `json:"trustType,omitempty"`
}

// AppliedConditionalAccessPolicy is a Conditional Access policy a sign-in met.
type AppliedConditionalAccessPolicy struct {
	ID                      string   `json:"id,omitempty"`
	DisplayName             string   `json:"displayName,omitempty"`
	EnforcedGrantControls   []string `json:"enforcedGrantControls,omitempty"`
	EnforcedSessionControls []string `json:"enforcedSessionControls,omitempty"`
	Result                  string   `json:"result,omitempty"`
}
