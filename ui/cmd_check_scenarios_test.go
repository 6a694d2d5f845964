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

// Where nobody has consented to the sign-in client (cli-not-consented), a
// Global Reader running check is stopped at sign-in; the error names the
// authority's AADSTS code (docs/entra.md 0).
func TestCheckStoppedWhenTheSignInClientIsNotConsented(t *testing.T) {
	srv, err := sim.New(sim.Options{Scenario: "cli-not-consented"})
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
	var out, errOut bytes.Buffer
	o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: ten.Domain()}, JSON: true}
	done := make(chan int, 1)
	go func() {
		done <- RunCheck(context.Background(), cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	}()
	var approveErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if codes := srv.PendingDeviceCodes(); len(codes) > 0 {
			approveErr = srv.ApproveDeviceCode(codes[0], "reader@contoso.com")
			break
		}
	}
	if approveErr == nil || !strings.Contains(approveErr.Error(), "AADSTS90094") {
		t.Errorf("the Global Reader's approval: %v", approveErr)
	}
	code := <-done
	if code != ExitSignIn || !strings.Contains(errOut.String(), "AADSTS65001") {
		t.Errorf("exit %d, stderr %q: want an error naming AADSTS65001", code, errOut.String())
	}
}

// The diagnosis of authorize URLs the simulated cloud answers from Microsoft's
// documents, where the diagnosis is wrong today (review entra-fidelity 2.5,
// 5.6). The assertions stand; the skip goes when the flows branch fixes them.
func TestCheckDiagnosisFollowsDocumentedBlocks(t *testing.T) {
	t.Skip("diagnosis: relax-user-consent is offered for Exchange Online scopes the managed policy excludes, the managed-policy evaluation ignores non-Graph resources, and a forced prompt=consent still recommends consent fixes; fixed in the flows branch")
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
