package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// scan --tenants: the same many-tenant runner as check (one sign-in, a
// line a tenant, the summary), with the scan's job.
func TestScanManyTenantsOneSignIn(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	// Reading sign-in logs as a partner needs the sign-in client consented
	// for the scan's scopes in the customer's tenant (AADSTS90099 otherwise,
	// docs/entra.md B1): two customers' admins have done so.
	for _, ten := range []*sim.Tenant{m.LockedDown, m.Granted} {
		if err := ten.AdminConsent(ten.AdminUPN(), entra.DefaultClientID, flows.ScanScopes); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	o := ScanOptions{ManyOptions: ManyOptions{Tenants: writeTenants(t, m.LockedDown.Domain(), m.Granted.Domain(), m.NoRole.Domain(), m.ManagedCalendar.Domain())}, JSON: true}
	code := RunScan(context.Background(), cfg, o, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	res := parseManyOut(t, out.String())
	got := res.byTenant()
	if len(got) != 4 || res.summary == nil {
		t.Fatalf("%d tenants, summary %v\nstdout %s\nstderr %s", len(got), res.summary, out.String(), errb.String())
	}
	if r := got[m.NoRole.Domain()]; r.Outcome != flows.TenantNeedsSignIn || r.Code != 50020 {
		t.Errorf("no GDAP role: %+v", r)
	}
	if r := got[m.ManagedCalendar.Domain()]; r.Outcome != flows.TenantNeedsSignIn || r.Code != 90099 || !strings.Contains(r.Reason, "pre-consent") {
		t.Errorf("not pre-consented: %+v", r)
	}
	if r := got[m.Granted.Domain()]; r.Outcome == flows.TenantNeedsSignIn || r.Outcome == flows.TenantError {
		t.Errorf("granted, pre-consented: %+v", r)
	}
	lines := map[string]struct {
		Outcome flows.TenantOutcome `json:"outcome"`
		Scan    *flows.ScanResult   `json:"scan"`
	}{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v struct {
			Tenant  string              `json:"tenant"`
			Outcome flows.TenantOutcome `json:"outcome"`
			Scan    *flows.ScanResult   `json:"scan"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if v.Tenant != "" {
			lines[v.Tenant] = struct {
				Outcome flows.TenantOutcome `json:"outcome"`
				Scan    *flows.ScanResult   `json:"scan"`
			}{v.Outcome, v.Scan}
		}
	}
	ld := lines[m.LockedDown.Domain()]
	if ld.Scan == nil || ld.Outcome != flows.TenantBlocked {
		t.Fatalf("locked-down: %+v\nstdout %s\nstderr %s", ld, out.String(), errb.String())
	}
	found := false
	for _, a := range ld.Scan.Apps {
		found = found || a.ClientID == sim.TrackerRMSAppID && a.Users > 0
	}
	if !found {
		t.Errorf("locked-down's scan does not list TrackerRMS with a user: %+v", ld.Scan.Apps)
	}
	if code != ExitBlocked && code != ExitError {
		t.Errorf("exit %d", code)
	}
}
