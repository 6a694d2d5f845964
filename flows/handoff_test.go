package flows

import (
	"consentwiz/graph/entra"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/exp/golden"
)

var tGenerated = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// goldenDoc compares a document's Markdown and plain text with
// testdata/<test>/markdown.golden and text.golden (go test ./flows -update
// rewrites them).
func goldenDoc(t *testing.T, md, txt string) {
	t.Helper()
	t.Run("markdown", func(t *testing.T) { golden.RequireEqual(t, md) })
	t.Run("text", func(t *testing.T) { golden.RequireEqual(t, txt) })
}

// checkRendered runs the checks every hand-off must pass.
func checkRendered(t *testing.T, h Handoff) {
	t.Helper()
	md, txt := h.Markdown(), h.Text()
	for name, out := range map[string]string{"markdown": md, "text": txt} {
		if strings.ContainsAny(out, "\x1b\x07\u202e\u200b") {
			t.Errorf("%s holds control or invisible characters", name)
		}
		if !strings.Contains(out, "consentwiz") || !strings.Contains(out, "to be guided") {
			t.Errorf("%s lacks the consentwiz hint", name)
		}
	}
	// Plain text: lines wrapped (links and commands stay whole).
	for _, l := range strings.Split(txt, "\n") {
		tl := strings.TrimSpace(l)
		if utf8.RuneCountInString(l) > docWidth && !strings.HasPrefix(tl, "consentwiz ") && !strings.Contains(tl, "://") {
			t.Errorf("text: line longer than %d: %q", docWidth, l)
		}
	}
	if !strings.ContainsAny(h.AppName, "*[") && (strings.Contains(txt, "**") || strings.Contains(txt, "](")) {
		t.Error("text holds Markdown")
	}
	for _, l := range h.ConsentLinks {
		if !strings.Contains(txt, "\n  "+l.URL+"\n") {
			t.Errorf("text: consent link %q not on its own line", l.URL)
		}
		if !strings.Contains(md, "<"+l.URL+">") {
			t.Errorf("markdown: consent link %q missing", l.URL)
		}
	}
	// Every link alone on its line in text, as an autolink in Markdown.
	urls := []string{h.Verify.Link.URL}
	for _, f := range h.Fixes {
		if f.Link.URL != "" && !(f.Checked && !f.Viable) {
			urls = append(urls, f.Link.URL)
		}
	}
	for _, u := range urls {
		if !strings.Contains(txt, "\n  "+u+"\n") {
			t.Errorf("text: link %q not on its own line", u)
		}
		if !strings.Contains(md, "\n<"+u+">\n") {
			t.Errorf("markdown: link %q missing", u)
		}
	}
}

func fixKeys(h Handoff) []string {
	var ks []string
	for _, f := range h.Fixes {
		ks = append(ks, f.Key)
	}
	return ks
}

func fixByKey(h Handoff, key string) (HandoffFix, bool) {
	for _, f := range h.Fixes {
		if f.Key == key {
			return f, true
		}
	}
	return HandoffFix{}, false
}

