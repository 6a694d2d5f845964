package flows

import (
	"consentwiz/graph/entra"
	"slices"
)

// The fixes are the units of the core: each fix_*.go file holds one fix end
// to end (when it can work, its steps and prompts, its plan, how it is
// verified, what follows, and its part of the hand-off) as a fix value. The
// core (machine, journey, pipeline, polling, restore, failures) asks the
// registry; it never switches on a fix id.
//
// Adding a fix: write fix_<name>.go with its FixID and its fix value, and add
// it to the registry in init below (see docs/architecture.md, "How to add a
// fix").

// fix describes one fix. Every fix has id, viable, rank, recommendWhy,
// phases and summary; a fix that writes has begin, preview, verifyRead and
// verify (and plan and selfPolicy when it begins with readUserConsent). A
// nil hook means the pipeline's default.
type fix struct {
	id FixID
	// role is the admin role the change needs (failures, remedies).
	role string
	// scopes are asked for when the fix is chosen (incremental consent): its
	// writes, and the reads only it needs.
	scopes []string

	// viable says whether the fix can work in the diagnosed tenant, why, and
	// which role it needs (Diagnose).
	viable func(g *diag) FixOption
	// rank orders viable fixes for the recommendation: the least tenant-wide
	// change first. first, when it reports true, puts the fix before all others.
	rank  int
	first func(d *Diagnosis) bool
	// recommendWhy says why the fix is recommended.
	recommendWhy func(d *Diagnosis) string
	// altWhy completes `"<id>" may still work: …` in a failure's remedy.
	altWhy string
	// optionDetail, when it reports true, replaces the checklist option's detail.
	optionDetail func(s State) (string, bool)
	// grantsEveryone: the fix grants the app for the whole organization, so it
	// is offered even when nothing blocks users (vendors that require
	// organization-wide consent).
	grantsEveryone bool
	// onlyWhenViable: the checklist lists the fix only where it can work
	// (it answers one situation, not consent in general).
	onlyWhenViable bool

	// phases name the fix's numbered steps after the common ones (presenter
	// mode). s.Run is nil before the fix is chosen.
	phases func(s State) []string
	// stepNo numbers the fix's own steps, and the shared ones where it
	// numbers them differently; 0 means the pipeline's numbering.
	stepNo func(s State) int

	// start runs when the fix is chosen; nil means askWritePermission.
	start func(s State) (State, []Effect)
	// begin runs after the write sign-in (or at once in a dry run): read what
	// the change starts from, or build the plan and preview it.
	begin func(s State) (State, []Effect)
	// selfPolicy is the self-consent policy the fix sets (fixes that read the
	// user-consent setting first, then plan); plan builds the writes from it.
	selfPolicy string
	plan       func(s State) ([]Effect, *Failure)
	// objectPlan builds the writes from the app's objects as read now
	// (s.Snap): a fix whose begin is readApp (pipeline_reread.go) plans with
	// it right before its preview, and goes on with it after a create was
	// refused because someone else made its object meanwhile.
	objectPlan func(s State) ([]Effect, *Failure)
	// replan rebuilds the plan when the journaled request policy changed
	// between the preview and the write.
	replan func(s State) State
	// restoreAfter is the write that puts the setting back later in the fix
	// (a temporary change): a dry run lists it after the plan's writes.
	restoreAfter func(s State) []Effect
	// previewBack answers Back on the preview; nil means back to the checklist.
	previewBack func(s State) (State, []Effect)
	// preview titles and explains the preview of the plan.
	preview func(s State) (title, body string)

	// verifyRead reads back what was written; verify judges the answer.
	verifyRead func(s State) Effect
	verify     func(s State, ev Event) verdict
	// then continues after the writes were verified; nil means done.
	then func(s State) (State, []Effect)
	// done, when it reports true, replaces the verified end: a step of the
	// fix's own that follows, or an outcome that is not "fixed".
	done func(s State) (State, []Effect, bool)
	// summary is the verified outcome's summary.
	summary func(s State) string
	// notFixed, when it returns a text, ends the fix with OutcomeNotFixed
	// instead: the change was made and put back, but what it was for did not
	// happen (no user consented while user consent was relaxed).
	notFixed func(s State) string

	// steps are the fix's own steps; step handles events there and prompt
	// renders them.
	steps  []StepID
	step   func(s State, ev Event) (State, []Effect)
	prompt func(s State) Prompt

	// handoff adds the fix's ways to do it by hand to the hand-off, in
	// handoffRank order; handoffKey names the section to recommend when the
	// diagnosis recommends this fix.
	handoffRank int
	handoff     func(b *handoffBuilder) []HandoffFix
	handoffKey  func(b *handoffBuilder) string
	// handoffCheck, when it reports true, has decided a section's live
	// viability (the default: the diagnosis's verdict on the section's fix).
	handoffCheck func(b *handoffBuilder, f *HandoffFix) bool
	// handoffRoute is the section to recommend without a diagnosis, when the
	// user's error routes to this fix; nil falls back to the consent link.
	handoffRoute func(b *handoffBuilder) string
}

// verdict is a fix's judgement of a read-back.
type verdict struct {
	handled    bool // the event is this fix's read-back (else it is ignored)
	readFailed bool // the read failed, with err (nil: no data came back)
	err        error
	problem    string // what is wrong; "" when verified
	// notApplied, when set, says the service accepted the write but the value
	// still reads as the original (docs/entra.md A1): nothing will change.
	notApplied string
	snap       *entra.TenantSnapshot // the tenant read, kept when verified
}

// fixes is the registry, in the order the fixes are offered when equally good.
var fixes []*fix

func init() {
	fixes = []*fix{
		adminLinkFix,
		relaxUserConsentFix,
		requestWorkflowFix,
		grantDirectFix,
		classifyLowFix,
		assignUsersFix,
	}
	for _, f := range fixes {
		AllFixes = append(AllFixes, f.id)
	}
}

// AllFixes lists every fix id in display order.
var AllFixes []FixID

// defaultFix numbers the journey before a diagnosis recommends a fix.
const defaultFix = FixAdminLink

// lookup returns the fix with id, or nil.
func lookup(id FixID) *fix {
	for _, f := range fixes {
		if f.id == id {
			return f
		}
	}
	return nil
}

// owns reports whether st is one of the fix's own steps.
func (f *fix) owns(st StepID) bool { return f != nil && slices.Contains(f.steps, st) }

// WriteScopes returns the scopes a fix asks for when it is chosen (incremental
// consent): its writes, and the reads only that fix needs (reviewer search).
func WriteScopes(id FixID) []string {
	if f := lookup(id); f != nil {
		return clone(f.scopes)
	}
	return nil
}
