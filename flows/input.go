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
		Prompt:         p.Prompt,
		Notes:          p.Notes,
	}
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") ||
		strings.HasPrefix(l, "login.") && strings.Contains(l, "/")
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
	if r.InputRedirectURI == "" {
		r.InputRedirectURI = o.InputRedirectURI
	}
	if r.ConsentVersion == "" {
		r.ConsentVersion = o.ConsentVersion
	}
	if r.TenantHint == "" {
		r.TenantHint = o.TenantHint
	}
	if r.Prompt == "" {
		r.Prompt, r.PromptLink = o.Prompt, o.PromptLink
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
