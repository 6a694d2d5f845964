package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// reportsIn lists the Markdown reports in dir.
func reportsIn(t *testing.T, dir string) []string {
	t.Helper()
	mds, err := filepath.Glob(filepath.Join(dir, "consentwiz-report-*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return mds
}

func TestReportKeyOnChecklist(t *testing.T) {
	dir := t.TempDir()
	m := newTestModel(t, newFake(), testModelOpts{})
	m.deps.Reports = ReportOptions{Dir: dir}
	d := newDriver(t, m)
	d.toChooseFix()
	d.requireView("r save a support report")
	d.press("r")
	d.requireStep(flows.StepChooseFix) // r is not an answer
	mds := reportsIn(t, dir)
	if len(mds) != 1 {
		t.Fatalf("reports: %v", mds)
	}
	d.requireView("Support report saved (redacted)")
	md, err := os.ReadFile(mds[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "TrackerRMS") || strings.Contains(string(md), testAdmin) {
		t.Errorf("report content (want the app, not the admin's address):\n%s", md)
	}
	js, err := os.ReadFile(strings.TrimSuffix(mds[0], ".md") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var r flows.Report
	if err := json.Unmarshal(js, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Redacted || r.Version != "test" || !r.Started.Equal(testTime) || r.Ended.IsZero() || r.Diagnosis == nil {
		t.Errorf("report: redacted %v version %q started %v ended %v diagnosis %v", r.Redacted, r.Version, r.Started, r.Ended, r.Diagnosis != nil)
	}
}

func TestReportKeyOnFinishedScreen(t *testing.T) {
	dir := t.TempDir()
	m := newTestModel(t, newFake(), testModelOpts{})
	m.deps.Reports = ReportOptions{Dir: dir, Unredacted: true}
	d := newDriver(t, m)
	d.toChooseFix()
	d.press("enter", "d", "d")
	if _, ok := d.m.Outcome(); !ok {
		t.Fatalf("not finished:\n%s", d.view())
	}
	d.requireView("r save a support report", "any other key quit")
	d.press("r")
	if d.quit {
		t.Fatal("r quit the finished screen")
	}
	d.requireView("Support report saved (not redacted)")
	if n := len(reportsIn(t, dir)); n != 1 {
		t.Fatalf("%d reports", n)
	}
	d.press("q")
	if !d.quit {
		t.Fatal("q did not quit")
	}
}

func TestReportKeyHiddenWithoutDir(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.toChooseFix()
	if strings.Contains(d.view(), "support report") {
		t.Fatalf("report key offered without a report folder:\n%s", d.view())
	}
}

// callsFake is an Effects that also lists failed calls, like *Runner.
type callsFake struct{ *fakeEffects }

func (callsFake) FailedCalls() []flows.FailedCall {
	return []flows.FailedCall{{Op: "fetch-snapshot", Status: 429, Code: "TooManyRequests", RequestID: "req-123"}}
}

func TestSupportReportHasFailedCallsAndTimes(t *testing.T) {
	s, _ := flows.Start(testInput())
	d := Deps{Effects: callsFake{newFake()}, Version: "9.9"}
	r := supportReport(d, s, testTime, testTime.Add(time.Minute))
	if len(r.FailedCalls) != 1 || r.FailedCalls[0].RequestID != "req-123" {
		t.Errorf("failed calls %+v", r.FailedCalls)
	}
	if r.Version != "9.9" || !r.Started.Equal(testTime) || !r.Ended.Equal(testTime.Add(time.Minute)) || !r.Redacted {
		t.Errorf("report %+v", r)
	}
	if len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "app-choose") {
		t.Errorf("no note on where the wizard was: %v", r.Notes)
	}
}

func TestRunnerRecordsFailedCalls(t *testing.T) {
	r := &Runner{}
	apiErr := &entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges", RequestID: "rid-1"}
	r.recordEvent(flows.FetchSnapshot{}, flows.SnapshotLoaded{Err: fmt.Errorf("reading: %w", apiErr)})
	r.recordEvent(flows.PatchUserConsent{}, flows.WriteDone{Op: flows.OpPatchUserConsent, Err: apiErr})
	r.recordEvent(flows.OpenURL{}, flows.Opened{Err: apiErr})                                             // not a Graph call result
	r.recordEvent(flows.ReadAuthorizationPolicy{}, flows.PolicyRead{Err: context.Canceled})               // not an API error
	r.recordEvent(flows.ReadAuthorizationPolicy{}, flows.PolicyRead{Policy: entra.AuthorizationPolicy{}}) // no error
	got := r.FailedCalls()
	if len(got) != 2 {
		t.Fatalf("recorded %+v", got)
	}
	if got[0].Op != "fetch-snapshot" || got[0].Status != 403 || got[0].RequestID != "rid-1" || got[0].Code != "Authorization_RequestDenied" {
		t.Errorf("first %+v", got[0])
	}
	if got[1].Op != string(flows.OpPatchUserConsent) {
		t.Errorf("second %+v", got[1])
	}
	// Concurrent use (go test -race) and the cap.
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.recordEvent(flows.PollGrant{}, flows.Polled{Err: apiErr})
			_ = r.FailedCalls()
		}()
	}
	wg.Wait()
	got = r.FailedCalls()
	if len(got) != maxFailedCalls+1 || !strings.Contains(got[len(got)-1].Op, "52 more failed calls") {
		t.Fatalf("cap: %d calls, last %+v", len(got), got[len(got)-1])
	}
}

func TestPlainReportWord(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fire := func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		ch <- testTime
		return ch
	}
	d := Deps{Effects: newFake(), Input: testInput(), Reports: ReportOptions{Dir: dir}}
	p := newPlain(ctx, d, strings.NewReader("1\ncontoso.com\nreport\ncancel\n"), &out, fire, func() time.Time { return testTime })
	if _, err := p.run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Support report saved (redacted): "+dir) {
		t.Fatalf("no report line:\n%s", out.String())
	}
	if n := len(reportsIn(t, dir)); n != 1 {
		t.Fatalf("%d reports", n)
	}
	if !strings.Contains(out.String(), "report (save a support report)") {
		t.Errorf("the hint does not mention report")
	}
}

