package graph

import (
	"consentwiz/graph/entra"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// Many tenants, one sign-in: the admin signs in once (in their home tenant),
// then tokens for each other tenant come silently with the same account —
// MSAL's AcquireTokenSilent with WithTenantID, which redeems the cached
// refresh token at that tenant's authority and caches the tokens under the
// tenant (realm) in the same cache (docs/msal.md 2 "WithTenantID"). Entra
// honours it where the account is a guest or a partner's delegated admin
// with an active GDAP role (docs/entra.md I). A tenant that refuses it needs
// its own sign-in: TenantToken says why (*entra.TenantSignInError), and
// StartDeviceCodeIn / SignInBrowserIn sign in to just that tenant.

// TenantToken returns a token for scopes in the tenant tenantID (a tenant id
// or verified domain), silently, with the signed-in account — or with the
// account that signed in to that tenant itself (StartDeviceCodeIn). When the
// tenant needs its own sign-in (no access there, multi-factor
// authentication, consent, Conditional Access) it returns
// *entra.TenantSignInError with the AADSTS code and a plain reason. Safe for
// concurrent use: N tenants share one sign-in and one cache.
func (a *Authenticator) TenantToken(ctx context.Context, tenantID string, scopes []string) (string, error) {
	tenantID = strings.TrimSpace(tenantID)
	if tenantID == "" || isMultiTenant(tenantID) {
		return "", fmt.Errorf("%w: a tenant id or domain is needed, not %q", ErrInvalidArgument, tenantID)
	}
	a.mu.Lock()
	acct := a.account
	if own, ok := a.tenantAccounts[strings.ToLower(tenantID)]; ok {
		acct = &own
	}
	a.mu.Unlock()
	if acct == nil {
		return "", &InteractionRequiredError{Scopes: scopes, Reason: "not signed in", Err: errors.New("no account")}
	}
	res, err := a.pca.AcquireTokenSilent(ctx, a.qualify(scopes), public.WithSilentAccount(*acct), public.WithTenantID(tenantID))
	if err != nil {
		return "", tenantError(tenantID, err)
	}
	return res.AccessToken, nil
}

// tenantError turns a failed silent request for tenantID into
// *entra.TenantSignInError when the tenant needs its own sign-in.
func tenantError(tenantID string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	described := describeAuthError(err)
	var ae *AuthError
	if errors.As(described, &ae) {
		if !tenantNeedsSignIn(ae) {
			return described
		}
		code := 0
		if len(ae.Codes) > 0 {
			code = ae.Codes[0]
		}
		return &entra.TenantSignInError{TenantID: tenantID, Code: code, OAuthError: ae.Code,
			Reason: entra.SignInReason(code, ae.Code), Err: described}
	}
	if reason, ok := needsInteraction(described); ok {
		return &entra.TenantSignInError{TenantID: tenantID, OAuthError: reason, Reason: entra.SignInReason(0, ""), Err: described}
	}
	return described
}

// tenantNeedsSignIn: the authority refused the account's refresh token there
// (the request itself was fine). A tenant that does not exist (AADSTS90002,
// invalid_tenant) is an error, not a sign-in to do.
func tenantNeedsSignIn(ae *AuthError) bool {
	switch {
	case ae.SubError == "consent_required":
		return true
	case ae.Code == "interaction_required", ae.Code == "invalid_grant", ae.Code == "consent_required":
		return true
	}
	return false
}

func isMultiTenant(t string) bool {
	switch strings.ToLower(t) {
	case "organizations", "common", "consumers":
		return true
	}
	return false
}

// tenantSource is a TokenSource for one tenant (ForTenant).
type tenantSource struct {
	a      *Authenticator
	tenant string
}

func (t tenantSource) Token(ctx context.Context, scopes []string) (string, error) {
	return t.a.TenantToken(ctx, t.tenant, scopes)
}

// ForTenant returns a TokenSource for tenantID that shares this
// Authenticator's sign-in and cache (TenantToken): give each tenant's
// Client its own.
func (a *Authenticator) ForTenant(tenantID string) TokenSource {
	return tenantSource{a: a, tenant: strings.TrimSpace(tenantID)}
}

// StartDeviceCodeIn starts a device code sign-in to the tenant tenantID
// alone, for a tenant that needs its own sign-in (TenantSignInError: MFA
// there, or another account). Its tokens join the same cache; afterwards
// TenantToken for that tenant uses the account that signed in there, and the
// Authenticator's own account stays as it was.
func (a *Authenticator) StartDeviceCodeIn(ctx context.Context, tenantID string, scopes []string) (*DeviceLogin, error) {
	tenantID = strings.TrimSpace(tenantID)
	if tenantID == "" || isMultiTenant(tenantID) {
		return nil, fmt.Errorf("%w: a tenant id or domain is needed, not %q", ErrInvalidArgument, tenantID)
	}
	dc, err := a.pca.AcquireTokenByDeviceCode(ctx, a.qualify(scopes), public.WithTenantID(tenantID))
	if err != nil {
		return nil, describeAuthError(err)
	}
	return &DeviceLogin{a: a, dc: dc, tenant: tenantID}, nil
}

// SignInBrowserIn is SignInBrowser to the tenant tenantID alone (see
// StartDeviceCodeIn).
func (a *Authenticator) SignInBrowserIn(ctx context.Context, tenantID string, scopes []string, opener func(string) error, loginHint string) (Account, error) {
	tenantID = strings.TrimSpace(tenantID)
	if tenantID == "" || isMultiTenant(tenantID) {
		return Account{}, fmt.Errorf("%w: a tenant id or domain is needed, not %q", ErrInvalidArgument, tenantID)
	}
	opts := []public.AcquireInteractiveOption{public.WithOpenURL(opener), public.WithTenantID(tenantID)}
	if loginHint != "" {
		opts = append(opts, public.WithLoginHint(loginHint))
	}
	res, err := a.pca.AcquireTokenInteractive(ctx, a.qualify(scopes), opts...)
	if err != nil {
		return Account{}, describeAuthError(err)
	}
	return a.rememberTenant(tenantID, res), nil
}

// rememberTenant records the account that signed in to tenantID alone: when
// it is not the Authenticator's own account, TenantToken uses it for that
// tenant. The Authenticator's own account does not change.
func (a *Authenticator) rememberTenant(tenantID string, res public.AuthResult) Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.account == nil {
		acct := res.Account
		a.account = &acct
		a.name = res.IDToken.Name
	}
	if a.account.HomeAccountID != res.Account.HomeAccountID {
		if a.tenantAccounts == nil {
			a.tenantAccounts = map[string]public.Account{}
		}
		a.tenantAccounts[strings.ToLower(tenantID)] = res.Account
	} else {
		delete(a.tenantAccounts, strings.ToLower(tenantID))
	}
	out := a.toAccountLocked(res.Account)
	out.Name = res.IDToken.Name
	return out
}

// AccountIn is the account whose tokens TenantToken uses for tenantID: the
// account that signed in to that tenant alone (StartDeviceCodeIn,
// SignInBrowserIn), else the signed-in account. ok is false before any
// sign-in.
func (a *Authenticator) AccountIn(tenantID string) (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if own, ok := a.tenantAccounts[strings.ToLower(strings.TrimSpace(tenantID))]; ok {
		out := a.toAccountLocked(own)
		out.Name = own.Name // not the other account's name from its id token
		return out, true
	}
	if a.account == nil {
		return Account{}, false
	}
	return a.toAccountLocked(*a.account), true
}
