package sim

import (
	"consentwiz/assets"
	"consentwiz/graph/entra"
	"strings"
	"sync"
)

// Well-known ids the simulated cloud uses.
const (
	// TrackerRMSAppID is the third-party app of every scenario.
	TrackerRMSAppID = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	// TimesheetsAppID is Northwind Timesheets, a second third-party app that
	// asks only for permissions users may consent to (the demo offers it, and
	// the low-impact scenario has it in the tenant).
	TimesheetsAppID = "0f4b6c1e-7d2a-4e8b-9c3f-5a6d7e8f9a0b"
	// ArchiverAppID is a daemon app that asks for a Graph application permission
	// (Mail.Read app role); it exercises docs/entra.md A7 (app roles need PRA/GA).
	ArchiverAppID = "7d3f2b9e-5c41-4a8e-9f0d-2b6c8e1a4f57"
	// MicrosoftTenantID owns Microsoft's first-party apps.
	MicrosoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
	trackerTenantID   = "3c1f0e7a-6b2d-4f59-8a14-0d9e7c5b2a61"
	archiverTenantID  = "a9e4c2d1-0b7f-4e36-95a8-61d3f0c7b2e4"
	// AzureCLIClientID and GraphExplorerClientID are accepted as public clients too (docs/entra.md F).
	AzureCLIClientID      = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	GraphExplorerClientID = "de8bc8b5-d9f9-48b1-a8ad-b748da725064"
	// DefaultAppRoleID is the default app role used to assign users to an app (docs/entra.md A6).
	DefaultAppRoleID = "00000000-0000-0000-0000-000000000000"
	// ExchangeOnlineAppID is the Office 365 Exchange Online resource application
	// (manage-app-consent-policies.md names its permissions apart from Graph's).
	ExchangeOnlineAppID = "00000002-0000-0ff1-ce00-000000000000"
	// LitwarePlannerAppID is a newly registered app of an unverified
	// publisher that users try in the sign-in history (signinlog.go).
	LitwarePlannerAppID = "c7e2a915-4d08-4b6f-a3c1-9e58d0f27b64"
	litwareTenantID     = "5b0c9e21-8f3a-47d6-b2e4-13a7c6d9f085"
	// ThunderbirdAppID is one of the mail clients of the mail-client policy
	// (manage-app-consent-policies.md, "Mail client policy").
	ThunderbirdAppID = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
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
// POST /servicePrincipals (docs/entra.md A5).
type App struct {
	AppID             string
	DisplayName       string
	PublisherName     string
	VerifiedPublisher *entra.VerifiedPublisher // nil when unverified
	OwnerTenantID     string
	ReplyURLs         []string
	// PublicClient apps may redirect to any loopback URL (MSAL's http://localhost:PORT).
	PublicClient bool
	// RequiredScopes and RequiredAppRoles are the permissions the registration
	// lists (requiredResourceAccess): what v1 adminconsent grants (docs/entra.md C1).
	// Microsoft Graph scopes are short ("Mail.Send"); another resource's carry
	// its identifier URI ("https://outlook.office.com/IMAP.AccessAsUser.All").
	RequiredScopes   []string
	RequiredAppRoles []string
	// Scopes and AppRoles are what the app exposes as a resource API;
	// IdentifierURIs name it in scope strings (its first is the canonical one).
	Scopes         []entra.PermissionScope
	AppRoles       []entra.AppRole
	IdentifierURIs []string
	// Established apps are not "newly registered": risk-based step-up consent
	// targets newly registered unverified apps (configure-risk-based-step-up-consent.md).
	Established bool
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

// resources returns the apps that expose permissions (Microsoft Graph, Exchange Online, …).
func (c *catalog) resources() []*App {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*App
	for _, a := range c.apps {
		if len(a.IdentifierURIs) > 0 {
			out = append(out, a)
		}
	}
	return out
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
// The ids are Microsoft's published permission ids (docs/entra.md A5: type "User" or
// "Admin"; "Admin" always needs admin consent).
func graphScopes() []entra.PermissionScope {
	return []entra.PermissionScope{
		scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "User", "Sign in and read user profile"),
		scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", "User", "Sign users in"),
		scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", "User", "View users' basic profile"),
		scope("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "User", "View users' email address"),
		scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "User", "Maintain access to data you have given it access to"),
		scope("b340eb25-3456-403f-be2f-af7a0d370277", "User.ReadBasic.All", "User", "Read all users' basic profiles"),
		scope("465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", "Calendars.Read", "User", "Read user calendars"),
		scope("662d75ba-a364-42ad-adee-f5f880ea4878", "Calendars.ReadBasic", "User", "Read basic details of user calendars"),
		scope("1ec239c2-d7c9-4623-a91a-a9775856bb36", "Calendars.ReadWrite", "User", "Have full access to user calendars"),
		scope("2b9c4092-424d-4249-948d-b43879977640", "Calendars.Read.Shared", "User", "Read user and shared calendars"),
		scope("12466101-c9b8-439a-8589-dd09ee67e8e9", "Calendars.ReadWrite.Shared", "User", "Read and write user and shared calendars"),
		scope("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", "User", "Read user mail"),
		scope("a4b8392a-d8d1-4954-a029-8e668a39a170", "Mail.ReadBasic", "User", "Read user basic mail"),
		scope("024d486e-b451-40bb-833d-3e66d98c5c73", "Mail.ReadWrite", "User", "Read and write access to user mail"),
		scope("7b9103a5-4610-446b-9670-80643382c1fa", "Mail.Read.Shared", "User", "Read user and shared mail"),
		scope("b11fa0e7-fdb7-4dc9-b1f1-59facd463480", "Mail.ReadBasic.Shared", "User", "Read user and shared basic mail"),
		scope("5df07973-7d5d-46ed-9847-1271055cbd51", "Mail.ReadWrite.Shared", "User", "Read and write user and shared mail"),
		scope("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", "User", "Send mail as a user"),
		scope("82305458-296d-4edd-8b0b-74dd74c34526", "MailboxItem.Read", "User", "Read a user's mailbox items"),
		scope("52dc2051-4958-4636-8f2a-281d39c6981c", "MailboxFolder.Read", "User", "Read a user's mailbox folders"),
		scope("077fde41-7e0b-4c5b-bcd1-e9d743a30c80", "MailboxFolder.ReadWrite", "User", "Read and write a user's mailbox folders"),
		scope("87f447af-9fa4-4c32-9dfa-4a57a73d18ce", "MailboxSettings.Read", "User", "Read user mailbox settings"),
		scope("818c620a-27a9-40bd-a6a5-d96f7d610b4b", "MailboxSettings.ReadWrite", "User", "Read and write user mailbox settings"),
		scope("ff74d97f-43af-4b68-9f2a-b77ee6968c5d", "Contacts.Read", "User", "Read user contacts"),
		scope("d56682ec-c09e-4743-aaf4-1a3aac4caa21", "Contacts.ReadWrite", "User", "Have full access to user contacts"),
		scope("242b9d9e-ed24-4d09-9a52-f43769beb9d4", "Contacts.Read.Shared", "User", "Read user and shared contacts"),
		scope("afb6c84b-06be-49af-80bb-8f3f77004eab", "Contacts.ReadWrite.Shared", "User", "Read and write user and shared contacts"),
		scope("ba47897c-39ec-4d83-8086-ee8256fa737d", "People.Read", "User", "Read users' relevant people lists"),
		scope("f45671fb-e0fe-4b4b-be20-3d3ce43f1bcb", "Tasks.Read", "User", "Read user's tasks and task lists"),
		scope("2219042f-cab5-40cc-b0d2-16b1540b4c5f", "Tasks.ReadWrite", "User", "Create, read, update, and delete user's tasks and task lists"),
		scope("88d21fd4-8e5a-4c32-b5e2-4a1c95f34f72", "Tasks.Read.Shared", "User", "Read user and shared tasks"),
		scope("c5ddf11b-c114-4886-8558-8a4e557cd52b", "Tasks.ReadWrite.Shared", "User", "Read and write user and shared tasks"),
		scope("f501c180-9344-439a-bca0-6cbf209fd270", "Chat.Read", "User", "Read user chat messages"),
		scope("9ff7295e-131b-4d94-90e1-69fde507ac11", "Chat.ReadWrite", "User", "Read and write user chat messages"),
		scope("9be106e1-f4e3-4df5-bdff-e4bc531cbe43", "OnlineMeetings.Read", "User", "Read user's online meetings"),
		scope("a65f2972-a4f8-4f5e-afd7-69ccb046d5dc", "OnlineMeetings.ReadWrite", "User", "Read and create user's online meetings"),
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
		// The sign-in logs (signin-list.md; docs/entra.md H).
		scope("e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20", "AuditLog.Read.All", "Admin", "Read audit log data"),
		scope("497d9dfa-3bd1-481a-baab-90895e54568c", "ConsentRequest.ReadWrite.All", "Admin", "Read and write consent requests"),
		scope("c79f8feb-a9db-4090-85f9-90d820caa0eb", "Application.Read.All", "Admin", "Read applications"),
		scope("bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", "Admin", "Read and write all applications"),
		scope("a197cdc4-a8e8-4d49-9d35-4ca7c83887b4", "DelegatedPermissionGrant.Read.All", "Admin", "Read delegated permission grants"),
		scope("41ce6ca6-6826-4807-84f1-1c82854f7ee5", "DelegatedPermissionGrant.ReadWrite.All", "Admin", "Manage all delegated permission grants"),
		scope("84bccea3-f856-4a8a-967b-dbe0a3d53a64", "AppRoleAssignment.ReadWrite.All", "Admin", "Manage app permission grants and app role assignments"),
		// GDAP (docs/entra.md I); admin consent required (permissions reference).
		scope("0c0064ea-477b-4130-82a5-4c2cc4ff68aa", "DelegatedAdminRelationship.Read.All", "Admin", "Read Delegated Admin relationships with customers"),
		scope("885f682f-a990-4bad-a642-36736a74b0c7", "DelegatedAdminRelationship.ReadWrite.All", "Admin", "Manage Delegated Admin relationships with customers"),
	}
}

// exchangeOnlineScopes are delegated permissions of the Office 365 Exchange
// Online resource: the four the Microsoft-managed policy excludes
// (manage-app-consent-policies.md) and SMTP.Send, which it does not. The ids
// are the resource's published scope ids as public tenant dumps list them
// (not in Microsoft's docs).
func exchangeOnlineScopes() []entra.PermissionScope {
	return []entra.PermissionScope{
		scope("266d2589-20b5-4f91-9a03-89247d1be8da", "EAS.AccessAsUser.All", "User", "Access mailboxes via Exchange ActiveSync"),
		scope("3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", "EWS.AccessAsUser.All", "User", "Access mailboxes as the signed-in user via Exchange Web Services"),
		scope("195adc35-e27b-454b-a7ed-1ecdffa1c09f", "IMAP.AccessAsUser.All", "User", "Read and write access to mailboxes via IMAP"),
		scope("fb698133-92fa-453e-a9ed-688e10f2e5ac", "POP.AccessAsUser.All", "User", "Read and write access to mailboxes via POP"),
		scope("76faac2a-0f20-42f1-928a-50de5b9dbe52", "SMTP.Send", "User", "Send emails from mailboxes using SMTP AUTH"),
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

// documented is Microsoft's documented Microsoft-managed policy
// (assets/managed_policy.json): what the managed policy excludes and which
// mail clients the mail-client policy names.
var documented = func() assets.ManagedPolicy {
	m, err := assets.Managed()
	if err != nil {
		panic(err) // embedded data; a test in assets keeps it valid
	}
	return m
}()

// graphIdentifierURIs name Microsoft Graph in scope strings: every national
// cloud's Graph host and its appId (docs/entra.md C3).
var graphIdentifierURIs = []string{"https://graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
	"https://microsoftgraph.chinacloudapi.cn", entra.MicrosoftGraphAppID}

func newCatalog() *catalog {
	c := &catalog{apps: map[string]*App{}}
	c.put(&App{
		AppID: entra.MicrosoftGraphAppID, DisplayName: "Microsoft Graph", PublisherName: "Microsoft Services",
		OwnerTenantID: MicrosoftTenantID, Scopes: graphScopes(), AppRoles: graphAppRoles(),
		IdentifierURIs: graphIdentifierURIs, Established: true,
	})
	c.put(&App{
		AppID: ExchangeOnlineAppID, DisplayName: "Office 365 Exchange Online", PublisherName: "Microsoft Services",
		OwnerTenantID: MicrosoftTenantID, Scopes: exchangeOnlineScopes(), Established: true,
		IdentifierURIs: []string{"https://outlook.office.com", "https://outlook.office365.com", ExchangeOnlineAppID},
	})
	c.put(&App{
		AppID: TrackerRMSAppID, DisplayName: "TrackerRMS", PublisherName: "Tracker Systems Ltd",
		VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Tracker Systems Ltd", VerifiedPublisherID: "6012345", AddedDateTime: "2021-03-04T10:00:00Z"},
		OwnerTenantID:     trackerTenantID, ReplyURLs: append([]string(nil), trackerReplyURLs...),
		RequiredScopes: append([]string(nil), TrackerRMSScopes...),
	})
	t := TimesheetsApp()
	c.put(&t)
	c.put(&App{
		AppID: ArchiverAppID, DisplayName: "Fabrikam Mail Archiver", PublisherName: "Fabrikam",
		VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Fabrikam", VerifiedPublisherID: "6098765", AddedDateTime: "2022-01-10T10:00:00Z"},
		OwnerTenantID:     archiverTenantID, ReplyURLs: []string{"https://archiver.fabrikam.example/consent"},
		RequiredScopes: []string{"User.Read"}, RequiredAppRoles: []string{"Mail.Read"},
	})
	c.put(&App{
		AppID: LitwarePlannerAppID, DisplayName: "Litware Planner", PublisherName: "Litware",
		OwnerTenantID: litwareTenantID, ReplyURLs: []string{"https://planner.litware.example/auth"},
		RequiredScopes: []string{"User.Read", "Tasks.ReadWrite", "Calendars.Read"},
	})
	// docs/entra.md F: Microsoft Graph Command Line Tools shows as unverified.
	c.put(&App{
		AppID: entra.DefaultClientID, DisplayName: "Microsoft Graph Command Line Tools", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, Established: true, RequiredScopes: []string{"User.Read"},
	})
	c.put(&App{
		AppID: AzureCLIClientID, DisplayName: "Microsoft Azure CLI", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, Established: true, RequiredScopes: []string{"User.Read"},
	})
	c.put(&App{
		AppID: GraphExplorerClientID, DisplayName: "Graph Explorer", PublisherName: "Microsoft",
		OwnerTenantID: MicrosoftTenantID, PublicClient: true, Established: true, RequiredScopes: []string{"User.Read"},
	})
	// The mail clients of the mail-client policy: IMAP and SMTP on Exchange
	// Online, as desktop mail apps ask. Their publishers are not modelled
	// (unverified), but they are not newly registered apps.
	for _, m := range documented.MailClients.Apps {
		c.put(&App{AppID: m.AppID, DisplayName: m.Name, PublisherName: m.Name,
			OwnerTenantID: "00000000-0000-0000-0000-0000000000aa", PublicClient: true, Established: true,
			RequiredScopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"}})
	}
	return c
}

// TimesheetsApp is Northwind Timesheets' registration: a verified publisher,
// and only permissions users may consent to (User.Read, offline_access,
// Contacts.Read), none excluded by the Microsoft-managed policy.
func TimesheetsApp() App {
	return App{
		AppID:             TimesheetsAppID,
		DisplayName:       "Northwind Timesheets",
		PublisherName:     "Northwind Traders",
		VerifiedPublisher: &entra.VerifiedPublisher{DisplayName: "Northwind Traders", VerifiedPublisherID: "7034512", AddedDateTime: "2023-05-02T09:00:00Z"},
		OwnerTenantID:     "4a1e2b3c-5d6e-4f70-8192-a3b4c5d6e7f8",
		ReplyURLs:         []string{"https://timesheets.northwind.example/auth/callback"},
		RequiredScopes:    []string{"User.Read", "offline_access", "Contacts.Read"},
	}
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
		// docs/entra.md A5: SPs carry their app's exposed scopes and roles.
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