func TestHandoffOffline(t *testing.T) {
	global := entra.Clouds["global"]
	cases := []struct {
		name     string
		input    func(t *testing.T) HandoffInput
		first    string
		contains []string
		absent   []string
		check    func(t *testing.T, h Handoff)
	}{
		{
			name: "error text",
			input: func(t *testing.T) HandoffInput {
				text := "Need admin approval\nTrackerRMS needs permission to access resources in your organization that only an admin can grant.\n" +
					"AADSTS90094: Application 'Calendar Sync'(7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e) needs admin approval.\n" +
					"Request Id: 9a1b2c3d-0000-4000-8000-000000000001\nCorrelation Id: 0d6a3c9f-1111-4222-8333-444455556666\n"
				ref, err := ParseErrorText(text)
				if err != nil {
					t.Fatal(err)
				}
				e, err := Explain(text)
				if err != nil {
					t.Fatal(err)
				}
				return HandoffInput{App: ref, Tenant: TenantInfo{Domain: "contoso.com", Cloud: global}, Explanation: &e,
					GeneratedAt: tGenerated, Version: "1.2.3"}
			},
			first: HandoffConsentLink,
			contains: []string{
				"AADSTS90094 AdminConsentRequired",
				"https://login.microsoftonline.com/contoso.com/adminconsent?client_id=7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e",
				"https://entra.microsoft.com/contoso.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings",
				"https://entra.microsoft.com/contoso.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/AdminConsentSettings",
				"https://entra.microsoft.com/contoso.com/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AccessRequests",
				"https://entra.microsoft.com/contoso.com/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview",
				"Entra ID > Enterprise apps > Consent and permissions > User consent settings",
				"Entra ID > Enterprise apps > Activity > Admin consent requests",
				"0d6a3c9f-1111-4222-8333-444455556666", "9a1b2c3d-0000-4000-8000-000000000001",
				"consentwiz check --app 7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e --tenant contoso.com",
				"Global Administrator", "Cloud Application Administrator",
				"The permissions are not known",
			},
			absent: []string{"v2.0/adminconsent"},
			check: func(t *testing.T, h Handoff) {
				if h.Problem.Code != 90094 || h.Live != nil || len(h.ConsentLinks) != 1 {
					t.Errorf("problem %+v live %v links %d", h.Problem, h.Live, len(h.ConsentLinks))
				}
				want := []string{HandoffConsentLink, HandoffPortalGrant, HandoffRequestWorkflow, HandoffApproveRequest, HandoffGrantDirect, HandoffUserConsent}
				if strings.Join(fixKeys(h), " ") != strings.Join(want, " ") {
					t.Errorf("fixes %v, want %v", fixKeys(h), want)
				}
			},
		},
		{
			name: "approval required error",
			input: func(t *testing.T) HandoffInput {
				text := "AADSTS90095: Approval required. App id: 5353a3d2-8ca9-42d2-b567-ea399ccb5e38 tenant 'fabrikam.com'"
				ref, err := ParseErrorText(text)
				if err != nil {
					t.Fatal(err)
				}
				e, _ := Explain(text)
				return HandoffInput{App: ref, Tenant: TenantInfo{Domain: ref.TenantHint, Cloud: global}, Explanation: &e, GeneratedAt: tGenerated}
			},
			first:    HandoffApproveRequest,
			contains: []string{"My Pending", "fabrikam.com/adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38"},
		},
		{
			name: "url",
			input: func(t *testing.T) HandoffInput {
				ref, err := ParseURL("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e" +
					"&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&scope=openid%20offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite%20https%3A%2F%2Fgraph.microsoft.com%2FUser.Read")
				if err != nil {
					t.Fatal(err)
				}
				return HandoffInput{App: ref, Tenant: TenantInfo{ID: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", Domain: "contoso.com", Cloud: global}, GeneratedAt: tGenerated, Version: "1.2.3"}
			},
			first: HandoffConsentLink,
			contains: []string{
				"https://login.microsoftonline.com/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/adminconsent?client_id=7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e",
				"https://login.microsoftonline.com/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/v2.0/adminconsent?client_id=7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e&scope=offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite%20https%3A%2F%2Fgraph.microsoft.com%2FUser.Read&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback",
				"Calendars.ReadWrite", "likely excluded from Microsoft-managed user consent", "contoso.com (aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee)",
				"Likely not enough",
			},
			absent: []string{"openid"},
			check: func(t *testing.T, h Handoff) {
				if len(h.ConsentLinks) != 2 || !strings.Contains(h.ConsentLinks[0].URL, "/adminconsent?") || !strings.Contains(h.ConsentLinks[1].URL, "/v2.0/") {
					t.Errorf("links %+v", h.ConsentLinks)
				}
			},
		},
		{
			name: "profile",
			input: func(t *testing.T) HandoffInput {
				return HandoffInput{App: tracker(t), Tenant: TenantInfo{Domain: "contoso.com", Cloud: global}, GeneratedAt: tGenerated, Version: "1.2.3",
					Notes: []string{"note: could not look up the tenant id; the link uses the domain, which works as well"}}
			},
			first: HandoffConsentLink,
			contains: []string{
				"consentwiz check --profile trackerrms --tenant contoso.com",
				"returns to https://ukevo.tracker-rms.com/Office365/CallBack", "returns to https://usevo.tracker-rms.com/Office365/CallBack",
				"could not look up the tenant id", "Mail.Send",
			},
		},
		{
			name: "profile in usgov without tenant",
			input: func(t *testing.T) HandoffInput {
				return HandoffInput{App: tracker(t), Tenant: TenantInfo{Cloud: entra.Clouds["usgov"]}, GeneratedAt: tGenerated}
			},
			first: HandoffConsentLink,
			contains: []string{
				"https://login.microsoftonline.us/organizations/adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38",
				"https://entra.microsoft.us/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings",
				"--tenant YOUR-DOMAIN", "the links use the admin's own tenant", "https%3A%2F%2Fgraph.microsoft.us%2FCalendars.ReadWrite",
			},
		},
		{
			name: "assignment error",
			input: func(t *testing.T) HandoffInput {
				e, _ := Explain("AADSTS50105 client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38")
				return HandoffInput{App: AppRef{ClientID: tClient}, Tenant: TenantInfo{Domain: "contoso.com", Cloud: global}, Explanation: &e, GeneratedAt: tGenerated}
			},
			first:    HandoffAssignUsers,
			contains: []string{"Add user/group", "Assignment required?"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := BuildHandoff(c.input(t))
			checkRendered(t, h)
			if len(h.Fixes) == 0 || h.Fixes[0].Key != c.first || !h.Fixes[0].Recommended {
				t.Errorf("first fix %v, want %s recommended", fixKeys(h), c.first)
			}
			md, txt := h.Markdown(), h.Text()
			flat := strings.Join(strings.Fields(txt), " ")
			for _, s := range c.contains {
				if !strings.Contains(flat, s) {
					t.Errorf("text lacks %q", s)
				}
				if !strings.Contains(md, s) && !strings.Contains(md, strings.ReplaceAll(s, "_", `\_`)) {
					t.Errorf("markdown lacks %q", s)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(txt, s) || strings.Contains(md, s) {
					t.Errorf("output holds %q", s)
				}
			}
			if c.check != nil {
				c.check(t, h)
			}
			goldenDoc(t, md, txt)
		})
	}
}

// TestHandoffScenarios builds a hand-off with a live diagnosis for each
// simulator scenario (docs/architecture.md), from the diagnosis fixtures.
func TestHandoffScenarios(t *testing.T) {
	byName := map[string]diagCase{}
	for _, c := range diagCases() {
		byName[c.name] = c
	}
	cases := []struct {
		scenario, fixture string
		first             string
		blocked           bool
		notViable         []string
		contains          []string
	}{
		{scenario: "locked-down", fixture: "locked-down", first: HandoffConsentLink, blocked: true,
			notViable: []string{HandoffPortalGrant, HandoffUserConsent},
			contains:  []string{"excluded from Microsoft-managed user consent", "Will not work here", "by admin@contoso.com (Global Administrator)"}},
		{scenario: "request-workflow", fixture: "request-workflow with a pending request", first: HandoffApproveRequest, blocked: true,
			contains: []string{"My Pending", "AccessRequests", "A user's request is already pending"}},
		// Classifying the permissions low would work, lowering the bar tenant-wide (docs/entra.md A5).
		{scenario: "managed-calendar", fixture: "managed-calendar", first: HandoffConsentLink, blocked: true,
			contains: []string{"Calendars.ReadWrite", "lowers the bar tenant-wide"}},
		{scenario: "unverified-publisher", fixture: "low policy, unverified publisher", blocked: true,
			contains: []string{"Permissions/objectId/33333333-3333-3333-3333-333333333333/appId/5353a3d2-8ca9-42d2-b567-ea399ccb5e38"}},
		{scenario: "assignment-required", fixture: "assignment required after consent", first: HandoffAssignUsers, blocked: true,
			contains: []string{"Users/objectId/33333333-3333-3333-3333-333333333333", "Add user/group"}},
		{scenario: "granted", fixture: "granted", blocked: false, contains: []string{"users are not blocked", "Consent check:", "already granted"}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			fx, ok := byName[c.fixture]
			if !ok {
				t.Fatalf("no diagnosis fixture %q", c.fixture)
			}
			app := fx.app(t)
			d := Diagnose(fx.snap(), app)
			h := BuildHandoff(HandoffInput{App: app, Tenant: TenantInfo{Domain: "contoso.com", Cloud: entra.Clouds["global"]}, Diagnosis: &d,
				GeneratedAt: tGenerated, Version: "1.2.3"})
			checkRendered(t, h)
			if h.Live == nil || h.Live.Blocked != c.blocked {
				t.Fatalf("live %+v, want blocked %v", h.Live, c.blocked)
			}
			if h.Tenant != tTenant {
				t.Errorf("links pinned to %q, want the tenant id", h.Tenant)
			}
			if c.first != "" && (h.Fixes[0].Key != c.first || !h.Fixes[0].Recommended) {
				t.Errorf("first fix %v, want %s", fixKeys(h), c.first)
			}
			if c.first == "" && d.Recommended == "" {
				for _, f := range h.Fixes {
					if f.Recommended {
						t.Errorf("%s recommended though the diagnosis recommends nothing", f.Key)
					}
				}
			}
			for _, k := range c.notViable {
				f, ok := fixByKey(h, k)
				if !ok || !f.Checked || f.Viable || f.Reason == "" {
					t.Errorf("%s: %+v, want checked and not viable with a reason", k, f)
				}
			}
			seenBad := false
			for _, f := range h.Fixes {
				if f.Checked && !f.Viable {
					seenBad = true
				} else if seenBad {
					t.Errorf("viable fix %s listed after one that cannot work", f.Key)
				}
			}
			md, txt := h.Markdown(), h.Text()
			flat := strings.Join(strings.Fields(txt), " ")
			for _, s := range c.contains {
				if !strings.Contains(flat, s) {
					t.Errorf("text lacks %q", s)
				}
			}
			if strings.Contains(txt, "Your account can do it") || strings.Contains(txt, "Your roles") {
				t.Error("the hand-off speaks to the checker instead of the admin")
			}
			goldenDoc(t, md, txt)
		})
	}
}

func TestHandoffHostile(t *testing.T) {
	s := lockedDown()
	s.App = appSP(false)
	s.App.DisplayName = "Evil\x1b]52;c;ZXZpbA==\x07 [click](https://evil.example) <img src=x> **bold** `tick`\u202e"
	s.Me.UserPrincipalName = "admin@contoso.com\x1b[2J"
	app := AppRef{ClientID: tClient, DisplayName: "x\x1b[31m", Scopes: []string{"User.Read"},
		Notes: "# heading\n> quote\n1. list \x1b[0m", TenantHint: "contoso.com"}
	d := Diagnose(s, app)
	e, err := Explain("AADSTS90094 Application '\x1b[31mRed\x1b[0m'(" + tClient + ") Correlation ID: not-a-guid\x1b[2J")
	if err != nil {
		t.Fatal(err)
	}
	h := BuildHandoff(HandoffInput{App: app, Tenant: TenantInfo{Domain: "contoso.com\x1b[2J", Cloud: entra.Clouds["global"]}, Diagnosis: &d, Explanation: &e,
		GeneratedAt: tGenerated, Version: "v\x1b[31m1", Notes: []string{"\x1b[31mred note"}})
	checkRendered(t, h)
	md := h.Markdown()
	for _, re := range []string{`(^|[^\\])\[click`, `(^|[^\\])<img`, `(^|[^\\])\*\*bold`, "(^|[^\\\\])`tick"} {
		if regexp.MustCompile(re).MatchString(md) {
			t.Errorf("markdown injection %s survived:\n%s", re, md)
		}
	}
	if !strings.Contains(md, `\[click\](https://evil.example)`) {
		t.Errorf("escaped app name missing:\n%s", md)
	}
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "# heading") || strings.HasPrefix(l, "> quote") {
			t.Errorf("untrusted line starts a Markdown block: %q", l)
		}
	}
	if h.Tenant != tTenant {
		t.Errorf("tenant %q", h.Tenant)
	}
	goldenDoc(t, md, h.Text())
}

