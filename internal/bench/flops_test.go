package bench

import (
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestGEMMFlops counts the products of a tiny graph by hand: 2·m·n·k per product, batch
// dimensions multiplied in, products inside fused attention and inside the gradient included,
// products the outputs do not need left out.
func TestGEMMFlops(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2, 3, 4})
	w := g.Param("w", graph.F32, graph.Shape{4, 5})
	y := graph.MatMul(x, w) // [2 3 4]x[4 5]: 2·(2·3·5)·4 = 240
	at := g.Input("at", graph.F32, graph.Shape{4, 3})
	yt := graph.MatMulT(at, w, true, false) // aᵀ [3 4] x [4 5]: 2·(3·5)·4 = 120
	q := g.Input("q", graph.F32, graph.Shape{1, 2, 3, 4})
	k := g.Input("k", graph.F32, graph.Shape{1, 2, 6, 4})
	v := g.Input("v", graph.F32, graph.Shape{1, 2, 6, 8})
	att := graph.Attention(q, k, v, nil, 0.5) // q·kᵀ 2·(2·3·6)·4 = 288, p·v 2·(2·3·8)·6 = 576
	unused := graph.MatMul(g.Input("u", graph.F32, graph.Shape{7, 7}), g.Input("u2", graph.F32, graph.Shape{7, 7}))
	loss := graph.ReduceSum(y)
	dw := graph.Gradient(loss, w)[0] // xᵀ·1 over the 6 rows: 2·(4·5)·6 = 240
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	_ = unused
	for _, c := range []struct {
		name string
		outs []*graph.Node
		want int64
	}{
		{"matmul with batch folded", []*graph.Node{y}, 240},
		{"transposed operand", []*graph.Node{yt}, 120},
		{"fused attention", []*graph.Node{att}, 288 + 576},
		{"loss and gradient", []*graph.Node{loss, dw}, 240 + 240},
		{"all but the unused product", []*graph.Node{y, yt, att}, 240 + 120 + 864},
		{"no product", []*graph.Node{graph.ReduceSum(x)}, 0},
	} {
		got, err := GEMMFlops(c.outs...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %d FLOPs, want %d", c.name, got, c.want)
		}
	}
}
