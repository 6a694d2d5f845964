package flows

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// Explanation says what a sign-in error (or a pasted URL) means and what to do.
type Explanation struct {
	// Input is the explained input, sanitized and cut.
	Input string `json:"input"`
	// Code is the AADSTS code, 0 when none was found.
	Code int `json:"code,omitempty"`
	// Known reports whether Code is in consentwiz's catalogue.
	Known   bool   `json:"known"`
	Name    string `json:"name,omitempty"`
	Meaning string `json:"meaning"`
	// UserScreen is the screen id (need-admin-approval, approval-required, …) when known.
	UserScreen string `json:"userScreen,omitempty"`
	// Screen is what the user saw.
	Screen string `json:"screen,omitempty"`
	Cause  string `json:"cause,omitempty"`
	Action string `json:"action"`
	// Route is a fix id or vendor, retry or assign-users.
	Route string  `json:"route,omitempty"`
	Fixes []FixID `json:"fixes"`
	// App is what the input told about the app, tenant and request.
	App AppRef `json:"app"`
	// Reading is everything read from the input (the same reading ParseApp uses).
	Reading Reading `json:"reading"`
	// ConsentURL is the v1 admin consent link, when a client id and a tenant are known.
	ConsentURL string   `json:"consentUrl,omitempty"`
	Notes      []string `json:"notes"`
	Source     string   `json:"source,omitempty"`
	// SourceThirdParty reports that Source is not Microsoft documentation.
	SourceThirdParty bool `json:"sourceThirdParty,omitempty"`
}

var bareCodeRE = regexp.MustCompile(`(?i)^(?:AADSTS)?\s*(\d{4,7})$`)

// Explain explains an AADSTS code ("90094", "AADSTS90094"), a pasted sign-in
// or consent URL, or pasted error text, offline. Codes outside the catalogue
// get a pointer to Microsoft's lookup page.
func Explain(input string) (Explanation, error) {
	in := strings.TrimSpace(input)
	if in == "" {
		return Explanation{}, errors.New("nothing to explain: give an AADSTS code, a sign-in URL or the error text")
	}
	e := Explanation{Input: Sanitize(in, 200), Fixes: []FixID{}, Notes: []string{}}
	var r Reading
	if m := bareCodeRE.FindStringSubmatch(in); m != nil {
		n, _ := strconv.Atoi(m[1])
		r = Reading{Kind: KindText, App: AppRef{ErrorCode: n}}
	} else {
		var err error
		if r, err = Read(in); err != nil {
			return Explanation{}, err
		}
	}
	e.App, e.Reading = r.App, r
	e.Code = e.App.ErrorCode
	switch {
	case e.Code != 0:
		if c, ok := assets.Code(e.Code); ok {
			e.Known = true
			e.Name, e.Meaning, e.UserScreen, e.Screen = c.Name, c.Meaning, c.UserScreen, c.Screen
			e.Cause, e.Action, e.Route, e.Source = c.Cause, c.Action, c.Route, c.Source
			e.SourceThirdParty = c.ThirdParty
			for _, f := range c.Fixes {
				e.Fixes = append(e.Fixes, FixID(f))
			}
		} else {
			e.Meaning = fmt.Sprintf("AADSTS%d is not in consentwiz's catalogue of consent errors", e.Code)
			e.Source = fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.Code)
			e.Action = "Look the code up at " + e.Source + "."
		}
	case r.Screen != "":
		e.UserScreen = r.Screen
		e.Meaning, e.Screen = screenMeaning(r)
		e.Action = "Find the app's id: " + whereToFindID + "."
		if e.App.ClientID != "" {
			e.Action = "Grant admin consent for the app (admin consent link), or run `consentwiz check` with the app and the tenant to see which fix works."
			e.Route = string(FixAdminLink)
			e.Fixes = append(e.Fixes, FixAdminLink, FixRequestWorkflow, FixGrantDirect)
		}
	case r.Outcome != "":
		e.Meaning = outcomeMeaning(r)
		e.Action = "Give the app's client id or the sign-in URL to go on."
		if r.Outcome == LinkCancelled || r.Outcome == LinkDenied {
			e.Route = assets.RouteRetry
			e.Action = "Open the consent link again and choose Accept."
		}
	case e.App.ClientID != "":
		e.Meaning = "A sign-in or consent URL for the app " + e.App.ClientID + "."
		e.Action = "Run `consentwiz check` with this URL and the tenant to see why users are blocked, or grant admin consent with the link."
		e.Route = string(FixAdminLink)
		e.Fixes = append(e.Fixes, FixAdminLink, FixRequestWorkflow, FixGrantDirect)
	default:
		e.Meaning = "No error code or app id was found."
		e.Action = "Paste the full error text (with the AADSTS code) or the sign-in URL the user was sent to."
	}
	if r.Personal || r.RetiredCloud {
		e.Fixes, e.Route = []FixID{}, ""
		if _, err := r.AppRef(); err != nil {
			e.Action = upperFirst(err.Error()) + "."
		}
	}
	e.notes()
	if e.App.ClientID != "" && e.App.TenantHint != "" && hasFix(e.Fixes, FixAdminLink) {
		cloud := entra.Clouds["global"]
		if c, ok := entra.Clouds[e.App.CloudHint]; ok {
			cloud = c
		}
		e.ConsentURL = AdminConsentURLv1(cloud, e.App.TenantHint, e.App.ClientID, e.App.InputRedirectURI, "")
	}
	return e, nil
}

