package flows

import (
	"strings"
	"testing"

	"consentwiz/assets"
)

func TestExplainEveryCode(t *testing.T) {
	codes, err := assets.Codes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		for _, in := range []string{strings.TrimPrefix(strings.TrimSpace(" AADSTS"), "") + itoa(c.Code), itoa(c.Code)} {
			e, err := Explain(in)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			if !e.Known || e.Code != c.Code || e.Meaning == "" || e.Action == "" || e.Route == "" || e.Source == "" {
				t.Errorf("%s: %+v", in, e)
			}
			txt := e.Text()
			if !strings.Contains(txt, "AADSTS"+itoa(c.Code)) || !strings.Contains(txt, c.Name) || !strings.Contains(txt, "What to do:") {
				t.Errorf("%s text:\n%s", in, txt)
			}
			assertClean(t, txt)
		}
	}
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func TestExplain(t *testing.T) {
	e, err := Explain("AADSTS90094: The grant requires admin permission. Application 'TrackerRMS'(" + tClient + ") tenant 'contoso.com' Correlation ID: " + tTenant)
	if err != nil {
		t.Fatal(err)
	}
	if e.Code != 90094 || e.App.ClientID != tClient || e.App.TenantHint != "contoso.com" || e.UserScreen != ScreenNeedAdminApproval {
		t.Errorf("%+v", e)
	}
	if e.ConsentURL != "https://login.microsoftonline.com/contoso.com/adminconsent?client_id="+tClient {
		t.Errorf("consent url %q", e.ConsentURL)
	}
	if len(e.Fixes) == 0 || e.Fixes[0] != FixAdminLink {
		t.Errorf("fixes %v", e.Fixes)
	}
	txt := e.Text()
	for _, want := range []string{"AADSTS90094 AdminConsentRequired", "admin-link", e.ConsentURL, "Correlation ID:", "TrackerRMS (" + tClient + ")"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}

	// A URL on a national cloud: consent link on that cloud; prompt noted.
	e, err = Explain("https://login.microsoftonline.us/contoso.us/oauth2/v2.0/authorize?client_id=" + tClient + "&scope=Mail.Send&prompt=admin_consent")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.ConsentURL, "https://login.microsoftonline.us/contoso.us/adminconsent?") || e.Route != string(FixAdminLink) {
		t.Errorf("%+v", e)
	}
	if !strings.Contains(e.Text(), "prompt=admin_consent") {
		t.Errorf("prompt not noted:\n%s", e.Text())
	}

	// A vendor error: no consent link even with app and tenant.
	e, _ = Explain("AADSTS650057 Application '" + "X" + "'(" + tClient + ") tenant 'contoso.com'")
	if e.ConsentURL != "" || e.Route != assets.RouteVendor {
		t.Errorf("vendor: %+v", e)
	}

	// Client id without tenant asks for the tenant.
	e, _ = Explain("Error AADSTS65001 app id: " + tClient)
	if e.ConsentURL != "" || !strings.Contains(strings.Join(e.Notes, " "), "Give the tenant") {
		t.Errorf("no tenant: %+v", e)
	}

	// Unknown code: offline pointer to the lookup page.
	e, err = Explain("AADSTS12345")
	if err != nil || e.Known || !strings.Contains(e.Source, "error?code=12345") {
		t.Errorf("unknown: %+v %v", e, err)
	}

	for _, bad := range []string{"", "   ", "nothing useful here", "https://login.microsoftonline.com/common/oauth2/authorize?client_id=nope"} {
		if _, err := Explain(bad); err == nil {
			t.Errorf("Explain(%q) succeeded", bad)
		}
	}
}

