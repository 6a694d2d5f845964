package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

func reportTestInput() flows.ReportInput {
	end := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	d := flows.Diagnosis{
		Tenant: flows.TenantInfo{ID: hoTenant, Domain: "contoso.com", Cloud: entra.Clouds["global"]},
		App:    flows.AppInfo{ClientID: hoClient, DisplayName: "TrackerRMS"},
		PendingRequests: []flows.PendingRequest{{RequestID: "r1", Requester: "Alice Smith", Reason: "please approve, calendar sync",
			Scopes: []string{"Calendars.ReadWrite"}}},
		SignedInAs: "admin@contoso.com",
	}
	return flows.ReportInput{
		Version: "9.9.9", Tenant: d.Tenant, App: flows.AppRef{ClientID: hoClient, DisplayName: "TrackerRMS"},
		SignedInAs: "admin@contoso.com", Diagnosis: &d,
		Outcome: &flows.Outcome{Kind: flows.OutcomeVerified, Fix: flows.FixAdminLink, Summary: "Consent granted by admin@contoso.com",
			Changes: []flows.Change{{What: "Admin consent for TrackerRMS", Before: "not granted", After: "granted", Verified: true, At: end}}},
		FailedCalls: []flows.FailedCall{{Op: "GET /x", Status: 503, RequestID: "abcdef01-2345-4678-9abc-def012345678"}},
		Started:     end.Add(-time.Minute), Ended: end,
		Notes: []string{"redirect https://app.example.com/cb?code=0.AXkAsecretcode123&state=s",
			"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"},
	}
}

var (
	uiEmailRE = regexp.MustCompile(`(?i)[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+`)
	uiJWTRE   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.`)
	uiCodeRE  = regexp.MustCompile(`(?i)\bcode=[^\\\[&\s"]+`)
)

func TestWriteReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	r := BuildSupportReport(reportTestInput(), false)
	md, js, err := WriteReport(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(md) != "consentwiz-report-20260304T050607Z.md" || filepath.Base(js) != "consentwiz-report-20260304T050607Z.json" {
		t.Errorf("paths %s %s", md, js)
	}
	for _, p := range []string{md, js} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
		data, _ := os.ReadFile(p)
		out := string(data)
		if m := uiEmailRE.FindString(out); m != "" {
			t.Errorf("%s: email survived: %q", p, m)
		}
		if m := uiJWTRE.FindString(out); m != "" {
			t.Errorf("%s: JWT survived: %q", p, m)
		}
		if m := uiCodeRE.FindString(out); m != "" {
			t.Errorf("%s: auth code survived: %q", p, m)
		}
		for _, s := range []string{hoTenant, "Alice", "calendar sync", "secretcode"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q survived", p, s)
			}
		}
		for _, s := range []string{"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx5555", "a•••@contoso.com", "A. S.", "abcdef01-2345-4678-9abc-def012345678", hoClient} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: lacks %q", p, s)
			}
		}
	}
	data, _ := os.ReadFile(js)
	var back flows.Report
	if err := json.Unmarshal(data, &back); err != nil || !back.Redacted || back.Outcome == nil || len(back.Outcome.Changes) != 1 {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}

	// A second report in the same second gets a new name; nothing is overwritten.
	md2, js2, err := WriteReport(dir, r)
	if err != nil || md2 == md || js2 == js || !strings.HasSuffix(md2, "-2.md") || !strings.HasSuffix(js2, "-2.json") {
		t.Errorf("second report %s %s %v", md2, js2, err)
	}
}

func TestWriteReportUnredacted(t *testing.T) {
	old := reportNow
	reportNow = func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { reportNow = old })
	in := reportTestInput()
	in.Ended = time.Time{}
	md, _, err := WriteReport(t.TempDir(), BuildSupportReport(in, true))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(md) != "consentwiz-report-20270101T000000Z.md" {
		t.Errorf("path %s", md)
	}
	data, _ := os.ReadFile(md)
	out := string(data)
	for _, s := range []string{hoTenant, "Alice Smith", "please approve, calendar sync", "admin@contoso.com"} {
		if !strings.Contains(out, s) {
			t.Errorf("unredacted report lacks %q", s)
		}
	}
	if uiJWTRE.MatchString(out) || uiCodeRE.MatchString(out) {
		t.Error("a token survived in the unredacted report")
	}
}

func TestWriteReportBadDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := WriteReport(filepath.Join(f, "sub"), BuildSupportReport(reportTestInput(), false)); err == nil {
		t.Error("no error for a folder under a file")
	}
}
