package flows

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// Tenant kinds returned by ParseTenant.
const (
	TenantKindDomain = "domain"
	TenantKindID     = "id"
)

// maxInput caps how much pasted text is examined.
const maxInput = 64 << 10

var guidRE = regexp.MustCompile(`^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$`)

// IsGUID reports whether s is a GUID (optionally in braces).
func IsGUID(s string) bool { return guidRE.MatchString(strings.TrimSpace(s)) }

// NormalizeGUID returns s as a lowercase GUID without braces, or "" when s is not a GUID.
func NormalizeGUID(s string) string {
	m := guidRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// quote renders untrusted input inside an error message: sanitized, cut, quoted.
func quoteInput(s string) string { return strconv.Quote(Sanitize(s, 80)) }

// ParseApp turns what a user typed or pasted into an AppRef: a client id GUID,
// an app profile name, a consent or sign-in URL, or the text of a sign-in
// error. The result always has a ClientID; otherwise an error says what was
// found and what is missing.
func ParseApp(s string) (AppRef, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return AppRef{}, errors.New("no app given: use a client id, a profile name, a sign-in URL or the error text")
	}
	if id := NormalizeGUID(in); id != "" {
		return KnownApp(AppRef{ClientID: id}), nil
	}
	if looksLikeURL(in) && !strings.ContainsAny(in, " \t\r\n") {
		ref, err := ParseURL(in)
		if err != nil {
			return AppRef{}, err
		}
		if ref.ClientID == "" {
			return AppRef{}, errors.New("the URL has no client_id: paste the URL of the sign-in or consent page, not the error page")
		}
		return ref, nil
	}
	if !strings.ContainsAny(in, " \t\r\n'\"()") {
		if p, err := assets.Profile(in); err == nil {
			return FromProfile(p), nil
		}
	}
	ref, err := ParseErrorText(in)
	if err != nil {
		if !strings.ContainsAny(in, " \t\r\n") {
			return AppRef{}, fmt.Errorf("%s is not a client id (GUID), a known profile, a URL or error text", quoteInput(in))
		}
		return AppRef{}, err
	}
	if ref.ClientID == "" {
		what := "the text"
		if ref.ErrorCode != 0 {
			what = fmt.Sprintf("the text (it shows AADSTS%d)", ref.ErrorCode)
		}
		return AppRef{}, fmt.Errorf("no app id found in %s: give the app's client id or the sign-in URL too", what)
	}
	return ref, nil
}

// KnownApp completes ref from the app profile with the same client id, if
// there is one: its name, redirect URIs, consent endpoint and notes, and its
// scopes when ref names none (scopes from a pasted URL are what the app
// really asked for, so they win).
func KnownApp(ref AppRef) AppRef {
	if ref.ClientID == "" || ref.Profile != "" {
		return ref
	}
	profiles, err := assets.Profiles()
	if err != nil {
		return ref
	}
	for _, p := range profiles {
		if !strings.EqualFold(p.ClientID, ref.ClientID) {
			continue
		}
		k := FromProfile(p)
		ref.Profile = k.Profile
		if ref.DisplayName == "" {
			ref.DisplayName = k.DisplayName
		}
		if len(ref.Scopes) == 0 && len(ref.AppRoles) == 0 {
			ref.Scopes, ref.AppRoles = k.Scopes, k.AppRoles
		}
		if len(ref.RedirectURIs) == 0 {
			ref.RedirectURIs = k.RedirectURIs
		}
		if ref.ConsentVersion == "" {
			ref.ConsentVersion = k.ConsentVersion
		}
		if ref.Notes == "" {
			ref.Notes = k.Notes
		}
		break
	}
	return ref
}

// FromProfile builds an AppRef from an app profile.
func FromProfile(p assets.AppProfile) AppRef {
	return AppRef{
		ClientID:       strings.ToLower(p.ClientID),
		DisplayName:    p.DisplayName,
		Profile:        p.Name,
		Scopes:         append([]string(nil), p.Scopes...),
		AppRoles:       append([]string(nil), p.AppRoles...),
		RedirectURIs:   p.RedirectURIList(),
		ConsentVersion: p.ConsentVersion,
		Notes:          p.Notes,
	}
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") ||
		strings.HasPrefix(l, "login.") && strings.Contains(l, "/")
}

