package sim

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authFlow is one browser flow (authorize or admin consent) in progress; the
// pages carry only its id.
type authFlow struct {
	id, kind    string // "authorize" | "adminconsent"
	seg         string
	tenant      *Tenant // nil for organizations/common
	app         *App
	redirectURI string
	state       string
	challenge   string
	method      string
	mode        string // form_post | query | fragment
	nonce       string
	loginHint   string
	prompt      string // the authorize request's prompt parameter
	requested   []string
	norm        []string
	// admin consent
	version    int
	static     bool // a consent to the registration's static permissions (v1, /.default)
	scopeParam string
	roles      []string
	bfID       string
	// after sign-in
	userID     string
	userTenant *Tenant
	visitor    *subject // a user of another tenant signed in: a guest or a delegated admin (msp_auth.go)
	expires    time.Time
}

func (s *Server) newFlow(fl *authFlow) {
	fl.id = randToken("", 18)
	fl.expires = s.now().Add(time.Hour)
	s.mu.Lock()
	s.auth.flows[fl.id] = fl
	s.mu.Unlock()
}

func (s *Server) getFlow(id, kind string) *authFlow {
	s.mu.Lock()
	defer s.mu.Unlock()
	fl := s.auth.flows[id]
	if fl == nil || fl.kind != kind || s.now().After(fl.expires) {
		return nil
	}
	return fl
}

// isLoopbackRedirect: public clients may use any loopback port (docs/msal.md 2(b):
// MSAL sends http://localhost:PORT).
func isLoopbackRedirect(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" {
		return false
	}
	h := p.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// redirectAllowed: confidential apps need an exact match of a registered
// reply URL (docs/entra.md C1 "must exactly match").
func redirectAllowed(a *App, u string) bool {
	if a.PublicClient && isLoopbackRedirect(u) {
		return true
	}
	for _, r := range a.ReplyURLs {
		if r == u {
			return true
		}
	}
	return false
}

func redirectMismatch(a *App, u string) string {
	return fmt.Sprintf("The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.", u, a.AppID)
}

func (s *Server) pageTenant(fl *authFlow) *Tenant {
	s.mu.Lock()
	ut := fl.userTenant
	s.mu.Unlock()
	if ut != nil {
		return ut
	}
	if fl.tenant != nil {
		return fl.tenant
	}
	return s.primary
}

// appView fills the app part of a page (name from the tenant's SP when it exists).
func (s *Server) appView(d *pageData, t *Tenant, a *App) {
	d.App, d.AppID, d.Publisher, d.Verified = a.DisplayName, a.AppID, a.PublisherName, a.verified()
	if a.VerifiedPublisher != nil {
		d.Publisher = a.VerifiedPublisher.DisplayName
	}
	if t != nil {
		t.mu.Lock()
		if sp := t.spByAppLocked(a.AppID); sp != nil {
			d.App = sp.DisplayName
		}
		d.Tenant = t.name
		t.mu.Unlock()
	}
}

func (s *Server) userList(t *Tenant) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, id := range t.userOrder {
		if len(out) == 30 {
			break
		}
		out = append(out, t.users[id].UserPrincipalName)
	}
	return out
}

