package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// ---- control API (/_sim) --------------------------------------------------------------------

type faultsJSON struct {
	LatencyMs int `json:"latencyMs"`
	Faults
}

// handleControl serves the simulator's own API (not part of Microsoft's):
//
//	GET/POST /_sim/faults          {"latencyMs","throttle429","retryAfterSeconds","unavailable503","drop","dropAfter","concurrentChange",
//	                                "replicationLagRequests","replicationLagMs","workflowDelayRequests","workflowDelayMs"}
//	GET      /_sim/stats
//	GET      /_sim/tenants
//	GET      /_sim/devicecodes      pending user codes
//	POST     /_sim/devicecodes      {"userCode","upn"} approve (or {"userCode","decline":true})
//	POST     /_sim/{tenant}/signin  {"upn","appId","scopes","reason"} → SignInOutcome
//	POST     /_sim/{tenant}/adminconsent {"upn","appId"} → grants as the admin
func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) {
	segs := splitSegs(strings.TrimPrefix(r.URL.Path, "/_sim"))
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	bad := func(msg string) { writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg}) }
	if len(segs) == 0 {
		http.NotFound(w, r)
		return
	}
	switch {
	case segs[0] == "faults" && r.Method == http.MethodPost:
		var f faultsJSON
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&f); err != nil {
			bad(err.Error())
			return
		}
		f.Faults.Latency = time.Duration(f.LatencyMs) * time.Millisecond
		s.SetFaults(f.Faults)
		fallthrough
	case segs[0] == "faults":
		f := s.CurrentFaults()
		writeJSON(w, http.StatusOK, faultsJSON{LatencyMs: int(f.Latency / time.Millisecond), Faults: f})
	case segs[0] == "stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case segs[0] == "tenants":
		var out []map[string]string
		for _, t := range s.Tenants() {
			out = append(out, map[string]string{"id": t.ID(), "domain": t.Domain(), "scenario": t.Scenario(),
				"adminUpn": t.AdminUPN(), "endUserUpn": t.EndUserUPN(), "appId": t.AppID()})
		}
		writeJSON(w, http.StatusOK, out)
	case segs[0] == "devicecodes" && r.Method == http.MethodPost:
		var b struct {
			UserCode string `json:"userCode"`
			UPN      string `json:"upn"`
			Decline  bool   `json:"decline"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			bad(err.Error())
			return
		}
		var err error
		if b.Decline {
			err = s.DeclineDeviceCode(b.UserCode)
		} else {
			err = s.ApproveDeviceCode(b.UserCode, b.UPN)
		}
		if err != nil {
			bad(err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case segs[0] == "devicecodes":
		writeJSON(w, http.StatusOK, map[string][]string{"pending": s.PendingDeviceCodes()})
	case len(segs) == 2 && r.Method == http.MethodPost && (segs[1] == "signin" || segs[1] == "adminconsent"):
		t := s.TenantByName(segs[0])
		if t == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": tenantNotFound(segs[0])})
			return
		}
		var b struct {
			UPN    string   `json:"upn"`
			AppID  string   `json:"appId"`
			Scopes []string `json:"scopes"`
			Reason string   `json:"reason"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			bad(err.Error())
			return
		}
		if b.UPN == "" {
			b.UPN = t.EndUserUPN()
		}
		if b.AppID == "" {
			b.AppID = t.AppID()
		}
		if segs[1] == "adminconsent" {
			if err := t.AdminConsent(b.UPN, b.AppID, b.Scopes); err != nil {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
			return
		}
		writeJSON(w, http.StatusOK, t.UserSignIn(b.UPN, b.AppID, b.Scopes, b.Reason))
	default:
		http.NotFound(w, r)
	}
}