// ParseURL reads a pasted Microsoft identity platform URL: an authorize URL
// (v1 /oauth2/authorize or v2 /oauth2/v2.0/authorize), an admin consent URL
// (v1 /adminconsent or v2 /v2.0/adminconsent), a sign-in error page
// (/error?code=N), or the app's redirect with error and error_description, on
// any login host including national clouds. It reads client_id, scope,
// redirect_uri, prompt, the tenant path segment, and the error. Scopes are
// reduced to short Microsoft Graph names; openid, profile and email are
// dropped (see README in assets). A URL with neither client_id nor an error
// is an error, and so is any parameter that fails validation.
func ParseURL(s string) (AppRef, error) {
	ref, err := parseURL(s)
	if err != nil {
		return ref, err
	}
	return KnownApp(ref), nil
}

func parseURL(s string) (AppRef, error) {
	in := strings.Trim(strings.TrimSpace(s), "<>\"'`")
	if len(in) > maxInput {
		return AppRef{}, errors.New("URL is too long")
	}
	if strings.HasPrefix(strings.ToLower(in), "login.") {
		in = "https://" + in
	}
	u, err := url.Parse(in)
	if err != nil {
		return AppRef{}, fmt.Errorf("not a URL: %s", quoteInput(in))
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if scheme != "https" && !(scheme == "http" && isLoopback(host)) {
		return AppRef{}, fmt.Errorf("URL is not https: %s", quoteInput(in))
	}
	if !validHost(host) {
		return AppRef{}, fmt.Errorf("URL host is not valid: %s", quoteInput(u.Host))
	}
	if u.User != nil {
		return AppRef{}, fmt.Errorf("URL has user info, refusing it: %s", quoteInput(in))
	}
	ref := AppRef{LoginHost: strings.ToLower(u.Host), CloudHint: cloudForHost(host)}

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

	// Path: /{tenant}/oauth2[/v2.0]/authorize, /{tenant}[/v2.0]/adminconsent, /error.
	segs := []string{}
	for _, p := range strings.Split(u.Path, "/") {
		if p != "" {
			segs = append(segs, p)
		}
	}
	endpoint, tenantSeg, v2 := classifyPath(segs)
	if tenantSeg != "" {
		if err := setTenant(&ref, tenantSeg); err != nil {
			return AppRef{}, err
		}
	}
	switch endpoint {
	case "authorize", "adminconsent":
		ref.ConsentVersion = "v1"
		if v2 {
			ref.ConsentVersion = "v2"
		}
	}

	if v := q.Get("client_id"); v != "" {
		id := NormalizeGUID(v)
		if id == "" {
			return AppRef{}, fmt.Errorf("client_id is not a GUID: %s", quoteInput(v))
		}
		ref.ClientID = id
	}
	if v := q.Get("scope"); v != "" {
		graphScopes, other, def, err := ParseScopes(v)
		if err != nil {
			return AppRef{}, err
		}
		ref.Scopes = graphScopes
		ref.OtherScopes = other
		if def {
			ref.addNote("the URL asks for .default: every permission configured on the app registration")
		}
	}
	if v := q.Get("resource"); v != "" {
		ref.addNote("v1 resource " + Sanitize(v, 100))
	}
	if v := q.Get("redirect_uri"); v != "" {
		r, err := ValidateRedirectURI(v)
		if err != nil {
			return AppRef{}, err
		}
		ref.RedirectURIs = []string{r}
	}
	if v := q.Get("prompt"); v != "" {
		p := strings.ToLower(Sanitize(v, 40))
		switch p {
		case "login", "none", "consent", "select_account", "admin_consent", "create":
			ref.Prompt = p
		default:
			return AppRef{}, fmt.Errorf("prompt is not a known value: %s", quoteInput(v))
		}
	}
	if v := q.Get("response_type"); v != "" {
		for _, f := range strings.Fields(v) {
			switch strings.ToLower(f) {
			case "code", "id_token", "token":
			default:
				return AppRef{}, fmt.Errorf("response_type is not a known value: %s", quoteInput(v))
			}
		}
	}
	if t := q.Get("tenant"); t != "" && ref.TenantHint == "" {
		_ = setTenant(&ref, t) // the adminconsent success redirect names the tenant
	}
	if endpoint == "error" {
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(q.Get("code")), "AADSTS")); err == nil && n > 0 && n < 100000000 {
			ref.ErrorCode = n
		}
	}
	if v := q.Get("error_description"); v != "" {
		if e, err := ParseErrorText(v); err == nil {
			ref.merge(e)
		}
	}
	if ref.ErrorCode == 0 && strings.EqualFold(q.Get("error"), "access_denied") {
		ref.addNote("the user or admin cancelled the consent prompt (error=access_denied)")
	}
	if ref.ClientID == "" && ref.ErrorCode == 0 {
		return AppRef{}, fmt.Errorf("URL has no client_id parameter: %s", quoteInput(in))
	}
	return ref, nil
}

