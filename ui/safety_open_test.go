package ui

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph"
)

// TestSafeToOpen: only https links, or http on this computer, are opened —
// and only when the link is exactly what the screen shows.
func TestSafeToOpen(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://login.microsoftonline.com/contoso.com/adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38", true},
		{"https://login.microsoftonline.us/x/v2.0/adminconsent?scope=https%3A%2F%2Fgraph.microsoft.us%2F.default", true},
		{"HTTPS://entra.microsoft.com/#view/Microsoft_AAD_IAM", true},
		{"https://bücher.example/", true},
		{"http://127.0.0.1:8080/devicelogin", true},
		{"http://localhost/cb", true},
		{"http://[::1]:9/x", true},
		{"http://127.0.0.2/", true},
		{"http://login.microsoftonline.com/", false},
		{"http://localhost.evil.example/", false},
		{"http://127.0.0.1.evil.example/", false},
		{"http://0x7f000001/", false},
		{"http://10.0.0.1/", false},
		{"ftp://example.com/", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"mailto:admin@contoso.com", false},
		{"//login.microsoftonline.com/x", false},
		{"login.microsoftonline.com/x", false},
		{"https:///path", false},
		{"https://:443/", false},
		{"", false},
		{"https://login.microsoftonline.com@evil.example/", false},
		{"https://user:pass@example.com/", false},
		{"https://example.com/\x1b]52;c;AAAA\x07", false},
		{"https://example.com/\x1b[2J", false},
		{"https://example.com/a b", false},
		{" https://example.com/", false},
		{"https://example.com/\u202egpj.exe", false},
		{"https://exa\u200bmple.com/", false},
		{"https://example.com/\u009b31m", false},
		{"https://example.com/\n", false},
	}
	for _, c := range cases {
		err := SafeToOpen(c.url)
		if (err == nil) != c.ok {
			t.Errorf("SafeToOpen(%q) = %v, want ok=%v", c.url, err, c.ok)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07\u202e") {
			t.Errorf("SafeToOpen(%q): the error carries raw controls: %q", c.url, err)
		}
	}
}

// TestRunnerOpenURLRefuses: the Runner never hands an unsafe link to the browser.
func TestRunnerOpenURLRefuses(t *testing.T) {
	var opened []string
	r, err := NewRunner(Config{}, NewJournal(t.TempDir()), RunnerOptions{Open: func(u string) error { opened = append(opened, u); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"javascript:alert(1)", "http://evil.example/", "file:///etc/passwd", "https://a@evil.example/"} {
		if ev, ok := r.Run(t.Context(), flows.OpenURL{URL: u}).(flows.Opened); !ok || ev.Err == nil {
			t.Errorf("OpenURL(%q) was not refused", u)
		}
	}
	if ev := r.Run(t.Context(), flows.OpenURL{URL: "https://login.microsoftonline.com/"}).(flows.Opened); ev.Err != nil {
		t.Errorf("a good link was refused: %v", ev.Err)
	}
	if len(opened) != 1 || opened[0] != "https://login.microsoftonline.com/" {
		t.Fatalf("opened %q", opened)
	}
}

func FuzzSafeToOpen(f *testing.F) {
	for _, s := range []string{"https://login.microsoftonline.com/x?y=z", "http://127.0.0.1:1/", "http://localhost/", "http://[::1]/",
		"http://evil.example/", "javascript:alert(1)", "https://a@b.example/", "https://x/\x1b[2J", "https://x/\u202e", "HTTPS://X/", "http://127.0.0.1.x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if SafeToOpen(s) != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("accepted an unparsable URL %q: %v", s, err)
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q (user %v, host %q)", s, u.User, u.Hostname())
		}
		if flows.Sanitize(s, 0) != s {
			t.Fatalf("accepted %q, which the screen would show differently", s)
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
		case "http":
			h := u.Hostname()
			if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
				t.Fatalf("accepted plain http to %q", h)
			}
		default:
			t.Fatalf("accepted scheme %q in %q", u.Scheme, s)
		}
	})
}

// TestRunnerBadGraphResponses: an oversized or malformed Graph answer to the
// policy read ends in a clear error through the Runner, and the machine stops
// on it with that reason instead of acting on a half-read value.
func TestRunnerBadGraphResponses(t *testing.T) {
	cases := []struct {
		name string
		body func(w http.ResponseWriter)
		want error
	}{
		{"oversized", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"authorizationPolicy","displayName":"`)
			chunk := strings.Repeat("A", 1<<16)
			for n := 0; n <= graph.MaxResponseBytes; n += len(chunk) {
				io.WriteString(w, chunk)
			}
			io.WriteString(w, `"}`)
		}, graph.ErrResponseTooLarge},
		{"malformed", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"authorizationPolicy","defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":"ManagePermission`)
		}, graph.ErrMalformedResponse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.body(w) }))
			defer ts.Close()
			r, err := NewRunner(Config{}, NewJournal(t.TempDir()), RunnerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tenant := flows.TenantRef{ID: testTenantID, Cloud: "global"}
			r.sessions[sessionKey{tenant: tenant.ID, cloud: r.cloudFor(tenant.Cloud).Name}] = &session{auth: &graph.Authenticator{},
				client: graph.New(graph.WithBaseURL(ts.URL), graph.WithHTTPClient(ts.Client()))}
			ev, ok := r.Run(t.Context(), flows.ReadAuthorizationPolicy{Tenant: tenant}).(flows.PolicyRead)
			if !ok || !errors.Is(ev.Err, c.want) {
				t.Fatalf("event %#v, want an error wrapping %v", ev, c.want)
			}
			// The machine, reading the setting before a restore, stops with the reason.
			s, _ := flows.Start(flows.WizardInput{Journal: []flows.JournalEntry{journalEntry("j", testTenantID, testTime)}, RestoreOnly: true})
			s, _ = flows.Next(s, flows.Chose{Key: "restore"})
			s, _ = flows.Next(s, flows.SignedIn{Account: testAdmin})
			s, effs := flows.Next(s, ev)
			if s.Step != flows.StepFailed || len(effs) != 0 || !strings.Contains(s.Failure.Reason, c.want.Error()) {
				t.Fatalf("step %s, effects %v, failure %+v", s.Step, effs, s.Failure)
			}
		})
	}
}
