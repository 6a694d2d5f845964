package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"consentwiz/graph/entra"
)

// Start from the symptom: when no app is given, the admin may ask "what are
// users blocked on?" (KeyScan). The tenant is asked and signed in to (the
// read scopes plus entra.ScanScopes), the scan reads the sign-in logs and
// the pending admin consent requests (effect Scan, grouped by BuildScan),
// and the apps it found are listed; picking one goes straight to the
// diagnosis. An app can also be found by the name users see (KeyAppName,
// --app-name, or the name a pasted consent screen showed without an id):
// after sign-in the tenant's service principals are searched (effect
// SearchApps) and FindAppByName picks among them, the shipped profiles and
// the scan's list.

// DefaultScanDays is how far back the wizard's scan reads the sign-in logs.
const DefaultScanDays = 7

// maxScanOptions is how many of the scan's apps the list offers; the others
// are found by name.
const maxScanOptions = 8

// ScanScopes are asked with ReadScopes when the admin looks for what users
// are blocked on: the sign-in logs and the pending requests (entra.ScanScopes).
var ScanScopes = append([]string(nil), entra.ScanScopes...)

// findingApp reports whether the app is still to be found in the tenant
// after sign-in (from the scan or by name). The helpdesk never signs in
// before the hand-off, so it names the app itself.
func (s State) findingApp() bool {
	return s.App.ClientID == "" && !s.Helpdesk && (s.FindBlocked || s.FindName != "")
}

// signInEffect is the journey's sign-in: the read scopes, and the scan's
// when the app is to be picked from the scan.
func signInEffect(s State) SignIn {
	scopes := clone(ReadScopes)
	if s.App.ClientID == "" && s.FindBlocked && !s.Helpdesk {
		scopes = mergeScopes(scopes, ScanScopes)
	}
	return SignIn{Tenant: s.target(), Scopes: scopes}
}

// findApp goes on after sign-in when the app is not known yet.
func findApp(s State) (State, []Effect) {
	switch {
	case s.FindName != "":
		return searchApps(s)
	case s.FindBlocked && s.Scan == nil:
		return scan(s)
	case s.FindBlocked:
		s.Step = StepScanPick
		return s, nil
	}
	s.Step = StepAppChoose
	return s, nil
}

// --- the scan -----------------------------------------------------------------

func scanDays(s State) int {
	if s.ScanDays > 0 {
		return s.ScanDays
	}
	return DefaultScanDays
}

func scanEffect(s State) Scan {
	return Scan{Tenant: s.target(), Name: firstNonEmpty(s.Tenant.Domain, s.TenantText, s.Tenant.ID),
		Since: s.Now.Add(-time.Duration(scanDays(s)) * 24 * time.Hour)}
}

func scan(s State) (State, []Effect) {
	s.Step = StepScanning
	s.InputErr = ""
	return s, []Effect{scanEffect(s)}
}

func scanning(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Scanned:
		r := e.Result
		if e.Err != nil {
			// Nothing was read: the list still offers the other ways to name the app.
			r = ScanResult{Tenant: scanEffect(s).Name, Since: scanEffect(s).Since, Apps: []ScanApp{},
				SignInLogs: ScanUnavailable, ConsentRequests: ScanUnavailable,
				Notes: []string{"The scan could not read the tenant: " + Sanitize(e.Err.Error(), 300) + "."}}
		}
		s.Scan = &r
		s.Step = StepScanPick
	case Back:
		return leaveFind(s), nil
	}
	return s, nil
}

// leaveFind goes back to the first screen from the scan or the search.
func leaveFind(s State) State {
	s.FindBlocked, s.FindName, s.Scan, s.Found = false, "", nil, nil
	s.App, s.appFound, s.nameNote = AppRef{}, false, ""
	s.InputErr = ""
	s.Step = StepAppChoose
	return s
}

