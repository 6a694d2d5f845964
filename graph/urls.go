package graph

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// odataString quotes s as an OData string literal; a quote inside is doubled.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// escapeQueryValue percent-encodes a query value but keeps the characters OData
// expressions use literally ('(),:$@/*!) so URLs stay readable in batches and logs.
func escapeQueryValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("-._~'(),:$@/*!", ch) >= 0:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// param is one query parameter; keys are written as is ($filter).
type param struct{ key, value string }

func encodeQuery(params []param) string {
	var parts []string
	for _, p := range params {
		parts = append(parts, p.key+"="+escapeQueryValue(p.value))
	}
	return strings.Join(parts, "&")
}

// relURL fills the endpoint's placeholders with args in order and appends the
// query: the URL relative to /v1.0, as $batch items use it.
func relURL(e entra.Endpoint, args []string, params []param) (string, error) {
	p := e.Path
	for _, a := range args {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("graph: too many arguments for %s", e.Path)
		}
		var v string
		switch p[i : j+1] {
		case "{appId}":
			if !entra.IsGUID(a) {
				return "", fmt.Errorf("%w: app id %q is not a GUID", ErrInvalidArgument, a)
			}
			v = a
		default:
			if a == "" || strings.ContainsAny(a, "/?#%") || a == "." || a == ".." {
				return "", fmt.Errorf("%w: id %q", ErrInvalidArgument, a)
			}
			v = url.PathEscape(a)
		}
		p = p[:i] + v + p[j+1:]
	}
	if strings.ContainsAny(p, "{}") {
		return "", fmt.Errorf("graph: missing arguments for %s", e.Path)
	}
	if q := encodeQuery(params); q != "" {
		p += "?" + q
	}
	return p, nil
}

// pathOnly strips the query of a relative URL (for error messages).
func pathOnly(rel string) string {
	if i := strings.IndexByte(rel, '?'); i >= 0 {
		return rel[:i]
	}
	return rel
}

func (c *Client) versionRoot() string { return c.root + apiVersion }

// newRequest builds a request for op.
func (c *Client) newRequest(op entra.Op, args []string, params []param, body any) (request, error) {
	ep := entra.EndpointFor(op)
	rel, err := relURL(ep, args, params)
	if err != nil {
		return request{}, err
	}
	req := request{
		method:     ep.Method,
		url:        c.versionRoot() + rel,
		path:       pathOnly(rel),
		scopes:     ep.Scopes,
		idempotent: isIdempotent(ep.Method),
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return request{}, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
		}
		req.body = b
	}
	return req, nil
}

// selectOf lists the JSON names of T's fields for $select.
func selectOf[T any]() string {
	t := reflect.TypeFor[T]()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
	}
	return strings.Join(names, ",")
}