func TestHandoffAppRolesNeedPRA(t *testing.T) {
	h := BuildHandoff(HandoffInput{App: AppRef{ClientID: tClient, Scopes: []string{"User.Read"}, AppRoles: []string{"Calendars.Read"}},
		Tenant: TenantInfo{Domain: "contoso.com", Cloud: entra.Clouds["global"]}, GeneratedAt: tGenerated})
	f, _ := fixByKey(h, HandoffConsentLink)
	if !strings.Contains(f.Role, "Privileged Role Administrator") {
		t.Errorf("role %q", f.Role)
	}
	if !strings.Contains(h.Markdown(), "| Calendars.Read | application | admin only (application permission) |") {
		t.Errorf("app role not listed:\n%s", h.Markdown())
	}
}

func TestHandoffNoClientID(t *testing.T) {
	e, _ := Explain("AADSTS90094")
	h := BuildHandoff(HandoffInput{Tenant: TenantInfo{Domain: "contoso.com"}, Explanation: &e, GeneratedAt: tGenerated})
	checkRendered(t, h)
	if len(h.ConsentLinks) != 0 {
		t.Errorf("links without a client id: %+v", h.ConsentLinks)
	}
	if _, ok := fixByKey(h, HandoffConsentLink); ok {
		t.Error("consent-link fix without a client id")
	}
	if h.Verify.Command != "" {
		t.Errorf("check command without a client id: %q", h.Verify.Command)
	}
}

