package sim

import (
	"bytes"
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ---- role and scope sets (ENTRA.md A1–A7) ---------------------------------------

var (
	rolesRead            = []string{entra.RoleGlobalAdmin, entra.RoleGlobalReader, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin}
	rolesRequestsRead    = []string{entra.RoleGlobalAdmin, entra.RoleGlobalReader, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin} // A4
	rolesAuthzWrite      = []string{entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}                                                       // A1
	rolesGA              = []string{entra.RoleGlobalAdmin}                                                                                      // A3
	rolesAppWrite        = []string{entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}
	rolesClassify        = []string{entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RoleGlobalAdmin} // A5
	scAuthzRead          = []string{"Policy.Read.All", "Policy.ReadWrite.Authorization"}
	scAuthzWrite         = []string{"Policy.ReadWrite.Authorization"}
	scACRPRead           = []string{"Policy.Read.All", "Policy.ReadWrite.ConsentRequest"}
	scACRPWrite          = []string{"Policy.ReadWrite.ConsentRequest", "Directory.ReadWrite.All"}
	scPGPRead            = []string{"Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant", "Policy.Read.All"}
	scAppRead            = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	scAppWrite           = []string{"Application.ReadWrite.All", "Directory.ReadWrite.All"}
	scGrantRead          = []string{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Application.Read.All", "Application.ReadWrite.All"}
	scGrantWrite         = []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"}
	scAssignRead         = []string{"Application.Read.All", "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	scAssignWrite        = []string{"AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"}
	scClassifyRead       = []string{"Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant", "Application.Read.All", "Directory.Read.All"}
	scClassifyWrite      = []string{"Policy.ReadWrite.PermissionGrant"}
	scRequestsRead       = []string{"ConsentRequest.Read.All", "ConsentRequest.ReadWrite.All"}
	scMe                 = []string{"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}
	scMemberOf           = []string{"User.Read", "GroupMember.Read.All", "Group.Read.All", "User.Read.All", "Directory.Read.All"}
	scOrg                = []string{"User.Read", "Organization.Read.All", "Directory.Read.All"}
	scUsers              = []string{"User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}
	scGroups             = []string{"Group.Read.All", "GroupMember.Read.All", "Directory.Read.All"}
	authzPatchableFields = []string{"displayName", "description", "allowUserConsentForRiskyApps", "defaultUserRolePermissions",
		"allowedToSignUpEmailBasedSubscriptions", "allowedToUseSSPR", "allowEmailVerifiedUsersToJoinOrganization",
		"blockMsolPowerShell", "guestUserRoleId", "allowInvitesFrom", "allowedToUseSspr"}
)

func roleNames(roles []string) string {
	var n []string
	for _, r := range roles {
		n = append(n, entra.RoleNames[r])
	}
	return strings.Join(n, ", ")
}

// need checks the token's scopes (any of) and, when roles is non-nil, the
// user's directory roles (any of): 403 Authorization_RequestDenied otherwise.
func (g *greq) need(scopes, roles []string) *gresp {
	ok := false
	for _, sc := range scopes {
		if containsFold(g.tok.scopes, sc) {
			ok = true
			break
		}
	}
	if !ok {
		r := gerr(http.StatusForbidden, "Authorization_RequestDenied",
			fmt.Sprintf("Insufficient privileges to complete the operation. The access token lacks the required scope: one of %s.", strings.Join(scopes, ", ")))
		return &r
	}
	if roles != nil && !hasAnyRole(g.u, roles) {
		r := gerr(http.StatusForbidden, "Authorization_RequestDenied",
			fmt.Sprintf("Insufficient privileges to complete the operation. The signed-in user needs one of the directory roles: %s.", roleNames(roles)))
		return &r
	}
	return nil
}

// ---- HTTP entry ----------------------------------------------------------------

func (s *Server) retryAfter(f Faults) string {
	switch {
	case f.RetryAfterSeconds < 0:
		return "0"
	case f.RetryAfterSeconds == 0:
		return "1"
	}
	return strconv.Itoa(f.RetryAfterSeconds)
}

func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request, prefix string) {
	reqID := randGUID()
	clientReqID := r.Header.Get("client-request-id")
	if clientReqID == "" {
		clientReqID = reqID
	}
	// Faults that act on the round trip: dropped connection, latency.
	s.mu.Lock()
	drop := s.faults.Drop > 0
	if drop {
		s.faults.Drop--
		s.stats.Dropped++
	}
	latency := s.faults.Latency
	s.stats.RoundTrips++
	s.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	write := func(resp gresp) {
		status, hdr, body := resp.finalize(reqID, clientReqID)
		h := w.Header()
		h.Set("request-id", reqID)
		h.Set("client-request-id", clientReqID)
		h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Loopback","Slice":"E","Ring":"sim","ScaleUnit":"000","RoleInstance":"sim"}}`)
		for k, v := range hdr {
			h.Set(k, v)
		}
		w.WriteHeader(status)
		if body != nil {
			_, _ = w.Write(body)
		}
	}
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	version, path, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if version != "v1.0" && version != "beta" {
		write(gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid version: %s", version)))
		return
	}
	path = "/" + path
	tok, errResp := s.authenticate(r)
	if errResp != nil {
		s.count(func(st *Stats) { st.GraphRequests++ })
		write(*errResp)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	g := &greq{s: s, t: tok.tenant, tok: tok, method: r.Method, version: version, path: path,
		q: r.URL.Query(), hdr: r.Header, body: body, root: baseURL(r) + prefix + "/" + version}
	if path == "/$batch" {
		s.count(func(st *Stats) { st.Batches++ })
		if r.Method != http.MethodPost {
			write(gerr(http.StatusMethodNotAllowed, "BadRequest", "$batch accepts POST only."))
			return
		}
		write(g.batch())
		return
	}
	write(g.one())
}

// authenticate resolves the bearer token: 401 InvalidAuthenticationToken when
// it is missing, unknown or expired.
func (s *Server) authenticate(r *http.Request) (*accessToken, *gresp) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return nil, &e
	}
	at, ok := s.lookupToken(strings.TrimSpace(tok))
	if !ok {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.). Access token validation failure.")
		return nil, &e
	}
	if !s.now().Before(at.expires) {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return nil, &e
	}
	return at, nil
}

// one runs a single Graph operation: per-request faults, then dispatch under
// the tenant lock.
func (g *greq) one() gresp {
	s := g.s
	s.mu.Lock()
	s.stats.GraphRequests++
	f := s.faults
	var fault *gresp
	switch {
	case s.faults.Throttle429 > 0:
		s.faults.Throttle429--
		s.stats.Throttled++
		ra := s.retryAfter(f)
		r := gerr(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after "+ra+" seconds.")
		r.hdr = map[string]string{"Retry-After": ra}
		fault = &r
	case s.faults.Unavailable503 > 0:
		s.faults.Unavailable503--
		s.stats.Unavailable++
		ra := s.retryAfter(f)
		r := gerr(http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable. Please retry after "+ra+" seconds.")
		r.hdr = map[string]string{"Retry-After": ra}
		fault = &r
	}
	s.mu.Unlock()
	if fault != nil {
		return *fault
	}
	g.t.mu.Lock()
	defer g.t.mu.Unlock()
	g.u = g.t.users[g.tok.userID]
	if g.u == nil {
		return gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "The user of the access token no longer exists.")
	}
	return g.dispatch()
}

// ---- $batch (MSAL.md 6, ENTRA.md A8) ----------------------------------------------

type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResp struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

func (g *greq) batch() gresp {
	var req struct {
		Requests []batchItem `json:"requests"`
	}
	if err := json.Unmarshal(g.body, &req); err != nil {
		return gerr(http.StatusBadRequest, "BadRequest", "Unable to deserialize the batch request: "+err.Error())
	}
	if len(req.Requests) == 0 {
		return gerr(http.StatusBadRequest, "BadRequest", "The batch request contains no requests.")
	}
	if len(req.Requests) > 20 {
		return gerr(http.StatusBadRequest, "BadRequest", "The number of requests in the batch exceeds the limit of 20.")
	}
	index := map[string]int{}
	for i, it := range req.Requests {
		key := strings.ToLower(it.ID)
		if it.ID == "" || it.Method == "" || it.URL == "" {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Batch request %d lacks id, method or url.", i))
		}
		if _, dup := index[key]; dup {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Duplicate request id '%s' in the batch.", it.ID))
		}
		index[key] = i
	}
	for _, it := range req.Requests {
		for _, d := range it.DependsOn {
			if _, ok := index[strings.ToLower(d)]; !ok {
				return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Request '%s' depends on unknown request '%s'.", it.ID, d))
			}
		}
	}
	// Execute respecting dependsOn (a failed dependency yields 424).
	results := make([]*batchResp, len(req.Requests))
	for pass := 0; pass <= len(req.Requests); pass++ {
		progress := false
		for i, it := range req.Requests {
			if results[i] != nil {
				continue
			}
			ready, failed := true, ""
			for _, d := range it.DependsOn {
				dr := results[index[strings.ToLower(d)]]
				if dr == nil {
					ready = false
				} else if dr.Status >= 400 {
					failed = d
				}
			}
			if !ready {
				continue
			}
			progress = true
			if failed != "" {
				st, hdr, body := gerr(http.StatusFailedDependency, "FailedDependency",
					fmt.Sprintf("The request depends on request '%s', which failed.", failed)).finalize(randGUID(), "")
				results[i] = &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: body}
				continue
			}
			results[i] = g.batchOne(it)
		}
		if !progress {
			break
		}
	}
	for i, r := range results {
		if r == nil {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Request '%s' has circular dependsOn.", req.Requests[i].ID))
		}
	}
	// Responses may come back in any order; reverse keeps clients honest.
	out := make([]*batchResp, 0, len(results))
	for i := len(results) - 1; i >= 0; i-- {
		out = append(out, results[i])
	}
	b, _ := json.Marshal(map[string]any{"responses": out})
	return gresp{status: http.StatusOK, body: b}
}

func (g *greq) batchOne(it batchItem) *batchResp {
	u := it.URL
	// Items are relative to the version root ("/users?$select=id" or "users");
	// absolute Graph URLs are tolerated.
	if i := strings.Index(u, "/"+g.version+"/"); strings.HasPrefix(u, "http") && i >= 0 {
		u = u[i+len(g.version)+1:]
	}
	if !strings.HasPrefix(u, "/") {
		u = "/" + u
	}
	pu, err := url.Parse(u)
	reqID := randGUID()
	if err != nil {
		st, hdr, body := badRequest("Invalid request URL.").finalize(reqID, "")
		return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: body}
	}
	h := http.Header{}
	for k, v := range it.Headers {
		h.Set(k, v)
	}
	body := []byte(nil)
	if len(it.Body) > 0 && string(it.Body) != "null" {
		if h.Get("Content-Type") == "" {
			st, hdr, b := badRequest("A request with a body must specify the Content-Type header.").finalize(reqID, "")
			return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: b}
		}
		body = it.Body
	}
	sub := &greq{s: g.s, t: g.t, tok: g.tok, method: strings.ToUpper(it.Method), version: g.version,
		path: pu.Path, q: pu.Query(), hdr: h, body: body, root: g.root}
	st, hdr, b := sub.one().finalize(reqID, "")
	if hdr == nil {
		hdr = map[string]string{}
	}
	return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: b}
}

