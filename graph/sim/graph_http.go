package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func roleNames(roles []string) string {
	var n []string
	for _, r := range roles {
		n = append(n, entra.RoleNames[r])
	}
	return strings.Join(n, ", ")
}

// need checks the token's scopes (any of) and, when roles is non-nil, the
// user's directory roles (any of): 403 Authorization_RequestDenied otherwise.
func (g *greq) need(scopes, roles []string) *gresp {
	ok := false
	for _, sc := range scopes {
		if containsFold(g.tok.scopes, sc) {
			ok = true
			break
		}
	}
	if !ok {
		r := gerr(http.StatusForbidden, "Authorization_RequestDenied",
			fmt.Sprintf("Insufficient privileges to complete the operation. The access token lacks the required scope: one of %s.", strings.Join(scopes, ", ")))
		return &r
	}
	if roles != nil && !hasAnyRole(g.u, roles) {
		r := gerr(http.StatusForbidden, "Authorization_RequestDenied",
			fmt.Sprintf("Insufficient privileges to complete the operation. The signed-in user needs one of the directory roles: %s.", roleNames(roles)))
		return &r
	}
	return nil
}

// ---- HTTP entry ----------------------------------------------------------------

func (s *Server) retryAfter(f Faults) string {
	switch {
	case f.RetryAfterSeconds < 0:
		return "0"
	case f.RetryAfterSeconds == 0:
		return "1"
	}
	return strconv.Itoa(f.RetryAfterSeconds)
}

func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request, prefix string) {
	reqID := randGUID()
	clientReqID := r.Header.Get("client-request-id")
	if clientReqID == "" {
		clientReqID = reqID
	}
	// Faults that act on the round trip: dropped connection, latency.
	s.mu.Lock()
	drop := s.faults.Drop > 0
	if drop {
		s.faults.Drop--
		s.stats.Dropped++
	}
	latency := s.faults.Latency
	s.stats.RoundTrips++
	s.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	write := func(resp gresp) {
		if r.Method != http.MethodGet && s.takeDropAfter() {
			// Processed; the answer is lost.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		status, hdr, body := resp.finalize(reqID, clientReqID)
		h := w.Header()
		h.Set("request-id", reqID)
		h.Set("client-request-id", clientReqID)
		h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Loopback","Slice":"E","Ring":"sim","ScaleUnit":"000","RoleInstance":"sim"}}`)
		for k, v := range hdr {
			h.Set(k, v)
		}
		w.WriteHeader(status)
		if body != nil {
			_, _ = w.Write(body)
		}
	}
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	version, path, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if version != "v1.0" && version != "beta" {
		write(gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid version: %s", version)))
		return
	}
	path = "/" + path
	tok, errResp := s.authenticate(r)
	if errResp != nil {
		s.count(func(st *Stats) { st.GraphRequests++ })
		write(*errResp)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	g := &greq{s: s, t: tok.tenant, tok: tok, method: r.Method, version: version, path: path,
		q: r.URL.Query(), hdr: r.Header, body: body, root: baseURL(r) + prefix + "/" + version}
	if path == "/$batch" {
		s.count(func(st *Stats) { st.Batches++ })
		if r.Method != http.MethodPost {
			write(gerr(http.StatusMethodNotAllowed, "BadRequest", "$batch accepts POST only."))
			return
		}
		write(g.batch())
		return
	}
	write(g.one())
}

// takeDropAfter counts down the DropAfter fault.
func (s *Server) takeDropAfter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.DropAfter <= 0 {
		return false
	}
	s.faults.DropAfter--
	s.stats.Dropped++
	return true
}

// authenticate resolves the bearer token: 401 InvalidAuthenticationToken when
// it is missing, unknown or expired.
func (s *Server) authenticate(r *http.Request) (*accessToken, *gresp) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return nil, &e
	}
	at, ok := s.lookupToken(strings.TrimSpace(tok))
	if !ok {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.). Access token validation failure.")
		return nil, &e
	}
	if !s.now().Before(at.expires) {
		e := gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return nil, &e
	}
	return at, nil
}

// one runs a single Graph operation: per-request faults, then dispatch under
// the tenant lock.
func (g *greq) one() gresp {
	s := g.s
	s.mu.Lock()
	s.stats.GraphRequests++
	f := s.faults
	var fault *gresp
	switch {
	case s.faults.Throttle429 > 0:
		s.faults.Throttle429--
		s.stats.Throttled++
		ra := s.retryAfter(f)
		r := gerr(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after "+ra+" seconds.")
		r.hdr = map[string]string{"Retry-After": ra}
		fault = &r
	case s.faults.Unavailable503 > 0:
		s.faults.Unavailable503--
		s.stats.Unavailable++
		ra := s.retryAfter(f)
		r := gerr(http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable. Please retry after "+ra+" seconds.")
		r.hdr = map[string]string{"Retry-After": ra}
		fault = &r
	}
	s.mu.Unlock()
	if fault == nil {
		fault = s.tenantFault(g.t) // throttling of this tenant alone (msp.go)
	}
	if fault != nil {
		return *fault
	}
	g.t.mu.Lock()
	defer g.t.mu.Unlock()
	g.t.graphSeq++
	g.u = g.t.users[g.tok.userID]
	if g.tok.foreign != nil {
		// A partner's delegated admin: not in the directory, holding the
		// roles GDAP gives (msp_auth.go).
		g.u = g.tok.foreign
	}
	if g.u == nil {
		return gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", "The user of the access token no longer exists.")
	}
	return g.dispatch()
}
