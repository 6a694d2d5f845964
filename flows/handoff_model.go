package flows

import (
	"time"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// The hand-off's model: what BuildHandoff produces and what it is built from.

// HandoffInput is what the helpdesk knows when handing the problem to an admin.
type HandoffInput struct {
	// App is the app, from a client id, a profile, a pasted URL or error text.
	App AppRef
	// Tenant is the tenant; ID may be empty offline (the domain is used then).
	// Its Cloud is the cloud links are built for (login and admin-center hosts).
	Tenant TenantInfo
	// Diagnosis is the live diagnosis when someone signed in (e.g. as Global
	// Reader); nil offline.
	Diagnosis *Diagnosis
	// Explanation is the explained error the user got (Explain), when known.
	Explanation *Explanation
	// GeneratedAt is when the hand-off was made (the driver passes the clock).
	GeneratedAt time.Time
	// Version is consentwiz's version.
	Version string
	// Notes are extra remarks from the driver (e.g. the tenant id could not be looked up).
	Notes []string
	// ClientNotConsented: consentwiz's own sign-in was refused in the tenant
	// because nobody has consented to it there (AADSTS65001, 90094): a
	// read-only `consentwiz check` then needs an administrator who can
	// consent to it, not a Global Reader.
	ClientNotConsented bool
}

// Hand-off fix keys (stable; used in tests and by drivers).
const (
	HandoffConsentLink     = "consent-link"
	HandoffPortalGrant     = "portal-grant"
	HandoffApproveRequest  = "approve-request"
	HandoffRequestWorkflow = "request-workflow"
	HandoffGrantDirect     = "grant-direct"
	HandoffUserConsent     = "user-consent"
	HandoffAssignUsers     = "assign-users"
	HandoffEnableApp       = "enable-app"
	// HandoffVendor: the app forces a consent prompt on every sign-in; only
	// its vendor can stop it (docs/entra.md B1).
	HandoffVendor = "vendor"
)

// Handoff is a complete hand-off for the admin: what is wrong, the admin
// consent link, what the app asks for, every way to fix it with portal links,
// steps and roles, and how to check the result. All strings are sanitized.
type Handoff struct {
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generatedAt"`
	Version     string    `json:"version"`
	AppName     string    `json:"appName"`
	ClientID    string    `json:"clientId"`
	Profile     string    `json:"profile,omitempty"`
	// Tenant is the tenant segment used in links (id, domain, or "" for none).
	Tenant      string         `json:"tenant"`
	TenantLabel string         `json:"tenantLabel"`
	Cloud       string         `json:"cloud"`
	Problem     HandoffProblem `json:"problem"`
	Live        *HandoffLive   `json:"live,omitempty"`
	// ConsentLinks are the admin consent URLs, the preferred one first.
	ConsentLinks []HandoffLink       `json:"consentLinks"`
	Permissions  []HandoffPermission `json:"permissions"`
	Fixes        []HandoffFix        `json:"fixes"`
	Verify       HandoffVerify       `json:"verify"`
	Notes        []string            `json:"notes"`
}

// HandoffProblem is what the user ran into.
type HandoffProblem struct {
	Code          int    `json:"code,omitempty"`
	Name          string `json:"name,omitempty"`
	Meaning       string `json:"meaning,omitempty"`
	UserSaw       string `json:"userSaw"`
	Cause         string `json:"cause,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
	TraceID       string `json:"traceId,omitempty"`
	Source        string `json:"source,omitempty"`
}

// HandoffLive summarises a live diagnosis.
type HandoffLive struct {
	CheckedBy string   `json:"checkedBy,omitempty"`
	Roles     []string `json:"roles"`
	Blocked   bool     `json:"blocked"`
	// Verdict is the diagnosis's ok, blocked or unknown; VerdictWhy says,
	// for unknown, what could not be read.
	Verdict        string    `json:"verdict"`
	VerdictWhy     string    `json:"verdictWhy,omitempty"`
	UserScreen     string    `json:"userScreen"`
	Findings       []Finding `json:"findings"`
	Recommended    FixID     `json:"recommended,omitempty"`
	RecommendedWhy string    `json:"recommendedWhy"`
	Unreadable     []string  `json:"unreadable"`
}

// HandoffLink is a labelled URL.
type HandoffLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// HandoffPermission is one permission the app asks for.
type HandoffPermission struct {
	Name string `json:"name"`
	// Kind is "delegated", "application" or "other API".
	Kind string `json:"kind"`
	// AdminOnly is known only with a diagnosis (Known).
	AdminOnly bool `json:"adminOnly"`
	Granted   bool `json:"granted"`
	// ManagedBlocked: the Microsoft-managed user-consent policy excludes it
	// (live with a diagnosis; from the documented list offline).
	ManagedBlocked bool `json:"managedBlocked"`
	Known          bool `json:"known"`
}

// HandoffFix is one way to fix the problem.
type HandoffFix struct {
	Key   string `json:"key"`
	Fix   FixID  `json:"fix,omitempty"`
	Title string `json:"title"`
	// Summary says what it does, in a sentence.
	Summary string      `json:"summary"`
	Role    string      `json:"role"`
	Link    HandoffLink `json:"link"`
	Steps   []string    `json:"steps"`
	Command string      `json:"command,omitempty"`
	// Recommended marks the fix to do first.
	Recommended bool `json:"recommended"`
	// Checked says a live diagnosis decided Viable and Reason.
	Checked bool   `json:"checked"`
	Viable  bool   `json:"viable"`
	Reason  string `json:"reason,omitempty"`
	// Caution is a warning to read before doing it.
	Caution string `json:"caution,omitempty"`
	// Message is a ready text to send on (to the vendor).
	Message string `json:"message,omitempty"`
}

// HandoffVerify says how to check the result afterwards.
type HandoffVerify struct {
	Link    HandoffLink `json:"link"`
	Steps   []string    `json:"steps"`
	Command string      `json:"command"`
}

// Navigation texts of the Entra admin center (docs/entra.md D).
const (
	navUserConsent     = "Entra ID > Enterprise apps > Consent and permissions > User consent settings"
	navAdminConsent    = "Entra ID > Enterprise apps > Consent and permissions > Admin consent settings"
	navClassifications = "Entra ID > Enterprise apps > Consent and permissions > Permission classifications"
	navRequests        = "Entra ID > Enterprise apps > Activity > Admin consent requests"
	navAllApps         = "Entra ID > Enterprise apps > All applications"
)

// managedExcludedDocumented reports whether Microsoft documents the
// Microsoft-managed user-consent policy to exclude the permission scope
// (Graph's short name, or another API's qualified scope): one list,
// assets/managed_policy.json (docs/entra.md B4). The live excludes decide;
// this list only warns offline.
func managedExcludedDocumented(scope string) bool {
	m, err := assets.Managed()
	if err != nil {
		return false
	}
	res, value := entra.ResourceOfScope(scope)
	return containsFold(m.ExcludedFor(res), value)
}
