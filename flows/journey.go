package flows

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
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
	case e.Key == KeyScan && !s.Helpdesk:
		s.App, s.FindName, s.FindBlocked = AppRef{}, "", true
		s.InputErr = ""
		return proceed(s)
	case e.Key == KeyAppName && !s.Helpdesk:
		s.InputErr, s.nameNote, s.FindName = "", "", ""
		s.Step = StepAppSearch
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
		r, err := Read(e.Text)
		var ref AppRef
		if err == nil {
			ref, err = r.AppRef()
		}
		if err != nil {
			if m, ok := canFindByName(s, err); ok {
				return askByName(s, m), nil
			}
			s.InputErr = err.Error()
			return s, nil
		}
		s.InputErr = ""
		s.App = ref
		s.placeholderTenant = r.PlaceholderTenant
		if s.FindBlocked && s.Scan != nil {
			s.appFound, s.findBack = true, StepScanPick
		}
		if s.TenantText == "" && ref.TenantHint != "" {
			s.TenantText = ref.TenantHint
		}
		return proceed(s)
	case Back:
		s.InputErr = ""
		s.Step = StepAppChoose
		if s.FindBlocked && s.Scan != nil {
			s.Step = StepScanPick
		}
	}
	return s, nil
}

// --- identify the tenant ----------------------------------------------------

func tenantInput(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		text := strings.TrimSpace(e.Text)
		if text == "" {
			text = tenantDefault(s)
			if text == "" && s.tenantFailed != "" {
				s.InputErr = fmt.Sprintf("Type the domain or tenant id: %q could not be looked up.", s.tenantFailed)
				return s, nil
			}
		}
		if _, _, err := ParseTenant(text); err != nil {
			s.InputErr = err.Error()
			return s, nil
		}
		s.TenantText = text
		return resolveTenant(s, text)
	case Back:
		if s.findingApp() {
			return leaveFind(s), nil
		}
		s.InputErr = ""
		s.Step = StepAppChoose
	}
	return s, nil
}

// tenantDefault is the tenant the prompt offers (Enter keeps it): the one
// typed or given before, or the one the app's link named — never one whose
// lookup has just failed, which Enter would otherwise silently try again.
func tenantDefault(s State) string {
	for _, t := range []string{s.TenantText, s.App.TenantHint} {
		if t != "" && !strings.EqualFold(strings.TrimSpace(t), s.tenantFailed) {
			return t
		}
	}
	return ""
}

func resolveTenant(s State, text string) (State, []Effect) {
	s.InputErr = ""
	s.tenantFailed = ""
	s.Step = StepTenantResolving
	return s, []Effect{ResolveTenant{Input: text, Cloud: s.App.CloudHint}}
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
			s.tenantFailed = strings.TrimSpace(s.TenantText)
			s.Step = StepTenantInput
			return s, nil
		}
		s.Tenant = e.Info
		s.Tenant.Cloud = withHosts(e.Info.Cloud)
		s.clientRefused = 0
		s.tenantNote = e.Note
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
	return s, []Effect{signInEffect(s)}
}

