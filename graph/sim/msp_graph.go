package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The partner's Graph serves its GDAP relationships (docs/entra.md I,
// tenantrelationship-list-delegatedadmincustomers,
// tenantrelationship-list-delegatedadminrelationships,
// delegatedadminrelationship-list-accessassignments): delegated permission
// DelegatedAdminRelationship.Read.All (least) or .ReadWrite.All; the pages
// name no directory role. Calls run in the partner's tenant: another tenant
// sees no relationships of its own.

var scGDAPRead = []string{"DelegatedAdminRelationship.Read.All", "DelegatedAdminRelationship.ReadWrite.All"}

// gdapRoutes are added to the route table (a separate block, msp.go's feature).
var gdapRoutes = []route{
	{"GET", "/tenantRelationships/delegatedAdminCustomers", "", scGDAPRead, nil, (*greq).listGDAPCustomers, "docs/entra.md I"},
	{"GET", "/tenantRelationships/delegatedAdminCustomers/{id}", "", scGDAPRead, nil, (*greq).getGDAPCustomer, "docs/entra.md I"},
	{"GET", "/tenantRelationships/delegatedAdminRelationships", "", scGDAPRead, nil, (*greq).listGDAPRelationships, "docs/entra.md I"},
	{"GET", "/tenantRelationships/delegatedAdminRelationships/{id}", "", scGDAPRead, nil, (*greq).getGDAPRelationship, "docs/entra.md I"},
	{"GET", "/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments", "", scGDAPRead, nil, (*greq).listGDAPAssignments, "docs/entra.md I"},
}

func init() { routes = append(routes, gdapRoutes...) }

// maxGDAPTop: "$top supports up to 300 objects" (the three list pages).
const maxGDAPTop = 300

func (g *greq) gdapTop() *gresp {
	if top := g.q.Get("$top"); top != "" {
		if n, err := strconv.Atoi(top); err == nil && n > maxGDAPTop {
			r := badRequest(fmt.Sprintf("Invalid page size specified: '%s'. $top supports up to %d objects.", top, maxGDAPTop))
			return &r
		}
	}
	return nil
}

// relsOf copies the partner's relationships (msp.mu is taken under the tenant's lock: it is always last).
func (s *Server) relsOf(partner *Tenant) []gdapRel {
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	var out []gdapRel
	for _, r := range s.msp.rels {
		if r.partner == partner {
			c := *r
			c.assigns = make([]*gdapAssign, len(r.assigns))
			for i, a := range r.assigns {
				ac := *a
				c.assigns[i] = &ac
			}
			out = append(out, c)
		}
	}
	return out
}

func unifiedRoles(ids []string) entra.DelegatedAdminAccessDetails {
	d := entra.DelegatedAdminAccessDetails{UnifiedRoles: []entra.UnifiedRole{}}
	for _, id := range ids {
		d.UnifiedRoles = append(d.UnifiedRoles, entra.UnifiedRole{RoleDefinitionID: id})
	}
	return d
}

func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// relJSON is a relationship as Graph serves it; its customer's display name
// is the one configured at creation (it is not read again from the customer).
func (r *gdapRel) json(customerName string) entra.DelegatedAdminRelationship {
	out := entra.DelegatedAdminRelationship{ID: r.id, DisplayName: r.name, Status: r.status,
		Customer:      entra.DelegatedAdminRelationshipCustomerParticipant{TenantID: r.customer.id, DisplayName: customerName},
		AccessDetails: unifiedRoles(r.roles), Duration: r.duration, AutoExtendDuration: r.autoExtend,
		CreatedDateTime: graphTime(r.created), LastModifiedDateTime: graphTime(r.activated)}
	switch r.status {
	case "created", "approvalPending", "approved", "activating":
	default:
		out.ActivatedDateTime = graphTime(r.activated)
		out.EndDateTime = graphTime(r.activated.Add(730 * 24 * time.Hour))
	}
	return out
}

var gdapCustomerFields = fields[entra.DelegatedAdminCustomer]{
	"id":          func(c entra.DelegatedAdminCustomer) string { return c.ID },
	"tenantid":    func(c entra.DelegatedAdminCustomer) string { return c.TenantID },
	"displayname": func(c entra.DelegatedAdminCustomer) string { return c.DisplayName },
}

// customers: one per customer with at least one active relationship
// (delegatedadmincustomer: "deleted when no more active relationships exist").
func (g *greq) gdapCustomers() []entra.DelegatedAdminCustomer {
	var out []entra.DelegatedAdminCustomer
	seen := map[*Tenant]bool{}
	for _, r := range g.s.relsOf(g.t) {
		if r.status != entra.GDAPStatusActive || seen[r.customer] {
			continue
		}
		seen[r.customer] = true
		out = append(out, entra.DelegatedAdminCustomer{ID: r.customer.id, TenantID: r.customer.id, DisplayName: r.customerName})
	}
	return out
}

