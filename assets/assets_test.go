package assets

import (
	"regexp"
	"strings"
	"testing"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// b1Codes are the codes of docs/entra.md B1, plus 900144 and 90002 from its text.
var b1Codes = []int{65001, 90093, 90094, 90095, 900941, 900981, 90008, 650056, 650052, 650057,
	65004, 65005, 50105, 700016, 500011, 65002, 500113, 90099, 900144, 90002}

// issue11Codes are the codes docs/entra.md section 0 lists as missing from
// the catalogue (all in Microsoft's error-code reference).
var issue11Codes = []int{650051, 7000112, 50020, 53003, 50076, 7000218, 50011, 50034, 650053, 90038, 500014}

var validRoutes = map[string]bool{
	"admin-link": true, "relax-user-consent": true, "request-workflow": true, "grant-direct": true,
	"classify-low": true, RouteVendor: true, RouteRetry: true, RouteAssignUsers: true,
}

var validScreens = map[string]bool{"": true, "consent-prompt": true, "need-admin-approval": true,
	"approval-required": true, "not-assigned": true}

func TestCodesComplete(t *testing.T) {
	cs, err := Codes()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, c := range cs {
		if seen[c.Code] {
			t.Errorf("code %d listed twice", c.Code)
		}
		seen[c.Code] = true
		for field, v := range map[string]string{"name": c.Name, "meaning": c.Meaning, "screen": c.Screen,
			"cause": c.Cause, "action": c.Action, "route": c.Route, "source": c.Source} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("code %d: %s is empty", c.Code, field)
			}
		}
		if !validRoutes[c.Route] {
			t.Errorf("code %d: route %q is not a fix id or vendor/retry/assign-users", c.Code, c.Route)
		}
		if !validScreens[c.UserScreen] {
			t.Errorf("code %d: userScreen %q unknown", c.Code, c.UserScreen)
		}
		for _, f := range c.Fixes {
			if !validRoutes[f] || f == RouteVendor || f == RouteRetry || f == RouteAssignUsers {
				t.Errorf("code %d: fixes lists %q, not a fix id", c.Code, f)
			}
		}
		if c.Fixes == nil {
			t.Errorf("code %d: fixes missing (use [] for none)", c.Code)
		}
		if !strings.HasPrefix(c.Source, "https://") {
			t.Errorf("code %d: source %q is not an https URL", c.Code, c.Source)
		}
	}
	for _, n := range b1Codes {
		if !seen[n] {
			t.Errorf("docs/entra.md B1 code %d missing from aadsts.json", n)
		}
		if _, ok := Code(n); !ok {
			t.Errorf("Code(%d) not found", n)
		}
	}
	for _, n := range issue11Codes {
		c, ok := Code(n)
		if !ok {
			t.Errorf("code %d missing from aadsts.json", n)
			continue
		}
		if c.Source != "https://learn.microsoft.com/entra/identity-platform/reference-error-codes" || c.ThirdParty {
			t.Errorf("code %d: source %q, want Microsoft's error-code reference", n, c.Source)
		}
	}
	for _, c := range cs {
		// grant-admin-consent.md does not document 500113 (docs/entra.md section 0)
		if strings.Contains(c.Source, "grant-admin-consent") {
			t.Errorf("code %d cites %s, which does not document it", c.Code, c.Source)
		}
		if !c.ThirdParty && !strings.HasPrefix(c.Source, "https://learn.microsoft.com/") {
			t.Errorf("code %d: source %q is not Microsoft documentation: mark it thirdParty", c.Code, c.Source)
		}
	}
	if _, ok := Code(1); ok {
		t.Error("Code(1) found")
	}
}

