package flows

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"consentwiz/graph/entra"
)

// What a URL can report without naming the app (Reading.Outcome).
const (
	LinkGranted   = "granted"   // ?admin_consent=True&tenant=… without an error
	LinkCancelled = "cancelled" // error=access_denied&error_subcode=cancel
	LinkDenied    = "denied"    // error=access_denied or consent_required with AADSTS65004
	LinkFailed    = "failed"    // any other error on the app's redirect
	LinkReprocess = "reprocess" // Microsoft's /reprocess page, mid sign-in
)

// Hosts of retired or personal-account sign-in.
const (
	germanyLoginHost  = "login.microsoftonline.de"
	personalLoginHost = "login.live.com"
)

// readURL reads one pasted Microsoft identity platform URL (already unwrapped
// and joined) into a Reading. Parameters that fail validation are errors,
// except obvious placeholders ({tenant-id}, <YOUR_APP_ID>, …), which are noted
// and left out.
func readURL(s string) (Reading, error) {
	in := strings.Trim(strings.TrimSpace(s), "<>\"'`")
	if len(in) > maxInput {
		return Reading{}, errors.New("URL is too long")
	}
	if strings.HasPrefix(strings.ToLower(in), "login.") {
		in = "https://" + in
	}
	u, err := url.Parse(in)
	if err != nil {
		return Reading{}, fmt.Errorf("not a URL: %s", quoteInput(in))
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if scheme != "https" && !(scheme == "http" && isLoopback(host)) {
		return Reading{}, fmt.Errorf("URL is not https: %s", quoteInput(in))
	}
	if !validHost(host) {
		return Reading{}, fmt.Errorf("URL host is not valid: %s", quoteInput(u.Host))
	}
	if u.User != nil {
		return Reading{}, fmt.Errorf("URL has user info, refusing it: %s", quoteInput(in))
	}
	r := Reading{Kind: KindURL}
	r.App.LoginHost, r.App.CloudHint = strings.ToLower(u.Host), cloudForHost(host)
	switch host {
	case germanyLoginHost:
		r.RetiredCloud = true
		r.note("login.microsoftonline.de is Microsoft Cloud Deutschland, which was retired in October 2021; its tenants now sign in at login.microsoftonline.com.")
	case personalLoginHost:
		r.Personal = true
	}

	q := u.Query()
	if strings.Contains(u.Fragment, "=") {
		// Implicit and fragment response modes put the parameters after '#'.
		if fq, err := url.ParseQuery(u.Fragment); err == nil {
			for k, v := range fq {
				if _, ok := q[k]; !ok {
					q[k] = v
				}
			}
		}
	}

	segs := []string{}
	for _, p := range strings.Split(u.Path, "/") {
		if p != "" {
			segs = append(segs, p)
		}
	}
	endpoint, tenantSeg, v2 := classifyPath(segs)
	r.Endpoint = endpoint
	if tenantSeg != "" {
		if err := r.setTenantSegment(tenantSeg); err != nil {
			return Reading{}, err
		}
	}
	switch endpoint {
	case "authorize", "adminconsent":
		r.App.ConsentVersion = "v1"
		if v2 {
			r.App.ConsentVersion = "v2"
		}
	case "reprocess":
		r.Outcome = LinkReprocess
		r.note("This is Microsoft's sign-in page in the middle of a sign-in (/reprocess): its address does not name the app.")
	}

	if v := q.Get("client_id"); v != "" {
		if id := NormalizeGUID(v); id != "" {
			r.App.ClientID = id
		} else if isPlaceholder(v) {
			r.PlaceholderClient = Sanitize(v, 60)
			r.note(fmt.Sprintf("The link's client_id is a placeholder (%s), not an app id.", r.PlaceholderClient))
		} else {
			return Reading{}, fmt.Errorf("client_id is not a GUID: %s", quoteInput(v))
		}
	}
	if v := q.Get("scope"); v != "" {
		graphScopes, other, def, err := ParseScopes(v)
		if err != nil {
			return Reading{}, err
		}
		r.App.Scopes, r.App.OtherScopes = graphScopes, other
		if def {
			r.App.addNote("the URL asks for .default: every permission configured on the app registration")
		}
	}
	if v := q.Get("resource"); v != "" {
		r.App.addNote("v1 resource " + Sanitize(v, 100))
	}
	if v := q.Get("redirect_uri"); v != "" {
		if bracketPlaceholderRE.MatchString(v) {
			r.note(fmt.Sprintf("The link's redirect_uri is a placeholder (%s).", Sanitize(v, 60)))
		} else {
			ru, err := ValidateRedirectURI(v)
			if err != nil {
				return Reading{}, err
			}
			r.App.RedirectURIs = []string{ru}
			r.App.InputRedirectURI = ru
		}
	}
	if v := q.Get("prompt"); v != "" {
		p := strings.ToLower(Sanitize(v, 40))
		switch p {
		case "login", "none", "consent", "select_account", "admin_consent", "create":
			r.App.Prompt = p
		default:
			return Reading{}, fmt.Errorf("prompt is not a known value: %s", quoteInput(v))
		}
		// An admin consent link published on purpose: the adminconsent
		// endpoint, or an authorize URL asking prompt=admin_consent without
		// the scope and state of an app's sign-in. It forces nothing on
		// users (docs/entra.md B1, C1).
		r.App.PromptLink = endpoint == "adminconsent" ||
			p == "admin_consent" && q.Get("scope") == "" && q.Get("state") == "" && q.Get("nonce") == ""
	}
	if v := q.Get("response_type"); v != "" {
		for _, f := range strings.Fields(v) {
			switch strings.ToLower(f) {
			case "code", "id_token", "token":
			default:
				return Reading{}, fmt.Errorf("response_type is not a known value: %s", quoteInput(v))
			}
		}
	}
	if t := q.Get("tenant"); t != "" && r.App.TenantHint == "" {
		if _, v, err := ParseTenant(t); err == nil {
			r.App.TenantHint = v // the adminconsent redirect names the tenant
		}
	}
	if endpoint == "error" {
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(q.Get("code")), "AADSTS")); err == nil && n > 0 && n < 100000000 {
			r.App.ErrorCode = n
		}
	}
	if v := q.Get("error_description"); v != "" {
		if e, err := readText(v); err == nil {
			r.merge(e)
		}
	}
	r.readOutcome(q)
	if r.App.ClientID == "" && r.App.ErrorCode == 0 && r.Outcome == "" && r.PlaceholderClient == "" &&
		r.PlaceholderTenant == "" && !r.RetiredCloud && !r.Personal {
		return Reading{}, fmt.Errorf("URL has no client_id parameter: %s", quoteInput(in))
	}
	return r, nil
}