// ---- routing ----------------------------------------------------------------------

func splitSegs(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func (g *greq) dispatch() gresp {
	segs := splitSegs(g.path)
	if len(segs) == 0 {
		return gerr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment ''.")
	}
	m := g.method
	switch {
	case segs[0] == "policies" && len(segs) >= 2:
		return g.policies(segs[1:])
	case segs[0] == "servicePrincipals":
		if len(segs) == 1 {
			switch m {
			case http.MethodGet:
				return g.listServicePrincipals()
			case http.MethodPost:
				return g.createServicePrincipal()
			}
			return methodNotAllowed()
		}
		return g.servicePrincipal(segs[1], segs[2:])
	case strings.HasPrefix(segs[0], "servicePrincipals("):
		return g.servicePrincipal(segs[0][len("servicePrincipals"):], segs[1:])
	case segs[0] == "oauth2PermissionGrants":
		return g.grantsRoute(segs[1:])
	case segs[0] == "identityGovernance" && len(segs) >= 3 && segs[1] == "appConsent" && segs[2] == "appConsentRequests":
		return g.requestsRoute(segs[3:])
	case segs[0] == "me":
		return g.meRoute(segs[1:])
	case segs[0] == "organization":
		return g.organization(segs[1:])
	case segs[0] == "users":
		return g.usersRoute(segs[1:])
	case segs[0] == "groups":
		return g.groupsRoute(segs[1:])
	}
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", segs[0]))
}

func methodNotAllowed() gresp {
	return gerr(http.StatusMethodNotAllowed, "Request_BadRequest", "The requested HTTP method is not supported on this resource.")
}

func (g *greq) decodeBody() (map[string]json.RawMessage, *gresp) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(g.body, &m); err != nil || m == nil {
		r := badRequest("Invalid JSON body: " + fmt.Sprint(err))
		return nil, &r
	}
	return m, nil
}

