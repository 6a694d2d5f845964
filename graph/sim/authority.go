package sim

import (
	"consentwiz/graph/entra"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
}

type refreshToken struct {
	tenant   *Tenant
	userID   string
	clientID string
}

type authCode struct {
	tenant                *Tenant
	userID                string
	clientID, redirectURI string
	challenge, method     string
	requested, norm       []string
	nonce                 string
	expires               time.Time
}

type deviceCode struct {
	deviceCode, userCode string
	clientID             string
	tenant               *Tenant // nil for organizations/common
	requested, norm      []string
	expires              time.Time
	status               string // pending, approved, declined, redeemed
	autoTried            bool
	approvedTenant       *Tenant
	userID               string
}

func randToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// ---- errors ------------------------------------------------------------------

// aadError writes an Entra token-endpoint style error (MSAL.md 1: HTTP 400
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
// domain, or organizations/common (multi = true, t = nil). ENTRA.md C1/C2.
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

// handleOIDC serves OpenID metadata per tenant id and per domain (ENTRA.md C2).
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
	// MSAL.md 1: the authorize endpoint may live on another scheme/host; the
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

// handleInstanceDiscovery answers MSAL's instance discovery (MSAL.md 4 pattern B).
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/organizations/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []any{map[string]any{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

// ---- device code -------------------------------------------------------------

func (s *Server) handleDeviceCode(w http.ResponseWriter, r *http.Request, seg string) {
	if r.Method != http.MethodPost {
		aadError(w, http.StatusBadRequest, "invalid_request", 900561, "The endpoint only accepts POST requests.", "")
		return
	}
	_ = r.ParseForm()
	t, _, ok := s.resolveTenant(seg)
	if !ok {
		aadError(w, http.StatusBadRequest, "invalid_request", 90002, tenantNotFound(seg), "")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.", "")
		return
	}
	app := s.catalog.get(clientID)
	if app == nil {
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, appNotFound(clientID, seg), "")
		return
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	norm, bad := s.normalizeScopes(requested, app.RequiredScopes)
	if bad != "" {
		aadError(w, http.StatusBadRequest, "invalid_scope", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad), "")
		return
	}
	dc := &deviceCode{deviceCode: randToken("", 48), userCode: newUserCode(), clientID: clientID, tenant: t,
		requested: requested, norm: norm, expires: s.now().Add(15 * time.Minute), status: "pending"}
	s.mu.Lock()
	s.auth.devices[dc.deviceCode] = dc
	s.mu.Unlock()
	verify := s.BrowserURL()
	if verify == "" {
		verify = baseURL(r)
	}
	verify += "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": dc.userCode, "device_code": dc.deviceCode, "verification_uri": verify,
		"expires_in": 900, "interval": 5,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, dc.userCode),
	})
}

func newUserCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func normUserCode(c string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}

// PendingDeviceCodes lists the user codes waiting for approval.
func (s *Server) PendingDeviceCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	now := s.now()
	for _, dc := range s.auth.devices {
		if dc.status == "pending" && now.Before(dc.expires) {
			out = append(out, dc.userCode)
		}
	}
	return out
}

func (s *Server) findDevice(userCode string) *deviceCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := normUserCode(userCode)
	for _, dc := range s.auth.devices {
		if dc.userCode == want && dc.status == "pending" && s.now().Before(dc.expires) {
			return dc
		}
	}
	return nil
}

// ApproveDeviceCode approves a pending device code as the user (terminal
// approval in the demo). With RequireConsent the user's consent for the
// scopes is recorded, when the user may give it.
func (s *Server) ApproveDeviceCode(userCode, upn string) error {
	dc := s.findDevice(userCode)
	if dc == nil {
		return fmt.Errorf("sim: no pending device code %q", userCode)
	}
	return s.approveDevice(dc, upn)
}

