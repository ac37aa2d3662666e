package graphtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// opInventory is what package graph's source declares: every type with a Name() string method
// (the op types) and the constants of every ...Kind type (the op kinds), by value.
type opInventory struct {
	types []string
	kinds map[string]map[uint64]string // kind type -> value -> constant name
}

// graphSourceDir locates package graph's source from this file's path (module root/graph).
func graphSourceDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("runtime.Caller failed")
	}
	dir := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(dir, "ops.go")); err != nil {
		return "", err
	}
	return dir, nil
}

// readInventory parses the non-test Go files of dir.
func readInventory(dir string) (*opInventory, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	inv := &opInventory{kinds: map[string]map[uint64]string{}}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if tn := nameMethodReceiver(d); tn != "" {
					inv.types = append(inv.types, tn)
				}
			case *ast.GenDecl:
				if d.Tok == token.CONST {
					if err := inv.addKinds(fset, d); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	sort.Strings(inv.types)
	return inv, nil
}

// nameMethodReceiver returns the receiver type of a `Name() string` method declaration, or "".
func nameMethodReceiver(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) != 1 || d.Name.Name != "Name" {
		return ""
	}
	if d.Type.Params.NumFields() != 0 || d.Type.Results.NumFields() != 1 {
		return ""
	}
	if id, ok := d.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
		return ""
	}
	rt := d.Recv.List[0].Type
	if st, ok := rt.(*ast.StarExpr); ok {
		rt = st.X
	}
	if id, ok := rt.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// addKinds records the constants of types named ...Kind in a const block, evaluating iota
// (implicit repetition of `iota` or `iota + n`, or integer literals).
func (inv *opInventory) addKinds(fset *token.FileSet, d *ast.GenDecl) error {
	var typ string
	var expr ast.Expr
	for i, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		if vs.Type != nil || len(vs.Values) > 0 {
			typ, expr = "", nil
			if id, ok := vs.Type.(*ast.Ident); ok {
				typ = id.Name
			}
			if len(vs.Values) > 0 {
				expr = vs.Values[0]
			}
		}
		if !strings.HasSuffix(typ, "Kind") || vs.Names[0].Name == "_" {
			continue
		}
		v, err := evalIota(expr, i)
		if err != nil {
			return fmt.Errorf("%v: constant %s: %v", fset.Position(vs.Pos()), vs.Names[0].Name, err)
		}
		if inv.kinds[typ] == nil {
			inv.kinds[typ] = map[uint64]string{}
		}
		inv.kinds[typ][uint64(v)] = vs.Names[0].Name
	}
	return nil
}

func evalIota(e ast.Expr, iota int) (int, error) {
	switch e := e.(type) {
	case *ast.Ident:
		if e.Name == "iota" {
			return iota, nil
		}
	case *ast.BasicLit:
		if e.Kind == token.INT {
			return strconv.Atoi(e.Value)
		}
	case *ast.ParenExpr:
		return evalIota(e.X, iota)
	case *ast.BinaryExpr:
		x, err := evalIota(e.X, iota)
		if err != nil {
			return 0, err
		}
		y, err := evalIota(e.Y, iota)
		if err != nil {
			return 0, err
		}
		switch e.Op {
		case token.ADD:
			return x + y, nil
		case token.SUB:
			return x - y, nil
		}
	}
	return 0, fmt.Errorf("graphtest cannot evaluate %T", e)
}

// checkCoverage fails for every op type and op kind declared in graph's source that no case
// covers, and for cases with duplicate names or covering non-ops.
func checkCoverage(t *testing.T, cases []*opCase) {
	dir, err := graphSourceDir()
	if err != nil {
		for _, p := range coverageProblems(cases, nil) {
			t.Error(p)
		}
		t.Skipf("package graph's source is not available (%v): op coverage not checked", err)
	}
	inv, err := readInventory(dir)
	if err != nil {
		t.Fatalf("reading package graph's source in %s: %v", dir, err)
	}
	if len(inv.types) == 0 {
		t.Fatalf("no op types found in %s", dir)
	}
	for _, p := range coverageProblems(cases, inv) {
		t.Error(p)
	}
	t.Logf("%d op types and %d kind types in %s; %d cases", len(inv.types), len(inv.kinds), dir, len(cases))
}

// coverageProblems lists what is wrong with the table: duplicate names, covers that are not ops
// of package graph and, given the inventory, op types and kinds without a case.
func coverageProblems(cases []*opCase, inv *opInventory) []string {
	var problems []string
	names := map[string]bool{}
	coveredTypes := map[string]bool{}
	coveredKinds := map[string]map[uint64]bool{}
	graphPkg := reflect.TypeOf(graph.UnaryOp{}).PkgPath()
	for _, c := range cases {
		if names[c.name] {
			problems = append(problems, fmt.Sprintf("two cases are named %q", c.name))
		}
		names[c.name] = true
		for _, op := range c.covers {
			v := reflect.ValueOf(op)
			if v.Type().PkgPath() != graphPkg {
				problems = append(problems, fmt.Sprintf("case %s covers %v, which is not an op of package graph", c.name, v.Type()))
				continue
			}
			coveredTypes[v.Type().Name()] = true
			if k := v.FieldByName("Kind"); k.IsValid() {
				kt := k.Type().Name()
				if coveredKinds[kt] == nil {
					coveredKinds[kt] = map[uint64]bool{}
				}
				coveredKinds[kt][k.Uint()] = true
			}
		}
	}
	if inv == nil {
		return problems
	}
	for _, name := range inv.types {
		if !coveredTypes[name] {
			problems = append(problems, fmt.Sprintf("op type graph.%s has no case in graphtest", name))
		}
	}
	var kindTypes []string
	for kt := range inv.kinds {
		kindTypes = append(kindTypes, kt)
	}
	sort.Strings(kindTypes)
	for _, kt := range kindTypes {
		var missing []string
		for v, name := range inv.kinds[kt] {
			if !coveredKinds[kt][v] {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		for _, name := range missing {
			problems = append(problems, fmt.Sprintf("op kind graph.%s (%s) has no case in graphtest", name, kt))
		}
	}
	return problems
}