// ---- policies ---------------------------------------------------------------------

type authzJSON struct {
	entra.AuthorizationPolicy
	Description string `json:"description"`
	// Beta only (ENTRA.md A1).
	PermissionGrantPolicyIdsAssignedToDefaultUserRole []string `json:"permissionGrantPolicyIdsAssignedToDefaultUserRole,omitempty"`
}

func (g *greq) authzView() authzJSON {
	v := authzJSON{AuthorizationPolicy: copyAuthz(g.t.authz), Description: "Used to manage authorization related settings across the company."}
	if g.version == "beta" {
		v.PermissionGrantPolicyIdsAssignedToDefaultUserRole = append([]string{}, g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned...)
	}
	return v
}

func (g *greq) policies(segs []string) gresp {
	switch {
	case segs[0] == "authorizationPolicy":
		// beta: /policies/authorizationPolicy is a collection; /authorizationPolicy/authorizationPolicy the object.
		if g.version == "beta" && len(segs) == 1 && g.method == http.MethodGet {
			if e := g.need(scAuthzRead, rolesRead); e != nil {
				return *e
			}
			return g.collection([]item{{v: g.authzView()}}, "policies/authorizationPolicy")
		}
		if len(segs) > 2 || (len(segs) == 2 && (g.version != "beta" || segs[1] != "authorizationPolicy")) {
			return notFound(strings.Join(segs, "/"))
		}
		switch g.method {
		case http.MethodGet:
			if e := g.need(scAuthzRead, rolesRead); e != nil {
				return *e
			}
			return g.object(http.StatusOK, g.authzView(), "policies/authorizationPolicy/$entity")
		case http.MethodPatch:
			return g.patchAuthz()
		}
		return methodNotAllowed()
	case segs[0] == "adminConsentRequestPolicy" && len(segs) == 1:
		switch g.method {
		case http.MethodGet:
			if e := g.need(scACRPRead, rolesRead); e != nil {
				return *e
			}
			return g.object(http.StatusOK, g.t.acrp, "policies/adminConsentRequestPolicy/$entity")
		case http.MethodPut:
			return g.putACRP()
		}
		// ENTRA.md A3: PUT, not PATCH.
		return methodNotAllowed()
	case segs[0] == "permissionGrantPolicies":
		return g.permissionGrantPolicies(segs[1:])
	}
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", segs[0]))
}

// patchAuthz merges the body into the authorization policy; 204 (ENTRA.md A1).
func (g *greq) patchAuthz() gresp {
	if e := g.need(scAuthzWrite, rolesAuthzWrite); e != nil {
		return *e
	}
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	next := copyAuthz(g.t.authz)
	for k, raw := range m {
		if strings.HasPrefix(k, "@odata") || k == "id" {
			continue
		}
		switch {
		case k == "allowUserConsentForRiskyApps":
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return badRequest("Invalid value for property 'allowUserConsentForRiskyApps'.")
			}
			next.AllowUserConsentForRiskyApps = &b
		case k == "displayName":
			_ = json.Unmarshal(raw, &next.DisplayName)
		case k == "defaultUserRolePermissions":
			var d map[string]json.RawMessage
			if json.Unmarshal(raw, &d) != nil || d == nil {
				return badRequest("Invalid value for property 'defaultUserRolePermissions'.")
			}
			for dk, dv := range d {
				switch dk {
				case "permissionGrantPoliciesAssigned":
					var ids []string
					if string(dv) == "null" || json.Unmarshal(dv, &ids) != nil {
						return badRequest("Invalid value for property 'permissionGrantPoliciesAssigned'.")
					}
					// ENTRA.md A1: casing varies in the wild — stored exactly as sent.
					next.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ids...)
				case "allowedToCreateApps":
					_ = json.Unmarshal(dv, &next.DefaultUserRolePermissions.AllowedToCreateApps)
				case "allowedToCreateSecurityGroups", "allowedToCreateTenants", "allowedToReadBitlockerKeysForOwnedDevice", "allowedToReadOtherUsers":
				default:
					return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", dk))
				}
			}
		case k == "permissionGrantPolicyIdsAssignedToDefaultUserRole" && g.version == "beta":
			var ids []string
			if json.Unmarshal(raw, &ids) != nil {
				return badRequest("Invalid value for property 'permissionGrantPolicyIdsAssignedToDefaultUserRole'.")
			}
			next.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ids...)
		case containsFold(authzPatchableFields, k):
		default:
			return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", k))
		}
	}
	if g.t.ignoreAuthzWrites {
		// ENTRA.md A1 [UNVERIFIED]: "accepted, answered 204 and discarded".
		return noContent()
	}
	g.t.authz = next
	g.s.mu.Lock()
	concurrent := g.s.faults.ConcurrentChange
	g.s.faults.ConcurrentChange = false
	g.s.mu.Unlock()
	if concurrent {
		// Another admin changes the setting right after our write.
		other := entra.SelfConsentPrefix + entra.PolicyLow
		if containsFold(g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, other) {
			other = entra.SelfConsentPrefix + entra.PolicyLegacy
		}
		var kept []string
		for _, v := range g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned {
			if len(v) >= len(entra.OwnedResourceConsentPrefix) && strings.EqualFold(v[:len(entra.OwnedResourceConsentPrefix)], entra.OwnedResourceConsentPrefix) {
				kept = append(kept, v)
			}
		}
		g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{other}, kept...)
	}
	return noContent()
}

