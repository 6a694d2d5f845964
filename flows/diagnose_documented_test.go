package flows

import (
	"strings"
	"testing"

	"consentwiz/graph/entra"
)

// The diagnosis follows Microsoft's documented behaviour (docs/entra.md 0):
// the managed policy's excludes on every resource, the mail-client policy,
// custom policies, the basic sign-in permissions under '-low', apps that
// force a prompt, admin consent that replaces the grant, and verdicts that
// say unknown when what they need could not be read.

const (
	tExoSP  = "66666666-6666-6666-6666-666666666666"
	idIMAP  = "652390e4-393a-48de-9484-05f9b1212954"
	idEWS   = "9769c687-087d-48ac-9cb3-c37dde652038"
	idSMTP  = "258f6531-6087-4cc4-bb90-092c5fb3ed3f"
	imap    = "https://outlook.office.com/IMAP.AccessAsUser.All"
	smtp    = "https://outlook.office.com/SMTP.Send"
	managed = "ManagePermissionGrantsForSelf.microsoft-user-default-recommended"
	mailPol = "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps"
)

// exoSP is Office 365 Exchange Online's service principal in the tenant.
func exoSP() entra.ServicePrincipal {
	return entra.ServicePrincipal{ID: tExoSP, AppID: entra.ExchangeOnlineAppID, DisplayName: "Office 365 Exchange Online",
		OAuth2PermissionScopes: []entra.PermissionScope{
			{ID: idIMAP, Value: "IMAP.AccessAsUser.All", Type: "User", IsEnabled: true},
			{ID: idEWS, Value: "EWS.AccessAsUser.All", Type: "User", IsEnabled: true},
			{ID: idSMTP, Value: "SMTP.Send", Type: "User", IsEnabled: true},
		}}
}

// withExchange is lockedDown with Exchange Online read and excluded by the
// managed policy as documented (IMAP, EWS; not SMTP.Send).
func withExchange() *entra.TenantSnapshot {
	s := lockedDown()
	s.App = appSP(true)
	s.ResourceSPs = []entra.ServicePrincipal{exoSP()}
	s.ManagedExcludes = append(s.ManagedExcludes, entra.PermissionGrantConditionSet{ID: "x3", PermissionType: "delegated",
		ResourceApplication: entra.ExchangeOnlineAppID, Permissions: []string{idIMAP, idEWS}})
	return s
}

func mailApp(scopes []string, other ...string) func(*testing.T) AppRef {
	return func(*testing.T) AppRef {
		a := withScopes(scopes...)
		a.OtherScopes = other
		return a
	}
}

func prompted(prompt string, link bool) func(*testing.T) AppRef {
	return func(t *testing.T) AppRef {
		a := tracker(t)
		a.Prompt, a.PromptLink = prompt, link
		return a
	}
}

func fullyGranted() *entra.TenantSnapshot {
	s := lockedDown()
	s.App = appSP(true)
	s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read offline_access Calendars.ReadWrite Mail.Send")}
	return s
}

