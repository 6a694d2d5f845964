package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/atotto/clipboard"
	"github.com/charmbracelet/x/ansi"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// copyToClipboard is the system clipboard; tests replace it.
var copyToClipboard = clipboard.WriteAll

// outIsTerminal reports whether the command's standard output is a terminal,
// which may take an OSC 52 clipboard write; tests replace it.
var outIsTerminal = func(stdio IO) bool { return isTerminal(stdio.Out) }

// handoffNow is the clock of the hand-off; tests replace it.
var handoffNow = time.Now

// RunHandoff runs `consentwiz handoff`: it prints a complete hand-off for the
// admin: what is wrong, the admin consent link, the other fixes with portal
// links, steps and roles, and how to check the result. No sign-in unless
// --sign-in is given.
func RunHandoff(ctx context.Context, cfg Config, o HandoffOptions, stdio IO) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stdio.Err, "consentwiz handoff: "+format+"\n", a...)
		return ExitError
	}
	format := strings.ToLower(strings.TrimSpace(o.Format))
	switch format {
	case "", "markdown", "md":
		format = "markdown"
	case "text", "txt", "plain":
		format = "text"
	default:
		return fail("--format must be markdown or text, not %q", flows.Sanitize(o.Format, 40))
	}

	// --error may come with --app/--url/--profile (ErrorExplains): then the
	// app comes from those and the error text only explains what the user saw.
	o.ErrorExplains = true
	var in appInput
	var err error
	if o.SignIn {
		in, err = o.input() // --app-name: found after sign-in, in the tenant or the profiles
	} else {
		in, err = o.offlineInput() // --app-name: among the shipped profiles
	}
	if err != nil {
		var m *flows.MissingAppIDError
		if errors.As(err, &m) && m.Reading.Outcome != "" {
			// A redirect without the app (admin_consent=True, a cancel,
			// /reprocess): say what happened, in which tenant.
			return explainOnly(o, format, stdio)
		}
		return fail("%v", err)
	}
	ref := in.ref
	tenantArg := o.tenantFor(ref)
	var expl *flows.Explanation
	if o.Error != "" {
		if e, err := flows.Explain(o.Error); err == nil {
			expl = &e
			hint := e.App
			if tenantArg == "" && hint.TenantHint != "" {
				tenantArg = hint.TenantHint
			}
			if ref.CorrelationID == "" {
				ref.CorrelationID = hint.CorrelationID
			}
			if ref.TraceID == "" {
				ref.TraceID = hint.TraceID
			}
			if ref.ErrorCode == 0 {
				ref.ErrorCode = hint.ErrorCode
			}
			if ref.CloudHint == "" {
				ref.CloudHint = hint.CloudHint
			}
		}
	} else if ref.ErrorCode != 0 && o.URL != "" {
		if e, err := flows.Explain(o.URL); err == nil {
			expl = &e
		}
	}
	cfg, cnote := withAppCloud(cfg, ref)
	if cnote != "" {
		fmt.Fprintln(stdio.Err, "note: "+cnote)
	}

	var notes []string
	tenant := flows.TenantInfo{Cloud: cfg.LinkCloud()}
	if tenantArg == "" {
		if o.SignIn {
			return fail("--sign-in needs the tenant: name it with --tenant DOMAIN (or its id)")
		}
		if p := in.reading.PlaceholderTenant; p != "" {
			fmt.Fprintf(stdio.Err, "note: the link's tenant is a placeholder (%s), not a tenant; the links use the admin's own tenant (organizations): name it with --tenant DOMAIN\n", p)
		} else {
			fmt.Fprintln(stdio.Err, "note: no --tenant given; the links use the admin's own tenant (organizations)")
		}
	} else {
		kind, v, err := flows.ParseTenant(tenantArg)
		if err != nil {
			return fail("%v", err)
		}
		seg, cloud, note := resolveForLink(ctx, cfg, v)
		switch {
		case strings.HasPrefix(note, "warning:"):
			fmt.Fprintln(stdio.Err, note)
			notes = append(notes, "Microsoft did not recognise the tenant "+v+" when this hand-off was made: check the domain before using the links.")
		case note != "":
			fmt.Fprintln(stdio.Err, note)
			notes = append(notes, "The tenant id could not be looked up; the links use the domain "+v+", which works as well.")
		}
		if kind == flows.TenantKindDomain {
			tenant.Domain = v
		}
		if entra.IsGUID(seg) {
			tenant.ID = strings.ToLower(seg)
		}
		tenant.Cloud = cloud
	}

	var diag *flows.Diagnosis
	if o.SignIn {
		r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{})
		if err != nil {
			return fail("%v", err)
		}
		wi, err := checkInput(ref, in.name, tenantArg)
		if err != nil {
			return fail("%v", err)
		}
		d, code, err := diagnoseInput(ctx, r, wi, func(line string) { fmt.Fprintln(stdio.Err, line) })
		var cc *clientConsentError
		switch {
		case errors.As(err, &cc):
			// consentwiz's own sign-in needs an admin's consent there: the
			// hand-off needs none, so it is made without the live check.
			fmt.Fprintf(stdio.Err, "consentwiz handoff: %s\n", flows.Sanitize(cc.msg, 1000))
			fmt.Fprintln(stdio.Err, "note: the hand-off below is made without the live check")
			notes = append(notes, "The live check could not sign in: consentwiz's own sign-in needs an administrator's consent in this tenant first (a Privileged Role Administrator or above can give it on the sign-in page).")
		case err != nil:
			if code != ExitCancelled {
				fmt.Fprintf(stdio.Err, "consentwiz: %s\n", flows.Sanitize(err.Error(), 1000))
			}
			return code
		default:
			diag = d
			if ref.ClientID == "" {
				// Found by name in the tenant.
				found := flows.KnownApp(flows.AppRef{ClientID: d.App.ClientID, DisplayName: d.App.DisplayName})
				found.CorrelationID, found.TraceID, found.ErrorCode = ref.CorrelationID, ref.TraceID, ref.ErrorCode
				ref = o.withScopes(found)
			}
			if d.Tenant.ID != "" {
				tenant.ID = d.Tenant.ID
			}
			if tenant.Domain == "" {
				tenant.Domain = d.Tenant.Domain
			}
		}
	}

	h := flows.BuildHandoff(flows.HandoffInput{
		App: ref, Tenant: tenant, Diagnosis: diag, Explanation: expl,
		GeneratedAt: handoffNow().UTC(), Version: cfg.Version, Notes: notes,
	})
	out := h.Markdown()
	if format == "text" {
		out = h.Text()
	}
	return emitHandoff(o, out, stdio)
}