func (s *Server) scopeViews(t *Tenant, scopes []string) []permView {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []permView
	for _, sc := range scopes {
		v := permView{Value: sc, Name: sc}
		if _, ps := t.resolveScopeLocked(sc); ps != nil {
			v.Name, v.Admin = ps.AdminConsentDisplayName, ps.Type == "Admin"
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) roleViews(t *Tenant, roles []string) []permView {
	t.mu.Lock()
	defer t.mu.Unlock()
	gsp := t.graphSPLocked()
	var out []permView
	for _, r := range roles {
		v := permView{Value: r, Name: r}
		if ar := findAppRole(gsp, r); ar != nil {
			v.Name = ar.DisplayName
		}
		out = append(out, v)
	}
	return out
}

// ---- authorize -------------------------------------------------------------------

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request, seg string) {
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		if fl := s.getFlow(r.PostForm.Get("flow"), "authorize"); fl != nil {
			s.authorizeAction(w, r, fl)
			return
		}
		errorPage(w, http.StatusBadRequest, 90014, "The sign-in session has expired or is unknown. Start again from the application.")
		return
	}
	q := r.URL.Query()
	t, a, ok := s.pageTenantApp(w, seg, q)
	if !ok {
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(a.ReplyURLs) > 0 && !a.PublicClient {
		redirect = a.ReplyURLs[0]
	}
	if !redirectAllowed(a, redirect) {
		errorPage(w, http.StatusBadRequest, 50011, redirectMismatch(a, redirect))
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		errorPage(w, http.StatusBadRequest, 700051, fmt.Sprintf("response_type '%s' is not enabled for the application.", rt))
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method != "S256" && method != "plain" && method != "" {
		errorPage(w, http.StatusBadRequest, 5000, "Invalid code_challenge_method; use S256.")
		return
	}
	requested := strings.Fields(q.Get("scope"))
	norm, bad := s.normalizeScopes(requested, a.RequiredScopes)
	if bad != "" {
		errorPage(w, http.StatusBadRequest, 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad))
		return
	}
	mode := q.Get("response_mode")
	if mode == "" {
		mode = "query"
	}
	fl := &authFlow{kind: "authorize", seg: seg, tenant: t, app: a, redirectURI: redirect, state: q.Get("state"),
		challenge: q.Get("code_challenge"), method: method, mode: mode, nonce: q.Get("nonce"),
		loginHint: q.Get("login_hint"), prompt: q.Get("prompt"), requested: requested, norm: norm}
	s.newFlow(fl)
	s.renderSignIn(w, r, fl, 0, "")
}

func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, fl *authFlow, code int, msg string) {
	t := s.pageTenant(fl)
	d := pageData{Flow: fl.id, Action: r.URL.Path, Code: code, Message: msg, Users: s.userList(t)}
	s.appView(&d, fl.tenant, fl.app)
	d.Login = fl.loginHint
	if d.Login == "" {
		// The third-party app is the end user's; the CLI's user is the admin.
		if strings.EqualFold(fl.app.AppID, t.AppID()) {
			d.Login = t.EndUserUPN()
		} else {
			d.Login = t.AdminUPN()
		}
	}
	status := http.StatusOK
	if code != 0 {
		status = http.StatusBadRequest
	}
	render(w, status, signinPage, d)
}

func (s *Server) authorizeAction(w http.ResponseWriter, r *http.Request, fl *authFlow) {
	f := r.PostForm
	action := f.Get("action")
	if action == "cancel" {
		s.deliver(w, fl, url.Values{"error": {"access_denied"}, "error_subcode": {"cancel"},
			"error_description": {"AADSTS65004: User declined to consent to access the app."}})
		return
	}
	if action == "signin" {
		login := strings.TrimSpace(f.Get("login"))
		t, u, visitor, code, msg := s.signInUser(fl.tenant, login, fl.app, fl.norm)
		if code != 0 {
			s.renderSignIn(w, r, fl, code, msg)
			return
		}
		if u == nil {
			s.renderSignIn(w, r, fl, 50034, fmt.Sprintf("AADSTS50034: The user account %s does not exist in the directory. To sign into this application, the account must be added to the directory.", login))
			return
		}
		s.mu.Lock()
		fl.userID, fl.userTenant, fl.visitor = u.ID, t, visitor
		s.mu.Unlock()
	}
	s.mu.Lock()
	t, userID, visitor := fl.userTenant, fl.userID, fl.visitor
	s.mu.Unlock()
	if t == nil {
		s.renderSignIn(w, r, fl, 50058, "AADSTS50058: A silent sign-in request was sent but no user is signed in.")
		return
	}
	t.mu.Lock()
	u := t.users[userID]
	var out SignInOutcome
	if visitor != nil && visitor.foreign != nil {
		// A delegated admin: the client is consented there (foreignSignIn).
		u, out = visitor.foreign, SignInOutcome{Result: ResultGranted}
	} else {
		// Every client needs consent, the sign-in client included (docs/entra.md 0).
		out = t.evaluatePromptLocked(u, fl.app, fl.norm, fl.prompt)
	}
	if action == "signin" || out.Result == ResultGranted {
		// The sign-in log (signinlog.go): what the user met on signing in.
		t.recordNowLocked(u, fl.app.AppID, fl.app, out, fl.norm)
	}
	switch {
	case action == "accept" && out.Result == ResultConsentPrompt:
		forOrg := f.Get("consent_org") == "on" && hasAnyRole(u, rolesOrgConsent)
		t.userConsentLocked(u, fl.app, fl.norm, forOrg)
		out = SignInOutcome{Result: ResultGranted}
		t.recordNowLocked(u, fl.app.AppID, fl.app, out, fl.norm)
	case action == "accept" && out.Result == ResultAdminConsentPrompt:
		// prompt=admin_consent: the administrator consents for the organization.
		t.userConsentLocked(u, fl.app, fl.norm, true)
		out = SignInOutcome{Result: ResultGranted}
		t.recordNowLocked(u, fl.app.AppID, fl.app, out, fl.norm)
	case action == "request" && out.Result == ResultApprovalRequired:
		reason := strings.TrimSpace(f.Get("reason"))
		if reason != "" {
			t.submitRequestLocked(u, fl.app, out.MissingScopes, reason)
			out = SignInOutcome{Result: ResultRequestSubmitted, Code: out.Code, Message: reason}
		}
	}
	showOrg := hasAnyRole(u, rolesOrgConsent)
	user := u.UserPrincipalName
	t.mu.Unlock()

	d := pageData{Flow: fl.id, Action: r.URL.Path, User: user, Code: out.Code, Message: out.Message, Result: out.Result}
	s.appView(&d, t, fl.app)
	switch out.Result {
	case ResultGranted:
		code := randToken("", 32)
		s.mu.Lock()
		s.auth.codes[code] = &authCode{tenant: t, userID: userID, clientID: fl.app.AppID, redirectURI: fl.redirectURI,
			challenge: fl.challenge, method: fl.method, requested: fl.requested, norm: fl.norm, nonce: fl.nonce,
			expires: s.now().Add(10 * time.Minute), visitor: visitor}
		s.mu.Unlock()
		s.deliver(w, fl, url.Values{"code": {code}})
	case ResultConsentPrompt:
		d.Scopes = s.scopeViews(t, fl.norm)
		d.ShowOrg = showOrg
		render(w, http.StatusOK, consentPage, d)
	case ResultAdminConsentPrompt:
		d.Scopes = s.scopeViews(t, fl.norm)
		d.ForOrg = true
		render(w, http.StatusOK, consentPage, d)
	case ResultRequestSubmitted:
		render(w, http.StatusOK, requestSentPage, d)
	default:
		d.Scopes = s.scopeViews(t, out.MissingScopes)
		d.Heading = map[string]string{
			ResultNeedAdminApproval: "Need admin approval", ResultApprovalRequired: "Approval required",
			ResultNotAssigned: "You can't get there from here", ResultBlocked: "Application is disabled",
		}[out.Result]
		if d.Heading == "" {
			d.Heading = "Sorry, but we're having trouble signing you in."
		}
		d.Approval = out.Result == ResultApprovalRequired // docs/entra.md B2: request form with justification.
		render(w, http.StatusOK, blockedPage, d)
	}
}

