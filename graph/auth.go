package graph

import (
	"bytes"
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// AuthConfig says where and as which client consentwiz signs in.
type AuthConfig struct {
	// ClientID is the public client used to sign in (default: Microsoft Graph
	// Command Line Tools, docs/entra.md F).
	ClientID string
	// LoginURL is the authority root, e.g. https://login.microsoftonline.com.
	LoginURL string
	// Tenant is the tenant id or domain to sign in to ("organizations" if empty).
	Tenant string
	// Cloud qualifies scopes for national clouds (docs/msal.md 5).
	Cloud entra.Cloud
	// CustomAuthority turns MSAL's instance discovery off: required for any host
	// that is not a Microsoft login host, such as the simulator (docs/msal.md 1).
	CustomAuthority bool
	// HTTPClient is used for every authority call; nil means a default client.
	HTTPClient *http.Client
	// Cache, when set, persists MSAL's token cache between runs (opt-in:
	// OpenTokenCache, the OS keychain or a 0600 file).
	Cache cache.ExportReplace
}

// Account is the signed-in user, as the id token names them.
type Account struct {
	Username string
	Name     string
	TenantID string
	ObjectID string
}

// DeviceCodeInfo is what the user needs to complete a device code sign-in.
type DeviceCodeInfo struct {
	UserCode        string
	VerificationURL string
	Message         string
	ExpiresOn       time.Time
}

// ErrInteractionRequired is returned (wrapped in *InteractionRequiredError) when
// a token for the requested scopes cannot be had silently: the user must sign in
// again or consent to a new scope (incremental consent, AADSTS65001).
var ErrInteractionRequired = errors.New("interaction required")

// InteractionRequiredError says which scopes need an interactive sign-in.
type InteractionRequiredError struct {
	Scopes []string
	Reason string // consent_required, interaction_required, no_account, ...
	Err    error
}

func (e *InteractionRequiredError) Error() string {
	return fmt.Sprintf("sign-in needed for %s (%s)", strings.Join(e.Scopes, " "), e.Reason)
}

// Unwrap lets errors.Is match ErrInteractionRequired.
func (e *InteractionRequiredError) Unwrap() []error { return []error{ErrInteractionRequired, e.Err} }

// Authenticator signs in with MSAL's public client and hands out tokens. It
// implements TokenSource. Tokens stay in memory unless Cache is set.
type Authenticator struct {
	cfg AuthConfig
	pca public.Client

	mu      sync.Mutex
	account *public.Account
	// name is the signed-in user's display name from the last id token (MSAL's
	// Account never carries it).
	name string
	// tenantAccounts are other accounts that signed in to one tenant alone
	// (StartDeviceCodeIn, SignInBrowserIn), by lower-case tenant.
	tenantAccounts map[string]public.Account
}

// NewAuthenticator builds the MSAL public client for cfg.
func NewAuthenticator(cfg AuthConfig) (*Authenticator, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = entra.DefaultClientID
	}
	if !entra.IsGUID(cfg.ClientID) {
		return nil, fmt.Errorf("client id is not a GUID: %q", cfg.ClientID)
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = entra.Clouds["global"].LoginURL
	}
	if cfg.Tenant == "" {
		cfg.Tenant = "organizations"
	}
	if !strings.HasPrefix(cfg.LoginURL, "https://") {
		return nil, fmt.Errorf("login URL must start with https://: %q", cfg.LoginURL)
	}
	if _, err := parseLoginURL(cfg.LoginURL, false); err != nil {
		return nil, err
	}
	opts := []public.Option{
		public.WithAuthority(strings.TrimRight(cfg.LoginURL, "/") + "/" + cfg.Tenant),
	}
	if cfg.CustomAuthority {
		opts = append(opts, public.WithInstanceDiscovery(false))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, public.WithHTTPClient(cfg.HTTPClient))
	}
	if cfg.Cache != nil {
		opts = append(opts, public.WithCache(cfg.Cache))
	}
	pca, err := public.New(cfg.ClientID, opts...)
	if err != nil {
		return nil, fmt.Errorf("sign-in setup: %w", err)
	}
	return &Authenticator{cfg: cfg, pca: pca}, nil
}

// DeviceLogin is a device code sign-in in progress.
type DeviceLogin struct {
	a  *Authenticator
	dc public.DeviceCode
	// tenant is set for a sign-in to one tenant alone (StartDeviceCodeIn).
	tenant string
}

