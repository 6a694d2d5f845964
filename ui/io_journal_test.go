package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

func journalEntry(id, tenant string, at time.Time) flows.JournalEntry {
	return flows.JournalEntry{
		ID: id, TenantID: tenant, Cloud: "global", Fix: flows.FixRelaxUserConsent, What: flows.JournalWhat,
		Original: []string{entra.OwnedResourceConsentPrefix + "microsoft-dynamically-managed-permissions-for-team"},
		Set: []string{entra.OwnedResourceConsentPrefix + "microsoft-dynamically-managed-permissions-for-team",
			entra.SelfConsentPrefix + entra.PolicyManagedRecommended},
		At: at, By: "admin@contoso.com",
	}
}

// dirNames lists the file names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestJournalModeAndAtomicReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "consentwiz")
	j := NewJournal(dir)
	for i, id := range []string{"a", "b", "a"} {
		if err := j.Write(journalEntry(id, testTenantID, testTime.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if names := dirNames(t, dir); len(names) != 1 || names[0] != "journal.json" {
			t.Fatalf("after write %d the directory holds %v: a temp file was left", i, names)
		}
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(j.Path())
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
		}
		di, _ := os.Stat(dir)
		if di.Mode().Perm() != 0o700 {
			t.Errorf("journal dir mode %v, want 0700", di.Mode().Perm())
		}
	}
	// Rewriting "a" replaced it (by id), not duplicated it.
	got, err := j.Pending("")
	if err != nil || len(got) != 2 {
		t.Fatalf("pending %+v, %v", got, err)
	}
	if got[0].ID != "b" || got[1].ID != "a" {
		t.Errorf("not oldest first: %s, %s", got[0].ID, got[1].ID)
	}
}

func TestJournalMultipleEntriesAndClear(t *testing.T) {
	j := NewJournal(t.TempDir())
	other := "11111111-2222-3333-4444-555555555555"
	e1 := journalEntry("t1-1", testTenantID, testTime.Add(2*time.Minute))
	e2 := journalEntry("t2-1", other, testTime)
	e3 := journalEntry("t1-2", testTenantID, testTime.Add(time.Minute))
	for _, e := range []flows.JournalEntry{e1, e2, e3} {
		if err := j.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := j.Pending("")
	if err != nil || len(all) != 3 || all[0].ID != "t2-1" || all[1].ID != "t1-2" || all[2].ID != "t1-1" {
		t.Fatalf("pending %+v, %v", all, err)
	}
	mine, err := j.Pending(strings.ToUpper(testTenantID))
	if err != nil || len(mine) != 2 || mine[0].ID != "t1-2" {
		t.Fatalf("pending for the tenant (any case) %+v, %v", mine, err)
	}
	if !equalStrings(mine[1].Original, e1.Original) || !equalStrings(mine[1].Set, e1.Set) || !mine[1].At.Equal(e1.At) {
		t.Errorf("entry did not round-trip: %+v", mine[1])
	}
	before, _ := os.ReadFile(j.Path())
	if err := j.Clear("no-such-id"); err != nil {
		t.Fatalf("clearing an absent id: %v", err)
	}
	if after, _ := os.ReadFile(j.Path()); !bytes.Equal(before, after) {
		t.Error("clearing an absent id rewrote the journal")
	}
	if err := j.Clear("t1-2"); err != nil {
		t.Fatal(err)
	}
	if all, _ := j.Pending(""); len(all) != 2 || all[0].ID != "t2-1" || all[1].ID != "t1-1" {
		t.Fatalf("after clear: %+v", all)
	}
	for _, id := range []string{"t2-1", "t1-1"} {
		if err := j.Clear(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(j.Path()); !os.IsNotExist(err) {
		t.Errorf("an empty journal should leave no file: %v", err)
	}
	if all, err := j.Pending(""); err != nil || len(all) != 0 {
		t.Fatalf("pending of no file: %+v, %v", all, err)
	}
	if err := j.Clear("t1-1"); err != nil {
		t.Fatalf("clearing with no file: %v", err)
	}
	if err := j.Write(flows.JournalEntry{}); err == nil {
		t.Error("an entry without id was accepted")
	}
}

// TestJournalDamaged: a damaged journal is an error that names the file; it
// is never deleted or overwritten, since it may hold a setting to restore.
func TestJournalDamaged(t *testing.T) {
	dir := t.TempDir()
	j := NewJournal(dir)
	damaged := []byte(`{"version":1,"entries":[{"id":"x","original":["ManagePermissionGrantsForSelf.microsoft-user-default-low"` + "\x00")
	if err := os.WriteFile(j.Path(), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), j.Path()) || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: error %v should say the journal %s is damaged", what, err, j.Path())
		}
		if got, _ := os.ReadFile(j.Path()); !bytes.Equal(got, damaged) {
			t.Fatalf("%s changed the damaged journal", what)
		}
	}
	_, err := j.Pending("")
	check("Pending", err)
	check("Write", j.Write(journalEntry("y", testTenantID, testTime)))
	check("Clear", j.Clear("x"))

	// The restore command stops with that error (exit 1) and keeps the file.
	var out, errOut bytes.Buffer
	cfg := Config{Cloud: entra.Clouds["global"], ConfigDir: dir, Accessible: true, NoBrowser: true}
	code := RunRestore(context.Background(), cfg, WizardOptions{}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(string) string { return "" }})
	if code != ExitError || !strings.Contains(errOut.String(), j.Path()) {
		t.Fatalf("restore with a damaged journal: exit %d, stderr %q", code, errOut.String())
	}
	if got, _ := os.ReadFile(j.Path()); !bytes.Equal(got, damaged) {
		t.Fatal("the restore command changed the damaged journal")
	}
}

