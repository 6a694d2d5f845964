package flows

import (
	"errors"
	"strings"
	"testing"
)

// unknownDiagnosis is what a user with no role gets: nothing decisive read.
func unknownDiagnosis() Diagnosis {
	d := wzTestDiagnosis(FixAdminLink)
	d.Verdict, d.Blocked, d.UserScreen, d.Recommended = VerdictUnknown, false, ScreenUnknown, ""
	d.Undecided = []string{"authorizationPolicy", "appGrants"}
	d.VerdictWhy = "Could not read the authorization policy and the app's permission grants; a Global Reader (or …) can read them."
	d.RecommendedWhy = "Could not tell whether users are blocked. " + d.VerdictWhy
	return d
}

// The wizard says "could not tell" in the checklist's headline, never that
// users are blocked, and offers the hand-off (review ux H2).
func TestWizardUnknownVerdict(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	ft.diag = unknownDiagnosis()
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	head, _, _ := strings.Cut(w.s.Prompt.Body, "\n")
	if !strings.Contains(head, "could not tell what users see") || !strings.Contains(head, "a Global Reader") || strings.Contains(head, "Need admin approval") {
		t.Errorf("headline %q", head)
	}
	if _, ok := handoffOption(w.s); !ok {
		t.Error("no hand-off offered")
	}
	var keys []OptionKey
	for _, o := range w.s.Prompt.Options {
		keys = append(keys, o.Key)
	}
	if !containsKey(keys, KeyHandoff) {
		t.Errorf("options %v lack the hand-off", keys)
	}

	// check: outcome unknown, exit 5.
	in := wzTestInput()
	in.CheckOnly = true
	c := wzNewWiz(t, in, ft)
	c.answerOnly()
	c.answerOnly()
	c.answerOnly()
	o := c.finished()
	if o.Kind != OutcomeUnknown || o.ExitCode() != 5 || o.Diagnosis == nil || !strings.Contains(o.Summary, "Could not tell") {
		t.Errorf("check outcome %+v", o)
	}
}

func containsKey(keys []OptionKey, k OptionKey) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// coderErr carries AADSTS codes as graph.AuthError does.
type coderErr struct{ codes []int }

func (e coderErr) Error() string {
	return "sign-in failed: AADSTS65001: The user or administrator has not consented"
}
func (e coderErr) HasCode(n int) bool {
	for _, c := range e.codes {
		if c == n {
			return true
		}
	}
	return false
}

// consentwiz's own sign-in stopped for lack of consent: one screen says what
// happened, who can consent (Privileged Role Administrator or above), and
// offers the hand-off; check ends with a line naming `consentwiz handoff`.
func TestWizardSignInClientNotConsented(t *testing.T) {
	for _, err := range []error{coderErr{codes: []int{65001}},
		errors.New("browser sign-in failed: AADSTS90094: TrackerRMS needs permission that only an admin can grant")} {
		w := wzNewWiz(t, wzTestInput(), wzNewTenant(FixAdminLink))
		w.answerOnly() // tenant
		w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
		w.send(SignedIn{Err: err})
		w.expect(StepFailed)
		p := w.s.Prompt
		if !strings.Contains(p.Title, "needs an administrator's consent") || !strings.Contains(p.Body, "Privileged Role Administrator") ||
			!strings.Contains(p.Body, "consentwiz handoff --app "+wzTAppID+" --tenant contoso.com") {
			t.Errorf("%v: prompt %q\n%s", err, p.Title, p.Body)
		}
		if p.Options[0].Key != KeyRetry || p.Options[1].Key != KeyHandoff {
			t.Errorf("%v: options %+v", err, p.Options)
		}
		w.send(Chose{Key: KeyHandoff})
		w.expect(StepHandoff)
		// The read-only sign-in the hand-off offers uses the same client: it
		// is shown as not possible, with the reason, and does nothing; the
		// hand-off does not promise a Global Reader can check.
		var reader *Option
		for i, o := range w.s.Prompt.Options {
			if o.Key == KeyReaderSignIn {
				reader = &w.s.Prompt.Options[i]
			}
		}
		if reader == nil || !reader.Disabled || !strings.Contains(reader.Reason, "consentwiz's own sign-in was refused in contoso.com") || !strings.Contains(reader.Reason, "a Global Reader cannot") {
			t.Errorf("%v: the reader sign-in is offered: %+v", err, reader)
		}
		if body := w.s.Prompt.Body; strings.Contains(body, "Global Reader is enough") || !strings.Contains(strings.Join(strings.Fields(body), " "), "a Privileged Role Administrator (or above) runs `consentwiz check`") {
			t.Errorf("%v: the hand-off promises a sign-in that is refused:\n%s", err, body)
		}
		w.send(Chose{Key: KeyReaderSignIn})
		w.expect(StepHandoff)

		in := wzTestInput()
		in.CheckOnly = true
		c := wzNewWiz(t, in, wzNewTenant(FixAdminLink))
		c.answerOnly()
		c.send(SignedIn{Err: err})
		o := c.finished()
		if o.Kind != OutcomeSignInFailed || o.ExitCode() != 4 || !o.ClientNotConsented || !strings.Contains(o.Err, "`consentwiz handoff --app "+wzTAppID) {
			t.Errorf("%v: check outcome %+v", err, o)
		}
	}
	// Any other sign-in failure stays what it was.
	w := wzNewWiz(t, wzTestInput(), wzNewTenant(FixAdminLink))
	w.answerOnly()
	w.send(SignedIn{Err: coderErr{codes: []int{50076}}})
	if w.s.Failure == nil || w.s.Failure.clientConsent || w.s.Failure.Title != "Sign-in did not succeed" {
		t.Errorf("failure %+v", w.s.Failure)
	}
}

// With the account's roles unknown, the checklist claims no missing role,
// the hand-off is still offered (with what it is for), and the preview notes
// the role the change needs without predicting a refusal.
func TestWizardRolesUnknownNoClaim(t *testing.T) {
	ft := wzGrantTenant()
	for i := range ft.diag.Fixes {
		f := &ft.diag.Fixes[i]
		f.NeedsRole, f.HasRole, f.RoleUnknown = NeedsCloudAppAdmin, false, true
	}
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	for _, o := range w.s.Prompt.Options {
		if o.Warn != "" {
			t.Errorf("option %s warns %q", o.Key, o.Warn)
		}
		if o.Key == KeyHandoff && !strings.Contains(o.Detail, "your roles could not be read") {
			t.Errorf("hand-off option %+v", o)
		}
	}
	if !hasOption(w.s.Prompt, KeyHandoff) {
		t.Errorf("no hand-off offered: %+v", w.s.Prompt.Options)
	}
	w.send(Chose{Key: FixKey(FixGrantDirect)})
	w.answerOnly() // write sign-in
	w.answerOnly() // the app, read again
	w.expect(StepPreview)
	if b := w.s.Prompt.Body; strings.Contains(b, "probably refuse") || !strings.Contains(b, "Your roles could not be read") {
		t.Errorf("preview:\n%s", b)
	}
}
