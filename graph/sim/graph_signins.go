package sim

import (
	"consentwiz/graph/entra"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	sel    map[string]bool // nil: every property
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
			if !signInProperties[strings.ToLower(f)] {
				r := badRequest(fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.signIn'.", f))
				return nil, &r
			}
			q.sel[strings.ToLower(f)] = true
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
	page := make([]signInJSON, 0, min(q.top, max(to-from, 0)))
	var last *signInRec
	more := false
	visit := func(i int) bool {
		r := &recs[i]
		if q.filter != nil && !q.filter.match(g.t, r) {
			return true
		}
		if len(page) == q.top {
			more = true
			return false
		}
		s := g.t.signInOf(r)
		page = append(page, selectSignIn(&s, q.sel))
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
	out := struct {
		Context  string       `json:"@odata.context"`
		NextLink string       `json:"@odata.nextLink,omitempty"`
		Value    []signInJSON `json:"value"`
	}{Context: g.root + "/$metadata#auditLogs/signIns", Value: page}
	if more && last != nil {
		v := url.Values{}
		for k, vals := range g.q {
			v[k] = vals
		}
		v.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("s:%d:%d", last.at, last.seq))))
		out.NextLink = g.root + g.path + "?" + v.Encode()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return gerr(http.StatusInternalServerError, "InternalServerError", err.Error())
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

// signInProperties are the signIn resource's properties (v1.0 CSDL), lower-case.
var signInProperties = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range []string{"id", "appDisplayName", "appId", "appliedConditionalAccessPolicies", "authenticationAppDeviceDetails",
		"clientAppUsed", "conditionalAccessStatus", "correlationId", "createdDateTime", "deviceDetail", "homeTenantId", "ipAddress",
		"isInteractive", "location", "resourceDisplayName", "resourceId", "resourceTenantId", "riskDetail", "riskEventTypes",
		"riskEventTypes_v2", "riskLevelAggregated", "riskLevelDuringSignIn", "riskState", "servicePrincipalId",
		"servicePrincipalName", "status", "userAgent", "userDisplayName", "userId", "userPrincipalName"} {
		m[strings.ToLower(p)] = true
	}
	return m
}()

// signInJSON is a signIn with only the selected properties (nil: left out).
type signInJSON struct {
	ID                               *string                                 `json:"id,omitempty"`
	CreatedDateTime                  *string                                 `json:"createdDateTime,omitempty"`
	UserDisplayName                  *string                                 `json:"userDisplayName,omitempty"`
	UserPrincipalName                *string                                 `json:"userPrincipalName,omitempty"`
	UserID                           *string                                 `json:"userId,omitempty"`
	AppID                            *string                                 `json:"appId,omitempty"`
	AppDisplayName                   *string                                 `json:"appDisplayName,omitempty"`
	IPAddress                        *string                                 `json:"ipAddress,omitempty"`
	ClientAppUsed                    *string                                 `json:"clientAppUsed,omitempty"`
	CorrelationID                    *string                                 `json:"correlationId,omitempty"`
	ConditionalAccessStatus          *string                                 `json:"conditionalAccessStatus,omitempty"`
	IsInteractive                    *bool                                   `json:"isInteractive,omitempty"`
	RiskDetail                       *string                                 `json:"riskDetail,omitempty"`
	RiskLevelAggregated              *string                                 `json:"riskLevelAggregated,omitempty"`
	RiskLevelDuringSignIn            *string                                 `json:"riskLevelDuringSignIn,omitempty"`
	RiskState                        *string                                 `json:"riskState,omitempty"`
	RiskEventTypesV2                 *[]string                               `json:"riskEventTypes_v2,omitempty"`
	ResourceDisplayName              *string                                 `json:"resourceDisplayName,omitempty"`
	ResourceID                       *string                                 `json:"resourceId,omitempty"`
	HomeTenantID                     *string                                 `json:"homeTenantId,omitempty"`
	ResourceTenantID                 *string                                 `json:"resourceTenantId,omitempty"`
	Status                           *signInStatusJSON                       `json:"status,omitempty"`
	DeviceDetail                     *entra.DeviceDetail                     `json:"deviceDetail,omitempty"`
	Location                         *entra.SignInLocation                   `json:"location,omitempty"`
	AppliedConditionalAccessPolicies *[]entra.AppliedConditionalAccessPolicy `json:"appliedConditionalAccessPolicies,omitempty"`
}

// signInStatusJSON is signInStatus as Graph sends it: null where there is no reason.
type signInStatusJSON struct {
	ErrorCode         int     `json:"errorCode"`
	FailureReason     *string `json:"failureReason"`
	AdditionalDetails *string `json:"additionalDetails"`
}

func selectSignIn(s *entra.SignIn, sel map[string]bool) signInJSON {
	has := func(p string) bool { return sel == nil || sel[p] }
	str := func(p string, v *string) *string {
		if has(p) {
			return v
		}
		return nil
	}
	var out signInJSON
	out.ID = str("id", &s.ID)
	out.CreatedDateTime = str("createddatetime", &s.CreatedDateTime)
	out.UserDisplayName = str("userdisplayname", &s.UserDisplayName)
	out.UserPrincipalName = str("userprincipalname", &s.UserPrincipalName)
	out.UserID = str("userid", &s.UserID)
	out.AppID = str("appid", &s.AppID)
	out.AppDisplayName = str("appdisplayname", &s.AppDisplayName)
	out.IPAddress = str("ipaddress", &s.IPAddress)
	out.ClientAppUsed = str("clientappused", &s.ClientAppUsed)
	out.CorrelationID = str("correlationid", &s.CorrelationID)
	out.ConditionalAccessStatus = str("conditionalaccessstatus", &s.ConditionalAccessStatus)
	out.RiskDetail = str("riskdetail", &s.RiskDetail)
	out.RiskLevelAggregated = str("risklevelaggregated", &s.RiskLevelAggregated)
	out.RiskLevelDuringSignIn = str("risklevelduringsignin", &s.RiskLevelDuringSignIn)
	out.RiskState = str("riskstate", &s.RiskState)
	out.ResourceDisplayName = str("resourcedisplayname", &s.ResourceDisplayName)
	out.ResourceID = str("resourceid", &s.ResourceID)
	out.HomeTenantID = str("hometenantid", &s.HomeTenantID)
	out.ResourceTenantID = str("resourcetenantid", &s.ResourceTenantID)
	if has("isinteractive") {
		out.IsInteractive = s.IsInteractive
	}
	if has("riskeventtypes_v2") {
		out.RiskEventTypesV2 = &s.RiskEventTypesV2
	}
	if has("status") && s.Status != nil {
		st := &signInStatusJSON{ErrorCode: s.Status.ErrorCode}
		if s.Status.FailureReason != "" {
			st.FailureReason = &s.Status.FailureReason
		}
		if s.Status.AdditionalDetails != "" {
			st.AdditionalDetails = &s.Status.AdditionalDetails
		}
		out.Status = st
	}
	if has("devicedetail") {
		out.DeviceDetail = s.DeviceDetail
	}
	if has("location") {
		out.Location = s.Location
	}
	if has("appliedconditionalaccesspolicies") {
		out.AppliedConditionalAccessPolicies = &s.AppliedConditionalAccessPolicies
	}
	return out
}
