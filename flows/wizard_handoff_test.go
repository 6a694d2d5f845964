package flows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// wzHelpdeskInput starts the wizard with nothing known: the first screen.
func wzHelpdeskInput() WizardInput {
	in := wzTestInput()
	in.App, in.Tenant = AppRef{}, ""
	in.Profiles = []AppRef{wzTestApp()}
	in.Version = "1.2.3"
	return in
}

func hasOption(p Prompt, key OptionKey) bool {
	for _, o := range p.Options {
		if o.Key == key && !o.Disabled {
			return true
		}
	}
	return false
}

// toHandoff walks the helpdesk path to the hand-off screen.
func wzToHandoff(t *testing.T) *wzRun {
	t.Helper()
	w := wzNewWiz(t, wzHelpdeskInput(), wzGrantTenant())
	w.expect(StepAppChoose)
	if !hasOption(w.s.Prompt, KeyHelpdesk) {
		t.Fatalf("first screen lacks the helpdesk option: %v", optionKeys(w.s.Prompt))
	}
	w.send(Chose{Key: KeyHelpdesk})
	w.expect(StepAppChoose)
	if !strings.HasPrefix(w.s.Prompt.Title, "Hand-off for an admin") || hasOption(w.s.Prompt, KeyHelpdesk) || !hasOption(w.s.Prompt, KeyAdmin) {
		t.Fatalf("helpdesk app screen: %q %v", w.s.Prompt.Title, optionKeys(w.s.Prompt))
	}
	w.send(Chose{Key: "profile:0"})
	w.expect(StepTenantInput)
	w.send(Entered{Text: wzTDomain})
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	w.expect(StepHandoff) // no sign-in effect
	return w
}

func TestWizardHelpdeskHandoff(t *testing.T) {
	w := wzToHandoff(t)
	p := w.s.Prompt
	if p.Kind != PromptChoice || !p.CanBack {
		t.Fatalf("hand-off prompt kind %s, back %v", p.Kind, p.CanBack)
	}
	if p.StepNo != 3 || p.StepCount != 3 || p.StepTitle != "Make the hand-off for an admin" {
		t.Errorf("step %d of %d %q", p.StepNo, p.StepCount, p.StepTitle)
	}
	if want := []string{"copy", "save", string(KeyReaderSignIn), "done"}; strings.Join(optionKeys(p), ",") != strings.Join(want, ",") {
		t.Errorf("options %v, want %v", optionKeys(p), want)
	}
	h := WizardHandoff(w.s)
	if !h.GeneratedAt.Equal(wzTNow) || h.Version != "1.2.3" {
		t.Errorf("hand-off stamped %v %q, want the state's clock and version", h.GeneratedAt, h.Version)
	}
	for _, want := range []string{"adminconsent?client_id=" + wzTAppID, "Calendar Sync", wzTDomain, "Made without signing in"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("hand-off body lacks %q", want)
		}
	}

	// On the screen it is wrapped narrower than the copy (78 columns), so an
	// 80-column terminal does not wrap its lines a second time; a link stays
	// whole on its own line whatever its length, and so does a command.
	wide := false
	_, doc, _ := strings.Cut(p.Body, "\n\n") // after the screen's own intro, which the UI wraps
	for _, l := range strings.Split(doc, "\n") {
		if utf8.RuneCountInString(l) > screenDocWidth && !strings.Contains(l, "://") && !strings.HasPrefix(l, "    consentwiz ") { // links and commands stay whole
			t.Errorf("a line of the hand-off on screen is over %d columns: %q", screenDocWidth, l)
		}
	}
	for _, l := range strings.Split(h.Text(), "\n") {
		wide = wide || utf8.RuneCountInString(l) > screenDocWidth && !strings.Contains(l, "://")
	}
	if !wide {
		t.Error("the copied hand-off is wrapped as narrow as the screen's")
	}

	w.send(Chose{Key: "copy"})
	w.expect(StepHandoff, CopyText{Text: h.Text()})
	w.answerOnly()
	if w.s.Prompt.Note != "Copied to the clipboard." {
		t.Errorf("no copy note: %q", w.s.Prompt.Note)
	}
	w.send(Chose{Key: "save"})
	w.expect(StepHandoff, SaveFile{Name: "consentwiz-handoff-calendar-sync.md", Text: h.Markdown()})
	w.answerOnly()
	if sn := w.s.Prompt.Snippets; len(sn) != 1 || sn[0].Text != "/tmp/consentwiz-handoff-calendar-sync.md" {
		t.Errorf("the saved path is not shown whole: %+v", sn)
	}
	w.send(Chose{Key: "done"})
	o := w.finished()
	if o.Kind != OutcomeHandedOff || o.ExitCode() != 0 || len(o.Changes) != 0 {
		t.Fatalf("outcome %+v", o)
	}
	if o.SavedTo != "/tmp/consentwiz-handoff-calendar-sync.md" || len(w.s.Prompt.Snippets) != 1 {
		t.Errorf("outcome %+v does not say where the hand-off is", o)
	}
	assertLeftForAdmin(t, w.s.Prompt, o, "it was copied, and saved to the file below")
	if w.ft.writes != 0 {
		t.Errorf("%d writes on the helpdesk path", w.ft.writes)
	}
}

