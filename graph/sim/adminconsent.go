package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ---- admin consent ------------------------------------------------------------

// handleAdminConsent serves /{t}/adminconsent (v1: the app's configured
// permissions) and /{t}/v2.0/adminconsent (v2: scope required), docs/entra.md C1.
func (s *Server) handleAdminConsent(w http.ResponseWriter, r *http.Request, seg string, version int) {
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		if fl := s.getFlow(r.PostForm.Get("flow"), "adminconsent"); fl != nil {
			s.adminConsentAction(w, r, fl)
			return
		}
		errorPage(w, http.StatusBadRequest, 90014, "The consent session has expired or is unknown. Open the consent link again.")
		return
	}
	q := r.URL.Query()
	// docs/entra.md C1: v2 tenant may be a GUID, domain or organizations, not common.
	if version == 2 && strings.EqualFold(seg, "common") {
		errorPage(w, http.StatusBadRequest, 90130, "Application is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.")
		return
	}
	t, a, ok := s.pageTenantApp(w, seg, q)
	if !ok {
		return
	}
	fl := &authFlow{kind: "adminconsent", seg: seg, tenant: t, app: a, version: version, state: q.Get("state"),
		redirectURI: q.Get("redirect_uri"), loginHint: q.Get("login_hint"), bfID: q.Get("bf_id")}
	if version == 2 {
		fl.scopeParam = q.Get("scope")
		if strings.TrimSpace(fl.scopeParam) == "" {
			// docs/entra.md C1 pitfall: AADSTS900144 on v2.0 links without scope.
			errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'scope'.")
			return
		}
		if fl.redirectURI == "" {
			errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'redirect_uri'.")
			return
		}
		for _, sc := range strings.Fields(fl.scopeParam) {
			if strings.HasSuffix(strings.ToLower(sc), "/.default") || strings.EqualFold(sc, ".default") {
				// "/.default behaves like v1, includes app permissions".
				fl.roles = unionFold(fl.roles, a.RequiredAppRoles)
				fl.static = true
			}
		}
		norm, bad := s.normalizeScopes(strings.Fields(fl.scopeParam), a.RequiredScopes)
		if bad != "" {
			errorPage(w, http.StatusBadRequest, 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad))
			return
		}
		fl.norm = norm
	} else {
		norm, bad := s.normalizeScopes(a.RequiredScopes, nil)
		if bad != "" {
			errorPage(w, http.StatusBadRequest, 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad))
			return
		}
		fl.norm, fl.static = norm, true
		fl.roles = append([]string(nil), a.RequiredAppRoles...)
	}
	if fl.redirectURI != "" && !redirectAllowed(a, fl.redirectURI) && fl.redirectURI != "https://entra.microsoft.com/TokenAuthorize" {
		errorPage(w, http.StatusBadRequest, 50011, redirectMismatch(a, fl.redirectURI))
		return
	}
	pt := t
	if pt == nil {
		pt = s.primary
	}
	pt.mu.Lock()
	bad := pt.unknownScopeLocked(a, fl.norm)
	pt.mu.Unlock()
	if bad != nil {
		errorPage(w, http.StatusBadRequest, bad.Code, strings.TrimPrefix(bad.Message, "AADSTS650053: "))
		return
	}
	s.newFlow(fl)
	s.renderAdminConsent(w, r, fl, "")
}

func (s *Server) renderAdminConsent(w http.ResponseWriter, r *http.Request, fl *authFlow, msg string) {
	t := s.pageTenant(fl)
	d := pageData{Flow: fl.id, Action: r.URL.Path, Users: s.userList(t), Message: msg, Title: "Permissions requested"}
	s.appView(&d, fl.tenant, fl.app)
	if d.Tenant == "" {
		d.Tenant = "your organization"
	}
	d.Scopes = s.scopeViews(t, fl.norm)
	d.Roles = s.roleViews(t, fl.roles)
	d.Login = fl.loginHint
	if d.Login == "" {
		d.Login = t.AdminUPN()
	}
	render(w, http.StatusOK, adminConsentPage, d)
}

func (s *Server) adminConsentAction(w http.ResponseWriter, r *http.Request, fl *authFlow) {
	f := r.PostForm
	target := fl.redirectURI
	if target == "" && len(fl.app.ReplyURLs) > 0 {
		target = fl.app.ReplyURLs[0] // docs/entra.md G: v1 without redirect_uri lands on the app's reply URL.
	}
	if f.Get("action") != "accept" {
		v := url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app."}}
		if fl.version == 2 {
			// v2-admin-consent.md: "admin_consent=True&error=consent_required&error_description=AADSTS65004…".
			v.Set("admin_consent", "True")
			v.Set("error", "consent_required")
		}
		if fl.state != "" {
			v.Set("state", fl.state)
		}
		if target == "" {
			render(w, http.StatusOK, donePage, pageData{ID: "consent-declined", Heading: "Consent declined", Message: v.Get("error_description")})
			return
		}
		http.Redirect(w, r, addQuery(target, v), http.StatusFound)
		return
	}
	login := strings.TrimSpace(f.Get("login"))
	// A partner's delegated admin consents with the roles GDAP gives them
	// there ([UNVERIFIED]: Microsoft documents pre-consent by a GDAP admin
	// through Graph, docs/entra.md I, not through this page); the app they
	// consent to need not be consented yet (no client check: norm nil).
	t, u, _, refused, msg := s.signInUser(fl.tenant, login, fl.app, nil)
	if refused != 0 {
		s.renderAdminConsent(w, r, fl, msg)
		return
	}
	if u == nil {
		s.renderAdminConsent(w, r, fl, fmt.Sprintf("AADSTS50034: The user account %s does not exist in the directory.", login))
		return
	}
	if err := t.adminConsentAs(u, fl.app.AppID, fl.norm, fl.roles, fl.bfID, fl.static); err != nil {
		d := pageData{User: u.UserPrincipalName, Code: err.code, Message: err.msg, Result: ResultNeedAdminApproval, Heading: "Need admin approval", Flow: fl.id, Action: r.URL.Path}
		s.appView(&d, t, fl.app)
		render(w, http.StatusForbidden, blockedPage, d)
		return
	}
	v := url.Values{"admin_consent": {"True"}, "tenant": {t.ID()}}
	if fl.version == 2 {
		v.Set("scope", fl.scopeParam)
	}
	if fl.state != "" {
		v.Set("state", fl.state)
	}
	if target == "" {
		d := pageData{ID: "consent-granted", Heading: "Permissions granted", Message: "The permissions were granted for your organization. You can close this window."}
		s.appView(&d, t, fl.app)
		render(w, http.StatusOK, donePage, d)
		return
	}
	http.Redirect(w, r, addQuery(target, v), http.StatusFound)
}