func TestDocWrap(t *testing.T) {
	long := "https://login.microsoftonline.com/" + strings.Repeat("x", 100)
	got := wrap("see "+long+" now and then some more words here", "  - ", "    ", 30)
	for _, l := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
		if utf8.RuneCountInString(l) > 30 && strings.TrimSpace(l) != long {
			t.Errorf("line too long: %q", l)
		}
	}
	if !strings.Contains(got, "\n    "+long+"\n") {
		t.Errorf("long word not alone on its line:\n%s", got)
	}
	if mdLineStart("12. x") != `12\. x` || mdLineStart("# x") != `\# x` || mdLineStart("ok") != "ok" {
		t.Error("mdLineStart")
	}
	if mdFence("a ``` b") != "````" {
		t.Error("mdFence")
	}
}

func TestHandoffEmptyInput(t *testing.T) {
	h := BuildHandoff(HandoffInput{})
	if h.Markdown() == "" || h.Text() == "" || h.Tenant != "" || len(h.ConsentLinks) != 0 {
		t.Errorf("%+v", h)
	}
	d := Diagnose(nil, AppRef{})
	h = BuildHandoff(HandoffInput{Diagnosis: &d})
	if h.Markdown() == "" || h.Live == nil {
		t.Errorf("%+v", h)
	}
}

