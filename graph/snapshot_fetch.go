package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// snapshotPart is one $batch item of a snapshot and how its answer is stored.
type snapshotPart struct {
	name   string
	op     entra.Op
	args   []string
	params []param
	// list parts are collections (paged); apply receives each page's raw items.
	list bool
	// firstPage: read one page of the collection only; more records that the
	// collection has further pages.
	firstPage bool
	more      func(s *entra.TenantSnapshot)
	apply     func(s *entra.TenantSnapshot, body json.RawMessage) error
	// appPart: a 404 means the app has no service principal (not an error).
	appPart bool
}

// rawPage is a page of a collection whose items stay undecoded.
type rawPage struct {
	Value    json.RawMessage `json:"value"`
	NextLink string          `json:"@odata.nextLink"`
}

// noSP reports whether e is an app part's 404: the app has no service
// principal in the tenant, which is an answer, not an error.
func noSP(p *snapshotPart, e *entra.APIError) bool {
	return p.appPart && e.Status == http.StatusNotFound
}

func decodeInto[T any](body json.RawMessage, dst *T) error { return json.Unmarshal(body, dst) }

func appendPage[T any](dst *[]T) func(*entra.TenantSnapshot, json.RawMessage) error {
	return func(_ *entra.TenantSnapshot, body json.RawMessage) error {
		var items []T
		if err := json.Unmarshal(body, &items); err != nil {
			return err
		}
		*dst = append(*dst, items...)
		return nil
	}
}

// maxResources and maxPolicies bound the parts read per resource the app asks
// permissions of and per custom consent policy assigned to users.
const (
	maxResources = 5
	maxPolicies  = 5
)

// policySetsOf returns s's entry for policyID, adding it when missing.
func policySetsOf(s *entra.TenantSnapshot, policyID string) *entra.ConsentPolicySets {
	if ps := s.Sets(policyID); ps != nil {
		return ps
	}
	s.PolicySets = append(s.PolicySets, entra.ConsentPolicySets{PolicyID: policyID})
	return &s.PolicySets[len(s.PolicySets)-1]
}

// policyPart reads an app consent policy's includes (or excludes) into
// s.PolicySets (docs/entra.md A2).
func policyPart(policyID string, excludes bool) snapshotPart {
	op, name := entra.OpListPolicyIncludes, entra.PartPolicyIncludes(policyID)
	if excludes {
		op, name = entra.OpListPolicyExcludes, entra.PartPolicyExcludes(policyID)
	}
	return snapshotPart{name: name, op: op, args: []string{policyID}, list: true,
		apply: func(s *entra.TenantSnapshot, b json.RawMessage) error {
			var items []entra.PermissionGrantConditionSet
			if err := json.Unmarshal(b, &items); err != nil {
				return err
			}
			ps := policySetsOf(s, policyID)
			if excludes {
				ps.Excludes, ps.ExcludesRead = append(ps.Excludes, items...), true
			} else {
				ps.Includes, ps.IncludesRead = append(ps.Includes, items...), true
			}
			return nil
		}}
}

// customPolicies are the self-consent policies assigned to users that the
// diagnosis does not know the rules of (docs/entra.md A1, A2): every one
// but the built-ins it models (the managed policy, its mail-client
// companion, -low and -legacy), in order, at most maxPolicies.
func customPolicies(assigned []string) []string {
	known := []string{entra.PolicyManagedRecommended, entra.PolicyMailClients, entra.PolicyMailClientsAlt, entra.PolicyLow, entra.PolicyLegacy}
	var out []string
	for _, a := range assigned {
		a = strings.TrimSpace(a)
		if len(a) <= len(entra.SelfConsentPrefix) || !strings.EqualFold(a[:len(entra.SelfConsentPrefix)], entra.SelfConsentPrefix) {
			continue
		}
		id := a[len(entra.SelfConsentPrefix):]
		if slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, id) }) ||
			slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, id) }) {
			continue
		}
		if len(out) < maxPolicies {
			out = append(out, id)
		}
	}
	return out
}

// resourceParts read the service principals of the other resources the app
// asks permissions of (appIds; Microsoft Graph's is read anyway), at most
// maxResources.
func resourceParts(s *entra.TenantSnapshot, resources []string) []snapshotPart {
	var parts []snapshotPart
	seen := map[string]bool{}
	for _, r := range resources {
		r = strings.ToLower(strings.TrimSpace(r))
		if !entra.IsGUID(r) || r == entra.MicrosoftGraphAppID || seen[r] || len(parts) == maxResources {
			continue
		}
		seen[r] = true
		parts = append(parts, snapshotPart{name: entra.PartResourceSP(r), op: entra.OpGetResourceServicePrincipal, list: true,
			params: []param{{"$filter", "appId eq " + odataString(r)}, {"$select", graphSPSelect}},
			apply:  appendPage(&s.ResourceSPs)})
	}
	return parts
}

