package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// GDAP: what a partner (MSP) reads in its own tenant to find the customers it
// can reach and the roles it holds there (docs/entra.md I). Every call needs
// DelegatedAdminRelationship.Read.All (entra.TenantsScopes), which nothing
// else asks for.

// gdapTop is the largest page the GDAP lists serve ("$top supports up to 300").
var gdapTop = param{"$top", "300"}

const groupType = "#microsoft.graph.group"

// ListDelegatedAdminCustomers lists the customers with at least one active
// GDAP relationship (GET /tenantRelationships/delegatedAdminCustomers).
func (c *Client) ListDelegatedAdminCustomers(ctx context.Context) ([]entra.DelegatedAdminCustomer, error) {
	return listAll[entra.DelegatedAdminCustomer](ctx, c, entra.OpListDelegatedAdminCustomers, nil, []param{gdapTop}, 0)
}

// ListDelegatedAdminRelationships lists the partner's GDAP relationships, in
// every status (GET /tenantRelationships/delegatedAdminRelationships).
func (c *Client) ListDelegatedAdminRelationships(ctx context.Context) ([]entra.DelegatedAdminRelationship, error) {
	return listAll[entra.DelegatedAdminRelationship](ctx, c, entra.OpListDelegatedAdminRelationships, nil, []param{gdapTop}, 0)
}

// ListDelegatedAdminAccessAssignments lists a relationship's access
// assignments: which partner groups hold which of its roles.
func (c *Client) ListDelegatedAdminAccessAssignments(ctx context.Context, relationshipID string) ([]entra.DelegatedAdminAccessAssignment, error) {
	return listAll[entra.DelegatedAdminAccessAssignment](ctx, c, entra.OpListDelegatedAdminAccessAssignments, []string{relationshipID}, []param{gdapTop}, 0)
}

// MyGroupIDs lists the ids of the groups the signed-in user is a member of,
// directly or through other groups (GET /me/transitiveMemberOf).
func (c *Client) MyGroupIDs(ctx context.Context) ([]string, error) {
	items, err := listAll[memberOfItem](ctx, c, entra.OpListMyGroups, nil, nil, 0)
	if err != nil {
		return nil, err
	}
	return groupIDsOf(items), nil
}

