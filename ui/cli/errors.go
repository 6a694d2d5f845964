package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"consentwiz/flows"
)

// cmdError is an error of the command line (a flag, an argument, the global
// configuration): printed as one line "consentwiz CMD: …", with a hint.
type cmdError struct {
	path string // "consentwiz check"
	err  error
	hint string // "see 'consentwiz check --help'"; may be empty
}

func (e *cmdError) Error() string { return e.path + ": " + e.err.Error() }
func (e *cmdError) Unwrap() error { return e.err }

// usageError wraps a flag or argument error of c with the help hint.
func usageError(c *cobra.Command, err error) error {
	return &cmdError{path: c.CommandPath(), err: err, hint: "see '" + c.CommandPath() + " --help'"}
}

// printError is fang's error handler: every error is one line, its text
// sanitized (it may quote an argument: a path, an unknown flag). Cobra's own
// errors (unknown subcommand of `completion`, extra arguments) get the
// program's name in front.
func printError(w io.Writer, _ fang.Styles, err error) {
	var ce *cmdError
	line := "consentwiz: " + err.Error()
	if errors.As(err, &ce) {
		line = ce.Error()
		if ce.hint != "" {
			line += " (" + ce.hint + ")"
		}
	}
	fmt.Fprintln(w, oneLine(line))
}

// oneLine is the first line of s, without terminal controls.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return flows.Sanitize(s, 2000)
}

// lineSanitizer is the program's standard error: it writes whole lines, and
// a line that carries a terminal control (an escape sequence, a bidi
// override, a C0 or C1 control: from an argument echoed in an error, a path,
// a tenant's string) is written sanitized. Clean lines keep their layout.
type lineSanitizer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (s *lineSanitizer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := s.emit(string(s.buf[:i]), "\n"); err != nil {
			return len(p), err
		}
		s.buf = s.buf[i+1:]
	}
}

// Flush writes a last line without its newline.
func (s *lineSanitizer) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		return nil
	}
	err := s.emit(string(s.buf), "")
	s.buf = nil
	return err
}

func (s *lineSanitizer) emit(line, end string) error {
	if !isClean(line) {
		line = flows.Sanitize(line, 0)
	}
	_, err := io.WriteString(s.w, line+end)
	return err
}

// isClean reports whether line shows on a terminal as it is: valid UTF-8, no
// control character but tabs, nothing that flows.Sanitize would drop.
func isClean(line string) bool {
	if !utf8.ValidString(line) {
		return false
	}
	for _, r := range line {
		if unicode.IsControl(r) && r != '\t' {
			return false
		}
	}
	return flows.Sanitize(line, 0) == strings.Join(strings.Fields(line), " ")
}
