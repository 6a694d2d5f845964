package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

const (
	hoClient = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	hoTenant = "11111111-2222-4333-8444-555555555555"
)

// runHandoffCmd runs `consentwiz handoff` in-process with the options its
// flags give.
func runHandoffCmd(t *testing.T, cfg Config, o HandoffOptions) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = RunHandoff(ctx, cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func handoffConfig() Config {
	return Config{Cloud: entra.Clouds["global"], Version: "9.9.9", NoBrowser: true}
}

// closedLoginURL is an https URL on a local port nothing listens on, so
// tenant discovery fails at once.
func closedLoginURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "https://" + addr
}

func fixedHandoffClock(t *testing.T) {
	t.Helper()
	old := handoffNow
	handoffNow = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	t.Cleanup(func() { handoffNow = old })
}

func TestHandoffCommandInputs(t *testing.T) {
	fixedHandoffClock(t)
	errText := "Need admin approval. AADSTS90094: Application 'TrackerRMS'(" + hoClient + ") needs permission. Correlation ID: 0d6a3c9f-1111-4222-8333-444455556666"
	url := "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=" + hoClient +
		"&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite"
	v1 := "https://login.microsoftonline.com/" + hoTenant + "/adminconsent?client_id=" + hoClient
	cases := []struct {
		name     string
		o        HandoffOptions
		contains []string
		absent   []string
	}{
		{name: "error text", o: HandoffOptions{AppFlags: AppFlags{Error: errText, Tenant: hoTenant}},
			contains: []string{"# Admin approval needed: TrackerRMS in " + hoTenant, "<" + v1 + ">", "AADSTS90094 AdminConsentRequired",
				"0d6a3c9f-1111-4222-8333-444455556666", "consentwiz check --profile trackerrms --tenant " + hoTenant,
				"https://entra.microsoft.com/" + hoTenant + "/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings", "Prepared with consentwiz 9.9.9 on 2026-03-04 05:06 UTC"}},
		{name: "url", o: HandoffOptions{AppFlags: AppFlags{URL: url, Tenant: hoTenant}},
			// The v1 link keeps the vendor's redirect_uri from the pasted URL.
			contains: []string{"<" + v1 + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb>", "/v2.0/adminconsent?client_id=" + hoClient, "| Calendars.ReadWrite | delegated |"}},
		{name: "profile", o: HandoffOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: hoTenant}},
			contains: []string{"<" + v1 + ">", "consentwiz check --profile trackerrms --tenant " + hoTenant, "Mail.Send"}},
		{name: "profile as text", o: HandoffOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: hoTenant}, Format: "text"},
			contains: []string{"Admin approval needed: TrackerRMS", "\n  " + v1 + "\n", "Who can do it:"},
			absent:   []string{"**", "<https://", "| --- |"}},
		{name: "app with error text", o: HandoffOptions{AppFlags: AppFlags{App: hoClient, Error: "AADSTS90095 approval required", Tenant: hoTenant}},
			contains: []string{"## The fix: Approve the user's request", "AADSTS90095"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runHandoffCmd(t, handoffConfig(), c.o)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr %q", errOut)
			}
			for _, s := range c.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q", s)
				}
			}
		})
	}
}

func TestHandoffCommandOfflineDomain(t *testing.T) {
	fixedHandoffClock(t)
	cfg := handoffConfig()
	cfg.LoginURL = closedLoginURL(t)
	start := time.Now()
	code, out, errOut := runHandoffCmd(t, cfg, HandoffOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "Contoso.com"}})
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("discovery did not fail fast: %v", time.Since(start))
	}
	if !strings.Contains(errOut, "note: could not look up the tenant id") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("stderr %q, want one note line", errOut)
	}
	if !strings.Contains(out, cfg.LoginURL+"/contoso.com/adminconsent?client_id="+hoClient) {
		t.Errorf("link does not use the domain:\n%s", out)
	}
	if !strings.Contains(out, "The tenant id could not be looked up") {
		t.Error("the hand-off does not say the id is unknown")
	}
}

func TestHandoffCommandDiscovery(t *testing.T) {
	fixedHandoffClock(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/contoso.com/v2.0/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":"https://login.microsoftonline.com/%s/v2.0","cloud_instance_name":"microsoftonline.com","msgraph_host":"graph.microsoft.com"}`, hoTenant)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant not found."}`)
		}
	}))
	defer srv.Close()
	cfg := handoffConfig()
	cfg.LoginURL = srv.URL
	cfg.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	code, out, errOut := runHandoffCmd(t, cfg, HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: "contoso.com"}, Format: "text"})
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "\n  "+srv.URL+"/"+hoTenant+"/adminconsent?client_id="+hoClient+"\n") || !strings.Contains(out, "contoso.com ("+hoTenant+")") {
		t.Errorf("tenant id not used:\n%s", out)
	}

	code, out, errOut = runHandoffCmd(t, cfg, HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: "nosuch.example"}})
	if code != ExitOK || !strings.Contains(errOut, "warning: no Microsoft Entra tenant found") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "Microsoft did not recognise the tenant nosuch.example") {
		t.Errorf("unknown tenant not noted:\n%s", out)
	}
}

