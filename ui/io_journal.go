package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"consentwiz/flows"
)

// Journal keeps the original value of every tenant setting a fix changes until
// it is restored (docs/safety.md). It is one JSON file under the user
// config dir, 0600, replaced atomically: written to a temp file, fsynced,
// renamed, and the directory fsynced. It never holds a token.
type Journal struct {
	path string
	mu   sync.Mutex
}

// NewJournal returns the journal in dir (created on first write).
func NewJournal(dir string) *Journal {
	return &Journal{path: filepath.Join(dir, "journal.json")}
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

type journalFile struct {
	Version int                  `json:"version"`
	Entries []flows.JournalEntry `json:"entries"`
}

// journalVersion is the version this consentwiz writes: 2 added entries that
// list created objects. Version 1 files (a setting per entry) load as they are.
const journalVersion = 2

// maxJournalBytes bounds a read of the journal: a real one is a few KiB.
const maxJournalBytes = 4 << 20

// load reads the journal. It refuses, with an error that names the file and
// never touching it, anything it cannot trust: not a regular file (a FIFO
// would block the read, a device or a symlink could point anywhere), too
// large, not JSON, a version or an entry kind it does not know (never
// restored as something else: it may hold a value a newer consentwiz needs).
func (j *Journal) load() ([]flows.JournalEntry, error) {
	fi, err := os.Lstat(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal %s: %w", j.path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the journal %s is not a regular file (%s): move it away, or set CONSENTWIZ_CONFIG_DIR to another directory", j.path, fileKind(fi.Mode()))
	}
	f, err := os.Open(j.path)
	if err != nil {
		return nil, fmt.Errorf("reading the journal %s: %w", j.path, err)
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the journal %s is not a regular file: move it away", j.path)
	}
	// One buffer of the file's size (plus one byte, to see it grew): a
	// journal of 1,000 entries then starts the wizard about 1 ms sooner than
	// growing the buffer as it reads (BenchmarkStartWithJournal).
	buf := bytes.NewBuffer(make([]byte, 0, min(fi.Size(), maxJournalBytes)+1))
	_, err = buf.ReadFrom(io.LimitReader(f, maxJournalBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reading the journal %s: %w", j.path, err)
	}
	if len(data) > maxJournalBytes {
		return nil, fmt.Errorf("the journal %s is larger than %d MiB, which consentwiz never writes: keep the file and compare it with the tenant's settings", j.path, maxJournalBytes>>20)
	}
	var jf journalFile
	if err := json.Unmarshal(data, &jf); err != nil {
		return nil, fmt.Errorf("the journal %s is damaged (%v): it may hold a setting to restore — keep the file and compare it with the tenant's user consent settings", j.path, err)
	}
	if jf.Version != 1 && jf.Version != journalVersion {
		return nil, fmt.Errorf("the journal %s has version %d, which this consentwiz does not know (it writes %d): use the consentwiz that wrote it, and keep the file", j.path, jf.Version, journalVersion)
	}
	for _, e := range jf.Entries {
		if err := e.Check(); err != nil {
			return nil, fmt.Errorf("the journal %s: %s; this consentwiz does not restore it — keep the file", j.path, flows.Sanitize(err.Error(), 300))
		}
	}
	return uniqueIDs(jf.Entries), nil
}

// uniqueIDs gives an entry whose id an earlier entry already has a new one
// (the id, "~" and its number among them), the same on every load: clearing
// one of them never removes the other (journals of older versions could hold
// two entries of one id, written by two processes in the same second).
func uniqueIDs(entries []flows.JournalEntry) []flows.JournalEntry {
	seen := map[string]int{}
	for i := range entries {
		id := entries[i].ID
		seen[id]++
		if n := seen[id]; n > 1 {
			entries[i].ID = id + "~" + strconv.Itoa(n)
		}
	}
	return entries
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "not a plain file"
}

// FixMode makes a journal that others may read private again (0600) and
// reports whether it had to; it holds tenant settings and account names.
func (j *Journal) FixMode() (bool, error) {
	fi, err := os.Lstat(j.path)
	if err != nil || !fi.Mode().IsRegular() || runtime.GOOS == "windows" || fi.Mode().Perm()&0o077 == 0 {
		return false, nil
	}
	if err := os.Chmod(j.path, 0o600); err != nil {
		return false, fmt.Errorf("the journal %s is readable by other users (mode %v) and could not be made private: %w", j.path, fi.Mode().Perm(), err)
	}
	return true, nil
}

// Pending returns the entries waiting to be restored, oldest first. With a
// tenant id, only that tenant's entries.
func (j *Journal) Pending(tenantID string) ([]flows.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if lock := j.path + ".lock"; lockHolderGone(lock) {
		// Left by a process killed while it held it: nothing to wait for.
		os.Remove(lock)
	}
	removeDeadHolders(j.path + ".lock")
	all, err := j.load()
	if err != nil {
		return nil, err
	}
	out := make([]flows.JournalEntry, 0, len(all))
	for _, e := range all {
		if tenantID == "" || strings.EqualFold(e.TenantID, tenantID) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b flows.JournalEntry) int { return a.At.Compare(b.At) })
	return out, nil
}

