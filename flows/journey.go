package flows

import (
	"fmt"
	"strconv"
	"strings"
)

// The journey: identify the app, find the tenant, sign in, diagnose, and
// choose a fix. The chosen fix takes over from startFix.

// --- identify the app -------------------------------------------------------

func appChoose(s State, ev Event) (State, []Effect) {
	e, ok := ev.(Chose)
	if !ok {
		return s, nil
	}
	switch {
	case strings.HasPrefix(string(e.Key), keyProfilePrefix):
		i, err := strconv.Atoi(strings.TrimPrefix(string(e.Key), keyProfilePrefix))
		if err != nil || i < 0 || i >= len(s.Profiles) {
			return s, nil
		}
		s.App = s.Profiles[i]
		s.InputErr = ""
		return proceed(s)
	case e.Key == KeyAppID || e.Key == KeyAppPaste:
		s.appPaste = e.Key == KeyAppPaste
		s.InputErr = ""
		s.Step = StepAppInput
	case e.Key == KeyKeep && s.App.ClientID != "":
		s.InputErr = ""
		return proceed(s)
	case e.Key == KeyHelpdesk && !s.Helpdesk:
		s.Helpdesk = true
		s.InputErr = ""
	case e.Key == KeyAdmin && s.Helpdesk:
		s.Helpdesk = false
		s.InputErr = ""
	}
	return s, nil
}

func appInput(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		ref, err := ParseApp(e.Text)
		if err != nil {
			s.InputErr = err.Error()
			return s, nil
		}
		s.InputErr = ""
		s.App = ref
		if s.TenantText == "" && ref.TenantHint != "" {
			s.TenantText = ref.TenantHint
		}
		return proceed(s)
	case Back:
		s.InputErr = ""
		s.Step = StepAppChoose
	}
	return s, nil
}

// --- identify the tenant ----------------------------------------------------

func tenantInput(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		text := strings.TrimSpace(e.Text)
		if text == "" {
			text = firstNonEmpty(s.TenantText, s.App.TenantHint)
		}
		if _, _, err := ParseTenant(text); err != nil {
			s.InputErr = err.Error()
			return s, nil
		}
		s.TenantText = text
		return resolveTenant(s, text)
	case Back:
		s.InputErr = ""
		s.Step = StepAppChoose
	}
	return s, nil
}

func resolveTenant(s State, text string) (State, []Effect) {
	s.InputErr = ""
	s.Step = StepTenantResolving
	return s, []Effect{ResolveTenant{Input: text}}
}

// tenantResolving adopts the tenant the driver found, with its cloud: from
// here on every link and every effect is for that tenant in that cloud.
func tenantResolving(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case TenantResolved:
		if e.Err != nil || e.Info.ID == "" {
			msg := "no such tenant"
			if e.Err != nil {
				msg = e.Err.Error()
			}
			if s.CheckOnly {
				return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Could not look up the tenant", Err: msg})
			}
			s.InputErr = fmt.Sprintf("Could not look up the tenant %q: %s", s.TenantText, msg)
			s.Step = StepTenantInput
			return s, nil
		}
		s.Tenant = e.Info
		s.Tenant.Cloud = withHosts(e.Info.Cloud)
		if s.Helpdesk {
			return showHandoff(s)
		}
		return signIn(s)
	case Back:
		s.Step = StepTenantInput
	}
	return s, nil
}

// --- sign in and diagnose ---------------------------------------------------

func signIn(s State) (State, []Effect) {
	s.Step = StepSigningIn
	return s, []Effect{SignIn{Tenant: s.target(), Scopes: clone(ReadScopes)}}
}

