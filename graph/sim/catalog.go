package sim

import (
	"consentwiz/graph/entra"
	"strings"
	"sync"
)

// Well-known ids the simulated cloud uses.
const (
	// TrackerRMSAppID is the third-party app of every scenario.
	TrackerRMSAppID = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	// ArchiverAppID is a daemon app that asks for a Graph application permission
	// (Mail.Read app role); it exercises ENTRA.md A7 (app roles need PRA/GA).
	ArchiverAppID = "7d3f2b9e-5c41-4a8e-9f0d-2b6c8e1a4f57"
	// MicrosoftTenantID owns Microsoft's first-party apps.
	MicrosoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
	trackerTenantID   = "3c1f0e7a-6b2d-4f59-8a14-0d9e7c5b2a61"
	archiverTenantID  = "a9e4c2d1-0b7f-4e36-95a8-61d3f0c7b2e4"
	// AzureCLIClientID and GraphExplorerClientID are accepted as public clients too (ENTRA.md F).
	AzureCLIClientID      = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	GraphExplorerClientID = "de8bc8b5-d9f9-48b1-a8ad-b748da725064"
	// DefaultAppRoleID is the default app role used to assign users to an app (ENTRA.md A6).
	DefaultAppRoleID = "00000000-0000-0000-0000-000000000000"
)

// TrackerRMS reply URLs (the vendor's registration).
var trackerReplyURLs = []string{
	"https://ukevo.tracker-rms.com/Office365/CallBack",
	"https://usevo.tracker-rms.com/Office365/CallBack",
}

// TrackerRMSScopes are the Graph delegated permissions TrackerRMS asks for.
var TrackerRMSScopes = []string{"User.Read", "offline_access", "Calendars.ReadWrite", "Mail.Send"}

// App is an application registration known to the simulated cloud (in its home
// tenant). A tenant holds a service principal for it only after consent or
// POST /servicePrincipals (ENTRA.md A5).
type App struct {
	AppID             string
	DisplayName       string
	PublisherName     string
	VerifiedPublisher *entra.VerifiedPublisher // nil when unverified
	OwnerTenantID     string
	ReplyURLs         []string
	// PublicClient apps may redirect to any loopback URL (MSAL's http://localhost:PORT).
	PublicClient bool
	// RequiredScopes and RequiredAppRoles are the Microsoft Graph permissions the
	// registration lists (requiredResourceAccess): what v1 adminconsent grants (ENTRA.md C1).
	RequiredScopes   []string
	RequiredAppRoles []string
	// Scopes and AppRoles are what the app exposes as a resource (Microsoft Graph).
	Scopes   []entra.PermissionScope
	AppRoles []entra.AppRole
}

func (a *App) verified() bool {
	return a.VerifiedPublisher != nil && a.VerifiedPublisher.VerifiedPublisherID != ""
}

// catalog holds the app registrations of the whole simulated cloud.
type catalog struct {
	mu   sync.RWMutex
	apps map[string]*App // by lower-case appId
}

func (c *catalog) get(appID string) *App {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.apps[strings.ToLower(appID)]
}

func (c *catalog) put(a *App) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apps[strings.ToLower(a.AppID)] = a
}

func scope(id, value, typ, name string) entra.PermissionScope {
	return entra.PermissionScope{ID: id, Value: value, Type: typ, IsEnabled: true,
		AdminConsentDisplayName: name, UserConsentDisplayName: name}
}