// putACRP replaces the consent request policy (ENTRA.md A3: full object, GA, 204).
func (g *greq) putACRP() gresp {
	if e := g.need(scACRPWrite, rolesGA); e != nil {
		return *e
	}
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	known := []string{"id", "isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers", "version"}
	for k := range m {
		if !strings.HasPrefix(k, "@odata") && !containsFold(known, k) {
			return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", k))
		}
	}
	var p entra.AdminConsentRequestPolicy
	if err := json.Unmarshal(g.body, &p); err != nil {
		return badRequest("Invalid adminConsentRequestPolicy: " + err.Error())
	}
	if p.IsEnabled && len(p.Reviewers) == 0 {
		return badRequest("At least one reviewer must be specified when the admin consent request policy is enabled.")
	}
	if p.RequestDurationInDays < 0 {
		return badRequest("requestDurationInDays must not be negative.")
	}
	for _, r := range p.Reviewers {
		if !strings.HasPrefix(r.Query, "/") || !strings.EqualFold(r.QueryType, "MicrosoftGraph") {
			return badRequest(fmt.Sprintf("Invalid reviewer scope query '%s' (queryType must be MicrosoftGraph).", r.Query))
		}
	}
	v := g.t.acrp.Version + 1
	p.ID, p.Version = "adminConsentRequestPolicy", v
	if p.Reviewers == nil {
		p.Reviewers = []entra.ReviewerScope{}
	}
	g.t.acrp = p
	return noContent()
}

type policyJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
}

func (g *greq) permissionGrantPolicies(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scPGPRead, rolesRead); e != nil {
		return *e
	}
	if len(segs) == 0 {
		var items []item
		for _, id := range sortedKeys(g.t.policies) {
			p := g.t.policies[id]
			items = append(items, item{v: policyJSON{p.ID, p.DisplayName, p.Description}})
		}
		return g.collection(items, "policies/permissionGrantPolicies")
	}
	p := g.t.policies[strings.ToLower(segs[0])]
	if p == nil {
		return notFound(segs[0])
	}
	if len(segs) == 1 {
		return g.object(http.StatusOK, policyJSON{p.ID, p.DisplayName, p.Description}, "policies/permissionGrantPolicies/$entity")
	}
	var sets []entra.PermissionGrantConditionSet
	switch {
	case len(segs) == 2 && segs[1] == "includes":
		sets = p.Includes
	case len(segs) == 2 && segs[1] == "excludes":
		sets = p.Excludes
	default:
		return notFound(strings.Join(segs, "/"))
	}
	items := make([]item, 0, len(sets))
	for _, c := range sets {
		items = append(items, item{v: c})
	}
	return g.collection(items, "policies/permissionGrantPolicies('"+p.ID+"')/"+segs[1])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// ---- service principals --------------------------------------------------------------

func (g *greq) listServicePrincipals() gresp {
	if e := g.need(scAppRead, rolesRead); e != nil {
		return *e
	}
	cs, e := g.filterFor("eq:appId", "eq:displayName", "startswith:displayName", "eq:id", "eq:servicePrincipalType")
	if e != nil {
		return *e
	}
	sp, sv, e := g.search("displayName")
	if e != nil {
		return *e
	}
	var ids []string
	if appID, ok := clauseVal(cs, "eq", "appId"); ok {
		if id, ok := g.t.spByAppID[strings.ToLower(appID)]; ok {
			ids = []string{id}
		}
	} else {
		ids = g.t.spOrder
	}
	items := make([]item, 0, min(len(ids), 1024))
	for _, id := range ids {
		s := g.t.sps[id]
		if s == nil || !spMatches(s, cs) || (sp != "" && !matchText("search", s.DisplayName, sv)) {
			continue
		}
		items = append(items, item{v: s})
	}
	return g.collection(items, "servicePrincipals")
}

func spMatches(s *entra.ServicePrincipal, cs []clause) bool {
	for _, c := range cs {
		var have string
		switch strings.ToLower(c.prop) {
		case "appid":
			have = s.AppID
		case "displayname":
			have = s.DisplayName
		case "id":
			have = s.ID
		case "serviceprincipaltype":
			have = s.ServicePrincipalType
		}
		if !matchText(c.kind, have, c.val) {
			return false
		}
	}
	return true
}

// resolveSP resolves "{id}" or "(appId='…')" (ENTRA.md A5 alternate key).
func (g *greq) resolveSP(key string) (*entra.ServicePrincipal, string) {
	if strings.HasPrefix(key, "(") {
		inner := strings.TrimSuffix(strings.TrimPrefix(key, "("), ")")
		k, v, ok := strings.Cut(inner, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "appId") {
			return nil, key
		}
		v = strings.Trim(strings.TrimSpace(v), "'")
		return g.t.spByAppLocked(v), "appId='" + v + "'"
	}
	return g.t.sps[key], key
}

func (g *greq) createServicePrincipal() gresp {
	if e := g.need(scAppWrite, rolesAppWrite); e != nil {
		return *e
	}
	var body struct {
		AppID string `json:"appId"`
	}
	if err := json.Unmarshal(g.body, &body); err != nil || body.AppID == "" {
		return badRequest("The request must specify the appId of the service principal.")
	}
	if g.t.spByAppLocked(body.AppID) != nil {
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue",
			fmt.Sprintf("The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", body.AppID))
	}
	if g.s.catalog.get(body.AppID) == nil {
		return badRequest(fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", body.AppID))
	}
	// ENTRA.md A5: create the SP of a multi-tenant app.
	sp := g.t.ensureSPLocked(body.AppID)
	r := g.object(http.StatusCreated, sp, "servicePrincipals/$entity")
	r.hdr = map[string]string{"Location": g.root + "/servicePrincipals/" + sp.ID}
	return r
}

