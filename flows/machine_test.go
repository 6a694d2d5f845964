package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyFinishEndsTheWizard: the wizard reaches StepDone only through
// finish, which always emits Finish, so every transition that ends the
// wizard tells the driver (the property test checks the transitions it
// computes; this covers all of them).
func TestOnlyFinishEndsTheWizard(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				as, ok := n.(*ast.AssignStmt)
				if !ok {
					return true
				}
				for i, l := range as.Lhs {
					sel, ok := l.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Step" || i >= len(as.Rhs) {
						continue
					}
					if id, ok := as.Rhs[i].(*ast.Ident); ok && id.Name == "StepDone" {
						found++
						if fn.Name.Name != "finish" {
							t.Errorf("%s: %s sets StepDone; only finish may (it emits Finish)", name, fn.Name.Name)
						}
					}
				}
				return true
			})
		}
	}
	if found != 1 {
		t.Fatalf("StepDone is set in %d places, want exactly one (finish)", found)
	}
	s, effs := finish(State{}, Outcome{Kind: OutcomeCancelled})
	if s.Step != StepDone || len(effs) != 1 || !isFinish(effs[0]) {
		t.Fatalf("finish: step %s, effects %#v", s.Step, effs)
	}
}
