package flows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseProfile(t *testing.T) {
	// every shipped profile passes the same validation a vendor's file gets
	files, _ := filepath.Glob(filepath.Join("..", "assets", "apps", "*.json"))
	if len(files) == 0 {
		t.Fatal("no shipped profiles")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ParseProfile(b)
		if err != nil || ref.ClientID == "" || ref.Profile == "" {
			t.Errorf("%s: %+v %v", f, ref, err)
		}
	}

	good := map[string]any{"name": "Acme", "clientId": "0F4B6C1E-7D2A-4E8B-9C3F-5A6D7E8F9A0B", "scopes": []string{"User.Read", "Calendars.ReadWrite"},
		"consentVersion": "v2", "redirectUris": map[string]string{"eu": "https://eu.acme.example/cb"}, "docs": "https://acme.example/consent"}
	b, _ := json.Marshal(good)
	ref, err := ParseProfile(b)
	if err != nil || ref.ClientID != "0f4b6c1e-7d2a-4e8b-9c3f-5a6d7e8f9a0b" || ref.DisplayName != "Acme" || ref.RedirectURIs[0] != "https://eu.acme.example/cb" || ref.ConsentVersion != "v2" {
		t.Fatalf("%+v %v", ref, err)
	}

	with := func(k string, v any) []byte {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	bad := []struct {
		name string
		in   []byte
		err  string
	}{
		{"not json", []byte("name: Acme"), "not a valid profile JSON"},
		{"two values", append(append([]byte{}, b...), b...), "more than one JSON value"},
		{"unknown field", with("clientSecret", "x"), `unknown field "clientSecret"`},
		{"no name", with("name", nil), `"name" is required`},
		{"name with slash", with("name", "../x"), `"name" must be one short word`},
		{"client id", with("clientId", "{client-id}"), `"clientId" is not a GUID: "{client-id}"`},
		{"http redirect", with("redirectUris", map[string]string{"eu": "http://acme.example/cb"}), "redirectUris.eu"},
		{"javascript redirect", with("redirectUris", map[string]string{"eu": "javascript:alert(1)"}), "redirectUris.eu"},
		{"no scopes", with("scopes", []string{}), `"scopes" is required`},
		{"qualified scope", with("scopes", []string{"https://graph.microsoft.com/User.Read"}), "invalid permission name"},
		{"version", with("consentVersion", "v3"), `must be "v1" or "v2", not "v3"`},
		{"v2 without redirect", with("redirectUris", nil), "v2 needs at least one"},
		{"docs", with("docs", "http://acme.example"), `"docs" must be an https URL`},
		{"escape in notes", with("notes", "hi\x1b]52;c;AAAA\x07"), `"notes" must be plain text`},
		{"huge", make([]byte, maxProfile+1), "larger than"},
	}
	for _, tc := range bad {
		_, err := ParseProfile(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			continue
		}
		if strings.Contains(err.Error(), "\n") || Sanitize(err.Error(), 0) != err.Error() {
			t.Errorf("%s: error is not one clean line: %q", tc.name, err)
		}
	}
}
