package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"consentwiz/flows"
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
		{"assignment-required", flows.ScreenNotAssigned, true, "", flows.ConsentDisabled, false},
		{"granted", flows.ScreenNone, false, "", flows.ConsentDisabled, false},
		{"user-consent", flows.ScreenConsentPrompt, false, "", flows.ConsentLegacy, false},
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
