package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// The runner's writes. A PATCH, PUT or DELETE sets an absolute value, so the
// Graph client sends it again when its answer is lost. A POST that creates an
// object is not sent again blindly: when its answer is lost (the connection
// dropped after the service got it, or no answer came in time), the runner
// looks for the object — with backoff, since a new object can be invisible
// for a moment (replication lag, docs/entra.md 0) — and answers with its id
// when it is there; only when it is not there after those reads is the POST
// sent once more. A create that refers to an object made just before (the
// grant to the new service principal) is retried with the same backoff while
// Graph does not see that object yet.

// lagWaits are the waits before each look for an object Graph may not show
// yet: about 7.5 s in all.
var lagWaits = []time.Duration{0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// errNotApplied says a create whose answer was lost was looked for and is not there.
var errNotApplied = errors.New("not applied")

// errEarlierLost marks the failure of a create sent again after its first
// answer was lost: the first may have made the object.
var errEarlierLost = errors.New("the first answer was lost, so it may have been made")

func (r *Runner) write(ctx context.Context, eff flows.WriteEffect) (string, error) {
	if r.cfg.DryRun {
		// The machine never emits writes in a dry run; this is a second lock.
		return "", errors.New("dry run: no change was made")
	}
	c, err := r.client(ctx, eff)
	if err != nil {
		return "", err
	}
	switch e := eff.(type) {
	case flows.PatchUserConsent:
		return "", c.UpdateUserConsentPolicies(ctx, e.Policies)
	case flows.PutConsentRequestPolicy:
		return "", c.PutConsentRequestPolicy(ctx, e.Policy)
	case flows.UpdateGrantScope:
		return "", c.UpdateGrantScope(ctx, e.GrantID, e.Scope)
	case flows.DeleteObject:
		return "", c.DeleteObject(ctx, graph.ObjectRef{Kind: string(e.Object.Kind), ID: e.Object.ID, ParentID: e.Object.ParentID})
	case flows.CreateServicePrincipal, flows.CreateGrant, flows.CreateAppRoleAssignment, flows.CreateClassification, flows.AssignPrincipal:
		return r.create(ctx, c, eff)
	}
	return "", fmt.Errorf("unknown write %T", eff)
}

// create sends a POST that creates an object; see the top of the file.
func (r *Runner) create(ctx context.Context, c *graph.Client, eff flows.WriteEffect) (string, error) {
	var lost error
	for attempt := 1; attempt <= 2; attempt++ {
		id, err := r.post(ctx, c, eff)
		switch {
		case err == nil:
			return id, nil
		case maybeApplied(err):
			lost = err
		case lost != nil && entra.IsAlreadyExists(err):
			// The first POST did apply after all (it became visible late):
			// the object is there, and it is this run's.
		case lost != nil:
			// The first answer was lost: whatever this one says, the first
			// POST may have made the object.
			return "", fmt.Errorf("%w (%w: %v)", err, errEarlierLost, lost)
		default:
			return "", err
		}
		id, ferr := r.find(ctx, c, eff)
		if ferr != nil {
			return "", fmt.Errorf("%w; reading back whether it applied failed too: %v", lost, ferr)
		}
		if id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("%w: the answer was lost twice, and consentwiz found nothing created (%v)", errNotApplied, lost)
}

// post sends one create, retrying while Graph does not see the object it
// refers to yet.
func (r *Runner) post(ctx context.Context, c *graph.Client, eff flows.WriteEffect) (string, error) {
	var err error
	for i, wait := range r.lagWaits {
		if err = sleepCtx(ctx, wait); err != nil {
			return "", err
		}
		var id string
		switch e := eff.(type) {
		case flows.CreateServicePrincipal:
			var sp *entra.ServicePrincipal
			if sp, err = c.CreateServicePrincipal(ctx, e.AppID); err == nil {
				id = sp.ID
			}
		case flows.CreateGrant:
			var g *entra.OAuth2PermissionGrant
			if g, err = c.CreateGrant(ctx, e.Grant); err == nil {
				id = g.ID
			}
			if err != nil && i < len(r.lagWaits)-1 && refersToMissing(err, e.Grant.ClientID) {
				continue
			}
		case flows.CreateAppRoleAssignment:
			var a *entra.AppRoleAssignment
			if a, err = c.CreateAppRoleAssignment(ctx, e.Assignment.ResourceID, e.Assignment); err == nil {
				id = a.ID
			}
			if err != nil && i < len(r.lagWaits)-1 && refersToMissing(err, e.Assignment.PrincipalID) {
				continue
			}
		case flows.AssignPrincipal:
			// The resource is the app's service principal, which the fix may
			// have just created.
			var a *entra.AppRoleAssignment
			if a, err = c.CreateAppRoleAssignment(ctx, e.Assignment.ResourceID, e.Assignment); err == nil {
				id = a.ID
			}
			if err != nil && i < len(r.lagWaits)-1 && refersToMissing(err, e.Assignment.ResourceID) {
				continue
			}
		case flows.CreateClassification:
			var cl *entra.DelegatedPermissionClassification
			if cl, err = c.CreateClassification(ctx, e.ResourceID, e.Classification); err == nil {
				id = cl.ID
			}
		}
		return id, err
	}
	return "", err
}

// find looks for the object eff creates, with the lag waits: its id, or ""
// when it is not there after all of them.
func (r *Runner) find(ctx context.Context, c *graph.Client, eff flows.WriteEffect) (string, error) {
	var lastErr error
	read := 0
	for _, wait := range r.lagWaits {
		if err := sleepCtx(ctx, wait); err != nil {
			return "", err
		}
		id, err := findCreated(ctx, c, eff)
		if err != nil {
			lastErr = err
			continue
		}
		read++
		if id != "" {
			return id, nil
		}
	}
	if read == 0 {
		return "", lastErr
	}
	return "", nil
}

// findCreated reads the object eff creates by what it is (not its id, which
// the lost answer held): its id, or "" when it is not there.
func findCreated(ctx context.Context, c *graph.Client, eff flows.WriteEffect) (string, error) {
	switch e := eff.(type) {
	case flows.CreateServicePrincipal:
		sp, err := c.GetServicePrincipalByAppID(ctx, e.AppID)
		if err != nil || sp == nil {
			return "", err
		}
		return sp.ID, nil
	case flows.CreateGrant:
		gs, err := c.ListGrants(ctx, e.Grant.ClientID)
		for _, g := range gs {
			if strings.EqualFold(g.ConsentType, e.Grant.ConsentType) && strings.EqualFold(g.ResourceID, e.Grant.ResourceID) &&
				(e.Grant.ConsentType != "Principal" || strings.EqualFold(g.PrincipalID, e.Grant.PrincipalID)) {
				return g.ID, nil
			}
		}
		return "", err
	case flows.CreateAppRoleAssignment:
		as, err := c.ListAppRoleAssignments(ctx, e.Assignment.PrincipalID)
		for _, a := range as {
			if strings.EqualFold(a.AppRoleID, e.Assignment.AppRoleID) && strings.EqualFold(a.ResourceID, e.Assignment.ResourceID) {
				return a.ID, nil
			}
		}
		return "", err
	case flows.AssignPrincipal:
		as, err := c.ListAppRoleAssignedTo(ctx, e.Assignment.ResourceID)
		for _, a := range as {
			if strings.EqualFold(a.PrincipalID, e.Assignment.PrincipalID) && strings.EqualFold(a.AppRoleID, e.Assignment.AppRoleID) {
				return a.ID, nil
			}
		}
		return "", err
	case flows.CreateClassification:
		cs, err := c.ListClassifications(ctx, e.ResourceID)
		for _, cl := range cs {
			if strings.EqualFold(cl.PermissionID, e.Classification.PermissionID) {
				return cl.ID, nil
			}
		}
		return "", err
	}
	return "", fmt.Errorf("unknown create %T", eff)
}

// maybeApplied reports an answer that was lost: the POST may have applied.
// A 502 or 504 comes from a gateway that lost the service's answer; a 500
// says the service failed while it processed the request, which may have
// made the object before it failed (a directory write is not documented to
// be all or nothing), so it is looked for rather than taken as a refusal.
// A 503 or 429 is a refusal before processing (docs/entra.md, section H).
func maybeApplied(err error) bool {
	var ae *entra.APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusBadGateway || ae.Status == http.StatusGatewayTimeout || ae.Status == http.StatusInternalServerError
	}
	var te *graph.TimeoutError
	return errors.Is(err, graph.ErrMaybeApplied) || errors.As(err, &te)
}

// answerLost reports whether a write's error says its answer was lost (no
// answer: a dropped connection, no answer in time, a gateway's 502 or 504, a 500,
// the caller's context ending while it was on its way), so a create may have
// made its object all the same. Any other error is the service's answer or
// was met before the request went out: a create answered so made nothing, and
// flows never looks for its object by what it is, nor removes it
// (docs/safety.md, "Only what consentwiz made").
func answerLost(err error) bool {
	return err != nil && (maybeApplied(err) || errors.Is(err, errNotApplied) || errors.Is(err, errEarlierLost) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// refersToMissing reports a create refused because Graph does not see the
// object id it refers to (yet): 404, or 400 naming that id.
func refersToMissing(err error, id string) bool {
	var ae *entra.APIError
	if id == "" || !errors.As(err, &ae) {
		return false
	}
	return ae.Status == http.StatusNotFound || ae.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(ae.Message), strings.ToLower(id))
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
