package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"consentwiz/flows"
)

// runCheck signs in with read scopes and prints the diagnosis.
func runCheck(ctx context.Context, cfg Config, o CheckOptions, stdio IO) int {
	in, err := o.input() // --app-name: found in the tenant after sign-in
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz check: %v\n", err)
		return ExitError
	}
	ref := in.ref
	tenant := o.tenantFor(ref)
	if tenant == "" {
		fmt.Fprintf(stdio.Err, "consentwiz check: %v\n", in.needTenant())
		return ExitError
	}
	if _, _, note := cloudForHint(cfg, ref.CloudHint); note != "" {
		fmt.Fprintln(stdio.Err, "note: "+note)
	}
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{Home: o.HomeTenant})
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz check: %v\n", err)
		return ExitError
	}
	d, code := diagnoseHeadless(ctx, r, ref, in.name, tenant, stdio.Err)
	if d == nil {
		return code
	}
	d.NoteOpenChanges(entriesOf(openEntries(cfg, "check", stdio.Err), d.Tenant.ID))
	if o.JSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return ExitError
		}
	} else {
		fmt.Fprint(stdio.Out, d.Text())
	}
	return verdictExit(*d)
}

// openEntries are the journal's entries, for check and scan to say which
// change by consentwiz is still open in the tenant they read (a killed
// wizard's relaxed user consent is not the tenant's own setting). A journal
// that cannot be read is one warning line: the check goes on without it.
func openEntries(cfg Config, cmd string, w io.Writer) []flows.JournalEntry {
	entries, err := NewJournal(cfg.ConfigDir).Pending("")
	if err != nil {
		fmt.Fprintf(w, "consentwiz %s: warning: whether a change by consentwiz is still open is unknown: %s\n", cmd, flows.Sanitize(firstLine(err.Error()), 600))
	}
	return entries
}

// entriesOf are the entries of the tenant with the id tenantID.
func entriesOf(all []flows.JournalEntry, tenantID string) []flows.JournalEntry {
	var out []flows.JournalEntry
	for _, e := range all {
		if tenantID != "" && strings.EqualFold(e.TenantID, tenantID) {
			out = append(out, e)
		}
	}
	return out
}

// verdictExit is check's exit code for a diagnosis: 0 ok, 3 users are
// blocked, 5 could not tell (unknown is not blocked).
func verdictExit(d flows.Diagnosis) int {
	switch {
	case d.Verdict == flows.VerdictUnknown:
		return ExitUnknown
	case d.Blocked:
		return ExitBlocked
	}
	return ExitOK
}

// diagnoseHeadless resolves the tenant, signs in (device code on w, or the
// browser) and diagnoses the app ref, or the app named name (--app-name),
// found in the tenant after sign-in, else among the app profiles. On failure it returns nil and the exit
// code.
func diagnoseHeadless(ctx context.Context, r *Runner, ref flows.AppRef, name, tenant string, w io.Writer) (*flows.Diagnosis, int) {
	in, err := checkInput(ref, name, tenant)
	if err != nil {
		fmt.Fprintf(w, "consentwiz: %v\n", err)
		return nil, ExitError
	}
	d, code, err := diagnoseInput(ctx, r, in, func(line string) { fmt.Fprintln(w, line) })
	if err != nil {
		if code != ExitCancelled {
			// The error may carry text from the tenant or the authority
			// (a Graph error message, an error_description): sanitize it.
			fmt.Fprintf(w, "consentwiz: %s\n", flows.Sanitize(err.Error(), 1000))
		}
		return nil, code
	}
	return d, code
}

// diagnoseTenant drives the wizard's machine in check mode
// (flows.WizardInput.CheckOnly) with r: resolve the tenant, sign in with the
// read scopes (the device code's message goes to notify; or the browser),
// read and diagnose. On failure it returns the exit code (ExitError,
// ExitSignIn or ExitCancelled) and the error.
func diagnoseTenant(ctx context.Context, r Effects, ref flows.AppRef, tenant string, notify func(string)) (*flows.Diagnosis, int, error) {
	return diagnoseInput(ctx, r, flows.WizardInput{App: ref, Tenant: tenant, CheckOnly: true}, notify)
}

// diagnoseInput is diagnoseTenant for a check the machine starts from in.
func diagnoseInput(ctx context.Context, r Effects, in flows.WizardInput, notify func(string)) (*flows.Diagnosis, int, error) {
	o := driveCheck(ctx, r, in, notify)
	if o.Diagnosis != nil {
		return o.Diagnosis, ExitOK, nil
	}
	// Cancelled (ctrl+c) wins over the step's own code, whichever step the
	// cancellation interrupted.
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil, ExitCancelled, ctx.Err()
	}
	code := ExitError
	if o.Kind == flows.OutcomeSignInFailed {
		code = ExitSignIn
	}
	msg := firstNonEmpty(o.Err, o.Summary)
	if o.ClientNotConsented {
		return nil, code, &clientConsentError{msg: msg}
	}
	return nil, code, errors.New(msg)
}

// clientConsentError is a sign-in stopped because consentwiz's own sign-in
// client has no consent in the tenant (docs/entra.md F): the hand-off,
// which needs no sign-in, is the way on.
type clientConsentError struct{ msg string }

func (e *clientConsentError) Error() string { return e.msg }

// firstLineError shows the first line of a sign-in error and keeps the
// error itself (its AADSTS codes) for errors.As.
type firstLineError struct{ err error }

func (e firstLineError) Error() string { return firstLine(e.err.Error()) }
func (e firstLineError) Unwrap() error { return e.err }

// driveCheck runs the machine headless until it finishes: every effect goes
// to fx, sign-ins wait for the user (device code on notify).
func driveCheck(ctx context.Context, fx Effects, in flows.WizardInput, notify func(string)) flows.Outcome {
	s, queue := flows.Start(in)
	for len(queue) > 0 {
		var ev flows.Event
		switch e := queue[0].(type) {
		case flows.Finish:
			return e.Outcome
		case flows.SignIn:
			ev = headlessSignIn(ctx, fx, e, notify)
		default:
			ev = fx.Run(ctx, e)
		}
		queue = queue[1:]
		if ev != nil {
			var effs []flows.Effect
			s, effs = flows.Next(s, ev)
			queue = append(queue, effs...)
		}
	}
	return flows.Stopped(s, "the check did not finish")
}

// headlessSignIn signs in without a screen: the device code's message goes
// to notify; a failed sign-in is reported by its first line.
func headlessSignIn(ctx context.Context, fx Effects, e flows.SignIn, notify func(string)) flows.Event {
	p, err := fx.StartSignIn(ctx, e)
	if err != nil {
		return flows.SignedIn{Err: err}
	}
	if p == nil || p.Wait == nil {
		return flows.SignedIn{Err: errors.New("the sign-in did not start")}
	}
	if c := p.Code; c != nil {
		if c.Message != "" {
			notify(flows.Sanitize(c.Message, 500))
		} else {
			notify(fmt.Sprintf("To sign in, open %s and enter the code %s", flows.Sanitize(c.VerificationURL, 300), flows.Sanitize(c.UserCode, 40)))
		}
	}
	si, ok := p.Wait(ctx).(flows.SignedIn)
	switch {
	case !ok:
		return flows.SignedIn{Err: errors.New("sign-in did not finish")}
	case si.Err != nil:
		si.Err = firstLineError{si.Err}
	}
	return si
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func readAllLimited(r io.Reader, n int64) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r, n))
}
