package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// greq is one Graph operation (a top-level request or a $batch item).
type greq struct {
	s       *Server
	t       *Tenant
	tok     *accessToken
	u       *simUser // the signed-in user (set under t.mu)
	method  string
	version string // v1.0 | beta
	path    string // after the version, e.g. /policies/authorizationPolicy
	q       url.Values
	hdr     http.Header
	body    []byte
	root    string // e.g. https://127.0.0.1:P/graph/v1.0 (for nextLink and @odata.context)
}

// gresp is a Graph response; body is raw JSON (materialized under the tenant
// lock) or nil.
type gresp struct {
	status int
	hdr    map[string]string
	body   json.RawMessage
	err    *gerror
}

type gerror struct{ code, message string }

func gerr(status int, code, msg string) gresp {
	return gresp{status: status, err: &gerror{code, msg}}
}

func notFound(id string) gresp {
	return gerr(http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

func badRequest(msg string) gresp { return gerr(http.StatusBadRequest, "Request_BadRequest", msg) }

func unsupportedQuery(msg string) gresp {
	return gerr(http.StatusBadRequest, "Request_UnsupportedQuery", msg)
}

func noContent() gresp { return gresp{status: http.StatusNoContent} }

// finalize turns the response into headers and body bytes, adding the Graph
// error envelope with innerError (date, request-id, client-request-id).
func (r gresp) finalize(reqID, clientReqID string) (int, map[string]string, []byte) {
	hdr := map[string]string{}
	for k, v := range r.hdr {
		hdr[k] = v
	}
	var body []byte
	switch {
	case r.err != nil:
		body, _ = json.Marshal(map[string]any{"error": map[string]any{
			"code": r.err.code, "message": r.err.message,
			"innerError": map[string]string{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": reqID, "client-request-id": clientReqID},
		}})
	case r.body != nil:
		body = r.body
	}
	if body != nil {
		hdr["Content-Type"] = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	}
	return r.status, hdr, body
}

// ---- $select -----------------------------------------------------------------

func (g *greq) selectFields() []string {
	sel := g.q.Get("$select")
	if sel == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(sel, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// render marshals v (optionally with @odata.type) honouring $select.
func (g *greq) render(v any, odataType string) json.RawMessage {
	b, _ := json.Marshal(v)
	sel := g.selectFields()
	if sel == nil && odataType == "" {
		return b
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return b
	}
	out := map[string]json.RawMessage{}
	if odataType != "" {
		out["@odata.type"] = json.RawMessage(strconv.Quote(odataType))
	}
	for k, v := range m {
		if sel == nil || containsFold(sel, k) {
			out[k] = v
		}
	}
	b, _ = json.Marshal(out)
	return b
}

func (g *greq) object(status int, v any, ctx string) gresp {
	raw := g.render(v, "")
	if ctx != "" {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			m["@odata.context"] = json.RawMessage(strconv.Quote(g.root + "/$metadata#" + ctx))
			raw, _ = json.Marshal(m)
		}
	}
	return gresp{status: status, body: raw}
}

// ---- paging ------------------------------------------------------------------

type item struct {
	v         any
	odataType string
}

// collection pages items at PageSize (or $top) with @odata.nextLink
// carrying a $skiptoken; $count=true adds @odata.count.
func (g *greq) collection(items []item, ctx string) gresp {
	return g.pages(len(items), func(i int) (item, bool) { return items[i], true }, ctx)
}

// pages is collection over n candidates of which at(i) says which belong
// (false: filtered out), without building the filtered list first: a page
// walks only the candidates from its $skiptoken (the index of its first
// member) to the first member of the next page, so reading every page of a
// big collection costs time linear in n, not quadratic. $count=true walks
// them all.
func (g *greq) pages(n int, at func(int) (item, bool), ctx string) gresp {
	size := g.s.opts.PageSize
	if top := g.q.Get("$top"); top != "" {
		v, err := strconv.Atoi(top)
		if err != nil || v < 1 || v > 999 {
			return badRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive.", top))
		}
		size = v
	}
	i := 0
	if tok := g.q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		v, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || v < 0 {
			return badRequest("Invalid $skiptoken.")
		}
		i = min(v, n)
	}
	vals := make([]json.RawMessage, 0, min(size, n-i))
	for ; i < n && len(vals) < size; i++ {
		if it, ok := at(i); ok {
			vals = append(vals, g.render(it.v, it.odataType))
		}
	}
	next := -1 // the first member after this page
	for ; i < n; i++ {
		if _, ok := at(i); ok {
			next = i
			break
		}
	}
	out := map[string]any{"@odata.context": g.root + "/$metadata#" + ctx, "value": vals}
	if strings.EqualFold(g.q.Get("$count"), "true") {
		count := 0
		for j := range n {
			if _, ok := at(j); ok {
				count++
			}
		}
		out["@odata.count"] = count
	}
	if next >= 0 {
		q := url.Values{}
		for k, v := range g.q {
			q[k] = v
		}
		q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("o:"+strconv.Itoa(next))))
		out["@odata.nextLink"] = g.root + g.path + "?" + q.Encode()
	}
	b, _ := json.Marshal(out)
	return gresp{status: http.StatusOK, body: b}
}

// ---- $filter / $search -------------------------------------------------------

// clause is one conjunct of a $filter: prop eq 'v', startswith(prop,'v'), or
// coll/any(x:x/prop eq 'v') (prop is then "coll/prop").
type clause struct {
	kind string // eq | startswith | any
	prop string
	val  string
}

var (
	reStartsWith = regexp.MustCompile(`(?i)^startswith\(\s*([\w/]+)\s*,\s*'((?:[^']|'')*)'\s*\)$`)
	reAny        = regexp.MustCompile(`(?i)^(\w+)/any\s*\(\s*(\w+)\s*:\s*(\w+)/(\w+)\s+eq\s+'((?:[^']|'')*)'\s*\)$`)
	reEq         = regexp.MustCompile(`(?i)^([\w/]+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false|[0-9a-fA-F-]+))$`)
)

// splitAnd splits on " and " outside quotes.
func splitAnd(f string) []string {
	var parts []string
	inQ := false
	start := 0
	low := strings.ToLower(f)
	for i := 0; i < len(f); i++ {
		if f[i] == '\'' {
			inQ = !inQ
			continue
		}
		if !inQ && strings.HasPrefix(low[i:], " and ") {
			parts = append(parts, f[start:i])
			start = i + 5
			i += 4
		}
	}
	return append(parts, f[start:])
}

func parseFilter(f string) ([]clause, error) {
	var out []clause
	for _, p := range splitAnd(f) {
		p = strings.TrimSpace(p)
		for strings.HasPrefix(p, "(") && strings.HasSuffix(p, ")") && !reStartsWith.MatchString(p) {
			p = strings.TrimSpace(p[1 : len(p)-1])
		}
		unq := func(s string) string { return strings.ReplaceAll(s, "''", "'") }
		if m := reStartsWith.FindStringSubmatch(p); m != nil {
			out = append(out, clause{"startswith", m[1], unq(m[2])})
			continue
		}
		if m := reAny.FindStringSubmatch(p); m != nil {
			if !strings.EqualFold(m[2], m[3]) {
				return nil, fmt.Errorf("lambda variable %q is not defined", m[3])
			}
			out = append(out, clause{"any", m[1] + "/" + m[4], unq(m[5])})
			continue
		}
		if m := reEq.FindStringSubmatch(p); m != nil {
			v := unq(m[2])
			if m[3] != "" {
				v = m[3]
			}
			out = append(out, clause{"eq", m[1], v})
			continue
		}
		return nil, fmt.Errorf("unsupported filter clause %q", p)
	}
	return out, nil
}

// filterFor parses $filter and checks every clause against the allowed
// "kind:prop" forms (e.g. "eq:appId"). A nil slice means no filter.
func (g *greq) filterFor(allowed ...string) ([]clause, *gresp) {
	f := g.q.Get("$filter")
	if f == "" {
		return nil, nil
	}
	cs, err := parseFilter(f)
	if err != nil {
		r := unsupportedQuery("Unsupported or invalid query filter clause specified: " + err.Error())
		return nil, &r
	}
	for i, c := range cs {
		if !containsFold(allowed, c.kind+":"+c.prop) {
			r := unsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource.", c.prop))
			return nil, &r
		}
		cs[i].prop = strings.ToLower(c.prop) // once, not once per item matched (fields.value)
	}
	return cs, nil
}

// splitOr splits a $filter on " or " outside quotes and parentheses.
func splitOr(f string) []string {
	var parts []string
	inQ, depth, start := false, 0, 0
	low := strings.ToLower(f)
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case c == '\'':
			inQ = !inQ
		case inQ:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(low[i:], " or "):
			parts = append(parts, f[start:i])
			start = i + 4
			i += 3
		}
	}
	return append(parts, f[start:])
}

