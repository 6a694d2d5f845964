package flows

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// inputExample is one real input collected from a public issue tracker, a
// forum or a vendor's help page (testdata/inputs/<kind>.json), with where it
// came from and how it must be read. Constructed examples (a real wrapper
// around a real link from another page, a field block with fake values) say so.
type inputExample struct {
	Source      string     `json:"source"`
	Constructed bool       `json:"constructed"`
	Input       string     `json:"input"`
	Want        inputWants `json:"want"`
}

// inputWants lists what must be read; a field left out of the JSON is not checked.
type inputWants struct {
	ClientID          *string `json:"clientId"`
	Tenant            *string `json:"tenant"`
	PlaceholderTenant *string `json:"placeholderTenant"`
	Cloud             *string `json:"cloud"`
	Redirect          *string `json:"redirect"`
	InputRedirect     *string `json:"inputRedirect"`
	Scopes            *string `json:"scopes"`
	Prompt            *string `json:"prompt"`
	Version           *string `json:"version"`
	Code              *int    `json:"code"`
	Screen            *string `json:"screen"`
	Risky             *bool   `json:"risky"`
	AppName           *string `json:"appName"`
	Correlation       *string `json:"correlation"`
	Request           *string `json:"request"`
	Timestamp         *string `json:"timestamp"`
	Resource          *string `json:"resource"`
	Personal          *bool   `json:"personal"`
	Retired           *bool   `json:"retired"`
	Outcome           *string `json:"outcome"`
	Unwrapped         *string `json:"unwrapped"`
	// ReadErr is a substring of Read's error, for an input that holds nothing
	// consentwiz can use.
	ReadErr string `json:"readErr"`
	// ParseAppErr is a substring of ParseApp's error; empty means ParseApp
	// must succeed with the client id.
	ParseAppErr string `json:"parseAppErr"`
}

func loadInputExamples(t *testing.T) map[string][]inputExample {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "inputs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	out := map[string][]inputExample{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var exs []inputExample
		if err := json.Unmarshal(b, &exs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = exs
	}
	return out
}

