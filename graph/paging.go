package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// page is one page of a Graph collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// listAll reads every page of op's collection (limit > 0 stops after limit items).
func listAll[T any](ctx context.Context, c *Client, op entra.Op, args []string, params []param, limit int) ([]T, error) {
	req, err := c.newRequest(op, args, params, nil)
	if err != nil {
		return nil, err
	}
	var out []T
	for n := 0; ; n++ {
		if n >= maxPages {
			return out, fmt.Errorf("graph %s %s: more than %d pages", req.method, req.path, maxPages)
		}
		resp, err := c.do(ctx, req)
		if err != nil {
			return out, err
		}
		var p page[T]
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return out, fmt.Errorf("graph %s %s: %w: %v", req.method, req.path, ErrMalformedResponse, err)
		}
		out = append(out, p.Value...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if p.NextLink == "" {
			return out, nil
		}
		next, err := c.checkNextLink(p.NextLink)
		if err != nil {
			return out, fmt.Errorf("graph %s %s: %w", req.method, req.path, err)
		}
		req.url = next
	}
}

// checkNextLink accepts an absolute nextLink on the client's own scheme and host.
func (c *Client) checkNextLink(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("%w: %q is not an absolute URL", ErrForeignNextLink, link)
	}
	base, err := url.Parse(c.root)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", fmt.Errorf("%w (%s)", ErrForeignNextLink, u.Host)
	}
	return u.String(), nil
}

// relativeNextLink turns a nextLink into a URL relative to /v1.0 for a $batch item.
func (c *Client) relativeNextLink(link string) (string, error) {
	abs, err := c.checkNextLink(link)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(abs)
	base, _ := url.Parse(c.versionRoot())
	if !strings.HasPrefix(u.EscapedPath(), base.EscapedPath()+"/") {
		return "", fmt.Errorf("%w: %q is outside %s", ErrForeignNextLink, link, apiVersion)
	}
	rel := strings.TrimPrefix(u.EscapedPath(), base.EscapedPath())
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return rel, nil
}
