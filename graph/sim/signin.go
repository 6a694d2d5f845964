package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sign-in results (SignInOutcome.Result).
const (
	ResultGranted       = "granted"
	ResultConsentPrompt = "consent-prompt"
	// ResultAdminConsentPrompt: an administrator is asked to consent for the
	// organization (prompt=admin_consent).
	ResultAdminConsentPrompt = "admin-consent-prompt"
	ResultNeedAdminApproval  = "need-admin-approval"
	ResultApprovalRequired   = "approval-required"
	ResultRequestSubmitted   = "request-submitted"
	ResultNotAssigned        = "not-assigned"
	// ResultBlocked: the app's service principal is disabled (AADSTS7000112).
	ResultBlocked = "blocked"
	// ResultError: unknown user, unknown app or unknown scope (AADSTS50034, 700016, 650053, 500011).
	ResultError = "error"
)

// SignInOutcome is what the end user sees when signing in to an app.
type SignInOutcome struct {
	Result        string   `json:"result"`
	Code          int      `json:"code"` // AADSTS code, 0 if granted
	Message       string   `json:"message"`
	MissingScopes []string `json:"missingScopes,omitempty"`
}

// Role sets (docs/entra.md A7 and the role requirements of A1–A6).
var (
	rolesConsentDelegated = []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin}
	rolesConsentGraphApp  = []string{entra.RoleGlobalAdmin, entra.RolePrivilegedRoleAdmin}
)

func hasAnyRole(u *simUser, roles []string) bool {
	return slices.ContainsFunc(u.roles, func(r string) bool { return containsFold(roles, r) })
}

// oidcScopes are the sign-in scopes; they are ordinary Graph delegated scopes
// in grants, but MSAL adds them and never compares them.
var oidcScopes = []string{"openid", "profile", "offline_access"}

// basicScopes are "basic sign-in" permissions for risk-based step-up (docs/entra.md B3).
var basicScopes = []string{"openid", "profile", "email", "offline_access", "User.Read"}

// UserSignIn plays the END USER signing in to an app with the given scopes
// (nil: the app's configured permissions), evaluated as Entra does
// (docs/entra.md B1–B5, A1–A4). reason: "" just looks; "accept" clicks Accept on a
// consent prompt; any other non-empty text (or "accept" when consent is not
// possible) submits an admin consent request with that justification when the
// workflow is on.
func (t *Tenant) UserSignIn(upn, appID string, scopes []string, reason string) SignInOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	out, u, a, norm := t.evaluateLocked(upn, appID, scopes)
	t.recordNowLocked(u, appID, a, out, norm) // the sign-in log (signinlog.go)
	switch {
	case out.Result == ResultConsentPrompt && reason == "accept":
		t.userConsentLocked(u, a, norm, false)
		granted := t.grantedOutcome(a)
		t.recordNowLocked(u, appID, a, granted, norm)
		return granted
	case out.Result == ResultApprovalRequired && reason != "":
		t.submitRequestLocked(u, a, out.MissingScopes, reason)
		out.Result = ResultRequestSubmitted
		out.Message = fmt.Sprintf("Request sent. You'll need to wait for an admin to approve %s. Your request to the admin: %q.", appName(a), reason)
	}
	return out
}

// UserConsents is UserSignIn followed by Accept on the consent prompt: when the
// user may consent, it creates the app's service principal if missing and a
// Principal grant for the scopes, and returns "granted"; otherwise it returns
// what blocked the user.
func (t *Tenant) UserConsents(upn, appID string, scopes []string) SignInOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	out, u, a, norm := t.evaluateLocked(upn, appID, scopes)
	if out.Result != ResultConsentPrompt {
		t.recordNowLocked(u, appID, a, out, norm)
		return out
	}
	t.userConsentLocked(u, a, norm, false)
	granted := t.grantedOutcome(a)
	t.recordNowLocked(u, appID, a, granted, norm)
	return granted
}

func appName(a *App) string { return a.DisplayName }

