package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// TestCheckJSONPerScenario pins each simulator scenario's diagnosis as
// `consentwiz check --profile trackerrms --tenant … --json` prints it: real
// MSAL device code sign-in (auto-approved) and the real Graph client against
// the simulated cloud, and the exit code (3 when users are blocked). The
// screen must also agree with what the simulated end user actually gets.
func TestCheckJSONPerScenario(t *testing.T) {
	cases := []struct {
		scenario    string
		screen      string
		blocked     bool
		recommended flows.FixID
		setting     string
		workflow    bool
	}{
		{"locked-down", flows.ScreenNeedAdminApproval, true, flows.FixAdminLink, flows.ConsentDisabled, false},
		{"request-workflow", flows.ScreenApprovalRequired, true, flows.FixRequestWorkflow, flows.ConsentDisabled, true},
		{"managed-calendar", flows.ScreenNeedAdminApproval, true, flows.FixAdminLink, flows.ConsentMicrosoftManaged, false},
		{"unverified-publisher", flows.ScreenNeedAdminApproval, true, flows.FixAdminLink, flows.ConsentLow, false},
		{"assignment-required", flows.ScreenNotAssigned, true, flows.FixAssignUsers, flows.ConsentDisabled, false},
		{"granted", flows.ScreenNone, false, "", flows.ConsentDisabled, false},
		{"user-consent", flows.ScreenConsentPrompt, false, "", flows.ConsentLegacy, false},
		{"low-impact", flows.ScreenNeedAdminApproval, true, flows.FixAdminLink, flows.ConsentLow, false},
		// The auto-approving admin accepts the sign-in client's consent prompt first.
		{"cli-not-consented", flows.ScreenNeedAdminApproval, true, flows.FixAdminLink, flows.ConsentDisabled, false},
		// request-workflow in a tenant without Entra ID P1 (only its sign-in logs differ).
		{"no-premium", flows.ScreenApprovalRequired, true, flows.FixRequestWorkflow, flows.ConsentDisabled, true},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.scenario] = true
		t.Run(tc.scenario, func(t *testing.T) {
			srv, cfg := simCloud(t, sim.Options{Scenario: tc.scenario})
			ten := srv.Tenant()
			var out, errOut bytes.Buffer
			o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: ten.Domain()}, JSON: true}
			code := RunCheck(context.Background(), cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
			wantCode := ExitOK
			if tc.blocked {
				wantCode = ExitBlocked
			}
			if code != wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, wantCode, errOut.String())
			}
			var d flows.Diagnosis
			if err := json.Unmarshal(out.Bytes(), &d); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, out.String())
			}
			if d.UserScreen != tc.screen || d.Blocked != tc.blocked || d.Recommended != tc.recommended {
				t.Errorf("screen %q blocked %v recommended %q; want %q %v %q", d.UserScreen, d.Blocked, d.Recommended, tc.screen, tc.blocked, tc.recommended)
			}
			if d.UserConsent.Setting != tc.setting || d.RequestWorkflow.Enabled != tc.workflow {
				t.Errorf("userConsent %q workflow %v; want %q %v", d.UserConsent.Setting, d.RequestWorkflow.Enabled, tc.setting, tc.workflow)
			}
			wantVerdict := flows.VerdictOK
			if tc.blocked {
				wantVerdict = flows.VerdictBlocked
			}
			if d.Verdict != wantVerdict || len(d.Undecided) != 0 {
				t.Errorf("verdict %q (undecided %v), want %q", d.Verdict, d.Undecided, wantVerdict)
			}
			// Microsoft's documented list excludes Calendars.ReadWrite, not Mail.Send (docs/entra.md B4).
			if tc.scenario == "managed-calendar" && strings.Join(d.Scopes.BlockedByManagedPolicy, " ") != "Calendars.ReadWrite" {
				t.Errorf("blocked by the managed policy: %v", d.Scopes.BlockedByManagedPolicy)
			}
			if d.Tenant.ID != ten.ID() || d.App.ClientID != ten.AppID() || len(d.Fixes) != len(flows.AllFixes) {
				t.Errorf("tenant %+v app %+v fixes %d", d.Tenant, d.App, len(d.Fixes))
			}
			if !strings.Contains(errOut.String(), "devicelogin") {
				t.Errorf("the device code message should go to stderr, got %q", errOut.String())
			}
			// What the diagnosis says the user sees is what the simulated user gets.
			got := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), sim.TrackerRMSScopes, "")
			if screen, _ := endUserScreen(got); screen != d.UserScreen {
				t.Errorf("the simulated user gets %q (%s), the diagnosis says %q", got.Result, screen, d.UserScreen)
			}
		})
	}
	for _, name := range sim.ScenarioNames() {
		if !seen[name] && name != "hostile" && name != "many-apps" {
			t.Errorf("scenario %q has no pinned diagnosis here", name)
		}
	}
}

