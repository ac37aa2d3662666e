package cpu

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// An SGD-like update p' = p - 0.5·x donated to p is computed in the caller's tensor: after each
// run the arg holds the new value, the output is that same memory, and no copy is made.
func TestDonatedInPlace(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F64, graph.Shape{2, 3})
	x := g.Input("x", graph.F64, graph.Shape{2, 3})
	loss := graph.ReduceSum(graph.Mul(p, x))
	upd := graph.Sub(p, graph.MulScalar(x, 0.5))
	exe, err := New(Options{Threads: 2}).CompileDonating(g, []*graph.Node{loss, upd}, []int{-1, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := exe.(*executable).InPlace(); got[0] || !got[1] {
		t.Fatalf("InPlace = %v, want [false true]", got)
	}
	pt := tensorOf(graph.F64, graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6)
	xt := tensorOf(graph.F64, graph.Shape{2, 3}, 2, 2, 2, 4, 4, 4)
	for run, want := range [][]float64{{0, 1, 2, 2, 3, 4}, {-1, 0, 1, 0, 1, 2}} {
		wantLoss := 0.0
		for i, v := range pt.Float64s() {
			wantLoss += v * xt.Float64s()[i]
		}
		out, err := exe.Run(context.Background(), []*graph.Tensor{pt, xt})
		if err != nil {
			t.Fatal(err)
		}
		if l := out[0].Float64s()[0]; l != wantLoss {
			t.Fatalf("run %d: loss %v, want %v (computed with the old p)", run, l, wantLoss)
		}
		wantValues(t, "p after the run", pt, graph.F64, graph.Shape{2, 3}, 0, want...)
		if !sameSpan(out[1].Data, pt.Data) {
			t.Fatalf("run %d: the donated output is not the arg's memory", run)
		}
	}
}

// When the arg is read after the output is computed, the output cannot live in the arg: it is
// computed apart and copied in at the end, and the later read still sees the old value.
func TestDonatedCopiedWhenReadLater(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F32, graph.Shape{3})
	neg := graph.Neg(p)                           // step 0: the donated output
	sq := graph.Mul(p, graph.Exp(graph.Neg(neg))) // reads p after neg exists
	exe, err := New(Options{}).CompileDonating(g, []*graph.Node{neg, sq}, []int{0, -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := exe.(*executable).InPlace(); got[0] {
		t.Fatalf("InPlace = %v: the output was placed in an arg that is read later", got)
	}
	pt := tensorOf(graph.F32, graph.Shape{3}, 0, 1, 2)
	out, err := exe.Run(context.Background(), []*graph.Tensor{pt})
	if err != nil {
		t.Fatal(err)
	}
	wantValues(t, "p", pt, graph.F32, graph.Shape{3}, 1e-6, 0, -1, -2)
	wantValues(t, "p·exp(p) of the old p", out[1], graph.F32, graph.Shape{3}, 1e-6, 0, 2.718281828, 14.778112197)
	if !sameSpan(out[0].Data, pt.Data) {
		t.Fatal("the donated output is not the arg's memory")
	}
}

func TestDonateErrors(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F32, graph.Shape{3})
	q := g.Param("q", graph.F32, graph.Shape{2})
	a, b := graph.Neg(p), graph.Exp(p)
	for _, c := range []struct {
		outs   []*graph.Node
		donate []int
		want   string
	}{
		{[]*graph.Node{a, b}, []int{0, 0}, "donated to outputs 0 and 1"},
		{[]*graph.Node{a}, []int{1}, "cannot replace arg \"q\""},
		{[]*graph.Node{a}, []int{2}, "the graph has 2 args"},
		{[]*graph.Node{a}, []int{0, 1}, "2 donations for 1 outputs"},
	} {
		_, err := New(Options{}).CompileDonating(g, c.outs, c.donate)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("donate %v: error %v, want %q", c.donate, err, c.want)
		}
	}
	_ = q
	exe, err := New(Options{}).CompileDonating(g, []*graph.Node{a}, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exe.Run(context.Background(), []*graph.Tensor{nil, nil}); err == nil {
		t.Fatal("run with a nil donated arg succeeded")
	}
}

// PlannedBytes counts the internal buffers: here one [1000] float64 buffer that the three
// elementwise steps share in place, and none for the donated output.
func TestPlannedBytes(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F64, graph.Shape{1000})
	y := graph.Exp(graph.Neg(graph.Exp(p)))
	exe, err := New(Options{}).CompileDonating(g, []*graph.Node{y}, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if got := exe.(*executable).PlannedBytes(); got != 8000 {
		t.Fatalf("PlannedBytes = %d, want 8000", got)
	}
}
