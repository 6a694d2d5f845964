package sim

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The simulated sign-in pages are plain HTML with minimal inline CSS; the
// only script is the auto-submitting form_post. Elements a headless browser
// or test clicks have stable ids: #login, #signin, #accept, #cancel,
// #consent_org, #reason, #request, #code, #next, #approve, #decline,
// #form_post; status elements: #error-code, #consent-granted,
// #request-sent, #device-approved, #device-declined, #device-consent,
// #for-org, #screen (data-result holds the sign-in outcome).
//
// The pages are written by hand rather than with html/template: its
// reflection (reflect.Value.MethodByName) makes the linker keep every
// exported method of every type in the program, which cost the release
// binary 2.8 MB (docs/performance.md, "Binary size"). Every value that
// comes from a tenant, a request or a scenario goes through pageWriter.text
// or pageWriter.url, so hostile strings stay inert.

// pageWriter builds one page.
type pageWriter struct{ strings.Builder }

// raw writes trusted markup: literals of this file only.
func (p *pageWriter) raw(ss ...string) {
	for _, s := range ss {
		p.WriteString(s)
	}
}

// text writes a value as element text or as a double-quoted attribute value:
// < > & ' " are escaped, and NUL becomes U+FFFD as html/template does.
func (p *pageWriter) text(s string) {
	p.WriteString(html.EscapeString(strings.ReplaceAll(s, "\x00", "\uFFFD")))
}