func TestWizardHelpdeskBack(t *testing.T) {
	tests := []struct {
		name  string
		walk  func(w *wzRun)
		want  StepID
		check func(t *testing.T, s State)
	}{
		{"hand-off → tenant input", func(w *wzRun) {}, StepTenantInput, func(t *testing.T, s State) {
			if s.Tenant.ID != "" {
				t.Errorf("tenant kept: %+v", s.Tenant)
			}
		}},
		{"tenant input → helpdesk app choice", func(w *wzRun) { w.send(Back{}) }, StepAppChoose, func(t *testing.T, s State) {
			if !s.Helpdesk || !hasOption(s.Prompt, KeyAdmin) {
				t.Errorf("left the helpdesk path: %v", optionKeys(s.Prompt))
			}
		}},
		{"reader sign-in → hand-off", func(w *wzRun) {
			w.send(Chose{Key: KeyReaderSignIn})
			w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
		}, StepHandoff, nil},
		{"reader diagnosis → hand-off", func(w *wzRun) {
			w.send(Chose{Key: KeyReaderSignIn})
			w.answerOnly()
			w.expect(StepDiagnosing, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
		}, StepHandoff, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := wzToHandoff(t)
			tc.walk(w)
			w.send(Back{})
			w.expect(tc.want)
			if tc.check != nil {
				tc.check(t, w.s)
			}
		})
	}
	t.Run("helpdesk app choice → admin journey", func(t *testing.T) {
		w := wzNewWiz(t, wzHelpdeskInput(), wzGrantTenant())
		w.send(Chose{Key: KeyHelpdesk})
		if w.s.Prompt.CanBack {
			t.Fatal("the first screen offers Back")
		}
		w.send(Chose{Key: KeyAdmin})
		w.expect(StepAppChoose)
		if !hasOption(w.s.Prompt, KeyHelpdesk) {
			t.Fatalf("not back on the admin's first screen: %v", optionKeys(w.s.Prompt))
		}
		w.send(Chose{Key: "profile:0"})
		w.send(Entered{Text: wzTDomain})
		w.answerOnly()
		w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	})
}

func TestWizardHelpdeskReaderDiagnosis(t *testing.T) {
	ft := wzGrantTenant()
	ft.diag = wzTestDiagnosis(FixAdminLink)
	ft.diag.Roles = []string{"Global Reader"}
	for i := range ft.diag.Fixes {
		ft.diag.Fixes[i].NeedsRole, ft.diag.Fixes[i].HasRole = NeedsGlobalAdmin, false
	}
	w := wzToHandoff(t)
	w.ft = ft
	w.send(Chose{Key: KeyReaderSignIn})
	if w.s.Prompt.Title != "Sign in to read the settings" || !strings.Contains(w.s.Prompt.Body, "Global Reader") {
		t.Errorf("reader sign-in prompt %q: %s", w.s.Prompt.Title, w.s.Prompt.Body)
	}
	if w.s.Prompt.StepNo != 3 || w.s.Prompt.StepCount != 3 {
		t.Errorf("reader sign-in is step %d of %d", w.s.Prompt.StepNo, w.s.Prompt.StepCount)
	}
	w.answerOnly()
	w.answerOnly()
	w.expect(StepHandoff)
	if w.s.Diagnosis == nil {
		t.Fatal("no diagnosis")
	}
	if hasOption(w.s.Prompt, KeyReaderSignIn) {
		t.Error("sign-in offered again after the diagnosis")
	}
	if strings.Contains(w.s.Prompt.Body, "Made without signing in") {
		t.Error("the hand-off still says it was made without signing in")
	}
	if h := WizardHandoff(w.s); h.Live == nil || h.Live.CheckedBy != "ada@contoso.com" {
		t.Errorf("hand-off has no live diagnosis: %+v", h.Live)
	}
	w.send(Chose{Key: "done"})
	if o := w.finished(); o.Kind != OutcomeHandedOff {
		t.Fatalf("outcome %+v", o)
	}
}

