package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"consentwiz/flows"
)

// The many-tenant runner runs any job (scan --tenants brings its own): here
// one that reads each tenant's authorization policy through Client. Its own
// JSON fields join the tenant's line.
func TestManyRunnerRunsAnyJob(t *testing.T) {
	s, cfg := mspCloud(t, 0, false)
	m := s.MSP()
	type policyLine struct {
		PolicyID string `json:"policyId"`
	}
	job := func(ctx context.Context, t *tenantTask) tenantDone {
		c, info, err := t.Client(ctx, []string{"Policy.Read.All"})
		if err != nil {
			return t.ErrorDone(ctx, err)
		}
		p, err := c.GetAuthorizationPolicy(ctx)
		if err != nil {
			return t.ErrorDone(ctx, err)
		}
		return tenantDone{Result: flows.TenantResult{TenantID: info.ID, Outcome: flows.TenantOK, Reason: "read"},
			Line: policyLine{PolicyID: p.ID}}
	}
	var out, errb bytes.Buffer
	run := &manyRun{cmd: "scan", title: "policies", cfg: cfg, json: true, scopes: []string{"Policy.Read.All"}, job: job,
		o:     ManyOptions{Tenants: writeTenants(t, m.Granted.Domain(), m.MFA.Domain(), "nope.example")},
		stdio: IO{Out: &out, Err: &errb}}
	if code := run.run(context.Background()); code != ExitError {
		t.Errorf("exit %d, want %d\n%s", code, ExitError, errb.String())
	}
	got := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if tn, ok := v["tenant"].(string); ok {
			got[tn] = v
		}
	}
	if g := got[m.Granted.Domain()]; g["outcome"] != "ok" || g["policyId"] != "authorizationPolicy" || g["tenantId"] != m.Granted.ID() {
		t.Errorf("granted: %v", g)
	}
	if g := got[m.MFA.Domain()]; g["outcome"] != "needs-sign-in" || g["code"] != float64(50076) || g["policyId"] != nil {
		t.Errorf("MFA: %v", g)
	}
	if g := got["nope.example"]; g["outcome"] != "error" || g["error"] == "" {
		t.Errorf("unknown tenant: %v", g)
	}
	if !strings.Contains(errb.String(), "consentwiz scan: 3 tenants: 1 ok") {
		t.Errorf("stderr: %s", errb.String())
	}
}