// readOutcome reads what the app's redirect says happened: admin_consent,
// error, error_subcode (docs/entra.md C1).
func (r *Reading) readOutcome(q url.Values) {
	errCode := strings.ToLower(Sanitize(q.Get("error"), 40))
	sub := strings.ToLower(Sanitize(q.Get("error_subcode"), 40))
	if errCode != "" && oauthErrorRE.MatchString(errCode) {
		r.OAuthError = errCode
	}
	consent := strings.EqualFold(q.Get("admin_consent"), "true")
	switch {
	case errCode == "access_denied" && sub == "cancel":
		r.Outcome = LinkCancelled
		r.note("Someone clicked Cancel on the consent prompt (error=access_denied, error_subcode=cancel): nothing was granted. Open the link again and choose Accept.")
	case errCode == "access_denied" || errCode == "consent_required" && r.App.ErrorCode == 65004:
		r.Outcome = LinkDenied
		r.note("The consent prompt was declined (error=" + errCode + "): nothing was granted. Open the link again and choose Accept.")
	case errCode != "":
		r.Outcome = LinkFailed
		if consent {
			r.note("Admin consent did not complete (admin_consent=True with error=" + errCode + ").")
		}
	case consent:
		r.Outcome = LinkGranted
		where := "the tenant"
		if r.App.TenantHint != "" {
			where = "tenant " + r.App.TenantHint
		}
		r.note("This is the app's page after admin consent was granted in " + where + " (admin_consent=True). Check the grant in the tenant: the redirect itself proves nothing.")
	}
}

var oauthErrorRE = regexp.MustCompile(`^[a-z_]{3,40}$`)

