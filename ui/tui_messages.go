package ui

import (
	"context"

	"consentwiz/flows"
)

// reqID names one I/O request the TUI started. Results carry it; a result
// whose id is no longer pending (cancelled by Back, Cancel or quit, or
// superseded) is dropped.
type reqID uint64

// pendingReq is an I/O request in flight.
type pendingReq struct {
	ctx    context.Context
	cancel context.CancelFunc
	// keep marks requests that must finish even after Back or Cancel: writes
	// and journal updates, whose results the machine needs to undo safely.
	keep bool
}

// effectMsg is the answer to one effect: the event for flows.Next.
type effectMsg struct {
	id reqID
	ev flows.Event
}

// signInStartedMsg answers Effects.StartSignIn: a device code to show (or a
// browser page, or nothing for a silent sign-in).
type signInStartedMsg struct {
	id      reqID
	pending *PendingSignIn
	err     error
}

// linkOpenedMsg answers an open the TUI started itself (a link on screen or
// the device code page), not one the machine asked for.
type linkOpenedMsg struct {
	url string
	err error
}

// demoApprovedMsg answers DemoControls.ApproveDeviceCode.
type demoApprovedMsg struct{ err error }

// copiedMsg says what a copy the TUI made itself did (the device code, a
// second link): confirmed by the system clipboard, or only sent to the
// terminal (OSC 52).
type copiedMsg struct {
	note string
	bad  bool
}

// demoAcceptedMsg answers DemoControls.AcceptAdminConsent.
type demoAcceptedMsg struct{ err error }
