package flows

import (
	"consentwiz/graph/entra"
	"slices"
	"strings"
)

// The objects of a journal entry: what a fix created (service principal,
// grant, app role assignments, classifications) and the grants whose scope it
// changed. The restore sub-machine deals with them after the entry's setting
// (restore.go): it reads the tenant (one FetchSnapshot for the app), finds
// each object by its id or — when the id was never saved, because an answer
// was lost or the process was killed — by what it is (the app's service
// principal, its AllPrincipals grant to the resource, the role, the
// permission), then either removes them, newest first, or (a grant-direct
// entry, when the admin chooses) creates what is missing; then reads again
// to verify, and clears the entry.

// objWrite is one write of an entry's objects.
type objWrite struct {
	obj   JournalObject
	del   bool   // delete the object (else create it, or set a grant's scope)
	id    string // the object's id as read (deletes)
	scope string // ObjectGrantScope: the scope to set, replacing before
	from  string
}

// objRead reads the tenant for the entry's objects.
func objRead(s State) (State, []Effect) {
	r := s.Restore
	r.objPhase = true
	r.verifyTries = 0
	s.Step = StepRestoreReading
	return s, []Effect{objReadEffect(s)}
}

func objReadEffect(s State) Effect {
	j := s.Restore.Entry
	assigned := slices.ContainsFunc(j.Objects, func(o JournalObject) bool { return o.Kind == ObjectPrincipalAssignment })
	return FetchSnapshot{Tenant: j.Target(), AppID: j.AppID, App: AppRef{ClientID: j.AppID}, Assignments: assigned}
}

// findObject finds o in snap: its id and, for grants, its scope.
func findObject(o JournalObject, snap *entra.TenantSnapshot) (id, scope string, ok bool) {
	match := func(have, key bool) bool {
		if o.ID != "" {
			return have
		}
		return key
	}
	switch o.Kind {
	case ObjectServicePrincipal:
		if snap.App != nil && match(strings.EqualFold(snap.App.ID, o.ID), true) {
			return snap.App.ID, "", true
		}
	case ObjectGrant, ObjectGrantScope:
		for _, g := range snap.AppGrants {
			key := o.Kind == ObjectGrant && g.ConsentType == "AllPrincipals" && snap.App != nil &&
				strings.EqualFold(g.ClientID, snap.App.ID) && strings.EqualFold(g.ResourceID, o.ResourceID)
			if match(strings.EqualFold(g.ID, o.ID), key) {
				return g.ID, g.Scope, true
			}
		}
	case ObjectAppRoleAssignment:
		for _, a := range snap.AppRoleAssignments {
			if match(strings.EqualFold(a.ID, o.ID), strings.EqualFold(a.AppRoleID, o.AppRoleID) && strings.EqualFold(a.ResourceID, o.ResourceID)) {
				return a.ID, "", true
			}
		}
	case ObjectPrincipalAssignment:
		for _, a := range snap.AppAssignedTo {
			if match(strings.EqualFold(a.ID, o.ID), strings.EqualFold(a.PrincipalID, o.PrincipalID) && strings.EqualFold(a.AppRoleID, o.AppRoleID)) {
				return a.ID, "", true
			}
		}
	case ObjectClassification:
		for _, c := range snap.Classifications {
			if match(strings.EqualFold(c.ID, o.ID), strings.EqualFold(c.PermissionID, o.PermissionID)) {
				return c.ID, "", true
			}
		}
	}
	return "", "", false
}

// sameScopes compares two space-separated scope lists as sets, ignoring case.
func sameScopes(a, b string) bool { return samePolicies(strings.Fields(a), strings.Fields(b)) }

// covers reports whether the scopes in have include every one of want.
func covers(have, want string) bool {
	h := strings.Fields(have)
	for _, w := range strings.Fields(want) {
		if !containsFold(h, w) {
			return false
		}
	}
	return true
}

