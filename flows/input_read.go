package flows

import (
	"errors"
	"fmt"
	"strings"

	"consentwiz/assets"
)

// Kinds of input (Reading.Kind).
const (
	KindClientID = "client-id"
	KindProfile  = "profile"
	KindURL      = "url"
	KindText     = "text"
)

// Reading is everything consentwiz understood from one thing a person pasted
// or typed: a client id, a profile name, a sign-in or consent link (also
// wrapped by a mail gateway or broken over lines), or the text of an error
// screen, log line or JSON error body. Read produces it; ParseApp, ParseURL,
// ParseErrorText and Explain are built on it, so every command reads the same
// input the same way.
type Reading struct {
	// App is what the input says about the app, the tenant and the request.
	App AppRef `json:"app"`
	// Kind is client-id, profile, url or text.
	Kind string `json:"kind"`
	// Endpoint is the Microsoft endpoint of a URL: authorize, adminconsent,
	// error or reprocess, or "" for another page (the app's redirect).
	Endpoint string `json:"endpoint,omitempty"`
	// Screen is the consent screen the words belong to (ScreenNeedAdminApproval,
	// ScreenApprovalRequired), or "".
	Screen string `json:"screen,omitempty"`
	// Risky reports the "This app may be risky" wording.
	Risky bool `json:"risky,omitempty"`
	// PlaceholderTenant and PlaceholderClient are the placeholders a published
	// link carried instead of a tenant or client id ({tenant-id}, <YOUR_APP_ID>).
	PlaceholderTenant string `json:"placeholderTenant,omitempty"`
	PlaceholderClient string `json:"placeholderClient,omitempty"`
	// Personal reports a personal Microsoft account sign-in (login.live.com,
	// /consumers): admin consent does not apply.
	Personal bool `json:"personal,omitempty"`
	// RetiredCloud reports a link to the retired Microsoft Cloud Deutschland.
	RetiredCloud bool `json:"retiredCloud,omitempty"`
	// ResourceID is the resource (API) the error names: an app id or URI
	// (AADSTS650052, 65002, 650053, 500014, 500011).
	ResourceID string `json:"resourceId,omitempty"`
	// TenantName is a tenant display name from the text ("Microsoft Services"),
	// when it is not a domain or id.
	TenantName string `json:"tenantName,omitempty"`
	Timestamp  string `json:"timestamp,omitempty"`
	// OAuthError is the OAuth error word: access_denied, consent_required, …
	OAuthError string `json:"oauthError,omitempty"`
	// Outcome is what a redirect URL reports: granted, cancelled, denied,
	// failed, reprocess.
	Outcome string `json:"outcome,omitempty"`
	// Unwrapped names the link wrappers removed (safelinks, urldefense, google, …).
	Unwrapped []string `json:"unwrapped,omitempty"`
	// Notes are sentences for the person: what the input means, what is missing.
	Notes []string `json:"notes,omitempty"`
}

func (r *Reading) note(n string) {
	for _, have := range r.Notes {
		if have == n {
			return
		}
	}
	r.Notes = append(r.Notes, n)
}

// Read reads anything a person pasted: a client id, a profile name, a URL or
// error text. It fails only when it finds nothing it can use, or when a URL
// carries a value that fails validation.
func Read(s string) (Reading, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Reading{}, errors.New("no app given: use a client id, a profile name, a sign-in URL or the error text")
	}
	if len(in) > maxInput {
		in = in[:maxInput]
	}
	if id := NormalizeGUID(in); id != "" {
		return Reading{Kind: KindClientID, App: KnownApp(AppRef{ClientID: id})}, nil
	}
	if !strings.ContainsAny(in, " \t\r\n'\"()") {
		if p, err := assets.Profile(in); err == nil {
			return Reading{Kind: KindProfile, App: FromProfile(p)}, nil
		}
	}
	text := stripQuotes(unescapeText(in))
	urls, rest := extractURLsRest(text)
	// one URL with at most a few words around it ("GET", "Please open") is
	// read as that URL; words with a code or an id make it error text
	single := len(urls) == 1 && len(strings.Fields(rest)) <= 3 && !codeRE.MatchString(rest) && !strings.Contains(rest, "-")
	var r Reading
	if single {
		inner, wrappers := unwrapURL(urls[0])
		ur, err := readURL(inner)
		if err != nil {
			return Reading{}, err
		}
		r = ur
		r.Unwrapped = wrappers
	} else {
		tr, err := readText(text)
		for _, u := range urls {
			inner, wrappers := unwrapURL(u)
			ur, uerr := readURL(inner)
			if uerr != nil {
				continue
			}
			if err != nil {
				tr, err = Reading{Kind: KindText}, nil
			}
			ur.Unwrapped = wrappers
			tr.mergeEmbedded(ur)
		}
		if err != nil {
			if !strings.ContainsAny(in, " \t\r\n") && !looksLikeURL(in) {
				return Reading{}, fmt.Errorf("%s is not a client id (GUID), a known profile, a URL or error text", quoteInput(in))
			}
			return Reading{}, err
		}
		r = tr
	}
	r.byName()
	r.App = KnownApp(r.App)
	r.explainAccount()
	return r, nil
}

