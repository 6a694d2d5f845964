package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// What spans tenants: a partner's GDAP relationships with its customers
// (docs/entra.md I), guest accounts, the Conditional Access a tenant demands of
// users from elsewhere, and per-tenant faults. The authority (msp_auth.go)
// decides from it whether a user of one tenant gets tokens in another; the
// partner's Graph serves the relationships (msp_graph.go).

// mspState is guarded by its own mutex, always taken last (never hold it
// while taking s.mu or a tenant's mu).
type mspState struct {
	mu   sync.Mutex
	rels []*gdapRel
	// guests: (resource tenant, home tenant id, home user id) -> the guest's
	// object id in the resource tenant.
	guests map[guestKey]string
	// mfa: tenants whose Conditional Access demands multi-factor
	// authentication done in a sign-in to them.
	mfa map[*Tenant]bool
	// throttle: per-tenant 429s (the next n Graph requests of the tenant).
	throttle map[*Tenant]*tenantThrottle
	tenants  *MSPTenants
}

type guestKey struct {
	resource           *Tenant
	homeTenant, homeID string
}

type tenantThrottle struct{ n, retryAfter int }

// gdapRel is one delegated admin relationship (delegatedAdminRelationship).
type gdapRel struct {
	id, name          string
	partner, customer *Tenant
	customerName      string // as configured at creation (delegatedAdminRelationshipCustomerParticipant)
	status            string
	roles             []string // accessDetails: role template ids
	duration          string
	autoExtend        string
	created           time.Time
	activated         time.Time
	assigns           []*gdapAssign
}

// gdapAssign is one access assignment: the members of a security group of the
// partner's tenant get roles in the customer's tenant.
type gdapAssign struct {
	id, groupID, status string
	roles               []string
	created             time.Time
}

// Relationship describes a GDAP relationship to add (AddRelationship).
type Relationship struct {
	DisplayName string
	// Status is the relationship's status (default active): only active and
	// expiring relationships give roles (docs/entra.md I).
	Status string
	// Roles are the Entra role template ids the customer approved.
	Roles []string
	// Assignments give groups of the partner's tenant some of Roles; nil
	// gives every role to the AdminAgents group (AdminAgentsGroup).
	Assignments []AccessAssignment
}

// AccessAssignment gives the members of a partner group roles (status
// default active).
type AccessAssignment struct {
	GroupID string
	Roles   []string
	Status  string
}

// AdminAgentsGroup is the partner's group that Partner Center's Admin Agent
// role uses; the msp scenario's partner admin is a member.
const AdminAgentsGroup = "AdminAgents"

// MSPTenants are the tenants of the msp scenario.
type MSPTenants struct {
	Partner *Tenant
	// Reachable through GDAP, with the scenario each is built from.
	LockedDown, RequestWorkflow, ManagedCalendar, Granted *Tenant
	// NoRole: an active relationship whose roles are assigned to a group the
	// partner admin is not in: no access (AADSTS50020).
	NoRole *Tenant
	// MFA: reachable, but its Conditional Access demands MFA done in a
	// sign-in to it (AADSTS50076 to a silent request).
	MFA *Tenant
	// Guest: not a GDAP customer; the partner admin is a guest there with
	// Global Reader.
	Guest *Tenant
	// Former: the relationship was terminated: no access, not listed.
	Former *Tenant
	// Extra are Options.Customers more locked-down GDAP customers.
	Extra []*Tenant
}

// Customers are the tenants delegatedAdminCustomers lists (active relationships).
func (m *MSPTenants) Customers() []*Tenant {
	return append([]*Tenant{m.LockedDown, m.RequestWorkflow, m.ManagedCalendar, m.Granted, m.NoRole, m.MFA}, m.Extra...)
}

// MSP returns the tenants of the msp scenario (nil for other scenarios).
func (s *Server) MSP() *MSPTenants {
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	return s.msp.tenants
}

// multiTenantScenario builds a primary tenant from a single-tenant scenario,
// then the other tenants.
type multiTenantScenario struct {
	desc    string
	primary string
	build   func(s *Server, primary *Tenant) error
}

var multiTenantScenarios = map[string]multiTenantScenario{}

func init() {
	multiTenantScenarios["msp"] = multiTenantScenario{"a partner (MSP) signs in once and reaches its customers through GDAP: locked-down, request-workflow, managed-calendar and granted customers, one where the partner holds no role (AADSTS50020), one that demands MFA (AADSTS50076), a tenant where the partner admin is a guest, a former customer",
		"locked-down", buildMSP}
}