// objPlan lists the writes that remove (or complete) the entry's objects as
// snap shows them, and the grant whose scope someone else changed, if any
// (asked about first, unless already decided).
func objPlan(s State, snap *entra.TenantSnapshot) ([]objWrite, *JournalObject, string) {
	r := s.Restore
	objs := r.Entry.Objects
	var out []objWrite
	if r.complete {
		for _, o := range objs {
			id, scope, ok := findObject(o, snap)
			switch {
			case o.Kind == ObjectGrantScope:
				if ok && !covers(scope, o.Scope) {
					out = append(out, objWrite{obj: o, scope: strings.Join(mergeScopes(strings.Fields(scope), strings.Fields(o.Scope)), " "), from: scope})
				}
			case !ok:
				out = append(out, objWrite{obj: o, id: id})
			}
		}
		return out, nil, ""
	}
	for i := len(objs) - 1; i >= 0; i-- {
		o := objs[i]
		id, scope, ok := findObject(o, snap)
		switch {
		case !ok || o.Planned && o.ID == "":
		case o.Kind != ObjectGrantScope:
			out = append(out, objWrite{obj: o, del: true, id: id})
		case sameScopes(scope, o.ScopeBefore):
		case sameScopes(scope, o.Scope) || r.decided && !r.keepScope:
			out = append(out, objWrite{obj: o, scope: o.ScopeBefore, from: scope})
		case !r.decided:
			oo := o
			return nil, &oo, scope
		}
	}
	return out, nil, ""
}

// objLeft says what the read-back still finds wrong, or "".
func objLeft(s State, snap *entra.TenantSnapshot) string {
	r := s.Restore
	var left []string
	for _, o := range r.Entry.Objects {
		_, scope, ok := findObject(o, snap)
		switch {
		case r.complete && o.Kind == ObjectGrantScope:
			if ok && !covers(scope, o.Scope) {
				left = append(left, o.Label+" lacks "+o.Scope)
			}
		case r.complete:
			if !ok {
				left = append(left, o.Label+" is missing")
			}
		case o.Planned && o.ID == "":
		case o.Kind == ObjectGrantScope:
			if ok && !sameScopes(scope, o.ScopeBefore) && !r.keepScope {
				left = append(left, o.Label+" reads "+scope)
			}
		case ok:
			left = append(left, o.Label+" is still there")
		}
	}
	return strings.Join(left, "; ")
}

func objReading(s State, ev Event) (State, []Effect) {
	e, ok := ev.(SnapshotLoaded)
	if !ok {
		return s, nil
	}
	r := s.Restore
	if e.Err != nil || e.Snap == nil {
		f := readFailure("Could not read what consentwiz created, to "+iff(r.complete, "finish it", "remove it"), e.Err)
		f.Remedy += " The entry stays in the journal; run `consentwiz restore` later."
		f.retry, f.retryStep = objReadEffect(s), StepRestoreReading
		return restoreFailure(s, f)
	}
	r.objSP = ""
	if e.Snap.App != nil {
		r.objSP = e.Snap.App.ID
	}
	todo, conflict, cur := objPlan(s, e.Snap)
	if conflict != nil {
		r.conflict, r.conflictV = conflict, cur
		if s.interrupted {
			return restoreLater(s)
		}
		s.Step = StepRestoreConflict
		return s, nil
	}
	r.objTodo = todo
	if s.DryRun {
		var reqs []RequestPreview
		for _, w := range todo {
			if q, ok := RequestFor(objEffect(s, w)); ok {
				reqs = append(reqs, q)
			}
		}
		return finish(s, Outcome{Kind: OutcomeDryRun, Summary: "Dry run: nothing was removed or created. These are the requests that would be sent.", Requests: reqs, JournalKept: !r.mem})
	}
	if len(todo) == 0 {
		// Nothing of it is (still) there: the read proves it.
		return restoreClear(s)
	}
	return objNext(s)
}

// objNext sends the next write, or reads back when all are sent.
func objNext(s State) (State, []Effect) {
	r := s.Restore
	if len(r.objTodo) == 0 {
		r.verifyTries = 0
		s.Step = StepRestoreVerifying
		return s, []Effect{objReadEffect(s)}
	}
	s.Step = StepRestoreWriting
	return s, []Effect{objEffect(s, r.objTodo[0])}
}

// objEffect is the write w.
func objEffect(s State, w objWrite) WriteEffect {
	r := s.Restore
	t := r.Entry.Target()
	o := w.obj
	if w.del {
		kind, parent := o.Kind, ""
		switch o.Kind {
		case ObjectAppRoleAssignment, ObjectClassification:
			parent = o.ResourceID
		case ObjectPrincipalAssignment:
			// Deleted like any app role assignment, under the app's own
			// service principal (its resource).
			kind, parent = ObjectAppRoleAssignment, o.ResourceID
		}
		return DeleteObject{Tenant: t, Object: CreatedObject{Kind: kind, ID: w.id, ParentID: parent, Label: o.Label}}
	}
	sp := firstNonEmpty(r.objSP, newSPPlaceholder)
	switch o.Kind {
	case ObjectServicePrincipal:
		return CreateServicePrincipal{Tenant: t, AppID: r.Entry.AppID}
	case ObjectGrant:
		return CreateGrant{Tenant: t, Grant: entra.OAuth2PermissionGrant{ClientID: sp, ConsentType: "AllPrincipals", ResourceID: o.ResourceID, Scope: o.Scope}}
	case ObjectGrantScope:
		return UpdateGrantScope{Tenant: t, GrantID: o.ID, Scope: w.scope, Before: w.from}
	case ObjectAppRoleAssignment:
		return CreateAppRoleAssignment{Tenant: t, Assignment: entra.AppRoleAssignment{PrincipalID: sp, ResourceID: o.ResourceID, AppRoleID: o.AppRoleID}, RoleName: o.RoleName}
	}
	return CreateClassification{Tenant: t, ResourceID: o.ResourceID,
		Classification: entra.DelegatedPermissionClassification{PermissionID: o.PermissionID, PermissionName: o.PermissionName, Classification: firstNonEmpty(o.Classification, "low")}}
}

