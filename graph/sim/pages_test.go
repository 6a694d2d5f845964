package sim

import (
	"strings"
	"testing"
)

// Every page, filled with hostile values in every field, keeps them inert:
// no markup, no attribute break-out, no script but the form_post's own, no
// javascript: link. (The hand-written pages were checked once to give the
// same bytes as the html/template ones they replace, hostile values included.)
func TestPagesEscapeEveryValue(t *testing.T) {
	const evil = `"'><script>alert(1)</script><b onmouseover=x>&amp;` + "\x00\x1b[2J"
	evilPerm := []permView{{Value: evil, Name: evil, Admin: true}}
	d := pageData{
		Title: evil, Heading: evil, ID: evil, Tenant: evil, App: evil, AppID: evil,
		Publisher: evil, Verified: true, User: evil, Login: evil, Users: []string{evil},
		Scopes: evilPerm, Roles: evilPerm, Flow: evil, Action: "javascript:alert(1)",
		Code: 65001, Message: evil, Result: evil, ShowOrg: true, Approval: true, ForOrg: true,
		Consent: true, Fields: []field{{Name: "code", Value: evil}}, Pending: []string{evil},
		Tenants: []tenantView{{Name: evil, ID: evil, Domain: evil, Scenario: evil, Users: []string{evil},
			AdminConsent: "JavaScript:alert(1)", UserSignIn: `https://login.example/a?b="c"<d>`}},
	}
	pages := map[string]func(*pageWriter, *pageData){
		"signin": signinPage, "consent": consentPage, "blocked": blockedPage,
		"requestsent": requestSentPage, "formpost": formPostPage, "adminconsent": adminConsentPage,
		"done": donePage, "error": errorPageBody, "devicelogin": deviceLoginPage,
		"deviceconfirm": deviceConfirmPage, "index": indexPage,
	}
	for name, page := range pages {
		for _, approval := range []bool{true, false} {
			d := d
			d.Approval, d.Consent, d.Verified = approval, approval, approval
			var p pageWriter
			page(&p, &d)
			body := p.String()
			scripts := 0
			if name == "formpost" {
				scripts = 1
			}
			for _, bad := range []string{"<b ", "onmouseover=x>", "javascript:", "JavaScript:", "\x00", `"c"`, "<d>"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s: %q is not escaped", name, bad)
				}
			}
			if n := strings.Count(body, "<script"); n != scripts {
				t.Errorf("%s: %d scripts, want %d", name, n, scripts)
			}
			if !strings.Contains(body, "&#34;&#39;&gt;&lt;script&gt;") && name != "formpost" {
				t.Errorf("%s: the hostile value is not shown escaped:\n%s", name, body)
			}
			if name == "index" && !strings.Contains(body, `href="https://login.example/a?b=%22c%22%3cd%3e"`) {
				t.Errorf("index: link not normalized:\n%s", body)
			}
			if strings.Contains(body, "action=") && !strings.Contains(body, `action="#ZgotmplZ"`) {
				t.Errorf("%s: a javascript: action is not made inert", name)
			}
		}
	}
}