func groupIDsOf(items []memberOfItem) []string {
	var ids []string
	for _, it := range items {
		if strings.EqualFold(it.ODataType, groupType) {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// givesAccess reports whether a relationship's status gives its roles.
func givesAccess(status string) bool {
	return strings.EqualFold(status, entra.GDAPStatusActive) || strings.EqualFold(status, entra.GDAPStatusExpiring)
}

// PartnerSnapshot reads what `consentwiz tenants` shows, in two $batch round
// trips (more only when a list has more pages): the customers, the
// relationships and the signed-in user's groups, then the access assignments
// of every relationship that gives access. Parts that fail are kept in
// Errors; PartnerSnapshot fails only when neither the customers nor the
// relationships could be read.
func (c *Client) PartnerSnapshot(ctx context.Context) (*entra.PartnerSnapshot, error) {
	s := &entra.PartnerSnapshot{Assignments: map[string][]entra.DelegatedAdminAccessAssignment{}, Errors: map[string]*entra.APIError{}}
	fail := func(name string, e *entra.APIError) { s.Errors[name] = e }
	first := []listPart{
		{name: entra.PartCustomers, op: entra.OpListDelegatedAdminCustomers, params: []param{gdapTop},
			add: func(b json.RawMessage) error { return appendJSON(b, &s.Customers) }},
		{name: entra.PartRelationships, op: entra.OpListDelegatedAdminRelationships, params: []param{gdapTop},
			add: func(b json.RawMessage) error { return appendJSON(b, &s.Relationships) }},
		{name: entra.PartMyGroups, op: entra.OpListMyGroups, add: func(b json.RawMessage) error {
			var items []memberOfItem
			if err := json.Unmarshal(b, &items); err != nil {
				return err
			}
			s.MyGroupIDs = append(s.MyGroupIDs, groupIDsOf(items)...)
			return nil
		}},
	}
	if err := c.batchLists(ctx, first, fail); err != nil {
		return nil, err
	}
	if s.Errors[entra.PartCustomers] != nil && s.Errors[entra.PartRelationships] != nil {
		return nil, s.Errors[entra.PartCustomers]
	}
	var second []listPart
	for _, r := range s.Relationships {
		if !givesAccess(r.Status) {
			continue
		}
		id := r.ID
		second = append(second, listPart{name: entra.PartAssignmentsPrefix + id, op: entra.OpListDelegatedAdminAccessAssignments,
			args: []string{id}, params: []param{gdapTop}, add: func(b json.RawMessage) error {
				var items []entra.DelegatedAdminAccessAssignment
				if err := json.Unmarshal(b, &items); err != nil {
					return err
				}
				s.Assignments[id] = append(s.Assignments[id], items...)
				return nil
			}})
	}
	if err := c.batchLists(ctx, second, fail); err != nil {
		return nil, err
	}
	return s, nil
}

func appendJSON[T any](b json.RawMessage, dst *[]T) error {
	var items []T
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	*dst = append(*dst, items...)
	return nil
}

// listPart is one collection read through $batch; add receives each page's
// items (a JSON array).
type listPart struct {
	name   string
	op     entra.Op
	args   []string
	params []param
	add    func(items json.RawMessage) error
}

// batchLists reads the collections in $batch requests (Batch splits them in
// twenties), following each one's next pages in further rounds. An item that
// fails, or answers JSON that cannot be read, goes to fail under its name.
func (c *Client) batchLists(ctx context.Context, parts []listPart, fail func(string, *entra.APIError)) error {
	type work struct {
		part *listPart
		req  BatchRequest
	}
	var queue []work
	for i := range parts {
		p := &parts[i]
		ep := entra.EndpointFor(p.op)
		rel, err := relURL(ep, p.args, p.params)
		if err != nil {
			fail(p.name, &entra.APIError{Method: ep.Method, Path: ep.Path, Code: "InvalidArgument", Message: err.Error()})
			continue
		}
		queue = append(queue, work{p, BatchRequest{ID: fmt.Sprintf("p%d", i), Method: ep.Method, URL: rel, Scopes: ep.Scopes}})
	}
	for round := 1; len(queue) > 0; round++ {
		if round > maxPages {
			return fmt.Errorf("graph: more than %d pages", maxPages)
		}
		reqs := make([]BatchRequest, len(queue))
		for i, w := range queue {
			reqs[i] = w.req
		}
		resps, err := c.Batch(ctx, reqs)
		if err != nil {
			return err
		}
		var next []work
		for i, w := range queue {
			r := resps[i]
			if e := r.Err(w.req.Method, w.req.URL); e != nil {
				fail(w.part.name, e)
				continue
			}
			var pg page[json.RawMessage]
			if err := json.Unmarshal(r.Body, &pg); err != nil {
				fail(w.part.name, malformedItem(w.req, err))
				continue
			}
			items, _ := json.Marshal(pg.Value)
			if pg.Value == nil {
				items = []byte("[]")
			}
			if err := w.part.add(items); err != nil {
				fail(w.part.name, malformedItem(w.req, err))
				continue
			}
			if pg.NextLink != "" {
				rel, err := c.relativeNextLink(pg.NextLink)
				if err != nil {
					fail(w.part.name, &entra.APIError{Method: w.req.Method, Path: pathOnly(w.req.URL), Code: "ForeignNextLink", Message: err.Error()})
					continue
				}
				next = append(next, work{w.part, BatchRequest{ID: fmt.Sprintf("%s-%d", w.req.ID, round), Method: "GET", URL: rel, Scopes: w.req.Scopes}})
			}
		}
		queue = next
	}
	return nil
}
