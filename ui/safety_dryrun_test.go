package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// TestSafetyDryRun: with --dry-run every fix runs up to the write against the
// simulated tenant and ends with the exact requests it would send (method,
// path, JSON body); the machine emits no write and the tenant is unchanged.
func TestSafetyDryRun(t *testing.T) {
	cases := []struct {
		fix   flows.FixID
		check func(t *testing.T, rig *simRig, reqs []flows.RequestPreview)
	}{
		{flows.FixRelaxUserConsent, func(t *testing.T, rig *simRig, reqs []flows.RequestPreview) {
			// The relaxing PATCH and the restoring one (ux review, minor list).
			if len(reqs) != 2 || reqs[0].Method != "PATCH" || reqs[0].Path != "/v1.0/policies/authorizationPolicy" ||
				reqs[1].Path != reqs[0].Path || strings.Contains(reqs[1].Body, "microsoft-user-default-recommended") {
				t.Fatalf("requests %+v", reqs)
			}
			var body struct {
				D struct {
					P []string `json:"permissionGrantPoliciesAssigned"`
				} `json:"defaultUserRolePermissions"`
			}
			if err := json.Unmarshal([]byte(reqs[0].Body), &body); err != nil {
				t.Fatalf("body %q: %v", reqs[0].Body, err)
			}
			want := append(rig.policy(), entra.SelfConsentPrefix+entra.PolicyManagedRecommended)
			if !reflect.DeepEqual(body.D.P, want) {
				t.Fatalf("PATCH body sets %v, want %v", body.D.P, want)
			}
		}},
		{flows.FixRequestWorkflow, func(t *testing.T, rig *simRig, reqs []flows.RequestPreview) {
			if len(reqs) != 1 || reqs[0].Method != "PUT" || reqs[0].Path != "/v1.0/policies/adminConsentRequestPolicy" {
				t.Fatalf("requests %+v", reqs)
			}
			var p entra.AdminConsentRequestPolicy
			if err := json.Unmarshal([]byte(reqs[0].Body), &p); err != nil || !p.IsEnabled || len(p.Reviewers) != 1 {
				t.Fatalf("PUT body %q (%v)", reqs[0].Body, err)
			}
		}},
		{flows.FixGrantDirect, func(t *testing.T, rig *simRig, reqs []flows.RequestPreview) {
			if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[0].Path != "/v1.0/servicePrincipals" ||
				reqs[1].Method != "POST" || reqs[1].Path != "/v1.0/oauth2PermissionGrants" {
				t.Fatalf("requests %+v", reqs)
			}
			if !strings.Contains(reqs[0].Body, demoTimesheets.AppID) || !strings.Contains(reqs[1].Body, `"consentType":"AllPrincipals"`) ||
				!strings.Contains(reqs[1].Body, "Contacts.Read") {
				t.Fatalf("bodies %q %q", reqs[0].Body, reqs[1].Body)
			}
		}},
	}
	for _, c := range cases {
		t.Run(string(c.fix), func(t *testing.T) {
			rig := newSimRig(t, sim.Options{})
			rig.cfg.DryRun = true
			rig.newRunner()
			ten := rig.srv.Tenant()
			beforePol, beforeACRP, beforeSPs := rig.policy(), ten.AdminConsentRequestPolicy(), ten.ServicePrincipalCount()
			h := rig.start(rig.input(timesheetsApp(), true))
			h.toPreview(c.fix)
			h.send(flows.Confirmed{})
			if h.out == nil || h.out.Kind != flows.OutcomeDryRun || h.out.ExitCode() != ExitOK {
				t.Fatalf("outcome %+v at %s", h.out, h.s.Step)
			}
			if w := h.writes(); len(w) != 0 {
				t.Fatalf("a dry run emitted writes: %+v", w)
			}
			for _, e := range h.ran {
				switch e.(type) {
				case flows.WriteJournal:
					t.Fatal("a dry run wrote the journal")
				case flows.SignIn:
					if sc := e.(flows.SignIn).Scopes; containsFoldUI(sc, flows.ScopeUserConsentWrite) {
						t.Errorf("a dry run asked for a write scope: %v", sc)
					}
				}
			}
			c.check(t, rig, h.out.Requests)
			if !equalStrings(rig.policy(), beforePol) || !reflect.DeepEqual(ten.AdminConsentRequestPolicy(), beforeACRP) || ten.ServicePrincipalCount() != beforeSPs {
				t.Fatal("a dry run changed the tenant")
			}
			if p := h.pending(); len(p) != 0 {
				t.Fatalf("journal: %+v", p)
			}
		})
	}
}

// TestSafetyDryRunPlainTranscript: the line mode prints each request a dry run
// would send, method and path with its JSON body.
func TestSafetyDryRunPlainTranscript(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	rig.cfg.DryRun = true
	rig.newRunner()
	in := rig.input(timesheetsApp(), true)
	before := rig.policy()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o, err := RunPlain(ctx, Deps{Effects: rig.runner, Input: in, NoBrowser: true}, strings.NewReader("relax-user-consent\nyes\n"), &out)
	if err != nil || o.Kind != flows.OutcomeDryRun {
		t.Fatalf("outcome %+v, %v\n%s", o, err, out.String())
	}
	text := out.String()
	for _, want := range []string{"PATCH /v1.0/policies/authorizationPolicy", `{"defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":[`,
		entra.SelfConsentPrefix + entra.PolicyManagedRecommended} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, text)
		}
	}
	if !equalStrings(rig.policy(), before) {
		t.Fatalf("a dry run changed the tenant: %v", rig.policy())
	}
}