// Two journals on the same file (two consentwiz processes) writing at once
// keep every entry: the lock file serialises their read-modify-write.
func TestJournalConcurrentWritersKeepEveryEntry(t *testing.T) {
	dir := t.TempDir()
	a, b := NewJournal(dir), NewJournal(dir)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			j := a
			if i%2 == 1 {
				j = b
			}
			if err := j.Write(flows.JournalEntry{ID: fmt.Sprintf("t-%02d", i), TenantID: "t", At: time.Unix(int64(i), 0)}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := a.Pending("")
	if err != nil || len(got) != 20 {
		t.Fatalf("entries = %d (%v), want 20", len(got), err)
	}
	if _, err := os.Stat(a.Path() + ".lock"); !os.IsNotExist(err) {
		t.Fatalf("lock file left behind: %v", err)
	}
}

// A lock file left by a killed process is taken over once it is stale.
func TestJournalStaleLockIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	j := NewJournal(dir)
	lock := j.Path() + ".lock"
	if err := os.WriteFile(lock, []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if err := j.Write(flows.JournalEntry{ID: "x", TenantID: "t"}); err != nil {
		t.Fatalf("write with a stale lock: %v", err)
	}
}

// A journal that is not a regular file is refused at once with a clear
// error: a FIFO would block the read forever, a symlink could point anywhere
// (reliability review L3).
func TestJournalNotARegularFileIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and symlinks are Unix")
	}
	cases := map[string]func(path string) error{
		"named pipe": func(p string) error { return syscall.Mkfifo(p, 0o600) },
		"symbolic link": func(p string) error {
			target := filepath.Join(filepath.Dir(p), "elsewhere.json")
			if err := os.WriteFile(target, []byte(`{"version":2,"entries":[]}`), 0o600); err != nil {
				return err
			}
			return os.Symlink(target, p)
		},
		"directory": func(p string) error { return os.Mkdir(p, 0o700) },
	}
	for kind, mk := range cases {
		t.Run(kind, func(t *testing.T) {
			j := NewJournal(t.TempDir())
			if err := mk(j.Path()); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := j.Pending(""); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), j.Path()) {
					t.Fatalf("error %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("reading the journal hangs")
			}
			if err := j.Write(journalEntry("y", testTenantID, testTime)); err == nil {
				t.Fatal("a write replaced it")
			}
		})
	}
}