func signingIn(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SignedIn:
		if e.Err != nil {
			return fail(s, Failure{
				Title:     "Sign-in did not succeed",
				Reason:    e.Err.Error(),
				Remedy:    "Sign in with an account of this tenant. Reading the consent settings needs Global Reader or an administrator role.",
				Retryable: true,
				Outcome:   OutcomeSignInFailed,
				retry:     lastSignIn(s),
				retryStep: StepSigningIn,
			})
		}
		s.SignedIn = e.Account
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		if s.restoring() {
			return restoreRead(s)
		}
		return diagnose(s)
	case Chose:
		if e.Key == KeyHandoff && !s.restoring() && !s.Helpdesk && canHandoff(s) {
			return showHandoff(s)
		}
	case Back:
		if s.restoring() {
			if s.Restore.then != afterRestoreContinue {
				return s, nil // a restore a fix began: cancel stops it
			}
			s.Restore.Entry = nil
			s.Step = StepRestoreOffer
			return s, nil
		}
		if s.Helpdesk {
			return showHandoff(s)
		}
		s = backToTenant(s)
	}
	return s, nil
}

func mergeScopes(have, add []string) []string {
	out := clone(have)
	for _, a := range add {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func diagnose(s State) (State, []Effect) {
	s.Step = StepDiagnosing
	return s, []Effect{diagnoseEffect(s)}
}

func diagnoseEffect(s State) Effect {
	return FetchSnapshot{Tenant: s.target(), AppID: s.App.ClientID, App: s.App, Diagnose: true}
}

func diagnosing(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SnapshotLoaded:
		if e.Err != nil || e.Snap == nil || e.Diagnosis == nil {
			if s.CheckOnly {
				return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Could not read the tenant", Err: "reading the tenant: " + errText(e.Err)})
			}
			f := readFailure("Could not read the tenant's consent settings", e.Err)
			if e.Err == nil {
				f.Reason = "The tenant was read but no diagnosis came back."
			}
			f.retry, f.retryStep = diagnoseEffect(s), StepDiagnosing
			return fail(s, f)
		}
		d := *e.Diagnosis
		d.Tenant = s.Tenant.over(d.Tenant)
		s.Snap = e.Snap
		s.Diagnosis = &d
		if s.CheckOnly {
			o := Outcome{Kind: OutcomeNothingToFix, Summary: "Nothing blocks users from connecting " + appName(s) + ": " + usersSee(d.UserScreen) + "."}
			if d.Blocked {
				o = Outcome{Kind: OutcomeBlocked, Summary: "Users are blocked from connecting " + appName(s) + ": " + usersSee(d.UserScreen) + "."}
			}
			dd := d
			o.Diagnosis = &dd
			return finish(s, o)
		}
		if !d.Blocked && s.Helpdesk {
			return finish(s, nothingToFix(s))
		}
		if s.Helpdesk {
			return showHandoff(s)
		}
		s.Step = StepChooseFix
	case Back:
		if s.Helpdesk {
			return showHandoff(s)
		}
		s = backToTenant(s)
	}
	return s, nil
}

// backToTenant asks for the tenant again: what was read of the old one
// goes, so a hand-off or a fix never uses another tenant's diagnosis.
func backToTenant(s State) State {
	s.Step = StepTenantInput
	s.Tenant = TenantInfo{}
	s.Diagnosis, s.Snap = nil, nil
	return s
}

// over is the diagnosis's tenant d as the session knows it: the resolved id
// and cloud, and the diagnosis's domain (else the resolved one).
func (t TenantInfo) over(d TenantInfo) TenantInfo {
	if t.ID != "" {
		d.ID = t.ID
	}
	d.Domain = firstNonEmpty(d.Domain, t.Domain)
	if t.Cloud.Name != "" {
		d.Cloud = t.Cloud
	}
	return d
}

// --- choose a fix -------------------------------------------------------------

// fixOrder lists the diagnosis's fixes, recommended first.
func fixOrder(d *Diagnosis) []FixOption {
	if d == nil {
		return nil
	}
	var out []FixOption
	if f, ok := d.Fix(d.Recommended); ok {
		out = append(out, f)
	}
	for _, id := range AllFixes {
		if id == d.Recommended {
			continue
		}
		if f, ok := d.Fix(id); ok {
			out = append(out, f)
		}
	}
	return out
}

// nothingToFix is the outcome when nothing blocks users.
func nothingToFix(s State) Outcome {
	return Outcome{Kind: OutcomeNothingToFix, Summary: "Nothing blocks users from connecting " + appName(s) + ": " + usersSee(s.Diagnosis.UserScreen) + "."}
}

func chooseFix(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyDone:
			if s.Diagnosis.Blocked {
				return s, nil
			}
			return finish(s, nothingToFix(s))
		case KeyRecheck:
			return diagnose(toChecklist(s))
		case KeyHandoff:
			if _, ok := handoffOption(s); ok {
				return showHandoff(toChecklist(s))
			}
			return s, nil
		}
		f, ok := s.Diagnosis.Fix(FixID(e.Key))
		if !ok || lookup(f.ID) == nil || !s.Diagnosis.Blocked && !lookup(f.ID).grantsEveryone {
			return s, nil
		}
		if !f.Viable {
			s.InputErr = f.Title + " cannot work here: " + f.Reason
			return s, nil
		}
		return startFix(toChecklist(s), f.ID)
	case Back:
		s = toChecklist(s)
		s = backToTenant(s)
	}
	return s, nil
}

