package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// `consentwiz tenants`: the text lists a customer a line, which
// `check --tenants` reads back with the names; a tenant without GDAP
// relationships has no customers.
func TestTenantsCommand(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	var out, errb bytes.Buffer
	if code := RunTenants(context.Background(), cfg, TenantsOptions{}, IO{Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{"# 6 customer tenants (GDAP) of " + m.Partner.AdminUPN(),
		m.NoRole.ID() + "  # Litware — no role:", m.Granted.ID() + "  # Woodgrove Bank — reachable, roles: "} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{m.Former.ID(), m.Guest.ID(), m.Partner.ID()} {
		if strings.Contains(text, not) {
			t.Errorf("lists %s, which is no GDAP customer:\n%s", not, text)
		}
	}
	ts, _, err := parseTenantList(out.Bytes())
	if err != nil || len(ts) != len(m.Customers()) {
		t.Fatalf("read back: %d tenants, %v", len(ts), err)
	}
	for _, e := range ts {
		if e.Err != nil || e.Name == "" {
			t.Errorf("read back %+v", e)
		}
	}
	if !strings.Contains(errb.String(), "6 customer tenants, 5 where you hold a role") {
		t.Errorf("stderr: %s", errb.String())
	}

	// A customer's own admin: its tenant has no GDAP relationships.
	out.Reset()
	errb.Reset()
	s2, cfg2 := mspCloud(t, 0, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ap approver
	go ap.run(ctx, s2, func(int) string { return s2.MSP().Granted.AdminUPN() })
	code := RunTenants(ctx, cfg2, TenantsOptions{HomeTenant: s2.MSP().Granted.Domain(), JSON: true}, IO{Out: &out, Err: &errb})
	if code != ExitOK || out.Len() != 0 || !strings.Contains(errb.String(), "0 customer tenants") {
		t.Errorf("exit %d, %q, %q", code, out.String(), errb.String())
	}
}