func (t *Tenant) grantedOutcome(a *App) SignInOutcome {
	return SignInOutcome{Result: ResultGranted, Message: fmt.Sprintf("Signed in to %s.", appName(a))}
}

// evaluateLocked decides what the user sees for the app and scopes.
func (t *Tenant) evaluateLocked(upn, appID string, scopes []string) (SignInOutcome, *simUser, *App, []string) {
	u := t.userByUPNLocked(upn)
	if u == nil {
		return SignInOutcome{Result: ResultError, Code: 50034,
			Message: fmt.Sprintf("AADSTS50034: The user account %s does not exist in the %s directory.", upn, t.id)}, nil, nil, nil
	}
	a := t.srv.catalog.get(appID)
	if a == nil {
		return SignInOutcome{Result: ResultError, Code: 700016,
			Message: "AADSTS700016: " + appNotFound(appID, t.name)}, u, nil, nil
	}
	if len(scopes) == 0 {
		scopes = a.RequiredScopes
	}
	norm, bad := t.srv.normalizeScopes(scopes, a.RequiredScopes)
	if bad != "" {
		return SignInOutcome{Result: ResultError, Code: 500011,
			Message: fmt.Sprintf("AADSTS500011: The resource principal named %s was not found in the tenant named %s.", bad, t.name)}, u, a, nil
	}
	out := t.evaluateUserLocked(u, a, norm)
	return out, u, a, norm
}

// unknownScopeLocked returns AADSTS650053 for the first key no resource
// exposes (reference-error-codes.md), or nil.
func (t *Tenant) unknownScopeLocked(a *App, norm []string) *SignInOutcome {
	for _, sc := range norm {
		if res, ps := t.resolveScopeLocked(sc); ps == nil {
			resID := entra.MicrosoftGraphAppID
			if res != nil {
				resID = res.AppID
			}
			_, value := splitScope(sc)
			return &SignInOutcome{Result: ResultError, Code: 650053,
				Message: fmt.Sprintf("AADSTS650053: The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'.", a.DisplayName, value, resID)}
		}
	}
	return nil
}

func (t *Tenant) evaluateUserLocked(u *simUser, a *App, norm []string) SignInOutcome {
	return t.evaluatePromptLocked(u, a, norm, "")
}

// Values of the authorize request's prompt parameter that force a consent
// screen (application-consent-experience.md, troubleshoot-consent-issues.md).
const (
	promptConsent      = "consent"
	promptAdminConsent = "admin_consent"
)