// signedInAs runs a command against the scenario's simulated cloud, signed
// in (device code) as upn, and returns its exit code, stdout and stderr, and
// the error the approval of the device code got.
func signedInAs(t *testing.T, scenario, upn string, run func(cfg Config, stdio IO) int) (int, string, string, error) {
	t.Helper()
	srv, err := sim.New(sim.Options{Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := Config{Cloud: entra.Clouds["global"], LoginURL: srv.LoginURL(), GraphURL: srv.GraphURL(),
		CAPEM: srv.CAPEM(), ConfigDir: t.TempDir(), NoBrowser: true, Version: "test"}
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(cfg, IO{In: strings.NewReader(""), Out: &out, Err: &errOut}) }()
	var approveErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if codes := srv.PendingDeviceCodes(); len(codes) > 0 {
			approveErr = srv.ApproveDeviceCode(codes[0], upn)
			break
		}
	}
	code := <-done
	return code, out.String(), errOut.String(), approveErr
}

// Where nobody has consented to the sign-in client (cli-not-consented), a
// Global Reader running check is stopped at sign-in; the error names the
// authority's AADSTS code and the hand-off, which needs no sign-in
// (docs/entra.md F).
func TestCheckStoppedWhenTheSignInClientIsNotConsented(t *testing.T) {
	code, _, errOut, approveErr := signedInAs(t, "cli-not-consented", "reader@contoso.com", func(cfg Config, stdio IO) int {
		return RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}, JSON: true}, stdio)
	})
	if approveErr == nil || !strings.Contains(approveErr.Error(), "AADSTS90094") {
		t.Errorf("the Global Reader's approval: %v", approveErr)
	}
	if code != ExitSignIn || !strings.Contains(errOut, "AADSTS65001") {
		t.Errorf("exit %d, stderr %q: want an error naming AADSTS65001", code, errOut)
	}
	if !strings.Contains(errOut, "consentwiz handoff --profile trackerrms --tenant contoso.com") || !strings.Contains(errOut, "Privileged Role Administrator") {
		t.Errorf("stderr %q: want the hand-off command and who can consent", errOut)
	}
}

// handoff --sign-in falls back to the hand-off without the live check when
// consentwiz's own sign-in needs consent: the hand-off needs none.
func TestHandoffSignInWhenTheSignInClientIsNotConsented(t *testing.T) {
	code, out, errOut, _ := signedInAs(t, "cli-not-consented", "reader@contoso.com", func(cfg Config, stdio IO) int {
		return RunHandoff(context.Background(), cfg, HandoffOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}, SignIn: true}, stdio)
	})
	if code != ExitOK || !strings.Contains(out, "# Admin approval needed: TrackerRMS") || !strings.Contains(out, "needs an administrator's consent in this tenant first") {
		t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "AADSTS65001") || !strings.Contains(errOut, "without the live check") {
		t.Errorf("stderr %q", errOut)
	}
}

// A user with no admin role reads nothing that decides what users see:
// check says it could not tell (exit 5), names what it could not read and
// who could, and never says "blocked" — here the app is in fact granted
// (review ux H2).
func TestCheckUnknownForAUserWithNoRole(t *testing.T) {
	var upn string
	code, out, errOut, _ := signedInAs(t, "granted", "megan@contoso.com", func(cfg Config, stdio IO) int {
		upn = "megan@contoso.com"
		return RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}, JSON: true}, stdio)
	})
	if code != ExitUnknown {
		t.Fatalf("exit %d, want %d; stderr %q\n%s", code, ExitUnknown, errOut, out)
	}
	var d flows.Diagnosis
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(out), &m)
	if d.Verdict != flows.VerdictUnknown || m["verdict"] != "unknown" || d.Blocked || d.Recommended != "" || d.SignedInAs != upn ||
		!strings.Contains(d.VerdictWhy, "Global Reader") || !strings.Contains(d.VerdictWhy, "the authorization policy") {
		t.Errorf("verdict %q blocked %v recommended %q by %q: %s", d.Verdict, d.Blocked, d.Recommended, d.SignedInAs, d.VerdictWhy)
	}
	// The text says the same.
	code, out, _, _ = signedInAs(t, "granted", "megan@contoso.com", func(cfg Config, stdio IO) int {
		return RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}}, stdio)
	})
	if code != ExitUnknown || !strings.Contains(out, "Users see: could not tell") || strings.Contains(out, "BLOCKED") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// The diagnosis of authorize URLs the simulated cloud answers from Microsoft's
