package ui

import "consentwiz/flows"

// Deps is what the wizard's drivers (RunTUI, RunPlain) need.
type Deps struct {
	Effects   Effects           // I/O (a fake in tests)
	Input     flows.WizardInput // for flows.Start
	Present   bool              // presenter mode: big step banner, ids masked
	NoBrowser bool              // never open a browser; show links only
	// Echo: the line mode prints each answer it reads (piped input), so a
	// saved transcript shows what was chosen.
	Echo    bool
	Version string
	Reports ReportOptions // where support reports go (the r key, the end of a run)
	// Interrupts say why the wizard must stop from outside (a signal): the
	// driver feeds each to the machine as flows.Interrupted, which puts back
	// what was changed without asking anything; nil: none.
	Interrupts <-chan string
}
