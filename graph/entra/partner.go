package entra

import (
	"errors"
	"fmt"
	"strings"
)

// GDAP relationship and access assignment statuses that give access
// (delegatedAdminRelationshipStatus, delegatedAdminAccessAssignmentStatus;
// docs/entra.md I). Every other status (created, approvalPending, expired,
// terminated, pending, deleted, …) gives none.
const (
	GDAPStatusActive = "active"
	// GDAPStatusExpiring: past its end date and being deprovisioned; roles may
	// still apply until it is expired.
	GDAPStatusExpiring = "expiring"
	// AccessAssignmentActive is the access assignment status that gives roles.
	AccessAssignmentActive = "active"
)

// PartnerSnapshot is what `consentwiz tenants` reads in the partner's tenant:
// the customers, the relationships, each relationship's access assignments
// and the signed-in partner user's groups.
type PartnerSnapshot struct {
	TenantID      string
	Customers     []DelegatedAdminCustomer
	Relationships []DelegatedAdminRelationship
	// Assignments are the access assignments, by relationship id (only
	// active relationships are read).
	Assignments map[string][]DelegatedAdminAccessAssignment
	// MyGroupIDs are the ids of the groups the signed-in user is a member of
	// (transitively) in the partner's tenant.
	MyGroupIDs []string
	// Errors holds the parts that could not be read, keyed by part name
	// (PartCustomers, PartRelationships, PartMyGroups, or
	// PartAssignmentsPrefix+relationship id).
	Errors map[string]*APIError
}

// Partner snapshot part names.
const (
	PartCustomers         = "customers"
	PartRelationships     = "relationships"
	PartMyGroups          = "myGroups"
	PartAssignmentsPrefix = "assignments:"
)

// TenantSignInError says that a token for another tenant could not be had
// silently with the signed-in account: the tenant needs its own sign-in.
// Code is the AADSTS code the authority gave (0 when none), OAuthError its
// error field (interaction_required, invalid_grant, …) and Reason a plain
// reason built from them (SignInReason).
type TenantSignInError struct {
	TenantID   string
	Code       int
	OAuthError string
	Reason     string
	Err        error
}

func (e *TenantSignInError) Error() string {
	s := "needs its own sign-in: " + e.Reason
	if e.Code != 0 {
		s += fmt.Sprintf(" (AADSTS%d)", e.Code)
	}
	return s
}

// Unwrap returns the authority's error.
func (e *TenantSignInError) Unwrap() error { return e.Err }

// IsTenantSignIn reports whether err says a tenant needs its own sign-in.
func IsTenantSignIn(err error) bool {
	var te *TenantSignInError
	return errors.As(err, &te)
}

// signInReasons are plain reasons for the AADSTS codes a silent token request
// for another tenant meets (docs/entra.md B1, I).
var signInReasons = map[int]string{
	50076:  "multi-factor authentication is required there",
	50079:  "multi-factor authentication registration is required there",
	50074:  "multi-factor authentication is required there",
	50078:  "multi-factor authentication has expired there",
	53003:  "Conditional Access blocks the sign-in there",
	50020:  "your account has no access there (no guest account and no active GDAP role)",
	16000:  "your account has no access there (no guest account and no active GDAP role)",
	50034:  "your account does not exist there",
	65001:  "the sign-in client is not consented there",
	90099:  "the sign-in client is not authorized there for partner admins (it needs pre-consent)",
	530034: "delegated admin access is blocked because of risk in your home tenant",
	500212: "your tenant's cross-tenant access policy does not allow it",
	500213: "the tenant's cross-tenant access policy does not allow your account",
	50173:  "your sign-in has expired",
	700082: "your sign-in has expired",
	70008:  "your sign-in has expired",
	90002:  "the tenant was not found",
	700016: "the sign-in client is not in that tenant",
}

// SignInReason is a plain reason for a failed silent token request, from the
// authority's AADSTS code (preferred) or its OAuth error field.
func SignInReason(code int, oauthError string) string {
	if r, ok := signInReasons[code]; ok {
		return r
	}
	switch strings.ToLower(oauthError) {
	case "interaction_required":
		return "an interactive sign-in is required there"
	case "consent_required":
		return "consent is required there"
	case "invalid_grant":
		return "your sign-in is not valid there"
	case "":
		return "no token is cached for it"
	}
	return "the sign-in failed there (" + oauthError + ")"
}
