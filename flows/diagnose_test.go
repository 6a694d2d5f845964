package flows

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

const (
	tTenant   = "11111111-1111-1111-1111-111111111111"
	tClient   = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	tGraphSP  = "22222222-2222-2222-2222-222222222222"
	tAppSP    = "33333333-3333-3333-3333-333333333333"
	tOwner    = "44444444-4444-4444-4444-444444444444"
	idUser    = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	idOffline = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"
	idCalRW   = "1ec239c2-d7c9-4623-a91a-a9775856bb36"
	idMail    = "e383f46e-2787-4529-855e-0e479a3ffac0"
	idDirRead = "06da0dbc-49e2-44d2-8312-53f166ab848a"
	idFiles   = "df85f4d6-205c-4ac5-a5ea-6bf408dba283"
	idCalRole = "798ee544-9d2d-430c-a058-570e29e34338"
	idAlice   = "55555555-5555-5555-5555-555555555555"
	// idThunderbird is one of the mail-client policy's apps (docs/entra.md B4).
	idThunderbird = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
)

func graphSP() entra.ServicePrincipal {
	return entra.ServicePrincipal{
		ID: tGraphSP, AppID: entra.MicrosoftGraphAppID, DisplayName: "Microsoft Graph",
		OAuth2PermissionScopes: []entra.PermissionScope{
			{ID: idUser, Value: "User.Read", Type: "User", IsEnabled: true},
			{ID: idOffline, Value: "offline_access", Type: "User", IsEnabled: true},
			{ID: idCalRW, Value: "Calendars.ReadWrite", Type: "User", IsEnabled: true},
			{ID: idMail, Value: "Mail.Send", Type: "User", IsEnabled: true},
			{ID: idDirRead, Value: "Directory.Read.All", Type: "Admin", IsEnabled: true},
			{ID: idFiles, Value: "Files.Read.All", Type: "User", IsEnabled: true},
		},
		AppRoles: []entra.AppRole{{ID: idCalRole, Value: "Calendars.Read", AllowedMemberTypes: []string{"Application"}, IsEnabled: true}},
	}
}

func roles(ids ...string) []entra.DirectoryRole {
	var out []entra.DirectoryRole
	for _, id := range ids {
		out = append(out, entra.DirectoryRole{ID: "r-" + id[:4], RoleTemplateID: id, DisplayName: entra.RoleNames[id]})
	}
	return out
}

// lockedDown is the locked-down scenario: user consent off, workflow off, app new.
func lockedDown() *entra.TenantSnapshot {
	return &entra.TenantSnapshot{
		TenantID: tTenant, Cloud: "global",
		Organization: entra.Organization{ID: tTenant, DisplayName: "Contoso",
			VerifiedDomains: []entra.VerifiedDomain{{Name: "contoso.onmicrosoft.com", IsInitial: true}, {Name: "contoso.com", IsDefault: true}}},
		Me:      entra.User{ID: "me", UserPrincipalName: "admin@contoso.com"},
		MyRoles: roles(entra.RoleGlobalAdmin),
		AuthorizationPolicy: entra.AuthorizationPolicy{DefaultUserRolePermissions: entra.DefaultUserRolePermissions{
			PermissionGrantPoliciesAssigned: []string{"ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"}}},
		GraphSP: graphSP(),
		ManagedExcludes: []entra.PermissionGrantConditionSet{
			{ID: "x1", PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{idCalRW, idFiles}},
			{ID: "x2", PermissionType: "application", ResourceApplication: "any", Permissions: []string{"all"}},
		},
		// The mail-client policy: the same permissions, for the mail apps only.
		PolicySets: []entra.ConsentPolicySets{{PolicyID: entra.PolicyMailClients, IncludesRead: true, Includes: []entra.PermissionGrantConditionSet{
			{ID: "m1", PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{idCalRW, idFiles},
				ClientApplicationIDs: []string{idThunderbird}},
		}}},
	}
}

func appSP(verified bool) *entra.ServicePrincipal {
	sp := &entra.ServicePrincipal{ID: tAppSP, AppID: tClient, DisplayName: "TrackerRMS", AppOwnerOrganizationID: tOwner,
		ReplyURLs: []string{"https://ukevo.tracker-rms.com/Office365/CallBack"}}
	if verified {
		sp.VerifiedPublisher = &entra.VerifiedPublisher{DisplayName: "Tracker Systems", VerifiedPublisherID: "1234567"}
	}
	return sp
}

func tracker(t *testing.T) AppRef {
	t.Helper()
	p, err := assets.Profile("trackerrms")
	if err != nil {
		t.Fatal(err)
	}
	return FromProfile(p)
}

func withScopes(scopes ...string) AppRef {
	return AppRef{ClientID: tClient, Scopes: scopes}
}

func grant(consent, scope string) entra.OAuth2PermissionGrant {
	return entra.OAuth2PermissionGrant{ID: "g", ClientID: tAppSP, ConsentType: consent, ResourceID: tGraphSP, Scope: scope, PrincipalID: idAlice}
}

func setConsent(s *entra.TenantSnapshot, ids ...string) {
	s.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = ids
}

func pendingReq(scopes ...string) entra.AppConsentRequest {
	var ps []entra.ConsentRequestScope
	for _, s := range scopes {
		ps = append(ps, entra.ConsentRequestScope{DisplayName: s})
	}
	return entra.AppConsentRequest{ID: "req-1", AppID: tClient, AppDisplayName: "TrackerRMS", PendingScopes: ps,
		UserConsentRequests: []entra.UserConsentRequest{
			{ID: "ureq-1", Status: "InProgress", Reason: "need calendar sync\x1b[31m", CreatedDateTime: "2026-01-02T03:04:05Z",
				CreatedBy: entra.IdentitySet{User: &entra.Identity{ID: idAlice, DisplayName: "Alice \u202eevil"}}},
			{ID: "ureq-0", Status: "Completed"},
		}}
}