func (g *greq) servicePrincipal(key string, segs []string) gresp {
	sp, name := g.resolveSP(key)
	if len(segs) == 0 {
		switch g.method {
		case http.MethodGet:
			if e := g.need(scAppRead, rolesRead); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			return g.object(http.StatusOK, sp, "servicePrincipals/$entity")
		case http.MethodPatch:
			return g.patchSP(sp, name)
		case http.MethodDelete:
			// Undo of grant-direct (ENTRA.md A5); Microsoft Graph's own SP is not ours to delete.
			if e := g.need(scAppWrite, rolesAppWrite); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			if strings.EqualFold(sp.AppID, entra.MicrosoftGraphAppID) {
				return gerr(http.StatusBadRequest, "Request_BadRequest", "The service principal of a Microsoft first-party application cannot be deleted.")
			}
			g.t.deleteSPLocked(sp.ID)
			return noContent()
		}
		return methodNotAllowed()
	}
	nav := segs[0]
	switch {
	case nav == "oauth2PermissionGrants" && len(segs) == 1 && g.method == http.MethodGet:
		if e := g.need(scGrantRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		return g.grantItems(g.t.grantsByClient[sp.ID], nil)
	case nav == "appRoleAssignments" && len(segs) == 1 && g.method == http.MethodGet:
		if e := g.need(scAssignRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		return g.assignItems(g.t.assignsByPrincipal[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignments")
	case nav == "appRoleAssignedTo" && len(segs) == 1:
		switch g.method {
		case http.MethodGet:
			if e := g.need(scAssignRead, rolesRead); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			return g.assignItems(g.t.assignsByResource[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignedTo")
		case http.MethodPost:
			return g.createAssignment(sp, name)
		}
		return methodNotAllowed()
	case nav == "appRoleAssignedTo" && len(segs) == 2:
		if g.method != http.MethodDelete {
			return methodNotAllowed()
		}
		return g.deleteAssignment(sp, name, segs[1])
	case nav == "delegatedPermissionClassifications":
		return g.classifications(sp, name, segs[1:])
	}
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", nav))
}

func (g *greq) patchSP(sp *entra.ServicePrincipal, name string) gresp {
	if e := g.need(scAppWrite, rolesAppWrite); e != nil {
		return *e
	}
	if sp == nil {
		return notFound(name)
	}
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	for k, v := range m {
		switch k {
		case "appRoleAssignmentRequired":
			if json.Unmarshal(v, &sp.AppRoleAssignmentRequired) != nil {
				return badRequest("Invalid value for property 'appRoleAssignmentRequired'.")
			}
		case "accountEnabled":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				return badRequest("Invalid value for property 'accountEnabled'.")
			}
			sp.AccountEnabled = &b
		default:
			return badRequest(fmt.Sprintf("Property '%s' cannot be updated by the simulator.", k))
		}
	}
	return noContent()
}

func (g *greq) assignItems(ids []string, ctx string) gresp {
	items := make([]item, 0, len(ids))
	for _, id := range ids {
		if a := g.t.assigns[id]; a != nil {
			items = append(items, item{v: a})
		}
	}
	return g.collection(items, ctx)
}

// createAssignment: POST appRoleAssignedTo (ENTRA.md A6). Microsoft Graph app
// roles need PRA/GA (A7); other resources also allow CAA/AA.
func (g *greq) createAssignment(res *entra.ServicePrincipal, name string) gresp {
	roles := rolesAuthzWrite
	if res != nil && !strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		roles = rolesAppWrite
	}
	if e := g.need(scAssignWrite, roles); e != nil {
		return *e
	}
	if res == nil {
		return notFound(name)
	}
	var b entra.AppRoleAssignment
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid appRoleAssignment: " + err.Error())
	}
	if !strings.EqualFold(b.ResourceID, res.ID) {
		return badRequest("The resourceId must be the service principal in the request URL.")
	}
	var ptype, pname string
	switch {
	case g.t.sps[b.PrincipalID] != nil:
		ptype, pname = "ServicePrincipal", g.t.sps[b.PrincipalID].DisplayName
	case g.t.users[b.PrincipalID] != nil:
		ptype, pname = "User", g.t.users[b.PrincipalID].DisplayName
	case g.t.groups[b.PrincipalID] != nil:
		ptype, pname = "Group", g.t.groups[b.PrincipalID].DisplayName
	default:
		return notFound(b.PrincipalID)
	}
	if b.AppRoleID != DefaultAppRoleID && findAppRole(res, b.AppRoleID) == nil {
		return badRequest("Permission being assigned was not found on application")
	}
	for _, id := range g.t.assignsByPrincipal[b.PrincipalID] {
		if a := g.t.assigns[id]; a != nil && a.ResourceID == res.ID && strings.EqualFold(a.AppRoleID, b.AppRoleID) {
			return badRequest("Permission being assigned already exists on the object")
		}
	}
	a := g.t.addAssignmentLocked(b.AppRoleID, b.PrincipalID, ptype, pname, res)
	return g.object(http.StatusCreated, a, "servicePrincipals('"+res.ID+"')/appRoleAssignedTo/$entity")
}

// deleteAssignment: DELETE servicePrincipals/{resource}/appRoleAssignedTo/{id}
// (undo of an app role grant), with the roles createAssignment needs.
func (g *greq) deleteAssignment(res *entra.ServicePrincipal, name, id string) gresp {
	roles := rolesAuthzWrite
	if res != nil && !strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		roles = rolesAppWrite
	}
	if e := g.need(scAssignWrite, roles); e != nil {
		return *e
	}
	if res == nil {
		return notFound(name)
	}
	a := g.t.assigns[id]
	if a == nil || a.ResourceID != res.ID {
		return notFound(id)
	}
	g.t.deleteAssignmentLocked(id)
	return noContent()
}

func (g *greq) classifications(sp *entra.ServicePrincipal, name string, segs []string) gresp {
	switch {
	case len(segs) == 0 && g.method == http.MethodGet:
		if e := g.need(scClassifyRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		var items []item
		for _, c := range g.t.classifications[sp.ID] {
			items = append(items, item{v: c})
		}
		return g.collection(items, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications")
	case len(segs) == 0 && g.method == http.MethodPost:
		if e := g.need(scClassifyWrite, rolesClassify); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		var b entra.DelegatedPermissionClassification
		if err := json.Unmarshal(g.body, &b); err != nil {
			return badRequest("Invalid delegatedPermissionClassification: " + err.Error())
		}
		var ps *entra.PermissionScope
		for i := range sp.OAuth2PermissionScopes {
			s := &sp.OAuth2PermissionScopes[i]
			if (b.PermissionID != "" && strings.EqualFold(s.ID, b.PermissionID)) || (b.PermissionID == "" && strings.EqualFold(s.Value, b.PermissionName)) {
				ps = s
			}
		}
		if ps == nil {
			return badRequest("The permission was not found on the service principal.")
		}
		// ENTRA.md A5: only delegated permissions that do not require admin consent.
		if ps.Type != "User" {
			return badRequest(fmt.Sprintf("Permission '%s' requires admin consent and cannot be classified.", ps.Value))
		}
		if c := strings.ToLower(b.Classification); c != "low" && c != "medium" && c != "high" {
			return badRequest("classification must be low, medium or high.")
		}
		for _, c := range g.t.classifications[sp.ID] {
			if strings.EqualFold(c.PermissionID, ps.ID) {
				return badRequest(fmt.Sprintf("A classification for permission '%s' already exists.", ps.Value))
			}
		}
		c := entra.DelegatedPermissionClassification{ID: g.t.newGUID(), PermissionID: ps.ID, PermissionName: ps.Value, Classification: strings.ToLower(b.Classification)}
		g.t.classifications[sp.ID] = append(g.t.classifications[sp.ID], c)
		return g.object(http.StatusCreated, c, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications/$entity")
	case len(segs) == 1 && g.method == http.MethodDelete:
		if e := g.need(scClassifyWrite, rolesClassify); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		list := g.t.classifications[sp.ID]
		for i, c := range list {
			if c.ID == segs[0] {
				g.t.classifications[sp.ID] = append(list[:i:i], list[i+1:]...)
				return noContent()
			}
		}
		return notFound(segs[0])
	}
	return methodNotAllowed()
}

// ---- oauth2PermissionGrants -------------------------------------------------------------

func (g *greq) grantItems(ids []string, cs []clause) gresp {
	items := make([]item, 0, min(len(ids), 1024))
	for _, id := range ids {
		gr := g.t.grants[id]
		if gr == nil || !grantMatches(gr, cs) {
			continue
		}
		items = append(items, item{v: gr})
	}
	return g.collection(items, "oauth2PermissionGrants")
}

func grantMatches(gr *entra.OAuth2PermissionGrant, cs []clause) bool {
	for _, c := range cs {
		var have string
		switch strings.ToLower(c.prop) {
		case "clientid":
			have = gr.ClientID
		case "consenttype":
			have = gr.ConsentType
		case "principalid":
			have = gr.PrincipalID
		case "resourceid":
			have = gr.ResourceID
		}
		if !strings.EqualFold(have, c.val) {
			return false
		}
	}
	return true
}

func (g *greq) grantsRoute(segs []string) gresp {
	if len(segs) == 0 {
		switch g.method {
		case http.MethodGet:
			if e := g.need(scGrantRead, rolesRead); e != nil {
				return *e
			}
			// ENTRA.md A6: clientId and consentType support $filter (eq).
			cs, e := g.filterFor("eq:clientId", "eq:consentType", "eq:principalId", "eq:resourceId")
			if e != nil {
				return *e
			}
			ids := g.t.grantOrder
			if v, ok := clauseVal(cs, "eq", "clientId"); ok {
				ids = g.t.grantsByClient[v]
			} else if v, ok := clauseVal(cs, "eq", "resourceId"); ok {
				ids = g.t.grantsByResource[v]
			}
			return g.grantItems(ids, cs)
		case http.MethodPost:
			return g.createGrant()
		}
		return methodNotAllowed()
	}
	if len(segs) != 1 {
		return notFound(strings.Join(segs, "/"))
	}
	gr := g.t.grants[segs[0]]
	switch g.method {
	case http.MethodGet:
		if e := g.need(scGrantRead, rolesRead); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, gr, "oauth2PermissionGrants/$entity")
	case http.MethodPatch:
		if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		m, e := g.decodeBody()
		if e != nil {
			return *e
		}
		for k, v := range m {
			if k != "scope" {
				return badRequest(fmt.Sprintf("Property '%s' is read-only or does not exist.", k))
			}
			var sc string
			if json.Unmarshal(v, &sc) != nil {
				return badRequest("Invalid value for property 'scope'.")
			}
			if r := g.checkScopes(g.t.sps[gr.ResourceID], sc); r != nil {
				return *r
			}
			gr.Scope = sc
		}
		return noContent()
	case http.MethodDelete:
		if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		g.t.deleteGrantLocked(gr.ID)
		return noContent()
	}
	return methodNotAllowed()
}

func (g *greq) checkScopes(res *entra.ServicePrincipal, scope string) *gresp {
	for _, sc := range strings.Fields(scope) {
		if res == nil || findScope(res, sc) == nil {
			r := badRequest(fmt.Sprintf("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '%s' is not a delegated permission of the resource.", sc))
			return &r
		}
	}
	return nil
}

// createGrant: POST /oauth2PermissionGrants (ENTRA.md A6).
func (g *greq) createGrant() gresp {
	if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
		return *e
	}
	var b entra.OAuth2PermissionGrant
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid oauth2PermissionGrant: " + err.Error())
	}
	client, res := g.t.sps[b.ClientID], g.t.sps[b.ResourceID]
	if client == nil {
		return badRequest(fmt.Sprintf("Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant': no service principal '%s'.", b.ClientID))
	}
	if res == nil {
		return badRequest(fmt.Sprintf("Invalid value specified for property 'resourceId' of resource 'OAuth2PermissionGrant': no service principal '%s'.", b.ResourceID))
	}
	switch b.ConsentType {
	case "AllPrincipals":
		if b.PrincipalID != "" {
			return badRequest("principalId must be empty when consentType is AllPrincipals.")
		}
	case "Principal":
		if g.t.users[b.PrincipalID] == nil {
			return badRequest(fmt.Sprintf("Invalid value specified for property 'principalId': no user '%s'.", b.PrincipalID))
		}
	default:
		return badRequest("consentType must be AllPrincipals or Principal.")
	}
	if r := g.checkScopes(res, b.Scope); r != nil {
		return *r
	}
	if g.t.findGrantLocked(b.ClientID, b.ResourceID, b.ConsentType, b.PrincipalID) != nil {
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
	}
	gr := g.t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: b.ClientID, ConsentType: b.ConsentType, PrincipalID: b.PrincipalID, ResourceID: b.ResourceID, Scope: b.Scope})
	r := g.object(http.StatusCreated, gr, "oauth2PermissionGrants/$entity")
	r.hdr = map[string]string{"Location": g.root + "/oauth2PermissionGrants/" + gr.ID}
	return r
}

