// Package sim is a simulated Microsoft cloud: an Entra ID authority (OpenID
// metadata, device code, authorize + token with PKCE, v1/v2 admin consent
// pages) and a Microsoft Graph API (the endpoints consentwiz uses, OData
// paging/$select/$filter, $batch, Graph-shaped errors, role and scope checks),
// served over real HTTPS on loopback. It backs `consentwiz demo`,
// `consentwiz sim` and the tests; the real MSAL Go library talks to it.
//
// URL layout (one HTTPS port, one plain-HTTP port):
//
//	LoginURL()   https://127.0.0.1:P          authority root; callers append /{tenant}
//	GraphURL()   https://127.0.0.1:P/graph    Graph root; callers append /v1.0/... or /beta/...
//	             https://127.0.0.1:P/v1.0/... the same Graph at the root, so that the
//	                                          OpenID metadata's msgraph_host ("127.0.0.1:P") works
//	BrowserURL() http://127.0.0.1:Q           the same handlers over plain HTTP for real browsers;
//	                                          the advertised authorization_endpoint and the device
//	                                          code verification_uri point here
//	/_sim/...                                 control API (faults, stats, end-user sign-in, approvals)
//
// Tokens and scopes: access and refresh tokens are opaque random strings
// ("simAT.…", "simRT.…") mapped server-side to tenant, user, client, scopes and
// expiry; id_tokens are alg:none JWTs (oid, tid, preferred_username, name,
// sub). Scope strings may be short ("Policy.Read.All"), Graph URIs
// ("https://graph.microsoft.com/Policy.Read.All", any national Graph host or
// this server's host) or another resource's ("https://outlook.office.com/
// IMAP.AccessAsUser.All": Office 365 Exchange Online, resources.go);
// ".default" means the client's configured plus consented scopes. The token response echoes the requested scopes except openid,
// profile and offline_access. Graph checks that the token holds one of each
// endpoint's scopes and that the user holds a permitted directory role.
// Every client needs consent, the sign-in client (Microsoft Graph Command Line
// Tools) included: the scenarios hold a tenant-wide grant of its read scopes,
// device-code approval and the interactive consent page record the rest, a
// refresh for an unconsented scope fails with 65001, and a user who may not
// consent is stopped (90094 on the page, 65001 to the polling client).
//
// Behaviour follows Microsoft's documented semantics, written from the
// documents and not from what the diagnosis (flows) assumes, so that tests can
// catch a wrong diagnosis; each rule cites its Microsoft page or the fact in
// docs/entra.md (or docs/msal.md) it follows. Where Microsoft's catalogue is
// data (the Microsoft-managed policy's excluded permissions), it comes from
// assets/managed_policy.json.
package sim