type diagCase struct {
	name        string
	snap        func() *entra.TenantSnapshot
	app         func(t *testing.T) AppRef
	screen      string
	blocked     bool
	recommended FixID
	whyHas      string
	findings    map[string]Severity // id → severity
	noFindings  []string
	viable      map[FixID]bool
	reasons     map[FixID]string // substring
	hasRole     map[FixID]bool
	needsRole   map[FixID]string
	check       func(t *testing.T, d Diagnosis)
}

func diagCases() []diagCase {
	return []diagCase{
		{
			name: "locked-down", snap: lockedDown, app: tracker,
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink, whyHas: "Your account can do it",
			findings: map[string]Severity{FindingServicePrincipal: SeverityInfo, FindingPublisher: SeverityInfo,
				FindingScopes: SeverityBlocker, FindingUserConsent: SeverityWarning, FindingRequestWorkflow: SeverityInfo,
				FindingManagedPolicy: SeverityInfo, FindingRoles: SeverityInfo},
			noFindings: []string{FindingAssignmentRequired, FindingAppDisabled, FindingPendingRequests, FindingUserGrants, FindingAdminOnly},
			viable:     map[FixID]bool{FixAdminLink: true, FixRelaxUserConsent: false, FixRequestWorkflow: true, FixGrantDirect: true, FixClassifyLow: false, FixAssignUsers: false},
			reasons: map[FixID]string{
				FixAdminLink:        "adds the app to the tenant",
				FixRelaxUserConsent: "relaxing user consent cannot help: Calendars.ReadWrite is excluded by the Microsoft-managed policy",
				FixRequestWorkflow:  "turn on 'Users can request admin consent'",
				FixGrantDirect:      "grant exactly User.Read, Calendars.ReadWrite, Mail.Send tenant-wide",
				FixClassifyLow:      "the app is new to the tenant",
			},
			needsRole: map[FixID]string{FixAdminLink: NeedsCloudAppAdmin, FixRelaxUserConsent: NeedsPRA, FixRequestWorkflow: NeedsGlobalAdmin,
				FixGrantDirect: NeedsCloudAppAdmin, FixClassifyLow: NeedsCAAAndPRA},
			hasRole: map[FixID]bool{FixAdminLink: true, FixRelaxUserConsent: true, FixRequestWorkflow: true, FixGrantDirect: true, FixClassifyLow: true},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentDisabled || d.UserConsent.PortalName != PortalNameDisabled {
					t.Errorf("user consent %+v", d.UserConsent)
				}
				if got := strings.Join(d.Scopes.Missing, " "); got != "User.Read Calendars.ReadWrite Mail.Send" {
					t.Errorf("missing %q (offline_access must stay out)", got)
				}
				if got := strings.Join(d.Scopes.Requested, " "); got != "User.Read offline_access Calendars.ReadWrite Mail.Send" {
					t.Errorf("requested %q", got)
				}
				if got := strings.Join(d.Scopes.BlockedByManagedPolicy, " "); got != "Calendars.ReadWrite" {
					t.Errorf("blocked %q", got)
				}
				if d.Tenant.Domain != "contoso.com" || d.Tenant.ID != tTenant || d.Tenant.Cloud.Name != "global" {
					t.Errorf("tenant %+v", d.Tenant)
				}
				if d.App.DisplayName != "TrackerRMS" || d.App.ServicePrincipalID != "" || !d.App.Enabled {
					t.Errorf("app %+v", d.App)
				}
				if d.SignedInAs != "admin@contoso.com" || len(d.Roles) != 1 || d.Roles[0] != "Global Administrator" {
					t.Errorf("who %q %v", d.SignedInAs, d.Roles)
				}
			},
		},
		{
			name: "request-workflow with a pending request",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true, NotifyReviewers: true, RemindersEnabled: true, RequestDurationInDays: 30,
					Reviewers: []entra.ReviewerScope{
						{Query: "/users/" + idAlice, QueryType: "MicrosoftGraph"},
						{Query: "/groups/66666666-6666-6666-6666-666666666666/transitiveMembers/microsoft.graph.user"},
						{Query: "/beta/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '" + entra.RoleGlobalAdmin + "'"},
					}}
				s.PendingRequests = []entra.AppConsentRequest{pendingReq("User.Read", "Calendars.ReadWrite")}
				s.MyRoles = roles(entra.RoleCloudApplicationAdmin)
				return s
			},
			app:    tracker,
			screen: ScreenApprovalRequired, blocked: true, recommended: FixRequestWorkflow, whyHas: "already pending",
			findings: map[string]Severity{FindingRequestWorkflow: SeverityOK, FindingPendingRequests: SeverityWarning,
				FindingPublisher: SeverityOK, FindingServicePrincipal: SeverityOK},
			viable:    map[FixID]bool{FixRequestWorkflow: true, FixAdminLink: true, FixRelaxUserConsent: false},
			reasons:   map[FixID]string{FixRequestWorkflow: "a request from Alice evil is pending"},
			needsRole: map[FixID]string{FixRequestWorkflow: NeedsCloudAppAdmin, FixRelaxUserConsent: NeedsPRA},
			hasRole:   map[FixID]bool{FixRequestWorkflow: true, FixRelaxUserConsent: false, FixAdminLink: true},
			check: func(t *testing.T, d Diagnosis) {
				want := []string{"user " + idAlice, "members of group 66666666-6666-6666-6666-666666666666", "role Global Administrator"}
				if !reflect.DeepEqual(d.RequestWorkflow.Reviewers, want) {
					t.Errorf("reviewers %q", d.RequestWorkflow.Reviewers)
				}
				if len(d.PendingRequests) != 1 {
					t.Fatalf("pending %+v", d.PendingRequests)
				}
				p := d.PendingRequests[0]
				if p.Requester != "Alice evil" || p.Reason != "need calendar sync" || p.RequestID != "req-1" || p.UserRequestID != "ureq-1" ||
					strings.Join(p.Scopes, " ") != "User.Read Calendars.ReadWrite" || p.Created != "2026-01-02T03:04:05Z" {
					t.Errorf("pending %+v", p)
				}
				if !d.RequestWorkflow.Enabled || d.RequestWorkflow.RequestDurationInDays != 30 {
					t.Errorf("workflow %+v", d.RequestWorkflow)
				}
			},
		},
		{
			name: "workflow on, no reviewers, scopes from the pending request",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true}
				s.PendingRequests = []entra.AppConsentRequest{{ID: "req-2", AppID: tClient, PendingScopes: []entra.ConsentRequestScope{{DisplayName: "Mail.Send"}}}}
				return s
			},
			app:    func(*testing.T) AppRef { return AppRef{ClientID: tClient} },
			screen: ScreenApprovalRequired, blocked: true, recommended: FixRequestWorkflow,
			findings: map[string]Severity{FindingRequestWorkflow: SeverityWarning, FindingPendingRequests: SeverityWarning, FindingScopes: SeverityBlocker},
			viable:   map[FixID]bool{FixRequestWorkflow: true, FixGrantDirect: true},
			reasons:  map[FixID]string{FixRequestWorkflow: "a request from a user is pending", FixGrantDirect: "Mail.Send"},
			check: func(t *testing.T, d Diagnosis) {
				if strings.Join(d.Scopes.Requested, " ") != "Mail.Send" || len(d.PendingRequests) != 1 || d.PendingRequests[0].UserRequestID != "" {
					t.Errorf("requested %v pending %+v", d.Scopes.Requested, d.PendingRequests)
				}
			},
		},
		{
			name: "workflow on, no reviewers, no request",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true}
				return s
			},
			app: tracker, screen: ScreenApprovalRequired, blocked: true, recommended: FixAdminLink,
			viable:    map[FixID]bool{FixRequestWorkflow: true},
			reasons:   map[FixID]string{FixRequestWorkflow: "no reviewers"},
			needsRole: map[FixID]string{FixRequestWorkflow: NeedsGlobalAdmin},
		},
		{
			name: "workflow on with reviewers, no request yet",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true, Reviewers: []entra.ReviewerScope{{Query: "/directoryRoles/" + entra.RolePrivilegedRoleAdmin}, {Query: "/weird/\x1b]52;c;AAAA\x07query"}}}
				return s
			},
			app: tracker, screen: ScreenApprovalRequired, blocked: true,
			viable:    map[FixID]bool{FixRequestWorkflow: true},
			reasons:   map[FixID]string{FixRequestWorkflow: "the workflow is on: the user submits a request"},
			needsRole: map[FixID]string{FixRequestWorkflow: NeedsCloudAppAdmin},
			check: func(t *testing.T, d Diagnosis) {
				if got := d.RequestWorkflow.Reviewers; len(got) != 2 || got[0] != "directory role Privileged Role Administrator" || got[1] != "/weird/query" {
					t.Errorf("reviewers %q", got)
				}
			},
		},
		{
			name: "managed-calendar",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "managePermissionGrantsForSelf.microsoft-user-default-recommended", "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps",
					"ManagePermissionGrantsForOwnedResource.DeveloperConsent")
				return s
			},
			app:    tracker,
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingManagedPolicy: SeverityBlocker, FindingUserConsent: SeverityWarning},
			// Nothing ties the managed policy's excludes to '-low': Calendars.ReadWrite can be classified low (docs/entra.md A5).
			viable: map[FixID]bool{FixRelaxUserConsent: false, FixClassifyLow: true, FixAdminLink: true},
			reasons: map[FixID]string{FixRelaxUserConsent: "relaxing user consent cannot help: Calendars.ReadWrite is excluded by the Microsoft-managed policy",
				FixAdminLink: "no tenant setting changes", FixClassifyLow: "lowers the bar tenant-wide"},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentMicrosoftManaged || d.UserConsent.PortalName != PortalNameManaged || len(d.UserConsent.PolicyIDs) != 3 {
					t.Errorf("user consent %+v", d.UserConsent)
				}
			},
		},
		{
			name: "managed consent already, nothing excluded",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-recommended")
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenConsentPrompt, blocked: false, recommended: "", whyHas: "users can consent to the app themselves",
			findings: map[string]Severity{FindingManagedPolicy: SeverityOK, FindingUserConsent: SeverityOK},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixRequestWorkflow: false, FixAdminLink: true},
			reasons:  map[FixID]string{FixRelaxUserConsent: "already", FixRequestWorkflow: "never offered a request"},
		},
		{
			name: "relax works: user consent off, scopes allowed by the managed policy",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.MyRoles = roles(entra.RolePrivilegedRoleAdmin)
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send", "offline_access") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			viable:  map[FixID]bool{FixRelaxUserConsent: true, FixClassifyLow: true},
			reasons: map[FixID]string{FixRelaxUserConsent: "then restore 'Do not allow user consent' exactly", FixClassifyLow: "classify User.Read, Mail.Send, offline_access as low impact and set user consent"},
			hasRole: map[FixID]bool{FixRelaxUserConsent: true, FixAdminLink: true, FixGrantDirect: true, FixRequestWorkflow: false, FixClassifyLow: false},
		},
		{
			name: "relax viable but unverified; only a Cloud Application Administrator",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(false)
				s.MyRoles = roles(entra.RoleCloudApplicationAdmin)
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingPublisher: SeverityWarning},
			viable:   map[FixID]bool{FixRelaxUserConsent: true, FixClassifyLow: false},
			reasons:  map[FixID]string{FixRelaxUserConsent: "risk-based step-up", FixClassifyLow: "publisher is not verified"},
			hasRole:  map[FixID]bool{FixRelaxUserConsent: false, FixAdminLink: true},
		},
		{
			name: "low policy, unverified publisher",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(false)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenNeedAdminApproval, blocked: true,
			findings:   map[string]Severity{FindingPublisher: SeverityWarning, FindingUserConsent: SeverityWarning},
			noFindings: []string{FindingClassifications},
			viable:     map[FixID]bool{FixClassifyLow: false, FixRelaxUserConsent: true},
			reasons:    map[FixID]string{FixClassifyLow: "publisher is not verified"},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentLow || d.UserConsent.PortalName != PortalNameLow {
					t.Errorf("%+v", d.UserConsent)
				}
			},
		},
		{
			name: "low policy, verified, not classified",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				s.Classifications = []entra.DelegatedPermissionClassification{{PermissionID: idUser, PermissionName: "User.Read", Classification: "low"}}
				s.MyRoles = roles(entra.RoleApplicationAdmin)
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings:  map[string]Severity{FindingClassifications: SeverityWarning},
			viable:    map[FixID]bool{FixClassifyLow: true},
			reasons:   map[FixID]string{FixClassifyLow: "classify Mail.Send, offline_access as low impact"},
			needsRole: map[FixID]string{FixClassifyLow: NeedsCloudAppAdmin},
			hasRole:   map[FixID]bool{FixClassifyLow: true},
		},
		{
			name: "low policy, verified, classified: users consent themselves",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				s.Classifications = []entra.DelegatedPermissionClassification{
					{PermissionID: idUser, PermissionName: "User.Read", Classification: "low"},
					{PermissionID: idMail, Classification: "low"},
					{PermissionID: idOffline, Classification: "low"}, // a basic sign-in permission
				}
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenConsentPrompt, blocked: false, recommended: "",
			findings: map[string]Severity{FindingClassifications: SeverityOK, FindingUserConsent: SeverityOK},
			viable:   map[FixID]bool{FixRequestWorkflow: false},
		},
		{
			name: "own-tenant app under the low policy",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(false)
				s.App.AppOwnerOrganizationID = tTenant
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				return s
			},
			app:      func(*testing.T) AppRef { return withScopes("Mail.Send") },
			screen:   ScreenNeedAdminApproval,
			blocked:  true,
			findings: map[string]Severity{FindingPublisher: SeverityOK, FindingClassifications: SeverityWarning},
			viable:   map[FixID]bool{FixClassifyLow: true},
		},
		{
			name: "legacy consent, unverified: consent prompt with step-up risk",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(false)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-legacy")
				return s
			},
			app:    tracker,
			screen: ScreenConsentPrompt, blocked: false, recommended: "",
			findings: map[string]Severity{FindingRiskyApp: SeverityWarning, FindingUserConsent: SeverityOK},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixClassifyLow: false},
			reasons:  map[FixID]string{FixRelaxUserConsent: "'Allow user consent for apps', which allows more", FixClassifyLow: "publisher is not verified"},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentLegacy {
					t.Errorf("%+v", d.UserConsent)
				}
			},
		},
		{
			name: "legacy consent, verified, nothing excluded: classify-low not needed",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-legacy")
				return s
			},
			app:        func(*testing.T) AppRef { return withScopes("Mail.Send") },
			screen:     ScreenConsentPrompt,
			noFindings: []string{FindingRiskyApp},
			viable:     map[FixID]bool{FixClassifyLow: false},
			reasons:    map[FixID]string{FixClassifyLow: "which allows more"},
		},
		{
			name: "granted",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read offline_access Calendars.ReadWrite Mail.Send openid")}
				return s
			},
			app:    tracker,
			screen: ScreenNone, blocked: false, recommended: "", whyHas: "Nothing to fix",
			findings: map[string]Severity{FindingScopes: SeverityOK, FindingUserConsent: SeverityInfo},
			viable:   map[FixID]bool{FixAdminLink: false, FixRelaxUserConsent: false, FixRequestWorkflow: false, FixGrantDirect: false, FixClassifyLow: false},
			reasons:  map[FixID]string{FixAdminLink: "already granted", FixGrantDirect: "already granted"},
			check: func(t *testing.T, d Diagnosis) {
				if len(d.Scopes.Missing) != 0 || len(d.Scopes.Granted) != 5 {
					t.Errorf("scopes %+v", d.Scopes)
				}
			},
		},
		{
			name: "assignment required after consent",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.App.AppRoleAssignmentRequired = true
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read offline_access Calendars.ReadWrite Mail.Send")}
				return s
			},
			app:    tracker,
			screen: ScreenNotAssigned, blocked: true, recommended: FixAssignUsers, whyHas: "assignment is required",
			findings: map[string]Severity{FindingAssignmentRequired: SeverityBlocker},
			viable:   map[FixID]bool{FixAdminLink: false, FixRelaxUserConsent: false, FixRequestWorkflow: false, FixGrantDirect: false, FixClassifyLow: false, FixAssignUsers: true},
			reasons:  map[FixID]string{FixAdminLink: "assign them to the app", FixClassifyLow: "assignment is required"},
		},
		{
			name: "assignment required, not consented",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.App.AppRoleAssignmentRequired = true
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-legacy")
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingAssignmentRequired: SeverityWarning},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixClassifyLow: false, FixAdminLink: true},
			reasons:  map[FixID]string{FixRelaxUserConsent: "relaxing user consent cannot help: assignment is required", FixClassifyLow: "assignment is required"},
		},
		{
			name: "admin-only scope",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-legacy")
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Directory.Read.All") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingAdminOnly: SeverityBlocker},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixClassifyLow: false},
			reasons:  map[FixID]string{FixRelaxUserConsent: "Directory.Read.All is admin-only", FixClassifyLow: "Directory.Read.All is admin-only"},
		},
		{
			name: "admin-only scope already granted",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "Directory.Read.All")}
				return s
			},
			app:      func(*testing.T) AppRef { return withScopes("User.Read", "Directory.Read.All") },
			screen:   ScreenNeedAdminApproval,
			blocked:  true,
			findings: map[string]Severity{FindingAdminOnly: SeverityInfo},
			viable:   map[FixID]bool{FixRelaxUserConsent: true},
		},
		{
			name: "application permissions, Cloud Application Administrator only",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.MyRoles = roles(entra.RoleCloudApplicationAdmin)
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read")
				a.AppRoles = []string{"Calendars.Read"}
				return a
			},
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink, whyHas: "It needs a Privileged Role Administrator",
			findings:  map[string]Severity{FindingAppRoles: SeverityBlocker},
			viable:    map[FixID]bool{FixAdminLink: true, FixRelaxUserConsent: false, FixClassifyLow: false, FixGrantDirect: true},
			reasons:   map[FixID]string{FixRelaxUserConsent: "application permissions (Calendars.Read)", FixClassifyLow: "cannot be classified", FixGrantDirect: "User.Read, Calendars.Read"},
			needsRole: map[FixID]string{FixAdminLink: NeedsPRA, FixGrantDirect: NeedsPRA},
			hasRole:   map[FixID]bool{FixAdminLink: false, FixGrantDirect: false},
			check: func(t *testing.T, d Diagnosis) {
				if strings.Join(d.Scopes.AppRolesMissing, ",") != "Calendars.Read" {
					t.Errorf("%v", d.Scopes.AppRolesMissing)
				}
			},
		},
		{
			name: "application permissions granted",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				s.AppRoleAssignments = []entra.AppRoleAssignment{{AppRoleID: idCalRole, PrincipalID: tAppSP, ResourceID: tGraphSP}}
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read")
				a.AppRoles = []string{"Calendars.Read"}
				return a
			},
			screen:   ScreenNone,
			findings: map[string]Severity{FindingAppRoles: SeverityOK},
		},
		{
			name: "unreadable parts",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.Errors = map[string]*entra.APIError{
					entra.PartAuthorization:   {Status: 403, Code: "Authorization_RequestDenied"},
					entra.PartManagedExcludes: {Status: 403},
					entra.PartConsentRequest:  {Status: 403},
					entra.PartMyRoles:         {Status: 403},
					entra.PartGraphSP:         {Status: 403},
					entra.PartPendingRequests: {Status: 403},
					entra.PartApp:             {Status: 403},
					entra.PartAppGrants:       {Status: 403},
					"mystery":                 {Status: 500},
				}
				s.MyRoles = nil
				s.GraphSP = entra.ServicePrincipal{}
				return s
			},
			app: tracker,
			// Unknown is not blocked: the verdict names what could not be read and who could read it.
			screen: ScreenUnknown, blocked: false, recommended: "", whyHas: "a Global Reader",
			findings: map[string]Severity{
				"unreadable-" + entra.PartAuthorization: SeverityWarning, "unreadable-" + entra.PartManagedExcludes: SeverityWarning,
				"unreadable-mystery": SeverityWarning, FindingUserConsent: SeverityWarning, FindingManagedPolicy: SeverityWarning,
				FindingRequestWorkflow: SeverityWarning, FindingRoles: SeverityWarning, FindingAdminOnly: SeverityWarning,
				FindingPendingRequests: SeverityWarning, FindingServicePrincipal: SeverityWarning, FindingScopes: SeverityWarning,
			},
			viable: map[FixID]bool{FixRelaxUserConsent: false, FixGrantDirect: false, FixClassifyLow: false, FixRequestWorkflow: true, FixAdminLink: true},
			reasons: map[FixID]string{FixRelaxUserConsent: "could not be read", FixGrantDirect: "Microsoft Graph's permissions could not be read",
				FixRequestWorkflow: "could not be read"},
			hasRole: map[FixID]bool{FixAdminLink: false},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentUnknown {
					t.Errorf("setting %q", d.UserConsent.Setting)
				}
				if len(d.Unreadable) != 9 || d.Unreadable[0] != entra.PartConsentRequest {
					t.Errorf("unreadable %v", d.Unreadable)
				}
				if d.Verdict != VerdictUnknown || strings.Join(d.Undecided, " ") != "app appGrants graphServicePrincipal authorizationPolicy" ||
					!strings.Contains(d.VerdictWhy, "Could not read the app's enterprise application") {
					t.Errorf("verdict %q %v: %s", d.Verdict, d.Undecided, d.VerdictWhy)
				}
			},
		},
		{
			name:   "scopes unknown",
			snap:   lockedDown,
			app:    func(*testing.T) AppRef { return AppRef{ClientID: tClient} },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingScopes: SeverityWarning},
			viable:   map[FixID]bool{FixGrantDirect: false, FixRelaxUserConsent: false, FixClassifyLow: false, FixAdminLink: true},
			reasons:  map[FixID]string{FixGrantDirect: "permissions are unknown", FixRelaxUserConsent: "permissions are unknown", FixClassifyLow: "permissions are unknown"},
		},
		{
			name: "scopes unknown but a grant exists",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				return s
			},
			app:      func(*testing.T) AppRef { return AppRef{ClientID: tClient} },
			screen:   ScreenNone,
			findings: map[string]Severity{FindingScopes: SeverityWarning},
		},
		{
			name: "app disabled",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				off := false
				s.App.AccountEnabled = &off
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read") },
			screen: ScreenNone, blocked: true, recommended: "", whyHas: "disabled",
			findings: map[string]Severity{FindingAppDisabled: SeverityBlocker},
			check: func(t *testing.T, d Diagnosis) {
				if d.App.Enabled {
					t.Error("enabled")
				}
			},
		},
		{
			name: "no reply URL",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.App.ReplyURLs = nil
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixGrantDirect,
			viable:  map[FixID]bool{FixAdminLink: false, FixGrantDirect: true},
			reasons: map[FixID]string{FixAdminLink: "AADSTS500113"},
		},
		{
			name: "prompt=admin_consent despite a full grant",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-legacy")
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read")
				a.Prompt = "admin_consent"
				return a
			},
			screen: ScreenNeedAdminApproval, blocked: true,
			findings: map[string]Severity{FindingPrompt: SeverityBlocker},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixClassifyLow: false},
			reasons:  map[FixID]string{FixRelaxUserConsent: "prompt=admin_consent", FixClassifyLow: "prompt=admin_consent"},
		},
		{
			name: "unknown scope and other APIs",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read", "Calendars.ReadWrit")
				a.OtherScopes = []string{"https://outlook.office.com/EWS.AccessAsUser.All"}
				return a
			},
			screen: ScreenNeedAdminApproval, blocked: true,
			// Exchange Online's permissions were not read: what they are is unknown.
			findings: map[string]Severity{FindingUnknownScopes: SeverityWarning, FindingOtherResources: SeverityWarning},
			viable:   map[FixID]bool{FixGrantDirect: false, FixClassifyLow: false},
			reasons:  map[FixID]string{FixGrantDirect: "Calendars.ReadWrit is not a Microsoft Graph permission"},
		},
		{
			name: "other APIs only",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read")
				a.OtherScopes = []string{"https://outlook.office.com/EWS.AccessAsUser.All"}
				return a
			},
			screen:  ScreenNeedAdminApproval,
			blocked: true,
			viable:  map[FixID]bool{FixGrantDirect: false},
			reasons: map[FixID]string{FixGrantDirect: "other APIs"},
		},
		{
			name: "custom policy",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.contoso-custom", "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				// A custom policy that allows User.Read only.
				s.PolicySets = append(s.PolicySets, entra.ConsentPolicySets{PolicyID: "contoso-custom", IncludesRead: true, ExcludesRead: true,
					Includes: []entra.PermissionGrantConditionSet{{PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{idUser}}}})
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("Mail.Send") },
			screen: ScreenNeedAdminApproval, blocked: true,
			findings: map[string]Severity{FindingUserConsent: SeverityWarning},
			viable:   map[FixID]bool{FixClassifyLow: false, FixRelaxUserConsent: true},
			reasons:  map[FixID]string{FixClassifyLow: "custom consent policy"},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserConsent.Setting != ConsentCustom || !strings.Contains(d.UserConsent.PortalName, "contoso-custom") {
					t.Errorf("%+v", d.UserConsent)
				}
			},
		},
		{
			name: "per-user grants and error code",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("Principal", "User.Read"), grant("Principal", "User.Read")}
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read")
				a.ErrorCode = 90094
				return a
			},
			screen: ScreenNeedAdminApproval, blocked: true,
			findings: map[string]Severity{FindingUserGrants: SeverityInfo, FindingErrorCode: SeverityInfo},
			check: func(t *testing.T, d Diagnosis) {
				for _, f := range d.Findings {
					if f.ID == FindingErrorCode && !strings.Contains(f.Title, "AdminConsentRequired") {
						t.Errorf("error-code title %q", f.Title)
					}
					if f.ID == FindingUserGrants && !strings.HasPrefix(f.Title, "1 user has") {
						t.Errorf("user-grants title %q", f.Title)
					}
				}
			},
		},
		{
			name:   "no client id, no roles",
			snap:   func() *entra.TenantSnapshot { s := lockedDown(); s.MyRoles = nil; return s },
			app:    func(*testing.T) AppRef { return AppRef{Scopes: []string{"User.Read"}} },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixRequestWorkflow, whyHas: "needs a Global Administrator",
			findings: map[string]Severity{FindingRoles: SeverityInfo},
			viable:   map[FixID]bool{FixAdminLink: false, FixGrantDirect: false},
			reasons:  map[FixID]string{FixAdminLink: "client id is unknown", FixGrantDirect: "client id is unknown"},
		},
		{
			name:   "nothing viable",
			snap:   func() *entra.TenantSnapshot { s := lockedDown(); s.App = appSP(true); s.App.ReplyURLs = nil; return s },
			app:    func(*testing.T) AppRef { return AppRef{ClientID: tClient, Prompt: "consent"} },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixRequestWorkflow,
		},
		{
			name:   "nil snapshot",
			snap:   func() *entra.TenantSnapshot { return nil },
			app:    tracker,
			screen: ScreenNeedAdminApproval, blocked: true,
		},
	}
}