// emitHandoff prints the hand-off, and saves and copies it when asked.
func emitHandoff(o HandoffOptions, out string, stdio IO) int {
	fmt.Fprint(stdio.Out, out)
	code := ExitOK
	if o.Out != "" {
		// --out names the file, so a file there is replaced, as the admin
		// asked — but never silently (the wizard's own saves take a new
		// name instead: Runner.save).
		fi, serr := os.Stat(o.Out)
		replaced := serr == nil && fi.Mode().IsRegular()
		// 0600: a hand-off holds no token, but with --sign-in it carries the
		// live diagnosis (names, roles) of the tenant (reliability review L14).
		switch err := writePrivate(o.Out, []byte(out)); {
		case err != nil:
			fmt.Fprintf(stdio.Err, "consentwiz handoff: saving the hand-off: %s\n", flows.Sanitize(err.Error(), 600))
			code = ExitError
		case replaced:
			fmt.Fprintf(stdio.Err, "Saved the hand-off to %s, replacing the file that was there\n", flows.Sanitize(o.Out, 400))
		default:
			fmt.Fprintf(stdio.Err, "Saved the hand-off to %s\n", flows.Sanitize(o.Out, 400))
		}
	}
	if o.Copy {
		copyHandoff(out, stdio)
	}
	return code
}

// copyHandoff is --copy. The hand-off is printed already (and saved with
// --out), so a copy that cannot be made is a warning, not a failure: with no
// system clipboard (over SSH, a server without xclip or wl-copy) it goes to
// the terminal's clipboard with OSC 52 when standard output is a terminal,
// as the wizard's c key does, and the message says it was sent, not copied,
// since no terminal confirms it; otherwise one line says why it was not.
func copyHandoff(out string, stdio IO) {
	err := copyToClipboard(out)
	switch {
	case err == nil:
		fmt.Fprintln(stdio.Err, "Copied the hand-off to the clipboard.")
	case outIsTerminal(stdio):
		fmt.Fprint(stdio.Out, ansi.SetSystemClipboard(out))
		fmt.Fprintln(stdio.Err, "Sent the hand-off to the terminal's clipboard (OSC 52); not every terminal accepts it: if pasting does not work, copy it from above.")
	default:
		why := firstLine(err.Error())
		if strings.HasPrefix(why, "No clipboard utilities available") { // atotto/clipboard's long advice
			why = "no clipboard utility: xclip, xsel or wl-clipboard"
		}
		fmt.Fprintf(stdio.Err, "consentwiz handoff: warning: the hand-off was not copied (%s); it is printed above.\n", flows.Sanitize(why, 300))
	}
}

// explainOnly is the hand-off of a URL that does not name the app (the
// app's redirect after admin consent, a cancelled prompt, Microsoft's
// /reprocess page): what it reports happened, and in which tenant. There is
// no consent link to hand over without the app.
func explainOnly(o HandoffOptions, format string, stdio IO) int {
	input := firstNonEmpty(o.URL, o.Error, o.App)
	e, err := flows.Explain(input)
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz handoff: %v\n", err)
		return ExitError
	}
	if e.App.TenantHint == "" && o.Tenant != "" {
		if _, v, err := flows.ParseTenant(o.Tenant); err == nil {
			e.App.TenantHint = v
		}
	}
	fmt.Fprintln(stdio.Err, "note: the URL does not name the app, so this explains what it reports; for a hand-off with the admin consent link, name the app (--app ID, --profile NAME or --app-name NAME)")
	out := e.Text()
	if format == "markdown" {
		out = "# What the link reports\n\n```text\n" + strings.TrimRight(out, "\n") + "\n```\n"
	}
	return emitHandoff(o, out, stdio)
}

// writePrivate writes data to path, readable by its owner only (0600) —
// also when the file existed with a wider mode.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
