package flows

import "testing"

// A partner's delegated admin (GDAP) fixes a customer's tenant: the journal
// names the account that wrote and the tenant it lives in, and a restore
// signs in as that account, from that tenant.
func TestWizardJournalRemembersTheAccountThatWrote(t *testing.T) {
	const partner, upn = "99999999-8888-7777-6666-555555555555", "admin@partner.example"
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzNewWiz(t, wzTestInput(), ft)
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	w.send(SignedIn{Account: "reader@partner.example", AccountTenant: partner, Scopes: ReadScopes})
	w.answerOnly() // the diagnosis
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{"Policy.ReadWrite.Authorization"}})
	// Another account of the partner signs in for the change: it is the one that writes.
	w.send(SignedIn{Account: upn, AccountTenant: partner, Scopes: []string{"Policy.ReadWrite.Authorization"}})
	w.answerOnly() // reads the setting
	w.expect(StepPreview)
	w.confirm()
	wj, ok := w.last[0].(WriteJournal)
	if !ok {
		t.Fatalf("at %s: %#v, want the journal entry", w.s.Step, w.last)
	}
	if j := wj.Entry; j.By != upn || j.ByTenant != partner || j.TenantID != wzTTenantID || j.Cloud != "global" {
		t.Fatalf("entry names %q from %q for %s in %q", j.By, j.ByTenant, j.TenantID, j.Cloud)
	}

	// A later run restores it: the sign-in asks for that account, from its tenant.
	in := wzTestInput()
	in.Journal = []JournalEntry{wj.Entry}
	in.RestoreOnly = true
	ft2 := wzNewTenant(FixRelaxUserConsent)
	ft2.journal[wj.Entry.ID] = wj.Entry
	r := wzNewWiz(t, in, ft2)
	r.expect(StepRestoreOffer)
	r.send(Chose{Key: "restore"})
	r.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeUserConsentWrite), LoginHint: upn, Home: partner})

	// An account of the tenant itself: no home to go through.
	if got := foreignTenant(wzTTenantID, wzTTenantID); got != "" {
		t.Errorf("foreignTenant(own) = %q", got)
	}
	own := wzRelaxJournal()
	own.ByTenant = ""
	in.Journal = []JournalEntry{own}
	r = wzNewWiz(t, in, ft2)
	r.send(Chose{Key: "restore"})
	r.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: append(clone(ReadScopes), ScopeUserConsentWrite), LoginHint: own.By})
}
