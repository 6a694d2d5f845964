// Package assets holds consentwiz's embedded data: app profiles (apps/*.json),
// the AADSTS error-code catalogue (aadsts.json) and Microsoft's documented
// Microsoft-managed user consent policy (managed_policy.json). README.md
// documents the schemas.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed apps/*.json aadsts.json managed_policy.json
var files embed.FS

// AppProfile describes a third-party SaaS app consentwiz knows by name.
type AppProfile struct {
	// Name is the profile's name, matched case-insensitively (e.g. TrackerRMS).
	Name string `json:"name"`
	// DisplayName is how the app is shown; defaults to Name.
	DisplayName string `json:"displayName,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
	// ClientID is the app's application (client) id, a GUID.
	ClientID string `json:"clientId"`
	// RedirectURIs maps a region or variant name (uk, us, …) to a redirect URI
	// registered on the app.
	RedirectURIs map[string]string `json:"redirectUris,omitempty"`
	// Scopes are delegated Microsoft Graph permissions, short names.
	Scopes []string `json:"scopes"`
	// AppRoles are Microsoft Graph application permissions, short names.
	AppRoles []string `json:"appRoles,omitempty"`
	// ConsentVersion is "v1" or "v2": which admin consent endpoint suits the app.
	ConsentVersion string `json:"consentVersion"`
	// Prompt is the prompt the app sends on every sign-in when it forces one
	// ("consent" or "admin_consent"): users are then asked whatever is
	// granted, and only the vendor can stop it.
	Prompt string `json:"prompt,omitempty"`
	Notes  string `json:"notes,omitempty"`
	Docs   string `json:"docs,omitempty"`
}

// RedirectURIList returns the profile's redirect URIs sorted by region name.
func (p AppProfile) RedirectURIList() []string {
	keys := make([]string, 0, len(p.RedirectURIs))
	for k := range p.RedirectURIs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, p.RedirectURIs[k])
	}
	return out
}

// CodeInfo is one AADSTS error code in the catalogue.
type CodeInfo struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
	// UserScreen is the flows screen id (need-admin-approval, approval-required,
	// not-assigned, consent-prompt) when the code is shown on one, else "".
	UserScreen string `json:"userScreen"`
	// Screen describes what the user sees.
	Screen string `json:"screen"`
	Cause  string `json:"cause"`
	Action string `json:"action"`
	// Route is where the wizard goes: a fix id (admin-link, request-workflow,
	// grant-direct, …) or "vendor", "retry" or "assign-users".
	Route string `json:"route"`
	// Fixes are the fix ids that can help, best first.
	Fixes  []string `json:"fixes"`
	Source string   `json:"source"`
	// ThirdParty reports that Source is not Microsoft documentation (a public
	// issue, or Microsoft's live error lookup for a code its reference omits).
	ThirdParty bool `json:"thirdParty,omitempty"`
}

// Routes that are not fix ids.
const (
	RouteVendor      = "vendor"
	RouteRetry       = "retry"
	RouteAssignUsers = "assign-users"
)

// ManagedPolicy is what Microsoft documents the Microsoft-managed user consent
// policy ("Let Microsoft manage your consent settings") to exclude, and its
// companion mail-client policy, with the page and the date it was checked.
// The live tenant's excludes stay the truth; this is the documented list for
// offline use and for the simulator.
type ManagedPolicy struct {
	Source   string `json:"source"`
	URL      string `json:"url"`
	MSDate   string `json:"msDate"`  // the page's ms.date
	Checked  string `json:"checked"` // when the list was compared with the page
	PolicyID string `json:"policyId"`
	Setting  string `json:"setting"`
	Rule     string `json:"rule"`
	Note     string `json:"note"`
	// Excluded holds one permission list per resource application.
	Excluded    []ResourcePermissions `json:"excluded"`
	MailClients MailClientPolicy      `json:"mailClients"`
}

// ResourcePermissions are delegated permissions (values) of one resource app.
type ResourcePermissions struct {
	Resource      string   `json:"resource"`
	ResourceAppID string   `json:"resourceAppId"`
	Permissions   []string `json:"permissions"`
}

// MailClientPolicy is the policy that lets users consent to the excluded mail
// permissions for a fixed list of mail apps.
type MailClientPolicy struct {
	PolicyID string     `json:"policyId"`
	Rule     string     `json:"rule"`
	Apps     []NamedApp `json:"apps"`
}

// NamedApp is an application by name and application (client) id.
type NamedApp struct {
	Name  string `json:"name"`
	AppID string `json:"appId"`
}

// ExcludedFor returns the documented excluded permissions of the resource
// application (nil when the policy excludes nothing of it).
func (m ManagedPolicy) ExcludedFor(resourceAppID string) []string {
	for _, r := range m.Excluded {
		if strings.EqualFold(r.ResourceAppID, resourceAppID) {
			return append([]string(nil), r.Permissions...)
		}
	}
	return nil
}

var (
	loadOnce sync.Once
	profiles []AppProfile
	codes    []CodeInfo
	managed  ManagedPolicy
	loadErr  error
)

func load() {
	entries, err := files.ReadDir("apps")
	if err != nil {
		loadErr = fmt.Errorf("assets: %w", err)
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := files.ReadFile(path.Join("apps", e.Name()))
		if err != nil {
			loadErr = fmt.Errorf("assets: %w", err)
			return
		}
		var p AppProfile
		if err := json.Unmarshal(b, &p); err != nil {
			loadErr = fmt.Errorf("assets: apps/%s: %w", e.Name(), err)
			return
		}
		if p.DisplayName == "" {
			p.DisplayName = p.Name
		}
		profiles = append(profiles, p)
	}
	sort.Slice(profiles, func(i, j int) bool {
		return strings.ToLower(profiles[i].Name) < strings.ToLower(profiles[j].Name)
	})
	b, err := files.ReadFile("aadsts.json")
	if err != nil {
		loadErr = fmt.Errorf("assets: %w", err)
		return
	}
	if err := json.Unmarshal(b, &codes); err != nil {
		loadErr = fmt.Errorf("assets: aadsts.json: %w", err)
		return
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i].Code < codes[j].Code })
	b, err = files.ReadFile("managed_policy.json")
	if err != nil {
		loadErr = fmt.Errorf("assets: %w", err)
		return
	}
	if err := json.Unmarshal(b, &managed); err != nil {
		loadErr = fmt.Errorf("assets: managed_policy.json: %w", err)
	}
}

// Managed returns Microsoft's documented Microsoft-managed user consent policy
// (a copy: callers may change it).
func Managed() (ManagedPolicy, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return ManagedPolicy{}, loadErr
	}
	m := managed
	m.Excluded = make([]ResourcePermissions, len(managed.Excluded))
	for i, r := range managed.Excluded {
		r.Permissions = append([]string(nil), r.Permissions...)
		m.Excluded[i] = r
	}
	m.MailClients.Apps = append([]NamedApp(nil), managed.MailClients.Apps...)
	return m, nil
}

// Profiles returns every embedded app profile, sorted by name.
func Profiles() ([]AppProfile, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	out := make([]AppProfile, len(profiles))
	copy(out, profiles)
	return out, nil
}

// Profile returns the profile named name (case-insensitive).
func Profile(name string) (AppProfile, error) {
	ps, err := Profiles()
	if err != nil {
		return AppProfile{}, err
	}
	n := strings.TrimSpace(name)
	for _, p := range ps {
		if strings.EqualFold(p.Name, n) {
			return p, nil
		}
	}
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return AppProfile{}, fmt.Errorf("no app profile %q: known profiles are %s", name, strings.Join(names, ", "))
}

// Codes returns the AADSTS catalogue sorted by code.
func Codes() ([]CodeInfo, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	out := make([]CodeInfo, len(codes))
	copy(out, codes)
	return out, nil
}

// Code returns the catalogue entry for AADSTS code n, and whether it exists.
func Code(n int) (CodeInfo, bool) {
	cs, err := Codes()
	if err != nil {
		return CodeInfo{}, false
	}
	for _, c := range cs {
		if c.Code == n {
			return c, true
		}
	}
	return CodeInfo{}, false
}