// filterAnyFor is filterFor for the collections whose $filter may join its
// clauses with or (users and groups: docs/entra.md A9): a disjunction of
// conjunctions, each clause checked against allowed. nil means no filter.
func (g *greq) filterAnyFor(allowed ...string) ([][]clause, *gresp) {
	f := g.q.Get("$filter")
	if f == "" {
		return nil, nil
	}
	var dnf [][]clause
	for _, part := range splitOr(f) {
		cs, err := parseFilter(part)
		if err != nil {
			r := unsupportedQuery("Unsupported or invalid query filter clause specified: " + err.Error())
			return nil, &r
		}
		for i, c := range cs {
			if !containsFold(allowed, c.kind+":"+c.prop) {
				r := unsupportedQuery(fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource.", c.prop))
				return nil, &r
			}
			cs[i].prop = strings.ToLower(c.prop)
		}
		dnf = append(dnf, cs)
	}
	return dnf, nil
}

func clauseVal(cs []clause, kind, prop string) (string, bool) {
	for _, c := range cs {
		if c.kind == kind && strings.EqualFold(c.prop, prop) {
			return c.val, true
		}
	}
	return "", false
}

// search parses $search="prop:value" (needs ConsistencyLevel: eventual).
func (g *greq) search(allowed ...string) (prop, val string, r *gresp) {
	s := g.q.Get("$search")
	if s == "" {
		return "", "", nil
	}
	if !strings.EqualFold(g.hdr.Get("ConsistencyLevel"), "eventual") {
		e := badRequest("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
		return "", "", &e
	}
	s = strings.Trim(strings.TrimSpace(s), `"`)
	p, v, ok := strings.Cut(s, ":")
	if !ok || !containsFold(allowed, p) {
		e := badRequest(fmt.Sprintf("Syntax error: invalid $search %q; use \"property:value\".", s))
		return "", "", &e
	}
	return p, v, nil
}

// fields maps a resource's $filter-able properties (lower-case names) to
// their values: one table per resource instead of one matcher each.
type fields[T any] map[string]func(T) string

// value returns property prop of v ("" for a property the table lacks).
func (f fields[T]) value(v T, prop string) string {
	if get := f[prop]; get != nil { // filterFor lower-cases the clauses' properties
		return get(v)
	}
	if get := f[strings.ToLower(prop)]; get != nil {
		return get(v)
	}
	return ""
}

// matches reports whether v satisfies every clause (matchText semantics:
// eq and startswith, case-insensitive).
func (f fields[T]) matches(v T, cs []clause) bool {
	for _, c := range cs {
		if !matchText(c.kind, f.value(v, c.prop), c.val) {
			return false
		}
	}
	return true
}

// matchesAny reports whether v satisfies one of the conjunctions of a
// filterAnyFor filter (no filter: every v).
func (f fields[T]) matchesAny(v T, dnf [][]clause) bool {
	if dnf == nil {
		return true
	}
	for _, cs := range dnf {
		if f.matches(v, cs) {
			return true
		}
	}
	return false
}

// matchText applies startswith/eq/search semantics case-insensitively.
func matchText(kind, have, want string) bool {
	switch kind {
	case "startswith":
		return len(have) >= len(want) && strings.EqualFold(have[:len(want)], want)
	case "search":
		// Graph's $search tokenizes; a prefix of any word matches.
		for _, w := range strings.FieldsFunc(have, func(r rune) bool { return r == ' ' || r == '@' || r == '.' || r == '-' }) {
			if matchText("startswith", w, want) {
				return true
			}
		}
		return matchText("startswith", have, want)
	default:
		return strings.EqualFold(have, want)
	}
}
