package flows

import (
	"fmt"
	"strconv"
	"strings"
)

// The restore's prompts: the offer of a journal entry (its setting's
// original and the value consentwiz set, its objects), and how an entry's
// time and app are named.

func restoreOfferPrompt(s State) Prompt {
	r := s.Restore
	j := r.Pending[0]
	when, who, where, app := j.At.UTC().Format(timeLayout), firstNonEmpty(j.By, "consentwiz"), firstNonEmpty(j.TenantDomain, j.TenantID), restoreAppName(s, j)
	p := Prompt{Kind: PromptChoice, Title: "Put back a setting consentwiz changed?"}
	if j.HasSetting() {
		p.Body = fmt.Sprintf("On %s, %s changed the %s of %s while fixing %s, and the original was not put back yet. Nothing is written before the current value is read and compared.",
			when, who, restoreSetting(&j), where, app)
		orig, set := policyText(j.Original), policyText(j.Set)
		if j.IsRequestPolicy() {
			orig, set = requestPolicyText(*j.OriginalRequestPolicy), requestPolicyText(*j.SetRequestPolicy)
		}
		p.Preview = []Diff{{Label: "Original (will be put back)", After: orig}, {Label: "Set by consentwiz", After: set}}
	}
	if j.HasObjects() {
		if !j.HasSetting() {
			p.Title = "Remove what consentwiz created?"
			p.Body = fmt.Sprintf("On %s, %s started %s for %s in %s, and it did not finish.", when, who, j.Fix, app, where)
		}
		p.Body += " It created (or was creating) these:"
		p.Preview = append(p.Preview, objDiffs(&j)...)
	}
	if len(r.Pending) > 1 {
		p.Body += fmt.Sprintf(" (%d entries are waiting.)", len(r.Pending))
	}
	undo := Option{Key: KeyRestore, Label: "Put the original back", Detail: "signs in, checks the current value, writes the original and verifies it"}
	switch {
	case !j.HasSetting():
		undo = Option{Key: KeyRestore, Label: "Remove them", Detail: "signs in, finds each one, deletes what consentwiz created (and puts a changed grant back), then checks: the tenant is as it was"}
	case j.HasObjects():
		undo.Detail += "; then removes " + objLabels(&j, nil)
	}
	later := Option{Key: KeyLater, Label: "Not now", Detail: "the entry stays; `consentwiz restore` offers it again"}
	if j.IsRequestPolicy() {
		// The setting was turned on for a user's request: turning it off
		// before that request is approved would leave the user unanswered.
		p.Body = note(p.Body, "Consent requests were turned on for a user's request to use "+app+
			". If that request is still waiting, approve it first: choose \"Not now\", approve it in this run, and consentwiz then turns requests off again.")
		later = Option{Key: KeyLater, Label: "Not now: approve the waiting request first", Detail: "then consentwiz puts the setting back in this run"}
		undo = Option{Key: KeyRestore, Label: "Put the original back now", Detail: "turns consent requests off; a request still waiting stays unanswered"}
		p.Options = []Option{later, undo}
		return p
	}
	p.Options = append(p.Options, undo)
	if canComplete(&j) {
		p.Options = append(p.Options, Option{Key: KeyComplete, Label: "Finish the grant instead",
			Detail: "creates what is missing of: " + objLabels(&j, nil) + " — admin consent for everyone in the organization, in effect at once"})
	}
	p.Options = append(p.Options, later)
	return p
}

// timeLayout is how the wizard writes a time: "2026-11-24 02:58 UTC".
const timeLayout = "2006-01-02 15:04 MST"

// restoreAppName names the app of a journal entry: by the session's app or
// a profile when they have its id, else by its id.
func restoreAppName(s State, j JournalEntry) string {
	if j.AppID == "" {
		return "an app"
	}
	if strings.EqualFold(s.App.ClientID, j.AppID) && s.App.DisplayName != "" {
		return s.App.DisplayName + " (" + j.AppID + ")"
	}
	for _, p := range s.Profiles {
		if strings.EqualFold(p.ClientID, j.AppID) && p.DisplayName != "" {
			return p.DisplayName + " (" + j.AppID + ")"
		}
	}
	return "the app " + j.AppID
}

func restoreSignInPrompt(s State) Prompt {
	role := "Privileged Role Administrator or Global Administrator"
	switch {
	case restoreIsRequest(s):
		role = "Global Administrator"
	case !s.Restore.Entry.HasSetting():
		role = "Cloud Application Administrator, or Privileged Role Administrator for application permissions"
	}
	return Prompt{Kind: PromptProgress, Title: "Sign in to put the setting back", Body: "Sign in as an administrator of " + tenantName(s) + " (" + role + "). consentwiz waits until you finish signing in (a device code is valid for about 15 minutes).",
		CanBack: s.Restore.then == afterRestoreContinue}
}

// restorePrompt renders the restore's steps after the offer.
func restorePrompt(s State) Prompt {
	r := s.Restore
	if r.objPhase && s.Step != StepRestoreOffer && s.Step != StepRestoreClearing {
		return objPrompt(s)
	}
	switch s.Step {
	case StepRestoreOffer:
		return restoreOfferPrompt(s)
	case StepRestoreReading:
		return Prompt{Kind: PromptProgress, Title: "Reading the " + restoreSetting(r.Entry), Body: "Checking the setting before putting it back, so nothing someone else changed is overwritten. This takes a few seconds.", CanBack: r.then == afterRestoreContinue}
	case StepRestoreConflict:
		orig, set, cur := restoreValues(s)
		return Prompt{
			Kind:  PromptChoice,
			Title: "Someone else changed the " + restoreSetting(r.Entry),
			Body:  "Since consentwiz changed it, the setting was changed again. consentwiz will not overwrite it without asking.",
			Preview: []Diff{
				{Label: "Original (will be put back)", After: orig},
				{Label: "Set by consentwiz", After: set},
				{Label: "Now", After: cur},
			},
			Options: []Option{
				{Key: KeyOriginal, Label: "Put the original back", Detail: orig},
				{Key: KeyKeep, Label: "Keep the current value", Detail: "and forget the saved one"},
				{Key: KeyLater, Label: "Decide later", Detail: "the saved value stays in the journal"},
			},
			CanBack: r.then == afterRestoreContinue,
		}
	case StepRestoreWriting:
		orig, _, _ := restoreValues(s)
		return Prompt{Kind: PromptProgress, Title: "Putting the " + restoreSetting(r.Entry) + " back", Body: "Writing back the original value: " + orig + ". This takes a few seconds."}
	case StepRestoreVerifying:
		orig, _, _ := restoreValues(s)
		return Prompt{Kind: PromptProgress, Title: "Checking the setting is back", Body: "Reading the setting again to make sure it is " + orig + ". Microsoft Graph can lag a few seconds; consentwiz tries up to " + strconv.Itoa(MaxVerifyTries) + " times."}
	}
	body := "Everything is as it was before consentwiz changed it, so the saved copy on this computer is no longer needed."
	switch r.clearWhy {
	case clearKept:
		body = "The change is verified and meant to stay, so the saved copy on this computer is no longer needed."
	case clearNotWritten:
		body = "Nothing was changed in the tenant, so the saved copy on this computer is removed."
	}
	return Prompt{Kind: PromptProgress, Title: "Removing the journal entry", Body: body + " This takes a moment."}
}