// snapshotParts lists the reads of a snapshot, in the order of TenantSnapshot.
func snapshotParts(appID string, s *entra.TenantSnapshot, apps *[]entra.ServicePrincipal, graphSPs *[]entra.ServicePrincipal,
	roles *[]memberOfItem, orgs *[]entra.Organization, requests *[]entra.AppConsentRequest) []snapshotPart {
	appFilter := param{"$filter", "appId eq " + odataString(appID)}
	return []snapshotPart{
		{name: entra.PartOrganization, op: entra.OpGetOrganization, list: true,
			params: []param{{"$select", selectOf[entra.Organization]()}}, apply: appendPage(orgs)},
		{name: entra.PartMe, op: entra.OpGetMe, params: []param{{"$select", selectOf[entra.User]()}},
			apply: func(s *entra.TenantSnapshot, b json.RawMessage) error { return decodeInto(b, &s.Me) }},
		{name: entra.PartMyRoles, op: entra.OpListMyRoles, list: true, apply: appendPage(roles)},
		{name: entra.PartAuthorization, op: entra.OpGetAuthorizationPolicy,
			apply: func(s *entra.TenantSnapshot, b json.RawMessage) error { return decodeInto(b, &s.AuthorizationPolicy) }},
		{name: entra.PartConsentRequest, op: entra.OpGetConsentRequestPolicy,
			apply: func(s *entra.TenantSnapshot, b json.RawMessage) error { return decodeInto(b, &s.ConsentRequestPolicy) }},
		{name: entra.PartApp, op: entra.OpGetServicePrincipalByAppID, list: true, appPart: true,
			params: []param{appFilter, {"$select", spSelect}}, apply: appendPage(apps)},
		// The app's grants, by navigation, split by consentType (documented
		// $filter, eq only: docs/entra.md A6). Every tenant-wide grant, since
		// they decide what is granted; of the users' own grants, which only
		// count the users who consented, one page: an app that thousands of
		// users consented to would otherwise cost a round trip per 100 of them.
		{name: entra.PartAppGrants, op: entra.OpListAppGrantsByAppID, args: []string{appID}, list: true, appPart: true,
			params: []param{{"$filter", "consentType eq 'AllPrincipals'"}}, apply: appendPage(&s.AppGrants)},
		{name: entra.PartAppUserGrants, op: entra.OpListAppGrantsByAppID, args: []string{appID}, list: true, appPart: true,
			params: []param{{"$filter", "consentType eq 'Principal'"}}, apply: appendPage(&s.AppGrants),
			firstPage: true, more: func(s *entra.TenantSnapshot) { s.PrincipalGrantsMore = true }},
		{name: entra.PartAppRoles, op: entra.OpListAppRoleAssignmentsByAppID, args: []string{appID}, list: true, appPart: true,
			apply: appendPage(&s.AppRoleAssignments)},
		{name: entra.PartGraphSP, op: entra.OpGetGraphServicePrincipal, list: true,
			params: []param{{"$filter", "appId eq " + odataString(entra.MicrosoftGraphAppID)}, {"$select", graphSPSelect}},
			apply:  appendPage(graphSPs)},
		{name: entra.PartClassifications, op: entra.OpListClassificationsByAppID, args: []string{entra.MicrosoftGraphAppID}, list: true,
			apply: appendPage(&s.Classifications)},
		{name: entra.PartManagedExcludes, op: entra.OpListPolicyExcludes, args: []string{entra.PolicyManagedRecommended}, list: true,
			apply: appendPage(&s.ManagedExcludes)},
		// The mail-client policy comes with "Let Microsoft manage" when its
		// switch is on (docs/entra.md B4): read with the rest, so the
		// diagnosis stays one round trip.
		policyPart(entra.PolicyMailClients, false),
		{name: entra.PartPendingRequests, op: entra.OpListConsentRequests, list: true, params: []param{appFilter},
			apply: appendPage(requests)},
	}
}

// SnapshotWithResources reads everything a diagnosis of appID needs in one $batch round trip,
// with the service principals of resources, the appIds of the other
// resources (than Microsoft Graph) the app asks permissions of. A further
// round trip happens only when a collection has more pages, the app has
// consent requests (their in-progress user requests are then read together in
// one more batch), or users are assigned a custom consent policy (its
// includes and excludes, in that same batch). Of the app's per-user grants
// only the first page is read (PrincipalGrantsMore). The app's parts
// answering 404 mean the app has no service principal (App nil, no error).
// Other failed parts are kept in Errors keyed by part name; Snapshot fails
// only when no part at all could be read.
func (c *Client) SnapshotWithResources(ctx context.Context, appID string, resources []string) (*entra.TenantSnapshot, error) {
	return c.read(ctx, appID, nil, resources)
}

