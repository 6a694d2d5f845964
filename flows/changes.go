package flows

import "strings"

// The change log's lines, and which of them are still in place: a line that
// a later line puts back (a setting restored, an object undone) is not, and
// neither is the line that puts it back. The end screen and the summary of a
// stop say what stays and what was put back from this (docs/safety.md).

// Change log keys: what a line changed, so that its put-back finds it.
const (
	changeKeyUserConsent   = "setting:user-consent"
	changeKeyRequestPolicy = "setting:request-policy"
)

// changeKey names what the write e changes (id: the object it created).
func changeKey(e Effect, id string) string {
	switch w := e.(type) {
	case PatchUserConsent:
		return changeKeyUserConsent
	case PutConsentRequestPolicy:
		return changeKeyRequestPolicy
	case UpdateGrantScope:
		return grantKey(w.GrantID)
	}
	if _, ok := objectFor(e); ok && id != "" {
		return objectKey(id)
	}
	return ""
}

func objectKey(id string) string { return "object:" + strings.ToLower(id) }
func grantKey(id string) string  { return "grant:" + strings.ToLower(id) }

// settingKey is the change log key of a journal entry's setting.
func settingKey(j *JournalEntry) string {
	if j != nil && j.IsRequestPolicy() {
		return changeKeyRequestPolicy
	}
	return changeKeyUserConsent
}

// addPutBack adds c, a line that puts back what key names: the newest line
// still in place with that key is not in place any more, and neither is c.
func addPutBack(s State, c Change, key string) State {
	s = markBack(s, key)
	c.back = true
	return addChange(s, c)
}

// addSuperseding adds c, a value someone else set over what key names (kept
// as they set it): consentwiz's line is not in place any more, c is.
func addSuperseding(s State, c Change, key string) State {
	return addChange(markBack(s, key), c)
}

// markBack marks the newest line still in place with key as put back.
func markBack(s State, key string) State {
	if key == "" {
		return s
	}
	for i := len(s.Changes) - 1; i >= 0; i-- {
		if s.Changes[i].key == key && !s.Changes[i].back {
			s.Changes = clone(s.Changes)
			s.Changes[i].back = true
			break
		}
	}
	return s
}

// PutBack reports whether the line's change is not in place any more: it was
// put back (or never applied), or the line is the putting back itself.
func (c Change) PutBack() bool { return c.back }

// inPlace splits the change log into the lines still in place and those put
// back (or never applied).
func inPlace(changes []Change) (kept, back []Change) {
	for _, c := range changes {
		if c.back {
			back = append(back, c)
		} else {
			kept = append(kept, c)
		}
	}
	return kept, back
}

// stoppedSummary is the summary of a stop after which nothing of a fix run is
// half-made: whether anything changed, what stays in place, and whether
// the rest was put back.
func stoppedSummary(changes []Change) string {
	kept, back := inPlace(changes)
	switch {
	case len(changes) == 0:
		return "Stopped. Nothing was changed."
	case len(kept) == 0:
		return "Stopped. Everything consentwiz changed was put back."
	case len(back) == 0:
		return "Stopped. The changes listed stay in place."
	}
	var what []string
	for _, c := range kept {
		what = append(what, c.What)
	}
	return "Stopped. Still in place: " + strings.Join(what, "; ") + ". Everything else listed was put back."
}
