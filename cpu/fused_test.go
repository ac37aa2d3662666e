package cpu

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestNativeMatchesDecomposition runs each fused op with its native kernel and, on a backend that
// decomposes every fused op, as its decomposition. The kernels perform the same float operations
// in the same order, so on amd64 (where Go never fuses multiply-adds) they agree bit for bit;
// elsewhere within rounding.
func TestNativeMatchesDecomposition(t *testing.T) {
	type fusedCase struct {
		name   string
		inputs []graph.Shape
		build  func(in []*graph.Node) *graph.Node
	}
	cases := []fusedCase{
		{"layer_norm", []graph.Shape{{3, 5, 64}, {64}, {64}}, func(in []*graph.Node) *graph.Node {
			return graph.LayerNorm(graph.MulScalar(in[0], 3), in[1], in[2], 1e-5)
		}},
		{"softmax_last", []graph.Shape{{4, 7, 33}}, func(in []*graph.Node) *graph.Node {
			return graph.Softmax(graph.MulScalar(in[0], 20), -1)
		}},
		{"softmax_middle", []graph.Shape{{4, 7, 5}}, func(in []*graph.Node) *graph.Node {
			return graph.Softmax(graph.MulScalar(in[0], 20), 1)
		}},
		{"gelu", []graph.Shape{{1000}}, func(in []*graph.Node) *graph.Node { return graph.GELU(graph.MulScalar(in[0], 4)) }},
		{"quick_gelu", []graph.Shape{{1000}}, func(in []*graph.Node) *graph.Node { return graph.QuickGELU(graph.MulScalar(in[0], 4)) }},
		{"attention", []graph.Shape{{2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}}, func(in []*graph.Node) *graph.Node {
			return graph.Attention(in[0], in[1], in[2], nil, 0.35)
		}},
		{"attention_key_mask", []graph.Shape{{2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, {2, 1, 1, 7}}, func(in []*graph.Node) *graph.Node {
			return graph.Attention(in[0], in[1], in[2], graph.MulScalar(in[3], 5), 0.35)
		}},
		{"attention_full_mask", []graph.Shape{{1, 2, 70, 16}, {1, 2, 200, 16}, {1, 2, 200, 200}, {1, 2, 70, 200}}, func(in []*graph.Node) *graph.Node {
			return graph.Attention(in[0], in[1], in[2], in[3], 0.25)
		}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	native := New(Options{Threads: 2})
	decomposed := New(Options{Threads: 2, decomposeAll: true})
	for _, c := range cases {
		for _, dt := range []graph.DType{graph.F32, graph.F64} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				g := graph.New()
				vals := map[*graph.Node]*graph.Tensor{}
				var ins []*graph.Node
				for i, s := range c.inputs {
					n := g.Input(string(rune('a'+i)), dt, s)
					ins = append(ins, n)
					vals[n] = randomTensor(rng, dt, s)
				}
				out := c.build(ins)
				got := runArgs(t, compile(t, native, g, out), vals)[0].Clone()
				want := runArgs(t, compile(t, decomposed, g, out), vals)[0]
				low, err := graph.Lower([]*graph.Node{out}, decomposed.native)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range low.Graph.Nodes() {
					if _, fused := n.Op().(graph.FusedOp); fused {
						t.Fatalf("the decomposed run still has the fused op %v", n)
					}
				}
				if runtime.GOARCH == "amd64" && !got.Identical(want) {
					t.Errorf("native and decomposition differ: max relative difference %g", maxRelDiff(got, want))
				}
				tol := 1e-6
				if dt == graph.F64 {
					tol = 1e-14
				}
				if d := maxRelDiff(got, want); d > tol {
					t.Errorf("native and decomposition differ by %g (tolerance %g)", d, tol)
				}
			})
		}
	}
}

// The native kernels are actually used: the fused node stays one step.
func TestNativeKernelsAreScheduled(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{1, 2, 3, 4})
	y := graph.Attention(x, x, x, nil, 0.5)
	y = graph.LayerNorm(graph.QuickGELU(graph.GELU(graph.Softmax(y, 3))), g.Const(graph.NewTensor(graph.F32, graph.Shape{4})), g.Const(graph.NewTensor(graph.F32, graph.Shape{4})), 1e-5)
	exe := compile(t, New(Options{}), g, y).(*executable)
	if len(exe.steps) != 5 {
		for _, s := range exe.steps {
			t.Log(s.node)
		}
		t.Fatalf("%d steps, want 5 native kernels", len(exe.steps))
	}
}

// Compiling lowers a copy: the caller's graph does not grow, however often it is compiled.
func TestCompileLeavesTheGraphAlone(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F32, graph.Shape{4})
	one := g.Scalar(1, graph.F32)
	adam := graph.AdamW(p, p, p, p, one, one, 0.9, 0.999, 1e-8, 0.01)
	y := graph.Softmax(graph.Output(adam, 0), 0)
	before := len(g.Nodes())
	for range 3 {
		compile(t, New(Options{}), g, y, graph.Output(adam, 1))
	}
	if after := len(g.Nodes()); after != before {
		t.Fatalf("compiling grew the graph from %d to %d nodes", before, after)
	}
}