// What this version does not know is refused, never restored as a user
// consent entry (L9): another version, an unknown kind or cloud; and a
// journal larger than any consentwiz writes.
func TestJournalUnknownVersionOrKindIsRefused(t *testing.T) {
	entry := `{"id":"x","tenantId":"t","cloud":"global","fix":"relax-user-consent","what":"%s","original":[],"set":[],"at":"2026-01-01T00:00:00Z","by":"a"}`
	cases := map[string]string{
		"version 99":    `{"version":99,"entries":[` + fmt.Sprintf(entry, flows.JournalWhat) + `]}`,
		"unknown what":  `{"version":2,"entries":[` + fmt.Sprintf(entry, "authorizationPolicy.somethingElse") + `]}`,
		"unknown cloud": `{"version":1,"entries":[` + strings.Replace(fmt.Sprintf(entry, flows.JournalWhat), `"global"`, `"mars"`, 1) + `]}`,
		"too large":     `{"version":2,"entries":[],"pad":"` + strings.Repeat("x", maxJournalBytes) + `"}`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			j := NewJournal(t.TempDir())
			if err := os.WriteFile(j.Path(), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := j.Pending(""); err == nil || !strings.Contains(err.Error(), j.Path()) {
				t.Fatalf("accepted: %v", err)
			}
			if got, _ := os.ReadFile(j.Path()); string(got) != data {
				t.Fatal("the file was changed")
			}
		})
	}
	// Version 1, as older consentwiz wrote it (no "what"), still loads as user consent.
	j := NewJournal(t.TempDir())
	v1 := `{"version":1,"entries":[{"id":"t-1773480413","tenantId":"t","cloud":"","fix":"relax-user-consent","original":["a"],"set":["b"],"at":"2026-03-14T09:26:53Z","by":"a"}]}`
	if err := os.WriteFile(j.Path(), []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := j.Pending("")
	if err != nil || len(got) != 1 || !got[0].HasSetting() || got[0].IsRequestPolicy() {
		t.Fatalf("version 1: %+v, %v", got, err)
	}
}

// Two entries with one id (older versions named entries by tenant and second,
// H1) are two entries: clearing one keeps the other.
func TestJournalDuplicateIDsStayTwoEntries(t *testing.T) {
	j := NewJournal(t.TempDir())
	a, b := journalEntry("t-1773480413", testTenantID, testTime), journalEntry("t-1773480413", testTenantID, testTime.Add(time.Second))
	b.Fix = flows.FixClassifyLow
	data, _ := json.Marshal(journalFile{Version: 1, Entries: []flows.JournalEntry{a, b}})
	if err := os.WriteFile(j.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := j.Pending("")
	if err != nil || len(got) != 2 || got[0].ID == got[1].ID {
		t.Fatalf("pending %+v, %v", got, err)
	}
	if err := j.Clear(got[0].ID); err != nil {
		t.Fatal(err)
	}
	left, err := j.Pending("")
	if err != nil || len(left) != 1 || left[0].Fix != flows.FixClassifyLow {
		t.Fatalf("after clearing one: %+v, %v", left, err)
	}
}

// A journal others may read (0644, written by hand or another tool) is made
// private again (L9).
func TestJournalModeIsFixed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are Unix")
	}
	j := NewJournal(t.TempDir())
	if err := j.Write(journalEntry("a", testTenantID, testTime)); err != nil {
		t.Fatal(err)
	}
	if fixed, err := j.FixMode(); fixed || err != nil {
		t.Fatalf("a 0600 journal: fixed %v, %v", fixed, err)
	}
	if err := os.Chmod(j.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	if fixed, err := j.FixMode(); !fixed || err != nil {
		t.Fatalf("fixed %v, %v", fixed, err)
	}
	if fi, _ := os.Stat(j.Path()); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}

