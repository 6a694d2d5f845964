package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The scan's reads (consentwiz scan): the sign-ins a consent problem stopped,
// from the sign-in logs (docs/entra.md H), and every pending admin consent
// request (docs/entra.md A4). flows.BuildScan groups them per app.

// signInSelect is what the scan reads of a sign-in: what flows.BuildScan
// groups and shows. Microsoft advises $select and $filter to keep sign-in
// pages small (throttling-limits.md, "Identity and access reports best
// practices"); a whole record with its Conditional Access policies can be
// several kilobytes, and a page of 1,000 of them would pass
// MaxResponseBytes. Ids (id, correlationId, resourceId) are left out: a
// scan counts, it does not trace one sign-in.
var signInSelect = strings.Join([]string{"createdDateTime", "userId", "userPrincipalName", "userDisplayName",
	"appId", "appDisplayName", "resourceDisplayName", "status"}, ",")

// signInPageSize is Graph's default and largest page of sign-ins (signin-list.md).
const signInPageSize = 1000

// pendingRequestsFilter lists the consent requests with an in-progress user
// request (docs/entra.md A4).
var pendingRequestsFilter = param{"$filter", "userConsentRequests/any(u:u/status eq 'InProgress')"}

// ConsentFailureFilter is the $filter of the scan's sign-in read: created at
// or after since (whole seconds, UTC), with one of codes. Only what
// signin.md documents is used: createdDateTime ge, status/errorCode eq, the
// codes joined by or.
func ConsentFailureFilter(since time.Time, codes []int) (string, error) {
	if since.IsZero() {
		return "", fmt.Errorf("%w: the scan needs a start time", ErrInvalidArgument)
	}
	if len(codes) == 0 {
		return "", fmt.Errorf("%w: the scan needs at least one error code", ErrInvalidArgument)
	}
	var ors []string
	seen := map[int]bool{}
	for _, c := range codes {
		if c <= 0 {
			return "", fmt.Errorf("%w: error code %d is not an AADSTS code", ErrInvalidArgument, c)
		}
		if !seen[c] {
			seen[c] = true
			ors = append(ors, "status/errorCode eq "+strconv.Itoa(c))
		}
	}
	return "createdDateTime ge " + since.UTC().Truncate(time.Second).Format(time.RFC3339) +
		" and (" + strings.Join(ors, " or ") + ")", nil
}

func (c *Client) signInRequest(since time.Time, codes []int) (string, error) {
	f, err := ConsentFailureFilter(since, codes)
	if err != nil {
		return "", err
	}
	return relURL(entra.EndpointFor(entra.OpListSignIns), nil,
		[]param{{"$filter", f}, {"$select", signInSelect}, {"$top", strconv.Itoa(signInPageSize)}})
}

// ListConsentFailures reads the sign-ins since since that failed with one of
// codes (entra.ConsentErrorCodes when nil), newest first, filtered by Graph.
// It reads pageLimit pages of up to 1,000 at most (0: no limit but the
// client's); truncated reports that more pages were left unread.
func (c *Client) ListConsentFailures(ctx context.Context, since time.Time, codes []int, pageLimit int) (signIns []entra.SignIn, truncated bool, err error) {
	if codes == nil {
		codes = entra.ConsentErrorCodes
	}
	rel, err := c.signInRequest(since, codes)
	if err != nil {
		return nil, false, err
	}
	return followPages[entra.SignIn](ctx, c, entra.OpListSignIns, c.versionRoot()+rel, pageLimit)
}

// followPages reads a collection from its first URL (absolute), following
// @odata.nextLink, pageLimit pages at most (0: maxPages). more reports that
// a nextLink was left unfollowed.
func followPages[T any](ctx context.Context, c *Client, op entra.Op, first string, pageLimit int) ([]T, bool, error) {
	if pageLimit <= 0 || pageLimit > maxPages {
		pageLimit = maxPages
	}
	ep := entra.EndpointFor(op)
	req := request{method: ep.Method, url: first, path: ep.Path, scopes: ep.Scopes, idempotent: true}
	// The pages are joined once at the end: a big read (100,000 sign-ins)
	// would otherwise copy its records again at every doubling.
	var pages [][]T
	join := func() []T { return slices.Concat(pages...) }
	for n := 0; n < pageLimit; n++ {
		resp, err := c.do(ctx, req)
		if err != nil {
			return join(), false, err
		}
		var p page[T]
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return join(), false, fmt.Errorf("graph %s %s: %w: %v", req.method, req.path, ErrMalformedResponse, err)
		}
		pages = append(pages, p.Value)
		if p.NextLink == "" {
			return join(), false, nil
		}
		next, err := c.checkNextLink(p.NextLink)
		if err != nil {
			return join(), false, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
		}
		req.url = next
	}
	return join(), true, nil
}