// ---- consent requests (ENTRA.md A4) -----------------------------------------------------

func (g *greq) requestsRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scRequestsRead, rolesRequestsRead); e != nil {
		return *e
	}
	expand := strings.EqualFold(strings.TrimSpace(g.q.Get("$expand")), "userConsentRequests")
	if len(segs) == 0 {
		cs, e := g.filterFor("eq:appId", "any:userConsentRequests/status")
		if e != nil {
			return *e
		}
		ids := g.t.requestOrder
		if v, ok := clauseVal(cs, "eq", "appId"); ok {
			ids = nil
			if id, ok := g.t.requestByAppID[strings.ToLower(v)]; ok {
				ids = []string{id}
			}
		}
		status, byStatus := clauseVal(cs, "any", "userConsentRequests/status")
		var items []item
		for _, id := range ids {
			r := g.t.requests[id]
			if byStatus && !hasUserRequestStatus(r, status) {
				continue
			}
			items = append(items, item{v: copyRequest(r, expand)})
		}
		return g.collection(items, "identityGovernance/appConsent/appConsentRequests")
	}
	r := g.t.requests[segs[0]]
	if r == nil {
		return notFound(segs[0])
	}
	if len(segs) == 1 {
		return g.object(http.StatusOK, copyRequest(r, expand), "identityGovernance/appConsent/appConsentRequests/$entity")
	}
	if segs[1] != "userConsentRequests" || len(segs) > 3 {
		return notFound(strings.Join(segs, "/"))
	}
	if len(segs) == 3 {
		for _, u := range r.UserConsentRequests {
			if u.ID == segs[2] {
				return g.object(http.StatusOK, copyUserRequest(u), "identityGovernance/appConsent/appConsentRequests('"+r.ID+"')/userConsentRequests/$entity")
			}
		}
		return notFound(segs[2])
	}
	cs, e := g.filterFor("eq:status")
	if e != nil {
		return *e
	}
	status, byStatus := clauseVal(cs, "eq", "status")
	var items []item
	for _, u := range r.UserConsentRequests {
		if byStatus && !strings.EqualFold(u.Status, status) {
			continue
		}
		items = append(items, item{v: copyUserRequest(u)})
	}
	return g.collection(items, "identityGovernance/appConsent/appConsentRequests('"+r.ID+"')/userConsentRequests")
}