// A lock left by a process of this computer that no longer runs (killed
// while it held the lock) is taken over at once, not after lockStale.
func TestJournalLockOfADeadProcessIsTakenOver(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is checked on Unix")
	}
	deadPid := deadProcess(t)
	j := NewJournal(t.TempDir())
	lock := j.Path() + ".lock"
	if err := os.WriteFile(lock, []byte(fmt.Sprintf("%d %s\n", deadPid, hostName())), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := j.Write(journalEntry("a", testTenantID, testTime)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("waited %v for a dead process's lock", d)
	}
	// A live holder (this process, as another writer would be) is waited for.
	if err := os.WriteFile(lock, []byte(fmt.Sprintf("%d %s\n", os.Getppid(), hostName())), 0o600); err != nil {
		t.Fatal(err)
	}
	if lockHolderGone(lock) {
		t.Fatal("a running process's lock counted as left behind")
	}
	os.Remove(lock)
}

// Reading the journal at start removes a lock its dead holder left, so none
// stays behind after a restore found nothing to do.
func TestJournalPendingDropsADeadLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is checked on Unix")
	}
	deadPid := deadProcess(t)
	j := NewJournal(t.TempDir())
	lock := j.Path() + ".lock"
	if err := os.WriteFile(lock, []byte(fmt.Sprintf("%d %s\n", deadPid, hostName())), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := j.Pending(""); err != nil || len(p) != 0 {
		t.Fatal(p, err)
	}
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Fatalf("lock left: %v", err)
	}
	// An empty lock (killed before its pid was written) is dropped once old.
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if lockHolderGone(lock) {
		t.Fatal("a fresh empty lock counted as left behind")
	}
	old := time.Now().Add(-time.Minute)
	_ = os.Chtimes(lock, old, old)
	if !lockHolderGone(lock) {
		t.Fatal("an old empty lock is not taken over")
	}
}

// The lock file appears with its holder's line already in it (a hard link of
// a file written first), so a process killed while taking the lock never
// leaves an empty lock that the next start must wait on; the file it links
// from is gone once the lock is taken, and one a killed process left is
// removed at the next start.
func TestJournalLockIsNeverEmpty(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is checked on Unix")
	}
	dir := t.TempDir()
	j := NewJournal(dir)
	lock := j.Path() + ".lock"
	if err := os.MkdirAll(filepath.Dir(lock), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := takeLock(lock); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(lock)
	if want := fmt.Sprintf("%d %s\n", os.Getpid(), hostName()); err != nil || string(data) != want {
		t.Fatalf("lock holds %q (%v), want %q", data, err, want)
	}
	if err := takeLock(lock); !errors.Is(err, os.ErrExist) {
		t.Fatalf("a held lock was taken again: %v", err)
	}
	if names := dirNamesOf(filepath.Dir(lock)); len(names) != 1 {
		t.Fatalf("files beside the journal: %v", names)
	}
	os.Remove(lock)

	deadPid := deadProcess(t)
	deadHolder := holderPrefix(lock) + strconv.Itoa(deadPid)
	liveHolder := holderPrefix(lock) + strconv.Itoa(os.Getppid())
	for _, f := range []string{deadHolder, liveHolder} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Pending(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(deadHolder); !os.IsNotExist(err) {
		t.Errorf("a killed process's holder file is left: %v", err)
	}
	if _, err := os.Stat(liveHolder); err != nil {
		t.Errorf("a running process's holder file was removed: %v", err)
	}
}

// deadProcess is the id of a process of this computer that has ended.
func deadProcess(t *testing.T) int {
	t.Helper()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	return dead.Process.Pid
}