import (
	"consentwiz/graph/entra"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a simulated cloud.
type Options struct {
	Scenario    string // default "locked-down"
	AutoApprove bool   // device codes approve themselves on first poll as the scenario's admin
	Addr        string // HTTPS listener, default "127.0.0.1:0"
	// BrowserAddr is the plain-HTTP listener for real browsers, default "127.0.0.1:0".
	BrowserAddr string
	// BrowserHost, when set, is the host the browser pages' links name
	// instead of the listener's address (its port is kept): the name under
	// which another machine reaches BrowserAddr.
	BrowserHost string
	PageSize    int // Graph page size for collections (default 100)
	// SignInPageSize is the largest page of GET /auditLogs/signIns: 1,000,
	// Graph's default and maximum (signin-list.md); tests make it small
	// (server-driven paging: then a page holds fewer than $top).
	SignInPageSize int
	TokenLifetime  time.Duration // default 1h; short values exercise refresh
	// RequireConsent: the tenant holds no consent for the sign-in client, in
	// every scenario (as cli-not-consented): each user consents, or is
	// stopped, at first sign-in. Without it the scenarios hold a tenant-wide
	// grant of the client's read scopes; write scopes always need consent.
	RequireConsent bool
	// IgnoreAuthorizationPolicyWrites: PATCH authorizationPolicy answers 204 and
	// changes nothing (docs/entra.md A1 [UNVERIFIED] silent discard).
	IgnoreAuthorizationPolicyWrites bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Customers adds this many GDAP customers (locked-down, reachable) to
	// the msp scenario, for many-tenant benchmarks (msp.go).
	Customers int
}

// Faults are switches that make the simulated Graph misbehave. Counters count
// down per Graph request ($batch items count individually).
type Faults struct {
	Latency           time.Duration `json:"-"`
	Throttle429       int           `json:"throttle429"`       // next N Graph requests answer 429
	RetryAfterSeconds int           `json:"retryAfterSeconds"` // Retry-After on 429/503; 0 means 1, negative means 0
	Unavailable503    int           `json:"unavailable503"`    // next N Graph requests answer 503
	Drop              int           `json:"drop"`              // next N Graph connections closed without response
	// DropAfter: the next N Graph writes (any method but GET) are processed,
	// then their connection is closed without the answer — the lost answer
	// a client cannot tell from a drop before processing.
	DropAfter int `json:"dropAfter"`
	// ConcurrentChange: right after our next authorizationPolicy write, another
	// admin changes permissionGrantPoliciesAssigned.
	ConcurrentChange bool `json:"concurrentChange"`
	// ReplicationLagRequests / ReplicationLagMs: an object created through
	// Graph is invisible to the next N Graph requests / for N ms (lag.go).
	ReplicationLagRequests int `json:"replicationLagRequests"`
	ReplicationLagMs       int `json:"replicationLagMs"`
	// WorkflowDelayRequests / WorkflowDelayMs: turning the admin consent
	// workflow on takes effect for users only after N Graph requests / N ms
	// (lag.go).
	WorkflowDelayRequests int `json:"workflowDelayRequests"`
	WorkflowDelayMs       int `json:"workflowDelayMs"`
}

// Stats counts traffic.
type Stats struct {
	GraphRequests     int `json:"graphRequests"` // Graph operations ($batch items count one each; the envelope does not)
	RoundTrips        int `json:"roundTrips"`    // HTTP requests to Graph ($batch = 1)
	Batches           int `json:"batches"`
	Throttled         int `json:"throttled"`
	Unavailable       int `json:"unavailable"`
	Dropped           int `json:"dropped"`
	TokenRequests     int `json:"tokenRequests"`
	AuthorityRequests int `json:"authorityRequests"`
}

// Server is a simulated Microsoft cloud.
type Server struct {
	opts    Options
	catalog *catalog

	mu       sync.Mutex
	tenants  map[string]*Tenant // by id
	byDomain map[string]*Tenant // by lower domain
	order    []*Tenant
	primary  *Tenant
	nbase    int

	auth authState
	// msp holds what spans tenants: GDAP relationships, guests, per-tenant
	// Conditional Access and faults (msp.go).
	msp mspState

	faults Faults
	stats  Stats

	caCert  *x509.Certificate
	caPEM   []byte
	leaf    tls.Certificate
	pool    *x509.CertPool
	client  *http.Transport
	handler http.Handler

	httpsSrv, plainSrv *http.Server
	loginURL           string
	browserURL         string
	graphHostPort      string
}

// New builds the simulated cloud and its primary tenant; it does not listen.
func New(opts Options) (*Server, error) {
	if opts.Scenario == "" {
		opts.Scenario = "locked-down"
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.BrowserAddr == "" {
		opts.BrowserAddr = "127.0.0.1:0"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.SignInPageSize <= 0 || opts.SignInPageSize > maxSignInPage {
		opts.SignInPageSize = maxSignInPage
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, catalog: newCatalog(), tenants: map[string]*Tenant{}, byDomain: map[string]*Tenant{}}
	s.auth.init()
	// A multi-tenant scenario (msp.go) builds its primary tenant from a
	// single-tenant one, then adds the others.
	mt, multi := multiTenantScenarios[opts.Scenario]
	primary := opts.Scenario
	if multi {
		primary = mt.primary
	}
	t, err := s.AddTenant(primary)
	if err != nil {
		return nil, err
	}
	s.primary = t
	if multi {
		if err := mt.build(s, t); err != nil {
			return nil, err
		}
	}
	if err := s.makeCerts(); err != nil {
		return nil, err
	}
	s.client = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) now() time.Time { return s.opts.Now() }

// AddTenant builds another tenant from a scenario (many-tenant tests). Its
// domains are contoso2.com, contoso3.com, … and its users follow.
func (s *Server) AddTenant(scenarioName string) (*Tenant, error) {
	return s.AddTenantNamed(scenarioName, "", "")
}

// AddTenantNamed builds another tenant from a scenario, with the domains
// base.onmicrosoft.com and base.com (default contoso, contoso2, …) and the
// display name (default from base). base must be new to the server.
func (s *Server) AddTenantNamed(scenarioName, base, displayName string) (*Tenant, error) {
	sc, ok := scenarios[scenarioName]
	if !ok {
		return nil, fmt.Errorf("sim: unknown scenario %q (have %s)", scenarioName, strings.Join(append(ScenarioNames(), MultiTenantScenarioNames()...), ", "))
	}
	s.mu.Lock()
	s.nbase++
	nbase := s.nbase
	if base == "" {
		base = "contoso"
		if nbase > 1 {
			base = fmt.Sprintf("contoso%d", nbase)
		}
	}
	if s.byDomain[base+".com"] != nil || s.byDomain[base+".onmicrosoft.com"] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("sim: a tenant with the domain %s.com exists", base)
	}
	s.mu.Unlock()
	// The tenant is built before anyone can see it, without s.mu: building
	// its sign-in history evaluates sign-ins, which reads the server's hosts.
	t := newTenant(s, scenarioName, fmt.Sprintf("%s#%d", scenarioName, nbase), displayName, nil)
	t.buildContoso(base)
	t.seeding = true
	sc.build(t)
	if s.opts.RequireConsent {
		t.revokeClientLocked(entra.DefaultClientID)
	}
	t.seedSignInsLocked()
	t.sortSignInsLocked()
	t.ignoreAuthzWrites = s.opts.IgnoreAuthorizationPolicyWrites
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants[t.id] = t
	s.order = append(s.order, t)
	for _, d := range t.domains {
		s.byDomain[strings.ToLower(d.Name)] = t
	}
	return t, nil
}

// Tenant returns the scenario's primary tenant.
func (s *Server) Tenant() *Tenant { return s.primary }

// Tenants returns all tenants in creation order.
func (s *Server) Tenants() []*Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Tenant(nil), s.order...)
}