func TestDiagnose(t *testing.T) { runDiagCases(t, diagCases()) }

// runDiagCases checks each case's diagnosis, and what every diagnosis must be.
func runDiagCases(t *testing.T, cases []diagCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.snap(), tc.app(t))
			if d.UserScreen != tc.screen {
				t.Errorf("screen %q, want %q", d.UserScreen, tc.screen)
			}
			if tc.screen != "" && d.Blocked != tc.blocked {
				t.Errorf("blocked %v, want %v", d.Blocked, tc.blocked)
			}
			if tc.recommended != "" || tc.whyHas != "" {
				if d.Recommended != tc.recommended {
					t.Errorf("recommended %q, want %q (%s)", d.Recommended, tc.recommended, d.RecommendedWhy)
				}
			}
			if tc.whyHas != "" && !strings.Contains(d.RecommendedWhy, tc.whyHas) {
				t.Errorf("why %q lacks %q", d.RecommendedWhy, tc.whyHas)
			}
			got := map[string]Finding{}
			for _, f := range d.Findings {
				if _, dup := got[f.ID]; dup {
					t.Errorf("finding %s twice", f.ID)
				}
				got[f.ID] = f
			}
			for id, sev := range tc.findings {
				f, ok := got[id]
				if !ok {
					t.Errorf("finding %s missing; have %v", id, keys(got))
					continue
				}
				if f.Severity != sev {
					t.Errorf("finding %s severity %s, want %s (%s)", id, f.Severity, sev, f.Title)
				}
			}
			for _, id := range tc.noFindings {
				if _, ok := got[id]; ok {
					t.Errorf("unexpected finding %s", id)
				}
			}
			if len(d.Fixes) != len(AllFixes) {
				t.Fatalf("fixes %v", d.Fixes)
			}
			for i, f := range d.Fixes {
				if f.ID != AllFixes[i] {
					t.Errorf("fix %d is %s, want %s", i, f.ID, AllFixes[i])
				}
				if f.Reason == "" || f.NeedsRole == "" || f.Title == "" {
					t.Errorf("fix %s incomplete: %+v", f.ID, f)
				}
			}
			for id, v := range tc.viable {
				f, _ := d.Fix(id)
				if f.Viable != v {
					t.Errorf("fix %s viable %v, want %v (%s)", id, f.Viable, v, f.Reason)
				}
			}
			for id, r := range tc.reasons {
				f, _ := d.Fix(id)
				if !strings.Contains(f.Reason, r) {
					t.Errorf("fix %s reason %q lacks %q", id, f.Reason, r)
				}
			}
			for id, r := range tc.needsRole {
				f, _ := d.Fix(id)
				if f.NeedsRole != r {
					t.Errorf("fix %s needs %q, want %q", id, f.NeedsRole, r)
				}
			}
			for id, h := range tc.hasRole {
				f, _ := d.Fix(id)
				if f.HasRole != h {
					t.Errorf("fix %s hasRole %v, want %v", id, f.HasRole, h)
				}
			}
			if d.Recommended != "" {
				if f, _ := d.Fix(d.Recommended); !f.Viable {
					t.Errorf("recommended %s is not viable", d.Recommended)
				}
			}
			if !d.Blocked && d.Recommended != "" {
				t.Errorf("nothing blocks but %s recommended", d.Recommended)
			}
			if d.RecommendedWhy == "" {
				t.Error("no RecommendedWhy")
			}
			if tc.check != nil {
				tc.check(t, d)
			}
			// Deterministic.
			if d2 := Diagnose(tc.snap(), tc.app(t)); !reflect.DeepEqual(d, d2) {
				t.Error("Diagnose is not deterministic")
			}
			// Text renders every finding and fix.
			txt := d.Text()
			for _, f := range d.Findings {
				if !strings.Contains(txt, f.Title) {
					t.Errorf("Text lacks finding %q", f.Title)
				}
			}
			for _, f := range d.Fixes {
				if !strings.Contains(txt, string(f.ID)) {
					t.Errorf("Text lacks fix %s", f.ID)
				}
			}
			assertClean(t, txt)
		})
	}
}

