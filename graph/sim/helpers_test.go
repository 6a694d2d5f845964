package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
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

// ---- a tiny headless browser for the HTML pages ---------------------------------

var (
	reForm   = regexp.MustCompile(`(?is)<form([^>]*)>(.*?)</form>`)
	reAttr   = regexp.MustCompile(`(?is)([\w-]+)="([^"]*)"`)
	reInput  = regexp.MustCompile(`(?is)<input([^>]*)>`)
	reButton = regexp.MustCompile(`(?is)<button([^>]*)>`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range reAttr.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

type page struct {
	url    *url.URL
	status int
	body   string
	loc    string
}

func (p page) has(id string) bool { return strings.Contains(p.body, `id="`+id+`"`) }

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{url: res.Request.URL, status: res.StatusCode, body: string(b), loc: res.Header.Get("Location")}
}

// submit fills the page's first form (hidden fields kept, extra fields set)
// and clicks the button with the given id ("" when the form has none).
func submit(t *testing.T, c *http.Client, p page, buttonID string, extra url.Values) page {
	t.Helper()
	m := reForm.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form on page:\n%s", p.body)
	}
	fa := attrs(m[1])
	vals := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(m[2], -1) {
		a := attrs(in[1])
		if a["name"] != "" && a["type"] != "checkbox" && a["type"] != "submit" {
			vals.Set(a["name"], a["value"])
		}
	}
	if buttonID != "" {
		found := false
		for _, b := range reButton.FindAllStringSubmatch(m[2], -1) {
			a := attrs(b[1])
			if a["id"] == buttonID {
				vals.Set(a["name"], a["value"])
				found = true
			}
		}
		if !found {
			t.Fatalf("no button #%s on page:\n%s", buttonID, p.body)
		}
	}
	for k, v := range extra {
		vals[k] = v
	}
	target, err := p.url.Parse(fa["action"])
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.PostForm(target.String(), vals)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{url: res.Request.URL, status: res.StatusCode, body: string(b), loc: res.Header.Get("Location")}
}

// opener plays the user in a browser for MSAL's interactive flow: sign in as
// upn, accept a consent prompt if shown, and post the form_post response to
// MSAL's loopback listener.
func opener(t *testing.T, s *Server, upn string, pagesSeen *[]string) func(string) error {
	return func(authURL string) error {
		c := s.HTTPClient()
		p := get(t, c, authURL)
		if !p.has("signin") {
			return fmt.Errorf("no sign-in page: %d %s", p.status, p.body)
		}
		p = submit(t, c, p, "signin", url.Values{"login": {upn}})
		for range 3 {
			switch {
			case p.has("form_post"):
				if pagesSeen != nil {
					*pagesSeen = append(*pagesSeen, "form_post")
				}
				// Post code+state to MSAL's listener, as the auto-submit script would.
				if r := submit(t, http.DefaultClient, p, "", nil); r.status != http.StatusOK {
					return fmt.Errorf("loopback listener answered %d: %s", r.status, r.body)
				}
				return nil
			case p.has("accept"):
				if pagesSeen != nil {
					*pagesSeen = append(*pagesSeen, "consent")
				}
				p = submit(t, c, p, "accept", nil)
			default:
				return fmt.Errorf("unexpected page: %d %s", p.status, p.body)
			}
		}
		return fmt.Errorf("too many pages")
	}
}