// graphScopes is a realistic subset of Microsoft Graph's delegated permissions.
// The ids are Microsoft's published permission ids (ENTRA.md A5: type "User" or
// "Admin"; "Admin" always needs admin consent).
func graphScopes() []entra.PermissionScope {
	return []entra.PermissionScope{
		scope("e1fc6d67-4ba1-4e2e-8f15-2a4a3c7d1d5b", "User.Read", "User", "Sign in and read user profile"),
		scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", "User", "Sign users in"),
		scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", "User", "View users' basic profile"),
		scope("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "User", "View users' email address"),
		scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "User", "Maintain access to data you have given it access to"),
		scope("b340eb25-3456-403f-be2f-af7a0d370277", "User.ReadBasic.All", "User", "Read all users' basic profiles"),
		scope("465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", "Calendars.Read", "User", "Read user calendars"),
		scope("1ec239c2-d7c9-4623-a91a-a9775856bb36", "Calendars.ReadWrite", "User", "Have full access to user calendars"),
		scope("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", "User", "Read user mail"),
		scope("a4b8392a-d8d1-4954-a029-8e668a39a170", "Mail.ReadBasic", "User", "Read user basic mail"),
		scope("024d486e-b451-40bb-833d-3e66d98c5c73", "Mail.ReadWrite", "User", "Read and write access to user mail"),
		scope("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", "User", "Send mail as a user"),
		scope("ff74d97f-43af-4b68-9f2a-b77ee6968c5d", "Contacts.Read", "User", "Read user contacts"),
		scope("d56682ec-c09e-4743-aaf4-1a3aac4caa21", "Contacts.ReadWrite", "User", "Have full access to user contacts"),
		scope("ba47897c-39ec-4d83-8086-ee8256fa737d", "People.Read", "User", "Read users' relevant people lists"),
		scope("2219042f-cab5-40cc-b0d2-16b1540b4c5f", "Tasks.ReadWrite", "User", "Create, read, update, and delete user's tasks and task lists"),
		scope("f501c180-9344-439a-bca0-6cbf209fd270", "Chat.Read", "User", "Read user chat messages"),
		scope("9be106e1-f4e3-4df5-bdff-e4bc531cbe43", "OnlineMeetings.Read", "User", "Read user's online meetings"),
		scope("ff91d191-45a0-43fd-b837-bd682c4a0b0f", "EAS.AccessAsUser.All", "User", "Access mailboxes via Exchange ActiveSync"),
		scope("df85f4d6-205c-4ac5-a5ea-6bf408dba283", "Files.Read.All", "User", "Read all files that user can access"),
		scope("863451e7-0667-486c-a5d6-d135439485f0", "Files.ReadWrite.All", "User", "Have full access to all files user can access"),
		scope("205e70e5-aba6-4c52-a976-6d2d46c48043", "Sites.Read.All", "User", "Read items in all site collections"),
		scope("89fe6a52-be36-487e-b7d8-d061c450a026", "Sites.ReadWrite.All", "User", "Edit or delete items in all site collections"),
		scope("4908d5b9-3fb2-4b1e-9336-1888b7937185", "Organization.Read.All", "Admin", "Read organization information"),
		scope("06da0dbc-49e2-44d2-8312-53f166ab848a", "Directory.Read.All", "Admin", "Read directory data"),
		scope("c5366453-9fb0-48a5-a156-24f0c49a4b84", "Directory.ReadWrite.All", "Admin", "Read and write directory data"),
		scope("a154be20-db9c-4678-8ab7-66f6cc099a59", "User.Read.All", "Admin", "Read all users' full profiles"),
		scope("5f8c59db-677d-491f-a6b8-5f174b11ec1d", "Group.Read.All", "Admin", "Read all groups"),
		scope("bc024368-1153-4739-b217-4326f2e966d0", "GroupMember.Read.All", "Admin", "Read group memberships"),
		scope("572fea84-0151-49b2-9301-11cb16974376", "Policy.Read.All", "Admin", "Read your organization's policies"),
		scope("414de6ea-2d92-462f-b120-6e2a809a6d01", "Policy.Read.PermissionGrant", "Admin", "Read consent and permission grant policies"),
		scope("edd3c878-b384-41fd-95ad-e7407dd775be", "Policy.ReadWrite.Authorization", "Admin", "Read and write your organization's authorization policy"),
		scope("4d135e65-66b8-41a8-9f8b-081452c91774", "Policy.ReadWrite.ConsentRequest", "Admin", "Read and write your organization's consent request policy"),
		scope("2672f8bb-fd5e-42e0-85e1-ec764dd2614e", "Policy.ReadWrite.PermissionGrant", "Admin", "Manage consent and permission grant policies"),
		scope("f3bfad56-966e-4590-a536-82ecf548ac1e", "ConsentRequest.Read.All", "Admin", "Read consent requests"),
		scope("497d9dfa-3bd1-481a-baab-90895e54568c", "ConsentRequest.ReadWrite.All", "Admin", "Read and write consent requests"),
		scope("c79f8feb-a9db-4090-85f9-90d820caa0eb", "Application.Read.All", "Admin", "Read applications"),
		scope("bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", "Admin", "Read and write all applications"),
		scope("a197cdc4-a8e7-4d49-9d25-6b4ef0d6e7e5", "DelegatedPermissionGrant.Read.All", "Admin", "Read delegated permission grants"),
		scope("41ce6ca6-6826-4807-84f1-1c82854f7ee5", "DelegatedPermissionGrant.ReadWrite.All", "Admin", "Manage all delegated permission grants"),
		scope("84bccea3-f856-4a8a-967b-dbe0a3d53a64", "AppRoleAssignment.ReadWrite.All", "Admin", "Manage app permission grants and app role assignments"),
	}
}

func appRole(id, value, name string) entra.AppRole {
	return entra.AppRole{ID: id, Value: value, DisplayName: name, AllowedMemberTypes: []string{"Application"}, IsEnabled: true}
}

// graphAppRoles is a subset of Microsoft Graph's application permissions.
func graphAppRoles() []entra.AppRole {
	return []entra.AppRole{
		appRole("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"),
		appRole("810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes"),
		appRole("b633e1c5-b582-4048-a93e-9f11b44c7e96", "Mail.Send", "Send mail as any user"),
		appRole("ef54d2bf-783f-4e0f-bca1-3210c0444d99", "Calendars.ReadWrite", "Read and write calendars in all mailboxes"),
		appRole("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"),
		appRole("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"),
	}
}