func objWriting(s State, ev Event) (State, []Effect) {
	r := s.Restore
	e, ok := ev.(WriteDone)
	if !ok || len(r.objTodo) == 0 {
		return s, nil
	}
	w := r.objTodo[0]
	eff := objEffect(s, w)
	if e.Op != "" && e.Op != eff.Op() {
		return s, nil
	}
	if e.Err != nil {
		f := writeFailure(s, eff, e.Err)
		f.Title = iff(r.complete, "Could not finish: ", "Could not remove: ") + firstNonEmpty(w.obj.Label, string(w.obj.Kind))
		f.Remedy = strings.TrimSpace(f.Remedy + " The entry stays in the journal; run `consentwiz restore` later.")
		f.Retryable = true
		// Retrying reads again first: the write may have applied after all.
		f.retry, f.retryStep = objReadEffect(s), StepRestoreReading
		f.AltFix = ""
		return restoreFailure(s, f)
	}
	if _, ok := eff.(CreateServicePrincipal); ok && e.ID != "" {
		r.objSP = e.ID
	}
	c := describe(s, eff)
	line := Change{What: c.Label, Before: c.Before, After: c.After, At: s.Now}
	switch {
	case w.del:
		c = describeUndo(eff)
		line.What, line.Before, line.After = "Undone: "+c.Label, c.Before, c.After
		s = addPutBack(s, line, objectKey(w.id))
	case w.obj.Kind == ObjectGrantScope && !r.complete:
		// The grant's scope as it was before consentwiz changed it.
		s = addPutBack(s, line, grantKey(w.obj.ID))
	default:
		line.key = changeKey(eff, e.ID)
		s = addChange(s, line)
	}
	r.objTodo = r.objTodo[1:]
	r.objWrote++
	return objNext(s)
}

func objVerifying(s State, ev Event) (State, []Effect) {
	if e, ok := ev.(Tick); ok {
		if e.Seq == s.PollSeq {
			return s, []Effect{objReadEffect(s)}
		}
		return s, nil
	}
	e, ok := ev.(SnapshotLoaded)
	if !ok {
		return s, nil
	}
	r := s.Restore
	if e.Err != nil || e.Snap == nil {
		f := readFailure("Could not check what consentwiz "+iff(r.complete, "created", "removed"), e.Err)
		f.retry, f.retryStep = objReadEffect(s), StepRestoreVerifying
		return restoreFailure(s, f)
	}
	left := objLeft(s, e.Snap)
	if left == "" {
		// The change log lines of these writes are verified now.
		s.Changes = clone(s.Changes)
		for i := max(len(s.Changes)-r.objWrote, 0); i < len(s.Changes); i++ {
			s.Changes[i].Verified = true
		}
		return restoreClear(s)
	}
	r.verifyTries++
	if r.verifyTries < MaxVerifyTries {
		s.PollSeq++
		return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
	}
	return restoreFailure(s, Failure{
		Title:     iff(r.complete, "The fix was finished but does not read as complete", "What consentwiz created was removed but still reads as there"),
		Reason:    "After the writes, " + left + ".",
		Remedy:    "Try again (consentwiz reads first and sends only what is still needed), or fix it in the Entra admin center. The entry stays in the journal.",
		Retryable: true,
		retry:     objReadEffect(s),
		retryStep: StepRestoreReading,
	})
}

// objConflict answers the question about a grant someone else changed since.
func objConflict(s State, ev Event) (State, []Effect) {
	r := s.Restore
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyOriginal, KeyKeep:
			r.decided, r.keepScope = true, e.Key == KeyKeep
			if r.keepScope {
				r.keptOther++
			}
			r.conflict = nil
			return objRead(s)
		case KeyLater:
			return restoreLater(s)
		}
	case Back:
		if r.then == afterRestoreContinue {
			r.Entry, r.conflict = nil, nil
			s.Step = StepRestoreOffer
		}
	}
	return s, nil
}

