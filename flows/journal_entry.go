package flows

import (
	"consentwiz/graph/entra"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The journal's record of a change (docs/safety.md): what a fix is about to
// change or create, kept on disk by the driver until it is put back or
// verified, and checked when it is read back.

// JournalEntry records a change before it is written, so it can be undone after
// a crash. It holds a setting, objects, or both:
//   - the user-consent setting (What == JournalWhat, Original/Set);
//   - for a temporary request workflow, the admin consent request policy
//     (What == JournalWhatRequestPolicy, OriginalRequestPolicy/SetRequestPolicy);
//   - the directory objects a fix creates, and the grants whose scope it
//     changes (Objects; What == JournalWhatCreated when there is no setting).
//
// classify-low keeps its classifications and its setting in one entry, so
// that saving, restoring and clearing them is one step. Entries written before
// the request policy could be journaled have no What and are user-consent
// entries. It never holds a token.
type JournalEntry struct {
	// ID names the entry: "<tenant id>-<run id>-<n>", unique across processes
	// (the run id is random, made by the driver: WizardInput.RunID).
	ID           string `json:"id"`
	TenantID     string `json:"tenantId"`
	TenantDomain string `json:"tenantDomain,omitempty"`
	// Cloud is the name of the tenant's cloud ("" in entries of old versions:
	// the configured cloud).
	Cloud string `json:"cloud"`
	Fix   FixID  `json:"fix"`
	AppID string `json:"appId,omitempty"`
	// What is the setting changed (JournalWhatCreated: none, only objects).
	What string `json:"what"`
	// Original is the full permissionGrantPoliciesAssigned before the change,
	// including every ManagePermissionGrantsForOwnedResource.* entry.
	Original []string `json:"original"`
	// Set is the value the wizard wrote.
	Set []string `json:"set"`
	// OriginalRequestPolicy is the full adminConsentRequestPolicy before the
	// change (What == JournalWhatRequestPolicy).
	OriginalRequestPolicy *entra.AdminConsentRequestPolicy `json:"originalRequestPolicy,omitempty"`
	// SetRequestPolicy is the adminConsentRequestPolicy the wizard wrote.
	SetRequestPolicy *entra.AdminConsentRequestPolicy `json:"setRequestPolicy,omitempty"`
	// Objects are what the fix creates, in the order it creates them: all of
	// them saved before the first create, each marked sent before its own
	// create and updated with its id after.
	Objects []JournalObject `json:"objects,omitempty"`
	At      time.Time       `json:"at"`
	// By is the account that wrote (its user name); ByTenant the id of the
	// tenant it lives in when that is not TenantID (a partner's delegated
	// admin, a guest): a restore signs in as By, from ByTenant.
	By       string `json:"by"`
	ByTenant string `json:"byTenant,omitempty"`
}

// JournalObject is one directory object a fix creates (or, Kind
// ObjectGrantScope, an existing grant whose scope it changes): enough to find
// it again without its id (an answer may be lost, a process killed before the
// id was saved), to delete it, or to create it when the fix is completed.
type JournalObject struct {
	Kind ObjectKind `json:"kind"`
	// ID is the object's id once it is known ("" while its create may or may
	// not have happened); for ObjectGrantScope, the grant's id.
	ID    string `json:"id,omitempty"`
	Label string `json:"label,omitempty"`
	// Planned: part of the fix's plan, its create not sent yet (it cannot
	// exist by this run; a restore that removes leaves it alone).
	Planned bool `json:"planned,omitempty"`
	// ResourceID is the resource service principal (Microsoft Graph) of a
	// grant, an app role assignment or a classification.
	ResourceID string `json:"resourceId,omitempty"`
	// Scope is a grant's scopes; for ObjectGrantScope the scopes set, and
	// ScopeBefore the scopes it replaced.
	Scope       string `json:"scope,omitempty"`
	ScopeBefore string `json:"scopeBefore,omitempty"`
	// PrincipalID is who an assignment of the app's own role is for (a user
	// or group, ObjectPrincipalAssignment).
	PrincipalID string `json:"principalId,omitempty"`
	// AppRoleID and RoleName name an app role assignment's role.
	AppRoleID string `json:"appRoleId,omitempty"`
	RoleName  string `json:"roleName,omitempty"`
	// PermissionID, PermissionName and Classification describe a classification.
	PermissionID   string `json:"permissionId,omitempty"`
	PermissionName string `json:"permissionName,omitempty"`
	Classification string `json:"classification,omitempty"`
}

// IsRequestPolicy reports whether the entry is for the admin consent request
// policy (a temporary request workflow) rather than the user-consent setting.
func (j JournalEntry) IsRequestPolicy() bool {
	return j.What == JournalWhatRequestPolicy && j.OriginalRequestPolicy != nil && j.SetRequestPolicy != nil
}

// HasSetting reports whether the entry holds a setting to put back (the
// user-consent setting or the request policy), not only objects.
func (j JournalEntry) HasSetting() bool { return j.What != JournalWhatCreated }

// HasObjects reports whether the entry lists objects the fix created.
func (j JournalEntry) HasObjects() bool { return len(j.Objects) > 0 }

// Target is the tenant the entry's change was made in.
func (j JournalEntry) Target() TenantRef { return TenantRef{ID: j.TenantID, Cloud: j.Cloud} }

// Check says what is wrong with an entry read from a journal file, or nil:
// an entry of a kind this version does not know is refused, never restored
// as something else.
func (j JournalEntry) Check() error {
	switch {
	case j.ID == "":
		return errors.New("an entry has no id")
	case j.TenantID == "":
		return fmt.Errorf("entry %s names no tenant", j.ID)
	case j.Cloud != "" && !knownCloud(j.Cloud):
		return fmt.Errorf("entry %s is for an unknown cloud %q", j.ID, j.Cloud)
	}
	switch j.What {
	case "", JournalWhat:
	case JournalWhatRequestPolicy:
		if !j.IsRequestPolicy() {
			return fmt.Errorf("entry %s of the request policy lacks the policy values", j.ID)
		}
	case JournalWhatCreated:
		if !j.HasObjects() {
			return fmt.Errorf("entry %s lists no objects", j.ID)
		}
	default:
		return fmt.Errorf("entry %s is of an unknown kind %q (written by a newer consentwiz?)", j.ID, j.What)
	}
	for _, o := range j.Objects {
		if !o.Kind.known() {
			return fmt.Errorf("entry %s lists an object of an unknown kind %q", j.ID, o.Kind)
		}
		if o.Kind == ObjectGrantScope && o.ID == "" {
			return fmt.Errorf("entry %s changes a grant without its id", j.ID)
		}
	}
	return nil
}

// JournalWhat is JournalEntry.What for the user-consent setting.
const JournalWhat = "authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned"

// JournalWhatRequestPolicy is JournalEntry.What for the admin consent request policy.
const JournalWhatRequestPolicy = "adminConsentRequestPolicy"

// JournalWhatCreated is JournalEntry.What for an entry that holds only the
// objects a fix created (grant-direct, classify-low before its setting).
const JournalWhatCreated = "createdObjects"

// CreatedObject is something a fix created, with how to delete it on undo.
type CreatedObject struct {
	Kind     ObjectKind
	ID       string
	ParentID string // e.g. the resource service principal of an app role assignment or classification
	Label    string

	step int // index of the plan item that created it
}

// ObjectKind names a created directory object.
type ObjectKind string

// Object kinds.
const (
	ObjectServicePrincipal  ObjectKind = "servicePrincipal"
	ObjectGrant             ObjectKind = "oauth2PermissionGrant"
	ObjectAppRoleAssignment ObjectKind = "appRoleAssignment"
	ObjectClassification    ObjectKind = "delegatedPermissionClassification"
	// ObjectGrantScope is an existing grant whose scope a fix changed (journal only).
	ObjectGrantScope ObjectKind = "grantScope"
	// ObjectPrincipalAssignment is a user or group assigned to the app's own
	// role (assign-users: POST /servicePrincipals/{app}/appRoleAssignedTo).
	ObjectPrincipalAssignment ObjectKind = "principalAssignment"
)

func (k ObjectKind) known() bool {
	switch k {
	case ObjectServicePrincipal, ObjectGrant, ObjectAppRoleAssignment, ObjectClassification, ObjectGrantScope, ObjectPrincipalAssignment:
		return true
	}
	return false
}

// knownCloud reports whether name is a cloud consentwiz knows.
func knownCloud(name string) bool {
	_, ok := entra.Clouds[strings.ToLower(name)]
	return ok
}
