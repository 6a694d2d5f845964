package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// authState holds the authority's server-side secrets. Tokens are opaque
// random strings mapped to what they grant; they are never logged.
type authState struct {
	tokens  map[string]*accessToken
	refresh map[string]*refreshToken
	codes   map[string]*authCode
	devices map[string]*deviceCode // by device_code
	flows   map[string]*authFlow
	issued  int
}

// sweep forgets expired access tokens, codes, flows and device codes, so a
// long-running `consentwiz sim` does not grow without bound. Callers hold s.mu.
func (a *authState) sweep(now time.Time) {
	for k, v := range a.tokens {
		if now.After(v.expires) {
			delete(a.tokens, k)
		}
	}
	for k, v := range a.codes {
		if now.After(v.expires) {
			delete(a.codes, k)
		}
	}
	for k, v := range a.flows {
		if now.After(v.expires) {
			delete(a.flows, k)
		}
	}
	for k, v := range a.devices {
		if now.After(v.expires.Add(15 * time.Minute)) {
			delete(a.devices, k)
		}
	}
}

func (a *authState) init() {
	a.tokens = map[string]*accessToken{}
	a.refresh = map[string]*refreshToken{}
	a.codes = map[string]*authCode{}
	a.devices = map[string]*deviceCode{}
	a.flows = map[string]*authFlow{}
}

type accessToken struct {
	tenant   *Tenant
	userID   string
	upn      string
	clientID string
	scopes   []string
	expires  time.Time
	// foreign is a partner's delegated admin (GDAP) in tenant: not in its
	// directory, holding the roles GDAP gives (msp.go). nil for members and guests.
	foreign *simUser
}

// refreshToken belongs to the user's home tenant and user; it may be
// redeemed for another tenant where the user has access (msp_auth.go).
type refreshToken struct {
	tenant   *Tenant
	userID   string
	clientID string
	// mfa are the tenants (ids) where the user completed multi-factor
	// authentication in an interactive sign-in; the session carries it.
	mfa []string
}

type authCode struct {
	tenant                *Tenant
	userID                string
	clientID, redirectURI string
	challenge, method     string
	requested, norm       []string
	nonce                 string
	expires               time.Time
	visitor               *subject // a user of another tenant signed in (msp_auth.go)
}

type deviceCode struct {
	deviceCode, userCode string
	clientID             string
	tenant               *Tenant // nil for organizations/common
	requested, norm      []string
	expires              time.Time
	status               string // pending, approved, declined, blocked, redeemed
	blockedApp           *App   // blocked: the client the user could not consent to
	autoTried            bool
	approvedTenant       *Tenant
	userID               string
	visitor              *subject // a user of another tenant approved it (msp_auth.go)
}

func randToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// ---- errors ------------------------------------------------------------------

// aadError writes an Entra token-endpoint style error (docs/msal.md 1: HTTP 400
// JSON with error, error_description "AADSTS…", error_codes, suberror).
func aadError(w http.ResponseWriter, status int, errName string, code int, desc, suberror string) {
	now := time.Now().UTC()
	trace := randGUID()
	body := map[string]any{
		"error":             errName,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, desc, trace, randGUID(), now.Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{code},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    randGUID(),
		"error_uri":         fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code),
	}
	if suberror != "" {
		body["suberror"] = suberror
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func randGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ---- tenant segment ----------------------------------------------------------

func isMultiTenantSeg(seg string) bool {
	return strings.EqualFold(seg, "organizations") || strings.EqualFold(seg, "common")
}

// resolveTenant maps the authority's tenant segment: a tenant id, a verified
// domain, or organizations/common (multi = true, t = nil). docs/entra.md C1/C2.
func (s *Server) resolveTenant(seg string) (t *Tenant, multi, ok bool) {
	if isMultiTenantSeg(seg) {
		return nil, true, true
	}
	t = s.TenantByName(seg)
	return t, false, t != nil
}

// appNotFound is AADSTS700016's message: no app clientID in directory dir.
func appNotFound(clientID, dir string) string {
	return fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, dir)
}

func tenantNotFound(seg string) string {
	return fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", seg)
}

// ---- authority router --------------------------------------------------------

func (s *Server) handleAuthority(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", randGUID())
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) < 2 {
		http.NotFound(w, r)
		return
	}
	seg, rest := segs[0], strings.Join(segs[1:], "/")
	switch strings.ToLower(rest) {
	case "v2.0/.well-known/openid-configuration":
		s.handleOIDC(w, r, seg, true)
	case ".well-known/openid-configuration":
		s.handleOIDC(w, r, seg, false)
	case "discovery/instance":
		s.handleInstanceDiscovery(w, r)
	case "discovery/v2.0/keys", "discovery/keys":
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{}})
	case "oauth2/v2.0/devicecode":
		s.handleDeviceCode(w, r, seg)
	case "oauth2/v2.0/token":
		s.handleToken(w, r, seg)
	case "oauth2/v2.0/authorize":
		s.handleAuthorize(w, r, seg)
	case "adminconsent":
		s.handleAdminConsent(w, r, seg, 1)
	case "v2.0/adminconsent":
		s.handleAdminConsent(w, r, seg, 2)
	default:
		http.NotFound(w, r)
	}
}

// handleOIDC serves OpenID metadata per tenant id and per domain (docs/entra.md C2).
func (s *Server) handleOIDC(w http.ResponseWriter, r *http.Request, seg string, v2 bool) {
	t, multi, ok := s.resolveTenant(seg)
	if !ok {
		aadError(w, http.StatusBadRequest, "invalid_tenant", 90002, tenantNotFound(seg), "")
		return
	}
	base := baseURL(r)
	tid, epSeg := "{tenantid}", seg
	region := any(nil)
	if !multi {
		tid, epSeg, region = t.id, t.id, "NA"
	}
	ver := "/v2.0"
	if !v2 {
		ver = ""
	}
	// docs/msal.md 1: the authorize endpoint may live on another scheme/host; the
	// plain-HTTP browser listener spares real browsers a certificate warning.
	authz := base + "/" + epSeg + "/oauth2/v2.0/authorize"
	if b := s.BrowserURL(); r.TLS != nil && b != "" {
		authz = b + "/" + epSeg + "/oauth2/v2.0/authorize"
	}
	doc := map[string]any{
		"token_endpoint":                        base + "/" + epSeg + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/" + epSeg + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/" + tid + ver,
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     base + "/graph/oidc/userinfo",
		"authorization_endpoint":                authz,
		"device_authorization_endpoint":         base + "/" + epSeg + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/" + epSeg + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "tid", "ver", "oid", "preferred_username", "email"},
		"tenant_region_scope":                   region,
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		// The simulated Graph is served at the HTTPS root too (/v1.0/...).
		"msgraph_host": s.graphHost(),
		"rbac_url":     "https://pas.windows.net",
	}
	writeJSON(w, http.StatusOK, doc)
}

// handleInstanceDiscovery answers MSAL's instance discovery (docs/msal.md 4 pattern B).
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/organizations/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []any{map[string]any{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}