func TestWizardChecklistHandoff(t *testing.T) {
	tests := []struct {
		name     string
		hasRole  bool
		viable   bool
		want     bool
		inDetail string
	}{
		{"admin with the role", true, true, false, ""},
		{"account lacks the role", false, true, true, NeedsGlobalAdmin},
		{"recommended fix not viable", true, false, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := wzGrantTenant()
			ft.diag = wzTestDiagnosis(FixGrantDirect)
			for i := range ft.diag.Fixes {
				if ft.diag.Fixes[i].ID == FixGrantDirect {
					ft.diag.Fixes[i].NeedsRole, ft.diag.Fixes[i].HasRole, ft.diag.Fixes[i].Viable = NeedsGlobalAdmin, tc.hasRole, tc.viable
				}
			}
			w := wzNewWiz(t, wzTestInput(), ft)
			w.toChooseFix()
			got := hasOption(w.s.Prompt, KeyHandoff)
			if got != tc.want {
				t.Fatalf("hand-off offered %v, want %v: %v", got, tc.want, optionKeys(w.s.Prompt))
			}
			if !got {
				w.send(Chose{Key: KeyHandoff})
				w.expect(StepChooseFix)
				return
			}
			for _, o := range w.s.Prompt.Options {
				if o.Key == KeyHandoff && !strings.Contains(o.Detail, tc.inDetail) {
					t.Errorf("detail %q lacks %q", o.Detail, tc.inDetail)
				}
			}
			w.send(Chose{Key: KeyHandoff})
			w.expect(StepHandoff)
			p := w.s.Prompt
			if p.StepNo != 5 || p.StepCount != 5 || p.StepTitle != "Hand the fix to an admin" {
				t.Errorf("step %d of %d %q", p.StepNo, p.StepCount, p.StepTitle)
			}
			if hasOption(p, KeyReaderSignIn) {
				t.Error("reader sign-in offered though the diagnosis is there")
			}
			w.send(Back{})
			w.expect(StepChooseFix)
			if w.s.Diagnosis == nil {
				t.Fatal("Back lost the diagnosis")
			}
		})
	}
}

func TestWizardSignInScreenHandoff(t *testing.T) {
	w := wzNewWiz(t, wzTestInput(), wzGrantTenant())
	w.answerOnly()
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	if !hasOption(w.s.Prompt, KeyHandoff) {
		t.Fatalf("sign-in screen lacks the hand-off option: %v", optionKeys(w.s.Prompt))
	}
	w.send(Chose{Key: KeyHandoff})
	w.expect(StepHandoff)
	// The sign-in answers late: ignored.
	w.send(SignedIn{Account: "ada@contoso.com", Scopes: ReadScopes})
	w.expect(StepHandoff)
	if p := w.s.Prompt; p.StepNo != 3 || p.StepCount != 3 {
		t.Errorf("hand-off without a diagnosis is step %d of %d", p.StepNo, p.StepCount)
	}
	// Back: sign in after all.
	w.send(Back{})
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
}

func TestWizardSignInFailedHandoff(t *testing.T) {
	w := wzNewWiz(t, wzTestInput(), wzGrantTenant())
	w.answerOnly()
	w.send(SignedIn{Err: wzErr500})
	w.expect(StepFailed)
	if !hasOption(w.s.Prompt, KeyHandoff) {
		t.Fatalf("failure lacks the hand-off option: %v", optionKeys(w.s.Prompt))
	}
	w.send(Chose{Key: KeyHandoff})
	w.expect(StepHandoff)
	if w.s.Failure != nil {
		t.Error("failure kept")
	}
	w.send(Chose{Key: "done"})
	if o := w.finished(); o.Kind != OutcomeHandedOff || o.ExitCode() != 0 {
		t.Fatalf("outcome %+v", o)
	}
}