func signingIn(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SignedIn:
		if code, ok := clientNotConsented(e.Err); ok {
			s.clientRefused = code
			return fail(s, clientConsentFailure(s, e.Err, code))
		}
		if e.Err != nil {
			return fail(s, Failure{
				Title:     "Sign-in did not succeed",
				Reason:    e.Err.Error(),
				Remedy:    signInRemedy(s),
				Retryable: true,
				Outcome:   OutcomeSignInFailed,
				retry:     retrySignIn(s),
				retryStep: StepSigningIn,
			})
		}
		s.clientRefused = 0
		s.SignedIn = e.Account
		s.SignedInTenant = e.AccountTenant
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		if s.restoring() {
			return restoreRead(s)
		}
		if s.App.ClientID == "" {
			return findApp(s)
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

// clientConsentCodes are the AADSTS codes of a sign-in stopped because
// consentwiz's own sign-in client has no consent for its read scopes in the
// tenant (docs/entra.md F): the token endpoint's 65001, and the sign-in
// page's "Need admin approval" (90093, 90094) or request form (90095).
var clientConsentCodes = []int{65001, 90093, 90094, 90095}

// aadstsCoder is what a sign-in error that carries the authority's AADSTS
// codes offers (graph.AuthError).
type aadstsCoder interface{ HasCode(n int) bool }

var aadstsRE = regexp.MustCompile(`AADSTS(\d{5,7})\b`)

// clientNotConsented reports whether a failed sign-in was stopped for lack
// of consent to consentwiz's own sign-in client, and the code.
func clientNotConsented(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	var c aadstsCoder
	if errors.As(err, &c) {
		for _, code := range clientConsentCodes {
			if c.HasCode(code) {
				return code, true
			}
		}
		return 0, false
	}
	// A browser sign-in's error comes back as text.
	for _, m := range aadstsRE.FindAllStringSubmatch(err.Error(), -1) {
		if n, _ := strconv.Atoi(m[1]); slices.Contains(clientConsentCodes, n) {
			return n, true
		}
	}
	return 0, false
}

// clientConsentFailure explains, in one screen, that consentwiz's own
// sign-in needs an administrator's consent in the tenant, who can give it,
// and that the hand-off needs no sign-in (docs/entra.md A7, F).
func clientConsentFailure(s State, err error, code int) Failure {
	handoff := "consentwiz handoff " + (&handoffBuilder{h: Handoff{Profile: s.App.Profile, Tenant: s.Tenant.segment()}, clientID: s.App.ClientID}).cmdApp() +
		" --tenant " + firstNonEmpty(s.Tenant.Domain, s.Tenant.ID, "YOUR-DOMAIN")
	reason := fmt.Sprintf("Microsoft stopped consentwiz's own sign-in (AADSTS%d): consentwiz signs in as Microsoft Graph Command Line Tools and asks to read the consent settings (%s). Most of them need an administrator's consent, and nobody has given it in %s yet, so only an administrator who may consent for the organization gets past this sign-in. (%s)",
		code, strings.Join(ReadScopes, ", "), firstNonEmpty(tenantName(s), "this tenant"), firstLine(err.Error()))
	remedy := "An administrator with Privileged Role Administrator or above can sign in and tick \"Consent on behalf of your organization\" on the consent page; then try again. Or make a hand-off for an admin: it needs no sign-in (" + handoff + ")."
	f := Failure{Title: "consentwiz itself needs an administrator's consent in this tenant", Reason: reason, Remedy: remedy,
		Role: NeedsPRA, Retryable: true, Outcome: OutcomeSignInFailed, retry: lastSignIn(s), retryStep: StepSigningIn, clientConsent: true}
	if s.CheckOnly {
		f.Reason += " Run `" + handoff + "` for a hand-off that needs no sign-in, or sign in as a Privileged Role Administrator (or above) and consent for the organization."
	}
	return f
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
		s = withRead(s, e)
		d := *s.Diagnosis
		unknown := d.Verdict == VerdictUnknown
		if s.CheckOnly {
			o := Outcome{Kind: OutcomeNothingToFix, Summary: "Nothing blocks users from connecting " + appName(s) + ": " + d.UsersSee() + "."}
			switch {
			case unknown:
				o = Outcome{Kind: OutcomeUnknown, Summary: "Could not tell whether users are blocked from connecting " + appName(s) + ". " + d.VerdictWhy}
			case d.Blocked:
				o = Outcome{Kind: OutcomeBlocked, Summary: "Users are blocked from connecting " + appName(s) + ": " + d.UsersSee() + "."}
			}
			dd := d
			o.Diagnosis = &dd
			return finish(s, o)
		}
		if !d.Blocked && !unknown && s.Helpdesk {
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
		if s.appFound {
			return backToFind(s), nil
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
	s.clientRefused = 0
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
	return Outcome{Kind: OutcomeNothingToFix, Summary: "Nothing blocks users from connecting " + appName(s) + ": " + s.Diagnosis.UsersSee() + "."}
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
		if s.appFound {
			return backToFind(s), nil
		}
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
		if e.Account != "" {
			// The account that writes (and that the journal names) is the
			// one that signed in for the change.
			s.SignedIn, s.SignedInTenant = e.Account, e.AccountTenant
		}
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		return fx.begin(s)
	case Back:
		return backToChecklist(s)
	}
	return s, nil
}

// retrySignIn is the sign-in a failed one tries again: a restore's, or the journey's.
func retrySignIn(s State) Effect {
	if s.restoring() {
		return lastSignIn(s)
	}
	return signInEffect(s)
}

// signInRemedy says who can sign in for what the journey reads.
func signInRemedy(s State) string {
	if s.App.ClientID == "" && s.FindBlocked && !s.restoring() {
		return "Sign in with an account of this tenant. Reading the sign-in logs needs Global Reader, Reports Reader, a Security role or Global Administrator, and consent to " +
			strings.Join(ScanScopes, ", ") + " (an administrator consents at the sign-in prompt). Without them, quit and name the app instead (its client id, the error text, or --app-name)."
	}
	return "Sign in with an account of this tenant. Reading the consent settings needs Global Reader or an administrator role."
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
