package flows

import (
	"consentwiz/graph/entra"
	"testing"
)

// TestWriteScopesCoverTheFixesGraphCalls ties each fix's incremental-consent
// scopes to the least-privileged scopes the Graph client asks for on every
// call the fix can make (its writes, their undo, and reads only it needs), so
// the hand-kept list cannot drift from graph's endpoint table.
func TestWriteScopesCoverTheFixesGraphCalls(t *testing.T) {
	calls := map[FixID][]entra.Op{
		// GetUser: who connected while user consent was relaxed, named.
		FixRelaxUserConsent: {entra.OpGetAuthorizationPolicy, entra.OpUpdateUserConsentPolicies, entra.OpGetUser},
		FixRequestWorkflow:  {entra.OpGetConsentRequestPolicy, entra.OpPutConsentRequestPolicy, entra.OpSearchUsers, entra.OpSearchGroups},
		FixGrantDirect: {entra.OpCreateServicePrincipal, entra.OpCreateGrant, entra.OpUpdateGrantScope, entra.OpCreateAppRoleAssignment,
			entra.OpDeleteServicePrincipal, entra.OpDeleteGrant, entra.OpDeleteAppRoleAssignment},
		FixClassifyLow: {entra.OpCreateClassification, entra.OpDeleteClassification, entra.OpUpdateUserConsentPolicies},
	}
	for fix, ops := range calls {
		have := map[string]bool{}
		for _, s := range append(append([]string(nil), ReadScopes...), WriteScopes(fix)...) {
			have[s] = true
		}
		for _, op := range ops {
			need := entra.ScopesFor(op)
			if len(need) == 0 {
				t.Fatalf("%s: graph has no scopes for %s", fix, op)
			}
			// The client asks for all of an op's scopes at once.
			for _, s := range need {
				if !have[s] {
					t.Errorf("%s: %s needs %s, which neither the sign-in nor WriteScopes(%s) asks for", fix, op, s, fix)
				}
			}
		}
	}
	if got := WriteScopes(FixAdminLink); len(got) != 0 {
		t.Errorf("admin-link writes nothing itself, yet asks for %v", got)
	}
}