func hasUserRequestStatus(r *entra.AppConsentRequest, status string) bool {
	for _, u := range r.UserConsentRequests {
		if strings.EqualFold(u.Status, status) {
			return true
		}
	}
	return false
}

// ---- directory: me, organization, users, groups ------------------------------------------

func (g *greq) meRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if len(segs) == 0 {
		if e := g.need(scMe, nil); e != nil {
			return *e
		}
		return g.object(http.StatusOK, g.u.User, "users/$entity")
	}
	return g.memberOf(g.u, segs)
}

func (g *greq) memberOf(u *simUser, segs []string) gresp {
	if (segs[0] != "memberOf" && segs[0] != "transitiveMemberOf") || len(segs) > 2 {
		return notFound(strings.Join(segs, "/"))
	}
	cast := ""
	if len(segs) == 2 {
		cast = strings.TrimPrefix(segs[1], "microsoft.graph.")
		if cast != "directoryRole" && cast != "group" {
			return badRequest(fmt.Sprintf("Invalid type cast '%s'.", segs[1]))
		}
	}
	if e := g.need(scMemberOf, nil); e != nil {
		return *e
	}
	var items []item
	if cast == "" || cast == "directoryRole" {
		for _, r := range u.roles {
			// ENTRA.md A7: activated directory roles carry roleTemplateId.
			items = append(items, item{v: entra.DirectoryRole{ID: g.t.roleObjIDs[r], DisplayName: entra.RoleNames[r], RoleTemplateID: r},
				odataType: "#microsoft.graph.directoryRole"})
		}
	}
	if cast == "" || cast == "group" {
		for _, id := range u.groups {
			items = append(items, item{v: g.t.groups[id].Group, odataType: "#microsoft.graph.group"})
		}
	}
	return g.collection(items, "directoryObjects")
}

func (g *greq) organization(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scOrg, nil); e != nil {
		return *e
	}
	org := entra.Organization{ID: g.t.id, DisplayName: g.t.name, VerifiedDomains: append([]entra.VerifiedDomain(nil), g.t.domains...)}
	if len(segs) == 1 {
		if segs[0] != g.t.id {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, org, "organization/$entity")
	}
	return g.collection([]item{{v: org}}, "organization")
}