// screenMeaning says what a consent screen read from its words means.
func screenMeaning(r Reading) (meaning, screen string) {
	app := "The app"
	if r.App.DisplayName != "" {
		app = strconv.Quote(r.App.DisplayName)
	}
	if r.Screen == ScreenApprovalRequired {
		return app + " needs an admin's approval; the admin consent request workflow is on, so the user can send a request.",
			"\"Approval required\": a form to request approval with a justification."
	}
	if r.Risky {
		return app + " is considered risky, so only an admin can consent to it (risk-based step-up).",
			"\"This app may be risky\": the user is told to ask an admin."
	}
	return app + " needs permission that only an admin can grant: user consent does not cover it.",
		"\"Need admin approval\": the app needs permission that only an admin can grant."
}

// outcomeMeaning says what a redirect URL without an app reports.
func outcomeMeaning(r Reading) string {
	if len(r.Notes) > 0 {
		for _, n := range r.Notes {
			if strings.Contains(n, "admin_consent") || strings.Contains(n, "Cancel") || strings.Contains(n, "declined") || strings.Contains(n, "reprocess") {
				return n
			}
		}
	}
	return "The URL reports the end of a sign-in or consent (" + r.Outcome + ") but does not name the app."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func hasFix(fs []FixID, id FixID) bool {
	for _, f := range fs {
		if f == id {
			return true
		}
	}
	return false
}

func (e *Explanation) notes() {
	a := e.App
	switch a.Prompt {
	case "admin_consent":
		e.Notes = append(e.Notes, "The URL forces prompt=admin_consent: non-admins are always asked for admin approval, whatever is granted. The vendor must stop sending it.")
	case "consent":
		e.Notes = append(e.Notes, "The URL forces prompt=consent: users must consent on every sign-in, which fails whenever user consent is not allowed.")
	}
	if len(a.Scopes) > 0 {
		e.Notes = append(e.Notes, "Permissions asked for: "+strings.Join(a.Scopes, " "))
	}
	if a.Notes != "" {
		// a profile's note is shown whole, never cut mid-sentence
		e.Notes = append(e.Notes, Sanitize(a.Notes, 0))
	}
	if len(a.OtherScopes) > 0 {
		e.Notes = append(e.Notes, "Permissions for other APIs: "+strings.Join(a.OtherScopes, " "))
	}
	for _, n := range e.Reading.Notes {
		e.Notes = append(e.Notes, Sanitize(n, 0))
	}
	if res := e.Reading.ResourceID; res != "" {
		line := "The error names the API (resource) " + res + "."
		if id := NormalizeGUID(res); id != "" && a.TenantHint != "" && (e.Code == 650052 || e.Code == 65005 || e.Code == 500011) {
			cloud := entra.Clouds["global"]
			if c, ok := entra.Clouds[a.CloudHint]; ok {
				cloud = c
			}
			line += " An admin can add it to the tenant by opening " + strings.TrimSuffix(cloudLoginURL(cloud), "/") + "/" + tenantSegment(a.TenantHint) +
				"/oauth2/authorize?response_type=code&client_id=" + id + "&prompt=admin_consent and accepting (Microsoft's troubleshoot-consent-issues article)."
		}
		e.Notes = append(e.Notes, line)
	}
	if e.App.ClientID != "" && e.App.TenantHint == "" && hasFix(e.Fixes, FixAdminLink) {
		e.Notes = append(e.Notes, "Give the tenant (domain or id) to get the admin consent link.")
	}
}

// Text renders the explanation as plain text, without colour.
func (e Explanation) Text() string {
	var b strings.Builder
	title := "Explanation"
	if e.Code != 0 {
		title = fmt.Sprintf("AADSTS%d", e.Code)
		if e.Name != "" {
			title += " " + e.Name
		}
	}
	b.WriteString(title + "\n")
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-20s %s\n", label+":", v)
		}
	}
	line("What it means", e.Meaning)
	line("What the user saw", e.Screen)
	line("Cause", e.Cause)
	line("What to do", e.Action)
	if len(e.Fixes) > 0 {
		ids := make([]string, len(e.Fixes))
		for i, f := range e.Fixes {
			ids[i] = string(f)
		}
		line("Fixes", strings.Join(ids, ", "))
	} else if e.Route != "" {
		line("Next step", routeText(e.Route))
	}
	app := e.App.DisplayName
	if e.App.ClientID != "" {
		if app != "" {
			app += " (" + e.App.ClientID + ")"
		} else {
			app = e.App.ClientID
		}
	}
	line("App", app)
	line("Tenant", e.App.TenantHint)
	line("Admin consent link", e.ConsentURL)
	line("Correlation ID", e.App.CorrelationID)
	line("Trace ID", e.App.TraceID)
	for _, n := range e.Notes {
		if n != e.Meaning && n != e.Action {
			line("Note", n) // a note the lines above already say is not said twice
		}
	}
	if e.SourceThirdParty {
		line("Source (third party)", e.Source)
	} else {
		line("Source", e.Source)
	}
	return b.String()
}

// routeText says in words where a code without a tenant fix leads (the JSON
// keeps the route's id).
func routeText(route string) string {
	switch route {
	case assets.RouteRetry:
		return "try again (retry): nothing in the tenant needs to change"
	case assets.RouteVendor:
		return "contact the app's vendor (vendor): the fix is in the app, not in the tenant"
	case assets.RouteAssignUsers:
		return "assign the user to the app (assign-users)"
	}
	return route
}