// Snapshot is SnapshotWithResources for an app that asks permissions of
// Microsoft Graph only.
func (c *Client) Snapshot(ctx context.Context, appID string) (*entra.TenantSnapshot, error) {
	return c.read(ctx, appID, nil, nil)
}

// PollApp reads only what a fix of appID changes (entra.AppParts): its service
// principal, its tenant-wide grants, the first page of its users' own grants
// and its app role assignments, in one $batch of 4 items. The snapshot is
// partial (Parts); its other fields are zero.
func (c *Client) PollApp(ctx context.Context, appID string) (*entra.TenantSnapshot, error) {
	return c.read(ctx, appID, entra.AppParts, nil)
}

// PollRequests reads only appID's pending consent requests (entra.RequestParts):
// one $batch item, plus one batch for the in-progress user requests of the
// requests found. The snapshot is partial (Parts); its other fields are zero.
func (c *Client) PollRequests(ctx context.Context, appID string) (*entra.TenantSnapshot, error) {
	return c.read(ctx, appID, entra.RequestParts, nil)
}

// read reads the parts of a snapshot named in want (nil: every part, and the
// service principals of resources).
func (c *Client) read(ctx context.Context, appID string, want []string, resources []string) (*entra.TenantSnapshot, error) {
	if !entra.IsGUID(appID) {
		return nil, fmt.Errorf("%w: app id %q is not a GUID", ErrInvalidArgument, appID)
	}
	var rt atomic.Int64
	ctx = withRoundTripCounter(ctx, &rt)

	s := &entra.TenantSnapshot{Cloud: c.cloud, Errors: map[string]*entra.APIError{}}
	var apps, graphSPs []entra.ServicePrincipal
	var roles []memberOfItem
	var orgs []entra.Organization
	var requests []entra.AppConsentRequest
	parts := snapshotParts(appID, s, &apps, &graphSPs, &roles, &orgs, &requests)
	read := map[string]bool{}
	if want == nil {
		parts = append(parts, resourceParts(s, resources)...)
	} else {
		s.Parts = append([]string(nil), want...)
		parts = slices.DeleteFunc(parts, func(p snapshotPart) bool { return !slices.Contains(want, p.name) })
	}
	for _, p := range parts {
		read[p.name] = true
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no snapshot part among %q", ErrInvalidArgument, want)
	}

	// work is one $batch item and what to do with its answer.
	type work struct {
		req   BatchRequest
		part  *snapshotPart
		list  bool
		apply func(json.RawMessage) error
		fail  func(*entra.APIError)
	}
	var queue []work
	okParts := 0
	partErr := func(p *snapshotPart) func(*entra.APIError) {
		return func(e *entra.APIError) {
			if noSP(p, e) {
				return // no service principal: App stays nil, not an error
			}
			s.Errors[p.name] = e
		}
	}
	workOf := func(p *snapshotPart) (work, error) {
		ep := entra.EndpointFor(p.op)
		rel, err := relURL(ep, p.args, p.params)
		if err != nil {
			return work{}, err
		}
		return work{
			req:   BatchRequest{ID: p.name, Method: ep.Method, URL: rel, Scopes: ep.Scopes},
			part:  p,
			list:  p.list,
			apply: func(b json.RawMessage) error { return p.apply(s, b) },
			fail:  partErr(p),
		}, nil
	}
	for i := range parts {
		w, err := workOf(&parts[i])
		if err != nil {
			return nil, err
		}
		queue = append(queue, w)
	}

	var pendingPart *snapshotPart
	for i := range parts {
		if parts[i].name == entra.PartPendingRequests {
			pendingPart = &parts[i]
		}
	}
	asked := 0 // consent requests whose user requests were queued
	userReqs := map[int][]entra.UserConsentRequest{}
	var firstErr *entra.APIError
	for round := 0; len(queue) > 0; round++ {
		if round >= maxPages {
			return nil, fmt.Errorf("graph snapshot: more than %d rounds of paging", maxPages)
		}
		reqs := make([]BatchRequest, len(queue))
		for i, w := range queue {
			reqs[i] = w.req
		}
		resps, err := c.Batch(ctx, reqs)
		if err != nil {
			return nil, err
		}
		var next []work
		for i, w := range queue {
			r := resps[i]
			if e := r.Err(w.req.Method, w.req.URL); e != nil {
				if firstErr == nil && e.Status != http.StatusNotFound {
					firstErr = e
				}
				if round == 0 && noSP(w.part, e) {
					okParts++ // read: the app is not in the tenant
				}
				w.fail(e)
				continue
			}
			if round == 0 {
				okParts++
			}
			body := json.RawMessage(r.Body)
			if w.list {
				// The page's value is handed on as it came: no decode and
				// re-encode of every item.
				var pg rawPage
				if err := json.Unmarshal(r.Body, &pg); err != nil {
					w.fail(malformedItem(w.req, err))
					continue
				}
				body = pg.Value
				if len(body) == 0 {
					body = json.RawMessage("null") // no value: an empty page
				}
				if pg.NextLink != "" && w.part.firstPage {
					w.part.more(s)
				} else if pg.NextLink != "" {
					rel, err := c.relativeNextLink(pg.NextLink)
					if err != nil {
						return nil, fmt.Errorf("graph snapshot %s: %w", w.part.name, err)
					}
					nw := w
					nw.req = BatchRequest{ID: fmt.Sprintf("%s-%d", w.req.ID, round+1), Method: "GET", URL: rel, Scopes: w.req.Scopes}
					next = append(next, nw)
				}
			}
			if err := w.apply(body); err != nil {
				w.fail(malformedItem(w.req, err))
			}
		}
		// The consent policies assigned to users that the diagnosis does not
		// model (custom ones): their includes and excludes, read with the
		// next batch (docs/entra.md A2).
		if round == 0 && read[entra.PartAuthorization] && s.Errors[entra.PartAuthorization] == nil {
			for _, id := range customPolicies(s.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned) {
				for _, excludes := range []bool{false, true} {
					p := policyPart(id, excludes)
					w, err := workOf(&p)
					if err != nil {
						s.Errors[p.name] = &entra.APIError{Method: "GET", Path: entra.EndpointFor(p.op).Path, Message: err.Error()}
						continue
					}
					next = append(next, w)
				}
			}
		}
		// Consent requests read so far: queue their in-progress user requests.
		for ; asked < len(requests); asked++ {
			idx := asked
			ep := entra.EndpointFor(entra.OpListPendingUserRequests)
			rel, err := relURL(ep, []string{requests[idx].ID}, []param{inProgressFilter})
			if err != nil {
				s.Errors[entra.PartPendingRequests] = &entra.APIError{Method: "GET", Path: ep.Path, Message: err.Error()}
				continue
			}
			next = append(next, work{
				req:  BatchRequest{ID: fmt.Sprintf("userRequests%d", idx), Method: ep.Method, URL: rel, Scopes: ep.Scopes},
				part: pendingPart,
				list: true,
				apply: func(b json.RawMessage) error {
					var items []entra.UserConsentRequest
					if err := json.Unmarshal(b, &items); err != nil {
						return err
					}
					userReqs[idx] = append(userReqs[idx], items...)
					return nil
				},
				fail: func(e *entra.APIError) { s.Errors[entra.PartPendingRequests] = e },
			})
		}
		queue = next
	}

	if okParts == 0 {
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, errors.New("graph snapshot: nothing could be read")
	}

	if len(orgs) > 0 {
		s.Organization = orgs[0]
		s.TenantID = orgs[0].ID
	}
	if read[entra.PartMyRoles] {
		s.MyRoles = rolesOf(roles)
	}
	if len(apps) > 0 {
		app := apps[0]
		s.App = &app
	} else if read[entra.PartApp] {
		// No service principal: the app parts' answers are about nothing.
		s.AppGrants, s.AppRoleAssignments, s.PrincipalGrantsMore = nil, nil, false
	}
	if len(graphSPs) > 0 {
		s.GraphSP = graphSPs[0]
	}
	for i, r := range requests {
		var pending []entra.UserConsentRequest
		for _, u := range userReqs[i] {
			if strings.EqualFold(u.Status, "InProgress") {
				pending = append(pending, u)
			}
		}
		if len(pending) > 0 {
			r.UserConsentRequests = pending
			s.PendingRequests = append(s.PendingRequests, r)
		}
	}
	// A list read in part (a later page failed) is not read.
	for i := range s.PolicySets {
		ps := &s.PolicySets[i]
		ps.IncludesRead = ps.IncludesRead && s.Errors[entra.PartPolicyIncludes(ps.PolicyID)] == nil
		ps.ExcludesRead = ps.ExcludesRead && s.Errors[entra.PartPolicyExcludes(ps.PolicyID)] == nil
	}
	s.RoundTrips = int(rt.Load())
	return s, nil
}

func malformedItem(req BatchRequest, err error) *entra.APIError {
	return &entra.APIError{Method: req.Method, Path: pathOnly(req.URL), Code: "MalformedResponse",
		Message: fmt.Sprintf("%v: %v", ErrMalformedResponse, err)}
}
