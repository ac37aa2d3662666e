package mps

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// parseDir parses the Go files of dir accepted by keep (test files never).
func parseDir(t *testing.T, dir string, keep func(name string) bool) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || !keep(n) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// methodsOf lists the methods declared in files on receiver type recv (pointer or not).
func methodsOf(files []*ast.File, recv string) map[string]*ast.FuncDecl {
	out := map[string]*ast.FuncDecl{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			typ := fd.Recv.List[0].Type
			if st, ok := typ.(*ast.StarExpr); ok {
				typ = st.X
			}
			if id, ok := typ.(*ast.Ident); ok && id.Name == recv {
				out[fd.Name.Name] = fd
			}
		}
	}
	return out
}

// TestEveryGraphOpHasAnEntry: every op type package graph declares (a type with a Name method)
// has a row in the lowering table, and every kind of the elementwise and reduce ops a method.
func TestEveryGraphOpHasAnEntry(t *testing.T) {
	files := parseDir(t, "../graph", func(string) bool { return true })
	inTable := map[string]bool{}
	for typ := range table {
		inTable[typ.Name()] = true
	}
	var ops []string
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "Name" {
				continue
			}
			id, ok := fd.Recv.List[0].Type.(*ast.Ident)
			if !ok || !strings.HasSuffix(id.Name, "Op") {
				continue // Kind types also have String, not Name; skip other receivers
			}
			ops = append(ops, id.Name)
			if !inTable[id.Name] {
				t.Errorf("graph.%s has no entry in the mps lowering table", id.Name)
			}
		}
	}
	if len(ops) < 30 {
		t.Fatalf("found only %d op types in package graph: the parse is wrong", len(ops))
	}
	for k := range kindCount(func(i int) string { return graph.UnaryKind(i).String() }) {
		if unaryMethods[graph.UnaryKind(k)] == nil {
			t.Errorf("unary kind %v has no method", graph.UnaryKind(k))
		}
	}
	for k := range kindCount(func(i int) string { return graph.BinaryKind(i).String() }) {
		if binaryMethods[graph.BinaryKind(k)] == nil {
			t.Errorf("binary kind %v has no method", graph.BinaryKind(k))
		}
	}
	for k := range kindCount(func(i int) string { return graph.CompareKind(i).String() }) {
		if compareMethods[graph.CompareKind(k)] == nil {
			t.Errorf("compare kind %v has no method", graph.CompareKind(k))
		}
	}
	for k := range kindCount(func(i int) string { return graph.ReduceKind(i).String() }) {
		if reduceMethods[graph.ReduceKind(k)] == nil {
			t.Errorf("reduce kind %v has no method", graph.ReduceKind(k))
		}
	}
	t.Logf("%d op types, all in the table", len(ops))
}

// kindCount is the number of kinds of a Kind type: String panics past the last one (it indexes
// a table of names).
func kindCount(str func(i int) string) (n int) {
	defer func() { _ = recover() }()
	for ; n < 256; n++ {
		str(n)
	}
	return n
}

// graphMethods are the methods of the Graph interface.
func graphMethods() []string {
	typ := reflect.TypeFor[Graph]()
	var out []string
	for i := range typ.NumMethod() {
		out = append(out, typ.Method(i).Name)
	}
	sort.Strings(out)
	return out
}

// TestEveryMethodHasBothImplementations: each Graph method the lowering calls has a simulator
// and a darwin implementation. The darwin files are parsed (they are not compiled on Linux); each
// of their methods that mirrors MPSGraph calls darwinkit's method of the same name.
func TestEveryMethodHasBothImplementations(t *testing.T) {
	used := map[string]bool{}
	for _, f := range parseDir(t, ".", func(n string) bool { return strings.HasPrefix(n, "lower") }) {
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "g" { // l.g.Method
					used[sel.Sel.Name] = true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "Graph" { // Graph.Method in the kind tables
					used[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	darwin := methodsOf(parseDir(t, ".", func(n string) bool { return strings.HasSuffix(n, "_darwin.go") }), "darwinGraph")
	sim := reflect.TypeFor[*Sim]()
	all := map[string]bool{}
	for _, m := range graphMethods() {
		all[m] = true
	}
	for m := range used {
		if !all[m] {
			t.Errorf("the lowering calls %s, which is not a Graph method", m)
		}
	}
	for _, m := range graphMethods() {
		if !used[m] && m != "CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor" && m != "NewTensorData" && m != "Err" {
			t.Errorf("Graph.%s is not used by the lowering: drop it", m)
		}
		if _, ok := sim.MethodByName(m); !ok {
			t.Errorf("the simulator lacks %s", m)
		}
		fd := darwin[m]
		if fd == nil {
			t.Errorf("the darwin adapter lacks %s", m)
			continue
		}
		if m == "CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor" || m == "NewTensorData" || m == "Err" {
			continue
		}
		// One statement: return d.g.<m>(...).
		ok := false
		if len(fd.Body.List) == 1 {
			if ret, isRet := fd.Body.List[0].(*ast.ReturnStmt); isRet && len(ret.Results) == 1 {
				if call, isCall := ret.Results[0].(*ast.CallExpr); isCall {
					if sel, isSel := call.Fun.(*ast.SelectorExpr); isSel && sel.Sel.Name == m {
						ok = true
					}
				}
			}
		}
		if !ok {
			t.Errorf("darwin %s is not one call of darwinkit's %s", m, m)
		}
	}
}

// TestMethodsExistInDarwinkit: the Graph methods mirroring MPSGraph are methods of darwinkit
// v0.5.0's mpsgraph.Graph, read from its source in the module cache (skipped when the module is
// not downloaded).
func TestMethodsExistInDarwinkit(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/progrium/darwinkit").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("darwinkit is not in the module cache (go mod download github.com/progrium/darwinkit): %v", err)
	}
	files := parseDir(t, filepath.Join(dir, "macos", "mpsgraph"), func(n string) bool { return n == "graph.gen.go" })
	if len(files) == 0 {
		t.Skipf("no graph.gen.go in %s", dir)
	}
	kit := methodsOf(files, "Graph")
	for _, m := range graphMethods() {
		if m == "NewTensorData" || m == "Err" {
			continue // ours: buffers and errors
		}
		if kit[m] == nil {
			t.Errorf("darwinkit's mpsgraph.Graph has no method %s", m)
		}
	}
}

// TestRawPointersInOneFile: of the darwin files, only raw_darwin.go uses package unsafe, cgo or
// objc.Call (the conversions go/types cannot check).
func TestRawPointersInOneFile(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, "_darwin.go") || n == "raw_darwin.go" {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); p == "unsafe" || p == "C" {
				t.Errorf("%s imports %s: raw pointers belong in raw_darwin.go", n, p)
			}
		}
		ast.Inspect(f, func(x ast.Node) bool {
			if sel, ok := x.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "objc" && sel.Sel.Name == "Call" {
					t.Errorf("%s: objc.Call at %v: raw messages belong in raw_darwin.go", n, fset.Position(sel.Pos()))
				}
			}
			return true
		})
	}
}