func keys(m map[string]Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// assertClean fails when s holds control (other than newline), escape or bidi characters.
func assertClean(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isInvisible(r) {
			t.Fatalf("unsafe rune %U in %q", r, s)
		}
	}
}

func TestFindingsCoverEveryID(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range diagCases() {
		for id := range tc.findings {
			seen[id] = true
		}
	}
	for _, id := range []string{FindingServicePrincipal, FindingAppDisabled, FindingAssignmentRequired, FindingPublisher, FindingScopes,
		FindingUserGrants, FindingAppRoles, FindingAdminOnly, FindingUnknownScopes, FindingOtherResources, FindingManagedPolicy,
		FindingUserConsent, FindingClassifications, FindingRiskyApp, FindingRequestWorkflow, FindingPendingRequests, FindingPrompt,
		FindingErrorCode, FindingRoles} {
		if !seen[id] {
			t.Errorf("no table case checks finding %s", id)
		}
	}
	for _, id := range AllFixes {
		var v, nv bool
		for _, tc := range diagCases() {
			if want, ok := tc.viable[id]; ok {
				v = v || want
				nv = nv || !want
			}
		}
		if !v || !nv {
			t.Errorf("fix %s: viable branch covered %v, not-viable branch covered %v", id, v, nv)
		}
	}
}

