// Package flows is consentwiz's pure domain: input parsing, the diagnosis of a
// tenant's consent settings, consent URLs, and the wizard's state machine.
// It does no I/O: no tea, lipgloss, net/http, os or time.Now.
package flows

import (
	"encoding/json"
	"strings"

	"consentwiz/graph/entra"
)

// FixID is the stable id of a fix, used in the CLI, JSON output, reports and
// tests. Each fix declares its id in its own fix_*.go file; AllFixes (fix.go)
// lists them in display order.
type FixID string

// Severity grades a finding.
type Severity string

// Severities, from harmless to blocking.
const (
	SeverityOK      Severity = "ok"
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityBlocker Severity = "blocker"
)

// Rank orders severities from harmless (0) to blocking (3), for sorting.
func (s Severity) Rank() int {
	switch s {
	case SeverityBlocker:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// User screens: what the end user sees when they connect the app (docs/entra.md B1, B2).
const (
	ScreenNone              = "none"
	ScreenConsentPrompt     = "consent-prompt"
	ScreenNeedAdminApproval = "need-admin-approval"
	ScreenApprovalRequired  = "approval-required"
	ScreenNotAssigned       = "not-assigned"
	// ScreenUnknown: what users see could not be told (Verdict unknown).
	ScreenUnknown = "unknown"
)

// Verdicts of a diagnosis (Diagnosis.Verdict; `consentwiz check` exits 0, 3, 5).
const (
	VerdictOK      = "ok"      // nothing blocks users
	VerdictBlocked = "blocked" // users are blocked
	// VerdictUnknown: what the verdict needs could not be read (a 403, an
	// API whose permissions consentwiz cannot read): unknown is not blocked.
	VerdictUnknown = "unknown"
)

// User-consent settings as `check --json` names them.
const (
	ConsentDisabled         = "disabled"
	ConsentLow              = "low"
	ConsentLegacy           = "legacy"
	ConsentMicrosoftManaged = "microsoft-managed"
	ConsentCustom           = "custom"
)

// AppRef names the app being fixed, from a client id, a profile, a pasted URL or
// pasted error text. Only ClientID is required.
type AppRef struct {
	ClientID    string `json:"clientId"`
	DisplayName string `json:"displayName,omitempty"`
	Profile     string `json:"profile,omitempty"`
	// Scopes are the delegated Microsoft Graph permissions the app asks for (short
	// names such as Calendars.ReadWrite), when known.
	Scopes []string `json:"scopes,omitempty"`
	// AppRoles are application permissions the app needs, when known.
	AppRoles     []string `json:"appRoles,omitempty"`
	RedirectURIs []string `json:"redirectUris,omitempty"`
	// InputRedirectURI is the redirect_uri the pasted URL carried, if any: the
	// vendor's callback, which some vendors need to finish onboarding. It is
	// also RedirectURIs[0]; a profile's redirect URIs never set it.
	InputRedirectURI string `json:"inputRedirectUri,omitempty"`
	// ConsentVersion is "v1" or "v2": which admin consent endpoint suits the app.
	ConsentVersion string `json:"consentVersion,omitempty"`
	// Hints gathered from pasted text.
	TenantHint string `json:"tenantHint,omitempty"`
	// Prompt is the prompt the app sends on sign-in (from a pasted URL or
	// the app's profile): consent or admin_consent force a consent screen on
	// every sign-in, whatever is granted (docs/entra.md B1).
	Prompt string `json:"prompt,omitempty"`
	// PromptLink reports that Prompt comes from an admin consent link
	// published on purpose (the adminconsent endpoint, or an authorize URL
	// with prompt=admin_consent and no scope or state of a sign-in), not
	// from the app's sign-in: it forces nothing on users.
	PromptLink    bool   `json:"promptLink,omitempty"`
	ErrorCode     int    `json:"errorCode,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
	// TraceID is the Trace ID or Request Id shown on the sign-in error page.
	TraceID string `json:"traceId,omitempty"`
	// OtherScopes are scopes for resources other than Microsoft Graph, kept
	// fully qualified (e.g. https://outlook.office.com/EWS.AccessAsUser.All).
	OtherScopes []string `json:"otherScopes,omitempty"`
	// LoginHost is the host of a pasted URL and CloudHint the national cloud
	// it belongs to (global, usgov, china), when known.
	LoginHost string `json:"loginHost,omitempty"`
	CloudHint string `json:"cloudHint,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// TenantInfo identifies the tenant: its id, its default domain, and the cloud
// it lives in. Cloud carries the hosts of the links a person opens (the
// driver fills them; see TenantResolved). In JSON the cloud is its name.
type TenantInfo struct {
	ID     string
	Domain string
	Cloud  entra.Cloud
}

type tenantJSON struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
	Cloud  string `json:"cloud"`
}

// MarshalJSON writes {"id","domain","cloud": the cloud's name}.
func (t TenantInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(tenantJSON{ID: t.ID, Domain: t.Domain, Cloud: t.Cloud.Name})
}

// UnmarshalJSON reads what MarshalJSON writes; a known cloud name gets its hosts.
func (t *TenantInfo) UnmarshalJSON(b []byte) error {
	var j tenantJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = TenantInfo{ID: j.ID, Domain: j.Domain}
	if j.Cloud != "" {
		t.Cloud = cloudNamed(j.Cloud)
	}
	return nil
}

// cloudNamed is the national cloud name names, with its hosts; "" is the
// global cloud; an unknown name keeps only the name.
func cloudNamed(name string) entra.Cloud {
	if name == "" {
		name = "global"
	}
	if c, ok := entra.Clouds[strings.ToLower(name)]; ok {
		return c
	}
	return entra.Cloud{Name: name}
}

// withHosts fills in the hosts of a cloud known by name only.
func withHosts(c entra.Cloud) entra.Cloud {
	if c.LoginURL != "" || c.GraphURL != "" || c.PortalURL != "" {
		return c
	}
	return cloudNamed(c.Name)
}

// AppInfo is what the tenant knows of the app.
type AppInfo struct {
	ClientID           string `json:"clientId"`
	DisplayName        string `json:"displayName"`
	ServicePrincipalID string `json:"servicePrincipalId"`
	PublisherVerified  bool   `json:"publisherVerified"`
	AssignmentRequired bool   `json:"assignmentRequired"`
	Enabled            bool   `json:"enabled"`
}

// UserConsentInfo is the tenant's user-consent setting.
type UserConsentInfo struct {
	// Setting is one of disabled|low|legacy|microsoft-managed|custom.
	Setting string `json:"setting"`
	// PortalName is the setting as the Entra admin center names it.
	PortalName string `json:"portalName"`
	// PolicyIDs are the full permissionGrantPoliciesAssigned values.
	PolicyIDs []string `json:"policyIds"`
}

// WorkflowInfo is the admin consent request workflow.
type WorkflowInfo struct {
	Enabled               bool     `json:"enabled"`
	Reviewers             []string `json:"reviewers"`
	NotifyReviewers       bool     `json:"notifyReviewers"`
	RemindersEnabled      bool     `json:"remindersEnabled"`
	RequestDurationInDays int      `json:"requestDurationInDays"`
}

// ScopeInfo compares what the app asks for with what the tenant granted.
type ScopeInfo struct {
	Requested              []string `json:"requested"`
	Granted                []string `json:"granted"`
	Missing                []string `json:"missing"`
	AdminOnly              []string `json:"adminOnly"`
	BlockedByManagedPolicy []string `json:"blockedByManagedPolicy"`
	// AppRolesMissing are application permissions not yet assigned.
	AppRolesMissing []string `json:"appRolesMissing"`
	// MayDropWithV1Link are permissions the app asks for that are granted
	// tenant-wide already and that a v1 admin consent link may revoke: it
	// grants the app registration's static permissions and replaces the
	// tenant-wide grant (docs/entra.md A6, C1).
	MayDropWithV1Link []string `json:"mayDropWithV1Link"`
}

// PendingRequest is a user's pending admin consent request for the app.
type PendingRequest struct {
	RequestID     string   `json:"requestId"`
	UserRequestID string   `json:"userRequestId"`
	Requester     string   `json:"requester"`
	Reason        string   `json:"reason"`
	Scopes        []string `json:"scopes"`
	Created       string   `json:"created"`
}

// Finding is one line of the diagnosis checklist.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Detail   string   `json:"detail,omitempty"`
}

// FixOption says whether a fix can work in this tenant, and why.
type FixOption struct {
	ID        FixID  `json:"id"`
	Title     string `json:"title"`
	Viable    bool   `json:"viable"`
	Reason    string `json:"reason"`
	NeedsRole string `json:"needsRole"`
	// HasRole reports whether the signed-in account holds NeedsRole (or better).
	HasRole bool `json:"hasRole"`
	// RoleUnknown: the signed-in account's roles could not be read, so
	// whether it holds NeedsRole is unknown (HasRole is then false, and
	// means nothing).
	RoleUnknown bool `json:"roleUnknown,omitempty"`
	// Writes reports whether the fix changes tenant settings itself.
	Writes bool `json:"writes"`
}

// Diagnosis is the full analysis of why users are blocked. It marshals to the
// object `consentwiz check --json` prints.
type Diagnosis struct {
	Tenant          TenantInfo       `json:"tenant"`
	App             AppInfo          `json:"app"`
	UserConsent     UserConsentInfo  `json:"userConsent"`
	RequestWorkflow WorkflowInfo     `json:"requestWorkflow"`
	Scopes          ScopeInfo        `json:"scopes"`
	PendingRequests []PendingRequest `json:"pendingRequests"`
	UserScreen      string           `json:"userScreen"`
	// UserCode is the AADSTS code of the screen users see, when known
	// (90093 when user consent is off, 90094, 90095, 50105, 7000112).
	UserCode int `json:"userCode,omitempty"`
	// Blocked reports whether users are known to be stopped from connecting
	// the app (false when the verdict is unknown).
	Blocked bool `json:"blocked"`
	// Verdict is ok, blocked or unknown: unknown when what it needs could
	// not be read; VerdictWhy then names what could not be read and which
	// role would read it, and Undecided lists those snapshot parts.
	Verdict        string      `json:"verdict"`
	VerdictWhy     string      `json:"verdictWhy,omitempty"`
	Undecided      []string    `json:"undecided"`
	Findings       []Finding   `json:"findings"`
	Fixes          []FixOption `json:"fixes"`
	Recommended    FixID       `json:"recommended"`
	RecommendedWhy string      `json:"recommendedWhy"`
	// SignedInAs and Roles describe the account that ran the diagnosis.
	SignedInAs string   `json:"signedInAs"`
	Roles      []string `json:"roles"`
	// RolesFrom is "gdap" when Roles are those a partner's GDAP
	// relationships give the account in this customer's tenant (its
	// directory holds none for a delegated admin: docs/entra.md I).
	RolesFrom string `json:"rolesFrom,omitempty"`
	// Unreadable lists snapshot parts the account could not read.
	Unreadable []string `json:"unreadable"`
	// OpenChanges are changes by consentwiz in the tenant that were not put
	// back (NoteOpenChanges): what the diagnosis read may be consentwiz's
	// temporary value, not the tenant's own.
	OpenChanges []OpenChange `json:"openChanges,omitempty"`
}

// Fix returns the option for id, and whether it is present.
func (d Diagnosis) Fix(id FixID) (FixOption, bool) {
	for _, f := range d.Fixes {
		if f.ID == id {
			return f, true
		}
	}
	return FixOption{}, false
}