func scanPick(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case strings.HasPrefix(string(e.Key), keyAppPrefix):
			i, err := strconv.Atoi(strings.TrimPrefix(string(e.Key), keyAppPrefix))
			if err != nil || s.Scan == nil || i < 0 || i >= min(len(s.Scan.Apps), maxScanOptions) {
				return s, nil
			}
			a := s.Scan.Apps[i]
			return foundApp(s, AppCandidate{ClientID: a.ClientID, DisplayName: a.DisplayName, Source: AppFromScan})
		case e.Key == KeySearch:
			s.InputErr, s.nameNote = "", ""
			s.Step = StepAppSearch
		case e.Key == KeyAppID || e.Key == KeyAppPaste:
			s.appPaste = e.Key == KeyAppPaste
			s.InputErr = ""
			s.Step = StepAppInput
		case e.Key == KeyRecheck:
			return scan(s)
		}
	case Back:
		return leaveFind(s), nil
	}
	return s, nil
}

// foundApp takes the app the admin picked (or the one app a name matched)
// and diagnoses it: the account is signed in already.
func foundApp(s State, c AppCandidate) (State, []Effect) {
	ref := candidateApp(s, c)
	ref.merge(s.findFrom)
	s.App = ref
	s.appFound = true
	s.findBack = s.Step
	if s.Step == StepAppSearching {
		s.findBack = StepAppSearch
	}
	s.InputErr = ""
	return diagnose(s)
}

// backToFind returns from the diagnosis of an app found in the tenant to
// the list it was found in.
func backToFind(s State) State {
	s.App = s.findFrom
	s.appFound = false
	s.Diagnosis, s.Snap = nil, nil
	s.InputErr = ""
	s.Step = s.findBack
	switch {
	case s.Step == StepAppPick && len(s.Found) > 0, s.Step == StepScanPick && s.Scan != nil, s.Step == StepAppSearch:
	case s.FindBlocked && s.Scan != nil:
		s.Step = StepScanPick
	default:
		s.Step = StepAppSearch
	}
	return s
}

// candidateApp is the app a name was found to be: when a profile answered
// to the name, what the profile says of it (its permissions, its redirect
// URIs), as --profile would give it. A profile the wizard was given that is
// not shipped (the demo's own app) is found among s.Profiles; KnownApp knows
// the shipped ones.
func candidateApp(s State, c AppCandidate) AppRef {
	ref := KnownApp(AppRef{ClientID: NormalizeGUID(c.ClientID), DisplayName: c.DisplayName})
	if p, ok := profileFor(s.Profiles, ref.ClientID); ok && ref.Profile == "" && c.Profile != "" {
		p.DisplayName = firstNonEmpty(c.DisplayName, p.DisplayName)
		return p
	}
	return ref
}

// --- by name ------------------------------------------------------------------

// maxAppNameInput caps the name the wizard accepts (FindAppByName's limit).
const maxAppNameInput = 120

func appSearch(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		name := strings.Join(strings.Fields(Sanitize(e.Text, 0)), " ")
		if name == "" {
			name = s.FindName
		}
		switch {
		case name == "":
			s.InputErr = "Type the app's name as users see it, e.g. TrackerRMS."
			return s, nil
		case len(name) > maxAppNameInput:
			s.InputErr = fmt.Sprintf("The name is longer than %d characters: type the name users see.", maxAppNameInput)
			return s, nil
		}
		s.InputErr = ""
		s.FindName, s.Found = name, nil
		if s.Helpdesk {
			// No sign-in before the hand-off: only consentwiz's profiles.
			c, err := FindAppByName(name, ProfileCandidates(s.Profiles))
			if err != nil {
				s.InputErr = upperFirst(err.Error()) + ". Without signing in consentwiz knows only its app profiles: ask the user for the app id (" + whereToFindID + ")."
				return s, nil
			}
			s.App = candidateApp(s, c)
			s.App.merge(s.findFrom)
			return proceed(s)
		}
		if s.SignedIn != "" && s.Tenant.ID != "" {
			return searchApps(s)
		}
		return proceed(s)
	case Back:
		if s.FindBlocked && s.Scan != nil {
			s.InputErr, s.FindName, s.nameNote = "", "", ""
			s.Step = StepScanPick
			return s, nil
		}
		return leaveFind(s), nil
	}
	return s, nil
}

func searchApps(s State) (State, []Effect) {
	s.Step = StepAppSearching
	s.InputErr = ""
	return s, []Effect{SearchApps{Tenant: s.target(), Prefix: s.FindName}}
}

