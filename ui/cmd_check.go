package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// runCheck signs in with read scopes and prints the diagnosis.
func runCheck(ctx context.Context, cfg Config, o CheckOptions, stdio IO) int {
	ref, err := o.Ref()
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz check: %v\n", err)
		return ExitError
	}
	tenant := o.tenantFor(ref)
	if tenant == "" {
		fmt.Fprintln(stdio.Err, "consentwiz check: name the tenant with --tenant DOMAIN (or its id)")
		return ExitError
	}
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{})
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz check: %v\n", err)
		return ExitError
	}
	d, code := diagnoseHeadless(ctx, r, ref, tenant, stdio.Err)
	if d == nil {
		return code
	}
	if o.JSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return ExitError
		}
	} else {
		fmt.Fprint(stdio.Out, d.Text())
	}
	if d.Blocked {
		return ExitBlocked
	}
	return ExitOK
}

// diagnoseHeadless resolves the tenant, signs in (device code on w, or the
// browser) and diagnoses. On failure it returns nil and the exit code.
func diagnoseHeadless(ctx context.Context, r *Runner, ref flows.AppRef, tenant string, w io.Writer) (*flows.Diagnosis, int) {
	d, code, err := diagnoseTenant(ctx, r, ref, tenant, func(line string) { fmt.Fprintln(w, line) })
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

// diagnoseTenant resolves the tenant, signs in (the device code's message goes
// to notify; or the browser) and diagnoses. On failure it returns the exit
// code (ExitError, ExitSignIn or ExitCancelled) and the error.
func diagnoseTenant(ctx context.Context, r *Runner, ref flows.AppRef, tenant string, notify func(string)) (*flows.Diagnosis, int, error) {
	// failed is the exit code of a failure: cancelled (ctrl+c) wins over the
	// step's own code, whichever step the cancellation interrupted.
	failed := func(code int, err error) (*flows.Diagnosis, int, error) {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ExitCancelled, ctx.Err()
		}
		return nil, code, err
	}
	if _, err := r.ResolveTenant(ctx, tenant); err != nil {
		return failed(ExitError, err)
	}
	p, err := r.StartSignIn(ctx, flows.SignIn{Scopes: entra.ReadScopes})
	if err != nil {
		return failed(ExitSignIn, err)
	}
	if p.Code != nil {
		if p.Code.Message != "" {
			notify(flows.Sanitize(p.Code.Message, 500))
		} else {
			notify(fmt.Sprintf("To sign in, open %s and enter the code %s", flows.Sanitize(p.Code.VerificationURL, 300), flows.Sanitize(p.Code.UserCode, 40)))
		}
	}
	ev := p.Wait(ctx)
	if si, ok := ev.(flows.SignedIn); !ok || si.Err != nil {
		msg := "sign-in did not finish"
		if ok {
			msg = si.Err.Error()
		}
		return failed(ExitSignIn, errors.New(firstLine(msg)))
	}
	snap, err := r.snapshot(ctx, ref.ClientID)
	if err != nil {
		return failed(ExitError, fmt.Errorf("reading the tenant: %w", err))
	}
	d := flows.Diagnose(snap, ref)
	t := r.Tenant()
	d.Tenant = flows.TenantInfo{ID: t.ID, Domain: firstNonEmpty(d.Tenant.Domain, t.Domain), Cloud: t.Cloud}
	return &d, ExitOK, nil
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
