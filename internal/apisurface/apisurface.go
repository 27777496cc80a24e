// Package apisurface lists the exported names of a package from its
// source, for tests that pin a package's public API and check that every
// exported name is documented. It also holds the scaffolding the module's
// tests share: a buffer safe for concurrent writers and a logger into one,
// a token source that records what it hands out, a plain API server under
// a path prefix, in-memory telemetry providers, and a check for goroutines
// left behind.
package apisurface

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// Name is one exported name: a constant, variable, function or type, or a
// method written Type.Method. Struct fields are left out: a comment often
// documents a group of them.
type Name struct {
	Name       string
	Documented bool
}

// Exported returns the exported names declared in the non-test Go files of
// dir, sorted. A name counts as documented when it, or the group it is
// declared in, has a comment.
func Exported(dir string) ([]Name, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "example.com/"+filepath.Base(dir))
	if err != nil {
		return nil, err
	}
	var names []Name
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				s := spec.(*ast.ValueSpec)
				for _, id := range s.Names {
					if id.IsExported() {
						names = append(names, Name{id.Name, v.Doc != "" || s.Doc != nil || s.Comment != nil})
					}
				}
			}
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			names = append(names, Name{prefix + f.Name, f.Doc != ""})
		}
	}
	values(pkg.Consts)
	values(pkg.Vars)
	funcs("", pkg.Funcs)
	for _, t := range pkg.Types {
		names = append(names, Name{t.Name, t.Doc != ""})
		values(t.Consts)
		values(t.Vars)
		funcs("", t.Funcs)
		funcs(t.Name+".", t.Methods)
	}
	slices.SortFunc(names, func(a, b Name) int { return strings.Compare(a.Name, b.Name) })
	return names, nil
}