func (g *greq) listGDAPCustomers(params) gresp {
	if e := g.gdapTop(); e != nil {
		return *e
	}
	cs, e := g.filterFor("eq:id", "eq:tenantId", "eq:displayName", "startswith:displayName")
	if e != nil {
		return *e
	}
	var items []item
	for _, c := range g.gdapCustomers() {
		if gdapCustomerFields.matches(c, cs) {
			items = append(items, item{v: c, odataType: "#microsoft.graph.delegatedAdminCustomer"})
		}
	}
	return g.collection(items, "tenantRelationships/delegatedAdminCustomers")
}

func (g *greq) getGDAPCustomer(p params) gresp {
	for _, c := range g.gdapCustomers() {
		if strings.EqualFold(c.ID, p["id"]) {
			return g.object(http.StatusOK, c, "tenantRelationships/delegatedAdminCustomers/$entity")
		}
	}
	return notFound(p["id"])
}

var gdapRelFields = fields[entra.DelegatedAdminRelationship]{
	"id":                   func(r entra.DelegatedAdminRelationship) string { return r.ID },
	"status":               func(r entra.DelegatedAdminRelationship) string { return r.Status },
	"displayname":          func(r entra.DelegatedAdminRelationship) string { return r.DisplayName },
	"customer/tenantid":    func(r entra.DelegatedAdminRelationship) string { return r.Customer.TenantID },
	"customer/displayname": func(r entra.DelegatedAdminRelationship) string { return r.Customer.DisplayName },
}

func (g *greq) listGDAPRelationships(params) gresp {
	if e := g.gdapTop(); e != nil {
		return *e
	}
	cs, e := g.filterFor("eq:id", "eq:status", "eq:displayName", "eq:customer/tenantId", "eq:customer/displayName")
	if e != nil {
		return *e
	}
	var items []item
	for _, r := range g.s.relsOf(g.t) {
		j := r.json(r.customerName)
		if gdapRelFields.matches(j, cs) {
			items = append(items, item{v: j, odataType: "#microsoft.graph.delegatedAdminRelationship"})
		}
	}
	return g.collection(items, "tenantRelationships/delegatedAdminRelationships")
}

func (g *greq) gdapRel(id string) (*gdapRel, *gresp) {
	for _, r := range g.s.relsOf(g.t) {
		if r.id == id {
			return &r, nil
		}
	}
	e := notFound(id)
	return nil, &e
}

func (g *greq) getGDAPRelationship(p params) gresp {
	r, e := g.gdapRel(p["id"])
	if e != nil {
		return *e
	}
	return g.object(http.StatusOK, r.json(r.customerName), "tenantRelationships/delegatedAdminRelationships/$entity")
}

func (g *greq) listGDAPAssignments(p params) gresp {
	if e := g.gdapTop(); e != nil {
		return *e
	}
	r, e := g.gdapRel(p["id"])
	if e != nil {
		return *e
	}
	var items []item
	for _, a := range r.assigns {
		items = append(items, item{v: entra.DelegatedAdminAccessAssignment{ID: a.id, Status: a.status,
			AccessContainer: entra.DelegatedAdminAccessContainer{AccessContainerID: a.groupID, AccessContainerType: "securityGroup"},
			AccessDetails:   unifiedRoles(a.roles), CreatedDateTime: graphTime(a.created), LastModifiedDateTime: graphTime(a.created)},
			odataType: "#microsoft.graph.delegatedAdminAccessAssignment"})
	}
	return g.collection(items, "tenantRelationships/delegatedAdminRelationships('"+r.id+"')/accessAssignments")
}

// foreignMe answers /me (and /me/memberOf) for a partner's delegated admin:
// they have no user object in the customer's directory, so Graph cannot find
// them ([UNVERIFIED]: Microsoft does not document /me for GDAP sign-ins; the
// directory holds no such user).
func foreignMe(u *simUser) gresp { return notFound(u.ID) }

// tenantFault is the tenant's own throttling (Tenant.SetThrottle).
func (s *Server) tenantFault(t *Tenant) *gresp {
	ra, ok := s.tenantThrottled(t)
	if !ok {
		return nil
	}
	s.count(func(st *Stats) { st.Throttled++ })
	r := gerr(http.StatusTooManyRequests, "TooManyRequests", fmt.Sprintf("Too many requests. Please retry after %d seconds.", ra))
	r.hdr = map[string]string{"Retry-After": strconv.Itoa(ra)}
	return &r
}
