package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// approveAs approves every pending device code as upn when the sign-in
// writes its message (the device code goes to standard error).
type approveAs struct {
	mu  sync.Mutex
	srv *sim.Server
	upn string
	buf bytes.Buffer
}

func (a *approveAs) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, code := range a.srv.PendingDeviceCodes() {
		_ = a.srv.ApproveDeviceCode(code, a.upn)
	}
	return a.buf.Write(p)
}

// runScan runs `consentwiz scan` against srv; with upn set, device codes are
// approved as that user (else the simulator approves as its admin).
func runScan(t *testing.T, srv *sim.Server, cfg Config, o ScanOptions, upn string) (int, string, string) {
	t.Helper()
	var out bytes.Buffer
	errw := &approveAs{srv: srv, upn: upn}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := RunScan(ctx, cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: errw})
	return code, out.String(), errw.buf.String()
}

func scanJSON(t *testing.T, out string) flows.ScanResult {
	t.Helper()
	var r flows.ScanResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	return r
}

func scanApp(r flows.ScanResult, clientID string) (flows.ScanApp, bool) {
	for _, a := range r.Apps {
		if a.ClientID == clientID {
			return a, true
		}
	}
	return flows.ScanApp{}, false
}

// The issue's acceptance: against locked-down, `scan --tenant contoso.com
// --json` exits 3 and lists TrackerRMS with at least one user; the admin
// met the consent prompt for the scan's scopes (the simulator's sign-in
// client holds only its read scopes) and accepted it.
func TestScanLockedDown(t *testing.T) {
	srv, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	code, out, errOut := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", JSON: true}, "")
	if code != ExitBlocked {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, errOut)
	}
	r := scanJSON(t, out)
	a, ok := scanApp(r, sim.TrackerRMSAppID)
	if !ok || a.Users < 1 || a.DisplayName != "TrackerRMS" || r.SignInLogs != flows.ScanRead || r.ConsentRequests != flows.ScanRead {
		t.Fatalf("TrackerRMS not listed with a user: %+v", r)
	}
	if r.Apps[0].Users < r.Apps[len(r.Apps)-1].Users {
		t.Errorf("not most users first: %+v", r.Apps)
	}
	if !strings.Contains(errOut, "devicelogin") {
		t.Errorf("the device code should go to stderr: %q", errOut)
	}
	if r.Since.After(time.Now().Add(-7*24*time.Hour+time.Minute)) || r.Since.Before(time.Now().Add(-7*24*time.Hour-time.Minute)) {
		t.Errorf("since %v: want 7 days back", r.Since)
	}
	// Text: one block an app; --days 1 reads less.
	code, text, _ := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", Days: 1}, "")
	if code != ExitBlocked || !strings.Contains(text, "TrackerRMS ("+sim.TrackerRMSAppID+")") || !strings.Contains(text, "AADSTS") {
		t.Errorf("text scan: exit %d\n%s", code, text)
	}
	one := scanJSONOf(t, srv, cfg, 1)
	if a1, _ := scanApp(one, sim.TrackerRMSAppID); a1.Failures >= a.Failures {
		t.Errorf("--days 1 counted %d failures, 7 days %d", a1.Failures, a.Failures)
	}
}

func scanJSONOf(t *testing.T, srv *sim.Server, cfg Config, days int) flows.ScanResult {
	t.Helper()
	_, out, _ := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", Days: days, JSON: true}, "")
	return scanJSON(t, out)
}

// Without Entra ID P1 the sign-in logs are refused: one line names the
// licence, "signInLogs":"unavailable", and the pending requests are still
// listed.
func TestScanNoPremium(t *testing.T) {
	srv, cfg := simCloud(t, sim.Options{Scenario: "no-premium"})
	code, out, errOut := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", JSON: true}, "")
	if code != ExitBlocked && code != ExitOK {
		t.Fatalf("exit %d, want 0 or 3; stderr:\n%s", code, errOut)
	}
	r := scanJSON(t, out)
	if r.SignInLogs != flows.ScanUnavailable || r.ConsentRequests != flows.ScanRead {
		t.Fatalf("sources %q %q", r.SignInLogs, r.ConsentRequests)
	}
	if a, ok := scanApp(r, sim.TrackerRMSAppID); !ok || a.PendingRequests < 1 {
		t.Errorf("the pending request is not listed: %+v", r.Apps)
	}
	_, text, _ := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com"}, "")
	var p1 []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "P1") {
			p1 = append(p1, l)
		}
	}
	if len(p1) != 1 || !strings.Contains(p1[0], "Microsoft Entra ID P1") {
		t.Errorf("want one line naming the P1 licence, got %q in:\n%s", p1, text)
	}
}