func (g *greq) usersRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if len(segs) == 0 {
		if e := g.need(scUsers, nil); e != nil {
			return *e
		}
		cs, e := g.filterFor("startswith:displayName", "startswith:userPrincipalName", "startswith:mail", "eq:userPrincipalName", "eq:id", "eq:mail", "eq:displayName")
		if e != nil {
			return *e
		}
		sp, sv, e := g.search("displayName", "userPrincipalName", "mail")
		if e != nil {
			return *e
		}
		var items []item
		for _, id := range g.t.userOrder {
			u := g.t.users[id]
			if !userMatches(u.User, cs) || (sp != "" && !matchText("search", userField(u.User, sp), sv)) {
				continue
			}
			items = append(items, item{v: u.User})
		}
		return g.collection(items, "users")
	}
	u := g.t.users[segs[0]]
	if u == nil {
		u = g.t.userByUPNLocked(segs[0])
	}
	self := u != nil && u.ID == g.u.ID
	if len(segs) == 1 {
		sc := scUsers
		if self {
			sc = scMe
		}
		if e := g.need(sc, nil); e != nil {
			return *e
		}
		if u == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, u.User, "users/$entity")
	}
	if u == nil {
		return notFound(segs[0])
	}
	return g.memberOf(u, segs[1:])
}

func userField(u entra.User, prop string) string {
	switch strings.ToLower(prop) {
	case "userprincipalname":
		return u.UserPrincipalName
	case "mail":
		return u.Mail
	case "id":
		return u.ID
	}
	return u.DisplayName
}

func userMatches(u entra.User, cs []clause) bool {
	for _, c := range cs {
		if !matchText(c.kind, userField(u, c.prop), c.val) {
			return false
		}
	}
	return true
}

func (g *greq) groupsRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scGroups, nil); e != nil {
		return *e
	}
	if len(segs) == 1 {
		gr := g.t.groups[segs[0]]
		if gr == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, gr.Group, "groups/$entity")
	}
	if len(segs) > 1 {
		return notFound(strings.Join(segs, "/"))
	}
	cs, e := g.filterFor("startswith:displayName", "eq:displayName", "eq:id")
	if e != nil {
		return *e
	}
	sp, sv, e := g.search("displayName")
	if e != nil {
		return *e
	}
	var items []item
	for _, id := range g.t.groupOrder {
		gr := g.t.groups[id]
		ok := true
		for _, c := range cs {
			have := gr.DisplayName
			if strings.EqualFold(c.prop, "id") {
				have = gr.ID
			}
			ok = ok && matchText(c.kind, have, c.val)
		}
		if !ok || (sp != "" && !matchText("search", gr.DisplayName, sv)) {
			continue
		}
		items = append(items, item{v: gr.Group})
	}
	return g.collection(items, "groups")
}

// ---- control API (/_sim) --------------------------------------------------------------------

type faultsJSON struct {
	LatencyMs int `json:"latencyMs"`
	Faults
}

// handleControl serves the simulator's own API (not part of Microsoft's):
//
//	GET/POST /_sim/faults          {"latencyMs","throttle429","retryAfterSeconds","unavailable503","drop","concurrentChange"}
//	GET      /_sim/stats
//	GET      /_sim/tenants
//	GET      /_sim/devicecodes      pending user codes
//	POST     /_sim/devicecodes      {"userCode","upn"} approve (or {"userCode","decline":true})
//	POST     /_sim/{tenant}/signin  {"upn","appId","scopes","reason"} → SignInOutcome
//	POST     /_sim/{tenant}/adminconsent {"upn","appId"} → grants as the admin
func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) {
	segs := splitSegs(strings.TrimPrefix(r.URL.Path, "/_sim"))
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	bad := func(msg string) { writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg}) }
	if len(segs) == 0 {
		http.NotFound(w, r)
		return
	}
	switch {
	case segs[0] == "faults" && r.Method == http.MethodPost:
		var f faultsJSON
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&f); err != nil {
			bad(err.Error())
			return
		}
		f.Faults.Latency = time.Duration(f.LatencyMs) * time.Millisecond
		s.SetFaults(f.Faults)
		fallthrough
	case segs[0] == "faults":
		f := s.CurrentFaults()
		writeJSON(w, http.StatusOK, faultsJSON{LatencyMs: int(f.Latency / time.Millisecond), Faults: f})
	case segs[0] == "stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case segs[0] == "tenants":
		var out []map[string]string
		for _, t := range s.Tenants() {
			out = append(out, map[string]string{"id": t.ID(), "domain": t.Domain(), "scenario": t.Scenario(),
				"adminUpn": t.AdminUPN(), "endUserUpn": t.EndUserUPN(), "appId": t.AppID()})
		}
		writeJSON(w, http.StatusOK, out)
	case segs[0] == "devicecodes" && r.Method == http.MethodPost:
		var b struct {
			UserCode string `json:"userCode"`
			UPN      string `json:"upn"`
			Decline  bool   `json:"decline"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			bad(err.Error())
			return
		}
		var err error
		if b.Decline {
			err = s.DeclineDeviceCode(b.UserCode)
		} else {
			err = s.ApproveDeviceCode(b.UserCode, b.UPN)
		}
		if err != nil {
			bad(err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case segs[0] == "devicecodes":
		writeJSON(w, http.StatusOK, map[string][]string{"pending": s.PendingDeviceCodes()})
	case len(segs) == 2 && r.Method == http.MethodPost && (segs[1] == "signin" || segs[1] == "adminconsent"):
		t := s.TenantByName(segs[0])
		if t == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": tenantNotFound(segs[0])})
			return
		}
		var b struct {
			UPN    string   `json:"upn"`
			AppID  string   `json:"appId"`
			Scopes []string `json:"scopes"`
			Reason string   `json:"reason"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			bad(err.Error())
			return
		}
		if b.UPN == "" {
			b.UPN = t.EndUserUPN()
		}
		if b.AppID == "" {
			b.AppID = t.AppID()
		}
		if segs[1] == "adminconsent" {
			if err := t.AdminConsent(b.UPN, b.AppID, b.Scopes); err != nil {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
			return
		}
		writeJSON(w, http.StatusOK, t.UserSignIn(b.UPN, b.AppID, b.Scopes, b.Reason))
	default:
		http.NotFound(w, r)
	}
}