// The UX review's explain findings (65004, 650052, cut profile notes) and the
// inputs a helpdesk really has: a screen without an id, a placeholder link, a
// personal-account link, a redirect after consent.
func TestExplainReadings(t *testing.T) {
	e, err := Explain("AADSTS65004")
	if err != nil || hasFix(e.Fixes, FixAdminLink) || e.Route != assets.RouteRetry || !strings.Contains(e.Action, "Accept") {
		t.Errorf("65004: fixes %v route %q action %q %v", e.Fixes, e.Route, e.Action, err)
	}

	e, _ = Explain("AADSTS650052: The app is trying to access a service 'd42ffc93-c136-491d-b4fd-6f18168c68fd'(Microsoft Advertising API Service) that your organization 'a47d863d-6fb5-4541-b7fa-6e4c03772563' lacks a service principal for.")
	txt := e.Text()
	for _, want := range []string{"Troubleshoot consent issues", "d42ffc93-c136-491d-b4fd-6f18168c68fd",
		"https://login.microsoftonline.com/a47d863d-6fb5-4541-b7fa-6e4c03772563/oauth2/authorize?response_type=code&client_id=d42ffc93-c136-491d-b4fd-6f18168c68fd&prompt=admin_consent"} {
		if !strings.Contains(txt, want) {
			t.Errorf("650052 lacks %q:\n%s", want, txt)
		}
	}

	// a profile's note is shown whole
	e, _ = Explain("5353a3d2-8ca9-42d2-b567-ea399ccb5e38")
	p, _ := assets.Profile("TrackerRMS")
	if !strings.Contains(e.Text(), p.Notes[len(p.Notes)-60:]) {
		t.Errorf("profile note cut:\n%s", e.Text())
	}

	// the visible screen alone: what it is, and where the id is
	e, err = Explain("Need admin approval\nApptoto needs permission to access resources in your organization that only an admin can grant.")
	if err != nil || e.UserScreen != ScreenNeedAdminApproval || !strings.Contains(e.Meaning, "Apptoto") || !strings.Contains(e.Action, "Troubleshooting details") {
		t.Errorf("screen: %+v %v", e, err)
	}

	// a published link with a placeholder tenant: no link, ask for the tenant
	e, _ = Explain("https://login.microsoftonline.com/{tenant-id}/adminconsent?client_id=fbaaaa6a-1ad0-4ac5-9c4c-4ce9353dc6cf")
	if e.ConsentURL != "" || e.App.ClientID != "fbaaaa6a-1ad0-4ac5-9c4c-4ce9353dc6cf" || !strings.Contains(e.Text(), "placeholder ({tenant-id})") {
		t.Errorf("placeholder:\n%s", e.Text())
	}

	// a personal account: admin consent does not apply, no fix offered
	e, _ = Explain("https://login.live.com/oauth20_authorize.srf?client_id=78ce50cb-54eb-42b2-9e79-9c71b0309da7&scope=openid")
	if len(e.Fixes) != 0 || e.ConsentURL != "" || !strings.Contains(e.Text(), "admin consent does not apply") {
		t.Errorf("personal:\n%s", e.Text())
	}

	// a US Government link keeps its cloud, and the vendor's redirect is kept in the v1 link
	e, _ = Explain("https://login.microsoftonline.us/contoso.us/adminconsent?client_id=" + tClient + "&redirect_uri=https://usevo.tracker-rms.com/Office365/CallBack")
	if !strings.HasPrefix(e.ConsentURL, "https://login.microsoftonline.us/contoso.us/adminconsent?") || !strings.Contains(e.ConsentURL, "redirect_uri=https%3A%2F%2Fusevo.tracker-rms.com") {
		t.Errorf("usgov: %q", e.ConsentURL)
	}

	// the vendor's page after consent: what happened, in which tenant
	e, err = Explain("https://gordon.eos-solutions.it/admin-consent.html?admin_consent=True&tenant=3f03d21f-c74b-48a7-8a00-701038edd6ff&state=12345")
	if err != nil || !strings.Contains(e.Meaning, "granted in tenant 3f03d21f-c74b-48a7-8a00-701038edd6ff") {
		t.Errorf("granted: %+v %v", e, err)
	}
	for _, c := range []string{"AADSTS500113", "AADSTS900144"} {
		if e, _ := Explain(c); !e.SourceThirdParty || !strings.Contains(e.Text(), "Source (third party)") {
			t.Errorf("%s source not marked third party", c)
		}
	}
}

// The text says each thing once, and in words: a note that repeats "What it
// means" or "What to do" is left out, and a route is explained, not named
// (ux review of explain: the cancel and admin-consent redirects said the same
// sentence twice; "Route: retry" is our jargon).
func TestExplainTextSaysEachThingOnce(t *testing.T) {
	for _, in := range []string{
		"https://x.example/cb?error=access_denied&error_subcode=cancel",
		"https://contoso.example/callback?admin_consent=True&tenant=9c3b4a71-dbf1-4d05-a8da-d8599cae63c1",
		"https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38&error=access_denied&error_description=AADSTS65004%3a+User+declined",
		"AADSTS90094",
	} {
		e, err := Explain(in)
		if err != nil {
			t.Fatal(in, err)
		}
		text := e.Text()
		seen := map[string]bool{}
		for _, l := range strings.Split(text, "\n") {
			_, v, ok := strings.Cut(l, ": ")
			v = strings.TrimSpace(v)
			if !ok || v == "" {
				continue
			}
			if seen[v] {
				t.Errorf("%s: said twice: %q\n%s", in, v, text)
			}
			seen[v] = true
		}
		if strings.Contains(text, "Route:") {
			t.Errorf("%s: the route is named, not explained:\n%s", in, text)
		}
	}
}