// MultiTenantScenarioNames lists the scenarios with several tenants (msp);
// ScenarioNames lists the single-tenant ones.
func MultiTenantScenarioNames() []string {
	names := make([]string, 0, len(multiTenantScenarios))
	for n := range multiTenantScenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// gdapRolesDefault are what the msp scenario's relationships give: read
// everything, grant consent (docs/entra.md A7) — Microsoft's GDAP sample
// consents apps with Cloud Application Administrator or Privileged Role
// Administrator (docs/entra.md I).
var gdapRolesDefault = []string{entra.RoleGlobalReader, entra.RoleCloudApplicationAdmin, entra.RolePrivilegedRoleAdmin}

// buildMSP: the primary tenant is the partner (locked-down itself), with the
// customers of MSPTenants.
func buildMSP(s *Server, p *Tenant) error {
	p.mu.Lock()
	p.scenario = "msp"
	p.name = "Contoso IT Services (partner)"
	admin := p.userByUPNLocked(p.adminUPN)
	helpdesk := p.addUserLocked("helpdesk@"+p.domainLocked(), "Diego Siciliani (helpdesk)")
	p.addGroupLocked(AdminAgentsGroup, admin)
	helpdeskGroup := p.addGroupLocked("HelpdeskAgents", helpdesk).ID
	p.mu.Unlock()

	m := &MSPTenants{Partner: p}
	add := func(dst **Tenant, scenario, base, name string) error {
		t, err := s.AddTenantNamed(scenario, base, name)
		*dst = t
		return err
	}
	for _, c := range []struct {
		dst                  **Tenant
		scenario, base, name string
	}{
		{&m.LockedDown, "locked-down", "fabrikam", "Fabrikam"},
		{&m.RequestWorkflow, "request-workflow", "tailspintoys", "Tailspin Toys"},
		{&m.ManagedCalendar, "managed-calendar", "wingtiptoys", "Wingtip Toys"},
		{&m.Granted, "granted", "woodgrovebank", "Woodgrove Bank"},
		{&m.NoRole, "locked-down", "litware", "Litware"},
		{&m.MFA, "locked-down", "adatum", "Adatum"},
		{&m.Guest, "locked-down", "relecloud", "Relecloud"},
		{&m.Former, "locked-down", "treyresearch", "Trey Research"},
	} {
		if err := add(c.dst, c.scenario, c.base, c.name); err != nil {
			return err
		}
	}
	for _, c := range []*Tenant{m.LockedDown, m.RequestWorkflow, m.ManagedCalendar, m.Granted, m.MFA} {
		if _, err := s.AddRelationship(p, c, Relationship{Roles: gdapRolesDefault}); err != nil {
			return err
		}
	}
	if _, err := s.AddRelationship(p, m.NoRole, Relationship{Roles: gdapRolesDefault,
		Assignments: []AccessAssignment{{GroupID: helpdeskGroup, Roles: gdapRolesDefault}}}); err != nil {
		return err
	}
	if _, err := s.AddRelationship(p, m.Former, Relationship{Roles: gdapRolesDefault, Status: "terminated"}); err != nil {
		return err
	}
	m.MFA.SetRequireMFA(true)
	if _, err := s.AddGuest(m.Guest, p.AdminUPN(), entra.RoleGlobalReader); err != nil {
		return err
	}
	for i := range s.opts.Customers {
		t, err := s.AddTenantNamed("locked-down", fmt.Sprintf("customer%03d", i+1), fmt.Sprintf("Customer %03d", i+1))
		if err != nil {
			return err
		}
		if _, err := s.AddRelationship(p, t, Relationship{Roles: gdapRolesDefault}); err != nil {
			return err
		}
		m.Extra = append(m.Extra, t)
	}
	s.msp.mu.Lock()
	s.msp.tenants = m
	s.msp.mu.Unlock()
	return nil
}

// ---- building -------------------------------------------------------------------

// AddGroup adds a security group with the given members (by UPN).
func (t *Tenant) AddGroup(name string, memberUPNs ...string) (entra.Group, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var members []*simUser
	for _, upn := range memberUPNs {
		u := t.userByUPNLocked(upn)
		if u == nil {
			return entra.Group{}, fmt.Errorf("sim: no user %q", upn)
		}
		members = append(members, u)
	}
	return t.addGroupLocked(name, members...).Group, nil
}

// groupByNameLocked finds a group by display name.
func (t *Tenant) groupByNameLocked(name string) *simGroup {
	for _, id := range t.groupOrder {
		if g := t.groups[id]; g != nil && g.DisplayName == name {
			return g
		}
	}
	return nil
}

var gdapStatuses = []string{"activating", "active", "approvalPending", "approved", "created", "expired", "expiring",
	"terminated", "terminating", "terminationRequested"}

// AddRelationship adds a GDAP relationship from partner to customer and
// returns its id. Without Assignments, every role goes to the partner's
// AdminAgents group (created with the partner's admin when missing).
func (s *Server) AddRelationship(partner, customer *Tenant, r Relationship) (string, error) {
	if partner == customer {
		return "", fmt.Errorf("sim: a tenant is not its own customer")
	}
	if r.Status == "" {
		r.Status = entra.GDAPStatusActive
	}
	if !slices.Contains(gdapStatuses, r.Status) {
		return "", fmt.Errorf("sim: unknown relationship status %q", r.Status)
	}
	now := s.now().UTC()
	customerName := customer.DisplayName()
	partner.mu.Lock()
	if r.Assignments == nil {
		g := partner.groupByNameLocked(AdminAgentsGroup)
		if g == nil {
			g = partner.addGroupLocked(AdminAgentsGroup, partner.userByUPNLocked(partner.adminUPN))
		}
		r.Assignments = []AccessAssignment{{GroupID: g.ID, Roles: r.Roles}}
	}
	// Relationship ids are two GUIDs joined by "-" (tenantrelationship-list-delegatedadminrelationships).
	rel := &gdapRel{id: partner.newGUID() + "-" + partner.newGUID(), name: r.DisplayName, partner: partner, customer: customer,
		customerName: customerName, status: r.Status, roles: append([]string(nil), r.Roles...), duration: "P730D", autoExtend: "P180D",
		created: now.Add(-48 * time.Hour), activated: now.Add(-47 * time.Hour)}
	var bad string
	for _, a := range r.Assignments {
		if partner.groups[a.GroupID] == nil {
			bad = a.GroupID
			break
		}
		st := a.Status
		if st == "" {
			st = entra.AccessAssignmentActive
		}
		rel.assigns = append(rel.assigns, &gdapAssign{id: partner.newGUID(), groupID: a.GroupID, status: st,
			roles: append([]string(nil), a.Roles...), created: rel.activated})
	}
	partner.mu.Unlock()
	if bad != "" {
		return "", fmt.Errorf("sim: no group %q in the partner's tenant", bad)
	}
	if rel.name == "" {
		rel.name = "MSP admin for " + customerName
	}
	s.msp.mu.Lock()
	s.msp.rels = append(s.msp.rels, rel)
	s.msp.mu.Unlock()
	return rel.id, nil
}

// SetRelationshipStatus changes a relationship's status (e.g. to expired).
func (s *Server) SetRelationshipStatus(id, status string) error {
	if !slices.Contains(gdapStatuses, status) {
		return fmt.Errorf("sim: unknown relationship status %q", status)
	}
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	for _, r := range s.msp.rels {
		if r.id == id {
			r.status = status
			return nil
		}
	}
	return fmt.Errorf("sim: no relationship %q", id)
}

// AddGuest invites the user homeUPN (of another tenant on this server) into
// resource as a guest holding the given directory roles, and returns the
// guest's user object there (B2B: its own object id, a #EXT# UPN).
func (s *Server) AddGuest(resource *Tenant, homeUPN string, roles ...string) (entra.User, error) {
	home := s.tenantByUPN(homeUPN)
	if home == nil || home == resource {
		return entra.User{}, fmt.Errorf("sim: %q is not a user of another tenant", homeUPN)
	}
	home.mu.Lock()
	hu := home.userByUPNLocked(homeUPN)
	var homeID, name string
	if hu != nil {
		homeID, name = hu.ID, hu.DisplayName
	}
	home.mu.Unlock()
	if hu == nil {
		return entra.User{}, fmt.Errorf("sim: no user %q", homeUPN)
	}
	upn := strings.ReplaceAll(homeUPN, "@", "_") + "#EXT#@" + resource.InitialDomain()
	resource.mu.Lock()
	g := resource.addUserLocked(upn, name, roles...)
	g.Mail = homeUPN
	out := g.User
	resource.mu.Unlock()
	s.msp.mu.Lock()
	if s.msp.guests == nil {
		s.msp.guests = map[guestKey]string{}
	}
	s.msp.guests[guestKey{resource, home.id, homeID}] = out.ID
	s.msp.mu.Unlock()
	return out, nil
}

// SetRequireMFA makes the tenant's Conditional Access demand multi-factor
// authentication done in a sign-in to this tenant from users of other
// tenants: a silent token request for it fails with AADSTS50076
// (interaction_required) until the user signs in to it interactively.
func (t *Tenant) SetRequireMFA(on bool) {
	s := t.srv
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	if s.msp.mfa == nil {
		s.msp.mfa = map[*Tenant]bool{}
	}
	s.msp.mfa[t] = on
}

// SetThrottle makes the tenant's next n Graph requests answer 429 with
// Retry-After seconds (0 means 1), leaving other tenants alone (Graph
// throttles per app and tenant, docs/msal.md 6).
func (t *Tenant) SetThrottle(n, retryAfterSeconds int) {
	s := t.srv
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	if s.msp.throttle == nil {
		s.msp.throttle = map[*Tenant]*tenantThrottle{}
	}
	s.msp.throttle[t] = &tenantThrottle{n: n, retryAfter: retryAfterSeconds}
}

// tenantThrottled counts one Graph request of t against its throttle.
func (s *Server) tenantThrottled(t *Tenant) (retryAfter int, throttled bool) {
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	th := s.msp.throttle[t]
	if th == nil || th.n <= 0 {
		return 0, false
	}
	th.n--
	if th.retryAfter <= 0 {
		return 1, true
	}
	return th.retryAfter, true
}

func (s *Server) requiresMFA(t *Tenant) bool {
	s.msp.mu.Lock()
	defer s.msp.mu.Unlock()
	return s.msp.mfa[t]
}
