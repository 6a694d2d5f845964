package sim

import (
	"consentwiz/graph/entra"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tenant is one simulated Entra ID tenant. All methods are goroutine-safe: a
// mutex guards the state. Collections are held in maps with insertion-order
// slices and secondary indexes, so lookups stay O(1) and listing a page costs
// the page (20,000 service principals or 50,000 grants stay fast).
type Tenant struct {
	srv *Server
	mu  sync.Mutex

	scenario string
	id       string
	name     string
	domains  []entra.VerifiedDomain
	seed     string
	seq      uint64

	adminUPN, endUserUPN string
	appID                string // the scenario's third-party app

	users      map[string]*simUser // by id
	usersByUPN map[string]*simUser // by lower-case UPN
	userOrder  []string
	groups     map[string]*simGroup
	groupOrder []string
	roleObjIDs map[string]string // role template id -> directoryRole object id

	authz entra.AuthorizationPolicy
	// beta's permissionGrantPolicyIdsAssignedToDefaultUserRole mirrors authz (docs/entra.md A1).
	acrp entra.AdminConsentRequestPolicy

	sps       map[string]*entra.ServicePrincipal // by object id
	spByAppID map[string]string                  // lower appId -> object id
	spOrder   []string

	grants           map[string]*entra.OAuth2PermissionGrant
	grantOrder       []string
	grantsByClient   map[string][]string // client SP id -> grant ids
	grantsByResource map[string][]string
	grantsByKind     map[string][]string // grantKind(client SP id, consent type) -> grant ids

	assigns            map[string]*entra.AppRoleAssignment
	assignsByPrincipal map[string][]string
	assignsByResource  map[string][]string

	classifications map[string][]entra.DelegatedPermissionClassification // by resource SP id

	requests       map[string]*entra.AppConsentRequest
	requestOrder   []string
	requestByAppID map[string]string // lower appId -> request id

	policies map[string]*grantPolicy // permission grant policies by lower id

	// graphSeq counts the Graph requests served for the tenant; lagging holds
	// the objects Graph does not see yet, workflowDelay a workflow switch-on
	// still under way (lag.go).
	graphSeq      uint64
	lagging       map[string]delay
	workflowDelay *delay

	// IgnoreAuthorizationPolicyWrites makes PATCH authorizationPolicy answer 204
	// and change nothing (docs/entra.md A1 [UNVERIFIED] silent discard).
	ignoreAuthzWrites bool

	// The sign-in log (signinlog.go), sorted by (time, sequence), and the
	// shared names its records show. noPremium: the tenant has no Microsoft
	// Entra ID P1/P2, so Graph refuses to read the log (docs/entra.md H).
	signIns   []signInRec
	signInSeq uint64
	logUsers  map[string]*logUser
	logApps   map[string]*logApp
	logSalt   uint64
	noPremium bool
	seeding   bool
}

type simUser struct {
	entra.User
	roles  []string // role template ids
	groups []string // group ids
	// generated: one of the thousands of users a big scenario makes up
	// (many-apps), left out of Users.
	generated bool
}

type simGroup struct {
	entra.Group
	members []string
}

type grantPolicy struct {
	ID          string
	DisplayName string
	Description string
	Includes    []entra.PermissionGrantConditionSet
	Excludes    []entra.PermissionGrantConditionSet
}

func newTenant(srv *Server, scenario, seed, name string, domains []entra.VerifiedDomain) *Tenant {
	t := &Tenant{
		srv: srv, scenario: scenario, seed: seed, name: name, domains: domains,
		users: map[string]*simUser{}, usersByUPN: map[string]*simUser{},
		groups: map[string]*simGroup{}, roleObjIDs: map[string]string{},
		sps: map[string]*entra.ServicePrincipal{}, spByAppID: map[string]string{},
		grants: map[string]*entra.OAuth2PermissionGrant{}, grantsByClient: map[string][]string{}, grantsByResource: map[string][]string{},
		grantsByKind: map[string][]string{},
		assigns:      map[string]*entra.AppRoleAssignment{}, assignsByPrincipal: map[string][]string{}, assignsByResource: map[string][]string{},
		classifications: map[string][]entra.DelegatedPermissionClassification{},
		requests:        map[string]*entra.AppConsentRequest{}, requestByAppID: map[string]string{},
		logUsers: map[string]*logUser{}, logApps: map[string]*logApp{},
	}
	t.id = t.newGUID()
	t.authz = entra.AuthorizationPolicy{ID: "authorizationPolicy", DisplayName: "Authorization Policy",
		AllowUserConsentForRiskyApps: new(bool)}
	t.acrp = entra.AdminConsentRequestPolicy{ID: "adminConsentRequestPolicy", RequestDurationInDays: 30, Reviewers: []entra.ReviewerScope{}, Version: 0}
	t.policies = builtinPolicies(t.id)
	// Every tenant has the service principals of Microsoft Graph and Office 365
	// Exchange Online (resource apps of every Microsoft 365 tenant).
	t.ensureSPLocked(entra.MicrosoftGraphAppID)
	t.ensureSPLocked(ExchangeOnlineAppID)
	return t
}

// newGUID returns a deterministic, unique GUID-shaped id (stable per scenario
// and order of creation, so demos and golden tests see the same ids).
func (t *Tenant) newGUID() string {
	t.seq++
	h := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", t.seed, t.seq)))
	b := h[:16]
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newGrantID returns an id shaped like Graph's oauth2PermissionGrant ids (base64url).
func (t *Tenant) newGrantID() string {
	t.seq++
	h := sha256.Sum256([]byte(fmt.Sprintf("%s#grant#%d", t.seed, t.seq)))
	var b [33]byte
	copy(b[:], h[:])
	binary.BigEndian.PutUint64(b[25:], t.seq)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ---- internal helpers (callers hold t.mu) ----------------------------------

func (t *Tenant) addUserLocked(upn, displayName string, roles ...string) *simUser {
	u := &simUser{User: entra.User{ID: t.newGUID(), DisplayName: displayName, UserPrincipalName: upn, Mail: upn}, roles: roles}
	t.users[u.ID] = u
	t.usersByUPN[strings.ToLower(upn)] = u
	t.userOrder = append(t.userOrder, u.ID)
	for _, r := range roles {
		if _, ok := t.roleObjIDs[r]; !ok {
			t.roleObjIDs[r] = t.newGUID()
		}
	}
	return u
}

func (t *Tenant) addGroupLocked(name string, members ...*simUser) *simGroup {
	g := &simGroup{Group: entra.Group{ID: t.newGUID(), DisplayName: name}}
	for _, m := range members {
		g.members = append(g.members, m.ID)
		m.groups = append(m.groups, g.ID)
	}
	t.groups[g.ID] = g
	t.groupOrder = append(t.groupOrder, g.ID)
	return g
}

func (t *Tenant) spByAppLocked(appID string) *entra.ServicePrincipal {
	id, ok := t.spByAppID[strings.ToLower(appID)]
	if !ok {
		return nil
	}
	return t.sps[id]
}

// ensureSPLocked returns the app's SP, creating it from the catalog when the
// app is known (docs/entra.md A5: consent or POST /servicePrincipals creates it).
func (t *Tenant) ensureSPLocked(appID string) *entra.ServicePrincipal {
	if sp := t.spByAppLocked(appID); sp != nil {
		return sp
	}
	a := t.srv.catalog.get(appID)
	if a == nil {
		return nil
	}
	return t.addSPLocked(spFromApp(a, t.newGUID()))
}

func (t *Tenant) addSPLocked(sp *entra.ServicePrincipal) *entra.ServicePrincipal {
	t.sps[sp.ID] = sp
	t.spByAppID[strings.ToLower(sp.AppID)] = sp.ID
	t.spOrder = append(t.spOrder, sp.ID)
	return sp
}

func (t *Tenant) graphSPLocked() *entra.ServicePrincipal {
	return t.spByAppLocked(entra.MicrosoftGraphAppID)
}

func (t *Tenant) addGrantLocked(g *entra.OAuth2PermissionGrant) *entra.OAuth2PermissionGrant {
	if g.ID == "" {
		g.ID = t.newGrantID()
	}
	t.grants[g.ID] = g
	t.grantOrder = append(t.grantOrder, g.ID)
	t.grantsByClient[g.ClientID] = append(t.grantsByClient[g.ClientID], g.ID)
	t.grantsByResource[g.ResourceID] = append(t.grantsByResource[g.ResourceID], g.ID)
	k := grantKind(g.ClientID, g.ConsentType)
	t.grantsByKind[k] = append(t.grantsByKind[k], g.ID)
	return g
}

// grantKind keys grantsByKind: a client's grants of one consent type, so that
// its few tenant-wide grants are found without walking thousands of users'.
func grantKind(clientID, consentType string) string {
	return clientID + "/" + strings.ToLower(consentType)
}

func (t *Tenant) deleteGrantLocked(id string) {
	g, ok := t.grants[id]
	if !ok {
		return
	}
	delete(t.grants, id)
	t.grantsByClient[g.ClientID] = slices.DeleteFunc(t.grantsByClient[g.ClientID], func(s string) bool { return s == id })
	t.grantsByResource[g.ResourceID] = slices.DeleteFunc(t.grantsByResource[g.ResourceID], func(s string) bool { return s == id })
	k := grantKind(g.ClientID, g.ConsentType)
	t.grantsByKind[k] = slices.DeleteFunc(t.grantsByKind[k], func(s string) bool { return s == id })
	// grantOrder keeps a tombstone; listings skip ids no longer in t.grants.
}

// deleteAssignmentLocked removes an app role assignment and its index entries.
func (t *Tenant) deleteAssignmentLocked(id string) {
	a, ok := t.assigns[id]
	if !ok {
		return
	}
	delete(t.assigns, id)
	t.assignsByPrincipal[a.PrincipalID] = slices.DeleteFunc(t.assignsByPrincipal[a.PrincipalID], func(s string) bool { return s == id })
	t.assignsByResource[a.ResourceID] = slices.DeleteFunc(t.assignsByResource[a.ResourceID], func(s string) bool { return s == id })
}

// deleteSPLocked removes a service principal with what hangs off it, as Entra
// does: its delegated grants (as client or resource), its app role
// assignments (as principal or resource) and its permission classifications.
// spOrder keeps a tombstone; listings skip ids no longer in t.sps.
func (t *Tenant) deleteSPLocked(id string) {
	sp, ok := t.sps[id]
	if !ok {
		return
	}
	for _, gid := range slices.Concat(t.grantsByClient[id], t.grantsByResource[id]) {
		t.deleteGrantLocked(gid)
	}
	for _, aid := range slices.Concat(t.assignsByPrincipal[id], t.assignsByResource[id]) {
		t.deleteAssignmentLocked(aid)
	}
	delete(t.grantsByClient, id)
	delete(t.grantsByResource, id)
	delete(t.grantsByKind, grantKind(id, "AllPrincipals"))
	delete(t.grantsByKind, grantKind(id, "Principal"))
	delete(t.assignsByPrincipal, id)
	delete(t.assignsByResource, id)
	delete(t.classifications, id)
	delete(t.sps, id)
	if t.spByAppID[strings.ToLower(sp.AppID)] == id {
		delete(t.spByAppID, strings.ToLower(sp.AppID))
	}
}

// findGrantLocked finds the grant for client, resource, consent type and principal.
func (t *Tenant) findGrantLocked(clientID, resourceID, consentType, principalID string) *entra.OAuth2PermissionGrant {
	for _, id := range t.grantsByClient[clientID] {
		g := t.grants[id]
		if g != nil && g.ResourceID == resourceID && strings.EqualFold(g.ConsentType, consentType) &&
			(consentType == "AllPrincipals" || g.PrincipalID == principalID) {
			return g
		}
	}
	return nil
}

// mergeGrantLocked adds scopes to the grant (creating it when missing):
// docs/entra.md A6 "update the existing grant, rather than create a new one".
func (t *Tenant) mergeGrantLocked(client, resource *entra.ServicePrincipal, consentType, principalID string, scopes []string) *entra.OAuth2PermissionGrant {
	g := t.findGrantLocked(client.ID, resource.ID, consentType, principalID)
	if g == nil {
		g = &entra.OAuth2PermissionGrant{ClientID: client.ID, ConsentType: consentType, ResourceID: resource.ID}
		if consentType == "Principal" {
			g.PrincipalID = principalID
		}
		t.addGrantLocked(g)
	}
	g.Scope = strings.Join(unionFold(strings.Fields(g.Scope), scopes), " ")
	return g
}

func (t *Tenant) addAssignmentLocked(roleID, principalID, principalType, principalName string, resource *entra.ServicePrincipal) *entra.AppRoleAssignment {
	for _, id := range t.assignsByPrincipal[principalID] {
		a := t.assigns[id]
		if a != nil && a.ResourceID == resource.ID && strings.EqualFold(a.AppRoleID, roleID) {
			return a
		}
	}
	a := &entra.AppRoleAssignment{ID: t.newGrantID(), AppRoleID: roleID, PrincipalID: principalID,
		PrincipalType: principalType, PrincipalDisplayName: principalName, ResourceID: resource.ID,
		ResourceDisplayName: resource.DisplayName, CreatedDateTime: t.srv.now().UTC().Format(time.RFC3339)}
	t.assigns[a.ID] = a
	t.assignsByPrincipal[principalID] = append(t.assignsByPrincipal[principalID], a.ID)
	t.assignsByResource[resource.ID] = append(t.assignsByResource[resource.ID], a.ID)
	return a
}

func (t *Tenant) userAssignedLocked(u *simUser, sp *entra.ServicePrincipal) bool {
	ids := append([]string{u.ID}, u.groups...)
	for _, aid := range t.assignsByResource[sp.ID] {
		a := t.assigns[aid]
		if a != nil && slices.Contains(ids, a.PrincipalID) {
			return true
		}
	}
	return false
}

func (t *Tenant) userByUPNLocked(upn string) *simUser { return t.usersByUPN[strings.ToLower(upn)] }

func (t *Tenant) now() time.Time { return t.srv.now() }

// ---- copies ----------------------------------------------------------------

func copyAuthz(p entra.AuthorizationPolicy) entra.AuthorizationPolicy {
	c := p
	if p.AllowUserConsentForRiskyApps != nil {
		v := *p.AllowUserConsentForRiskyApps
		c.AllowUserConsentForRiskyApps = &v
	}
	c.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned...)
	return c
}

func copySP(sp *entra.ServicePrincipal) entra.ServicePrincipal {
	c := *sp
	if sp.AccountEnabled != nil {
		v := *sp.AccountEnabled
		c.AccountEnabled = &v
	}
	if sp.VerifiedPublisher != nil {
		v := *sp.VerifiedPublisher
		c.VerifiedPublisher = &v
	}
	c.OAuth2PermissionScopes = append([]entra.PermissionScope(nil), sp.OAuth2PermissionScopes...)
	c.AppRoles = make([]entra.AppRole, len(sp.AppRoles))
	for i, r := range sp.AppRoles {
		r.AllowedMemberTypes = append([]string(nil), r.AllowedMemberTypes...)
		c.AppRoles[i] = r
	}
	c.ReplyURLs = append([]string(nil), sp.ReplyURLs...)
	return c
}

func copyRequest(r *entra.AppConsentRequest, withUsers bool) entra.AppConsentRequest {
	c := *r
	c.PendingScopes = append([]entra.ConsentRequestScope{}, r.PendingScopes...)
	c.UserConsentRequests = nil
	if withUsers {
		for _, u := range r.UserConsentRequests {
			c.UserConsentRequests = append(c.UserConsentRequests, copyUserRequest(u))
		}
	}
	return c
}

func copyUserRequest(u entra.UserConsentRequest) entra.UserConsentRequest {
	if u.CreatedBy.User != nil {
		v := *u.CreatedBy.User
		u.CreatedBy.User = &v
	}
	return u
}

// ---- scope helpers ---------------------------------------------------------

// unionFold returns a followed by the members of b not already in a (case-insensitive).
func unionFold(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		if !containsFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// minusFold returns the members of a not in b (case-insensitive).
func minusFold(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !containsFold(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func findScope(sp *entra.ServicePrincipal, value string) *entra.PermissionScope {
	for i := range sp.OAuth2PermissionScopes {
		if strings.EqualFold(sp.OAuth2PermissionScopes[i].Value, value) {
			return &sp.OAuth2PermissionScopes[i]
		}
	}
	return nil
}

func findAppRole(sp *entra.ServicePrincipal, valueOrID string) *entra.AppRole {
	for i := range sp.AppRoles {
		if strings.EqualFold(sp.AppRoles[i].Value, valueOrID) || strings.EqualFold(sp.AppRoles[i].ID, valueOrID) {
			return &sp.AppRoles[i]
		}
	}
	return nil
}