func appSearching(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case AppsFound:
		lists := [][]AppCandidate{e.Apps, ProfileCandidates(s.Profiles)}
		if s.Scan != nil {
			lists = append(lists, AppCandidatesFromScan(*s.Scan))
		}
		c, err := FindAppByName(s.FindName, lists...)
		var amb *AmbiguousAppError
		switch {
		case err == nil:
			return foundApp(s, c)
		case errors.As(err, &amb):
			if s.CheckOnly {
				return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Several apps have that name", Err: err.Error()})
			}
			s.Found = amb.Matches
			s.Step = StepAppPick
			return s, nil
		}
		msg := upperFirst(err.Error()) + "."
		if e.Err != nil {
			msg = "Could not search the tenant's apps (" + Sanitize(e.Err.Error(), 200) + "), and no app profile has that name."
		}
		if s.CheckOnly {
			return finish(s, Outcome{Kind: OutcomeFailed, Summary: "No app by that name", Err: msg})
		}
		if e.Err == nil {
			msg = "No app named " + strconv.Quote(s.FindName) + " in " + tenantName(s) + " or consentwiz's app profiles. Check the spelling or type the start of the name; an app that was never consented to has no entry in the tenant yet: then give its client id."
		}
		s.InputErr = msg
		s.Step = StepAppSearch
	case Back:
		s.Step = StepAppSearch
	}
	return s, nil
}

func appPick(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case strings.HasPrefix(string(e.Key), keyAppPrefix):
			i, err := strconv.Atoi(strings.TrimPrefix(string(e.Key), keyAppPrefix))
			if err != nil || i < 0 || i >= min(len(s.Found), maxScanOptions) {
				return s, nil
			}
			return foundApp(s, s.Found[i])
		case e.Key == KeySearch:
			s.Found = nil
			s.Step = StepAppSearch
		}
	case Back:
		s.Found = nil
		s.Step = StepAppSearch
	}
	return s, nil
}

// askByName is where a pasted text that names the app but has no app id
// leads: the name to find after sign-in, with what was read kept as hints.
func askByName(s State, m *MissingAppIDError) State {
	hints := m.Reading.App
	hints.ClientID = ""
	s.findFrom = hints
	s.App = hints
	s.FindName = hints.DisplayName
	s.nameNote = upperFirst(m.Error()) + "."
	if s.TenantText == "" && hints.TenantHint != "" {
		s.TenantText = hints.TenantHint
	}
	s.InputErr = ""
	s.Step = StepAppSearch
	return s
}

// canFindByName reports whether err is an input without an app id that
// names the app, so the wizard can look for it by that name.
func canFindByName(s State, err error) (*MissingAppIDError, bool) {
	var m *MissingAppIDError
	if s.Helpdesk || !errors.As(err, &m) || m.Reading.Personal || m.Reading.RetiredCloud {
		return nil, false
	}
	return m, strings.TrimSpace(m.Reading.App.DisplayName) != ""
}

// --- prompts ------------------------------------------------------------------

func scanningPrompt(s State) Prompt {
	e := scanEffect(s)
	return Prompt{Kind: PromptProgress, Title: "Finding what users are blocked on",
		Body: "Reading the sign-in logs of " + tenantName(s) + " since " + e.Since.UTC().Format("2006-01-02 15:04 UTC") +
			" (the sign-ins a consent problem stopped) and the pending admin consent requests. This is read-only; a big tenant takes a little longer.",
		CanBack: true}
}

func scanPickPrompt(s State) Prompt {
	r := s.Scan
	p := Prompt{Kind: PromptChoice, Title: "What users are blocked on in " + firstNonEmpty(s.Tenant.Domain, tenantName(s)), CanBack: true}
	if r == nil {
		return p
	}
	var b strings.Builder
	if len(r.Apps) == 0 {
		fmt.Fprintf(&b, "No app blocked anyone in the last %d days. Name the app another way:", scanDays(s))
	} else {
		fmt.Fprintf(&b, "From the sign-in logs of the last %d days and the pending admin consent requests, most users first. Pick the app to check:", scanDays(s))
	}
	for _, n := range r.Notes {
		b.WriteString("\n" + n)
	}
	if more := len(r.Apps) - maxScanOptions; more > 0 {
		fmt.Fprintf(&b, "\n%s more: search for one by name.", countNoun(more, "app", "apps"))
	}
	p.Body = note(b.String(), s.InputErr)
	for i, a := range r.Apps {
		if i == maxScanOptions {
			break
		}
		p.Options = append(p.Options, Option{Key: AppKey(i), Label: a.DisplayName, Detail: scanAppDetail(s, a)})
	}
	p.Options = append(p.Options,
		Option{Key: KeySearch, Label: "Search the tenant's apps by name"},
		Option{Key: KeyAppID, Label: "Type the app's client id"},
		Option{Key: KeyAppPaste, Label: "Paste the sign-in URL or the error text"},
		Option{Key: KeyRecheck, Label: "Read the sign-in logs again"})
	return p
}

