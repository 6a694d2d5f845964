package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"consentwiz/flows"
	"consentwiz/ui"
)

// scanCmd is `consentwiz scan`: what users are blocked on, from the
// symptom (the sign-in logs and the pending admin consent requests).
func (a *app) scanCmd() *cobra.Command {
	var o ui.ScanOptions
	c := &cobra.Command{
		Use:   "scan",
		Short: "what users are blocked on: recent consent failures and pending requests, per app (exit 3: an app blocks users)",
		Long: prose(`Name the tenant with --tenant DOMAIN (or its id). No app is needed: the scan finds them.

Signs in read-only (the device code goes to standard error) with the permissions the scan needs:
AuditLog.Read.All and Directory.Read.All for the sign-in logs, ConsentRequest.Read.All for the
requests. They are asked for this command only; an administrator may meet a consent prompt for
them. Reading sign-in logs needs Global Reader, Reports Reader, Security Reader, Security
Operator, Security Administrator or Global Administrator, and Microsoft Entra ID P1 or P2:
without the licence the scan says so and still lists the pending admin consent requests.

Prints the apps that stopped users in the last --days days (sign-ins that failed with a consent
error) and the apps users asked an admin for, merged per app, most users first. With --json, one
object: tenant, since, apps[] {clientId, displayName, users, failures, firstSeen, lastSeen,
codes[], pendingRequests, sources[], resources[], scopes[], requesters[]}, signInLogs and
consentRequests (read | unavailable), notes[].

With --tenants FILE (one domain or tenant id a line, or the output of 'consentwiz tenants';
- reads standard input) it scans many tenants with one sign-in, as 'check --tenants' does: a
line a tenant (with --json its scan under "scan"), then a summary. A partner reads a customer's
sign-in logs only where the sign-in client is consented for these permissions there; elsewhere
the tenant "needs its own sign-in" (AADSTS90099).

Exit codes: 3 an app blocks users, 0 none does, 5 nothing could be read, 1 error, 4 sign-in
failed, 2 cancelled.`),
		Example: `consentwiz scan --tenant contoso.com
consentwiz scan --tenant contoso.com --days 30 --json
consentwiz tenants | consentwiz scan --tenants - --json`,
		GroupID: "headless",
		Args:    cobra.NoArgs,
		RunE: a.run(func(ctx context.Context, cfg ui.Config, _ []string) int {
			return ui.RunScan(ctx, cfg, o, a.stdio)
		}),
	}
	c.Flags().StringVar(&o.Tenant, "tenant", "", "the tenant's domain or id")
	addManyFlags(c, &o.ManyOptions)
	c.Flags().Var(newIntRange(&o.Days, flows.DefaultScanDays, 1, ui.MaxScanDays), "days",
		fmt.Sprintf("how many days back to read the sign-in logs (1 to %d)", ui.MaxScanDays))
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	_ = c.RegisterFlagCompletionFunc("tenant", cobra.NoFileCompletions)
	_ = c.RegisterFlagCompletionFunc("days", fixed("1", "7", "30"))
	return c
}