// StartDeviceCode asks the authority for a device code. Show Info to the user,
// then call Wait.
func (a *Authenticator) StartDeviceCode(ctx context.Context, scopes []string) (*DeviceLogin, error) {
	q := a.qualify(scopes)
	dc, err := a.pca.AcquireTokenByDeviceCode(ctx, q)
	if err != nil {
		return nil, describeAuthError(err)
	}
	return &DeviceLogin{a: a, dc: dc}, nil
}

// Info returns the code and page the user needs.
func (d *DeviceLogin) Info() DeviceCodeInfo {
	r := d.dc.Result
	return DeviceCodeInfo{UserCode: r.UserCode, VerificationURL: r.VerificationURL, Message: r.Message, ExpiresOn: r.ExpiresOn}
}

// Wait blocks until the user approves, declines, the code expires or ctx ends.
func (d *DeviceLogin) Wait(ctx context.Context) (Account, error) {
	res, err := d.dc.AuthenticationResult(ctx)
	if err != nil {
		return Account{}, describeAuthError(err)
	}
	if d.tenant != "" {
		return d.a.rememberTenant(d.tenant, res), nil
	}
	return d.a.remember(res), nil
}

// SignInBrowser signs in through the system browser (or opener, which receives
// the authorize URL). MSAL listens on a loopback port for the form_post reply.
func (a *Authenticator) SignInBrowser(ctx context.Context, scopes []string, opener func(string) error, loginHint string) (Account, error) {
	q := a.qualify(scopes)
	opts := []public.AcquireInteractiveOption{public.WithOpenURL(opener)}
	if loginHint != "" {
		opts = append(opts, public.WithLoginHint(loginHint))
	}
	res, err := a.pca.AcquireTokenInteractive(ctx, q, opts...)
	if err != nil {
		return Account{}, describeAuthError(err)
	}
	return a.remember(res), nil
}

// Account returns the signed-in account, if any.
func (a *Authenticator) Account() (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.account == nil {
		return Account{}, false
	}
	return a.toAccountLocked(*a.account), true
}

// Resume picks up an account from the persistent cache (when Cache is set),
// so a new run can sign in silently.
func (a *Authenticator) Resume(ctx context.Context) (Account, bool) {
	accts, err := a.pca.Accounts(ctx)
	if err != nil || len(accts) == 0 {
		return Account{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// A shared cache may hold several admins and tenants: take the account of
	// this tenant, and none rather than another tenant's. One account has an
	// entry per tenant it got tokens in (TenantToken): prefer its home entry,
	// whose object id is its own (a guest's differs elsewhere).
	var acct public.Account
	found, home := false, false
	for _, c := range accts {
		if a.cfg.Tenant == "" || a.cfg.Tenant == "organizations" || a.cfg.Tenant == "common" ||
			strings.EqualFold(c.Realm, a.cfg.Tenant) || strings.EqualFold(a.toAccountLocked(c).TenantID, a.cfg.Tenant) {
			isHome := strings.EqualFold(c.Realm, a.toAccountLocked(c).TenantID) || isMultiTenant(c.Realm)
			if !found || (isHome && !home && c.HomeAccountID == acct.HomeAccountID) {
				acct, found, home = c, true, isHome
			}
		}
	}
	if !found {
		return Account{}, false
	}
	a.account = &acct
	a.name = ""
	return a.toAccountLocked(acct), true
}

// Token implements TokenSource: a token for scopes, silently from the cache or
// through the refresh token. When the user must sign in, or consent to a new
// scope, it returns an *InteractionRequiredError naming the scopes: the caller
// signs in for them (StartDeviceCode or SignInBrowser) and asks again.
func (a *Authenticator) Token(ctx context.Context, scopes []string) (string, error) {
	return a.silent(ctx, a.qualify(scopes), scopes)
}

func (a *Authenticator) silent(ctx context.Context, q, short []string) (string, error) {
	a.mu.Lock()
	acct := a.account
	a.mu.Unlock()
	if acct == nil {
		return "", &InteractionRequiredError{Scopes: short, Reason: "not signed in", Err: errors.New("no account")}
	}
	res, err := a.pca.AcquireTokenSilent(ctx, q, public.WithSilentAccount(*acct))
	if err != nil {
		described := describeAuthError(err)
		if reason, ok := needsInteraction(described); ok {
			return "", &InteractionRequiredError{Scopes: short, Reason: reason, Err: described}
		}
		return "", described
	}
	a.remember(res)
	return res.AccessToken, nil
}

func (a *Authenticator) remember(res public.AuthResult) Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	acct := res.Account
	if a.account == nil || a.account.HomeAccountID != acct.HomeAccountID {
		a.name = ""
	}
	a.account = &acct
	if res.IDToken.Name != "" {
		a.name = res.IDToken.Name
	}
	return a.toAccountLocked(acct)
}

func (a *Authenticator) qualify(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if strings.Contains(s, "://") {
			out = append(out, s)
			continue
		}
		out = append(out, a.cfg.Cloud.GraphScope(s))
	}
	return out
}

