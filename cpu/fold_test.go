package cpu

import (
	"context"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestConstantFolding: subgraphs of constants run once at compile time. The folded executable
// gives the same bits as one that runs them every time (noFold), keeps only the steps that
// depend on args, and still reports a constant integer division by zero at run time.
func TestConstantFolding(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{3, 4})
	// Position-like constants: iota, arithmetic on constants, a comparison and a cast.
	pos := graph.Cast(g.Iota(graph.I64, graph.Shape{3, 4}, 1), graph.F32) // [[0 1 2 3] ...]
	scale := graph.Exp(graph.MulScalar(pos, -0.5))                        // exp(-pos/2)
	causal := graph.Cast(graph.LessEqual(g.Iota(graph.I32, graph.Shape{3, 4}, 1), g.Iota(graph.I32, graph.Shape{3, 4}, 0)), graph.F32)
	y := graph.Add(graph.Mul(x, scale), causal)
	// A constant output and a constant read by a matmul (not foldable itself: it reads x).
	w := graph.Sqrt(graph.AddScalar(g.Full(3, graph.F32, graph.Shape{4, 2}), 1)) // all 2
	z := graph.MatMul(x, w)
	bad := graph.Div(g.Const(graph.FromInt32(graph.Shape{2}, []int32{4, 6})), g.Const(graph.FromInt32(graph.Shape{2}, []int32{2, 0})))
	outs := []*graph.Node{y, z, scale}

	vals := map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F32, graph.Shape{3, 4}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)}
	folded := compile(t, New(Options{Threads: 2}), g, outs...)
	st := statsOf(folded)
	for _, op := range []string{"iota", "cast", "le", "sqrt"} {
		if st.steps[op] != 0 {
			t.Errorf("%s still runs %d steps after folding:\n%v", op, st.steps[op], st)
		}
	}
	// Left: mul and add of y, the matmul, and the copy of the constant output scale into its
	// output buffer (a step of the exp node).
	if n := len(folded.(*executable).steps); n != 4 || st.steps["exp"] != 1 {
		t.Errorf("%d steps, want 4 (mul, add, matmul, output copy):\n%v", n, st)
	}
	if _, ok := folded.(*executable).steps[3].k.(*copyKernel[float32]); !ok {
		t.Errorf("the last step is not the output copy")
	}
	got := runArgs(t, folded, vals)
	want := runArgs(t, compile(t, New(Options{Threads: 2, noFold: true}), g, outs...), vals)
	for i := range got {
		if !got[i].Identical(want[i]) {
			t.Errorf("output %d: folded %v, unfolded %v", i, got[i].Float64s(), want[i].Float64s())
		}
	}
	// Hand values: y[1][2] = 7·exp(-1) + 0 (column 2 > row 1), y[2][1] = 10·exp(-0.5) + 1; z = 2·row sums.
	wantValues(t, "z", got[1], graph.F32, graph.Shape{3, 2}, 0, 20, 20, 52, 52, 84, 84)
	if v, e := got[0].Float64s()[6], float64(float32(7)*exp32(-1)); v != e {
		t.Errorf("y[1][2] = %v, want %v", v, e)
	}
	if v, e := got[0].Float64s()[9], float64(float32(10)*exp32(-0.5)+1); v != e {
		t.Errorf("y[2][1] = %v, want %v", v, e)
	}

	exe := compile(t, New(Options{}), g, bad)
	_, err := exe.Run(context.Background(), []*graph.Tensor{nil})
	wantError(t, err, "div(", "integer division by zero")
}
