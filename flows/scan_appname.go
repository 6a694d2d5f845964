package flows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// By name: the admin knows an app by the name users saw, not by its
// client id. FindAppByName matches that name, case-insensitively, against
// the apps consentwiz knows of: the tenant's service principals (read with
// GET /servicePrincipals?$filter=startswith(displayName,'NAME'),
// docs/entra.md A5), the shipped profiles, and the apps a scan found.

// Where an AppCandidate comes from.
const (
	AppFromTenant  = "tenant"
	AppFromProfile = "profile"
	AppFromScan    = "scan"
)

// AppCandidate is an app a name may mean.
type AppCandidate struct {
	ClientID    string
	DisplayName string
	Source      string
	// Profile is the shipped profile's name when one describes the app.
	Profile string
}

// AppCandidatesFromServicePrincipals lists the tenant's service principals.
func AppCandidatesFromServicePrincipals(sps []entra.ServicePrincipal) []AppCandidate {
	out := make([]AppCandidate, 0, len(sps))
	for _, sp := range sps {
		out = append(out, AppCandidate{ClientID: sp.AppID, DisplayName: sp.DisplayName, Source: AppFromTenant})
	}
	return out
}

// AppCandidatesFromProfiles lists the shipped profiles, by display name and by name.
func AppCandidatesFromProfiles(ps []assets.AppProfile) []AppCandidate {
	refs := make([]AppRef, 0, len(ps))
	for _, p := range ps {
		refs = append(refs, FromProfile(p))
	}
	return ProfileCandidates(refs)
}

// ProfileCandidates lists app profiles (the wizard's WizardInput.Profiles,
// the shipped ones as FromProfile reads them) by display name and by name:
// the one list every command and the wizard look a name up in.
func ProfileCandidates(ps []AppRef) []AppCandidate {
	var out []AppCandidate
	for _, p := range ps {
		out = append(out, AppCandidate{ClientID: p.ClientID, DisplayName: firstNonEmpty(p.DisplayName, p.Profile), Source: AppFromProfile, Profile: p.Profile})
		if p.Profile != "" && !strings.EqualFold(p.Profile, p.DisplayName) {
			out = append(out, AppCandidate{ClientID: p.ClientID, DisplayName: p.Profile, Source: AppFromProfile, Profile: p.Profile})
		}
	}
	return out
}

// profileFor is the profile among ps with the client id, if any.
func profileFor(ps []AppRef, clientID string) (AppRef, bool) {
	for _, p := range ps {
		if clientID != "" && strings.EqualFold(NormalizeGUID(p.ClientID), clientID) {
			return p, true
		}
	}
	return AppRef{}, false
}

// AppCandidatesFromScan lists the apps a scan found.
func AppCandidatesFromScan(r ScanResult) []AppCandidate {
	out := make([]AppCandidate, 0, len(r.Apps))
	for _, a := range r.Apps {
		if a.DisplayName != unnamedApp {
			out = append(out, AppCandidate{ClientID: a.ClientID, DisplayName: a.DisplayName, Source: AppFromScan})
		}
	}
	return out
}

// AmbiguousAppError: several apps (distinct client ids) answer to the name.
type AmbiguousAppError struct {
	Name    string
	Matches []AppCandidate // sorted by name, then client id; sanitized
}

func (e *AmbiguousAppError) Error() string {
	var list []string
	for i, m := range e.Matches {
		if i == maxScanListSize {
			list = append(list, fmt.Sprintf("and %d more", len(e.Matches)-i))
			break
		}
		list = append(list, m.DisplayName+" ("+m.ClientID+")")
	}
	return fmt.Sprintf("%d apps are named %s: %s; give the one you mean by its client id", len(e.Matches),
		quoteInput(e.Name), strings.Join(list, ", "))
}

// ErrNoAppNamed: no app answers to the name.
var ErrNoAppNamed = errors.New("no app by that name")

// maxAppName caps the name an admin may type.
const maxAppName = 256

// FindAppByName finds the one app named name among the candidates: an exact
// match (case-insensitive, spaces collapsed) first, else the names that
// start with it, else those that contain it. Candidates with the same client
// id are one app (a tenant's name wins over a profile's; the profile is
// kept). Several apps at the first level that matches: *AmbiguousAppError
// listing them with their ids. None: an error wrapping ErrNoAppNamed that
// says what to do.
func FindAppByName(name string, candidates ...[]AppCandidate) (AppCandidate, error) {
	want := normName(name)
	switch {
	case want == "":
		return AppCandidate{}, errors.New("the app name is empty: give the name users see, e.g. TrackerRMS")
	case len(name) > maxAppName:
		return AppCandidate{}, fmt.Errorf("the app name is longer than %d characters: give the name users see", maxAppName)
	}
	apps := mergeCandidates(candidates)
	for _, match := range []func(string) bool{
		func(n string) bool { return n == want },
		func(n string) bool { return strings.HasPrefix(n, want) },
		func(n string) bool { return strings.Contains(n, want) },
	} {
		var found []AppCandidate
		for _, a := range apps {
			if slices.ContainsFunc(a.names, match) {
				found = append(found, a.AppCandidate)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		slices.SortFunc(found, func(x, y AppCandidate) int {
			if c := strings.Compare(strings.ToLower(x.DisplayName), strings.ToLower(y.DisplayName)); c != 0 {
				return c
			}
			return strings.Compare(x.ClientID, y.ClientID)
		})
		return AppCandidate{}, &AmbiguousAppError{Name: Sanitize(name, maxScanText), Matches: found}
	}
	return AppCandidate{}, fmt.Errorf("%w %s in the tenant or the shipped profiles: run consentwiz scan to list the apps blocking users, or give the app's client id",
		ErrNoAppNamed, quoteInput(name))
}

// namedApp is a merged candidate with every name it answers to (normalized).
type namedApp struct {
	AppCandidate
	names []string
}

func mergeCandidates(lists [][]AppCandidate) []*namedApp {
	byID := map[string]*namedApp{}
	var order []*namedApp
	for _, list := range lists {
		for _, c := range list {
			id := NormalizeGUID(c.ClientID)
			n := normName(c.DisplayName)
			if id == "" || n == "" {
				continue
			}
			c.ClientID, c.DisplayName, c.Profile = id, Sanitize(c.DisplayName, maxScanText), Sanitize(c.Profile, maxScanText)
			a, ok := byID[id]
			if !ok {
				a = &namedApp{AppCandidate: c}
				byID[id] = a
				order = append(order, a)
			} else {
				if c.Source == AppFromTenant && a.Source != AppFromTenant {
					a.DisplayName, a.Source = c.DisplayName, AppFromTenant
				}
				if a.Profile == "" {
					a.Profile = c.Profile
				}
			}
			if !slices.Contains(a.names, n) {
				a.names = append(a.names, n)
			}
		}
	}
	return order
}

// normName is a name as compared: sanitized, lower-case, spaces collapsed.
func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(Sanitize(s, 0)), " "))
}
