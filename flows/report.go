package flows

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// FailedCall is a Microsoft Graph call that failed, with the request id
// Microsoft support needs to trace it.
type FailedCall struct {
	Op        string `json:"op"`
	Status    int    `json:"status"`
	Code      string `json:"code,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	Message   string `json:"message,omitempty"`
}

// FailedCallFrom turns a Graph error into a FailedCall; ok is false when err
// is not (or does not wrap) a *entra.APIError.
func FailedCallFrom(op string, err error) (FailedCall, bool) {
	var ae *entra.APIError
	if !errors.As(err, &ae) {
		return FailedCall{}, false
	}
	if op == "" {
		op = strings.TrimSpace(ae.Method + " " + ae.Path)
	}
	return FailedCall{Op: op, Status: ae.Status, Code: ae.Code, RequestID: ae.RequestID, Message: ae.Message}, true
}

// ReportInput is everything a support report is built from. It never holds
// a token.
type ReportInput struct {
	Version string
	Tenant  TenantInfo
	App     AppRef
	// SignedInAs is the admin who ran the wizard (UPN).
	SignedInAs string
	// Diagnosis may be nil (the wizard stopped before the diagnosis).
	Diagnosis *Diagnosis
	// Outcome may be nil (the wizard did not finish).
	Outcome     *Outcome
	FailedCalls []FailedCall
	Started     time.Time
	Ended       time.Time
	DryRun      bool
	Demo        bool
	Notes       []string
	// People are names and UPNs of people who appear in the run (requesters,
	// reviewers); redaction turns them into initials wherever they appear.
	People []string
	// Reasons are texts users typed (consent request reasons); redaction
	// replaces them with "[redacted]" wherever they appear.
	Reasons []string
}

// ReportInputFromState gathers a report's input from the wizard's state; the
// driver adds the version, the failed calls and the times.
func ReportInputFromState(s State) ReportInput {
	in := ReportInput{Tenant: s.Tenant, App: s.App, SignedInAs: s.SignedIn, Diagnosis: s.Diagnosis, DryRun: s.DryRun, Demo: s.Demo}
	if s.Outcome != nil {
		o := *s.Outcome
		in.Outcome = &o
	} else if len(s.Changes) > 0 {
		in.Outcome = &Outcome{Kind: OutcomeFailed, Summary: "The wizard did not finish.", Changes: s.Changes}
		if s.Run != nil {
			in.Outcome.Fix = s.Run.Fix
		}
	}
	addReq := func(r *entra.AppConsentRequest) {
		for _, u := range r.UserConsentRequests {
			if u.CreatedBy.User != nil {
				in.People = append(in.People, u.CreatedBy.User.DisplayName)
			}
			in.Reasons = append(in.Reasons, u.Reason)
		}
	}
	var run FixRun
	if s.Run != nil {
		run = *s.Run
	}
	if run.Workflow.Request != nil {
		addReq(run.Workflow.Request)
	}
	if s.Snap != nil {
		for i := range s.Snap.PendingRequests {
			addReq(&s.Snap.PendingRequests[i])
		}
		in.People = append(in.People, s.Snap.Me.DisplayName, s.Snap.Me.UserPrincipalName)
	}
	for _, r := range append(append([]Reviewer{}, run.Workflow.Reviewers...), run.Search.Candidates...) {
		if r.Kind == ReviewerUser {
			in.People = append(in.People, r.Name, r.Detail)
		}
	}
	return in
}

// ReportApp is the app as the report shows it.
type ReportApp struct {
	ClientID      string   `json:"clientId"`
	DisplayName   string   `json:"displayName,omitempty"`
	Profile       string   `json:"profile,omitempty"`
	Scopes        []string `json:"scopes"`
	AppRoles      []string `json:"appRoles"`
	OtherScopes   []string `json:"otherScopes"`
	ErrorCode     int      `json:"errorCode,omitempty"`
	CorrelationID string   `json:"correlationId,omitempty"`
	TraceID       string   `json:"traceId,omitempty"`
}

// Report is a support report to attach to a ticket: what was found, what was
// changed (before → after, verified), what failed and with which request ids.
// Build it with BuildReport; Redact masks personal data and identifiers.
type Report struct {
	Version     string       `json:"version"`
	Redacted    bool         `json:"redacted"`
	Started     time.Time    `json:"started"`
	Ended       time.Time    `json:"ended"`
	DryRun      bool         `json:"dryRun,omitempty"`
	Demo        bool         `json:"demo,omitempty"`
	Tenant      TenantInfo   `json:"tenant"`
	App         ReportApp    `json:"app"`
	SignedInAs  string       `json:"signedInAs,omitempty"`
	Diagnosis   *Diagnosis   `json:"diagnosis,omitempty"`
	Outcome     *Outcome     `json:"outcome,omitempty"`
	FailedCalls []FailedCall `json:"failedCalls"`
	Notes       []string     `json:"notes"`

	people, reasons []string // for Redact; never rendered as such
}

// BuildReport builds the (unredacted) report from in: strings are sanitized,
// slices copied, and anything that looks like a token is scrubbed.
func BuildReport(in ReportInput) Report {
	r := Report{
		Version: in.Version, Started: in.Started, Ended: in.Ended, DryRun: in.DryRun, Demo: in.Demo,
		Tenant:     in.Tenant,
		SignedInAs: in.SignedInAs,
		App: ReportApp{ClientID: in.App.ClientID, DisplayName: in.App.DisplayName, Profile: in.App.Profile,
			Scopes: cloneStrings(in.App.Scopes), AppRoles: cloneStrings(in.App.AppRoles), OtherScopes: cloneStrings(in.App.OtherScopes),
			ErrorCode: in.App.ErrorCode, CorrelationID: in.App.CorrelationID, TraceID: in.App.TraceID},
		FailedCalls: append([]FailedCall{}, in.FailedCalls...),
		Notes:       cloneStrings(in.Notes),
	}
	if r.App.ClientID == "" && in.Diagnosis != nil {
		r.App.ClientID = in.Diagnosis.App.ClientID
	}
	if r.App.DisplayName == "" && in.Diagnosis != nil {
		r.App.DisplayName = in.Diagnosis.App.DisplayName
	}
	if r.Tenant.ID == "" && in.Diagnosis != nil {
		r.Tenant = in.Diagnosis.Tenant
	}
	if r.SignedInAs == "" && in.Diagnosis != nil {
		r.SignedInAs = in.Diagnosis.SignedInAs
	}
	if in.Diagnosis != nil {
		d := deepCopy(*in.Diagnosis)
		r.Diagnosis = &d
	}
	if in.Outcome != nil {
		o := deepCopy(*in.Outcome)
		r.Outcome = &o
	}
	walkStrings(&r, func(s string) string { return ScrubSecrets(Sanitize(s, 4000)) })
	for _, p := range in.People {
		if p = Sanitize(p, 4000); p != "" {
			r.people = append(r.people, p)
		}
	}
	for _, x := range in.Reasons {
		if x = Sanitize(x, 4000); x != "" {
			r.reasons = append(r.reasons, x)
		}
	}
	return r
}

func cloneStrings(xs []string) []string {
	return append([]string{}, xs...)
}

// deepCopy copies v through JSON: every type in a report marshals fully.
func deepCopy[T any](v T) T {
	var out T
	data, err := json.Marshal(v)
	if err == nil {
		_ = json.Unmarshal(data, &out)
	}
	return out
}

// walkStrings applies f to every string reachable from v (a pointer),
// including strings in slices and map values.
func walkStrings(v any, f func(string) string) {
	walkValue(reflect.ValueOf(v), f)
}

func walkValue(v reflect.Value, f func(string) string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkValue(v.Elem(), f)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkValue(v.Field(i), f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkValue(v.Index(i), f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.String {
				v.SetMapIndex(k, reflect.ValueOf(f(e.String())).Convert(e.Type()))
			}
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(f(v.String()))
		}
	}
}

var (
	jwtRE        = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	secretKVRE   = regexp.MustCompile(`(?i)\b(code|refresh_token|access_token|id_token|client_secret|client_assertion|assertion|password|device_code)(=)([^&\s"'#,;<>]+)`)
	secretJSONRE = regexp.MustCompile(`(?i)("?\b(?:refresh_token|access_token|id_token|client_secret|client_assertion|password|device_code)"?\s*:\s*"?)([^"\s,;}]+)`)
	bearerRE     = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}`)
	errorCodeVal = regexp.MustCompile(`(?i)^(AADSTS)?\d{1,8}$`)
)

// ScrubSecrets removes anything that looks like a token from s: JWTs, bearer
// credentials, and the values of code=, refresh_token=, access_token=,
// id_token=, client_secret= and similar parameters (a numeric code=, an AADSTS
// error code, is kept).
func ScrubSecrets(s string) string {
	if s == "" {
		return s
	}
	s = jwtRE.ReplaceAllString(s, "[token removed]")
	s = bearerRE.ReplaceAllString(s, "Bearer [removed]")
	s = secretKVRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := secretKVRE.FindStringSubmatch(m)
		if strings.EqualFold(sm[1], "code") && errorCodeVal.MatchString(sm[3]) {
			return m
		}
		if sm[3] == "[removed]" || sm[3] == "[token" {
			return m
		}
		return sm[1] + sm[2] + "[removed]"
	})
	s = secretJSONRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := secretJSONRE.FindStringSubmatch(m)
		if strings.HasPrefix(sm[2], "[") {
			return m
		}
		return sm[1] + "[removed]"
	})
	return s
}

// ---- rendering ----

// JSON renders the report as indented JSON.
func (r Report) JSON() ([]byte, error) { return indentJSON(r) }

// indentJSON is v as indented JSON, with <, > and & kept as they are (the
// output is read by people and tools, never put in HTML), and a newline.
func indentJSON(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// Markdown renders the report for a support ticket.
func (r Report) Markdown() string { return r.doc().markdown() }

// Text renders the report as plain text.
func (r Report) Text() string { return r.doc().text() }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func (r Report) doc() *doc {
	d := &doc{title: "consentwiz support report"}
	s := d.section(2, "Run")
	var facts [][]span
	facts = append(facts, spans("consentwiz version: ", code(orDash(r.Version))))
	facts = append(facts, spans("Started: "+fmtTime(r.Started)+"; ended: "+fmtTime(r.Ended)))
	if !r.Started.IsZero() && !r.Ended.IsZero() && !r.Ended.Before(r.Started) {
		facts[len(facts)-1] = append(facts[len(facts)-1], spans(" ("+r.Ended.Sub(r.Started).Round(time.Second).String()+")")...)
	}
	var mode []string
	if r.Demo {
		mode = append(mode, "demo (simulated tenant)")
	}
	if r.DryRun {
		mode = append(mode, "dry run (nothing written)")
	}
	if len(mode) > 0 {
		facts = append(facts, spans("Mode: "+strings.Join(mode, ", ")))
	}
	if r.Redacted {
		facts = append(facts, spans("Personal data and identifiers are masked (run with ", code("--report-unredacted"), " to keep them)."))
	} else {
		facts = append(facts, spans(bold("Not redacted:"), " this report holds personal data and tenant identifiers."))
	}
	s.bullets(facts...)

	s = d.section(2, "Tenant and app")
	tenant := r.Tenant.Domain
	if r.Tenant.ID != "" {
		tenant = strings.TrimSpace(tenant + " (" + r.Tenant.ID + ")")
	}
	app := r.App.DisplayName
	if r.App.ClientID != "" {
		app = strings.TrimSpace(app + " (" + r.App.ClientID + ")")
	}
	items := [][]span{
		spans("Tenant: ", code(orDash(tenant)), ", cloud "+orDash(r.Tenant.Cloud.Name)),
		spans("App: ", code(orDash(app))),
	}
	if r.App.Profile != "" {
		items = append(items, spans("Profile: ", code(r.App.Profile)))
	}
	if len(r.App.Scopes) > 0 {
		items = append(items, spans("Delegated permissions: ", code(strings.Join(r.App.Scopes, " "))))
	}
	if len(r.App.AppRoles) > 0 {
		items = append(items, spans("Application permissions: ", code(strings.Join(r.App.AppRoles, " "))))
	}
	if len(r.App.OtherScopes) > 0 {
		items = append(items, spans("Other APIs: ", code(strings.Join(r.App.OtherScopes, " "))))
	}
	if r.App.ErrorCode != 0 {
		items = append(items, spans("Error the user got: ", code(fmt.Sprintf("AADSTS%d", r.App.ErrorCode))))
	}
	if r.App.CorrelationID != "" {
		items = append(items, spans("Correlation ID: ", code(r.App.CorrelationID)))
	}
	if r.App.TraceID != "" {
		items = append(items, spans("Trace ID: ", code(r.App.TraceID)))
	}
	if r.SignedInAs != "" {
		items = append(items, spans("Run by: "+r.SignedInAs))
	}
	s.bullets(items...)

	s = d.section(2, "Outcome")
	if o := r.Outcome; o == nil {
		s.para("The wizard did not reach an outcome.")
	} else {
		line := spans(bold(string(o.Kind)))
		if o.Fix != "" {
			line = append(line, spans(" (fix ", code(string(o.Fix)), ")")...)
		}
		if o.Summary != "" {
			line = append(line, spans(": "+o.Summary)...)
		}
		s.para(line)
		if o.Err != "" {
			s.para(bold("Error:"), " ", o.Err)
		}
		if o.JournalKept {
			s.para("A journal entry is kept: run ", code("consentwiz restore"), " to put the original setting back.")
		}
		if len(o.Changes) > 0 {
			cs := d.section(3, "Changes made")
			var rows [][]string
			for _, ch := range o.Changes {
				v := "no"
				if ch.Verified {
					v = "yes"
				}
				rows = append(rows, []string{ch.What, orDash(ch.Before), orDash(ch.After), v, fmtTime(ch.At)})
			}
			cs.table([]string{"What", "Before", "After", "Verified", "At"}, rows)
		} else {
			s.para("No change was made in the tenant.")
		}
		if len(o.Requests) > 0 {
			rs := d.section(3, "Requests a real run would send (dry run)")
			for _, q := range o.Requests {
				t := q.Method + " " + q.Path
				if q.Body != "" {
					t += "\n" + q.Body
				}
				rs.pre(t)
			}
		}
	}

	if dg := r.Diagnosis; dg != nil {
		s = d.section(2, "Diagnosis")
		s.pre(dg.Text())
		if len(dg.PendingRequests) > 0 {
			var rows [][]string
			for _, p := range dg.PendingRequests {
				rows = append(rows, []string{orDash(p.Requester), orDash(p.Reason), strings.Join(p.Scopes, " "), orDash(p.Created)})
			}
			ps := d.section(3, "Pending requests")
			ps.table([]string{"Requester", "Reason", "Permissions", "Created"}, rows)
		}
	}

	s = d.section(2, "Failed Microsoft Graph calls")
	if len(r.FailedCalls) == 0 {
		s.para("None.")
	} else {
		var rows [][]string
		for _, c := range r.FailedCalls {
			st := ""
			if c.Status != 0 {
				st = fmt.Sprint(c.Status)
			}
			rows = append(rows, []string{c.Op, st, c.Code, c.RequestID})
		}
		s.table([]string{"Operation", "Status", "Code", "Request id"}, rows)
		s.para("Give the request ids to Microsoft support when a call failed unexpectedly.")
	}
	if len(r.Notes) > 0 {
		s = d.section(2, "Notes")
		var ns [][]span
		for _, n := range r.Notes {
			ns = append(ns, spans(n))
		}
		s.bullets(ns...)
	}
	return d
}
