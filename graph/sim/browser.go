package sim

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// A tiny headless browser for the simulator's own HTML pages: it plays the
// user for MSAL's interactive flow (HeadlessOpener) and the admin on an admin
// consent link (HeadlessAdminConsent), so tests and demos need no real
// browser. It understands only the pages in pages.go (forms, hidden inputs,
// buttons with stable ids) and never runs scripts.

var (
	reForm      = regexp.MustCompile(`(?is)<form([^>]*)>(.*?)</form>`)
	reAttr      = regexp.MustCompile(`(?is)([\w-]+)="([^"]*)"`)
	reInput     = regexp.MustCompile(`(?is)<input([^>]*)>`)
	reButton    = regexp.MustCompile(`(?is)<button([^>]*)>`)
	reErrorCode = regexp.MustCompile(`(?is)id="error-code" data-code="(\d*)"[^>]*>([^<]*)<`)
	reErrClass  = regexp.MustCompile(`(?is)<p class="err">([^<]*)<`)
)

// maxPageBytes bounds a page the headless browser reads.
const maxPageBytes = 4 << 20

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range reAttr.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// page is one answer the headless browser got.
type page struct {
	url    *url.URL
	status int
	body   string
	loc    string
}

// has reports whether the page has an element with the id.
func (p page) has(id string) bool { return strings.Contains(p.body, `id="`+id+`"`) }

// problem describes an error shown on the page (AADSTS code and message), or "".
func (p page) problem() string {
	if m := reErrorCode.FindStringSubmatch(p.body); m != nil {
		msg := strings.TrimSpace(html.UnescapeString(m[2]))
		if m[1] != "" && !strings.HasPrefix(msg, "AADSTS") {
			msg = "AADSTS" + m[1] + ": " + msg
		}
		return msg
	}
	if m := reErrClass.FindStringSubmatch(p.body); m != nil {
		return strings.TrimSpace(html.UnescapeString(m[1]))
	}
	return ""
}

// describe names the page for an error message: its problem, else its status.
func (p page) describe() string {
	if msg := p.problem(); msg != "" {
		return fmt.Sprintf("HTTP %d: %s", p.status, msg)
	}
	return fmt.Sprintf("HTTP %d at %s", p.status, p.url.Redacted())
}

func readPage(res *http.Response) (page, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxPageBytes))
	if err != nil {
		return page{}, err
	}
	return page{url: res.Request.URL, status: res.StatusCode, body: string(b), loc: res.Header.Get("Location")}, nil
}

// fetch GETs u.
func fetch(c *http.Client, u string) (page, error) {
	res, err := c.Get(u)
	if err != nil {
		return page{}, err
	}
	return readPage(res)
}

// submitForm fills the page's first form (hidden and text fields kept, extra
// fields set) and clicks the button with the given id ("" when the form has
// none, as the auto-submitting form_post).
func submitForm(c *http.Client, p page, buttonID string, extra url.Values) (page, error) {
	target, vals, err := formValues(p, buttonID, extra)
	if err != nil {
		return page{}, err
	}
	res, err := c.PostForm(target.String(), vals)
	if err != nil {
		return page{}, err
	}
	return readPage(res)
}

func formValues(p page, buttonID string, extra url.Values) (*url.URL, url.Values, error) {
	m := reForm.FindStringSubmatch(p.body)
	if m == nil {
		return nil, nil, fmt.Errorf("sim browser: no form on the page (%s)", p.describe())
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
			return nil, nil, fmt.Errorf("sim browser: no button #%s on the page (%s)", buttonID, p.describe())
		}
	}
	for k, v := range extra {
		vals[k] = v
	}
	target, err := p.url.Parse(fa["action"])
	if err != nil {
		return nil, nil, fmt.Errorf("sim browser: form action: %w", err)
	}
	return target, vals, nil
}