// objScopes are the permissions the restore of the entry's objects needs.
func objScopes(j *JournalEntry) []string {
	var out []string
	for _, o := range j.Objects {
		var sc string
		switch o.Kind {
		case ObjectServicePrincipal:
			sc = entra.ScopeApplicationReadWriteAll
		case ObjectGrant, ObjectGrantScope:
			sc = entra.ScopeDelegatedPermissionGrantReadWriteAll
		case ObjectAppRoleAssignment, ObjectPrincipalAssignment:
			sc = entra.ScopeAppRoleAssignmentReadWriteAll
		case ObjectClassification:
			sc = entra.ScopePolicyReadWritePermissionGrant
		}
		if sc != "" && !containsFold(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// canComplete reports whether the admin may choose to finish the entry's fix
// instead of removing what it created: a grant-direct entry, whose objects
// together are the grant the admin previewed.
func canComplete(j *JournalEntry) bool {
	return j.Fix == FixGrantDirect && !j.HasSetting() && j.HasObjects() && j.AppID != ""
}

// objDiffs show an entry's objects: what was (or may have been) created.
func objDiffs(j *JournalEntry) []Diff {
	var out []Diff
	for _, o := range j.Objects {
		label := firstNonEmpty(o.Label, string(o.Kind))
		switch {
		case o.Kind == ObjectGrantScope:
			out = append(out, Diff{Label: label, Before: o.ScopeBefore, After: iff(o.Planned, o.Scope+" (not sent yet)", o.Scope)})
		case o.Planned:
			out = append(out, Diff{Label: label, Before: "none", After: "not created yet"})
		case o.ID != "":
			out = append(out, Diff{Label: label, Before: "none", After: "created"})
		default:
			out = append(out, Diff{Label: label, Before: "none", After: "maybe created (consentwiz stopped before it knew)"})
		}
	}
	return out
}

// objLabels lists the entry's objects by label, for a sentence.
func objLabels(j *JournalEntry, kinds func(ObjectKind) bool) string {
	var out []string
	for _, o := range j.Objects {
		if kinds == nil || kinds(o.Kind) {
			out = append(out, firstNonEmpty(o.Label, string(o.Kind)))
		}
	}
	return strings.Join(out, ", ")
}

// objPrompt renders the objects part of the restore.
func objPrompt(s State) Prompt {
	r := s.Restore
	j := r.Entry
	switch s.Step {
	case StepRestoreReading:
		return Prompt{Kind: PromptProgress, Title: "Reading what consentwiz created", Body: "Finding " + objLabels(j, nil) + " in the tenant, by id or by what they are. This takes a few seconds.", CanBack: r.then == afterRestoreContinue}
	case StepRestoreConflict:
		o := r.conflict
		return Prompt{
			Kind:  PromptChoice,
			Title: "Someone else changed a grant consentwiz changed",
			Body:  "Since consentwiz changed it, the grant's permissions were changed again. consentwiz will not overwrite that without asking.",
			Preview: []Diff{
				{Label: "Before consentwiz (original)", After: o.ScopeBefore},
				{Label: "What consentwiz set", After: o.Scope},
				{Label: "What it is now", After: r.conflictV},
			},
			Options: []Option{
				{Key: KeyOriginal, Label: "Put the original back", Detail: o.ScopeBefore},
				{Key: KeyKeep, Label: "Keep the current value", Detail: "and remove only what consentwiz created"},
				{Key: KeyLater, Label: "Decide later", Detail: "the entry stays in the journal"},
			},
			CanBack: r.then == afterRestoreContinue,
		}
	case StepRestoreWriting:
		body := ""
		if len(r.objTodo) > 0 {
			d := describe(s, objEffect(s, r.objTodo[0]))
			body = iff(r.objTodo[0].del, "Removing ", "") + d.Label + ". "
		}
		return Prompt{Kind: PromptProgress, Title: iff(r.complete, "Finishing the grant", "Removing what consentwiz created"), Body: body + "Each write takes a few seconds."}
	}
	return Prompt{Kind: PromptProgress, Title: "Checking the tenant", Body: "Reading it again to make sure " + iff(r.complete, "everything is there", "nothing consentwiz created is left") + ". Microsoft Graph can lag a few seconds; consentwiz tries up to 3 times."}
}
