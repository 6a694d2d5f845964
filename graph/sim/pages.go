package sim

import (
	"html/template"
	"net/http"
)

// Pages are plain HTML with minimal inline CSS; the only script is the
// auto-submitting form_post. Elements a headless browser or test clicks have
// stable ids: #login, #signin, #accept, #cancel, #consent_org, #reason,
// #request, #code, #next, #approve, #decline, #form_post; status elements:
// #error-code, #consent-granted, #request-sent, #device-approved,
// #device-declined, #device-consent, #for-org, #screen (data-result holds the sign-in outcome).
var pages = template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
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
</style></head><body><main>
<div class="brand">Microsoft (simulated)</div>{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "perms"}}{{if .Scopes}}<p>This app would like to:</p><ul id="scopes">{{range .Scopes}}<li data-scope="{{.Value}}">{{.Name}} <code>{{.Value}}</code>{{if .Admin}}<span class="tag">Admin consent required</span>{{end}}</li>{{end}}</ul>{{end}}
{{if .Roles}}<p>Application permissions (no signed-in user):</p><ul id="roles">{{range .Roles}}<li data-role="{{.Value}}">{{.Name}} <code>{{.Value}}</code><span class="tag">Application</span></li>{{end}}</ul>{{end}}{{end}}

{{define "app"}}<p><strong id="app-name">{{.App}}</strong><br><span class="muted">{{if .Verified}}{{.Publisher}} <span class="tag">verified</span>{{else}}<span class="unverified">Unverified</span>{{end}} · App ID <code>{{.AppID}}</code></span></p>{{end}}

{{define "signin"}}{{template "head" .}}
<h1>Sign in</h1>
{{template "app" .}}
{{if .Message}}<p class="err" id="error-code" data-code="{{.Code}}">{{.Message}}</p>{{end}}
<form method="post" action="{{.Action}}" id="signin-form">
<input type="hidden" name="flow" value="{{.Flow}}">
<label for="login">Email, phone, or Skype</label>
<input type="email" id="login" name="login" value="{{.Login}}" list="users" autocomplete="off">
<datalist id="users">{{range .Users}}<option value="{{.}}">{{end}}</datalist>
<p class="muted">Simulated tenant {{.Tenant}}: no password needed.</p>
<div class="buttons"><button class="primary" id="signin" name="action" value="signin" type="submit">Next</button></div>
</form>{{template "foot" .}}{{end}}

{{define "consent"}}{{template "head" .}}
<div class="muted">{{.User}}</div>
<h1>Permissions requested{{if .ForOrg}}<br><span class="muted" id="for-org">Accept for your organization</span>{{end}}</h1>
{{template "app" .}}
{{template "perms" .}}
<form method="post" action="{{.Action}}" id="consent-form">
<input type="hidden" name="flow" value="{{.Flow}}">
{{if .ForOrg}}<p class="muted">If you accept, this app will get access to the specified resources for all users in your organization.</p>{{end}}
{{if .ShowOrg}}<p><label><input type="checkbox" id="consent_org" name="consent_org" value="on"> Consent on behalf of your organization</label></p>{{end}}
<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<div class="buttons"><button id="cancel" name="action" value="cancel" type="submit">Cancel</button><button class="primary" id="accept" name="action" value="accept" type="submit">Accept</button></div>
</form>{{template "foot" .}}{{end}}

{{define "blocked"}}{{template "head" .}}
<div class="muted">{{.User}}</div>
<h1 id="screen" data-result="{{.Result}}">{{.Heading}}</h1>
{{template "app" .}}
<p id="error-code" data-code="{{.Code}}">{{.Message}}</p>
{{template "perms" .}}
<form method="post" action="{{.Action}}" id="blocked-form">
<input type="hidden" name="flow" value="{{.Flow}}">
{{if .Approval}}<label for="reason">Justification for requesting access to this app</label>
<textarea id="reason" name="reason"></textarea>
<div class="buttons"><button id="cancel" name="action" value="cancel" type="submit">Back to app</button><button class="primary" id="request" name="action" value="request" type="submit">Request approval</button></div>
{{else}}<p class="muted">Have an admin account? Sign in with that account to grant consent.</p>
<div class="buttons"><button id="cancel" name="action" value="cancel" type="submit">Return to the application without consenting</button></div>{{end}}
</form>{{template "foot" .}}{{end}}

{{define "requestsent"}}{{template "head" .}}
<h1 id="request-sent">Request sent</h1>
{{template "app" .}}
<p>You'll need to wait for an admin to approve your request. Your request: <q>{{.Message}}</q></p>
<form method="post" action="{{.Action}}"><input type="hidden" name="flow" value="{{.Flow}}">
<div class="buttons"><button id="cancel" name="action" value="cancel" type="submit">Back to app</button></div></form>
{{template "foot" .}}{{end}}