func addQuery(u string, v url.Values) string {
	if strings.Contains(u, "?") {
		return u + "&" + v.Encode()
	}
	return u + "?" + v.Encode()
}

type consentErr struct {
	code int
	msg  string
}

// adminConsent grants tenant-wide: the client's service principal is created
// if missing, delegated scopes go into the AllPrincipals grant of each
// resource, app roles become appRoleAssignments; only if the user holds a
// role that can grant them (docs/entra.md A7). A bf_id completes that consent
// request (A4).
//
// static is a consent to the app registration's static permissions (v1, or v2
// with /.default): it REPLACES the tenant-wide grant's scope for each
// resource, since "granting tenant-wide admin consent may revoke permissions
// that have already been granted tenant-wide for that application"
// (grant-admin-consent.md; application-consent-experience.md: admin consent
// grants the static permissions). A dynamic v2 consent adds its scopes.
func (t *Tenant) adminConsent(userID, appID string, scopes, roles []string, bfID string, static bool) *consentErr {
	t.mu.Lock()
	u := t.users[userID]
	t.mu.Unlock()
	return t.adminConsentAs(u, appID, scopes, roles, bfID, static)
}

// adminConsentAs is adminConsent by u, who may be a partner's delegated
// admin holding GDAP roles (not in the directory, msp_auth.go).
func (t *Tenant) adminConsentAs(u *simUser, appID string, scopes, roles []string, bfID string, static bool) *consentErr {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.srv.catalog.get(appID)
	if u == nil || a == nil {
		return &consentErr{50034, "AADSTS50034: unknown user or app."}
	}
	gsp := t.graphSPLocked()
	if (len(scopes) > 0 || len(roles) > 0) && !hasAnyRole(u, rolesConsentDelegated) {
		return &consentErr{90094, fmt.Sprintf("AADSTS90094: %s needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.", a.DisplayName)}
	}
	if len(roles) > 0 && !hasAnyRole(u, rolesConsentGraphApp) {
		// docs/entra.md A7: Cloud Application / Application Administrators may not grant Microsoft Graph app roles.
		return &consentErr{90094, fmt.Sprintf("AADSTS90094: %s needs application permissions for Microsoft Graph (%s), which only a Privileged Role Administrator or Global Administrator can grant.", a.DisplayName, strings.Join(roles, ", "))}
	}
	var roleObjs []*entra.AppRole
	for _, r := range roles {
		ar := findAppRole(gsp, r)
		if ar == nil {
			return &consentErr{650053, fmt.Sprintf("AADSTS650053: The application asked for app role '%s' that doesn't exist on the resource.", r)}
		}
		roleObjs = append(roleObjs, ar)
	}
	sp := t.ensureSPLocked(appID)
	if len(scopes) > 0 {
		t.grantKeysLocked(sp, "AllPrincipals", "", scopes, static)
	}
	for _, ar := range roleObjs {
		t.addAssignmentLocked(ar.ID, sp.ID, "ServicePrincipal", sp.DisplayName, gsp)
	}
	if bfID != "" {
		t.completeRequestLocked(bfID)
	}
	return nil
}

// AdminConsent grants the app tenant-wide as the given admin, as the v1
// adminconsent page's Accept does (scopes nil: the app's configured
// permissions, app roles included, replacing the tenant-wide grant's scope;
// scopes given: a dynamic v2 consent to those scopes).
func (t *Tenant) AdminConsent(adminUPN, appID string, scopes []string) error {
	t.mu.Lock()
	u := t.userByUPNLocked(adminUPN)
	t.mu.Unlock()
	a := t.srv.catalog.get(appID)
	if u == nil || a == nil {
		return fmt.Errorf("sim: unknown user %q or app %q", adminUPN, appID)
	}
	var roles []string
	static := scopes == nil
	if static {
		scopes, roles = a.RequiredScopes, a.RequiredAppRoles
	}
	norm, bad := t.srv.normalizeScopes(scopes, a.RequiredScopes)
	if bad != "" {
		return fmt.Errorf("sim: unknown resource %q", bad)
	}
	if err := t.adminConsent(u.ID, appID, norm, roles, "", static); err != nil {
		return fmt.Errorf("%s", err.msg)
	}
	return nil
}
