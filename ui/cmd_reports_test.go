package ui

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// A support report is written only when it says something new: a report
// saved with "report" (the TUI's r) and then the run's end with nothing new
// since are one report, and the end names it; a restore with nothing to
// restore writes none.
func TestReportOnlyWhenItSaysSomethingNew(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in to the simulated cloud")
	}
	_, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	cfg.Accessible = true
	reports := filepath.Join(cfg.ConfigDir, "reports")
	run := func(in string) (int, string, string) {
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		code := RunWizard(ctx, cfg, WizardOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}},
			IO{In: strings.NewReader(in), Out: &out, Err: &errOut, Getenv: func(string) string { return "" }})
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run("report\ncancel\n")
	if code != ExitCancelled || !strings.Contains(out, "Support report saved (redacted): ") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	md := reportsIn(t, reports)
	if len(md) != 1 {
		t.Fatalf("%d reports after report then cancel, want 1: %v", len(md), md)
	}
	if want := "Support report: " + md[0] + " (saved earlier; nothing new since)"; !strings.Contains(errOut, want) {
		t.Errorf("the end does not name the report saved before: want %q in\n%s", want, errOut)
	}
	// Saving again with nothing new names the same report.
	_, out, _ = run("report\nreport\ncancel\n")
	if !strings.Contains(out, "Support report already saved, nothing new since: ") || len(reportsIn(t, reports)) != 2 {
		t.Errorf("a second report with nothing new: %d reports\n%s", len(reportsIn(t, reports)), out)
	}
	// A run that ends with nothing saved before still writes its report.
	_, _, errOut = run("cancel\n")
	if n := len(reportsIn(t, reports)); n != 3 || !strings.Contains(errOut, "Support report: ") || strings.Contains(errOut, "saved earlier") {
		t.Errorf("a run's own report: %d reports\n%s", n, errOut)
	}

	// Nothing to restore: nothing to report.
	empty := Config{Cloud: entra.Clouds["global"], ConfigDir: t.TempDir(), Accessible: true, NoBrowser: true}
	var rout, rerr bytes.Buffer
	code = RunRestore(context.Background(), empty, WizardOptions{}, IO{In: strings.NewReader(""), Out: &rout, Err: &rerr, Getenv: func(string) string { return "" }})
	if code != ExitOK || strings.Contains(rerr.String(), "Support report") || len(reportsIn(t, filepath.Join(empty.ConfigDir, "reports"))) != 0 {
		t.Errorf("restore with nothing to restore: exit %d, stderr %q, %d reports", code, rerr.String(), len(reportsIn(t, filepath.Join(empty.ConfigDir, "reports"))))
	}
}
