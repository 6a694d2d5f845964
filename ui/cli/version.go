package cli

import (
	"runtime/debug"
	"strings"
)

// Build says which consentwiz this is. A release build stamps it with
// -ldflags "-X main.version=… -X main.commit=… -X main.date=…" (see
// .goreleaser.yaml); otherwise the commit comes from the build info Go records
// from the checkout (vcs.revision, vcs.modified, vcs.time).
type Build struct {
	Version string // e.g. 1.2.0; "" or "dev" when not stamped
	Commit  string // the full commit hash
	Date    string // when it was built, or the commit's time (RFC 3339)
	Dirty   bool   // built from a checkout with uncommitted changes
}

// resolve fills what the linker did not stamp from the build info.
func (b Build) resolve(info *debug.BuildInfo, ok bool) Build {
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit != "" || !ok || info == nil {
		return b
	}
	if v := info.Main.Version; b.Version == "dev" && v != "" && v != "(devel)" {
		b.Version = strings.TrimPrefix(v, "v") // go install …@v1.2.0
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			b.Dirty = s.Value == "true"
		}
	}
	return b
}

// short is the version as reports and hand-offs show it: "1.2.0", or
// "dev (0123abc)" for a build that was not stamped.
func (b Build) short() string {
	if b.Version == "dev" && b.Commit != "" {
		return "dev (" + b.commit(7) + ")"
	}
	return b.Version
}

func (b Build) commit(n int) string {
	c := b.Commit
	if len(c) > n {
		c = c[:n]
	}
	if b.Dirty {
		c += "-dirty"
	}
	return c
}

// line is what --version prints.
func (b Build) line() string {
	s := "consentwiz " + b.Version
	switch {
	case b.Commit == "":
		s += " (commit unknown)"
	case b.Date != "":
		s += " (commit " + b.commit(12) + ", " + b.Date + ")"
	default:
		s += " (commit " + b.commit(12) + ")"
	}
	return s
}