// TenantByName finds a tenant by id or verified domain.
func (s *Server) TenantByName(idOrDomain string) *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tenants[strings.ToLower(idOrDomain)]; ok {
		return t
	}
	return s.byDomain[strings.ToLower(idOrDomain)]
}

// tenantByUPN finds the tenant holding a user, by the UPN's domain.
func (s *Server) tenantByUPN(upn string) *Tenant {
	at := strings.LastIndex(upn, "@")
	if at < 0 {
		return nil
	}
	return s.TenantByName(upn[at+1:])
}

// SetFaults replaces the fault switches.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// CurrentFaults returns the fault switches as they stand (counters count down).
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns the traffic counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ResetStats zeroes the traffic counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{}
}

// ---- TLS -------------------------------------------------------------------

func (s *Server) makeCerts() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n
	}
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "consentwiz simulated cloud CA", Organization: []string{"consentwiz sim"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	s.caCert, _ = x509.ParseCertificate(caDER)
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	dns := []string{"localhost"}
	if h, _, err := net.SplitHostPort(s.opts.Addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsLoopback() && !ip.IsUnspecified() {
				ips = append(ips, ip)
			}
		} else if h != "localhost" {
			dns = append(dns, h)
		}
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(397 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips, DNSNames: dns,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, s.caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	s.leaf = tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}
	s.pool = x509.NewCertPool()
	s.pool.AddCert(s.caCert)
	return nil
}