// Write adds (or replaces, by id) an entry and makes it durable before returning.
func (j *Journal) Write(e flows.JournalEntry) error {
	if e.ID == "" {
		return errors.New("journal entry without an id")
	}
	return j.update(e.ID, &e)
}

// Clear removes the entry with id; removing an absent entry is not an error.
func (j *Journal) Clear(id string) error { return j.update(id, nil) }

// update removes the entry with id and appends add (when not nil), under both
// locks, and saves the journal when that changed anything.
func (j *Journal) update(id string, add *flows.JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	unlock, err := j.fileLock()
	if err != nil {
		return err
	}
	defer unlock()
	all, err := j.load()
	if err != nil {
		return err
	}
	out := all[:0:0]
	for _, x := range all {
		if x.ID != id {
			out = append(out, x)
		}
	}
	if add != nil {
		out = append(out, *add)
	} else if len(out) == len(all) {
		return nil
	}
	return j.save(out)
}

// lockWait is how long a writer waits for another consentwiz process to
// finish its journal update; lockStale is when a lock file left by a killed
// process is taken over.
const (
	lockWait  = 5 * time.Second
	lockStale = 30 * time.Second
)

// fileLock serialises read-modify-write of the journal between processes (two
// consentwiz windows fixing two tenants must not lose each other's entries).
// It is a lock file created with O_EXCL — portable to every OS consentwiz
// builds for — and a lock older than lockStale is treated as abandoned.
func (j *Journal) fileLock() (func(), error) {
	dir := filepath.Dir(j.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	lock := j.path + ".lock"
	deadline := time.Now().Add(lockWait)
	for {
		err := takeLock(lock)
		if err == nil {
			removeDeadHolders(lock)
			return func() { os.Remove(lock) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("locking the journal: %w", err)
		}
		if fi, serr := os.Stat(lock); serr == nil && (time.Since(fi.ModTime()) > lockStale || lockHolderGone(lock)) {
			// Left by a process that was killed while it held the lock.
			os.Remove(lock)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the journal is locked by another consentwiz (%s); if none is running, delete that file", lock)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// takeLock creates the lock file with its holder's line already in it, so
// that a lock is never seen empty: a process killed while taking the lock
// leaves either no lock or one that names it (and lockHolderGone then lets
// the next consentwiz take it over at once). The line is written to a file of
// this process's own and hard-linked to the lock's name, which fails with
// ErrExist when the lock is held. Where hard links are not supported it
// falls back to creating the lock with O_EXCL and writing the line after,
// where an empty lock is taken over after 2 s (lockHolderGone).
func takeLock(lock string) error {
	line := fmt.Sprintf("%d %s\n", os.Getpid(), hostName())
	own := holderPrefix(lock) + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(own, []byte(line), 0o600); err == nil {
		err = os.Link(own, lock)
		os.Remove(own)
		if err == nil || errors.Is(err, os.ErrExist) {
			return err
		}
	}
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// holderPrefix is the name of this computer's files takeLock links from
// (followed by a process id).
func holderPrefix(lock string) string { return lock + "." + hostName() + "." }

// removeDeadHolders removes the files takeLock left when its process was
// killed between writing and removing them (a few microseconds): those of
// this computer whose process no longer runs.
func removeDeadHolders(lock string) {
	dir, prefix := filepath.Split(holderPrefix(lock))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		if pid, err := strconv.Atoi(rest); err == nil && pid > 0 && pid != os.Getpid() && !processAlive(pid) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// lockHolderGone reports whether the lock file names a process of this
// computer that no longer runs (killed between taking and releasing the
// lock). A lock of another computer (a shared home directory), or one whose
// process cannot be checked, waits for lockStale.
func lockHolderGone(lock string) bool {
	data, err := os.ReadFile(lock)
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		// Killed between making the file and writing its pid (microseconds).
		fi, err := os.Stat(lock)
		return err == nil && time.Since(fi.ModTime()) > 2*time.Second
	}
	if len(fields) < 2 || fields[1] != hostName() {
		return false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

func hostName() string {
	h, err := os.Hostname()
	if f := strings.Fields(h); err == nil && len(f) > 0 {
		return f[0]
	}
	return "localhost"
}

func (j *Journal) save(entries []flows.JournalEntry) error {
	dir := filepath.Dir(j.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if len(entries) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return syncDir(dir)
	}
	data, err := json.MarshalIndent(journalFile{Version: journalVersion, Entries: entries}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".journal-*.tmp")
	if err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the journal: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing the journal: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, j.path); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable (a no-op where directories cannot be synced).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}
