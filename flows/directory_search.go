package flows

import "strings"

// DirectorySearch is a fix run's search of the tenant's users and groups:
// the query, whether it is in flight, and what it found.
type DirectorySearch struct {
	Candidates []Reviewer // the results, to pick from
	searching  bool       // a search is in flight
	query      string     // what was typed: said while the search runs, and when nothing matches
}

// searchHow says what the one directory search matches (SearchReviewers):
// the start of a user's name, user name (UPN) or email address, and the
// start of a group's name or email address — so a whole address finds its
// user.
const searchHow = "Type the start of a name, or an email address (of a user or a group)."

// searchPrompt is the input prompt of a directory search, titled title.
func searchPrompt(s State, title string) Prompt {
	body := searchHow
	if s.Run.Search.searching {
		body = "Searching for \"" + s.Run.Search.query + "\"…"
	}
	return Prompt{Kind: PromptInput, Title: title, Body: note(body, s.InputErr), Placeholder: "name or email address", CanBack: true}
}

// directorySearch is a step that searches the tenant's users and groups
// (effect SearchReviewers; searchHow): request-workflow's reviewers and
// assign-users' users or groups. The results go to pick; Back returns to
// back.
func directorySearch(s State, ev Event, back, pick StepID) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Entered:
		q := strings.TrimSpace(e.Text)
		if q == "" {
			s.InputErr = searchHow
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
			s.InputErr = "No user or group has a name or an email address starting with \"" + r.Search.query + "\"."
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
