package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"consentwiz/flows"
)

// reportNow is the clock used when a report carries no end time; tests replace it.
var reportNow = time.Now

// WriteReport writes the support report r to dir as
// consentwiz-report-<UTC timestamp>.md and .json, both 0600 (a report may
// hold tenant data even when redacted). The timestamp is r's end time (or
// now); an existing file is never overwritten: a -2, -3 … suffix is added.
// Callers redact first unless the user asked for --report-unredacted.
func WriteReport(dir string, r flows.Report) (mdPath, jsonPath string, err error) {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("creating the report folder: %w", err)
	}
	js, err := r.JSON()
	if err != nil {
		return "", "", fmt.Errorf("encoding the report: %w", err)
	}
	md := []byte(r.Markdown())
	t := r.Ended
	if t.IsZero() {
		t = reportNow()
	}
	base := "consentwiz-report-" + t.UTC().Format("20060102T150405Z")
	for i := 1; i < 100; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		mdPath = filepath.Join(dir, name+".md")
		jsonPath = filepath.Join(dir, name+".json")
		err = writeNew(mdPath, md)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("writing the report: %w", err)
		}
		if err = writeNew(jsonPath, js); err != nil {
			_ = os.Remove(mdPath)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return "", "", fmt.Errorf("writing the report: %w", err)
		}
		return mdPath, jsonPath, nil
	}
	return "", "", fmt.Errorf("writing the report: too many reports named %s in %s", base, dir)
}

// writeNew creates path (failing if it exists) with mode 0600 and syncs it.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// BuildSupportReport builds the report a run ends with: redacted unless
// unredacted is set.
func BuildSupportReport(in flows.ReportInput, unredacted bool) flows.Report {
	r := flows.BuildReport(in)
	if unredacted {
		return r
	}
	return r.Redact()
}