// evaluatePromptLocked is evaluateUserLocked for an authorize request with a
// prompt parameter. prompt=consent asks the user every time, even when every
// scope is granted (troubleshoot-consent-issues.md, step 7): the outcome is
// what the user gets when nothing is granted yet. prompt=admin_consent asks
// for admin consent: an administrator sees the consent page for the
// organization; anyone else is told to ask an admin
// (application-consent-experience.md).
func (t *Tenant) evaluatePromptLocked(u *simUser, a *App, norm []string, prompt string) SignInOutcome {
	if bad := t.unknownScopeLocked(a, norm); bad != nil {
		return *bad
	}
	sp := t.spByAppLocked(a.AppID)
	name := a.DisplayName
	if sp != nil {
		name = sp.DisplayName
		if !sp.Enabled() {
			return SignInOutcome{Result: ResultBlocked, Code: 7000112,
				Message: fmt.Sprintf("AADSTS7000112: Application '%s'(%s) is disabled.", a.AppID, name)}
		}
		// docs/entra.md B1 50105 / A5: assignment required blocks unassigned users.
		if sp.AppRoleAssignmentRequired && !t.userAssignedLocked(u, sp) {
			return SignInOutcome{Result: ResultNotAssigned, Code: 50105,
				Message: fmt.Sprintf("AADSTS50105: Your administrator has configured the application %s ('%s') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '%s' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator.", name, a.AppID, u.UserPrincipalName)}
		}
	}
	var granted []string
	if sp != nil && prompt != promptConsent && prompt != promptAdminConsent {
		granted = t.grantedLocked(sp, u.ID)
	}
	missing := minusFold(norm, granted)
	if len(missing) == 0 {
		return SignInOutcome{Result: ResultGranted, Message: fmt.Sprintf("Signed in to %s.", name)}
	}
	consent := SignInOutcome{Result: ResultConsentPrompt, Code: 65001, MissingScopes: missing,
		Message: fmt.Sprintf("AADSTS65001: The user or administrator has not consented to use the application with ID '%s' named '%s'. %s asks for: %s.", a.AppID, name, name, strings.Join(missing, ", "))}
	// docs/entra.md A7: administrators who can grant delegated permissions see the consent prompt.
	if hasAnyRole(u, rolesConsentDelegated) {
		if prompt == promptAdminConsent {
			consent.Result = ResultAdminConsentPrompt
		}
		return consent
	}
	var adminOnly []string
	var perms []permRef
	for _, sc := range missing {
		res, ps := t.resolveScopeLocked(sc)
		if !strings.EqualFold(ps.Type, "User") {
			adminOnly = append(adminOnly, ps.Value) // docs/entra.md B5: Admin-type scopes always need admin.
		}
		perms = append(perms, permRef{resource: res, scope: ps, client: a})
	}
	selfIDs := t.selfConsentPolicyIDsLocked()
	// docs/entra.md B3: risk-based step-up for unverified multi-tenant apps asking
	// beyond basic sign-in, unless allowUserConsentForRiskyApps.
	allowRisky := t.authz.AllowUserConsentForRiskyApps != nil && *t.authz.AllowUserConsentForRiskyApps
	// configure-risk-based-step-up-consent.md: "newly registered" apps; an
	// established app (a Microsoft client, a popular mail app) is not one.
	risky := !a.verified() && !a.Established && a.OwnerTenantID != t.id && len(minusFold(missing, basicScopes)) > 0 && !allowRisky
	assignmentRequired := sp != nil && sp.AppRoleAssignmentRequired // docs/entra.md A5
	// docs/entra.md A2: each assigned policy is evaluated independently.
	// prompt=admin_consent: user consent does not answer it.
	userMay := prompt != promptAdminConsent && len(adminOnly) == 0 && !assignmentRequired && t.policiesApproveLocked(selfIDs, perms)
	if userMay && !risky {
		return consent
	}
	workflow := t.workflowEnabledLocked() // docs/entra.md A3 / B1 90095
	switch {
	case userMay && risky && workflow:
		return SignInOutcome{Result: ResultApprovalRequired, Code: 900981, MissingScopes: missing,
			Message: fmt.Sprintf("AADSTS900981: An admin consent request was received for a risky app. %s is unverified and might be risky; request approval from an admin to use it.", name)}
	case userMay && risky:
		return SignInOutcome{Result: ResultNeedAdminApproval, Code: 900941, MissingScopes: missing,
			Message: fmt.Sprintf("AADSTS900941: Administrator consent is required. App is considered risky. %s might be risky. If you trust this app, ask your admin to grant you access.", name)}
	case workflow:
		return SignInOutcome{Result: ResultApprovalRequired, Code: 90095, MissingScopes: missing,
			Message: fmt.Sprintf("AADSTS90095: Approval required. %s needs permission to access resources in your organization that only an admin can grant. Please request approval from an admin to use this app.", name)}
	case len(adminOnly) == 0 && len(selfIDs) == 0 && prompt != promptAdminConsent:
		// docs/entra.md B1 90093: user consent is disabled.
		return SignInOutcome{Result: ResultNeedAdminApproval, Code: 90093, MissingScopes: missing,
			Message: fmt.Sprintf("AADSTS90093: Need admin approval. An administrator of %s has set a policy that prevents you from granting %s the permissions it is requesting. Contact an administrator of %s, who can grant permissions to this app on your behalf.", t.name, name, t.name)}
	default:
		return SignInOutcome{Result: ResultNeedAdminApproval, Code: 90094, MissingScopes: missing,
			Message: fmt.Sprintf("AADSTS90094: Need admin approval. %s needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.", name)}
	}
}

