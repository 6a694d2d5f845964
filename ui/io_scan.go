package ui

import (
	"context"
	"strings"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// The runner's part of the scan ("Find what users are blocked on",
// `consentwiz scan`) and of finding an app by name.

// scanPageLimit bounds the sign-in read of one scan: 100 pages of 1,000
// failed sign-ins, newest first (docs/performance.md "Scan").
const scanPageLimit = 100

// scan reads the tenant's consent failures since e.Since and its pending
// admin consent requests (graph.Client.ScanConsent, one $batch first) and
// groups them with flows.BuildScan. What Graph refuses (the licence, a
// role, a scope) is in the result's notes; the refused reads are recorded
// for the support report.
func (r *Runner) scan(ctx context.Context, e flows.Scan) flows.Event {
	c, err := r.client(ctx, e)
	if err != nil {
		return flows.Scanned{Err: err}
	}
	cs, err := c.ScanConsent(ctx, e.Since, nil, scanPageLimit)
	if err != nil {
		return flows.Scanned{Err: err}
	}
	for op, ae := range map[string]*entra.APIError{"scan-sign-in-logs": cs.SignInsError, "scan-consent-requests": cs.RequestsError} {
		if ae != nil {
			r.calls.record(op, ae)
		}
	}
	return flows.Scanned{Result: flows.BuildScan(flows.ScanInput{
		Tenant: e.Name, Now: r.now(), Since: e.Since, Codes: cs.Codes,
		SignIns: cs.SignIns, SignInsTruncated: cs.SignInsTruncated, SignInsError: cs.SignInsError,
		Requests: cs.Requests, RequestsError: cs.RequestsError,
	})}
}

// searchApps lists the tenant's service principals whose display name
// starts with e.Prefix (docs/entra.md A5).
func (r *Runner) searchApps(ctx context.Context, e flows.SearchApps) ([]flows.AppCandidate, error) {
	c, err := r.client(ctx, e)
	if err != nil {
		return nil, err
	}
	sps, err := c.SearchServicePrincipals(ctx, e.Prefix)
	if err != nil {
		return nil, err
	}
	return flows.AppCandidatesFromServicePrincipals(sps), nil
}

// sentence is a lower-case clause as a sentence: capitalised, with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
