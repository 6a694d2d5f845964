package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"consentwiz/assets"
)

// maxProfile caps the size of a vendor's profile file.
const maxProfile = 64 << 10

// ParseProfile reads an app profile a vendor publishes (the schema of
// assets/apps/*.json, documented in assets/README.md) and validates it: known
// fields only, a name, a GUID client id, https redirect URIs, valid permission
// names, consentVersion v1 or v2, an https docs link. It is pure: the caller
// reads the file. The error is one line that says what to fix.
func ParseProfile(b []byte) (AppRef, error) {
	p, err := DecodeProfile(b)
	if err != nil {
		return AppRef{}, err
	}
	return FromProfile(p), nil
}

// DecodeProfile is ParseProfile returning the profile itself.
func DecodeProfile(b []byte) (assets.AppProfile, error) {
	var p assets.AppProfile
	if len(b) > maxProfile {
		return p, fmt.Errorf("profile: the file is larger than %d KiB; a profile is a small JSON object", maxProfile>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("profile: not a valid profile JSON object: %s", oneLine(err.Error()))
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, errors.New("profile: the file holds more than one JSON value; give one profile object")
	}
	if err := validateProfile(&p); err != nil {
		return p, fmt.Errorf("profile %s: %w", quoteInput(p.Name), err)
	}
	return p, nil
}

func validateProfile(p *assets.AppProfile) error {
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Name == "":
		return errors.New(`"name" is required`)
	case len(p.Name) > 60 || Sanitize(p.Name, 0) != p.Name || strings.ContainsAny(p.Name, " /\\"):
		return errors.New(`"name" must be one short word without spaces or slashes (e.g. TrackerRMS)`)
	}
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	for field, v := range map[string]string{"displayName": p.DisplayName, "vendor": p.Vendor} {
		if len(v) > 120 || Sanitize(v, 0) != strings.TrimSpace(v) {
			return fmt.Errorf("%q must be plain text of at most 120 characters", field)
		}
	}
	id := NormalizeGUID(p.ClientID)
	if id == "" {
		return fmt.Errorf(`"clientId" is not a GUID: %s`, quoteInput(p.ClientID))
	}
	p.ClientID = id
	for region, ru := range p.RedirectURIs {
		if region == "" || len(region) > 40 || Sanitize(region, 0) != region {
			return fmt.Errorf(`"redirectUris" has an invalid region name %s`, quoteInput(region))
		}
		v, err := ValidateRedirectURI(ru)
		if err != nil {
			return fmt.Errorf(`"redirectUris.%s": %w`, region, err)
		}
		if !strings.HasPrefix(strings.ToLower(v), "https://") {
			return fmt.Errorf(`"redirectUris.%s" must be https`, region)
		}
		p.RedirectURIs[region] = v
	}
	if len(p.Scopes) == 0 && len(p.AppRoles) == 0 {
		return errors.New(`"scopes" is required: the delegated Microsoft Graph permissions the app asks for`)
	}
	for field, list := range map[string][]string{"scopes": p.Scopes, "appRoles": p.AppRoles} {
		for _, s := range list {
			if !scopeTokenRE.MatchString(s) || strings.Contains(s, "/") || len(s) > 100 {
				return fmt.Errorf("%q has an invalid permission name %s (use short Graph names such as Calendars.ReadWrite)", field, quoteInput(s))
			}
		}
	}
	switch p.ConsentVersion {
	case "v1", "v2":
	case "":
		return errors.New(`"consentVersion" is required: "v1" or "v2"`)
	default:
		return fmt.Errorf(`"consentVersion" must be "v1" or "v2", not %s`, quoteInput(p.ConsentVersion))
	}
	if p.ConsentVersion == "v2" && len(p.RedirectURIs) == 0 {
		return errors.New(`"consentVersion" v2 needs at least one entry in "redirectUris" (v2 admin consent needs an exact redirect URI)`)
	}
	switch p.Prompt {
	case "", "consent", "admin_consent":
	default:
		return fmt.Errorf(`"prompt" must be "consent" or "admin_consent" (or left out), not %s`, quoteInput(p.Prompt))
	}
	if len(p.Notes) > 2000 || Sanitize(p.Notes, 0) != strings.Join(strings.Fields(p.Notes), " ") {
		return errors.New(`"notes" must be plain text of at most 2000 characters`)
	}
	if p.Docs != "" {
		u, err := url.Parse(p.Docs)
		if err != nil || u.Scheme != "https" || !validHost(strings.ToLower(u.Hostname())) || u.User != nil {
			return fmt.Errorf(`"docs" must be an https URL: %s`, quoteInput(p.Docs))
		}
	}
	return nil
}

func oneLine(s string) string { return Sanitize(s, 160) }
