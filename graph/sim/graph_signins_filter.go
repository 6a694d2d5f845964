package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The $filter of GET /auditLogs/signIns (graph_signins.go): the properties
// and operators signin.md documents, joined by and/or.

// signInFilterOps are the $filter operators signin.md documents per property
// (lower-case paths).
var signInFilterOps = map[string][]string{
	"appdisplayname": {"eq", "startswith"}, "appid": {"eq"}, "clientappused": {"eq"},
	"conditionalaccessstatus": {"eq"}, "correlationid": {"eq"}, "createddatetime": {"eq", "le", "ge"},
	"devicedetail/browser": {"eq", "startswith"}, "devicedetail/operatingsystem": {"eq", "startswith"},
	"ipaddress": {"eq", "startswith"}, "location/city": {"eq", "startswith"}, "location/state": {"eq", "startswith"},
	"location/countryorregion": {"eq", "startswith"}, "resourcedisplayname": {"eq"}, "resourceid": {"eq"},
	"riskdetail": {"eq"}, "risklevelaggregated": {"eq"}, "risklevelduringsignin": {"eq"}, "riskstate": {"eq"},
	"status/errorcode": {"eq"}, "userdisplayname": {"eq", "startswith"}, "userid": {"eq"},
	"userprincipalname": {"eq", "startswith"}, "id": {"eq"},
}

// signInValue is a string property of a record as signInOf renders it, by
// lower-case path (without rendering the whole record: a filter looks at
// many more records than a page shows).
func signInValue(t *Tenant, r *signInRec, prop string) string {
	p := signInPlaces[r.place]
	switch prop {
	case "appdisplayname":
		return r.app.name
	case "appid":
		return r.app.id
	case "clientappused":
		return signInClientApp
	case "conditionalaccessstatus":
		return signInCAStatus
	case "correlationid":
		return t.logGUID(r.seq, 1)
	case "devicedetail/browser":
		return p.browser
	case "devicedetail/operatingsystem":
		return p.os
	case "ipaddress":
		return p.ip
	case "location/city":
		return p.city
	case "location/state":
		return p.state
	case "location/countryorregion":
		return p.country
	case "resourcedisplayname":
		return r.res.name
	case "resourceid":
		return r.res.id
	case "riskdetail", "risklevelaggregated", "risklevelduringsignin":
		return signInRiskHidden
	case "riskstate":
		return signInRiskState
	case "userdisplayname":
		return r.user.name
	case "userid":
		return r.user.id
	case "userprincipalname":
		return r.user.upn
	case "id":
		return t.logGUID(r.seq, 0)
	}
	return ""
}

// sfNode is a node of a parsed signIns $filter: and/or of children, or a
// comparison of prop with a value.
type sfNode struct {
	op   string // and | or | eq | le | ge | startswith
	kids []*sfNode
	prop string
	str  string
	num  int
	tick int64
}

func (n *sfNode) match(t *Tenant, r *signInRec) bool {
	switch n.op {
	case "and":
		for _, k := range n.kids {
			if !k.match(t, r) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range n.kids {
			if k.match(t, r) {
				return true
			}
		}
		return false
	}
	switch n.prop {
	case "createddatetime":
		switch n.op {
		case "le":
			return r.at <= n.tick
		case "ge":
			return r.at >= n.tick
		}
		return r.at == n.tick
	case "status/errorcode":
		return r.code == n.num
	}
	return matchText(n.op, signInValue(t, r, n.prop), n.str)
}

// timeBounds are the createdDateTime bounds every match obeys: those of the
// comparisons joined by the top-level and (ticks, inclusive).
func (n *sfNode) timeBounds() (lo, hi int64) {
	lo, hi = 0, 1<<63-1
	var walk func(*sfNode)
	walk = func(n *sfNode) {
		switch {
		case n.op == "and":
			for _, k := range n.kids {
				walk(k)
			}
		case n.prop == "createddatetime" && n.op == "ge":
			lo = max(lo, n.tick)
		case n.prop == "createddatetime" && n.op == "le":
			hi = min(hi, n.tick)
		case n.prop == "createddatetime" && n.op == "eq":
			lo, hi = max(lo, n.tick), min(hi, n.tick)
		}
	}
	walk(n)
	return lo, hi
}

// parseSignInFilter parses a $filter of signIns: comparisons (prop op
// value, startsWith(prop,'v')) joined by and/or, with parentheses.
func parseSignInFilter(f string) (*sfNode, error) {
	toks, err := lexFilter(f)
	if err != nil {
		return nil, err
	}
	p := &sfParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.i].text)
	}
	return n, nil
}

