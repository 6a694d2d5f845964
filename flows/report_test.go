package flows

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

const (
	tJWT        = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlX2hlcmU"
	tAuthCode   = "0.AXkAbcdEFGhijKLmnoPQRstuVWxyz1234567890"
	tRefresh    = "1.AQ4Ahm9xRefreshTokenValue_-xyz"
	tReqID1     = "aaaa0001-0000-4000-8000-00000000abcd"
	tReqID2     = "bbbb0002-0000-4000-8000-00000000bcde"
	tCorr       = "cccc0003-0000-4000-8000-00000000cdef"
	tReviewerID = "77777777-7777-4777-8777-777777777777"
)

var (
	jwtScanRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.`)
	secretScanRE = regexp.MustCompile(`(?i)\b(code|refresh_token|access_token|id_token)=([^\\\[&\s"]+)`)
	jsonSecretRE = regexp.MustCompile(`(?i)"?(refresh_token|access_token)"?\s*:\s*"?([^\["\s]+)`)
	emailScanRE  = regexp.MustCompile(`(?i)[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+`)
	guidScanRE   = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	bearerScanRE = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}`)
)

// reportInput is a request-workflow run with personal data, identifiers and
// (defensively) token-like strings in every corner.
func reportInput(t *testing.T) ReportInput {
	t.Helper()
	var fx diagCase
	for _, c := range diagCases() {
		if c.name == "request-workflow with a pending request" {
			fx = c
		}
	}
	snap := fx.snap()
	snap.Me = entra.User{ID: "88888888-8888-4888-8888-888888888888", DisplayName: "Megan Bowen", UserPrincipalName: "MeganB@contoso.onmicrosoft.com"}
	app := fx.app(t)
	app.CorrelationID = tCorr
	app.ErrorCode = 90095
	d := Diagnose(snap, app)
	start := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
	return ReportInput{
		Version: "1.2.3", Tenant: d.Tenant, App: app, SignedInAs: "MeganB@contoso.onmicrosoft.com", Diagnosis: &d,
		Outcome: &Outcome{Kind: OutcomeVerified, Fix: FixRequestWorkflow,
			Summary: "Approved the request of Alice evil; megan.bowen@contoso.com was notified. Callback https://app.example.com/cb?code=" + tAuthCode + "&state=abc",
			Err:     "token " + tJWT + " and Bearer " + tRefresh + " and refresh_token=" + tRefresh,
			Changes: []Change{
				{What: "Admin consent request policy", Before: "off", After: "on; reviewers: user " + tReviewerID + " (jane.doe@contoso.com)", Verified: true, At: start.Add(time.Minute)},
				{What: "Admin consent for TrackerRMS (request from Alice evil)", Before: "requested", After: "approved: User.Read Calendars.ReadWrite", Verified: true, At: start.Add(2 * time.Minute)},
			},
			Requests: []RequestPreview{{Method: "PUT", Path: "/policies/adminConsentRequestPolicy",
				Body: `{"isEnabled":true,"reviewers":[{"query":"/users/` + tReviewerID + `","queryType":"MicrosoftGraph"}],"access_token":"` + tRefresh + `"}`}},
		},
		FailedCalls: []FailedCall{
			{Op: "GET /identityGovernance/appConsent/appConsentRequests", Status: 403, Code: "Authorization_RequestDenied", RequestID: tReqID1},
			{Op: "PATCH /policies/authorizationPolicy", Status: 429, Code: "TooManyRequests", RequestID: tReqID2, Message: "retry later; id_token=" + tJWT},
		},
		Started: start, Ended: start.Add(3*time.Minute + 20*time.Second),
		Notes:   []string{"Reason the user gave: need calendar sync", "pasted URL: https://login.microsoftonline.com/common/oauth2/authorize?client_id=" + tClient + "&code=" + tAuthCode},
		People:  []string{"Jane Doe", "jane.doe@contoso.com"},
		Reasons: []string{"need calendar sync"},
	}
}

func renderAll(t *testing.T, r Report) map[string]string {
	t.Helper()
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js) {
		t.Fatal("invalid JSON")
	}
	return map[string]string{"markdown": r.Markdown(), "text": r.Text(), "json": string(js)}
}

func noTokens(t *testing.T, name, out string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{jwtScanRE, secretScanRE, jsonSecretRE, bearerScanRE} {
		if m := re.FindString(out); m != "" {
			t.Errorf("%s: token-like string survived: %q", name, m)
		}
	}
	for _, s := range []string{tJWT, tAuthCode, tRefresh, "c2lnbmF0dXJlX2hlcmU"} {
		if strings.Contains(out, s) {
			t.Errorf("%s: secret %q survived", name, s)
		}
	}
}

func TestReportRedacted(t *testing.T) {
	r := BuildReport(reportInput(t)).Redact()
	if !r.Redacted {
		t.Fatal("not marked redacted")
	}
	kept := map[string]bool{tClient: true, entra.MicrosoftGraphAppID: true, tReqID1: true, tReqID2: true, tCorr: true}
	for id := range entra.RoleNames {
		kept[id] = true
	}
	for name, out := range renderAll(t, r) {
		noTokens(t, name, out)
		if m := emailScanRE.FindAllString(out, -1); len(m) > 0 {
			t.Errorf("%s: email or UPN survived: %q", name, m)
		}
		for _, g := range guidScanRE.FindAllString(out, -1) {
			if !kept[strings.ToLower(g)] {
				t.Errorf("%s: identifier %s survived", name, g)
			}
		}
		for _, s := range []string{tTenant, idAlice, tReviewerID, tAppSP, "Alice", "need calendar sync", "Megan", "Jane", "MeganB", "evil"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q survived", name, s)
			}
		}
		for _, s := range []string{"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx1111", "M•••@contoso.onmicrosoft.com", "j•••@contoso.com", "A. E.",
			"[redacted]", tReqID1, tReqID2, tCorr, tClient, "contoso.com", "Calendars.ReadWrite", "request-workflow"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: lacks %q", name, s)
			}
		}
	}
	if r.Tenant.ID != "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx1111" || r.Tenant.Domain != "contoso.com" {
		t.Errorf("tenant %+v", r.Tenant)
	}
	if p := r.Diagnosis.PendingRequests[0]; p.Reason != "[redacted]" || p.Requester != "A. E." {
		t.Errorf("pending %+v", p)
	}
	if r.SignedInAs != "M•••@contoso.onmicrosoft.com" {
		t.Errorf("signed in as %q", r.SignedInAs)
	}
	if r.Redact().Markdown() != r.Markdown() {
		t.Error("Redact is not idempotent")
	}
	md := r.Markdown()
	for _, s := range []string{"Run", "Tenant and app", "Outcome", "Changes made", "Requests a real run would send", "Diagnosis", "Failed Microsoft Graph calls",
		"Authorization\\_RequestDenied", "(3m20s)", "--report-unredacted"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	golden.RequireEqual(t, md)
}

func TestReportUnredacted(t *testing.T) {
	in := reportInput(t)
	r := BuildReport(in)
	if r.Redacted {
		t.Fatal("marked redacted")
	}
	for name, out := range renderAll(t, r) {
		noTokens(t, name, out)
		for _, s := range []string{tTenant, idAlice, tReviewerID, "Alice evil", "need calendar sync", "MeganB@contoso.onmicrosoft.com",
			"jane.doe@contoso.com", tReqID1, tCorr} {
			if !strings.Contains(out, s) && !strings.Contains(out, strings.ReplaceAll(s, "_", `\_`)) {
				t.Errorf("%s: lacks %q", name, s)
			}
		}
	}
	if !strings.Contains(r.Markdown(), "Not redacted") {
		t.Error("the unredacted report does not say so")
	}
	// The input is not changed by building or redacting.
	_ = r.Redact()
	if in.Diagnosis.PendingRequests[0].Reason != "need calendar sync\x1b[31m" && in.Diagnosis.PendingRequests[0].Reason != "need calendar sync" {
		t.Errorf("input changed: %q", in.Diagnosis.PendingRequests[0].Reason)
	}
	if in.Outcome.Changes[0].After != "on; reviewers: user "+tReviewerID+" (jane.doe@contoso.com)" || r.Diagnosis == in.Diagnosis {
		t.Error("the report shares or changed the input")
	}
	if r.Outcome.Changes[0].At != in.Outcome.Changes[0].At {
		t.Error("times changed in the copy")
	}
}

func TestReportEmpty(t *testing.T) {
	r := BuildReport(ReportInput{Version: "dev"})
	for name, out := range renderAll(t, r.Redact()) {
		if !strings.Contains(out, "dev") {
			t.Errorf("%s: %s", name, out)
		}
	}
	if !strings.Contains(r.Markdown(), "did not reach an outcome") || !strings.Contains(r.Markdown(), "None.") {
		t.Error(r.Markdown())
	}
}

func TestScrubSecrets(t *testing.T) {
	cases := map[string]string{
		"https://x/cb?code=" + tAuthCode + "&state=1":     "https://x/cb?code=[removed]&state=1",
		"https://login/error?code=90094":                  "https://login/error?code=90094",
		"code=AADSTS65001":                                "code=AADSTS65001",
		`{"refresh_token":"abc.def-ghi","x":1}`:           `{"refresh_token":"[removed]","x":1}`,
		"access_token: abcdefgh":                          "access_token: [removed]",
		"Authorization: Bearer " + tRefresh:               "Authorization: Bearer [removed]",
		"jwt " + tJWT + " end":                            "jwt [token removed] end",
		"error code: Authorization_RequestDenied":         "error code: Authorization_RequestDenied",
		"user_code=ABCD-EFGH shown to the user":           "user_code=ABCD-EFGH shown to the user",
		"id_token=" + tJWT:                                "id_token=[token removed]",
		"client_secret=s3cr3t~value&client_id=" + tClient: "client_secret=[removed]&client_id=" + tClient,
	}
	for in, want := range cases {
		if got := ScrubSecrets(in); got != want {
			t.Errorf("ScrubSecrets(%q) = %q, want %q", in, got, want)
		}
		if got := ScrubSecrets(ScrubSecrets(in)); got != want {
			t.Errorf("ScrubSecrets twice (%q) = %q", in, got)
		}
	}
}

func TestMasking(t *testing.T) {
	if got := MaskGUID(tTenant); got != "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx1111" {
		t.Error(got)
	}
	if got := MaskEmail("Contact MeganB@contoso.com or x@y.org."); got != "Contact M•••@contoso.com or x•••@y.org." {
		t.Error(got)
	}
	for in, want := range map[string]string{"Alice Smith": "A. S.", "alice": "A.", "": "", "bob@contoso.com": "b•••@contoso.com",
		idAlice: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx5555", "Émile Zola": "É. Z."} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFailedCallFrom(t *testing.T) {
	err := fmt.Errorf("reading: %w", &entra.APIError{Status: 403, Code: "Authorization_RequestDenied", RequestID: tReqID1, Method: "GET", Path: "/policies/authorizationPolicy"})
	fc, ok := FailedCallFrom("", err)
	if !ok || fc.Op != "GET /policies/authorizationPolicy" || fc.Status != 403 || fc.RequestID != tReqID1 {
		t.Errorf("%+v %v", fc, ok)
	}
	if _, ok := FailedCallFrom("x", errors.New("plain")); ok {
		t.Error("plain error accepted")
	}
}

func TestReportInputFromState(t *testing.T) {
	req := pendingReq("User.Read")
	s := State{Journey: Journey{Tenant: TenantInfo{ID: tTenant, Domain: "contoso.com"}, App: AppRef{ClientID: tClient}, SignedIn: "admin@contoso.com"},
		Run:     &FixRun{Workflow: RequestWorkflow{Request: &req, Reviewers: []Reviewer{{Kind: ReviewerUser, ID: idAlice, Name: "Jane Doe", Detail: "jane@contoso.com"}}}},
		Changes: []Change{{What: "Admin consent for X (request from Alice evil)", Before: "requested", After: "approved"}}}
	in := ReportInputFromState(s)
	if in.Outcome == nil || len(in.Outcome.Changes) != 1 || in.Outcome.Kind != OutcomeFailed {
		t.Fatalf("outcome %+v", in.Outcome)
	}
	r := BuildReport(in).Redact()
	md := r.Markdown()
	for _, s := range []string{"Alice", "Jane", "need calendar sync", "admin@contoso.com", tTenant} {
		if strings.Contains(md, s) {
			t.Errorf("%q survived:\n%s", s, md)
		}
	}
}