// A role that cannot read sign-in logs (Cloud Application Administrator):
// the scan names the roles that can and still reads the requests.
func TestScanRoleCannotReadLogs(t *testing.T) {
	srv, err := sim.New(sim.Options{Scenario: "request-workflow"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := Config{Cloud: entra.Clouds["global"], LoginURL: srv.LoginURL(), GraphURL: srv.GraphURL(),
		CAPEM: srv.CAPEM(), ConfigDir: t.TempDir(), NoBrowser: true, Version: "test"}
	ten := srv.Tenant()
	// An administrator consented to the scan's scopes for everyone before.
	if err := ten.AdminConsent(ten.AdminUPN(), entra.DefaultClientID, append(append([]string{"openid", "profile", "offline_access"}, flows.ReadScopes...), flows.ScanScopes...)); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com"}, "cloudadmin@contoso.com")
	if code != ExitBlocked {
		t.Fatalf("exit %d, want 3 (a pending request); stderr:\n%s\n%s", code, errOut, out)
	}
	for _, want := range []string{"Sign-in logs unavailable: your roles cannot read them", "Global Reader", "Reports Reader", "TrackerRMS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Megan holds no role: neither source can be read (exit 5).
	code, out, errOut = runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", JSON: true}, ten.EndUserUPN())
	if code != flows.ScanExitUnreadable {
		t.Fatalf("exit %d, want 5; stderr:\n%s\n%s", code, errOut, out)
	}
}

// Paging: with tiny pages the scan reads every page and counts the same.
func TestScanPaging(t *testing.T) {
	srv, cfg := simCloud(t, sim.Options{Scenario: "locked-down", SignInPageSize: 2})
	small := scanJSONOf(t, srv, cfg, 7)
	srv2, cfg2 := simCloud(t, sim.Options{Scenario: "locked-down"})
	big := scanJSONOf(t, srv2, cfg2, 7)
	a, _ := scanApp(small, sim.TrackerRMSAppID)
	b, _ := scanApp(big, sim.TrackerRMSAppID)
	if a.Failures == 0 || a.Failures != b.Failures || a.Users != b.Users || len(small.Apps) != len(big.Apps) {
		t.Errorf("pages of 2: %+v; one page: %+v", a, b)
	}
}

// escapeRE finds what must never reach a terminal raw: ESC, BEL, other C0
// controls but tab and newline, C1 controls, bidi overrides.
var escapeRE = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]")

// The hostile tenant's strings (terminal escapes, bidi overrides, huge
// names) reach neither the text nor the JSON raw.
func TestScanHostileStrings(t *testing.T) {
	srv, cfg := simCloud(t, sim.Options{Scenario: "hostile"})
	for _, asJSON := range []bool{false, true} {
		_, out, errOut := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", JSON: asJSON}, "")
		if out == "" {
			t.Fatalf("json %v: no output; stderr %q", asJSON, errOut)
		}
		for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if loc := escapeRE.FindStringIndex(s); loc != nil {
				t.Errorf("json %v: %s holds %q at %d", asJSON, name, s[loc[0]:loc[1]], loc[0])
			}
		}
	}
}

func TestScanArguments(t *testing.T) {
	for _, c := range []struct {
		o    ScanOptions
		want string
	}{
		{ScanOptions{}, "name the tenant with --tenant"},
		{ScanOptions{Tenant: "common"}, "names no tenant"},
		{ScanOptions{Tenant: "contoso.com", Days: 31}, "--days must be from 1 to 30"},
		{ScanOptions{Tenant: "contoso.com", Days: -1}, "--days must be from 1 to 30"},
	} {
		var out, errOut bytes.Buffer
		code := RunScan(context.Background(), Config{Cloud: entra.Clouds["global"]}, c.o, IO{Out: &out, Err: &errOut})
		if code != ExitError || !strings.Contains(errOut.String(), c.want) || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 {
			t.Errorf("%+v: exit %d stderr %q", c.o, code, errOut.String())
		}
	}
}