// userConsentLocked records the user's consent: the app's service principal is
// created if missing, then a Principal grant (or, for a Global Administrator
// who ticked "Consent on behalf of your organization", an AllPrincipals grant;
// docs/entra.md A7) is created or merged.
func (t *Tenant) userConsentLocked(u *simUser, a *App, scopes []string, forOrg bool) {
	sp := t.ensureSPLocked(a.AppID)
	if forOrg {
		t.grantKeysLocked(sp, "AllPrincipals", "", scopes, false)
		return
	}
	t.grantKeysLocked(sp, "Principal", u.ID, scopes, false)
}

// submitRequestLocked creates or updates the app's appConsentRequest with an
// InProgress userConsentRequest by the user (docs/entra.md A4).
func (t *Tenant) submitRequestLocked(u *simUser, a *App, scopes []string, reason string) *entra.AppConsentRequest {
	name := a.DisplayName
	if sp := t.spByAppLocked(a.AppID); sp != nil {
		name = sp.DisplayName
	}
	var r *entra.AppConsentRequest
	if id, ok := t.requestByAppID[strings.ToLower(a.AppID)]; ok {
		r = t.requests[id]
	} else {
		r = &entra.AppConsentRequest{ID: t.newGUID(), AppID: a.AppID, AppDisplayName: name}
		t.requests[r.ID] = r
		t.requestOrder = append(t.requestOrder, r.ID)
		t.requestByAppID[strings.ToLower(a.AppID)] = r.ID
	}
	for _, sc := range scopes {
		if !slices.ContainsFunc(r.PendingScopes, func(p entra.ConsentRequestScope) bool { return strings.EqualFold(p.DisplayName, sc) }) {
			r.PendingScopes = append(r.PendingScopes, entra.ConsentRequestScope{DisplayName: sc})
		}
	}
	now := t.now().UTC().Format(time.RFC3339)
	for i := range r.UserConsentRequests {
		ur := &r.UserConsentRequests[i]
		if ur.Status == "InProgress" && ur.CreatedBy.User != nil && ur.CreatedBy.User.ID == u.ID {
			ur.Reason = reason
			return r
		}
	}
	// userconsentrequest.md: approvalId is "equal to the value of the id".
	id := t.newGUID()
	r.UserConsentRequests = append(r.UserConsentRequests, entra.UserConsentRequest{
		ID: id, ApprovalID: id, Status: "InProgress", Reason: reason,
		CreatedBy:       entra.IdentitySet{User: &entra.Identity{ID: u.ID, DisplayName: u.DisplayName}},
		CreatedDateTime: now,
	})
	return r
}

// completeRequestLocked marks a request's in-progress user requests Completed
// (the reviewer approved through the consent URL with bf_id, docs/entra.md A4).
func (t *Tenant) completeRequestLocked(id string) bool {
	r := t.requests[id]
	if r == nil {
		return false
	}
	now := t.now().UTC().Format(time.RFC3339)
	for i := range r.UserConsentRequests {
		if r.UserConsentRequests[i].Status == "InProgress" {
			r.UserConsentRequests[i].Status = "Completed"
			r.UserConsentRequests[i].CompletedDateTime = now
		}
	}
	r.PendingScopes = nil
	return true
}

// SubmitConsentRequest files an admin consent request as the user (as if they
// filled in the justification on the "Approval required" screen), regardless
// of the workflow setting. Returns the request id.
func (t *Tenant) SubmitConsentRequest(upn, appID string, scopes []string, reason string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userByUPNLocked(upn)
	a := t.srv.catalog.get(appID)
	if u == nil || a == nil {
		return "", fmt.Errorf("sim: unknown user %q or app %q", upn, appID)
	}
	if len(scopes) == 0 {
		scopes = a.RequiredScopes
	}
	return t.submitRequestLocked(u, a, scopes, reason).ID, nil
}
