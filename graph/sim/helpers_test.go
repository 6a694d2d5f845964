package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func newSim(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// noRedirect returns the server's client without following redirects.
func noRedirect(s *Server) *http.Client {
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

type resp struct {
	status int
	hdr    http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r resp) errMsg() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["message"].(string)
	return c
}

func (r resp) values() []map[string]any {
	var out []map[string]any
	vals, _ := r.body["value"].([]any)
	for _, v := range vals {
		out = append(out, v.(map[string]any))
	}
	return out
}

// call makes a raw Graph request (path relative to GraphURL, e.g. /v1.0/me).
func call(t *testing.T, s *Server, tok, method, path string, body any, hdr ...string) resp {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.GraphURL() + path
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, hdr: res.Header, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &r.body)
	}
	if strings.HasPrefix(u, s.GraphURL()) && res.Header.Get("request-id") == "" {
		t.Errorf("%s %s: no request-id header", method, path)
	}
	return r
}

func token(t *testing.T, s *Server, ten *Tenant, upn string, scopes ...string) string {
	t.Helper()
	tok, err := s.IssueToken(ten, upn, "14d82eec-204b-4c2f-b7e8-296a70dab67e", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ---- the headless browser (browser.go), failing the test on errors -------------

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	p, err := fetch(c, u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return p
}

// submit fills the page's first form (hidden fields kept, extra fields set)
// and clicks the button with the given id ("" when the form has none).
func submit(t *testing.T, c *http.Client, p page, buttonID string, extra url.Values) page {
	t.Helper()
	r, err := submitForm(c, p, buttonID, extra)
	if err != nil {
		t.Fatalf("submit #%s: %v\n%s", buttonID, err, p.body)
	}
	return r
}

// opener is Server.HeadlessOpener that also records the pages passed
// ("consent", "form_post") in pagesSeen.
func opener(t *testing.T, s *Server, upn string, pagesSeen *[]string) func(string) error {
	t.Helper()
	var seen func(string)
	if pagesSeen != nil {
		seen = func(name string) { *pagesSeen = append(*pagesSeen, name) }
	}
	return s.headlessOpener(upn, seen)
}