// startFix begins a fix run.
func startFix(s State, id FixID) (State, []Effect) {
	s.Run = &FixRun{Fix: id}
	if f := s.fix(); f.start != nil {
		return f.start(s)
	}
	return askWritePermission(s)
}

// askWritePermission asks for the fix's write scopes (incremental consent),
// then begins it; a dry run writes nothing and begins at once.
func askWritePermission(s State) (State, []Effect) {
	f := s.fix()
	if s.DryRun {
		return f.begin(s)
	}
	s.Step = StepWriteSignIn
	return s, []Effect{writeSignInEffect(s)}
}

func writeSignInEffect(s State) Effect {
	return SignIn{Tenant: s.target(), Scopes: clone(s.fix().scopes)}
}

func writeSignIn(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SignedIn:
		fx := s.fix()
		if e.Err != nil {
			f := Failure{
				Title:     "Could not get permission to make this change",
				Reason:    e.Err.Error(),
				Scope:     strings.Join(fx.scopes, ", "),
				Role:      fx.role,
				Retryable: true,
				retry:     writeSignInEffect(s),
				retryStep: StepWriteSignIn,
			}
			f.AltFix = altFix(s)
			f.Remedy = remedyFor(f)
			return fail(s, f)
		}
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		return fx.begin(s)
	case Back:
		return toChecklist(s), nil
	}
	return s, nil
}

// --- names --------------------------------------------------------------------

func appName(s State) string {
	switch {
	case s.App.DisplayName != "":
		return s.App.DisplayName
	case s.Diagnosis != nil && s.Diagnosis.App.DisplayName != "":
		return s.Diagnosis.App.DisplayName
	case s.Snap != nil && s.Snap.App != nil && s.Snap.App.DisplayName != "":
		return s.Snap.App.DisplayName
	case s.App.ClientID != "":
		return "the app " + s.App.ClientID
	}
	return "the app"
}

func tenantName(s State) string {
	switch {
	case s.Tenant.Domain != "" && s.Tenant.ID != "":
		return s.Tenant.Domain + " (" + s.Tenant.ID + ")"
	case s.Tenant.Domain != "":
		return s.Tenant.Domain
	}
	return s.Tenant.ID
}

// segment is the tenant as it goes in a link: its id, else its domain.
func (t TenantInfo) segment() string { return firstNonEmpty(t.ID, t.Domain) }

// requestedScopes are the delegated scopes the app needs.
func requestedScopes(s State) []string {
	if s.Diagnosis != nil && len(s.Diagnosis.Scopes.Requested) > 0 {
		return clone(s.Diagnosis.Scopes.Requested)
	}
	return clone(s.App.Scopes)
}