// ConsentScan is what the scan read. A source that could not be read has
// its error (a 403 for the licence or a role, a token that could not be
// had, …) and nothing else; the other source is still there.
type ConsentScan struct {
	Since time.Time
	Codes []int
	// SignIns are the consent failures since Since, newest first.
	SignIns          []entra.SignIn
	SignInsTruncated bool // the page limit stopped the read
	SignInsError     *entra.APIError
	// Requests are the pending admin consent requests, each with its
	// in-progress user requests (none when those could not be read).
	Requests      []entra.AppConsentRequest
	RequestsError *entra.APIError
	// RoundTrips is how many HTTP round trips to Graph the scan cost.
	RoundTrips int
}

// Batch ids of the scan's first round trip.
const (
	scanPartSignIns  = "signIns"
	scanPartRequests = "consentRequests"
)

// ScanConsent reads both sources of the scan: the first page of each in one
// $batch, then the further sign-in pages (pageLimit pages in all at most,
// 0: no limit but the client's) while the pending requests' user requests
// are read in batches of 20. Its token scopes are entra.ScanScopes. It fails
// only for invalid arguments or a cancelled ctx; what Graph refuses is kept
// in SignInsError and RequestsError.
func (c *Client) ScanConsent(ctx context.Context, since time.Time, codes []int, pageLimit int) (*ConsentScan, error) {
	if codes == nil {
		codes = entra.ConsentErrorCodes
	}
	signInsURL, err := c.signInRequest(since, codes)
	if err != nil {
		return nil, err
	}
	requestsURL, err := relURL(entra.EndpointFor(entra.OpListConsentRequests), nil, []param{pendingRequestsFilter})
	if err != nil {
		return nil, err
	}
	var rt atomic.Int64
	ctx = withRoundTripCounter(ctx, &rt)
	scan := &ConsentScan{Since: since, Codes: slices.Clone(codes)}

	sEp, rEp := entra.EndpointFor(entra.OpListSignIns), entra.EndpointFor(entra.OpListConsentRequests)
	resps, err := c.Batch(ctx, []BatchRequest{
		{ID: scanPartSignIns, Method: sEp.Method, URL: signInsURL, Scopes: sEp.Scopes},
		{ID: scanPartRequests, Method: rEp.Method, URL: requestsURL, Scopes: rEp.Scopes},
	})
	var signInsNext, requestsNext string
	var requests []entra.AppConsentRequest
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		// The batch as a whole failed (for example no token carries both
		// sources' scopes): read each source on its own.
		signInsNext, requestsNext = c.versionRoot()+signInsURL, c.versionRoot()+requestsURL
	default:
		signInsNext = scanFirstPage(c, resps[0], sEp, &scan.SignIns, &scan.SignInsError)
		requestsNext = scanFirstPage(c, resps[1], rEp, &requests, &scan.RequestsError)
	}

	var wg sync.WaitGroup
	if signInsNext != "" {
		limit := 0 // followPages: no limit but the client's
		if pageLimit > 0 {
			limit = pageLimit
			if err == nil {
				limit-- // the batch read the first page
			}
		}
		if pageLimit > 0 && limit == 0 {
			scan.SignInsTruncated = true
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				more, truncated, ferr := followPages[entra.SignIn](ctx, c, entra.OpListSignIns, signInsNext, limit)
				scan.SignIns = slices.Concat(scan.SignIns, more)
				scan.SignInsTruncated = truncated
				if ferr != nil {
					scan.SignInsError = asAPIError(ferr, sEp)
				}
			}()
		}
	}
	if requestsNext != "" {
		more, _, ferr := followPages[entra.AppConsentRequest](ctx, c, entra.OpListConsentRequests, requestsNext, 0)
		requests = append(requests, more...)
		if ferr != nil {
			scan.RequestsError = asAPIError(ferr, rEp)
		}
	}
	if scan.RequestsError == nil && len(requests) > 0 {
		scan.Requests = c.withPendingUserRequests(ctx, requests)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	scan.RoundTrips = int(rt.Load())
	return scan, nil
}