// classifyPath finds the Microsoft endpoint in a URL path: authorize
// (/{tenant}/oauth2[/v2.0]/authorize), adminconsent (/{tenant}[/v2.0]/adminconsent)
// or error (/error), and the tenant segment before it.
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
	case "adminconsent":
		i := n - 2
		if i >= 0 && l[i] == "v2.0" {
			v2 = true
			i--
		}
		return "adminconsent", before(i), v2
	case "error":
		return "error", "", false
	}
	return "", "", false
}

func setTenant(ref *AppRef, t string) error {
	switch strings.ToLower(t) {
	case "common", "organizations", "consumers":
		return nil
	}
	_, v, err := ParseTenant(t)
	if err != nil {
		return fmt.Errorf("tenant %s in the URL is not a domain or tenant id", quoteInput(t))
	}
	ref.TenantHint = v
	return nil
}

func (r *AppRef) addNote(n string) {
	if strings.Contains(r.Notes, n) {
		return
	}
	if r.Notes != "" {
		r.Notes += "; "
	}
	r.Notes += n
}

// merge fills r's empty fields from o.
func (r *AppRef) merge(o AppRef) {
	if r.ClientID == "" {
		r.ClientID = o.ClientID
	}
	if r.DisplayName == "" {
		r.DisplayName = o.DisplayName
	}
	if len(r.Scopes) == 0 {
		r.Scopes = o.Scopes
	}
	if len(r.OtherScopes) == 0 {
		r.OtherScopes = o.OtherScopes
	}
	if len(r.RedirectURIs) == 0 {
		r.RedirectURIs = o.RedirectURIs
	}
	if r.ConsentVersion == "" {
		r.ConsentVersion = o.ConsentVersion
	}
	if r.TenantHint == "" {
		r.TenantHint = o.TenantHint
	}
	if r.Prompt == "" {
		r.Prompt = o.Prompt
	}
	if r.ErrorCode == 0 {
		r.ErrorCode = o.ErrorCode
	}
	if r.CorrelationID == "" {
		r.CorrelationID = o.CorrelationID
	}
	if r.TraceID == "" {
		r.TraceID = o.TraceID
	}
	if r.LoginHost == "" {
		r.LoginHost = o.LoginHost
	}
	if r.CloudHint == "" {
		r.CloudHint = o.CloudHint
	}
	if o.Notes != "" {
		r.addNote(o.Notes)
	}
}

// graphResourcePrefixes are the Microsoft Graph resource identifiers that
// qualify a scope, in every cloud.
var graphResourcePrefixes = []string{
	"https://graph.microsoft.com/",
	"https://graph.microsoft.us/",
	"https://dod-graph.microsoft.us/",
	"https://microsoftgraph.chinacloudapi.cn/",
	"https://canary.graph.microsoft.com/",
	entra.MicrosoftGraphAppID + "/",
}

// oidcScopes are dropped when parsing: they are OpenID Connect sign-in scopes.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "email": true}

// ignoredScopes never decide whether a user is blocked: they are left out of
// the missing, admin-only and managed-policy comparisons.
var ignoredScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

var scopeTokenRE = regexp.MustCompile(`^[A-Za-z0-9._\-:/]+$`)

