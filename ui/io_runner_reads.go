package ui

import (
	"context"
	"errors"
	"strings"
	"sync"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// The runner's reads that are not a whole snapshot: the cheap polls of a
// wait, who is assigned to an app, who users are, and whether a reviewer may
// approve.

// poll reads what a wait watches (graph.Client.PollApp: the app's service
// principal, grants and app role assignments) and, for a wait for users'
// requests, the app's pending requests too (PollRequests): a request and
// consent granted another way both end that wait. The partial snapshot is
// merged into the full one by the machine (entra.TenantSnapshot.Merge).
func (r *Runner) poll(ctx context.Context, t flows.TenantRef, appID string, requests bool) (*entra.TenantSnapshot, error) {
	s, err := r.session(ctx, t)
	if err != nil {
		return nil, err
	}
	if !requests {
		snap, err := s.client.PollApp(ctx, appID)
		return r.stamp(snap, t), err
	}
	var app, reqs *entra.TenantSnapshot
	var aerr, rerr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); app, aerr = s.client.PollApp(ctx, appID) }()
	go func() { defer wg.Done(); reqs, rerr = s.client.PollRequests(ctx, appID) }()
	wg.Wait()
	switch {
	case rerr != nil:
		return nil, rerr
	case aerr != nil:
		// The requests alone still answer the wait.
		return r.stamp(reqs, t), nil
	}
	m := app.Merge(reqs)
	m.Parts = append(append([]string(nil), app.Parts...), reqs.Parts...)
	return r.stamp(m, t), nil
}

// stamp names the tenant and its cloud in a snapshot.
func (r *Runner) stamp(snap *entra.TenantSnapshot, t flows.TenantRef) *entra.TenantSnapshot {
	if snap == nil {
		return nil
	}
	if snap.TenantID == "" {
		snap.TenantID = t.ID
	}
	snap.Cloud = r.cloudFor(t.Cloud).Name
	return snap
}

// assignments lists who is assigned to the app (its appRoleAssignedTo).
func (r *Runner) assignments(ctx context.Context, e flows.ReadAssignments) ([]entra.AppRoleAssignment, error) {
	if e.ResourceID == "" {
		return nil, errors.New("the app is not in the tenant")
	}
	c, err := r.client(ctx, e)
	if err != nil {
		return nil, err
	}
	return c.ListAppRoleAssignedTo(ctx, e.ResourceID)
}

// users reads who the users with e's object ids are, to name them (one
// $batch, graph.Client.GetUsers).
func (r *Runner) users(ctx context.Context, e flows.ReadUsers) ([]entra.User, error) {
	c, err := r.client(ctx, e)
	if err != nil {
		return nil, err
	}
	return c.GetUsers(ctx, e.IDs)
}

// reviewerMembersChecked bounds how many members of a reviewer group are
// looked up (one read each) before giving up on finding one who may approve.
const reviewerMembersChecked = 10

// checkReviewer reads the directory roles of a reviewer (a user), or of the
// first members of a reviewer group, for the machine to judge whether they
// may approve requests (docs/entra.md A3, A7).
func (r *Runner) checkReviewer(ctx context.Context, e flows.CheckReviewer) flows.Event {
	ev := flows.ReviewerChecked{ID: e.Reviewer.ID, Members: -1}
	c, err := r.client(ctx, e)
	if err != nil {
		ev.Err = err
		return ev
	}
	roleIDs := func(userID string) ([]string, error) {
		roles, err := c.UserDirectoryRoles(ctx, userID)
		var out []string
		for _, ro := range roles {
			out = append(out, strings.ToLower(ro.RoleTemplateID))
		}
		return out, err
	}
	switch e.Reviewer.Kind {
	case flows.ReviewerUser:
		ev.Roles, ev.Err = roleIDs(e.Reviewer.ID)
	case flows.ReviewerGroup:
		users, err := c.GroupUsers(ctx, e.Reviewer.ID, 100)
		if err != nil {
			ev.Err = err
			return ev
		}
		ev.Members = len(users)
		for i, u := range users {
			if i == reviewerMembersChecked {
				break
			}
			ids, err := roleIDs(u.ID)
			if err != nil {
				ev.Err = err
				return ev
			}
			ev.Roles = append(ev.Roles, ids...)
		}
		if len(ev.Roles) == 0 && len(users) > reviewerMembersChecked {
			// Not every member was looked at: unknown, not "cannot approve".
			ev.Err = errors.New("the group has too many members to check")
		}
	}
	return ev
}