// setTenantSegment reads the tenant part of a login URL's path: a tenant id or
// domain, common/organizations (no tenant), consumers (personal accounts), or
// a placeholder such as {tenant-id}. Anything else is an error.
func (r *Reading) setTenantSegment(t string) error {
	switch strings.ToLower(t) {
	case "common", "organizations":
		return nil
	case "consumers", "9188040d-6c67-4c5b-b112-36a304b66dad":
		r.Personal = true
		return nil
	}
	if _, v, err := ParseTenant(t); err == nil {
		r.App.TenantHint = v
		return nil
	}
	if !isPlaceholder(t) {
		return fmt.Errorf("tenant %s in the URL is not a domain or tenant id", quoteInput(t))
	}
	r.PlaceholderTenant = Sanitize(t, 60)
	r.note(fmt.Sprintf("The link's tenant is a placeholder (%s), not a tenant: give the tenant with --tenant.", r.PlaceholderTenant))
	return nil
}

// placeholderRE matches the stand-ins published links carry for a value the
// reader must fill in.
var placeholderRE = regexp.MustCompile(`(?i)[{}<>\[\]]|enter_|your|here\b|tenant|client|app_?id|application|_id\b|^x{3,}|xxxx|placeholder|^\.\.\.$|^id$`)

// bracketPlaceholderRE matches a placeholder inside a value that may itself
// contain words such as "client" (…/oauth2/nativeclient): only brackets and
// "enter_…"/"your_…" stand-ins count.
var bracketPlaceholderRE = regexp.MustCompile(`(?i)[{}<>\[\]]|enter_|your_`)

// isPlaceholder reports whether v looks like a placeholder rather than a value.
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 80 || Sanitize(v, 0) != v {
		return false
	}
	if placeholderRE.MatchString(v) {
		return true
	}
	// a GUID with letters beyond f (redacted by hand: "aasdf6ec-…")
	return guidShapeRE.MatchString(v) && !IsGUID(v)
}

var guidShapeRE = regexp.MustCompile(`^\{?[0-9a-zA-Z]{6,10}-[0-9a-zA-Z]{3,5}-[0-9a-zA-Z]{3,5}-[0-9a-zA-Z]{3,5}-[0-9a-zA-Z]{10,14}\}?$`)

// classifyPath finds the Microsoft endpoint in a URL path: authorize
// (/{tenant}/oauth2[/v2.0]/authorize, /oauth20_authorize.srf), adminconsent
// (/{tenant}[/v2.0]/adminconsent), error (/error) or reprocess
// (/{tenant}/reprocess), and the tenant segment before it.
func classifyPath(segs []string) (endpoint, tenant string, v2 bool) {
	l := make([]string, len(segs))
	for i, s := range segs {
		l[i] = strings.ToLower(s)
	}
	n := len(l)
	if n == 0 {
		return "", "", false
	}
	before := func(i int) string {
		if i >= 0 && i < n {
			return segs[i]
		}
		return ""
	}
	switch l[n-1] {
	case "authorize":
		i := n - 2
		if i >= 0 && l[i] == "v2.0" {
			v2 = true
			i--
		}
		if i < 0 || l[i] != "oauth2" {
			return "", "", false
		}
		return "authorize", before(i - 1), v2
	case "oauth20_authorize.srf":
		return "authorize", "", false
	case "adminconsent":
		i := n - 2
		if i >= 0 && l[i] == "v2.0" {
			v2 = true
			i--
		}
		return "adminconsent", before(i), v2
	case "error":
		return "error", "", false
	case "reprocess":
		return "reprocess", before(n - 2), false
	}
	return "", "", false
}

// isLoginHost reports whether host is a Microsoft sign-in host of any cloud.
func isLoginHost(host string) bool {
	return cloudForHost(host) != "" || host == germanyLoginHost || host == personalLoginHost
}

// cloudForHost names the national cloud of a login host, or "".
func cloudForHost(host string) string {
	switch host {
	case "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net":
		return "global"
	case "login.microsoftonline.us":
		return "usgov" // GCC High and DoD share the login host
	case "login.partner.microsoftonline.cn", "login.chinacloudapi.cn":
		return "china"
	}
	for _, name := range entra.CloudNames {
		if u, err := url.Parse(entra.Clouds[name].LoginURL); err == nil && strings.EqualFold(u.Hostname(), host) {
			return name
		}
	}
	return ""
}