// extractURLsRest returns the URLs in text and the words around them, less
// an HTTP method and punctuation.
func extractURLsRest(text string) ([]string, string) {
	urls, rest := extractURLs(text)
	for _, w := range []string{"GET ", "POST ", "//", "<", ">", "`", "\"", "'"} {
		rest = strings.ReplaceAll(rest, w, " ")
	}
	return urls, strings.Trim(rest, " \t\r\n.,;:!?()[]{}*")
}

// mergeEmbedded fills r from a URL found inside text. What the URL reports as
// an outcome (admin_consent=True…) belongs to that URL, not to the error the
// text describes, so it is left out.
func (r *Reading) mergeEmbedded(u Reading) {
	outcome := u.Outcome
	u.Outcome = ""
	if outcome == "" {
		for _, n := range u.Notes {
			r.note(n)
		}
	}
	r.merge(u)
}

// merge fills r's empty fields from o.
func (r *Reading) merge(o Reading) {
	r.App.merge(o.App)
	if r.Endpoint == "" {
		r.Endpoint = o.Endpoint
	}
	if r.Screen == "" {
		r.Screen = o.Screen
	}
	r.Risky = r.Risky || o.Risky
	r.Personal = r.Personal || o.Personal
	r.RetiredCloud = r.RetiredCloud || o.RetiredCloud
	for _, p := range []struct {
		dst *string
		src string
	}{
		{&r.PlaceholderTenant, o.PlaceholderTenant}, {&r.PlaceholderClient, o.PlaceholderClient},
		{&r.ResourceID, o.ResourceID}, {&r.TenantName, o.TenantName}, {&r.Timestamp, o.Timestamp},
		{&r.OAuthError, o.OAuthError}, {&r.Outcome, o.Outcome},
	} {
		if *p.dst == "" {
			*p.dst = p.src
		}
	}
	if len(r.Unwrapped) == 0 {
		r.Unwrapped = o.Unwrapped
	}
	for _, n := range o.Notes {
		r.note(n)
	}
}

// byName completes a reading without a client id whose app name is a built-in
// profile's name ("Need admin approval … TrackerRMS needs permission …").
func (r *Reading) byName() {
	name := strings.TrimSpace(r.App.DisplayName)
	if r.App.ClientID != "" || name == "" {
		return
	}
	profiles, err := assets.Profiles()
	if err != nil {
		return
	}
	for _, p := range profiles {
		if strings.EqualFold(p.Name, name) || strings.EqualFold(p.DisplayName, name) {
			r.App.ClientID = strings.ToLower(p.ClientID)
			r.note(fmt.Sprintf("The app name %q is consentwiz's built-in profile %s: its client id is %s.", name, p.Name, r.App.ClientID))
			return
		}
	}
}

// explainAccount adds the notes about personal accounts.
func (r *Reading) explainAccount() {
	if r.Personal {
		r.note("This is a personal Microsoft account sign-in (login.live.com or /consumers): admin consent does not apply, there is no organization to consent for.")
	}
}

// MissingAppIDError is the error for an input that was read but names no app:
// it carries the reading, so a caller can show what was understood (the
// screen, the app's name) and offer to go on by name.
type MissingAppIDError struct {
	Reading Reading
	msg     string
}

func (e *MissingAppIDError) Error() string { return e.msg }

// whereToFindID says where the user finds the app id on Microsoft's error screen.
const whereToFindID = `on the error screen the user clicks "Troubleshooting details" (or the "…" / "More details" link at the bottom) and copies the block with "App id"; paste that, or give the app's client id or the sign-in URL from the address bar`