func documentedCases() []diagCase {
	notViable := map[FixID]bool{FixAdminLink: false, FixRelaxUserConsent: false, FixRequestWorkflow: false, FixGrantDirect: false, FixClassifyLow: false}
	return []diagCase{
		{
			// Review entra-fidelity 2.5: "Let Microsoft manage" excludes
			// IMAP/EWS/POP/EAS on Office 365 Exchange Online.
			name: "Exchange Online scopes: relaxing user consent cannot help",
			snap: withExchange, app: mailApp([]string{"User.Read", "offline_access"}, imap),
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingOtherResources: SeverityInfo, FindingManagedPolicy: SeverityInfo},
			viable:   map[FixID]bool{FixRelaxUserConsent: false, FixAdminLink: true, FixClassifyLow: false, FixGrantDirect: false},
			reasons: map[FixID]string{FixRelaxUserConsent: "cannot help: " + imap + " is excluded by the Microsoft-managed policy",
				FixClassifyLow: "classifies Microsoft Graph permissions only"},
			check: func(t *testing.T, d Diagnosis) {
				if !containsFold(d.Scopes.BlockedByManagedPolicy, imap) || !containsFold(d.Scopes.Missing, imap) || d.UserCode != 90093 {
					t.Errorf("scopes %+v code %d", d.Scopes, d.UserCode)
				}
			},
		},
		{
			name:   "Exchange Online scopes under the managed policy: blocked",
			snap:   func() *entra.TenantSnapshot { s := withExchange(); setConsent(s, managed); return s },
			app:    mailApp([]string{"User.Read"}, imap),
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			findings: map[string]Severity{FindingManagedPolicy: SeverityBlocker, FindingUserConsent: SeverityWarning},
			viable:   map[FixID]bool{FixRelaxUserConsent: false},
			check: func(t *testing.T, d Diagnosis) {
				if d.UserCode != 90094 || d.Verdict != VerdictBlocked || !strings.Contains(d.Text(), "(AADSTS90094)") {
					t.Errorf("code %d verdict %s", d.UserCode, d.Verdict)
				}
			},
		},
		{
			// SMTP.Send is not in the documented list: users may consent.
			name:   "Exchange Online scope the managed policy does not exclude",
			snap:   func() *entra.TenantSnapshot { s := withExchange(); setConsent(s, managed); return s },
			app:    mailApp([]string{"User.Read"}, smtp),
			screen: ScreenConsentPrompt, blocked: false,
			check: func(t *testing.T, d Diagnosis) {
				if d.Verdict != VerdictOK || len(d.Scopes.BlockedByManagedPolicy) != 0 {
					t.Errorf("verdict %s blocked %v", d.Verdict, d.Scopes.BlockedByManagedPolicy)
				}
			},
		},
		{
			// An API whose permissions could not be read: unknown, not "allowed".
			name: "Exchange Online's permissions unreadable under the managed policy",
			snap: func() *entra.TenantSnapshot {
				s := withExchange()
				setConsent(s, managed)
				s.ResourceSPs = nil
				s.Errors = map[string]*entra.APIError{entra.PartResourceSP(entra.ExchangeOnlineAppID): {Status: 403}}
				return s
			},
			app:    mailApp([]string{"User.Read"}, imap),
			screen: ScreenUnknown, blocked: false, recommended: "", whyHas: "Office 365 Exchange Online's permissions",
			viable:  map[FixID]bool{FixRelaxUserConsent: false},
			reasons: map[FixID]string{FixRelaxUserConsent: "unknown"},
			check: func(t *testing.T, d Diagnosis) {
				if d.Verdict != VerdictUnknown || len(d.Undecided) != 1 {
					t.Errorf("verdict %s undecided %v", d.Verdict, d.Undecided)
				}
			},
		},
		{
			// The mail-client policy lets users consent for the six mail apps (docs/entra.md B4).
			name: "mail-client policy: a listed mail app",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.App.AppID = idThunderbird
				setConsent(s, managed, mailPol)
				return s
			},
			app: func(*testing.T) AppRef {
				return AppRef{ClientID: idThunderbird, Scopes: []string{"User.Read", "Calendars.ReadWrite"}}
			},
			screen: ScreenConsentPrompt, blocked: false,
			findings: map[string]Severity{FindingUserConsent: SeverityOK},
		},
		{
			name: "mail-client policy unreadable, for an app the managed policy blocks",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, managed, mailPol)
				s.PolicySets = nil
				s.Errors = map[string]*entra.APIError{entra.PartPolicyIncludes(entra.PolicyMailClients): {Status: 403}}
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Calendars.ReadWrite") },
			screen: ScreenUnknown, blocked: false, whyHas: "mail-client consent policy",
		},
		{
			// A user needs one assigned policy to allow the consent (docs/entra.md A2).
			name: "custom policy that allows the app",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.contoso-tracker")
				s.PolicySets = append(s.PolicySets, entra.ConsentPolicySets{PolicyID: "contoso-tracker", IncludesRead: true, ExcludesRead: true,
					Includes: []entra.PermissionGrantConditionSet{{PermissionType: "delegated", ResourceApplication: "any", Permissions: []string{"all"},
						ClientApplicationIDs: []string{tClient}}},
					Excludes: []entra.PermissionGrantConditionSet{{PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{idFiles}}}})
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenConsentPrompt, blocked: false,
			findings: map[string]Severity{FindingUserConsent: SeverityOK},
		},
		{
			name: "custom policy whose excludes stop a permission",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.contoso-tracker")
				s.PolicySets = append(s.PolicySets, entra.ConsentPolicySets{PolicyID: "contoso-tracker", IncludesRead: true, ExcludesRead: true,
					Includes: []entra.PermissionGrantConditionSet{{PermissionType: "delegated", ResourceApplication: "any", Permissions: []string{"all"},
						ClientApplicationIDs: []string{tClient}}},
					Excludes: []entra.PermissionGrantConditionSet{{PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{idFiles}}}})
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Files.Read.All") },
			screen: ScreenNeedAdminApproval, blocked: true,
			check: func(t *testing.T, d Diagnosis) {
				if !strings.Contains(findingDetail(d, FindingUserConsent), "does not allow Files.Read.All") &&
					!strings.Contains(findingDetail(d, FindingUserConsent), "allows Files.Read.All") {
					t.Errorf("user-consent finding: %s", findingDetail(d, FindingUserConsent))
				}
			},
		},
		{
			name: "custom policy unreadable",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.contoso-tracker")
				s.Errors = map[string]*entra.APIError{entra.PartPolicyIncludes("contoso-tracker"): {Status: 403},
					entra.PartPolicyExcludes("contoso-tracker"): {Status: 403}}
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read") },
			screen: ScreenUnknown, blocked: false, whyHas: "consent policy contoso-tracker",
		},
		{
			// '-low' needs openid, profile, email and offline_access classified too (docs/entra.md A5, B3).
			name: "-low: a basic sign-in permission is not classified",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				s.Classifications = []entra.DelegatedPermissionClassification{
					{PermissionID: idUser, PermissionName: "User.Read", Classification: "low"},
					{PermissionID: idMail, PermissionName: "Mail.Send", Classification: "low"},
				}
				s.MyRoles = roles(entra.RoleCloudApplicationAdmin)
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenNeedAdminApproval, blocked: true,
			findings: map[string]Severity{FindingClassifications: SeverityWarning, FindingUserConsent: SeverityWarning},
			viable:   map[FixID]bool{FixClassifyLow: true},
			reasons:  map[FixID]string{FixClassifyLow: "classify offline_access as low impact"},
		},
		{
			// Nothing ties the managed policy's excludes to '-low' (review entra-fidelity 2.10).
			name: "classify-low: Calendars.ReadWrite can be classified",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-low")
				s.MyRoles = roles(entra.RoleCloudApplicationAdmin)
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("Calendars.ReadWrite") },
			screen: ScreenNeedAdminApproval, blocked: true,
			viable:  map[FixID]bool{FixClassifyLow: true},
			reasons: map[FixID]string{FixClassifyLow: "lowers the bar tenant-wide, for every verified app asking for them"},
			check: func(t *testing.T, d Diagnosis) {
				if f, _ := d.Fix(FixClassifyLow); strings.Contains(f.Reason, "does not treat") {
					t.Errorf("invented reason: %s", f.Reason)
				}
			},
		},
		{
			// troubleshoot-consent-issues.md step 7: only the vendor removing prompt helps.
			name: "prompt=consent with everything granted: only the vendor can fix it",
			snap: fullyGranted, app: prompted("consent", false),
			screen: ScreenNeedAdminApproval, blocked: true, recommended: "", whyHas: "Only the vendor can fix this",
			findings: map[string]Severity{FindingPrompt: SeverityBlocker},
			viable:   notViable,
			reasons:  map[FixID]string{FixAdminLink: "only the vendor can fix it", FixGrantDirect: "only the vendor can fix it"},
		},
		{
			name: "prompt=admin_consent with everything granted: only the vendor can fix it",
			snap: fullyGranted, app: prompted("admin_consent", false),
			screen: ScreenNeedAdminApproval, blocked: true, recommended: "", whyHas: "Only the vendor can fix this",
			viable: notViable,
		},
		{
			// A published admin consent link carries prompt=admin_consent on purpose.
			name: "an admin consent link's prompt forces nothing",
			snap: fullyGranted, app: prompted("admin_consent", true),
			screen: ScreenNone, blocked: false, whyHas: "Nothing to fix",
			noFindings: []string{FindingPrompt},
		},
		{
			// Admin consent replaces the tenant-wide grant (docs/entra.md A6):
			// a v1 link may drop User.Read, granted earlier.
			name: "a v1 link may drop permissions granted earlier: grant-direct first",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				return s
			},
			app:    func(*testing.T) AppRef { return withScopes("User.Read", "Mail.Send") },
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixGrantDirect, whyHas: "may remove User.Read",
			viable:  map[FixID]bool{FixAdminLink: true, FixGrantDirect: true},
			reasons: map[FixID]string{FixAdminLink: "may remove User.Read"},
			check: func(t *testing.T, d Diagnosis) {
				if strings.Join(d.Scopes.MayDropWithV1Link, " ") != "User.Read" {
					t.Errorf("mayDropWithV1Link %v", d.Scopes.MayDropWithV1Link)
				}
			},
		},
		{
			// With the app's redirect URI the link is v2.0 with the permissions listed: nothing dropped.
			name: "a v2 link lists the permissions: the admin consent link again",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.App = appSP(true)
				s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
				return s
			},
			app: func(*testing.T) AppRef {
				a := withScopes("User.Read", "Mail.Send")
				a.RedirectURIs = []string{"https://app.example.com/callback"}
				return a
			},
			screen: ScreenNeedAdminApproval, blocked: true, recommended: FixAdminLink,
			check: func(t *testing.T, d Diagnosis) {
				if len(d.Scopes.MayDropWithV1Link) != 0 {
					t.Errorf("mayDropWithV1Link %v", d.Scopes.MayDropWithV1Link)
				}
			},
		},
		{
			// A user with no role reads nothing that decides: unknown, not blocked.
			name: "no role: unknown, with who could read it",
			snap: func() *entra.TenantSnapshot {
				s := lockedDown()
				s.MyRoles = nil
				s.GraphSP, s.ManagedExcludes, s.PolicySets = entra.ServicePrincipal{}, nil, nil
				s.Errors = map[string]*entra.APIError{}
				for _, p := range []string{entra.PartAuthorization, entra.PartConsentRequest, entra.PartApp, entra.PartAppGrants, entra.PartAppUserGrants,
					entra.PartAppRoles, entra.PartGraphSP, entra.PartClassifications, entra.PartManagedExcludes, entra.PartPendingRequests} {
					s.Errors[p] = &entra.APIError{Status: 403, Code: "Authorization_RequestDenied"}
				}
				return s
			},
			app:    tracker,
			screen: ScreenUnknown, blocked: false, recommended: "", whyHas: "a Global Reader",
			check: func(t *testing.T, d Diagnosis) {
				if d.Verdict != VerdictUnknown || !strings.Contains(d.Text(), "Users see: could not tell") || strings.Contains(d.Text(), "BLOCKED") {
					t.Errorf("verdict %s:\n%s", d.Verdict, d.Text())
				}
				if o, why := OutcomeOf(d, nil); o != TenantUnknown || !strings.Contains(why, "authorizationPolicy") {
					t.Errorf("OutcomeOf %s %q", o, why)
				}
			},
		},
	}
}