func TestProfiles(t *testing.T) {
	ps, err := Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Fatal("no profiles")
	}
	for _, p := range ps {
		if p.Name == "" || !guidRE.MatchString(p.ClientID) || len(p.Scopes) == 0 {
			t.Errorf("profile %q incomplete: %+v", p.Name, p)
		}
		if p.ConsentVersion != "v1" && p.ConsentVersion != "v2" {
			t.Errorf("profile %q: consentVersion %q", p.Name, p.ConsentVersion)
		}
		for region, u := range p.RedirectURIs {
			if !strings.HasPrefix(u, "https://") {
				t.Errorf("profile %q: redirect %s=%q not https", p.Name, region, u)
			}
		}
	}
	p, err := Profile("trackerRMS")
	if err != nil {
		t.Fatal(err)
	}
	if p.ClientID != "5353a3d2-8ca9-42d2-b567-ea399ccb5e38" || p.ConsentVersion != "v1" {
		t.Errorf("trackerrms: %+v", p)
	}
	if p.RedirectURIs["uk"] != "https://ukevo.tracker-rms.com/Office365/CallBack" ||
		p.RedirectURIs["us"] != "https://usevo.tracker-rms.com/Office365/CallBack" {
		t.Errorf("trackerrms redirects: %v", p.RedirectURIs)
	}
	if got := strings.Join(p.Scopes, " "); got != "User.Read offline_access Calendars.ReadWrite Mail.Send" {
		t.Errorf("trackerrms scopes: %s", got)
	}
	if got := p.RedirectURIList(); len(got) != 2 || got[0] != p.RedirectURIs["uk"] {
		t.Errorf("RedirectURIList: %v", got)
	}
	if _, err := Profile("nope"); err == nil || !strings.Contains(err.Error(), "TrackerRMS") {
		t.Errorf("Profile(nope) error: %v", err)
	}
}

// The documented list (manage-app-consent-policies.md, ms.date 01/22/2026):
// 32 Microsoft Graph and 4 Office 365 Exchange Online permissions; Mail.Send,
// Contacts.Read, User.Read and offline_access are not excluded.
func TestManagedPolicy(t *testing.T) {
	m, err := Managed()
	if err != nil {
		t.Fatal(err)
	}
	if m.PolicyID != "microsoft-user-default-recommended" || m.MSDate != "2026-01-22" || m.Checked == "" ||
		!strings.HasPrefix(m.URL, "https://learn.microsoft.com/") || m.Source == "" {
		t.Errorf("metadata: %+v", m)
	}
	graph := m.ExcludedFor("00000003-0000-0000-c000-000000000000")
	exo := m.ExcludedFor("00000002-0000-0FF1-CE00-000000000000")
	if len(graph) != 32 || len(exo) != 4 || len(m.Excluded) != 2 {
		t.Errorf("excluded: %d Graph, %d Exchange Online, %d resources", len(graph), len(exo), len(m.Excluded))
	}
	seen := map[string]bool{}
	for _, p := range graph {
		if seen[strings.ToLower(p)] {
			t.Errorf("%s listed twice", p)
		}
		seen[strings.ToLower(p)] = true
	}
	for _, p := range []string{"Mail.Send", "Contacts.Read", "User.Read", "offline_access"} {
		if seen[strings.ToLower(p)] {
			t.Errorf("%s is not excluded by Microsoft's documented list", p)
		}
	}
	for _, p := range []string{"Calendars.ReadWrite", "Calendars.ReadBasic", "People.Read", "MailboxFolder.Read"} {
		if !seen[strings.ToLower(p)] {
			t.Errorf("%s missing", p)
		}
	}
	if strings.Join(exo, " ") != "EAS.AccessAsUser.All EWS.AccessAsUser.All IMAP.AccessAsUser.All POP.AccessAsUser.All" {
		t.Errorf("Exchange Online: %v", exo)
	}
	mc := m.MailClients
	if mc.PolicyID != "microsoft-user-default-allow-consent-apps" || len(mc.Apps) != 6 {
		t.Errorf("mail clients: %+v", mc)
	}
	for _, a := range mc.Apps {
		if !guidRE.MatchString(a.AppID) || a.Name == "" {
			t.Errorf("mail client %+v", a)
		}
	}
	// A copy: changing it does not change the next caller's.
	m.Excluded[0].Permissions[0] = "x"
	if again, _ := Managed(); again.Excluded[0].Permissions[0] == "x" {
		t.Error("Managed returned shared data")
	}
}

// The two "Need admin approval" screens as Microsoft documents them
// (docs/entra.md B1): 90093 when a policy stops users from consenting,
// 90094 when only an admin can grant what the app asks for.
func TestNeedAdminApprovalScreens(t *testing.T) {
	c93, ok1 := Code(90093)
	c94, ok2 := Code(90094)
	if !ok1 || !ok2 {
		t.Fatal("90093 or 90094 missing")
	}
	if !strings.Contains(c93.Screen, "set a policy that prevents you from granting") || strings.Contains(c93.Screen, "only an admin can grant") {
		t.Errorf("90093 screen: %q", c93.Screen)
	}
	if !strings.Contains(c94.Screen, "needs permission") || !strings.Contains(c94.Screen, "only an admin can grant") {
		t.Errorf("90094 screen: %q", c94.Screen)
	}
}
