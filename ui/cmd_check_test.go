package ui

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// cancelOnWrite cancels a context on the first write: "ctrl+c as soon as the
// device code is shown".
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// fakeAuthorityConfig points a Config at an httptest TLS server standing in
// for the authority and Graph.
func fakeAuthorityConfig(tb testing.TB, srv *httptest.Server) Config {
	return Config{
		Cloud: entra.Clouds["global"], LoginURL: srv.URL, GraphURL: srv.URL,
		CAPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
		ConfigDir: tb.TempDir(), NoBrowser: true,
	}
}

// ctrl+c before the tenant is even looked up: exit 2 (cancelled), not 1.
func TestCheckCancelledBeforeDiscoveryExitsCancelled(t *testing.T) {
	_, cfg := simCloud(t, sim.Options{Scenario: "granted"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}}
	code := RunCheck(ctx, cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	if code != ExitCancelled {
		t.Errorf("exit %d, want %d (cancelled)\n%s", code, ExitCancelled, errb.String())
	}
}

// ctrl+c while the only tenant of --tenants signs in: the run was cancelled,
// so the exit code is 2, even though every tenant has a result line.
func TestCheckManyCancelledMidTenantExitsCancelled(t *testing.T) {
	s, cfg := simCloud(t, sim.Options{Scenario: "granted"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errw := &cancelOnWrite{cancel: cancel}
	var out bytes.Buffer
	o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms"}, ManyOptions: ManyOptions{Tenants: writeTenants(t, s.Tenant().Domain())}, JSON: true}
	code := RunCheck(ctx, cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: errw, Getenv: func(string) string { return "" }})
	m := parseManyOut(t, out.String())
	if code != ExitCancelled {
		t.Errorf("exit %d, want %d (cancelled)\n%s\n%s", code, ExitCancelled, out.String(), errw.String())
	}
	if len(m.results) != 1 || m.results[0].Diagnosis != nil {
		t.Errorf("results %+v: want the tenant reported as not checked", m.results)
	}
}

// runAgainstFailingAuthority runs cmd --profile trackerrms --tenant
// contoso.com against an authority whose tenant lookup fails with a hostile
// error_description; it returns the exit code and stderr.
func runAgainstFailingAuthority(t *testing.T, cmd string) (int, string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"server_error","error_description":"\u001b]52;c;aGk=\u0007boom \u001b[31mred\u202e"}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	app := AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}
	cfg, stdio := fakeAuthorityConfig(t, srv), IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	var code int
	switch cmd {
	case "check":
		code = RunCheck(context.Background(), cfg, CheckOptions{AppFlags: app}, stdio)
	case "link":
		code = RunLink(context.Background(), cfg, LinkOptions{AppFlags: app}, stdio)
	default:
		t.Fatalf("no command %q", cmd)
	}
	return code, errb.String()
}

// An authority's error_description is untrusted text: `check` prints the
// failure without its escape sequences (no OSC 52 clipboard write, no colour).
func TestCheckErrorFromAuthorityIsSanitized(t *testing.T) {
	code, got := runAgainstFailingAuthority(t, "check")
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if !strings.Contains(got, "boom") {
		t.Fatalf("stderr %q: want the authority's message", got)
	}
	if strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("stderr %q: escape or bidi characters reached the terminal", got)
	}
}

// `link` falls back to the domain when the lookup fails; its note quotes the
// failure, sanitized.
func TestLinkNoteIsSanitized(t *testing.T) {
	code, got := runAgainstFailingAuthority(t, "link")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, got)
	}
	if !strings.Contains(got, "boom") || strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("stderr %q: want the note, without escape characters", got)
	}
}