func findingDetail(d Diagnosis, id string) string {
	for _, f := range d.Findings {
		if f.ID == id {
			return f.Detail
		}
	}
	return ""
}

func TestDiagnoseDocumented(t *testing.T) { runDiagCases(t, documentedCases()) }

// Locked-down users see AADSTS90093 (user consent off), as the simulated
// cloud says; the Microsoft-managed policy's block is AADSTS90094.
func TestScreenCodes(t *testing.T) {
	d := Diagnose(lockedDown(), withScopes("User.Read"))
	if d.UserCode != 90093 || d.ScreenText() != `"Need admin approval" (AADSTS90093)` || d.Verdict != VerdictBlocked {
		t.Errorf("locked-down: %d %s %s", d.UserCode, d.ScreenText(), d.Verdict)
	}
	s := lockedDown()
	setConsent(s, managed)
	if d := Diagnose(s, withScopes("Calendars.ReadWrite")); d.UserCode != 90094 {
		t.Errorf("managed: %d", d.UserCode)
	}
	if PortalNameLegacy != "Allow user consent for apps" {
		t.Errorf("legacy label %q", PortalNameLegacy)
	}
}

// The wizard's admin consent link is the v2.0 one with the permissions
// listed when a v1 link may drop permissions granted earlier and a redirect
// URI of the app is known (docs/entra.md A6, C1).
func TestAdminLinkAvoidsDroppingGrants(t *testing.T) {
	s := lockedDown()
	s.App = appSP(true)
	s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read")}
	app := withScopes("User.Read", "Mail.Send")
	app.RedirectURIs = []string{"https://app.example.com/callback"}
	d := Diagnose(s, app)
	st := State{Journey: Journey{App: app, Tenant: TenantInfo{ID: tTenant, Cloud: entra.Clouds["global"]}, Diagnosis: &d, Nonce: "n"}}
	if u := adminLink(st); !strings.Contains(u, "/v2.0/adminconsent?") || !strings.Contains(u, "User.Read") || !strings.Contains(u, "Mail.Send") {
		t.Errorf("link %s, want v2.0 with both permissions", u)
	}
	// Nothing granted yet: the plain v1 link.
	d = Diagnose(lockedDown(), app)
	st.Diagnosis = &d
	if u := adminLink(st); strings.Contains(u, "/v2.0/") {
		t.Errorf("link %s, want v1", u)
	}
}