// AppRef returns the app the reading names, or an error that says what was
// understood and where the client id can be found.
func (r Reading) AppRef() (AppRef, error) {
	fail := func(format string, a ...any) (AppRef, error) {
		return AppRef{}, &MissingAppIDError{Reading: r, msg: fmt.Sprintf(format, a...)}
	}
	switch {
	case r.RetiredCloud:
		return fail("the link is for login.microsoftonline.de, Microsoft Cloud Deutschland, which was retired in October 2021: its tenants now sign in at login.microsoftonline.com; paste a link from there or give the app's client id")
	case r.Personal:
		msg := "the link signs in a personal Microsoft account (login.live.com or /consumers): admin consent does not apply to personal accounts, there is no organization to consent for"
		if r.App.ClientID != "" {
			msg += "; for the user's work or school account, run consentwiz with the client id " + r.App.ClientID + " and their tenant"
		}
		return fail("%s", msg)
	case r.App.ClientID != "":
		return r.App, nil
	case r.PlaceholderClient != "" && r.Kind == KindURL:
		return fail("the link's client_id is a placeholder (%s), not an app id: ask the vendor for the app's client id (a GUID), or paste the link the user really opened", quoteInput(r.PlaceholderClient))
	case r.Outcome == LinkGranted:
		where := "the tenant"
		if r.App.TenantHint != "" {
			where = "tenant " + r.App.TenantHint
		}
		return fail("the URL is the app's page after admin consent was granted in %s (admin_consent=True) and does not name the app: give the app's client id or the sign-in URL", where)
	case r.Outcome == LinkCancelled:
		return fail("the URL says someone clicked Cancel on the consent prompt (error_subcode=cancel), so nothing was granted, and it does not name the app: give the app's client id or the sign-in URL, then open the consent link again and choose Accept")
	case r.Outcome == LinkReprocess:
		return fail("the URL is Microsoft's sign-in page in mid sign-in (/reprocess) and does not name the app: %s", whereToFindID)
	case r.Screen != "":
		title := "Need admin approval"
		if r.Screen == ScreenApprovalRequired {
			title = "Approval required"
		}
		forApp := ""
		if r.App.DisplayName != "" {
			forApp = fmt.Sprintf(" for %q", r.App.DisplayName)
		}
		code := ""
		if r.App.ErrorCode != 0 {
			code = fmt.Sprintf(" (AADSTS%d)", r.App.ErrorCode)
		}
		return fail("the text is the %q screen%s%s but has no app id: %s", title, forApp, code, whereToFindID)
	}
	what := "the text"
	if r.Kind == KindURL {
		what = "the URL"
	}
	shows := ""
	if r.App.ErrorCode != 0 {
		shows = fmt.Sprintf(" (it shows AADSTS%d)", r.App.ErrorCode)
	}
	if r.Kind == KindURL {
		return fail("%s has no client_id%s: paste the URL of the sign-in or consent page, not the error page, or give the app's client id", what, shows)
	}
	return fail("no app id found in %s%s: %s", what, shows, whereToFindID)
}

// ParseApp turns what a user typed or pasted into an AppRef: a client id GUID,
// an app profile name, a consent or sign-in URL (wrapped or broken over lines
// too), or the text of a sign-in error. The result always has a ClientID;
// otherwise the error (a *MissingAppIDError when the input was understood)
// says what was found and where the client id is.
func ParseApp(s string) (AppRef, error) {
	r, err := Read(s)
	if err != nil {
		return AppRef{}, err
	}
	return r.AppRef()
}

// ParseURL reads a pasted Microsoft identity platform URL: an authorize URL
// (v1 /oauth2/authorize or v2 /oauth2/v2.0/authorize), an admin consent URL
// (v1 /adminconsent or v2 /v2.0/adminconsent), on any login host including
// national clouds, also wrapped by a mail gateway or broken over lines. It
// reads client_id, scope, redirect_uri, prompt and the tenant path segment.
// Scopes are reduced to short Microsoft Graph names; openid, profile and email
// are dropped (see README in assets). A parameter that fails validation is an
// error, and so is a URL that names no app.
func ParseURL(s string) (AppRef, error) {
	text := stripQuotes(unescapeText(strings.TrimSpace(s)))
	u := text
	if urls, _ := extractURLs(text); len(urls) > 0 {
		u = urls[0]
	}
	inner, wrappers := unwrapURL(u)
	r, err := readURL(inner)
	if err != nil {
		return AppRef{}, err
	}
	r.Unwrapped = wrappers
	r.App = KnownApp(r.App)
	r.explainAccount()
	return r.AppRef()
}

// ParseErrorText reads pasted sign-in error text: the AADSTS code, the app
// (every message shape: "application 'GUID'(Name)", "Application 'Name'(GUID)",
// "application with ID 'GUID' named 'Name'", "App id: GUID", …), the tenant,
// the Correlation ID and Trace/Request ID, the "Troubleshooting details" block
// field by field, JSON error bodies, and any sign-in URL inside it. The result
// always has a ClientID; otherwise the error says what was found.
func ParseErrorText(s string) (AppRef, error) {
	return ParseApp(s)
}