{{define "formpost"}}<!doctype html><html><head><meta charset="utf-8"><title>Working...</title></head><body>
<form method="POST" name="hiddenform" id="form_post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form>
<script>document.getElementById("form_post").submit();</script></body></html>{{end}}

{{define "adminconsent"}}{{template "head" .}}
<h1>Permissions requested<br><span class="muted">Accept for your organization</span></h1>
{{template "app" .}}
{{template "perms" .}}
{{if .Message}}<p class="err">{{.Message}}</p>{{end}}
<form method="post" action="{{.Action}}" id="consent-form">
<input type="hidden" name="flow" value="{{.Flow}}">
<label for="login">Signed in as (an administrator of {{.Tenant}})</label>
<input type="email" id="login" name="login" value="{{.Login}}" list="users" autocomplete="off">
<datalist id="users">{{range .Users}}<option value="{{.}}">{{end}}</datalist>
<p class="muted">If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>
<div class="buttons"><button id="cancel" name="action" value="cancel" type="submit">Cancel</button><button class="primary" id="accept" name="action" value="accept" type="submit">Accept</button></div>
</form>{{template "foot" .}}{{end}}

{{define "done"}}{{template "head" .}}
<h1 id="{{.ID}}">{{.Heading}}</h1>
{{if .App}}{{template "app" .}}{{end}}
<p>{{.Message}}</p>{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.Heading}}</h1>
<p id="error-code" data-code="{{.Code}}">AADSTS{{.Code}}: {{.Message}}</p>{{template "foot" .}}{{end}}

{{define "devicelogin"}}{{template "head" .}}
<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
{{if .Message}}<p class="err" id="error-code" data-code="{{.Code}}">{{.Message}}</p>{{end}}
<form method="post" action="{{.Action}}" id="device-form">
<input type="text" id="code" name="code" value="{{.Flow}}" placeholder="Code" autocomplete="off">
<label for="login">Sign in as</label>
<input type="email" id="login" name="login" value="{{.Login}}" list="users" autocomplete="off">
<datalist id="users">{{range .Users}}<option value="{{.}}">{{end}}</datalist>
{{if .Pending}}<p class="muted">Waiting codes: {{range .Pending}}<code>{{.}}</code> {{end}}</p>{{end}}
<div class="buttons"><button class="primary" id="next" name="action" value="next" type="submit">Next</button></div>
</form>{{template "foot" .}}{{end}}

{{define "deviceconfirm"}}{{template "head" .}}
<div class="muted">{{.User}}</div>
{{if .Consent}}<h1 id="device-consent">Permissions requested</h1>{{else}}<h1>Are you trying to sign in to {{.App}}?</h1>{{end}}
{{template "app" .}}
{{template "perms" .}}
<p class="muted">Only continue if you downloaded the app from a store or website that you trust.</p>
<form method="post" action="{{.Action}}" id="device-form">
<input type="hidden" name="code" value="{{.Flow}}"><input type="hidden" name="login" value="{{.Login}}">
{{if .ShowOrg}}<p><label><input type="checkbox" id="consent_org" name="consent_org" value="on"> Consent on behalf of your organization</label></p>{{end}}
{{if .Consent}}<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>{{end}}
<div class="buttons"><button id="decline" name="action" value="decline" type="submit">{{if .Consent}}Cancel{{else}}Decline{{end}}</button><button class="primary" id="approve" name="action" value="approve" type="submit">{{if .Consent}}Accept{{else}}Continue{{end}}</button></div>
</form>{{template "foot" .}}{{end}}

{{define "index"}}{{template "head" .}}
<h1>consentwiz simulated cloud</h1>
{{range .Tenants}}<h2 style="font-size:16px">{{.Name}}</h2><p class="muted">Tenant <code>{{.ID}}</code> · {{.Domain}} · scenario <code>{{.Scenario}}</code></p>
<ul>{{range .Users}}<li>{{.}}</li>{{end}}</ul>
<p><a href="{{.AdminConsent}}">Admin consent for TrackerRMS</a> · <a href="{{.UserSignIn}}">Sign in to TrackerRMS as the end user</a></p>{{end}}
<p><a href="/devicelogin">Device code sign-in</a></p>{{template "foot" .}}{{end}}
`))

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

// pageData feeds every template; html/template escapes all of it, so hostile
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

func render(w http.ResponseWriter, status int, name string, d pageData) {
	if d.Title == "" {
		d.Title = "Sign in to your account"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, d)
}

func errorPage(w http.ResponseWriter, status, code int, msg string) {
	render(w, status, "error", pageData{Title: "Sign in error", Heading: "Sorry, but we're having trouble signing you in.", Code: code, Message: msg})
}
