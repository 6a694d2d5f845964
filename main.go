// Command consentwiz fixes Microsoft 365 "Need admin approval" consent problems:
// it reads the tenant's consent settings through Microsoft Graph, explains why
// users are blocked, and walks an admin through a fix, verifying the result.
// The command line is in ui/cli.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"

	"github.com/pkg/browser"

	"consentwiz/ui"
	"consentwiz/ui/cli"
)

// Stamped by a release build (.goreleaser.yaml):
// -ldflags "-X main.version=1.2.0 -X main.commit=… -X main.date=…".
var version, commit, date string

func main() {
	// pkg/browser pipes xdg-open's output to ours by default; it would corrupt
	// the wizard's screen (docs/architecture.md, "Conventions").
	browser.Stdout = io.Discard
	browser.Stderr = io.Discard
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program behind main, testable with fake streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	build := cli.Build{Version: version, Commit: commit, Date: date}
	return cli.Execute(ctx, args, build, ui.IO{In: stdin, Out: stdout, Err: stderr, Getenv: getenv})
}