// scanAppDetail is one app's line: users, when last seen, the codes, the
// pending requests.
func scanAppDetail(s State, a ScanApp) string {
	var parts []string
	if a.Users > 0 {
		parts = append(parts, countNoun(a.Users, "user", "users"))
	} else if a.Failures > 0 {
		parts = append(parts, countNoun(a.Failures, "failed sign-in", "failed sign-ins"))
	}
	if !a.LastSeen.IsZero() {
		parts = append(parts, "last seen "+ago(s.Now, a.LastSeen))
	}
	for i, c := range a.Codes {
		if i == 2 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, "AADSTS"+strconv.Itoa(c))
	}
	if a.PendingRequests > 0 {
		parts = append(parts, countNoun(a.PendingRequests, "pending request", "pending requests"))
	}
	if a.DisplayName == unnamedApp || len(parts) == 0 {
		parts = append(parts, a.ClientID)
	}
	return strings.Join(parts, " · ")
}

// ago says how long before now t was, in the largest whole unit.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case now.IsZero() || d < 0:
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return countNoun(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 48*time.Hour:
		return countNoun(int(d/time.Hour), "hour", "hours") + " ago"
	}
	return countNoun(int(d/(24*time.Hour)), "day", "days") + " ago"
}

func appSearchPrompt(s State) Prompt {
	p := Prompt{Kind: PromptInput, Title: "Find the app by name", Placeholder: "TrackerRMS", Default: s.FindName, CanBack: true}
	switch {
	case s.Helpdesk:
		p.Body = "Type the name users see. Without signing in, consentwiz finds it among its own app profiles only."
	case s.SignedIn != "" && s.Tenant.ID != "":
		p.Body = "Type the name users see (e.g. TrackerRMS): consentwiz looks for it among the apps of " + tenantName(s) + " and its own app profiles."
	default:
		p.Body = "Type the name users see (e.g. TrackerRMS): after you sign in, consentwiz looks for it among the tenant's apps and its own app profiles."
	}
	if s.nameNote != "" {
		p.Title = "The text has no app id: find the app by name?"
		p.Body = s.nameNote + "\n\nOr press Enter to look for " + strconv.Quote(s.FindName) + " by name in the tenant after you sign in."
	}
	p.Body = note(p.Body, s.InputErr)
	return p
}

func appSearchingPrompt(s State) Prompt {
	return Prompt{Kind: PromptProgress, Title: "Looking for the app",
		Body: "Looking for " + strconv.Quote(s.FindName) + " among the apps of " + tenantName(s) + " and consentwiz's app profiles. This is read-only.", CanBack: true}
}

func appPickPrompt(s State) Prompt {
	p := Prompt{Kind: PromptChoice, Title: "Several apps are named " + strconv.Quote(s.FindName), CanBack: true,
		Body: "Pick the one users try to connect; the client id tells them apart."}
	for i, c := range s.Found {
		if i == maxScanOptions {
			p.Body = note(p.Body, countNoun(len(s.Found)-i, "more app matches", "more apps match")+": search with a longer name.")
			break
		}
		from := "in the tenant"
		switch c.Source {
		case AppFromProfile:
			from = "consentwiz profile " + c.Profile
		case AppFromScan:
			from = "in the sign-in logs"
		}
		p.Options = append(p.Options, Option{Key: AppKey(i), Label: c.DisplayName, Detail: c.ClientID + " · " + from})
	}
	p.Options = append(p.Options, Option{Key: KeySearch, Label: "Search again with another name"})
	return p
}