// url writes a value for an href or action attribute. A URL whose scheme is
// not http or https (javascript:, data:, …) becomes the inert marker
// html/template uses; bytes outside RFC 3986's unreserved and reserved sets
// are percent-encoded as html/template's URL normalizer does; then it is
// escaped like text.
func (p *pageWriter) url(s string) {
	if u, err := url.Parse(s); err != nil || (u.Scheme != "" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		s = "#ZgotmplZ"
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!#$&*+,/:;=?@[]%", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	p.text(b.String())
}

// textIn writes trusted markup, a value as text, and trusted markup.
func (p *pageWriter) textIn(open, v, close string) {
	p.WriteString(open)
	p.text(v)
	p.WriteString(close)
}

func (p *pageWriter) num(n int) { p.WriteString(strconv.Itoa(n)) }

// when writes s only if cond holds: for attributes and short literals.
func (p *pageWriter) when(cond bool, s string) {
	if cond {
		p.WriteString(s)
	}
}

const pageStyle = `<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2);overflow-wrap:anywhere}
h1{font-size:24px;font-weight:600;margin:8px 0 16px}
.brand{font-size:14px;color:#5e5e5e;font-weight:600}
.muted{color:#5e5e5e;font-size:13px}
.err{color:#a80000}
ul{padding-left:18px} li{margin:4px 0}
.tag{font-size:11px;border:1px solid #8a8886;border-radius:2px;padding:0 4px;margin-left:6px;color:#605e5c}
.unverified{color:#a80000;font-weight:600}
input[type=text],input[type=email],textarea{width:100%;box-sizing:border-box;padding:6px;border:0;border-bottom:1px solid #666;font-size:15px;margin:6px 0 14px}
textarea{border:1px solid #666;height:80px}
.buttons{text-align:right;margin-top:20px}
button{min-width:108px;padding:6px 12px;font-size:15px;border:1px solid #8a8886;background:#fff;cursor:pointer;margin-left:8px}
button.primary{background:#0067b8;color:#fff;border-color:#0067b8}
code{background:#f3f2f1;padding:1px 4px}
table{border-collapse:collapse;width:100%} td{border-top:1px solid #eee;padding:4px;font-size:13px;vertical-align:top}
</style>`

func (p *pageWriter) head(d *pageData) {
	p.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	p.text(d.Title)
	p.raw("</title>\n", pageStyle, "</head><body><main>\n<div class=\"brand\">Microsoft (simulated)</div>")
}

func (p *pageWriter) foot() { p.raw("</main></body></html>") }

func (p *pageWriter) perms(d *pageData) {
	if len(d.Scopes) > 0 {
		p.raw(`<p>This app would like to:</p><ul id="scopes">`)
		for _, s := range d.Scopes {
			p.textIn(`<li data-scope="`, s.Value, `">`)
			p.text(s.Name)
			p.textIn(` <code>`, s.Value, `</code>`)
			p.when(s.Admin, `<span class="tag">Admin consent required</span>`)
			p.raw(`</li>`)
		}
		p.raw(`</ul>`)
	}
	p.raw("\n")
	if len(d.Roles) > 0 {
		p.raw(`<p>Application permissions (no signed-in user):</p><ul id="roles">`)
		for _, r := range d.Roles {
			p.textIn(`<li data-role="`, r.Value, `">`)
			p.text(r.Name)
			p.textIn(` <code>`, r.Value, `</code><span class="tag">Application</span></li>`)
		}
		p.raw(`</ul>`)
	}
}

func (p *pageWriter) app(d *pageData) {
	p.textIn(`<p><strong id="app-name">`, d.App, `</strong><br><span class="muted">`)
	if d.Verified {
		p.text(d.Publisher)
		p.raw(` <span class="tag">verified</span>`)
	} else {
		p.raw(`<span class="unverified">Unverified</span>`)
	}
	p.textIn(` · App ID <code>`, d.AppID, `</code></span></p>`)
}

// errorLine writes the message paragraph sign-in forms show above their fields.
func (p *pageWriter) errorLine(d *pageData) {
	if d.Message != "" {
		p.raw(`<p class="err" id="error-code" data-code="`)
		p.num(d.Code)
		p.textIn(`">`, d.Message, "</p>")
	}
	p.raw("\n")
}

// formStart opens a POST form with its id and, when flow is set, the hidden flow field.
func (p *pageWriter) formStart(d *pageData, id string, flow bool) {
	p.raw(`<form method="post" action="`)
	p.url(d.Action)
	p.raw(`"`)
	if id != "" {
		p.raw(` id="`, id, `"`)
	}
	p.raw(">")
	if flow {
		p.raw("\n")
		p.hidden("flow", d.Flow)
	}
}

func (p *pageWriter) hidden(name, value string) {
	p.raw(`<input type="hidden" name="`, name, `" value="`)
	p.text(value)
	p.raw(`">`)
}

// loginField is the sign-in name with the simulated users to pick from.
func (p *pageWriter) loginField(d *pageData, label string) {
	p.raw(`<label for="login">`, label, "</label>\n")
	p.loginInput(d)
}

func (p *pageWriter) loginInput(d *pageData) {
	p.raw(`<input type="email" id="login" name="login" value="`)
	p.text(d.Login)
	p.raw(`" list="users" autocomplete="off">` + "\n" + `<datalist id="users">`)
	for _, u := range d.Users {
		p.textIn(`<option value="`, u, `">`)
	}
	p.raw("</datalist>\n")
}

func (p *pageWriter) user(d *pageData) {
	p.textIn(`<div class="muted">`, d.User, "</div>\n")
}

func (p *pageWriter) buttons(ss ...string) {
	p.raw(`<div class="buttons">`)
	p.raw(ss...)
	p.raw("</div>\n")
}

const (
	cancelButton = `<button id="cancel" name="action" value="cancel" type="submit">`
	endButton    = `</button>`
)

func signinPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n<h1>Sign in</h1>\n")
	p.app(d)
	p.raw("\n")
	p.errorLine(d)
	p.formStart(d, "signin-form", true)
	p.raw("\n")
	p.loginField(d, "Email, phone, or Skype")
	p.textIn(`<p class="muted">Simulated tenant `, d.Tenant, ": no password needed.</p>\n")
	p.buttons(`<button class="primary" id="signin" name="action" value="signin" type="submit">Next</button>`)
	p.raw("</form>")
	p.foot()
}

func consentPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n")
	p.user(d)
	p.raw("<h1>Permissions requested")
	p.when(d.ForOrg, `<br><span class="muted" id="for-org">Accept for your organization</span>`)
	p.raw("</h1>\n")
	p.app(d)
	p.raw("\n")
	p.perms(d)
	p.raw("\n")
	p.formStart(d, "consent-form", true)
	p.raw("\n")
	p.when(d.ForOrg, `<p class="muted">If you accept, this app will get access to the specified resources for all users in your organization.</p>`)
	p.raw("\n")
	p.when(d.ShowOrg, `<p><label><input type="checkbox" id="consent_org" name="consent_org" value="on"> Consent on behalf of your organization</label></p>`)
	p.raw("\n" + `<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>` + "\n")
	p.buttons(cancelButton, "Cancel", endButton, `<button class="primary" id="accept" name="action" value="accept" type="submit">Accept</button>`)
	p.raw("</form>")
	p.foot()
}

func blockedPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n")
	p.user(d)
	p.textIn(`<h1 id="screen" data-result="`, d.Result, `">`)
	p.text(d.Heading)
	p.raw("</h1>\n")
	p.app(d)
	p.raw("\n" + `<p id="error-code" data-code="`)
	p.num(d.Code)
	p.textIn(`">`, d.Message, "</p>\n")
	p.perms(d)
	p.raw("\n")
	p.formStart(d, "blocked-form", true)
	p.raw("\n")
	if d.Approval {
		p.raw(`<label for="reason">Justification for requesting access to this app</label>` + "\n" + `<textarea id="reason" name="reason"></textarea>` + "\n")
		p.buttons(cancelButton, "Back to app", endButton, `<button class="primary" id="request" name="action" value="request" type="submit">Request approval</button>`)
	} else {
		p.raw(`<p class="muted">Have an admin account? Sign in with that account to grant consent.</p>` + "\n")
		p.buttons(cancelButton, "Return to the application without consenting", endButton)
	}
	p.raw("</form>")
	p.foot()
}

func requestSentPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n" + `<h1 id="request-sent">Request sent</h1>` + "\n")
	p.app(d)
	p.textIn("\n<p>You'll need to wait for an admin to approve your request. Your request: <q>", d.Message, "</q></p>\n")
	p.formStart(d, "", false)
	p.hidden("flow", d.Flow)
	p.raw("\n")
	p.buttons(cancelButton, "Back to app", endButton)
	p.raw("</form>\n")
	p.foot()
}

func formPostPage(p *pageWriter, d *pageData) {
	p.raw(`<!doctype html><html><head><meta charset="utf-8"><title>Working...</title></head><body>` + "\n" + `<form method="POST" name="hiddenform" id="form_post" action="`)
	p.url(d.Action)
	p.raw(`">`)
	for _, f := range d.Fields {
		p.hidden(f.Name, f.Value)
	}
	p.raw("\n<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"></noscript></form>\n")
	p.raw(`<script>document.getElementById("form_post").submit();</script></body></html>`)
}

func adminConsentPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n" + `<h1>Permissions requested<br><span class="muted">Accept for your organization</span></h1>` + "\n")
	p.app(d)
	p.raw("\n")
	p.perms(d)
	p.raw("\n")
	if d.Message != "" {
		p.textIn(`<p class="err">`, d.Message, "</p>")
	}
	p.raw("\n")
	p.formStart(d, "consent-form", true)
	p.raw("\n")
	p.textIn(`<label for="login">Signed in as (an administrator of `, d.Tenant, ")</label>\n")
	p.loginInput(d)
	p.raw(`<p class="muted">If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>` + "\n")
	p.buttons(cancelButton, "Cancel", endButton, `<button class="primary" id="accept" name="action" value="accept" type="submit">Accept</button>`)
	p.raw("</form>")
	p.foot()
}

func donePage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n" + `<h1 id="`)
	p.text(d.ID)
	p.textIn(`">`, d.Heading, "</h1>\n")
	if d.App != "" {
		p.app(d)
	}
	p.textIn("\n<p>", d.Message, "</p>")
	p.foot()
}

func errorPageBody(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n<h1>")
	p.text(d.Heading)
	p.raw("</h1>\n" + `<p id="error-code" data-code="`)
	p.num(d.Code)
	p.raw(`">AADSTS`)
	p.num(d.Code)
	p.textIn(": ", d.Message, "</p>")
	p.foot()
}

func deviceLoginPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n<h1>Enter code</h1>\n<p>Enter the code displayed on your app or device.</p>\n")
	p.errorLine(d)
	p.formStart(d, "device-form", false)
	p.raw("\n" + `<input type="text" id="code" name="code" value="`)
	p.text(d.Flow)
	p.raw(`" placeholder="Code" autocomplete="off">` + "\n")
	p.loginField(d, "Sign in as")
	if len(d.Pending) > 0 {
		p.raw(`<p class="muted">Waiting codes: `)
		for _, c := range d.Pending {
			p.textIn("<code>", c, "</code> ")
		}
		p.raw("</p>")
	}
	p.raw("\n")
	p.buttons(`<button class="primary" id="next" name="action" value="next" type="submit">Next</button>`)
	p.raw("</form>")
	p.foot()
}

func deviceConfirmPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n")
	p.user(d)
	if d.Consent {
		p.raw(`<h1 id="device-consent">Permissions requested</h1>`)
	} else {
		p.textIn("<h1>Are you trying to sign in to ", d.App, "?</h1>")
	}
	p.raw("\n")
	p.app(d)
	p.raw("\n")
	p.perms(d)
	p.raw("\n" + `<p class="muted">Only continue if you downloaded the app from a store or website that you trust.</p>` + "\n")
	p.formStart(d, "device-form", false)
	p.raw("\n")
	p.hidden("code", d.Flow)
	p.hidden("login", d.Login)
	p.raw("\n")
	p.when(d.ShowOrg, `<p><label><input type="checkbox" id="consent_org" name="consent_org" value="on"> Consent on behalf of your organization</label></p>`)
	p.raw("\n")
	p.when(d.Consent, `<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>`)
	p.raw("\n")
	decline, approve := "Decline", "Continue"
	if d.Consent {
		decline, approve = "Cancel", "Accept"
	}
	p.buttons(`<button id="decline" name="action" value="decline" type="submit">`, decline, endButton,
		`<button class="primary" id="approve" name="action" value="approve" type="submit">`, approve, endButton)
	p.raw("</form>")
	p.foot()
}

func indexPage(p *pageWriter, d *pageData) {
	p.head(d)
	p.raw("\n<h1>consentwiz simulated cloud</h1>\n")
	for _, t := range d.Tenants {
		p.textIn(`<h2 style="font-size:16px">`, t.Name, `</h2><p class="muted">Tenant <code>`)
		p.text(t.ID)
		p.textIn("</code> · ", t.Domain, " · scenario <code>")
		p.text(t.Scenario)
		p.raw("</code></p>\n<ul>")
		for _, u := range t.Users {
			p.textIn("<li>", u, "</li>")
		}
		p.raw("</ul>\n" + `<p><a href="`)
		p.url(t.AdminConsent)
		p.raw(`">Admin consent for TrackerRMS</a> · <a href="`)
		p.url(t.UserSignIn)
		p.raw(`">Sign in to TrackerRMS as the end user</a></p>`)
	}
	p.raw("\n" + `<p><a href="/devicelogin">Device code sign-in</a></p>`)
	p.foot()
}

type permView struct {
	Value, Name string
	Admin       bool
}

type field struct{ Name, Value string }

type tenantView struct {
	Name, ID, Domain, Scenario string
	Users                      []string
	AdminConsent, UserSignIn   string
}

// pageData feeds every page; pageWriter escapes all of it, so hostile
// tenant strings are inert here.
type pageData struct {
	Title, Heading, ID string
	Tenant             string
	App, AppID         string
	Publisher          string
	Verified           bool
	User, Login        string
	Users              []string
	Scopes, Roles      []permView
	Flow, Action       string
	Code               int
	Message, Result    string
	ShowOrg, Approval  bool
	ForOrg             bool // prompt=admin_consent: the consent is for the organization
	Consent            bool // the device code page shows a consent prompt
	Fields             []field
	Pending            []string
	Tenants            []tenantView
}

func render(w http.ResponseWriter, status int, page func(*pageWriter, *pageData), d pageData) {
	if d.Title == "" {
		d.Title = "Sign in to your account"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	var p pageWriter
	page(&p, &d)
	_, _ = w.Write([]byte(p.String()))
}

func errorPage(w http.ResponseWriter, status, code int, msg string) {
	render(w, status, errorPageBody, pageData{Title: "Sign in error", Heading: "Sorry, but we're having trouble signing you in.", Code: code, Message: msg})
}