type sfTok struct {
	kind string // ( ) , str word
	text string
}

func lexFilter(f string) ([]sfTok, error) {
	var out []sfTok
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, sfTok{string(c), string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(f); j++ {
				if f[j] == '\'' {
					if j+1 < len(f) && f[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(f[j])
			}
			if j >= len(f) {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, sfTok{"str", b.String()})
			i = j + 1
		default:
			j := i
			for j < len(f) && !strings.ContainsRune(" \t(),'", rune(f[j])) {
				j++
			}
			out = append(out, sfTok{"word", f[i:j]})
			i = j
		}
	}
	return out, nil
}

type sfParser struct {
	toks []sfTok
	i    int
}

func (p *sfParser) peekWord(w string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind == "word" && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *sfParser) next() (sfTok, error) {
	if p.i >= len(p.toks) {
		return sfTok{}, fmt.Errorf("unexpected end of the filter")
	}
	p.i++
	return p.toks[p.i-1], nil
}

func (p *sfParser) expect(kind string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind != kind {
		return fmt.Errorf("expected %q, found %q", kind, t.text)
	}
	return nil
}

func (p *sfParser) or() (*sfNode, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	if !p.peekWord("or") {
		return n, nil
	}
	out := &sfNode{op: "or", kids: []*sfNode{n}}
	for p.peekWord("or") {
		p.i++
		k, err := p.and()
		if err != nil {
			return nil, err
		}
		out.kids = append(out.kids, k)
	}
	return out, nil
}

func (p *sfParser) and() (*sfNode, error) {
	n, err := p.term()
	if err != nil {
		return nil, err
	}
	if !p.peekWord("and") {
		return n, nil
	}
	out := &sfNode{op: "and", kids: []*sfNode{n}}
	for p.peekWord("and") {
		p.i++
		k, err := p.term()
		if err != nil {
			return nil, err
		}
		out.kids = append(out.kids, k)
	}
	return out, nil
}

func (p *sfParser) term() (*sfNode, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind == "(" {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		return n, p.expect(")")
	}
	if t.kind != "word" {
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	if p.i < len(p.toks) && p.toks[p.i].kind == "(" {
		// A function: only startsWith is documented (signin.md).
		if !strings.EqualFold(t.text, "startswith") {
			return nil, fmt.Errorf("the function %s is not supported", t.text)
		}
		p.i++
		pt, err := p.next()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		v, err := p.next()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return comparison(pt.text, "startswith", v)
	}
	if strings.EqualFold(t.text, "not") {
		return nil, fmt.Errorf("the operator not is not supported")
	}
	op, err := p.next()
	if err != nil {
		return nil, err
	}
	v, err := p.next()
	if err != nil {
		return nil, err
	}
	return comparison(t.text, strings.ToLower(op.text), v)
}

// comparison checks prop, op and the literal against what signin.md documents.
func comparison(prop, op string, v sfTok) (*sfNode, error) {
	lp := strings.ToLower(prop)
	ops, ok := signInFilterOps[lp]
	if !ok {
		return nil, fmt.Errorf("the property '%s' cannot be filtered", prop)
	}
	if !containsFold(ops, op) {
		return nil, fmt.Errorf("the operator '%s' is not supported on '%s' (supported: %s)", op, prop, strings.Join(ops, ", "))
	}
	n := &sfNode{op: op, prop: lp}
	switch lp {
	case "createddatetime":
		if v.kind != "word" {
			return nil, fmt.Errorf("createdDateTime takes a date and time without quotes, e.g. 2026-12-01T00:00:00Z")
		}
		tm, err := time.Parse(time.RFC3339Nano, v.text)
		if err != nil {
			if tm, err = time.Parse("2006-01-02", v.text); err != nil {
				return nil, fmt.Errorf("'%s' is not a date and time", v.text)
			}
		}
		n.tick = ticks(tm)
	case "status/errorcode":
		num, err := strconv.Atoi(v.text)
		if v.kind != "word" || err != nil {
			return nil, fmt.Errorf("status/errorCode takes a number")
		}
		n.num = num
	default:
		if v.kind != "str" {
			return nil, fmt.Errorf("'%s' takes a string in quotes", prop)
		}
		n.str = v.text
	}
	return n, nil
}
