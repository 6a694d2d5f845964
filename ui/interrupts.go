package ui

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// watchInterrupts turns the ways a wizard is stopped from outside into
// flows.Interrupted: SIGTERM (a service manager, kill), SIGHUP (the terminal
// went away), SIGINT (ctrl+c in the line mode; the TUI reads ctrl+c as a
// key) and the end of ctx. The first one is sent on interrupts, for the
// driver to feed to the machine, which puts back a temporary change or
// undoes a half-made one, then finishes. The returned context is the
// wizard's I/O: it outlives ctx for that, and ends at a second signal (a
// person pressing ctrl+c again), which stops the wizard at once with the
// journal kept. stop ends the watch.
func watchInterrupts(ctx context.Context) (wctx context.Context, interrupts <-chan string, stop func()) {
	wctx, hard := context.WithCancel(context.WithoutCancel(ctx))
	out := make(chan string, 1)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		var first time.Time
		parent := ctx.Done()
		handle := func(why string) {
			if first.IsZero() {
				first = time.Now()
				out <- why
				return
			}
			// One ctrl+c reaches both ctx (main's signal context) and this
			// watch: a second one counts only when it comes after that.
			if time.Since(first) > 300*time.Millisecond {
				hard()
			}
		}
		for {
			select {
			case s := <-sigs:
				handle(signalName(s))
			case <-parent:
				parent = nil
				handle("interrupted")
			case <-done:
				return
			}
		}
	}()
	return wctx, out, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			hard()
		})
	}
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "interrupted (ctrl+c)"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP (the terminal closed)"
	}
	return s.String()
}
