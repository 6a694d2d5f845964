package flows

import "strings"

// DirectorySearch is a fix run's search of the tenant's users and groups:
// the query, whether it is in flight, and what it found.
type DirectorySearch struct {
	Candidates []Reviewer // the results, to pick from
	searching  bool       // a search is in flight
	query      string     // what was typed: said while the search runs, and when nothing matches
}

// directorySearch is a step that searches the tenant's users and groups by
// the start of a name (effect SearchReviewers): request-workflow's reviewers
// and assign-users' users or groups. An empty answer is met with hint; the
// results go to pick; Back returns to back.
func directorySearch(s State, ev Event, hint string, back, pick StepID) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Entered:
		q := strings.TrimSpace(e.Text)
		if q == "" {
			s.InputErr = hint
			return s, nil
		}
		s.InputErr = ""
		r.Search.query = q
		r.Search.searching = true
		return s, []Effect{SearchReviewers{Tenant: s.target(), Query: q}}
	case ReviewersFound:
		if !r.Search.searching {
			return s, nil
		}
		r.Search.searching = false
		switch {
		case e.Err != nil:
			s.InputErr = "Search failed: " + e.Err.Error()
		case len(e.Reviewers) == 0:
			s.InputErr = "No users or groups match \"" + r.Search.query + "\"."
		default:
			r.Search.Candidates = clone(e.Reviewers)
			s.Step = pick
		}
	case Back:
		r.Search.searching = false
		s.InputErr = ""
		s.Step = back
	}
	return s, nil
}
