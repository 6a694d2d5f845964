package sim

import (
	"consentwiz/graph/entra"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
// approval in the demo, --auto-approve): the user signs in and accepts the
// consent prompt if one is shown. A user who may not consent gets an error
// naming the AADSTS code, and the device code's poll ends with AADSTS65001.
func (s *Server) ApproveDeviceCode(userCode, upn string) error {
	dc := s.findDevice(userCode)
	if dc == nil {
		return fmt.Errorf("sim: no pending device code %q", userCode)
	}
	return s.approveDevice(dc, upn, false)
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

// approveDevice signs the user in on the device code page and accepts its
// consent prompt, if one is shown (consent on behalf of the organization when
// forOrg and the user may tick that box). A user who may not consent blocks
// the device code: its poll then ends with AADSTS65001.
func (s *Server) approveDevice(dc *deviceCode, upn string, forOrg bool) error {
	t, u, visitor, code, msg := s.signInUser(dc.tenant, upn, s.catalog.get(dc.clientID), dc.norm)
	if code != 0 {
		return fmt.Errorf("%s", msg)
	}
	if u == nil {
		return fmt.Errorf("AADSTS50034: The user account %s does not exist in the directory", upn)
	}
	if visitor == nil || visitor.foreign == nil { // a delegated admin's client is consented (foreignSignIn)
		if out := s.clientConsent(t, u, dc.clientID, dc.norm, forOrg); out.Result != ResultGranted {
			s.blockDevice(dc)
			return fmt.Errorf("%s", out.Message)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc.status != "pending" {
		return fmt.Errorf("sim: device code is %s", dc.status)
	}
	dc.status, dc.approvedTenant, dc.userID, dc.visitor = "approved", t, u.ID, visitor
	return nil
}

func (s *Server) blockDevice(dc *deviceCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc.status == "pending" {
		dc.status, dc.blockedApp = "blocked", s.catalog.get(dc.clientID)
	}
}

// rolesOrgConsent see the "Consent on behalf of your organization" checkbox:
// "only shows for at least the Privileged Role Administrator role, so Cloud
// Admin and App Admin don't see this checkbox" (application-consent-experience.md,
// 02/27/2025).
var rolesOrgConsent = []string{entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}

// clientEvaluate is what the user gets signing in to the client for the
// scopes, without recording anything: granted, a consent prompt, or blocked.
// The sign-in client is an app like any other: it needs consent
// (docs/entra.md 0; its read scopes are admin-consent scopes).
func (s *Server) clientEvaluate(t *Tenant, u *simUser, clientID string, norm []string) SignInOutcome {
	a := s.catalog.get(clientID)
	if a == nil {
		return SignInOutcome{Result: ResultError, Code: 700016, Message: "AADSTS700016: " + appNotFound(clientID, t.name)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.evaluateUserLocked(u, a, norm)
}

// clientConsent evaluates a sign-in of the user to the client for the scopes
// and, when a consent prompt is shown, accepts it (a Principal grant, or an
// AllPrincipals one when forOrg and the user may consent for the
// organization).
func (s *Server) clientConsent(t *Tenant, u *simUser, clientID string, norm []string, forOrg bool) SignInOutcome {
	out := s.clientEvaluate(t, u, clientID, norm)
	t.mu.Lock()
	defer t.mu.Unlock()
	a := s.catalog.get(clientID)
	if out.Result == ResultConsentPrompt {
		t.userConsentLocked(u, a, norm, forOrg && hasAnyRole(u, rolesOrgConsent))
		out = SignInOutcome{Result: ResultGranted}
	}
	t.recordNowLocked(u, clientID, a, out, norm) // the sign-in log (signinlog.go)
	return out
}

// ---- device login page -----------------------------------------------------------

func (s *Server) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Enter code", Action: "/devicelogin", Pending: nil}
	if r.Method != http.MethodPost {
		d.Login = s.primary.AdminUPN()
		d.Users = s.userList(s.primary)
		d.Flow = r.URL.Query().Get("otc")
		render(w, http.StatusOK, deviceLoginPage, d)
		return
	}
	_ = r.ParseForm()
	f := r.PostForm
	code, login := f.Get("code"), strings.TrimSpace(f.Get("login"))
	d.Flow, d.Login, d.Users = code, login, s.userList(s.primary)
	dc := s.findDevice(code)
	if dc == nil {
		d.Code, d.Message = 70000, "That code didn't work. Check the code and try again."
		render(w, http.StatusBadRequest, deviceLoginPage, d)
		return
	}
	a := s.catalog.get(dc.clientID)
	t, u, visitor, refused, msg := s.signInUser(dc.tenant, login, a, dc.norm)
	if refused != 0 {
		d.Code, d.Message = refused, msg
		render(w, http.StatusBadRequest, deviceLoginPage, d)
		return
	}
	if u == nil {
		d.Code, d.Message = 50034, fmt.Sprintf("AADSTS50034: The user account %s does not exist in the directory.", login)
		render(w, http.StatusBadRequest, deviceLoginPage, d)
		return
	}
	s.appView(&d, t, a)
	d.User = u.UserPrincipalName
	switch f.Get("action") {
	case "approve":
		if err := s.approveDevice(dc, login, f.Get("consent_org") == "on"); err != nil {
			d.Heading, d.Message, d.Result = "Need admin approval", err.Error(), ResultNeedAdminApproval
			render(w, http.StatusForbidden, blockedPage, d)
			return
		}
		d.ID, d.Heading = "device-approved", fmt.Sprintf("%s", d.App)
		d.Message = fmt.Sprintf("You have signed in to the %s application on your device. You may now close this window.", d.App)
		render(w, http.StatusOK, donePage, d)
	case "decline":
		_ = s.DeclineDeviceCode(code)
		d.ID, d.Heading, d.Message = "device-declined", "Sign-in declined", "You declined the sign-in. You may now close this window."
		render(w, http.StatusOK, donePage, d)
	default:
		out := SignInOutcome{Result: ResultGranted} // a delegated admin: the client is consented (foreignSignIn)
		if visitor == nil || visitor.foreign == nil {
			out = s.clientEvaluate(t, u, dc.clientID, dc.norm)
		}
		switch out.Result {
		case ResultGranted:
			d.Scopes = s.scopeViews(t, minusFold(dc.norm, oidcScopes))
		case ResultConsentPrompt:
			// The consent prompt of the sign-in (application-consent-experience.md).
			d.Consent = true
			d.Scopes = s.scopeViews(t, out.MissingScopes)
			d.ShowOrg = hasAnyRole(u, rolesOrgConsent)
		default:
			// The user may not consent: the page says so (90094 for the
			// admin-only read scopes) and the device code's poll fails.
			s.blockDevice(dc)
			d.Heading, d.Code, d.Message, d.Result = "Need admin approval", out.Code, out.Message, out.Result
			d.Scopes = s.scopeViews(t, out.MissingScopes)
			render(w, http.StatusForbidden, blockedPage, d)
			return
		}
		render(w, http.StatusOK, deviceConfirmPage, d)
	}
}
