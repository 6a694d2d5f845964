package sim

import (
	"consentwiz/graph/entra"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// GET /v1.0/auditLogs/signIns (signin-list.md, signin.md; docs/entra.md H):
//
//   - the token must hold AuditLog.Read.All ("Calling principal does not
//     have required MSGraph permissions AuditLog.Read.All" otherwise; [3P]
//     microsoft-graph-docs issue 13632). The licence check reads the tenant's
//     licences with Directory.Read.All: without it the check fails as if the
//     tenant had no licence (b2c-or-tenant-premium-license-sign-in-activities.md
//     says "intermittently"; the simulator always fails, so a client that
//     forgets the scope is caught);
//   - the tenant must have Microsoft Entra ID P1 or P2: 403
//     Authentication_RequestFromNonPremiumTenantOrB2CTenant otherwise;
//   - the signed-in user must hold a role that reads sign-in reports: 403
//     Authentication_RequestFromUnsupportedUserRole "User is not in the
//     allowed roles" otherwise (the message: howto-analyze-activity-logs-with-
//     microsoft-graph.md; the code: [3P] scripts that handle it). The order of
//     the licence and role checks is not documented; the licence comes first.
//   - newest first; $top up to 1,000 (the default); @odata.nextLink with a
//     $skiptoken; $orderby on createdDateTime only; $filter on the
//     properties signin.md lists, with its operators (eq, startsWith; le and
//     ge on createdDateTime), joined by and/or ([3P] scripts combine
//     status/errorCode clauses with or); anything else is refused with 400.
//     Records older than the retention period (7 days Free, 30 days P1/P2)
//     are gone.

var (
	// rolesSignInRead may read sign-in logs (signin-list.md, docs/entra.md H).
	rolesSignInRead = []string{entra.RoleGlobalAdmin, entra.RoleGlobalReader, entra.RoleReportsReader,
		entra.RoleSecurityReader, entra.RoleSecurityOperator, entra.RoleSecurityAdministrator}
	scSignInRead = "AuditLog.Read.All"
)

// maxSignInPage is the largest (and default) page of sign-ins.
const maxSignInPage = 1000

func (g *greq) listSignIns(params) gresp {
	if !containsFold(g.tok.scopes, scSignInRead) {
		return gerr(http.StatusForbidden, "Authorization_RequestDenied",
			"Calling principal does not have required MSGraph permissions AuditLog.Read.All")
	}
	if g.t.noPremium || !containsFold(g.tok.scopes, "Directory.Read.All") {
		return gerr(http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license")
	}
	if !hasAnyRole(g.u, rolesSignInRead) {
		return gerr(http.StatusForbidden, "Authentication_RequestFromUnsupportedUserRole", "User is not in the allowed roles")
	}
	q, e := g.signInQuery()
	if e != nil {
		return *e
	}
	return g.signInPage(q)
}

// signInQuery is a parsed list request.
type signInQuery struct {
	filter *sfNode // nil: everything
	lo, hi int64   // createdDateTime bounds of the top-level and (ticks, inclusive)
	asc    bool
	top    int
	sel    map[string]bool // by property name; nil: every property
	// after: resume after the record (at, seq) of the previous page.
	after    bool
	afterAt  int64
	afterSeq uint64
}

func (g *greq) signInQuery() (*signInQuery, *gresp) {
	q := &signInQuery{top: g.s.opts.SignInPageSize, lo: ticks(g.s.now().Add(-g.t.retentionLocked())), hi: 1<<63 - 1}
	for _, p := range []string{"$search", "$expand", "$skip"} {
		if g.q.Has(p) {
			r := badRequest(fmt.Sprintf("Query option '%s' is not supported on signIns.", p))
			return nil, &r
		}
	}
	if top := g.q.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 1 || n > maxSignInPage {
			r := badRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", top, maxSignInPage))
			return nil, &r
		}
		// Server-driven paging: a page may hold fewer than $top (OData);
		// SignInPageSize below 1,000 makes pages small in tests.
		q.top = min(n, g.s.opts.SignInPageSize)
	}
	switch ob := strings.Join(strings.Fields(strings.ToLower(g.q.Get("$orderby"))), " "); ob {
	case "", "createddatetime desc":
	case "createddatetime", "createddatetime asc":
		q.asc = true
	default:
		r := badRequest(fmt.Sprintf("OrderBy is not supported on '%s'; signIns order by createdDateTime only.", g.q.Get("$orderby")))
		return nil, &r
	}
	if sel := g.selectFields(); sel != nil {
		q.sel = map[string]bool{}
		for _, f := range sel {
			name, ok := signInProperties[strings.ToLower(f)]
			if !ok {
				r := badRequest(fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.signIn'.", f))
				return nil, &r
			}
			q.sel[name] = true
		}
	}
	if f := g.q.Get("$filter"); f != "" {
		n, err := parseSignInFilter(f)
		if err != nil {
			r := badRequest("Invalid filter clause: " + err.Error())
			return nil, &r
		}
		q.filter = n
		lo, hi := n.timeBounds()
		q.lo, q.hi = max(q.lo, lo), min(q.hi, hi)
	}
	if tok := g.q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		var at int64
		var seq uint64
		if _, err2 := fmt.Sscanf(string(b), "s:%d:%d", &at, &seq); err != nil || err2 != nil {
			r := badRequest("Invalid $skiptoken.")
			return nil, &r
		}
		q.after, q.afterAt, q.afterSeq = true, at, seq
	}
	return q, nil
}

// signInPage answers one page: the records between the time bounds, in
// order, after the skiptoken's record, that match the filter.
func (g *greq) signInPage(q *signInQuery) gresp {
	recs := g.t.signIns
	// [from, to) is the index range of the time bounds (records are sorted).
	from := searchRecs(recs, func(r *signInRec) bool { return r.at >= q.lo })
	to := searchRecs(recs, func(r *signInRec) bool { return r.at > q.hi })
	if q.after {
		at, seq := q.afterAt, q.afterSeq
		if q.asc { // after the record: the first one above it
			from = max(from, searchRecs(recs, func(r *signInRec) bool { return r.at > at || r.at == at && r.seq > seq }))
		} else { // below the record
			to = min(to, searchRecs(recs, func(r *signInRec) bool { return r.at > at || r.at == at && r.seq >= seq }))
		}
	}
	// The page is written by hand (appendSignInJSON): a big tenant's scan
	// reads 100 pages of 1,000.
	b := make([]byte, 0, 512+min(q.top, max(to-from, 0))*signInJSONSize(q.sel))
	b = append(b, `{"@odata.context":`...)
	b = appendJSONString(b, g.root+"/$metadata#auditLogs/signIns")
	nextAt := len(b) // the nextLink goes here once the page is known
	b = append(b, `,"value":[`...)
	n := 0
	var last *signInRec
	more := false
	visit := func(i int) bool {
		r := &recs[i]
		if q.filter != nil && !q.filter.match(g.t, r) {
			return true
		}
		if n == q.top {
			more = true
			return false
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = g.t.appendSignInJSON(b, r, q.sel)
		n++
		last = r
		return true
	}
	if q.asc {
		for i := from; i < to && visit(i); i++ {
		}
	} else {
		for i := to - 1; i >= from && visit(i); i-- {
		}
	}
	b = append(b, "]}"...)
	if more && last != nil {
		v := url.Values{}
		for k, vals := range g.q {
			v[k] = vals
		}
		v.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("s:%d:%d", last.at, last.seq))))
		link := appendJSONString([]byte(`,"@odata.nextLink":`), g.root+g.path+"?"+v.Encode())
		b = slices.Insert(b, nextAt, link...)
	}
	return gresp{status: http.StatusOK, body: b}
}

