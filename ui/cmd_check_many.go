package ui

import (
	"context"
	"errors"

	"consentwiz/flows"
)

// runCheckMany diagnoses one app in every tenant of the --tenants input
// ("-" reads standard input; the JSON lines of `consentwiz tenants --json`
// work too) with one sign-in (cmd_many.go): each tenant goes through the
// same machine as `check` (flows.WizardInput.CheckOnly), and its outcome
// follows flows.OutcomeOf. With --json each tenant's line carries its
// diagnosis ({"tenant","outcome","reason",…,"diagnosis"}, or "error" when
// there is none), then {"summary":{…}}.
func runCheckMany(ctx context.Context, cfg Config, o CheckOptions, stdio IO) int {
	fail := func(msg string) int {
		stdio.Err.Write([]byte("consentwiz check: " + msg + "\n"))
		return ExitError
	}
	if o.Tenant != "" {
		return fail("use --tenant or --tenants, not both")
	}
	ref, err := o.Ref()
	if err != nil {
		return fail(err.Error())
	}
	m := &manyRun{cmd: "check", title: appTitle(ref), cfg: cfg, o: o.ManyOptions, json: o.JSON,
		scopes: flows.ReadScopes, job: checkJob(ref, openEntries(cfg, "check", stdio.Err)), stdio: stdio}
	return m.run(ctx)
}

// appTitle names the app in the table's header.
func appTitle(ref flows.AppRef) string {
	return flows.Sanitize(firstNonEmpty(ref.DisplayName, ref.Profile, ref.ClientID), 60)
}

// checkLine is what check adds to a tenant's JSON line.
type checkLine struct {
	Diagnosis *flows.Diagnosis `json:"diagnosis,omitempty"`
}

// checkJob is check's job for one tenant: the check machine, driven
// headless with the tenant's effects (its sign-in shares the home sign-in).
// open are the journal's entries (openEntries): a tenant's own go into its
// diagnosis.
func checkJob(ref flows.AppRef, open []flows.JournalEntry) tenantJob {
	return func(ctx context.Context, t *tenantTask) tenantDone {
		fx := t.Effects()
		o := driveCheck(ctx, fx, flows.WizardInput{App: ref, Tenant: t.Entry.Input, CheckOnly: true}, t.Notify)
		res := flows.TenantResult{Tenant: t.Entry.Input}
		d := o.Diagnosis
		if d != nil {
			d.NoteOpenChanges(entriesOf(open, d.Tenant.ID))
			res.TenantID, res.Name = d.Tenant.ID, d.Tenant.Domain
			res.Outcome, res.Reason = flows.OutcomeOf(*d, fx.snapErrs)
			wait, throttled := flows.ThrottledFor(d, fx.snapErrs, nil)
			done := tenantDone{Result: res, Line: checkLine{Diagnosis: d}, Throttled: throttled, Wait: wait}
			done.Blocked, done.Fix = blockedColumn(*d, res.Outcome), string(d.Recommended)
			return done
		}
		err := fx.err
		if err == nil {
			err = errors.New(firstNonEmpty(o.Err, o.Summary, "the check did not finish"))
		}
		return t.ErrorDone(ctx, err)
	}
}

// blockedColumn says in a few words what users meet in a blocked tenant.
func blockedColumn(d flows.Diagnosis, o flows.TenantOutcome) string {
	if o != flows.TenantBlocked {
		return ""
	}
	switch d.UserScreen {
	case flows.ScreenNeedAdminApproval:
		return "need admin approval"
	case flows.ScreenApprovalRequired:
		return "must request approval"
	case flows.ScreenNotAssigned:
		return "users not assigned"
	}
	return "app disabled"
}
