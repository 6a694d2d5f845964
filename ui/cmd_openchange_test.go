package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// A wizard killed while user consent is relaxed leaves the tenant relaxed
// and the change in the journal (TestSafetyKillDuringRelax). check and scan,
// text and JSON, then say that consentwiz's temporary change is still open
// and to run consentwiz restore, and check does not present the relaxed
// setting as the tenant's own.
func TestCheckAndScanNameAnOpenChange(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in to the simulated cloud")
	}
	srv, cfg := simCloud(t, sim.Options{Scenario: "locked-down"})
	ten := srv.Tenant()
	orig := ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	var relaxed []string
	for _, p := range orig {
		if !strings.HasPrefix(p, entra.SelfConsentPrefix) {
			relaxed = append(relaxed, p)
		}
	}
	relaxed = append(relaxed, entra.SelfConsentPrefix+entra.PolicyManagedRecommended)
	// What relax-user-consent leaves behind when it is killed: the journal
	// entry written before the change, and the change.
	if err := NewJournal(cfg.ConfigDir).Write(flows.JournalEntry{ID: ten.ID() + "-run1-1", TenantID: ten.ID(), TenantDomain: ten.Domain(),
		Cloud: "global", Fix: flows.FixRelaxUserConsent, AppID: sim.TimesheetsAppID, What: flows.JournalWhat,
		Original: orig, Set: relaxed, At: time.Date(2026, 5, 6, 7, 8, 0, 0, time.UTC), By: ten.AdminUPN()}); err != nil {
		t.Fatal(err)
	}
	ten.SetUserConsentPolicies(relaxed)

	check := func(json bool) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		code := RunCheck(ctx, cfg, CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: "contoso.com"}, JSON: json},
			IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
		if code != ExitBlocked {
			t.Fatalf("check: exit %d; stderr %s", code, errOut.String())
		}
		return code, out.String()
	}
	_, text := check(false)
	for _, want := range []string{
		"Still open: on 2026-05-06 07:08 UTC admin@contoso.com set the user consent setting to \"Let Microsoft manage your consent settings (Recommended)\" (relax-user-consent)",
		"the tenant's own setting is \"Do not allow user consent\"",
		"run 'consentwiz restore'",
		"A temporary change by consentwiz is still open",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("check's text lacks %q:\n%s", want, text)
		}
	}
	// The user-consent line says whose setting it is.
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "User consent: Let Microsoft manage") {
			continue
		}
		if strings.Contains(l, "relax-user-consent") && strings.Contains(l, "not possible") && !strings.Contains(l, "set temporarily by consentwiz's relax-user-consent") {
			t.Errorf("the relax fix's reason presents the relaxed setting as the tenant's: %q", l)
		}
	}
	_, js := check(true)
	var d flows.Diagnosis
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.OpenChanges) != 1 || d.OpenChanges[0].Fix != flows.FixRelaxUserConsent || d.OpenChanges[0].Original != "Do not allow user consent" {
		t.Errorf("openChanges: %+v", d.OpenChanges)
	}
	uc, open := false, false
	for _, f := range d.Findings {
		switch f.ID {
		case flows.FindingUserConsent:
			uc = strings.Contains(f.Detail, "set temporarily by consentwiz's relax-user-consent")
		case flows.FindingOpenChange:
			open = f.Severity == flows.SeverityWarning && strings.Contains(f.Detail, "consentwiz restore")
		}
	}
	if !uc || !open {
		t.Errorf("findings (user consent marked %v, open change %v): %+v", uc, open, d.Findings)
	}

	_, stext, serr := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com"}, "")
	if !strings.Contains(stext, "Note: A temporary change by consentwiz is still open in this tenant") || !strings.Contains(stext, "consentwiz restore") {
		t.Errorf("scan's text does not name the open change:\n%s\n%s", stext, serr)
	}
	_, sjs, _ := runScan(t, srv, cfg, ScanOptions{Tenant: "contoso.com", JSON: true}, "")
	r := scanJSON(t, sjs)
	if len(r.OpenChanges) != 1 || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "consentwiz restore") {
		t.Errorf("scan's JSON: openChanges %+v, notes %q", r.OpenChanges, r.Notes)
	}

	// check --tenants carries it in the tenant's diagnosis.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, mout, merr := runMany(ctx, cfg, writeTenants(t, "contoso.com"), 1)
	if r, ok := parseManyOut(t, mout).byTenant()["contoso.com"]; !ok || r.Diagnosis == nil || len(r.Diagnosis.OpenChanges) != 1 {
		t.Errorf("check --tenants: %+v\n%s", r, merr)
	}

	// Another tenant's entry is not this tenant's.
	d2 := flows.Diagnosis{Tenant: flows.TenantInfo{ID: "00000000-0000-4000-8000-000000000000"}}
	d2.NoteOpenChanges(entriesOf(openEntries(cfg, "check", &bytes.Buffer{}), d2.Tenant.ID))
	if len(d2.OpenChanges) != 0 {
		t.Errorf("another tenant's diagnosis names the entry: %+v", d2.OpenChanges)
	}
}
