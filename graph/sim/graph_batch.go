package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ---- $batch (docs/msal.md 6, docs/entra.md A8) ----------------------------------------------

type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResp struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

func (g *greq) batch() gresp {
	var req struct {
		Requests []batchItem `json:"requests"`
	}
	if err := json.Unmarshal(g.body, &req); err != nil {
		return gerr(http.StatusBadRequest, "BadRequest", "Unable to deserialize the batch request: "+err.Error())
	}
	if len(req.Requests) == 0 {
		return gerr(http.StatusBadRequest, "BadRequest", "The batch request contains no requests.")
	}
	if len(req.Requests) > 20 {
		return gerr(http.StatusBadRequest, "BadRequest", "The number of requests in the batch exceeds the limit of 20.")
	}
	index := map[string]int{}
	for i, it := range req.Requests {
		key := strings.ToLower(it.ID)
		if it.ID == "" || it.Method == "" || it.URL == "" {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Batch request %d lacks id, method or url.", i))
		}
		if _, dup := index[key]; dup {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Duplicate request id '%s' in the batch.", it.ID))
		}
		index[key] = i
	}
	for _, it := range req.Requests {
		for _, d := range it.DependsOn {
			if _, ok := index[strings.ToLower(d)]; !ok {
				return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Request '%s' depends on unknown request '%s'.", it.ID, d))
			}
		}
	}
	// Execute respecting dependsOn (a failed dependency yields 424).
	results := make([]*batchResp, len(req.Requests))
	for pass := 0; pass <= len(req.Requests); pass++ {
		progress := false
		for i, it := range req.Requests {
			if results[i] != nil {
				continue
			}
			ready, failed := true, ""
			for _, d := range it.DependsOn {
				dr := results[index[strings.ToLower(d)]]
				if dr == nil {
					ready = false
				} else if dr.Status >= 400 {
					failed = d
				}
			}
			if !ready {
				continue
			}
			progress = true
			if failed != "" {
				st, hdr, body := gerr(http.StatusFailedDependency, "FailedDependency",
					fmt.Sprintf("The request depends on request '%s', which failed.", failed)).finalize(randGUID(), "")
				results[i] = &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: body}
				continue
			}
			results[i] = g.batchOne(it)
		}
		if !progress {
			break
		}
	}
	for i, r := range results {
		if r == nil {
			return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Request '%s' has circular dependsOn.", req.Requests[i].ID))
		}
	}
	// Responses may come back in any order; reverse keeps clients honest.
	out := make([]*batchResp, 0, len(results))
	for i := len(results) - 1; i >= 0; i-- {
		out = append(out, results[i])
	}
	b, _ := json.Marshal(map[string]any{"responses": out})
	return gresp{status: http.StatusOK, body: b}
}

func (g *greq) batchOne(it batchItem) *batchResp {
	u := it.URL
	// Items are relative to the version root ("/users?$select=id" or "users");
	// absolute Graph URLs are tolerated.
	if i := strings.Index(u, "/"+g.version+"/"); strings.HasPrefix(u, "http") && i >= 0 {
		u = u[i+len(g.version)+1:]
	}
	if !strings.HasPrefix(u, "/") {
		u = "/" + u
	}
	pu, err := url.Parse(u)
	reqID := randGUID()
	if err != nil {
		st, hdr, body := badRequest("Invalid request URL.").finalize(reqID, "")
		return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: body}
	}
	h := http.Header{}
	for k, v := range it.Headers {
		h.Set(k, v)
	}
	body := []byte(nil)
	if len(it.Body) > 0 && string(it.Body) != "null" {
		if h.Get("Content-Type") == "" {
			st, hdr, b := badRequest("A request with a body must specify the Content-Type header.").finalize(reqID, "")
			return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: b}
		}
		body = it.Body
	}
	sub := &greq{s: g.s, t: g.t, tok: g.tok, method: strings.ToUpper(it.Method), version: g.version,
		path: pu.Path, q: pu.Query(), hdr: h, body: body, root: g.root}
	st, hdr, b := sub.one().finalize(reqID, "")
	if hdr == nil {
		hdr = map[string]string{}
	}
	return &batchResp{ID: it.ID, Status: st, Headers: hdr, Body: b}
}
