package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consentwiz/flows"
)

// Numeric and duration flags carry their allowed range, so a value outside it
// is refused while the flags are parsed, whichever command takes the flag,
// and flagError says what the flag accepts in one line.

// wanter is a flag value that can say what it accepts ("a whole number from
// 1 to 30").
type wanter interface{ want() string }

// intRange is a whole-number flag from min to max.
type intRange struct {
	p        *int
	min, max int
}

// newIntRange is an intRange flag value for p, set to def.
func newIntRange(p *int, def, min, max int) *intRange {
	*p = def
	return &intRange{p: p, min: min, max: max}
}

func (v *intRange) String() string { return strconv.Itoa(*v.p) }
func (v *intRange) Type() string   { return "int" }
func (v *intRange) want() string {
	return fmt.Sprintf("a whole number from %d to %d", v.min, v.max)
}

func (v *intRange) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < v.min || n > v.max {
		return errOutOfRange
	}
	*v.p = n
	return nil
}

// durationRange is a duration flag from min to max ("15m", "2h").
type durationRange struct {
	p        *time.Duration
	min, max time.Duration
}

// newDurationRange is a durationRange flag value for p, set to def.
func newDurationRange(p *time.Duration, def, min, max time.Duration) *durationRange {
	*p = def
	return &durationRange{p: p, min: min, max: max}
}

func (v *durationRange) String() string { return shortDuration(*v.p) }
func (v *durationRange) Type() string   { return "duration" }
func (v *durationRange) want() string {
	return fmt.Sprintf("a duration from %s to %s, such as 15m or 2h", shortDuration(v.min), shortDuration(v.max))
}

func (v *durationRange) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < v.min || d > v.max {
		return errOutOfRange
	}
	*v.p = d
	return nil
}

// shortDuration is d without the zero units Go adds: 15m, 24h, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// choice is a flag that takes one of names (--scenario).
type choice struct {
	p     *string
	names []string
}

func (v *choice) String() string { return *v.p }
func (v *choice) Type() string   { return "string" }
func (v *choice) want() string   { return "one of " + strings.Join(v.names, ", ") }

func (v *choice) Set(s string) error {
	s = strings.TrimSpace(s)
	for _, n := range v.names {
		if strings.EqualFold(n, s) {
			*v.p = n
			return nil
		}
	}
	return errOutOfRange
}

// errOutOfRange is what a ranged value's Set returns; flagError words it.
var errOutOfRange = errors.New("out of range")

// flagError is the flag error of every command (cobra's FlagErrorFunc, set
// once on the root and inherited): a value pflag could not take — which
// pflag words as `invalid argument "abc" for "--days" flag:
// strconv.ParseInt: parsing "abc": invalid syntax` — becomes one line that
// names the flag and what it accepts. Other errors (an unknown flag, a
// missing value) keep pflag's words. Both get the help hint.
func flagError(c *cobra.Command, err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) && iv.GetFlag() != nil {
		f := iv.GetFlag()
		err = fmt.Errorf("--%s must be %s (got %q)", f.Name, accepts(f.Value), flows.Sanitize(iv.GetValue(), 40))
	}
	return usageError(c, err)
}

// accepts says what a flag value accepts.
func accepts(v pflag.Value) string {
	if w, ok := v.(wanter); ok {
		return w.want()
	}
	switch v.Type() {
	case "bool":
		return "true or false"
	case "int":
		return "a whole number"
	case "duration":
		return "a duration such as 15m or 2h"
	}
	return "a " + v.Type()
}