// checkExample returns what Read and ParseApp got wrong for ex.
func checkExample(ex inputExample) []string {
	var bad []string
	w := ex.Want
	r, err := Read(ex.Input)
	switch {
	case w.ReadErr != "" && (err == nil || !strings.Contains(err.Error(), w.ReadErr)):
		return []string{fmt.Sprintf("Read error %v, want one with %q", err, w.ReadErr)}
	case w.ReadErr != "":
		if _, perr := ParseApp(ex.Input); perr == nil || !strings.Contains(perr.Error(), w.ParseAppErr) {
			return []string{fmt.Sprintf("ParseApp error %v, want one with %q", perr, w.ParseAppErr)}
		}
		return nil
	case err != nil:
		return []string{"Read failed: " + err.Error()}
	}
	a := r.App
	str := func(name string, want *string, got string) {
		if want != nil && *want != got {
			bad = append(bad, fmt.Sprintf("%s = %q, want %q", name, got, *want))
		}
	}
	boolean := func(name string, want *bool, got bool) {
		if want != nil && *want != got {
			bad = append(bad, fmt.Sprintf("%s = %v, want %v", name, got, *want))
		}
	}
	str("client id", w.ClientID, a.ClientID)
	str("tenant", w.Tenant, a.TenantHint)
	str("placeholder tenant", w.PlaceholderTenant, r.PlaceholderTenant)
	str("cloud", w.Cloud, a.CloudHint)
	if w.Redirect != nil && (len(a.RedirectURIs) == 0 || a.RedirectURIs[0] != *w.Redirect) {
		bad = append(bad, fmt.Sprintf("redirect = %q, want %q", a.RedirectURIs, *w.Redirect))
	}
	str("input redirect", w.InputRedirect, a.InputRedirectURI)
	str("scopes", w.Scopes, strings.Join(a.Scopes, " "))
	str("prompt", w.Prompt, a.Prompt)
	str("consent version", w.Version, a.ConsentVersion)
	if w.Code != nil && *w.Code != a.ErrorCode {
		bad = append(bad, fmt.Sprintf("code = %d, want %d", a.ErrorCode, *w.Code))
	}
	str("screen", w.Screen, r.Screen)
	boolean("risky", w.Risky, r.Risky)
	str("app name", w.AppName, a.DisplayName)
	str("correlation id", w.Correlation, a.CorrelationID)
	str("request id", w.Request, a.TraceID)
	str("timestamp", w.Timestamp, r.Timestamp)
	str("resource", w.Resource, r.ResourceID)
	boolean("personal", w.Personal, r.Personal)
	boolean("retired", w.Retired, r.RetiredCloud)
	str("outcome", w.Outcome, r.Outcome)
	if w.Unwrapped != nil && !strings.Contains(strings.Join(r.Unwrapped, " "), *w.Unwrapped) {
		bad = append(bad, fmt.Sprintf("unwrapped = %v, want %q", r.Unwrapped, *w.Unwrapped))
	}
	ref, perr := ParseApp(ex.Input)
	switch {
	case w.ParseAppErr != "" && perr == nil:
		bad = append(bad, fmt.Sprintf("ParseApp succeeded (%s), want an error with %q", ref.ClientID, w.ParseAppErr))
	case w.ParseAppErr != "" && !strings.Contains(perr.Error(), w.ParseAppErr):
		bad = append(bad, fmt.Sprintf("ParseApp error %q lacks %q", perr, w.ParseAppErr))
	case w.ParseAppErr == "" && perr != nil:
		bad = append(bad, "ParseApp: "+perr.Error())
	case w.ParseAppErr == "" && w.ClientID != nil && ref.ClientID != *w.ClientID:
		bad = append(bad, fmt.Sprintf("ParseApp client id = %q", ref.ClientID))
	}
	// the client id is never one of the request's other ids
	if a.ClientID != "" && (a.ClientID == a.CorrelationID || a.ClientID == a.TraceID || a.ClientID == a.TenantHint) {
		bad = append(bad, "client id taken from a correlation, request or tenant id")
	}
	// Explain reads the same input the same way
	if e, err := Explain(ex.Input); err != nil {
		bad = append(bad, "Explain: "+err.Error())
	} else if e.App.ClientID != a.ClientID || e.App.TenantHint != a.TenantHint || e.Code != a.ErrorCode {
		bad = append(bad, fmt.Sprintf("Explain read %q/%q/%d, Read %q/%q/%d", e.App.ClientID, e.App.TenantHint, e.Code, a.ClientID, a.TenantHint, a.ErrorCode))
	} else {
		assertCleanS(&bad, e.Text())
	}
	if perr != nil {
		assertCleanS(&bad, perr.Error())
	}
	return bad
}

func assertCleanS(bad *[]string, s string) {
	for _, line := range strings.Split(s, "\n") {
		if Sanitize(line, 0) != strings.Join(strings.Fields(line), " ") {
			*bad = append(*bad, fmt.Sprintf("unsanitized output %q", line))
		}
	}
}

// TestRealInputs reads every collected example of every kind of input
// (issue: "understand whatever the person has") and logs the count per kind.
func TestRealInputs(t *testing.T) {
	kinds := loadInputExamples(t)
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, kind := range names {
		exs := kinds[kind]
		right, real := 0, 0
		for i, ex := range exs {
			if ex.Source == "" || ex.Input == "" {
				t.Errorf("%s #%d: source and input are required", kind, i)
			}
			if !ex.Constructed {
				real++
			}
			if bad := checkExample(ex); len(bad) > 0 {
				t.Errorf("%s #%d (%s):\n  %s", kind, i, ex.Source, strings.Join(bad, "\n  "))
				continue
			}
			right++
		}
		t.Logf("%-22s %2d examples (%2d verbatim, %2d constructed), %2d read right", kind, len(exs), real, len(exs)-real, right)
	}
}