// toAccountLocked describes acct; the name comes from the id token (a.name),
// since MSAL's Account leaves Name empty. Callers hold a.mu.
func (a *Authenticator) toAccountLocked(acct public.Account) Account {
	tid := acct.Realm
	if i := strings.IndexByte(acct.HomeAccountID, '.'); i >= 0 {
		tid = acct.HomeAccountID[i+1:]
	}
	name := acct.Name
	if name == "" {
		name = a.name
	}
	return Account{Username: acct.PreferredUsername, Name: name, TenantID: tid, ObjectID: acct.LocalAccountID}
}

// AuthError is a sign-in failure with the authority's error code and AADSTS
// codes, without any token or code from the request.
type AuthError struct {
	Status      int
	Code        string // e.g. invalid_grant, authorization_declined, expired_token
	SubError    string // e.g. consent_required
	Description string
	Codes       []int
}

func (e *AuthError) Error() string {
	desc := e.Description
	if i := strings.Index(desc, "\r\n"); i > 0 {
		desc = desc[:i]
	}
	if i := strings.Index(desc, "\n"); i > 0 {
		desc = desc[:i]
	}
	if desc == "" {
		desc = e.Code
	}
	return "sign-in failed: " + desc
}

// HasCode reports whether the authority returned AADSTS code n.
func (e *AuthError) HasCode(n int) bool {
	for _, c := range e.Codes {
		if c == n {
			return true
		}
	}
	return false
}

// describeAuthError turns MSAL's CallErr into an *AuthError by parsing the
// authority's JSON body (docs/msal.md 1: there are no typed AADSTS errors).
func describeAuthError(err error) error {
	if err == nil {
		return nil
	}
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp == nil {
		return err
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		SubError    string `json:"suberror"`
		Codes       []int  `json:"error_codes"`
	}
	var data []byte
	if ce.Resp.Body != nil {
		// MSAL re-wraps the body in a one-shot buffer: put it back, so the
		// error can be described again (needsInteraction, then silent).
		data, _ = io.ReadAll(io.LimitReader(ce.Resp.Body, 64<<10))
		ce.Resp.Body = io.NopCloser(bytes.NewReader(data))
	}
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		// MSAL itself may have read the body already (device code polling
		// does); its message ends with the body: "…status code was 400:\n{json}".
		if msg := ce.Error(); strings.Contains(msg, ":\n{") {
			_ = json.Unmarshal([]byte(msg[strings.Index(msg, ":\n{")+2:]), &body)
		}
	}
	if body.Error == "" {
		return fmt.Errorf("sign-in failed: the authority answered HTTP %d", ce.Resp.StatusCode)
	}
	return &AuthError{Status: ce.Resp.StatusCode, Code: body.Error, SubError: body.SubError, Description: body.Description, Codes: body.Codes}
}

// needsInteraction reports whether a silent failure needs the user: consent to
// a new scope (65001, consent_required), a new sign-in, or no cached token.
func needsInteraction(err error) (string, bool) {
	var ae *AuthError
	if errors.As(describeAuthError(err), &ae) {
		switch {
		case ae.SubError == "consent_required" || ae.HasCode(65001):
			return "consent_required", true
		case ae.Code == "interaction_required" || ae.Code == "invalid_grant":
			return ae.Code, true
		}
		return "", false
	}
	msg := err.Error()
	if strings.Contains(msg, "no token found") || strings.Contains(msg, "no account") {
		return "no_cached_token", true
	}
	return "", false
}