// An app that forces prompt=consent with everything granted: the hand-off's
// fix is a note for the vendor, ready to send (docs/entra.md B1).
func TestHandoffVendorNoteForForcedPrompt(t *testing.T) {
	var fx diagCase
	for _, c := range documentedCases() {
		if strings.HasPrefix(c.name, "prompt=consent with everything granted") {
			fx = c
		}
	}
	app := fx.app(t)
	d := Diagnose(fx.snap(), app)
	h := BuildHandoff(HandoffInput{App: app, Tenant: TenantInfo{Domain: "contoso.com", Cloud: entra.Clouds["global"]}, Diagnosis: &d,
		GeneratedAt: tGenerated, Version: "1.2.3"})
	if len(h.Fixes) == 0 || h.Fixes[0].Key != HandoffVendor || !h.Fixes[0].Recommended {
		t.Fatalf("fixes %v, want the vendor note first and recommended", fixKeys(h))
	}
	v := h.Fixes[0]
	if !strings.Contains(v.Message, "prompt=consent") || !strings.Contains(v.Message, tClient) || !strings.Contains(v.Message, "troubleshoot-consent-issues") {
		t.Errorf("vendor message: %q", v.Message)
	}
	if md := h.Markdown(); !strings.Contains(md, "The fix: Ask the vendor to stop forcing the consent prompt") || !strings.Contains(md, "Please remove prompt=consent") {
		t.Errorf("markdown:\n%s", md)
	}
	// A published admin consent link's prompt is no reason for a vendor note.
	app.PromptLink = true
	d = Diagnose(fx.snap(), app)
	h = BuildHandoff(HandoffInput{App: app, Diagnosis: &d, GeneratedAt: tGenerated})
	if _, ok := fixByKey(h, HandoffVendor); ok {
		t.Errorf("vendor note for an admin consent link: %v", fixKeys(h))
	}
}

// Offline, the hand-off warns about the permissions Microsoft documents the
// managed policy to exclude: assets/managed_policy.json, every resource.
func TestHandoffOfflineManagedList(t *testing.T) {
	app := AppRef{ClientID: tClient, Scopes: []string{"Calendars.ReadBasic", "Mail.Read.Shared", "Mail.Send", "User.Read"},
		OtherScopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"}}
	h := BuildHandoff(HandoffInput{App: app, GeneratedAt: tGenerated})
	want := map[string]bool{"Calendars.ReadBasic": true, "Mail.Read.Shared": true, "Mail.Send": false, "User.Read": false,
		"https://outlook.office.com/IMAP.AccessAsUser.All": true, "https://outlook.office.com/SMTP.Send": false}
	for _, p := range h.Permissions {
		if w, ok := want[p.Name]; !ok || p.ManagedBlocked != w {
			t.Errorf("%s: managed-blocked %v, want %v", p.Name, p.ManagedBlocked, w)
		}
	}
}

// TestHandoffPromptAdminConsent: a pasted sign-in URL that forces
// prompt=admin_consent: the user consent section says it will not help
// (ux review M5).
func TestHandoffPromptAdminConsent(t *testing.T) {
	app, err := ParseApp("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e&scope=User.Read.All&prompt=admin_consent&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")
	if err != nil {
		t.Fatal(err)
	}
	h := BuildHandoff(HandoffInput{App: app})
	for _, f := range h.Fixes {
		if f.Key == HandoffUserConsent && !strings.Contains(f.Caution, "forces prompt=admin_consent") {
			t.Fatalf("user consent section: %+v", f)
		}
	}
	if !strings.Contains(h.Markdown(), "**Caution:** Will not help: the app's sign-in URL forces prompt=admin\\_consent") {
		t.Fatal("the hand-off does not say it")
	}
}