// DeclineDeviceCode declines a pending device code (the user clicked Decline).
func (s *Server) DeclineDeviceCode(userCode string) error {
	dc := s.findDevice(userCode)
	if dc == nil {
		return fmt.Errorf("sim: no pending device code %q", userCode)
	}
	s.mu.Lock()
	dc.status = "declined"
	s.mu.Unlock()
	return nil
}

func (s *Server) userTenant(fixed *Tenant, upn string) (*Tenant, *simUser) {
	t := fixed
	if t == nil {
		t = s.tenantByUPN(upn)
	}
	if t == nil {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t, t.userByUPNLocked(upn)
}

func (s *Server) approveDevice(dc *deviceCode, upn string) error {
	t, u := s.userTenant(dc.tenant, upn)
	if u == nil {
		return fmt.Errorf("AADSTS50034: The user account %s does not exist in the directory", upn)
	}
	if out := s.clientConsent(t, u, dc.clientID, dc.norm, false); out.Result != ResultGranted {
		return fmt.Errorf("%s", out.Message)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc.status != "pending" {
		return fmt.Errorf("sim: device code is %s", dc.status)
	}
	dc.status, dc.approvedTenant, dc.userID = "approved", t, u.ID
	return nil
}

// clientConsent evaluates a sign-in of the user to the (CLI) client for the
// scopes and, when the user may consent, records the consent (the device code
// approval page and the interactive consent page list the scopes). Without
// RequireConsent, public clients are treated as pre-consented.
func (s *Server) clientConsent(t *Tenant, u *simUser, clientID string, norm []string, forOrg bool) SignInOutcome {
	a := s.catalog.get(clientID)
	if a == nil {
		return SignInOutcome{Result: ResultError, Code: 700016, Message: "AADSTS700016: " + appNotFound(clientID, t.name)}
	}
	if a.PublicClient && !s.opts.RequireConsent {
		return SignInOutcome{Result: ResultGranted}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.evaluateUserLocked(u, a, norm)
	if out.Result == ResultConsentPrompt {
		t.userConsentLocked(u, a, norm, forOrg && hasAnyRole(u, []string{entra.RoleGlobalAdmin}))
		return SignInOutcome{Result: ResultGranted}
	}
	return out
}

// ---- token endpoint ------------------------------------------------------------

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, seg string) {
	s.count(func(st *Stats) { st.TokenRequests++ })
	if r.Method != http.MethodPost {
		aadError(w, http.StatusBadRequest, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a GET request.", "")
		return
	}
	_ = r.ParseForm()
	segTenant, _, ok := s.resolveTenant(seg)
	if !ok {
		aadError(w, http.StatusBadRequest, "invalid_request", 90002, tenantNotFound(seg), "")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if clientID == "" {
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.", "")
		return
	}
	app := s.catalog.get(clientID)
	if app == nil {
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, appNotFound(clientID, seg), "")
		return
	}
	switch f.Get("grant_type") {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code": // MSAL.md 1: MSAL's literal
		s.tokenDeviceCode(w, r, f, clientID)
	case "authorization_code":
		s.tokenAuthCode(w, r, f, clientID, segTenant)
	case "refresh_token":
		s.tokenRefresh(w, r, f, app, segTenant)
	case "":
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.", "")
	default:
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", f.Get("grant_type")), "")
	}
}

func (s *Server) tokenDeviceCode(w http.ResponseWriter, r *http.Request, f url.Values, clientID string) {
	s.mu.Lock()
	dc := s.auth.devices[f.Get("device_code")]
	if dc == nil || !strings.EqualFold(dc.clientID, clientID) {
		s.mu.Unlock()
		aadError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid.", "")
		return
	}
	if s.now().After(dc.expires) && dc.status == "pending" {
		s.mu.Unlock()
		aadError(w, http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.", "")
		return
	}
	status := dc.status
	auto := s.opts.AutoApprove && !dc.autoTried && status == "pending"
	dc.autoTried = true
	s.mu.Unlock()
	switch status {
	case "pending":
		if auto {
			// AutoApprove: the scenario's admin approves on the first poll; this
			// poll still answers pending, the next one gets the tokens.
			t := dc.tenant
			if t == nil {
				t = s.primary
			}
			_ = s.approveDevice(dc, t.AdminUPN())
		}
		aadError(w, http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.", "")
	case "declined":
		aadError(w, http.StatusBadRequest, "authorization_declined", 70000, "The user declined the authorization request.", "")
	case "redeemed":
		aadError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid. It was already redeemed.", "")
	case "approved":
		s.mu.Lock()
		dc.status = "redeemed"
		s.mu.Unlock()
		s.issueTokens(w, r, dc.approvedTenant, dc.userID, clientID, dc.requested, dc.norm, "")
	}
}

func (s *Server) tokenAuthCode(w http.ResponseWriter, r *http.Request, f url.Values, clientID string, segTenant *Tenant) {
	s.mu.Lock()
	c := s.auth.codes[f.Get("code")]
	delete(s.auth.codes, f.Get("code")) // single use
	s.mu.Unlock()
	switch {
	case c == nil:
		aadError(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The authorization code is invalid or was already redeemed.", "")
		return
	case s.now().After(c.expires):
		aadError(w, http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.", "")
		return
	case !strings.EqualFold(c.clientID, clientID):
		aadError(w, http.StatusBadRequest, "invalid_grant", 70000, "The authorization code was issued to another client.", "")
		return
	case segTenant != nil && segTenant != c.tenant:
		aadError(w, http.StatusBadRequest, "invalid_grant", 50020, "The authorization code was issued in another tenant.", "")
		return
	case f.Get("redirect_uri") != c.redirectURI:
		aadError(w, http.StatusBadRequest, "invalid_grant", 50148, fmt.Sprintf("The redirect_uri '%s' does not match the redirect URI used in the authorization request.", f.Get("redirect_uri")), "")
		return
	}
	if c.challenge != "" {
		v := f.Get("code_verifier")
		sum := sha256.Sum256([]byte(v))
		if v == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			aadError(w, http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", "")
			return
		}
	}
	s.issueTokens(w, r, c.tenant, c.userID, clientID, c.requested, c.norm, c.nonce)
}

func (s *Server) tokenRefresh(w http.ResponseWriter, r *http.Request, f url.Values, app *App, segTenant *Tenant) {
	s.mu.Lock()
	rt := s.auth.refresh[f.Get("refresh_token")]
	s.mu.Unlock()
	if rt == nil || !strings.EqualFold(rt.clientID, app.AppID) || (segTenant != nil && segTenant != rt.tenant) {
		aadError(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is invalid.", "")
		return
	}
	requested := strings.Fields(f.Get("scope"))
	t := rt.tenant
	t.mu.Lock()
	u := t.users[rt.userID]
	dflt := app.RequiredScopes
	clientSP := t.spByAppLocked(app.AppID)
	var consented []string
	if clientSP != nil {
		consented = t.grantedScopesLocked(clientSP, t.graphSPLocked(), rt.userID)
	}
	t.mu.Unlock()
	if u == nil {
		aadError(w, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.", "")
		return
	}
	norm, bad := s.normalizeScopes(requested, unionFold(dflt, consented))
	if bad != "" {
		aadError(w, http.StatusBadRequest, "invalid_scope", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad), "")
		return
	}
	if s.needsConsent(app) {
		if missing := minusFold(minusFold(norm, oidcScopes), consented); len(missing) > 0 {
			// MSAL.md 2 "Incremental scopes": 400 invalid_grant / consent_required / 65001.
			aadError(w, http.StatusBadRequest, "invalid_grant", 65001, fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", app.AppID, app.DisplayName), "consent_required")
			return
		}
	}
	s.issueTokens(w, r, t, rt.userID, app.AppID, requested, norm, "")
}

// needsConsent: with RequireConsent every client needs grants; without it only
// non-public (third-party web) clients do.
func (s *Server) needsConsent(a *App) bool { return s.opts.RequireConsent || !a.PublicClient }

// issueTokens answers a successful token request (MSAL.md 1 "Token endpoint success response").
func (s *Server) issueTokens(w http.ResponseWriter, r *http.Request, t *Tenant, userID, clientID string, requested, norm []string, nonce string) {
	t.mu.Lock()
	u := t.users[userID]
	var upn, name string
	if u != nil {
		upn, name = u.UserPrincipalName, u.DisplayName
	}
	t.mu.Unlock()
	if u == nil {
		aadError(w, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.", "")
		return
	}
	now := s.now()
	life := s.opts.TokenLifetime
	at := &accessToken{tenant: t, userID: userID, upn: upn, clientID: clientID, scopes: append([]string(nil), norm...), expires: now.Add(life)}
	atStr := randToken("simAT.", 32)
	rtStr := randToken("simRT.", 32)
	s.mu.Lock()
	s.auth.tokens[atStr] = at
	s.auth.refresh[rtStr] = &refreshToken{tenant: t, userID: userID, clientID: clientID}
	s.auth.issued++
	if s.auth.issued%256 == 0 {
		s.auth.sweep(now)
	}
	s.mu.Unlock()
	// MSAL.md 2: echo the requested scopes exactly (MSAL fails on "declined"
	// scopes); the OIDC scopes MSAL appends are left out, as Entra does.
	var echo []string
	for _, sc := range requested {
		if !containsFold(oidcScopes, sc) {
			echo = append(echo, sc)
		}
	}
	exp := int(life / time.Second)
	if exp < 1 {
		exp = 1
	}
	claims := map[string]any{
		"aud": clientID, "iss": baseURL(r) + "/" + t.id + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "name": name, "oid": userID, "preferred_username": upn,
		"sub": pairwiseSub(userID, clientID), "tid": t.id, "ver": "2.0",
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": strings.Join(echo, " "), "expires_in": exp, "ext_expires_in": exp,
		"access_token": atStr, "refresh_token": rtStr, "id_token": unsignedJWT(claims),
		"client_info": b64json(map[string]string{"uid": userID, "utid": t.id}),
	})
}

func pairwiseSub(userID, clientID string) string {
	h := sha256.Sum256([]byte(userID + "|" + clientID))
	return base64.RawURLEncoding.EncodeToString(h[:])[:43]
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// unsignedJWT builds an alg:none JWT (MSAL.md 1: MSAL never validates the signature).
func unsignedJWT(claims map[string]any) string {
	return b64json(map[string]string{"typ": "JWT", "alg": "none"}) + "." + b64json(claims) + "."
}

// lookupToken resolves a bearer token.
func (s *Server) lookupToken(tok string) (*accessToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.auth.tokens[tok]
	if !ok {
		return nil, false
	}
	return at, true
}

// IssueToken mints an access token directly (for tests and tools that skip
// the sign-in), as if the user signed in to the client with the scopes.
func (s *Server) IssueToken(t *Tenant, upn, clientID string, scopes []string) (string, error) {
	t.mu.Lock()
	u := t.userByUPNLocked(upn)
	t.mu.Unlock()
	if u == nil {
		return "", fmt.Errorf("sim: no user %q", upn)
	}
	norm, bad := s.normalizeScopes(scopes, nil)
	if bad != "" {
		return "", fmt.Errorf("sim: unknown resource %q", bad)
	}
	tok := randToken("simAT.", 32)
	s.mu.Lock()
	s.auth.tokens[tok] = &accessToken{tenant: t, userID: u.ID, upn: u.UserPrincipalName, clientID: clientID, scopes: norm, expires: s.now().Add(s.opts.TokenLifetime)}
	s.mu.Unlock()
	return tok, nil
}