// searchRecs is sort.Search over the records.
func searchRecs(recs []signInRec, f func(*signInRec) bool) int {
	lo, hi := 0, len(recs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(&recs[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// ---- $select ---------------------------------------------------------------------

// signInProperties are the signIn resource's properties (v1.0 CSDL), by
// lower-case name.
var signInProperties = func() map[string]string {
	m := map[string]string{}
	for _, p := range []string{"id", "appDisplayName", "appId", "appliedConditionalAccessPolicies", "authenticationAppDeviceDetails",
		"clientAppUsed", "conditionalAccessStatus", "correlationId", "createdDateTime", "deviceDetail", "homeTenantId", "ipAddress",
		"isInteractive", "location", "resourceDisplayName", "resourceId", "resourceTenantId", "riskDetail", "riskEventTypes",
		"riskEventTypes_v2", "riskLevelAggregated", "riskLevelDuringSignIn", "riskState", "servicePrincipalId",
		"servicePrincipalName", "status", "userAgent", "userDisplayName", "userId", "userPrincipalName"} {
		m[strings.ToLower(p)] = p
	}
	return m
}()

// appendSignInJSON writes the record as signInOf renders it (the signIn
// resource, signin.md), with only the selected properties (sel nil: all).
func (t *Tenant) appendSignInJSON(b []byte, r *signInRec, sel map[string]bool) []byte {
	p := signInPlaces[r.place]
	first := true
	key := func(name string) bool {
		if sel != nil && !sel[name] {
			return false
		}
		if first {
			b = append(b, '{')
			first = false
		} else {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		return true
	}
	str := func(name, v string) {
		if key(name) {
			b = appendJSONString(b, v)
		}
	}
	if key("id") {
		b = appendJSONString(b, t.logGUID(r.seq, 0))
	}
	if key("createdDateTime") {
		b = append(b, '"')
		b = timeOfTicks(r.at).AppendFormat(b, "2006-01-02T15:04:05.0000000Z")
		b = append(b, '"')
	}
	str("userDisplayName", r.user.name)
	str("userPrincipalName", r.user.upn)
	str("userId", r.user.id)
	str("appId", r.app.id)
	str("appDisplayName", r.app.name)
	str("ipAddress", p.ip)
	str("clientAppUsed", signInClientApp)
	if key("correlationId") {
		b = appendJSONString(b, t.logGUID(r.seq, 1))
	}
	str("conditionalAccessStatus", signInCAStatus)
	if key("isInteractive") {
		b = append(b, "true"...)
	}
	str("riskDetail", signInRiskHidden)
	str("riskLevelAggregated", signInRiskHidden)
	str("riskLevelDuringSignIn", signInRiskHidden)
	str("riskState", signInRiskState)
	if key("riskEventTypes_v2") {
		b = append(b, "[]"...)
	}
	str("resourceDisplayName", r.res.name)
	str("resourceId", r.res.id)
	str("homeTenantId", t.id)
	str("resourceTenantId", t.id)
	if key("status") {
		b = append(b, `{"errorCode":`...)
		b = strconv.AppendInt(b, int64(r.code), 10)
		b = append(b, `,"failureReason":`...)
		if r.reason == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, r.reason)
		}
		b = append(b, `,"additionalDetails":null}`...)
	}
	if key("deviceDetail") {
		b = append(b, `{"operatingSystem":`...)
		b = appendJSONString(b, p.os)
		b = append(b, `,"browser":`...)
		b = appendJSONString(b, p.browser)
		b = append(b, '}')
	}
	if key("location") {
		b = append(b, `{"city":`...)
		b = appendJSONString(b, p.city)
		b = append(b, `,"state":`...)
		b = appendJSONString(b, p.state)
		b = append(b, `,"countryOrRegion":`...)
		b = appendJSONString(b, p.country)
		b = append(b, '}')
	}
	if key("appliedConditionalAccessPolicies") {
		b = append(b, "[]"...)
	}
	if first {
		b = append(b, '{')
	}
	return append(b, '}')
}

// signInJSONSize estimates the bytes of one record on a page.
func signInJSONSize(sel map[string]bool) int {
	if sel == nil {
		return 1200
	}
	return 64 + 64*len(sel)
}

// appendJSONString appends s as a JSON string: plain ASCII as it is, the
// rest (quotes, control characters, non-ASCII) through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