// scanFirstPage decodes a $batch item's page into dst (or its failure into
// errp) and returns its absolute nextLink ("" when none).
func scanFirstPage[T any](c *Client, r BatchResponse, ep entra.Endpoint, dst *[]T, errp **entra.APIError) string {
	if e := r.Err(ep.Method, ep.Path); e != nil {
		*errp = e
		return ""
	}
	var p page[T]
	if err := json.Unmarshal(r.Body, &p); err != nil {
		*errp = &entra.APIError{Method: ep.Method, Path: ep.Path, Code: "MalformedResponse",
			Message: fmt.Sprintf("%v: %v", ErrMalformedResponse, err)}
		return ""
	}
	*dst = append(*dst, p.Value...)
	if p.NextLink == "" {
		return ""
	}
	next, err := c.checkNextLink(p.NextLink)
	if err != nil {
		*errp = &entra.APIError{Method: ep.Method, Path: ep.Path, Message: err.Error()}
		return ""
	}
	return next
}

// asAPIError keeps a Graph error as it is and turns any other failure (no
// token, a dropped connection, a malformed page) into an APIError without
// status that names the request.
func asAPIError(err error, ep entra.Endpoint) *entra.APIError {
	var ae *entra.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return &entra.APIError{Method: ep.Method, Path: ep.Path, Message: err.Error()}
}

// withPendingUserRequests reads the in-progress user requests of each
// consent request ($batch, 20 a round trip) and returns the requests that
// have one, with only those. A request whose user requests cannot be read
// is kept without them: the list filter says it is pending.
func (c *Client) withPendingUserRequests(ctx context.Context, requests []entra.AppConsentRequest) []entra.AppConsentRequest {
	ep := entra.EndpointFor(entra.OpListPendingUserRequests)
	items := make([]BatchRequest, 0, len(requests))
	for i, r := range requests {
		rel, err := relURL(ep, []string{r.ID}, []param{inProgressFilter})
		if err != nil {
			continue // an id Graph would not give; the request stays without its users
		}
		items = append(items, BatchRequest{ID: strconv.Itoa(i), Method: ep.Method, URL: rel, Scopes: ep.Scopes})
	}
	users := make([][]entra.UserConsentRequest, len(requests))
	known := make([]bool, len(requests))
	if resps, err := c.Batch(ctx, items); err == nil {
		for k, r := range resps {
			i, _ := strconv.Atoi(items[k].ID)
			var errp *entra.APIError
			next := scanFirstPage(c, r, ep, &users[i], &errp)
			if errp != nil {
				continue
			}
			if next != "" {
				more, _, err := followPages[entra.UserConsentRequest](ctx, c, entra.OpListPendingUserRequests, next, 0)
				if err != nil {
					continue
				}
				users[i] = append(users[i], more...)
			}
			known[i] = true
		}
	}
	out := make([]entra.AppConsentRequest, 0, len(requests))
	for i, r := range requests {
		r.UserConsentRequests = nil
		for _, u := range users[i] {
			if strings.EqualFold(u.Status, "InProgress") {
				r.UserConsentRequests = append(r.UserConsentRequests, u)
			}
		}
		if known[i] && len(r.UserConsentRequests) == 0 {
			continue // answered since the list was read
		}
		out = append(out, r)
	}
	return out
}

// SearchServicePrincipals returns up to 50 service principals whose display
// name starts with q (GET /servicePrincipals?$filter=startswith(displayName,'q'),
// docs/entra.md A5): how --app-name finds an app in the tenant.
func (c *Client) SearchServicePrincipals(ctx context.Context, q string) ([]entra.ServicePrincipal, error) {
	q, err := searchPrefix(q)
	if err != nil {
		return nil, err
	}
	return listAll[entra.ServicePrincipal](ctx, c, entra.OpSearchServicePrincipals, nil, []param{
		{"$filter", "startswith(displayName," + odataString(q) + ")"},
		{"$select", spSearchSelect},
		{"$top", strconv.Itoa(searchLimit)},
	}, searchLimit)
}

// spSearchSelect is what --app-name needs of a service principal.
const spSearchSelect = "id,appId,displayName,appOwnerOrganizationId,accountEnabled"
