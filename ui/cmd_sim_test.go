package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
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

// `consentwiz sim` stopped by SIGTERM (a service manager) ends cleanly and
// removes the CA file it wrote (reliability review L13).
func TestSimSIGTERMRemovesItsCAFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals are Unix")
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- RunSim(context.Background(), SimOptions{Addr: "127.0.0.1:0", JSON: true}, IO{In: strings.NewReader(""), Out: pw, Err: io.Discard})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no JSON line: %v", err)
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the command ends
	var info struct {
		CAFile string `json:"caFile"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil || !strings.HasPrefix(info.CAFile, dir) {
		t.Fatalf("%q (%v)", line, err)
	}
	if _, err := os.Stat(info.CAFile); err != nil {
		t.Fatal(err)
	}
	// RunSim listens for SIGTERM from its start: the test process is not ended.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop on SIGTERM")
	}
	if _, err := os.Stat(info.CAFile); !os.IsNotExist(err) {
		t.Fatalf("CA file left: %v", err)
	}
}

// An error of the simulator carries its own "sim: " prefix; the command's
// name is in front of it already, so it is said once: "consentwiz sim: …",
// never "consentwiz sim: sim: …".
func TestSimErrorSaysSimOnce(t *testing.T) {
	var errOut strings.Builder
	code := RunSim(context.Background(), SimOptions{Scenario: "nope", Addr: "127.0.0.1:0"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: &errOut})
	if code != ExitError || !strings.HasPrefix(errOut.String(), "consentwiz sim: unknown scenario") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
