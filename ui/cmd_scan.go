package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"consentwiz/flows"
)

// MaxScanDays (scan --days) is the longest a scan reads back: sign-in logs keep 30 days
// with Microsoft Entra ID P1 or P2, 7 without (docs/entra.md H).
const MaxScanDays = 30

// RunScan runs `consentwiz scan`: it signs in read-only with the scan's
// scopes (entra.ScanScopes, asked for this command only: incremental
// consent), reads the consent failures of the sign-in logs and the pending
// admin consent requests, and prints them per app, most users first
// (flows.BuildScan). Exit codes: 3 an app blocks users, 0 none, 5 nothing
// could be read, 1 error, 4 sign-in failed, 2 cancelled.
func RunScan(ctx context.Context, cfg Config, o ScanOptions, stdio IO) int {
	fail := func(err error) int {
		fmt.Fprintf(stdio.Err, "consentwiz scan: %s\n", flows.Sanitize(err.Error(), 1000))
		return ExitError
	}
	days := o.Days
	if days == 0 {
		days = flows.DefaultScanDays
	}
	if days < 1 || days > MaxScanDays {
		return fail(fmt.Errorf("--days must be from 1 to %d: sign-in logs keep 30 days (7 without Microsoft Entra ID P1 or P2)", MaxScanDays))
	}
	since := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	if o.Tenants != "" {
		if o.Tenant != "" {
			return fail(errors.New("use --tenant or --tenants, not both"))
		}
		open := openEntries(cfg, "scan", stdio.Err)
		m := &manyRun{cmd: "scan", title: "consent failures, last " + countWord(days, "day", "days"), cfg: cfg, o: o.ManyOptions,
			json: o.JSON, scopes: flows.ScanScopes, job: scanJob(since, open), stdio: stdio}
		return m.run(ctx)
	}
	if strings.TrimSpace(o.Tenant) == "" {
		return fail(errors.New("name the tenant with --tenant DOMAIN (or its id), or many with --tenants FILE"))
	}
	if _, _, err := flows.ParseTenant(o.Tenant); err != nil {
		return fail(err)
	}
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{})
	if err != nil {
		return fail(err)
	}
	res, code, err := ScanTenant(ctx, r, o.Tenant, since, func(line string) { fmt.Fprintln(stdio.Err, line) })
	if err != nil {
		if code != ExitCancelled {
			fmt.Fprintf(stdio.Err, "consentwiz scan: %s\n", flows.Sanitize(err.Error(), 1000))
		}
		return code
	}
	res.NoteOpenChanges(entriesOf(openEntries(cfg, "scan", stdio.Err), res.TenantID))
	if o.JSON {
		b, err := res.JSON()
		if err != nil {
			return fail(err)
		}
		stdio.Out.Write(b)
	} else {
		fmt.Fprint(stdio.Out, res.Text())
		if len(res.Apps) > 0 {
			a := res.Apps[0]
			fmt.Fprintf(stdio.Out, "\nWhy one is blocked, and how to fix it: consentwiz check --app %s --tenant %s (or run consentwiz and pick it from the list)\n",
				a.ClientID, flows.Sanitize(o.Tenant, 120))
		}
	}
	return res.ExitCode()
}

// ScanTenant scans one tenant: it resolves the tenant (and its cloud),
// signs in with the scan's scopes (the device code's message goes to
// notify; an admin may meet a consent prompt for them), and reads the
// consent failures since since and the pending requests. On failure it
// returns the exit code (ExitError, ExitSignIn or ExitCancelled) and the
// error. It takes one tenant, so a many-tenant runner can call it for each.
func ScanTenant(ctx context.Context, fx Effects, tenant string, since time.Time, notify func(string)) (flows.ScanResult, int, error) {
	stopped := func(code int, err error) (flows.ScanResult, int, error) {
		if errors.Is(ctx.Err(), context.Canceled) {
			return flows.ScanResult{}, ExitCancelled, ctx.Err()
		}
		return flows.ScanResult{}, code, err
	}
	tr, _ := fx.Run(ctx, flows.ResolveTenant{Input: strings.TrimSpace(tenant)}).(flows.TenantResolved)
	if tr.Err != nil || tr.Info.ID == "" {
		why := "no such tenant"
		if tr.Err != nil {
			why = tr.Err.Error()
		}
		return stopped(ExitError, fmt.Errorf("could not look up the tenant %q: %s", flows.Sanitize(tenant, 120), why))
	}
	ref := flows.TenantRef{ID: tr.Info.ID, Cloud: tr.Info.Cloud.Name}
	si, _ := headlessSignIn(ctx, fx, flows.SignIn{Tenant: ref, Scopes: append([]string(nil), flows.ScanScopes...)}, notify).(flows.SignedIn)
	if si.Err != nil {
		return stopped(ExitSignIn, fmt.Errorf("sign-in did not succeed: %s (reading sign-in logs needs %s, and consent to %s)",
			si.Err.Error(), flows.SignInLogReaderRoleNames(), strings.Join(flows.ScanScopes, ", ")))
	}
	name := firstNonEmpty(tr.Info.Domain, strings.TrimSpace(tenant))
	sc, ok := fx.Run(ctx, flows.Scan{Tenant: ref, Name: name, Since: since}).(flows.Scanned)
	switch {
	case !ok:
		return stopped(ExitError, errors.New("the scan did not answer"))
	case sc.Err != nil:
		return stopped(ExitError, fmt.Errorf("the scan could not read the tenant: %w", sc.Err))
	}
	sc.Result.TenantID = ref.ID
	return sc.Result, sc.Result.ExitCode(), nil
}

// countWord is "1 day", "7 days".
func countWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// scanLine is what scan adds to a tenant's JSON line under --tenants.
type scanLine struct {
	Scan *flows.ScanResult `json:"scan,omitempty"`
}

// scanJob is scan's job for one tenant of a --tenants run (cmd_many.go): the
// same ScanTenant as a single scan, with the tenant's effects (its sign-in
// shares the home sign-in). An app that blocks users makes the tenant
// blocked; nothing readable makes it unknown.
func scanJob(since time.Time, open []flows.JournalEntry) tenantJob {
	return func(ctx context.Context, t *tenantTask) tenantDone {
		fx := t.Effects()
		res, code, err := ScanTenant(ctx, fx, t.Entry.Input, since, t.Notify)
		if err != nil {
			if fx.err != nil {
				err = fx.err // typed: a sign-in refused there, throttling, …
			}
			return t.ErrorDone(ctx, err)
		}
		res.NoteOpenChanges(entriesOf(open, res.TenantID))
		out := flows.TenantResult{Tenant: t.Entry.Input, TenantID: fx.resolved.ID, Name: flows.Sanitize(fx.resolved.Domain, 256)}
		done := tenantDone{Line: scanLine{Scan: &res}}
		switch code {
		case ExitBlocked:
			users := 0
			for _, a := range res.Apps {
				users += a.Users
			}
			out.Outcome = flows.TenantBlocked
			out.Reason = countWord(len(res.Apps), "app blocks", "apps block") + " users; most: " + res.Apps[0].DisplayName
			done.Blocked = countWord(len(res.Apps), "app", "apps") + ", " + countWord(users, "user", "users")
			done.Fix = "consentwiz check --app " + res.Apps[0].ClientID
		case ExitUnknown:
			out.Outcome, out.Reason = flows.TenantUnknown, "neither the sign-in logs nor the consent requests could be read"
		default:
			out.Outcome, out.Reason = flows.TenantOK, "no consent failures or pending requests"
		}
		done.Result = out
		return done
	}
}
