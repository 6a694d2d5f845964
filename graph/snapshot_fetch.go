package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	list  bool
	apply func(s *entra.TenantSnapshot, body json.RawMessage) error
	// appPart: a 404 means the app has no service principal (not an error).
	appPart bool
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
		{name: entra.PartAppGrants, op: entra.OpListAppGrantsByAppID, args: []string{appID}, list: true, appPart: true,
			apply: appendPage(&s.AppGrants)},
		{name: entra.PartAppRoles, op: entra.OpListAppRoleAssignmentsByAppID, args: []string{appID}, list: true, appPart: true,
			apply: appendPage(&s.AppRoleAssignments)},
		{name: entra.PartGraphSP, op: entra.OpGetGraphServicePrincipal, list: true,
			params: []param{{"$filter", "appId eq " + odataString(entra.MicrosoftGraphAppID)}, {"$select", graphSPSelect}},
			apply:  appendPage(graphSPs)},
		{name: entra.PartClassifications, op: entra.OpListClassificationsByAppID, args: []string{entra.MicrosoftGraphAppID}, list: true,
			apply: appendPage(&s.Classifications)},
		{name: entra.PartManagedExcludes, op: entra.OpListPolicyExcludes, args: []string{entra.PolicyManagedRecommended}, list: true,
			apply: appendPage(&s.ManagedExcludes)},
		{name: entra.PartPendingRequests, op: entra.OpListConsentRequests, list: true, params: []param{appFilter},
			apply: appendPage(requests)},
	}
}

// Snapshot reads everything a diagnosis of appID needs in one $batch round trip.
// A further round trip happens only when a collection has more pages or the app
// has consent requests (their in-progress user requests are then read together
// in one more batch). The app's parts answering 404 mean the app has no service
// principal (App nil, no error). Other failed parts are kept in Errors keyed by
// part name; Snapshot fails only when no part at all could be read.
func (c *Client) Snapshot(ctx context.Context, appID string) (*entra.TenantSnapshot, error) {
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
			if p.appPart && e.Status == http.StatusNotFound {
				return // no service principal: App stays nil, not an error
			}
			s.Errors[p.name] = e
		}
	}
	for i := range parts {
		p := &parts[i]
		ep := entra.EndpointFor(p.op)
		rel, err := relURL(ep, p.args, p.params)
		if err != nil {
			return nil, err
		}
		queue = append(queue, work{
			req:   BatchRequest{ID: p.name, Method: ep.Method, URL: rel, Scopes: ep.Scopes},
			part:  p,
			list:  p.list,
			apply: func(b json.RawMessage) error { return p.apply(s, b) },
			fail:  partErr(p),
		})
	}

	pendingPart := &parts[len(parts)-1]
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
				w.fail(e)
				continue
			}
			if round == 0 {
				okParts++
			}
			body := json.RawMessage(r.Body)
			if w.list {
				var pg page[json.RawMessage]
				if err := json.Unmarshal(r.Body, &pg); err != nil {
					w.fail(malformedItem(w.req, err))
					continue
				}
				raw, _ := json.Marshal(pg.Value)
				body = raw
				if pg.NextLink != "" {
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
	s.MyRoles = rolesOf(roles)
	if len(apps) > 0 {
		app := apps[0]
		s.App = &app
	} else {
		// No service principal: the app parts' answers are about nothing.
		s.AppGrants, s.AppRoleAssignments = nil, nil
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
	s.RoundTrips = int(rt.Load())
	return s, nil
}

func malformedItem(req BatchRequest, err error) *entra.APIError {
	return &entra.APIError{Method: req.Method, Path: pathOnly(req.URL), Code: "MalformedResponse",
		Message: fmt.Sprintf("%v: %v", ErrMalformedResponse, err)}
}
