package graphtest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func realInventory(t *testing.T) *opInventory {
	t.Helper()
	dir, err := graphSourceDir()
	if err != nil {
		t.Skipf("graph source not available: %v", err)
	}
	inv, err := readInventory(dir)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInventoryOfGraph(t *testing.T) {
	inv := realInventory(t)
	for _, op := range []graph.Op{graph.UnaryOp{}, graph.MatMulOp{}, graph.GetOp{}, graph.ParamOp{}, graph.AdamWOp{}, graph.DropoutOp{}} {
		name := reflect.TypeOf(op).Name()
		found := false
		for _, n := range inv.types {
			found = found || n == name
		}
		if !found {
			t.Errorf("inventory misses %s: %v", name, inv.types)
		}
	}
	// Kind values come from iota; check a few against the compiled constants.
	for kt, want := range map[string]map[uint64]string{
		"UnaryKind":   {uint64(graph.NegKind): "NegKind", uint64(graph.AbsKind): "AbsKind"},
		"BinaryKind":  {uint64(graph.PowKind): "PowKind", uint64(graph.MinKind): "MinKind"},
		"CompareKind": {uint64(graph.GeKind): "GeKind"},
		"ReduceKind":  {uint64(graph.ReduceMaxKind): "ReduceMaxKind", uint64(graph.SumKind): "SumKind"},
	} {
		for v, name := range want {
			if got := inv.kinds[kt][v]; got != name {
				t.Errorf("%s value %d: inventory says %q, want %q", kt, v, got, name)
			}
		}
	}
	if n := len(inv.kinds["UnaryKind"]); n != int(graph.AbsKind)+1 {
		t.Errorf("%d unary kinds, want %d", n, graph.AbsKind+1)
	}
}

func TestInventoryOfSyntheticSource(t *testing.T) {
	dir := t.TempDir()
	src := `package fake

type AOp struct{}
type BOp struct{}
type NotOp struct{}
type FlavorKind uint8

const (
	SweetKind FlavorKind = iota + 2
	SourKind
	_
	BitterKind
)

const Untyped = 3

const (
	Plain int = iota
	Other
)

func (AOp) Name() string          { return "a" }
func (*BOp) Name() string         { return "b" }
func (NotOp) Name(x int) string   { return "" }
func (NotOp) String() string      { return "" }
func Name() string                { return "" }
`
	if err := os.WriteFile(filepath.Join(dir, "ops.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ops_test.go"), []byte("package fake\n\ntype COp struct{}\n\nfunc (COp) Name() string { return \"c\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := readInventory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inv.types, []string{"AOp", "BOp"}) {
		t.Errorf("types %v, want [AOp BOp]", inv.types)
	}
	want := map[string]map[uint64]string{"FlavorKind": {2: "SweetKind", 3: "SourKind", 5: "BitterKind"}}
	if !reflect.DeepEqual(inv.kinds, want) {
		t.Errorf("kinds %v, want %v", inv.kinds, want)
	}
}

func TestCoverageOfTable(t *testing.T) {
	inv := realInventory(t)
	cases := allCases()
	if p := coverageProblems(cases, inv); len(p) > 0 {
		t.Fatalf("the table itself is incomplete: %v", p)
	}
	// Dropping every case of one op type or one kind must be reported.
	without := func(drop func(op graph.Op) bool) []*opCase {
		var kept []*opCase
		for _, c := range cases {
			keep := true
			for _, op := range c.covers {
				keep = keep && !drop(op)
			}
			if keep {
				kept = append(kept, c)
			}
		}
		return kept
	}
	p := coverageProblems(without(func(op graph.Op) bool { _, ok := op.(graph.ConcatOp); return ok }), inv)
	if len(p) != 1 || !strings.Contains(p[0], "graph.ConcatOp") {
		t.Errorf("without concat cases: %v", p)
	}
	p = coverageProblems(without(func(op graph.Op) bool { u, ok := op.(graph.UnaryOp); return ok && u.Kind == graph.ErfKind }), inv)
	if len(p) != 1 || !strings.Contains(p[0], "ErfKind") {
		t.Errorf("without erf cases: %v", p)
	}
	p = coverageProblems(append(cases, cases[0]), inv)
	if len(p) != 1 || !strings.Contains(p[0], cases[0].name) {
		t.Errorf("with a duplicate case: %v", p)
	}
}
