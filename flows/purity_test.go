package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlowsIsPure keeps the functional core free of I/O by construction
// (docs/architecture.md, "flows is pure"): neither flows nor anything it
// depends on may link the network, processes, the terminal UI or MSAL, and no
// package of ours that flows depends on may import os directly. (The standard
// library's fmt imports os, so os is checked for our own packages only.)
func TestFlowsIsPure(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}", "consentwiz/flows/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"net/http", "os/exec", "charm.land/", "github.com/charmbracelet/", "github.com/AzureAD/", "github.com/pkg/browser"}
	ours := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f) {
				t.Errorf("flows depends on %s", pkg)
			}
		}
		if pkg == "consentwiz" || strings.HasPrefix(pkg, "consentwiz/") {
			ours++
			for _, imp := range strings.Fields(imports) {
				if imp == "os" {
					t.Errorf("%s imports os; flows and what it depends on take I/O results as events", pkg)
				}
			}
		}
	}
	if ours < 2 {
		t.Fatalf("go list found %d packages of ours; the check looked at nothing", ours)
	}
}

// TestFlowsReadsNoClock: the machine gets the time in its events (Tick, Polled,
// WizardInput.Now), so its output depends on its input only.
func TestFlowsReadsNoClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Sleep" || sel.Sel.Name == "After" || sel.Sel.Name == "NewTimer") {
				t.Errorf("%s calls time.%s", name, sel.Sel.Name)
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no files checked")
	}
}