// isLoopbackHTTP reports whether u is http on a loopback host (MSAL's listener).
func isLoopbackHTTP(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ownURL checks that raw addresses this simulated cloud (its HTTPS or its
// plain-HTTP browser base), so the headless browser never leaves it.
func (s *Server) ownURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("sim browser: %w", err)
	}
	for _, base := range []string{s.LoginURL(), s.BrowserURL()} {
		b, err := url.Parse(base)
		if err == nil && base != "" && strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("sim browser: %s://%s is not this simulated cloud (%s or %s)", u.Scheme, u.Host, s.LoginURL(), s.BrowserURL())
}

// HeadlessOpener returns an opener for MSAL's interactive flow
// (public.WithOpenURL, or the opener of graph's SignInBrowser) that plays the
// user in a browser: it GETs the authorize page, signs in as upn ("" keeps the
// page's preselected account, the login_hint), accepts a consent page if one
// is shown, and POSTs the form_post response (code and state) to MSAL's
// loopback listener. A page that blocks the user (need admin approval,
// unknown user, …) ends it with an error naming the AADSTS code.
func (s *Server) HeadlessOpener(upn string) func(authURL string) error {
	return s.headlessOpener(upn, nil)
}

// headlessOpener is HeadlessOpener; seen, when set, is told each page passed
// ("consent", "form_post").
func (s *Server) headlessOpener(upn string, seen func(string)) func(string) error {
	return func(authURL string) error {
		if _, err := s.ownURL(authURL); err != nil {
			return err
		}
		c := s.HTTPClient()
		p, err := fetch(c, authURL)
		if err != nil {
			return fmt.Errorf("sim browser: GET authorize: %w", err)
		}
		if !p.has("signin") {
			return fmt.Errorf("sim browser: no sign-in page (%s)", p.describe())
		}
		var extra url.Values
		if upn != "" {
			extra = url.Values{"login": {upn}}
		}
		if p, err = submitForm(c, p, "signin", extra); err != nil {
			return fmt.Errorf("sim browser: sign in: %w", err)
		}
		for range 4 {
			switch {
			case p.has("form_post"):
				if seen != nil {
					seen("form_post")
				}
				return postToListener(p)
			case p.has("accept"):
				if seen != nil {
					seen("consent")
				}
				if p, err = submitForm(c, p, "accept", nil); err != nil {
					return fmt.Errorf("sim browser: accept consent: %w", err)
				}
			case p.has("screen"):
				return fmt.Errorf("sim browser: sign-in blocked: %s", p.describe())
			default:
				return fmt.Errorf("sim browser: unexpected page (%s)", p.describe())
			}
		}
		return errors.New("sim browser: too many pages")
	}
}

// postToListener does what the form_post page's script does: POST code and
// state to the redirect URI, which must be MSAL's loopback listener.
func postToListener(p page) error {
	target, vals, err := formValues(p, "", nil)
	if err != nil {
		return err
	}
	if !isLoopbackHTTP(target) {
		return fmt.Errorf("sim browser: refusing to post the authorization response to %s (not a loopback listener)", target.Redacted())
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	res, err := c.PostForm(target.String(), vals)
	if err != nil {
		return fmt.Errorf("sim browser: post to the loopback listener: %w", err)
	}
	r, err := readPage(res)
	if err != nil {
		return fmt.Errorf("sim browser: loopback listener: %w", err)
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("sim browser: loopback listener answered HTTP %d", r.status)
	}
	return nil
}

// HeadlessAdminConsent plays an administrator opening an admin consent link
// (v1 /{tenant}/adminconsent or v2 /{tenant}/v2.0/adminconsent, on the HTTPS
// or the plain-HTTP browser base): it signs in as upn ("" keeps the page's
// preselected account), clicks Accept or Cancel and returns the redirect
// location the browser would go to next (the app's reply URL with
// admin_consent=True or error=access_denied, tenant and state). When the link
// has no redirect target the page says so itself and redirect is "". An error
// page (bad link, AADSTS900144, 50011, …) or a refusal (a non-admin: 90094) is
// an error naming the AADSTS code.
func (s *Server) HeadlessAdminConsent(consentURL, upn string, accept bool) (redirect string, err error) {
	u, err := s.ownURL(consentURL)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(strings.ToLower(u.Path), "/adminconsent") {
		return "", fmt.Errorf("sim browser: %s is not an admin consent link", u.Redacted())
	}
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p, err := fetch(c, consentURL)
	if err != nil {
		return "", fmt.Errorf("sim browser: GET admin consent: %w", err)
	}
	if p.status != http.StatusOK || !p.has("accept") {
		return "", fmt.Errorf("sim browser: admin consent page: %s", p.describe())
	}
	button := "cancel"
	if accept {
		button = "accept"
	}
	var extra url.Values
	if upn != "" {
		extra = url.Values{"login": {upn}}
	}
	r, err := submitForm(c, p, button, extra)
	if err != nil {
		return "", fmt.Errorf("sim browser: %s: %w", button, err)
	}
	switch {
	case r.status == http.StatusFound || r.status == http.StatusSeeOther:
		return r.loc, nil
	case r.status == http.StatusOK && (r.has("consent-granted") || r.has("consent-declined")):
		return "", nil
	}
	return "", fmt.Errorf("sim browser: admin consent refused: %s", r.describe())
}
