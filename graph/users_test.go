package graph_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// GetUsers names the users whose own grants the relax fix found: one $batch
// round trip for up to 20 ids, whatever is not found left out.
func TestGetUsersOneRoundTrip(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "user-consent"})
	ten := s.Tenant()
	c, rec := perfClient(t, s, ten)
	megan, _ := ten.User(ten.EndUserUPN())
	admin, _ := ten.User(ten.AdminUPN())
	gone := "0b5e3c1a-9d7f-4e2b-8a6c-3f1d2e4b5a69" // no user has this id: 404

	s.ResetStats()
	users, err := c.GetUsers(context.Background(), []string{megan.ID, gone, admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.RoundTrips != 1 || st.Batches != 1 || st.GraphRequests != 3 || rec.roundTrips() != 1 {
		t.Errorf("stats %+v, client round trips %d; want one $batch of 3", st, rec.roundTrips())
	}
	want := []entra.User{
		{ID: megan.ID, DisplayName: "Megan Bowen", UserPrincipalName: ten.EndUserUPN()},
		{ID: admin.ID, DisplayName: admin.DisplayName, UserPrincipalName: ten.AdminUPN()},
	}
	if !slices.Equal(users, want) {
		t.Errorf("users = %+v, want %+v", users, want)
	}
	var paths []string
	for _, r := range rec.requests() {
		if !r.InBatch {
			continue
		}
		paths = append(paths, r.Method+" "+r.Path)
		if sel := r.Query.Get("$select"); sel != "id,displayName,userPrincipalName" {
			t.Errorf("%s: $select=%q", r.Path, sel)
		}
	}
	if want := []string{"GET /users/" + megan.ID, "GET /users/" + gone, "GET /users/" + admin.ID}; !slices.Equal(paths, want) {
		t.Errorf("batch items %q, want %q", paths, want)
	}

	// More than 20 ids: the first 20 are read, still in one round trip.
	ids := []string{megan.ID}
	for len(ids) < 25 {
		ids = append(ids, gone)
	}
	s.ResetStats()
	users, err = c.GetUsers(context.Background(), ids)
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %+v, %v", users, err)
	}
	if st := s.Stats(); st.RoundTrips != 1 || st.GraphRequests != graph.MaxBatchSize {
		t.Errorf("25 ids: stats %+v, want one round trip of %d", st, graph.MaxBatchSize)
	}

	// Nobody to name: no round trip at all.
	s.ResetStats()
	if users, err := c.GetUsers(context.Background(), nil); err != nil || users != nil || s.Stats().RoundTrips != 0 {
		t.Errorf("no ids: %+v, %v, %d round trips", users, err, s.Stats().RoundTrips)
	}
}

// A token that may not read users (User.Read only reads the signed-in user,
// docs/entra.md A6): every item is refused, and that is an error; a refused
// item next to a user read is not.
func TestGetUsersRefused(t *testing.T) {
	s := startSim(t, sim.Options{Scenario: "user-consent"})
	ten := s.Tenant()
	tok, err := s.IssueToken(ten, ten.AdminUPN(), entra.DefaultClientID, []string{entra.ScopeUserRead})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s.GraphURL())
	if err != nil {
		t.Fatal(err)
	}
	rec := &traffic{next: s.HTTPClient().Transport, root: u.Path + "/v1.0", tokens: map[string][]string{}}
	c := graph.New(graph.WithBaseURL(s.GraphURL()), graph.WithHTTPClient(&http.Client{Transport: rec}),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })))
	megan, _ := ten.User(ten.EndUserUPN())
	admin, _ := ten.User(ten.AdminUPN())

	_, err = c.GetUsers(context.Background(), []string{megan.ID})
	var ae *entra.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		t.Fatalf("err = %v, want a 403", err)
	}
	// User.Read reads the signed-in user: the admin is named, Megan is not,
	// and that is no error.
	users, err := c.GetUsers(context.Background(), []string{megan.ID, admin.ID})
	if err != nil || len(users) != 1 || users[0].ID != admin.ID {
		t.Fatalf("users = %+v, %v", users, err)
	}
}