func TestHandoffCommandOutAndCopy(t *testing.T) {
	fixedHandoffClock(t)
	var copied string
	old := copyToClipboard
	copyToClipboard = func(s string) error { copied = s; return nil }
	t.Cleanup(func() { copyToClipboard = old })

	path := filepath.Join(t.TempDir(), "handoff.md")
	code, out, errOut := runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: hoTenant}, Out: path, Copy: true})
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != out || copied != out {
		t.Errorf("saved %q (%v), copied %d bytes, printed %d bytes", data, err, len(copied), len(out))
	}
	// Private, like the support reports (reliability review L14), also over
	// a file that was there with a wider mode.
	if st, err := os.Stat(path); runtime.GOOS != "windows" && (err != nil || st.Mode().Perm() != 0o600) {
		t.Errorf("mode %v %v", st.Mode(), err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: hoTenant}, Out: path})
		if code != ExitOK {
			t.Fatal(errOut)
		}
		// The file --out names is replaced, and it says so.
		if want := "Saved the hand-off to " + path + ", replacing the file that was there\n"; errOut != want {
			t.Errorf("over an existing file: stderr %q, want %q", errOut, want)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("an existing 0644 file stays %v", st.Mode().Perm())
		}
	}
	if !strings.Contains(errOut, "Saved the hand-off to "+path) || !strings.Contains(errOut, "Copied the hand-off") {
		t.Errorf("stderr %q", errOut)
	}

	// No system clipboard: the hand-off is printed all the same, so the
	// command succeeds with one line that says it was not copied...
	copyToClipboard = func(string) error { return errors.New("no clipboard utility\nmore") }
	code, out, errOut = runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: hoTenant}, Copy: true})
	if code != ExitOK || out == "" || strings.Contains(out, "\x1b") ||
		strings.TrimSpace(errOut) != "consentwiz handoff: warning: the hand-off was not copied (no clipboard utility); it is printed above." {
		t.Errorf("no clipboard, not a terminal: exit %d, stderr %q", code, errOut)
	}
	// ...and on a terminal it goes to the terminal's clipboard (OSC 52),
	// which is said to be sent, never to be copied.
	oldTerm := outIsTerminal
	outIsTerminal = func(IO) bool { return true }
	t.Cleanup(func() { outIsTerminal = oldTerm })
	code, out, errOut = runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: hoTenant}, Copy: true})
	text, osc, _ := strings.Cut(out, "\x1b]52;c;")
	if code != ExitOK || osc == "" || !strings.HasSuffix(osc, "\a") || strings.Contains(errOut, "Copied") ||
		!strings.Contains(errOut, "Sent the hand-off to the terminal's clipboard (OSC 52)") {
		t.Errorf("no clipboard, a terminal: exit %d, stderr %q, stdout ends %q", code, errOut, out[max(0, len(out)-80):])
	} else if b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(osc, "\a")); err != nil || string(b) != text {
		t.Errorf("OSC 52 carries %d bytes (%v), the hand-off is %d", len(b), err, len(text))
	}
	outIsTerminal = oldTerm

	code, _, errOut = runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: hoTenant}, Out: filepath.Join(t.TempDir(), "missing", "x.md")})
	if code != ExitError || !strings.HasPrefix(errOut, "consentwiz handoff: saving the hand-off:") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestHandoffCommandErrors(t *testing.T) {
	cases := []struct {
		o    HandoffOptions
		want string
	}{
		{HandoffOptions{}, "consentwiz handoff: name the app with --app ID"},
		{HandoffOptions{AppFlags: AppFlags{App: hoClient}, Format: "pdf"}, "consentwiz handoff: --format must be markdown or text"},
		{HandoffOptions{AppFlags: AppFlags{App: "not-a-guid x"}}, "consentwiz handoff:"},
		{HandoffOptions{AppFlags: AppFlags{App: hoClient, Tenant: "common"}}, "consentwiz handoff:"},
		{HandoffOptions{AppFlags: AppFlags{App: hoClient}, SignIn: true}, "consentwiz handoff: --sign-in needs the tenant"},
		{HandoffOptions{AppFlags: AppFlags{Error: "AADSTS90094 something"}}, "consentwiz handoff: no app id found in the text (it shows AADSTS90094): on the error screen"},
	}
	for _, c := range cases {
		code, out, errOut := runHandoffCmd(t, handoffConfig(), c.o)
		if code != ExitError || out != "" || !strings.HasPrefix(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%+v: exit %d, stdout %q, stderr %q; want one line starting %q", c.o, code, out, errOut, c.want)
		}
	}
	// No tenant: links for the admin's own tenant, with a note.
	code, out, errOut := runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{App: hoClient}})
	if code != ExitOK || !strings.Contains(errOut, "no --tenant given") || !strings.Contains(out, "/organizations/adminconsent?client_id="+hoClient) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestHandoffCommandSignIn signs in read-only to the simulated cloud (device
// code, approved automatically) and includes the live diagnosis.
func TestHandoffCommandSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in to the simulated cloud")
	}
	fixedHandoffClock(t)
	srv, err := sim.New(sim.Options{Scenario: "locked-down", AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := handoffConfig()
	cfg.LoginURL, cfg.GraphURL, cfg.CAPEM = srv.LoginURL(), srv.GraphURL(), srv.CAPEM()
	cfg.ConfigDir = t.TempDir()
	tn := srv.Tenant()
	code, out, errOut := runHandoffCmd(t, cfg, HandoffOptions{AppFlags: AppFlags{App: tn.AppID(), Tenant: tn.Domain()}, SignIn: true, Format: "text"})
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, s := range []string{"What consentwiz found in the tenant", "A read-only check by", "users are blocked",
		srv.LoginURL() + "/" + tn.ID() + "/adminconsent?client_id=" + tn.AppID()} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "eyJ") {
		t.Error("a token leaked into the hand-off")
	}
}
