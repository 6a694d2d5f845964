package ui

import (
	"errors"
	"strings"

	"consentwiz/assets"
	"consentwiz/flows"
)

// AppFlags are the command-line flags that name the app (--app, --url,
// --error, --profile, --scope) and the tenant (--tenant). ui/cli registers
// them once for every command that takes them; Ref is the one rule that turns
// them into a flows.AppRef.
type AppFlags struct {
	App, URL, Error, Profile string
	Scopes                   []string
	Tenant                   string
	// ErrorExplains is set by `handoff`: there --error may come with --app,
	// --url or --profile; the app comes from those and the error text only
	// explains what the user saw.
	ErrorExplains bool
}

// errNameTheApp is what a command that needs the app says when none is named.
var errNameTheApp = errors.New("name the app with --app ID, --url URL, --error TEXT or --profile NAME")

// named returns the one flag that names the app and its value ("" when none).
// More than one of --app, --url, --error and --profile is an error, except
// --error next to another one when ErrorExplains is set.
func (f AppFlags) named() (flag, value string, err error) {
	var set []string
	for _, c := range []struct{ flag, value string }{
		{"--profile", f.Profile}, {"--app", f.App}, {"--url", f.URL}, {"--error", f.Error},
	} {
		if c.value == "" || (c.flag == "--error" && f.ErrorExplains && len(set) > 0) {
			continue
		}
		if len(set) == 0 {
			flag, value = c.flag, c.value
		}
		set = append(set, c.flag)
	}
	if len(set) > 1 {
		return "", "", errors.New("name the app once: use only one of " + strings.Join(set, ", "))
	}
	return flag, value, nil
}

// parseNamed turns the value of one app flag into an AppRef.
func parseNamed(flag, value string) (flows.AppRef, error) {
	switch flag {
	case "--profile":
		p, err := assets.Profile(value)
		if err != nil {
			return flows.AppRef{}, err
		}
		return flows.FromProfile(p), nil
	case "--url":
		return flows.ParseURL(value)
	case "--error":
		return flows.ParseErrorText(value)
	}
	return flows.ParseApp(value)
}

// withScopes applies --scope: the permissions the app asks for.
func (f AppFlags) withScopes(ref flows.AppRef) flows.AppRef {
	if len(f.Scopes) > 0 && ref.ClientID != "" {
		ref.Scopes = append([]string(nil), f.Scopes...)
	}
	return ref
}

// Ref is the app the flags name, for the commands that need its client id
// (check, link, handoff).
func (f AppFlags) Ref() (flows.AppRef, error) {
	flag, value, err := f.named()
	if err != nil {
		return flows.AppRef{}, err
	}
	if flag == "" {
		return flows.AppRef{}, errNameTheApp
	}
	ref, err := parseNamed(flag, value)
	if err != nil {
		return ref, err
	}
	if ref.ClientID == "" {
		return ref, errors.New("no client id found: give it with --app GUID")
	}
	return f.withScopes(ref), nil
}

// wizardApp is the app for the wizard's first screen: a parsed AppRef, or
// the text when it does not parse (the wizard shows why and asks again), or
// nothing (the wizard asks).
func (f AppFlags) wizardApp() (ref flows.AppRef, text string, err error) {
	flag, value, err := f.named()
	if err != nil || flag == "" {
		return ref, "", err
	}
	ref, perr := parseNamed(flag, value)
	if perr != nil {
		if flag == "--profile" {
			return ref, "", perr
		}
		return flows.AppRef{}, value, nil
	}
	return f.withScopes(ref), "", nil
}

// tenantFor is --tenant, else the tenant the app's URL or error text names.
func (f AppFlags) tenantFor(ref flows.AppRef) string {
	if f.Tenant != "" {
		return f.Tenant
	}
	return ref.TenantHint
}