// documents (review entra-fidelity 2.5, 5.6).
func TestCheckDiagnosisFollowsDocumentedBlocks(t *testing.T) {
	authorize := func(domain string, q url.Values) string {
		q.Set("client_id", sim.TrackerRMSAppID)
		return "https://login.microsoftonline.com/" + domain + "/oauth2/v2.0/authorize?" + q.Encode()
	}
	check := func(t *testing.T, srv *sim.Server, cfg Config, u string) flows.Diagnosis {
		t.Helper()
		var out, errOut bytes.Buffer
		o := CheckOptions{AppFlags: AppFlags{URL: u, Tenant: srv.Tenant().Domain()}, JSON: true}
		RunCheck(context.Background(), cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
		var d flows.Diagnosis
		if err := json.Unmarshal(out.Bytes(), &d); err != nil {
			t.Fatalf("%v\n%s\n%s", err, out.String(), errOut.String())
		}
		return d
	}
	imap := []string{"offline_access", "User.Read", "https://outlook.office.com/IMAP.AccessAsUser.All"}

	t.Run("relax cannot help Exchange Online scopes", func(t *testing.T) {
		srv, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
		d := check(t, srv, cfg, authorize(srv.Tenant().Domain(), url.Values{"scope": {strings.Join(imap, " ")}}))
		// What the user would get under 'Let Microsoft manage' (in a second tenant).
		s2, _ := simCloud(t, sim.Options{Scenario: "managed-calendar"})
		if out := s2.Tenant().UserSignIn(s2.Tenant().EndUserUPN(), sim.TrackerRMSAppID, imap, ""); out.Code != 90094 {
			t.Fatalf("the simulated user under the managed policy: %+v", out)
		}
		if fx, ok := d.Fix(flows.FixRelaxUserConsent); !ok || fx.Viable {
			t.Errorf("relax-user-consent viable for IMAP.AccessAsUser.All on Exchange Online: %+v", fx)
		}
	})
	t.Run("managed policy blocks Exchange Online scopes", func(t *testing.T) {
		srv, cfg := simCloud(t, sim.Options{Scenario: "managed-calendar"})
		d := check(t, srv, cfg, authorize(srv.Tenant().Domain(), url.Values{"scope": {strings.Join(imap, " ")}}))
		got := srv.Tenant().UserSignIn(srv.Tenant().EndUserUPN(), sim.TrackerRMSAppID, imap, "")
		if screen, _ := endUserScreen(got); screen != d.UserScreen {
			t.Errorf("the simulated user gets %s (AADSTS%d), the diagnosis says %s", got.Result, got.Code, d.UserScreen)
		}
	})
	t.Run("prompt=admin_consent with everything granted", func(t *testing.T) {
		srv, cfg := simCloud(t, sim.Options{Scenario: "granted"})
		d := check(t, srv, cfg, authorize(srv.Tenant().Domain(), url.Values{"prompt": {"admin_consent"},
			"scope": {strings.Join(sim.TrackerRMSScopes, " ")}}))
		if d.Recommended == flows.FixAdminLink || d.Recommended != "" || !strings.Contains(d.RecommendedWhy, "Only the vendor") {
			t.Errorf("recommended %q: %s", d.Recommended, d.RecommendedWhy)
		}
	})
	t.Run("prompt=consent with everything granted", func(t *testing.T) {
		srv, cfg := simCloud(t, sim.Options{Scenario: "granted"})
		d := check(t, srv, cfg, authorize(srv.Tenant().Domain(), url.Values{"prompt": {"consent"},
			"scope": {strings.Join(sim.TrackerRMSScopes, " ")}}))
		// troubleshoot-consent-issues.md step 7: only the vendor removing prompt helps.
		if d.Recommended != "" {
			t.Errorf("recommended %q for a forced prompt with everything granted", d.Recommended)
		}
		for _, id := range []flows.FixID{flows.FixRelaxUserConsent, flows.FixRequestWorkflow, flows.FixGrantDirect, flows.FixClassifyLow} {
			if fx, ok := d.Fix(id); ok && fx.Viable {
				t.Errorf("%s viable: %s", id, fx.Reason)
			}
		}
	})
}

// A domain the global authority does not know may be a China (21Vianet)
// tenant: the message says so (docs/entra.md C2).
func TestCheckUnknownDomainSuggestsChina(t *testing.T) {
	_, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	var out, errOut bytes.Buffer
	code := RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso-typo.com"}},
		IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitError || !strings.Contains(errOut.String(), "--cloud china") || !strings.Contains(errOut.String(), "check the spelling") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