func TestDiagnoseHostileStrings(t *testing.T) {
	s := lockedDown()
	s.App = appSP(false)
	s.App.DisplayName = "Evil\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\u202e\x1b[2J" + strings.Repeat("A", 5000)
	s.Organization.VerifiedDomains = []entra.VerifiedDomain{{Name: "evil\x1b[31m.com", IsDefault: true}}
	s.Me.UserPrincipalName = "\x9b31mroot"
	s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true, Reviewers: []entra.ReviewerScope{{Query: "/users/\x1b[5m" + idAlice}}}
	s.PendingRequests = []entra.AppConsentRequest{pendingReq("User.Read\x1b[0m")}
	d := Diagnose(s, withScopes("User.Read"))
	b, _ := json.Marshal(d)
	if strings.Contains(string(b), `\u001b`) || strings.Contains(string(b), `\u202e`) || strings.Contains(string(b), `\u009b`) {
		t.Fatalf("escape survived: %s", b)
	}
	if n := len([]rune(d.App.DisplayName)); n > 80 {
		t.Errorf("display name not cut: %d runes", n)
	}
	assertClean(t, d.Text())
}

func TestDiagnosisJSON(t *testing.T) {
	d := Diagnose(lockedDown(), AppRef{ClientID: tClient})
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	need := map[string][]string{
		"tenant":          {"id", "domain", "cloud"},
		"app":             {"clientId", "displayName", "servicePrincipalId", "publisherVerified", "assignmentRequired"},
		"userConsent":     {"setting", "policyIds"},
		"requestWorkflow": {"enabled", "reviewers", "notifyReviewers", "remindersEnabled", "requestDurationInDays"},
		"scopes":          {"requested", "granted", "missing", "adminOnly", "blockedByManagedPolicy"},
	}
	for obj, fields := range need {
		o, ok := m[obj].(map[string]any)
		if !ok {
			t.Errorf("%s missing or not an object", obj)
			continue
		}
		for _, f := range fields {
			if _, ok := o[f]; !ok {
				t.Errorf("%s.%s missing", obj, f)
			}
		}
	}
	for _, k := range []string{"pendingRequests", "userScreen", "fixes", "recommended", "blocked", "findings", "unreadable", "roles"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
	fixes, _ := m["fixes"].([]any)
	if len(fixes) != len(AllFixes) {
		t.Fatalf("fixes %v", m["fixes"])
	}
	for _, f := range fixes {
		fo := f.(map[string]any)
		for _, k := range []string{"id", "viable", "reason", "needsRole"} {
			if _, ok := fo[k]; !ok {
				t.Errorf("fix.%s missing", k)
			}
		}
	}
	// Slices marshal as [], never null, even from an empty snapshot.
	for _, snap := range []*entra.TenantSnapshot{lockedDown(), nil, {}} {
		b, _ := json.Marshal(Diagnose(snap, AppRef{}))
		if strings.Contains(string(b), "null") {
			t.Errorf("null in %s", b)
		}
	}
}

// Roles that could not be read are unknown, never missing: one finding says
// so (with why), no fix claims the account lacks its role, and the
// recommendation does not tell the admin to hand it over (MSP review: a
// partner admin in a customer's tenant was told they lack a role GDAP gives).
func TestDiagnoseRolesUnknownNeverMissing(t *testing.T) {
	s := lockedDown()
	s.MyRoles = nil
	s.Errors = map[string]*entra.APIError{entra.PartMyRoles: {Status: 404, Code: "Request_ResourceNotFound"}}
	d := Diagnose(s, tracker(t))
	var about []Finding
	for _, f := range d.Findings {
		if strings.Contains(strings.ToLower(f.Title), "roles") {
			about = append(about, f)
		}
	}
	if len(about) != 1 || about[0].ID != FindingRoles || !strings.Contains(about[0].Title, "unknown") ||
		!strings.Contains(about[0].Detail, "HTTP 404 Request_ResourceNotFound") {
		t.Errorf("roles findings %+v", about)
	}
	for _, f := range d.Fixes {
		if f.NeedsRole != "" && (f.HasRole || !f.RoleUnknown || roleWarning(f) != "") {
			t.Errorf("%s: %+v, warning %q", f.ID, f, roleWarning(f))
		}
	}
	if d.Recommended != FixAdminLink || strings.Contains(d.RecommendedWhy, "hand it over") || !strings.Contains(d.RecommendedWhy, "unknown") {
		t.Errorf("recommended %s: %s", d.Recommended, d.RecommendedWhy)
	}
	if text := d.Text(); strings.Contains(text, "you do not have it") || !strings.Contains(text, "whether you have it is unknown") {
		t.Errorf("check text:\n%s", text)
	}
	// Read, the same tenant's roles are known: a Global Reader lacks them.
	s = lockedDown()
	s.MyRoles = roles(entra.RoleGlobalReader)
	d = Diagnose(s, tracker(t))
	if f, _ := d.Fix(FixAdminLink); f.HasRole || f.RoleUnknown || roleWarning(f) == "" || !strings.Contains(d.RecommendedWhy, "hand it over") {
		t.Errorf("a Global Reader: %+v, %s", f, d.RecommendedWhy)
	}
}

// An app new to the tenant has a publisher nobody could check yet: the relax
// option says that, not "the publisher is not verified" beside a checklist
// that says "Publisher verification is unknown" (ux walk-through).
func TestRelaxReasonPublisherUnknownForANewApp(t *testing.T) {
	d := Diagnose(lockedDown(), withScopes("User.Read"))
	f, ok := d.Fix(FixRelaxUserConsent)
	if !ok || !f.Viable {
		t.Fatalf("relax-user-consent: %+v", f)
	}
	if strings.Contains(f.Reason, "not verified") || !strings.Contains(f.Reason, "shows once the app is in the tenant") {
		t.Errorf("reason %q", f.Reason)
	}
	snap := lockedDown()
	snap.App = appSP(false)
	if f, _ := Diagnose(snap, withScopes("User.Read")).Fix(FixRelaxUserConsent); !strings.Contains(f.Reason, "the publisher is not verified") {
		t.Errorf("an unverified publisher in the tenant: reason %q", f.Reason)
	}
}
