package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// `consentwiz sim --json` lists the simulated users with their directory
// roles, so a script knows whom to sign in as.
func TestSimJSONListsUsersWithRoles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	o := SimOptions{Scenario: "cli-not-consented", Addr: "127.0.0.1:0", JSON: true, CAOut: filepath.Join(t.TempDir(), "ca.pem")}
	done := make(chan int, 1)
	go func() {
		done <- RunSim(ctx, o, IO{In: strings.NewReader(""), Out: pw, Err: io.Discard})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no JSON line: %v", err)
	}
	cancel()
	go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the command ends
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d", code)
	}
	var info struct {
		Scenario string `json:"scenario"`
		AdminUPN string `json:"adminUpn"`
		Users    []struct {
			UPN   string   `json:"upn"`
			Roles []string `json:"roles"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	roles := map[string][]string{}
	for _, u := range info.Users {
		roles[u.UPN] = u.Roles
	}
	if info.Scenario != "cli-not-consented" || !slices.Contains(roles[info.AdminUPN], "Global Administrator") ||
		!slices.Contains(roles["reader@contoso.com"], "Global Reader") {
		t.Errorf("users: %s", line)
	}
	if r, ok := roles["megan@contoso.com"]; !ok || len(r) != 0 {
		t.Errorf("a plain user is listed with no roles: %s", line)
	}
}
