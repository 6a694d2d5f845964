package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code": // docs/msal.md 1: MSAL's literal
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
			// AutoApprove: the scenario's admin approves on the first poll (and
			// accepts the consent prompt, if one is shown); this poll still
			// answers pending, the next one gets the tokens.
			t := dc.tenant
			if t == nil {
				t = s.primary
			}
			_ = s.approveDevice(dc, t.AdminUPN(), false)
		}
		aadError(w, http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.", "")
	case "declined":
		aadError(w, http.StatusBadRequest, "authorization_declined", 70000, "The user declined the authorization request.", "")
	case "blocked":
		// The user could not consent to the client on the device code page
		// (which showed 90094): the poll ends with AADSTS65001 consent_required,
		// the error body MSAL hands back (reference-error-codes.md, docs/msal.md 2).
		aadError(w, http.StatusBadRequest, "invalid_grant", 65001, notConsented(dc.blockedApp), "consent_required")
	case "redeemed":
		aadError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid. It was already redeemed.", "")
	case "approved":
		s.mu.Lock()
		dc.status = "redeemed"
		s.mu.Unlock()
		s.issueTokens(w, r, dc.subject(), clientID, dc.requested, dc.norm, "")
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
		// reference-error-codes.md: AADSTS50011 InvalidReplyTo (the PKCE
		// mismatch below is AADSTS501481).
		aadError(w, http.StatusBadRequest, "invalid_grant", 50011, fmt.Sprintf("The redirect URI '%s' specified in the request does not match the redirect URI used in the authorization request.", f.Get("redirect_uri")), "")
		return
	}
	if c.challenge != "" {
		v := f.Get("code_verifier")
		sum := sha256.Sum256([]byte(v))
		if v == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			// reference-error-codes.md: AADSTS501481.
			aadError(w, http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", "")
			return
		}
	}
	s.issueTokens(w, r, c.subject(), clientID, c.requested, c.norm, c.nonce)
}

func (s *Server) tokenRefresh(w http.ResponseWriter, r *http.Request, f url.Values, app *App, segTenant *Tenant) {
	s.mu.Lock()
	rt := s.auth.refresh[f.Get("refresh_token")]
	s.mu.Unlock()
	if rt == nil || !strings.EqualFold(rt.clientID, app.AppID) {
		aadError(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is invalid.", "")
		return
	}
	if segTenant != nil && segTenant != rt.tenant {
		// Another tenant than the user's home: a guest or a partner's
		// delegated admin (docs/msal.md 2 WithTenantID; docs/entra.md I).
		s.tokenRefreshElsewhere(w, r, f, app, rt, segTenant)
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
		consented = t.grantedLocked(clientSP, rt.userID)
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
	if missing := minusFold(minusFold(norm, oidcScopes), consented); len(missing) > 0 {
		// docs/msal.md 2 "Incremental scopes": 400 invalid_grant / consent_required / 65001.
		aadError(w, http.StatusBadRequest, "invalid_grant", 65001, notConsented(app), "consent_required")
		return
	}
	s.issueTokens(w, r, memberSubject(t, rt.userID, rt.mfa), app.AppID, requested, norm, "")
}

// notConsented is AADSTS65001's description (reference-error-codes.md:
// DelegationDoesNotExist).
func notConsented(a *App) string {
	return fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", a.AppID, a.DisplayName)
}

// subject is whom tokens are issued to: a member of the tenant, or a guest
// or a partner's delegated admin (GDAP) whose home is another tenant.
type subject struct {
	t      *Tenant // the tenant the tokens are for
	userID string  // the principal's object id in t (GDAP: the home user's id)
	// foreign is the GDAP principal as t's Graph sees it (msp.go); nil when
	// the principal is in t's directory.
	foreign    *simUser
	home       *Tenant // the user's home tenant (t for members)
	homeUserID string
	mfa        []string // see refreshToken.mfa
}

// memberSubject is a member of t, with the MFA the session carries.
func memberSubject(t *Tenant, userID string, mfa []string) subject {
	return subject{t: t, userID: userID, home: t, homeUserID: userID, mfa: mfa}
}

// subject of an approved device code: an interactive sign-in, so MFA is done
// in the tenant signed in to.
func (dc *deviceCode) subject() subject {
	if dc.visitor != nil {
		return *dc.visitor
	}
	return memberSubject(dc.approvedTenant, dc.userID, []string{dc.approvedTenant.id})
}

// subject of an authorization code (an interactive sign-in, as above).
func (c *authCode) subject() subject {
	if c.visitor != nil {
		return *c.visitor
	}
	return memberSubject(c.tenant, c.userID, []string{c.tenant.id})
}

// issueTokens answers a successful token request (docs/msal.md 1 "Token endpoint
// success response"). The id_token and access token name the principal in
// sub.t; client_info and the refresh token name the home account, as Entra
// does for guests and GDAP (docs/msal.md 2 "WithTenantID").
func (s *Server) issueTokens(w http.ResponseWriter, r *http.Request, sub subject, clientID string, requested, norm []string, nonce string) {
	t := sub.t
	var upn, name string
	found := false
	if sub.foreign != nil {
		upn, name, found = sub.foreign.UserPrincipalName, sub.foreign.DisplayName, true
	} else {
		t.mu.Lock()
		if u := t.users[sub.userID]; u != nil {
			upn, name, found = u.UserPrincipalName, u.DisplayName, true
		}
		t.mu.Unlock()
	}
	if !found {
		aadError(w, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.", "")
		return
	}
	signInName := upn
	if sub.home != t {
		// A guest signs in with their home account's name.
		sub.home.mu.Lock()
		if hu := sub.home.users[sub.homeUserID]; hu != nil {
			signInName = hu.UserPrincipalName
		}
		sub.home.mu.Unlock()
	}
	now := s.now()
	life := s.opts.TokenLifetime
	at := &accessToken{tenant: t, userID: sub.userID, upn: upn, clientID: clientID, scopes: append([]string(nil), norm...),
		expires: now.Add(life), foreign: sub.foreign}
	atStr := randToken("simAT.", 32)
	rtStr := randToken("simRT.", 32)
	s.mu.Lock()
	s.auth.tokens[atStr] = at
	s.auth.refresh[rtStr] = &refreshToken{tenant: sub.home, userID: sub.homeUserID, clientID: clientID, mfa: sub.mfa}
	s.auth.issued++
	if s.auth.issued%256 == 0 {
		s.auth.sweep(now)
	}
	s.mu.Unlock()
	// docs/msal.md 2: echo the requested scopes exactly (MSAL fails on "declined"
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
		"exp": now.Add(time.Hour).Unix(), "name": name, "oid": sub.userID, "preferred_username": signInName,
		"sub": pairwiseSub(sub.userID, clientID), "tid": t.id, "ver": "2.0",
	}
	if sub.home != t {
		// The identity provider of a user from another tenant (access-token-claims-reference: idp).
		claims["idp"] = baseURL(r) + "/" + sub.home.id + "/"
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": strings.Join(echo, " "), "expires_in": exp, "ext_expires_in": exp,
		"access_token": atStr, "refresh_token": rtStr, "id_token": unsignedJWT(claims),
		"client_info": b64json(map[string]string{"uid": sub.homeUserID, "utid": sub.home.id}),
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

// unsignedJWT builds an alg:none JWT (docs/msal.md 1: MSAL never validates the signature).
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
