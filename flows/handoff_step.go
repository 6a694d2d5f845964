package flows

import (
	"fmt"
	"strings"
)

// The helpdesk path of the wizard: someone who cannot sign in as an admin
// names the app and the tenant (found without signing in), and gets a complete
// hand-off for an admin (BuildHandoff) to copy or save. Signing in as Global
// Reader adds the live diagnosis. An admin whose account lacks the role for
// the recommended fix reaches the same screen from the checklist.

// WizardHandoff builds the hand-off the wizard shows for s: the app, the
// tenant and its cloud, and (when someone signed in) the diagnosis, stamped
// with s.Now and s.Version.
func WizardHandoff(s State) Handoff {
	in := HandoffInput{App: s.App, Tenant: s.Tenant, Diagnosis: s.Diagnosis, GeneratedAt: s.Now, Version: s.Version, ClientNotConsented: s.clientRefused != 0}
	switch {
	case s.Diagnosis == nil && s.clientRefused != 0:
		in.Notes = append(in.Notes, fmt.Sprintf("Made without signing in: consentwiz's own sign-in is not consented in this tenant (AADSTS%d), so its settings were not read. "+
			"For a live diagnosis, a Privileged Role Administrator (or above) runs `consentwiz check` and consents for the organization.", s.clientRefused))
	case s.Diagnosis == nil:
		in.Notes = append(in.Notes, "Made without signing in: the tenant's settings were not read. Run `consentwiz check` (Global Reader is enough) for a live diagnosis.")
	}
	return BuildHandoff(in)
}

// clientRefusedWhy says why no read-only sign-in can work in the tenant:
// consentwiz's own sign-in client was refused there.
func clientRefusedWhy(s State) string {
	return fmt.Sprintf("consentwiz's own sign-in was refused in %s (AADSTS%d): nobody has consented to it there yet, and a Global Reader cannot",
		firstNonEmpty(s.Tenant.Domain, s.Tenant.ID, "this tenant"), s.clientRefused)
}

// handoffFileName is the saved hand-off's file name (Markdown).
func handoffFileName(s State) string {
	return "consentwiz-handoff-" + safeName(appName(s)) + ".md"
}

// showHandoff moves to the hand-off screen. A restore at start that failed
// is left (its entry stays pending): what follows is the journey's.
func showHandoff(s State) (State, []Effect) {
	if s.Restore != nil {
		s.Restore.Entry = nil
	}
	s.Step = StepHandoff
	s.InputErr = ""
	s.Failure = nil
	s.handoff = linkIO{}
	s.handoffText = docText{}
	s.PollSeq++
	return s, nil
}

// withHandoffText keeps the text of the hand-off on screen up to date (see docText).
func (s State) withHandoffText() State {
	switch {
	case s.Step != StepHandoff:
		s.handoffText = docText{}
	case !s.handoffText.built || !s.handoffText.at.Equal(s.Now):
		d := WizardHandoff(s).doc()
		s.handoffText = docText{built: true, at: s.Now, text: d.text(), screen: d.textAt(screenDocWidth)}
	}
	return s
}

// canHandoff reports whether a hand-off can be made: the app and the tenant
// are known and nothing was written.
func canHandoff(s State) bool {
	return s.App.ClientID != "" && (s.Tenant.ID != "" || s.Tenant.Domain != "") && !s.written()
}

