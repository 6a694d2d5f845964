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