// deliver returns the authorization response to the redirect URI: form_post
// (docs/msal.md 2(b): an auto-submitting form; MSAL's listener accepts only POST),
// query or fragment.
func (s *Server) deliver(w http.ResponseWriter, fl *authFlow, v url.Values) {
	if fl.state != "" {
		v.Set("state", fl.state)
	}
	if fl.mode == "form_post" {
		var fields []field
		for _, k := range []string{"code", "error", "error_description", "error_subcode", "state"} {
			if val := v.Get(k); val != "" {
				fields = append(fields, field{k, val})
			}
		}
		render(w, http.StatusOK, formPostPage, pageData{Title: "Working...", Action: fl.redirectURI, Fields: fields})
		return
	}
	sep := "?"
	if fl.mode == "fragment" {
		sep = "#"
	} else if strings.Contains(fl.redirectURI, "?") {
		sep = "&"
	}
	w.Header().Set("Location", fl.redirectURI+sep+v.Encode())
	w.WriteHeader(http.StatusFound)
}

// ---- index -----------------------------------------------------------------------

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	var d pageData
	d.Title = "consentwiz simulated cloud"
	for _, t := range s.Tenants() {
		tv := tenantView{Name: t.DisplayName(), ID: t.ID(), Domain: t.Domain(), Scenario: t.Scenario(), Users: s.userList(t)}
		tv.AdminConsent = base + "/" + t.ID() + "/adminconsent?client_id=" + TrackerRMSAppID
		tv.UserSignIn = base + "/" + t.ID() + "/oauth2/v2.0/authorize?" + url.Values{
			"client_id": {TrackerRMSAppID}, "response_type": {"code"}, "redirect_uri": {trackerReplyURLs[0]},
			"scope": {strings.Join(TrackerRMSScopes, " ")}, "login_hint": {t.EndUserUPN()}}.Encode()
		d.Tenants = append(d.Tenants, tv)
	}
	render(w, http.StatusOK, indexPage, d)
}

// pageTenantApp resolves the tenant path segment and the client_id of a
// browser page (authorize, adminconsent), answering Entra's error page
// (90002, 900144, 700016) when either is unknown.
func (s *Server) pageTenantApp(w http.ResponseWriter, seg string, q url.Values) (*Tenant, *App, bool) {
	t, _, ok := s.resolveTenant(seg)
	if !ok {
		errorPage(w, http.StatusBadRequest, 90002, tenantNotFound(seg))
		return nil, nil, false
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'client_id'.")
		return nil, nil, false
	}
	a := s.catalog.get(clientID)
	if a == nil {
		errorPage(w, http.StatusBadRequest, 700016, appNotFound(clientID, seg))
		return nil, nil, false
	}
	return t, a, true
}