// managedExcludedScopes are the Graph scopes microsoft-user-default-recommended
// excludes (ENTRA.md B4: Files/Sites since MC1097272, mail/calendar/chat since
// MC1163922, contacts/people/tasks in 2026). The full Microsoft list is
// UNVERIFIED; these are the members the sources name that Graph's SP here exposes.
var managedExcludedScopes = []string{
	"Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All",
	"Mail.Read", "Mail.ReadBasic", "Mail.ReadWrite", "Mail.Send",
	"Calendars.Read", "Calendars.ReadWrite", "Chat.Read", "OnlineMeetings.Read", "EAS.AccessAsUser.All",
	"Contacts.ReadWrite", "People.Read", "Tasks.ReadWrite",
}

// mailClientAppIDs are the apps of the mail-client policy (ENTRA.md B4):
// Android-Mail and Thunderbird.
var mailClientAppIDs = []string{"2cee05de-2b8f-45a2-8289-2a06ca32c4c8", "9e5f94bc-e8a4-4e73-b8be-63364c29d753"}

func newCatalog() *catalog {
	c := &catalog{apps: map[string]*App{}}
	c.put(&App{
		AppID: entra.MicrosoftGraphAppID, DisplayName: "Microsoft Graph", PublisherName: "Microsoft Services",
		OwnerTenantID: MicrosoftTenantID, Scopes: graphScopes(), AppRoles: graphAppRoles(),
	})
	c.put(&App{
		AppID: TrackerRMSAppID, DisplayName: "TrackerRMS", PublisherName: "Tracker Systems Ltd",
		VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Tracker Systems Ltd", VerifiedPublisherID: "6012345", AddedDateTime: "2021-03-04T10:00:00Z"},
		OwnerTenantID:     trackerTenantID, ReplyURLs: append([]string(nil), trackerReplyURLs...),
		RequiredScopes: append([]string(nil), TrackerRMSScopes...),
	})
	c.put(&App{
		AppID: ArchiverAppID, DisplayName: "Fabrikam Mail Archiver", PublisherName: "Fabrikam",
		VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Fabrikam", VerifiedPublisherID: "6098765", AddedDateTime: "2022-01-10T10:00:00Z"},
		OwnerTenantID:     archiverTenantID, ReplyURLs: []string{"https://archiver.fabrikam.example/consent"},
		RequiredScopes: []string{"User.Read"}, RequiredAppRoles: []string{"Mail.Read"},
	})
	// ENTRA.md F: Microsoft Graph Command Line Tools shows as unverified.
	c.put(&App{
		AppID: entra.DefaultClientID, DisplayName: "Microsoft Graph Command Line Tools", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, RequiredScopes: []string{"User.Read"},
	})
	c.put(&App{
		AppID: AzureCLIClientID, DisplayName: "Microsoft Azure CLI", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, RequiredScopes: []string{"User.Read"},
	})
	c.put(&App{
		AppID: GraphExplorerClientID, DisplayName: "Graph Explorer", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, RequiredScopes: []string{"User.Read"},
	})
	for _, id := range mailClientAppIDs {
		c.put(&App{AppID: id, DisplayName: "Mail client " + id[:8], PublisherName: "Mail client vendor",
			OwnerTenantID: "00000000-0000-0000-0000-0000000000aa", PublicClient: true, RequiredScopes: []string{"Mail.ReadWrite", "offline_access"}})
	}
	return c
}

// RegisterApp adds an application registration to the simulated cloud (for
// example another vendor's app, or a different CLI client id).
func (s *Server) RegisterApp(a App) {
	cp := a
	s.catalog.put(&cp)
}

// spFromApp builds the service principal a tenant gets for an app.
func spFromApp(a *App, id string) *entra.ServicePrincipal {
	on := true
	sp := &entra.ServicePrincipal{
		ID: id, AppID: a.AppID, DisplayName: a.DisplayName, AccountEnabled: &on,
		PublisherName: a.PublisherName, AppOwnerOrganizationID: a.OwnerTenantID,
		ReplyURLs: append([]string(nil), a.ReplyURLs...), ServicePrincipalType: "Application",
		SignInAudience: "AzureADMultipleOrgs",
		// ENTRA.md A5: SPs carry their app's exposed scopes and roles.
		OAuth2PermissionScopes: append([]entra.PermissionScope(nil), a.Scopes...),
		AppRoles:               append([]entra.AppRole(nil), a.AppRoles...),
	}
	if a.VerifiedPublisher != nil {
		vp := *a.VerifiedPublisher
		sp.VerifiedPublisher = &vp
	} else {
		// Graph returns an empty verifiedPublisher object for unverified apps.
		sp.VerifiedPublisher = &entra.VerifiedPublisher{}
	}
	return sp
}