// CAPEM returns the CA certificate (PEM) that signed the HTTPS certificate.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// WriteCAFile writes the CA certificate to path (for --ca-file / SSL_CERT_FILE).
func (s *Server) WriteCAFile(path string) error { return os.WriteFile(path, s.caPEM, 0o644) }

// HTTPClient returns a client that trusts the CA (and follows redirects).
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.client, Timeout: 30 * time.Second}
}

// ---- listeners -------------------------------------------------------------

// Start listens on the HTTPS address and the plain-HTTP browser address.
func (s *Server) Start() error {
	lnTLS, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return err
	}
	lnPlain, err := net.Listen("tcp", s.opts.BrowserAddr)
	if err != nil {
		lnTLS.Close()
		return err
	}
	// HTTP/1.1 only, so that the Drop fault can hijack and close connections.
	var protos http.Protocols
	protos.SetHTTP1(true)
	s.httpsSrv = &http.Server{Handler: s.handler, Protocols: &protos, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{s.leaf}, MinVersion: tls.VersionTLS12}}
	s.plainSrv = &http.Server{Handler: s.handler, Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.loginURL = "https://" + hostPort(lnTLS.Addr())
	s.graphHostPort = hostPort(lnTLS.Addr())
	s.browserURL = "http://" + hostPort(lnPlain.Addr())
	if h := s.opts.BrowserHost; h != "" {
		if ta, ok := lnPlain.Addr().(*net.TCPAddr); ok {
			s.browserURL = "http://" + net.JoinHostPort(h, strconv.Itoa(ta.Port))
		}
	}
	s.mu.Unlock()
	go s.httpsSrv.ServeTLS(lnTLS, "", "") //nolint:errcheck // ends with ErrServerClosed
	go s.plainSrv.Serve(lnPlain)          //nolint:errcheck
	return nil
}

func hostPort(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := ta.IP
	if ip.IsUnspecified() {
		ip = net.ParseIP("127.0.0.1")
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(ta.Port))
}

// Close stops both listeners.
func (s *Server) Close() error {
	var errs []error
	for _, srv := range []*http.Server{s.httpsSrv, s.plainSrv} {
		if srv != nil {
			errs = append(errs, srv.Close())
		}
	}
	s.client.CloseIdleConnections()
	return errors.Join(errs...)
}

// LoginURL is the authority root, https://127.0.0.1:PORT (append /{tenant}).
func (s *Server) LoginURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginURL
}

// GraphURL is the Graph root, https://127.0.0.1:PORT/graph (append /v1.0/...).
func (s *Server) GraphURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loginURL == "" {
		return ""
	}
	return s.loginURL + "/graph"
}

// BrowserURL is the plain-HTTP root for real browsers, http://127.0.0.1:PORT2.
func (s *Server) BrowserURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.browserURL
}

func (s *Server) graphHost() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.graphHostPort
}

// Handler returns the HTTP handler (for embedding the sim in another server).
func (s *Server) Handler() http.Handler { return s.handler }

// ---- routing ---------------------------------------------------------------

func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/" || p == "":
			s.handleIndex(w, r)
		case strings.HasPrefix(p, "/_sim/"):
			s.handleControl(w, r)
		case strings.HasPrefix(p, "/graph/"):
			s.handleGraph(w, r, "/graph")
		case strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/") || p == "/v1.0" || p == "/beta":
			s.handleGraph(w, r, "")
		case p == "/devicelogin" || p == "/device":
			s.count(func(st *Stats) { st.AuthorityRequests++ })
			s.handleDeviceLogin(w, r)
		default:
			s.count(func(st *Stats) { st.AuthorityRequests++ })
			s.handleAuthority(w, r)
		}
	})
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// baseURL is scheme://host of the request, as the client addressed us.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