// ParseScopes splits a scope parameter (space, '+', or %20 separated) into
// short Microsoft Graph permission names, other resources' scopes (kept fully
// qualified), and whether .default was asked for. openid, profile and email
// are dropped; offline_access is kept. Duplicates are removed case-insensitively.
func ParseScopes(v string) (graphScopes, other []string, dflt bool, err error) {
	if strings.Contains(v, "%") {
		if d, e := url.QueryUnescape(v); e == nil {
			v = d
		}
	}
	seen := map[string]bool{}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '+' || r == ',' || r == '\t' || r == '\n' }) {
		if !scopeTokenRE.MatchString(tok) || len(tok) > 200 {
			return nil, nil, false, fmt.Errorf("scope contains an invalid permission: %s", quoteInput(tok))
		}
		short := tok
		lt := strings.ToLower(tok)
		qualified := false
		for _, p := range graphResourcePrefixes {
			if strings.HasPrefix(lt, p) {
				short = tok[len(p):]
				qualified = true
				break
			}
		}
		if !qualified && strings.Contains(tok, "/") {
			if !seen[lt] {
				seen[lt] = true
				other = append(other, tok)
			}
			continue
		}
		ls := strings.ToLower(short)
		switch {
		case ls == ".default":
			dflt = true
			continue
		case oidcScopes[ls]:
			continue
		case ls == "offline_access":
			short = "offline_access"
		case short == "" || strings.Contains(short, "/"):
			return nil, nil, false, fmt.Errorf("scope contains an invalid permission: %s", quoteInput(tok))
		}
		if !seen[ls] {
			seen[ls] = true
			graphScopes = append(graphScopes, short)
		}
	}
	return graphScopes, other, dflt, nil
}

// ValidateRedirectURI checks a redirect URI: https with a valid host, or http
// only on a loopback host; no user info or fragment. It returns the URI trimmed.
func ValidateRedirectURI(s string) (string, error) {
	v := strings.TrimSpace(s)
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("redirect_uri is not an https URL: %s", quoteInput(v))
	}
	host := strings.ToLower(u.Hostname())
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(host) {
			return "", fmt.Errorf("redirect_uri is not an https URL (http is only allowed on loopback): %s", quoteInput(v))
		}
	default:
		return "", fmt.Errorf("redirect_uri is not an https URL: %s", quoteInput(v))
	}
	if !validHost(host) {
		return "", fmt.Errorf("redirect_uri host is not valid: %s", quoteInput(v))
	}
	if u.User != nil || u.Fragment != "" {
		return "", fmt.Errorf("redirect_uri must not have user info or a fragment: %s", quoteInput(v))
	}
	if Sanitize(v, 0) != v {
		return "", fmt.Errorf("redirect_uri contains control or invisible characters: %s", quoteInput(v))
	}
	return v, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

var hostLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validHost reports whether host (lowercase, no port) is an IP address or a DNS name.
func validHost(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	for _, l := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	return true
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

// ParseTenant reads a tenant: a tenant id (GUID) or a domain such as
// contoso.onmicrosoft.com. An email address yields its domain. kind is
// TenantKindID or TenantKindDomain; value is lowercase. common, organizations
// and consumers are rejected because they name no tenant.
func ParseTenant(s string) (kind, value string, err error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", "", errors.New("no tenant given: use the tenant's domain or id")
	}
	if id := NormalizeGUID(in); id != "" {
		return TenantKindID, id, nil
	}
	d := strings.ToLower(in)
	if at := strings.LastIndexByte(d, '@'); at >= 0 {
		d = d[at+1:]
	}
	d = strings.TrimSuffix(d, ".")
	switch d {
	case "common", "organizations", "consumers":
		return "", "", fmt.Errorf("%s names no tenant: use the tenant's domain or id", quoteInput(in))
	}
	if !strings.Contains(d, ".") || !validHost(d) {
		return "", "", fmt.Errorf("tenant is not a domain or tenant id: %s", quoteInput(in))
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", "", fmt.Errorf("tenant is not a domain or tenant id: %s", quoteInput(in))
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	if len(tld) < 2 || strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 && !strings.HasPrefix(tld, "xn--") {
		return "", "", fmt.Errorf("tenant is not a domain or tenant id: %s", quoteInput(in))
	}
	return TenantKindDomain, d, nil
}

const guidPat = `\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?`

var (
	codeRE        = regexp.MustCompile(`(?i)\bAADSTS(\d{4,7})\b`)
	codeLabelRE   = regexp.MustCompile(`(?i)\berror[ _-]?code\s*[:=]?\s*(\d{5,7})\b`)
	urlInTextRE   = regexp.MustCompile(`(?i)https?://[^\s"'<>]+`)
	appNamedRE    = regexp.MustCompile(`(?i)\bapplication\s+'([^'\r\n]{0,200})'\s*\(\s*` + guidPat + `\s*\)`)
	appIdentRE    = regexp.MustCompile(`(?i)\bapplication\s+with\s+(?:identifier|id)\s+'` + guidPat + `'(?:\s+named\s+'([^'\r\n]{0,200})')?`)
	appLabelRE    = regexp.MustCompile(`(?i)\b(?:app(?:lication)?[ _-]?id|client[ _-]?id|appid)\b\s*[:=]?\s*['"]?` + guidPat)
	appNameRE     = regexp.MustCompile(`(?i)\bapp(?:lication)?\s+name\s*:\s*([^\r\n]{1,120})`)
	tenantQuoteRE = regexp.MustCompile(`(?i)\b(?:tenant|directory)\s+'([^'\r\n]{1,255})'`)
	tenantLabelRE = regexp.MustCompile(`(?i)\btenant(?:[ _-]?id)?\s*[:=]\s*['"]?([^\s'",;]{1,255})`)
	correlationRE = regexp.MustCompile(`(?i)\bcorrelation[ _-]?id\s*[:=]?\s*` + guidPat)
	traceRE       = regexp.MustCompile(`(?i)\b(?:trace|request)[ _-]?id\s*[:=]?\s*` + guidPat)
)

// ParseErrorText reads pasted sign-in error text: the AADSTS code, the app
// ("Application 'Name'(guid)", "Application with identifier 'guid'", "App id:
// guid", "client_id=guid"), the tenant ("tenant 'contoso.com'", "Tenant: guid"),
// the Correlation ID and Trace/Request ID, and any sign-in URL inside it. It
// fails only when it finds none of these.
func ParseErrorText(s string) (AppRef, error) {
	ref, err := parseErrorText(s)
	if err != nil {
		return ref, err
	}
	return KnownApp(ref), nil
}

func parseErrorText(s string) (AppRef, error) {
	if len(s) > maxInput {
		s = s[:maxInput]
	}
	var ref AppRef
	if m := codeRE.FindStringSubmatch(s); m != nil {
		ref.ErrorCode, _ = strconv.Atoi(m[1])
	} else if m := codeLabelRE.FindStringSubmatch(s); m != nil {
		ref.ErrorCode, _ = strconv.Atoi(m[1])
	}
	if m := appNamedRE.FindStringSubmatch(s); m != nil {
		ref.DisplayName = Sanitize(m[1], 80)
		ref.ClientID = strings.ToLower(m[2])
	}
	if ref.ClientID == "" {
		if m := appIdentRE.FindStringSubmatch(s); m != nil {
			ref.ClientID = strings.ToLower(m[1])
			if ref.DisplayName == "" {
				ref.DisplayName = Sanitize(m[2], 80)
			}
		}
	}
	if ref.ClientID == "" {
		if m := appLabelRE.FindStringSubmatch(s); m != nil {
			ref.ClientID = strings.ToLower(m[1])
		}
	}
	if ref.DisplayName == "" {
		if m := appNameRE.FindStringSubmatch(s); m != nil {
			ref.DisplayName = Sanitize(m[1], 80)
		}
	}
	for _, m := range tenantQuoteRE.FindAllStringSubmatch(s, 4) {
		if _, v, err := ParseTenant(m[1]); err == nil {
			ref.TenantHint = v
			break
		}
	}
	if ref.TenantHint == "" {
		for _, m := range tenantLabelRE.FindAllStringSubmatch(s, 4) {
			if _, v, err := ParseTenant(m[1]); err == nil {
				ref.TenantHint = v
				break
			}
		}
	}
	if m := correlationRE.FindStringSubmatch(s); m != nil {
		ref.CorrelationID = strings.ToLower(m[1])
	}
	if m := traceRE.FindStringSubmatch(s); m != nil {
		ref.TraceID = strings.ToLower(m[1])
	}
	for _, u := range urlInTextRE.FindAllString(s, 8) {
		u = strings.TrimRight(u, ".,;:)]}")
		if e, err := ParseURL(u); err == nil {
			ref.merge(e)
		}
	}
	if ref.ErrorCode == 0 && ref.ClientID == "" && ref.TenantHint == "" && ref.CorrelationID == "" && ref.TraceID == "" {
		return AppRef{}, errors.New("no AADSTS code, app id, tenant or sign-in URL found in the text")
	}
	return ref, nil
}