func handoffStep(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyCopy:
			return s, []Effect{CopyText{Text: s.handoffText.text}}
		case KeySave:
			return s, []Effect{SaveFile{Name: handoffFileName(s), Text: WizardHandoff(s).Markdown()}}
		case KeyReaderSignIn:
			if s.Diagnosis != nil || s.clientRefused != 0 {
				return s, nil
			}
			s.Helpdesk = true
			return signIn(s)
		case KeyDone:
			// A helpdesk user is not an admin: the hand-off only helps once an
			// admin acts on it, so say what became of it and that users wait.
			sum := "A hand-off for " + appName(s) + " in " + tenantName(s) + " is ready to send to an admin"
			switch {
			case s.handoff.saved != "" && s.handoff.copied:
				sum += ": it was copied, and saved to the file below."
			case s.handoff.saved != "":
				sum += ": it is saved in the file below."
			case s.handoff.copied:
				sum += ": it was copied to the clipboard."
			default:
				sum = "A hand-off for " + appName(s) + " in " + tenantName(s) + " was shown but neither saved nor copied: run consentwiz again to make it."
			}
			sum += " Nothing was changed, and users stay blocked until an admin acts on it."
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: sum, SavedTo: s.handoff.saved})
		}
	case Copied:
		s.handoff.copied = e.Err == nil && !e.Terminal
		s.handoff.note = ""
		if !s.handoff.copied {
			s.handoff.note = copyNote(e, "Save it to a file instead.")
		}
	case Saved:
		s.handoff.note = ""
		if e.Err != nil {
			s.handoff.note = "Could not save the file: " + e.Err.Error()
		} else {
			s.handoff.saved = e.Path
		}
	case Back:
		s.handoff = linkIO{}
		switch {
		case s.Diagnosis != nil && !s.Helpdesk:
			s.Step = StepChooseFix // from the checklist
			return s, nil
		case !s.Helpdesk:
			return signIn(s) // from the sign-in screen or its failure: sign in after all
		}
		s.Diagnosis, s.Snap = nil, nil
		s.Step = StepTenantInput
		s.Tenant = TenantInfo{}
	}
	return s, nil
}

func handoffPrompt(s State) Prompt {
	intro := "Send this to an administrator of " + tenantName(s) + ": what is wrong, the admin consent link, the steps and the role each fix needs."
	var done []string
	if s.handoff.copied {
		done = append(done, "Copied to the clipboard.")
	}

	if s.handoff.note != "" {
		done = append(done, s.handoff.note)
	}
	body := note(intro, strings.TrimRight(s.handoffText.screen, "\n"))
	p := Prompt{Kind: PromptChoice, Title: "Hand-off for an admin: " + appName(s), Body: body, Note: strings.Join(done, " "), CanBack: true, Snippets: savedSnippet(s.handoff.saved),
		Options: []Option{
			{Key: KeyCopy, Label: "Copy the hand-off", Detail: "plain text, for an email or a chat"},
			{Key: KeySave, Label: "Save it to a file", Detail: handoffFileName(s) + " (Markdown, for a ticket)"},
		}}
	if s.Diagnosis == nil {
		o := Option{Key: KeyReaderSignIn, Label: "Sign in as Global Reader to include the live diagnosis", Detail: "read-only: nothing is changed"}
		if s.clientRefused != 0 {
			// The read-only sign-in uses the same client, so it is stopped
			// the same way (docs/entra.md F).
			o.Disabled = true
			o.Reason = clientRefusedWhy(s)
		}
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: KeyDone, Label: "Done", Detail: "end here; nothing was changed in the tenant"})
	return p
}

// helpdeskAppChoosePrompt is the first screen after "I can't sign in as an admin".
func helpdeskAppChoosePrompt(s State) Prompt {
	p := appChooseOptions(s, Prompt{Kind: PromptChoice, Title: "Hand-off for an admin: which app are users trying to connect?"})
	p.Body = note("No admin sign-in is needed: consentwiz finds the tenant by its domain and writes the hand-off for an admin.", s.InputErr)
	p.Options = append(p.Options, Option{Key: KeyAdmin, Label: "I can sign in as an admin after all", Detail: "fix it here instead"})
	return p
}

// handoffOption is the checklist's "make a hand-off" choice, or false when
// the signed-in account can do the recommended fix itself.
func handoffOption(s State) (Option, bool) {
	d := s.Diagnosis
	o := Option{Key: KeyHandoff, Label: "Make a hand-off for an admin", Detail: "the reason, the admin consent link and the steps, to copy or save"}
	if s.Helpdesk {
		return o, true
	}
	if d == nil {
		return o, false
	}
	f, ok := d.Fix(d.Recommended)
	if !ok || !f.Viable {
		return o, true
	}
	switch {
	case f.RoleUnknown:
		o.Detail = "the recommended fix needs " + f.NeedsRole + "; your roles could not be read: hand it to someone who holds it if you do not"
		return o, true
	case f.NeedsRole != "" && !f.HasRole:
		o.Detail = "the recommended fix needs " + f.NeedsRole + ", which the signed-in account does not hold: hand it to someone who does"
		return o, true
	}
	return o, false
}

// savedSnippet shows where a file was saved, whole (nil when none was).
func savedSnippet(path string) []Snippet {
	if path == "" {
		return nil
	}
	return []Snippet{{Label: "Saved to", Text: path}}
}