func TestReportDir(t *testing.T) {
	cfg := Config{ConfigDir: "/home/x/.config/consentwiz"}
	if got := reportDir(cfg, false); got != "/home/x/.config/consentwiz/reports" {
		t.Errorf("real run: %s", got)
	}
	if got := reportDir(cfg, true); got != filepath.Join(os.TempDir(), "consentwiz-demo-reports") {
		t.Errorf("demo: %s", got)
	}
}

// --app with --scope reaches the wizard with the scopes (they used to be
// dropped unless the app came from a profile).
func TestWizardInputAppWithScopes(t *testing.T) {
	o := WizardOptions{AppFlags: AppFlags{App: "5353a3d2-8ca9-42d2-b567-ea399ccb5e38", Scopes: []string{"User.Read", "Contacts.Read"}}}
	in, err := wizardInput(Config{Cloud: entra.Clouds["global"]}, o, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if in.App.ClientID != o.App || strings.Join(in.App.Scopes, " ") != "User.Read Contacts.Read" || in.AppText != "" {
		t.Fatalf("app = %+v, text %q", in.App, in.AppText)
	}
	bad := WizardOptions{AppFlags: AppFlags{App: "not-a-guid"}}
	in, err = wizardInput(Config{Cloud: entra.Clouds["global"]}, bad, nil, false)
	if err != nil || in.AppText != "not-a-guid" || in.App.ClientID != "" {
		t.Fatalf("a bad app must be left for the wizard to explain: %+v %q %v", in.App, in.AppText, err)
	}
}
