package cpu

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// mixedGraph is a forward pass touching the main kernels: gather, linear layers, GELU, layer
// norm, attention, softmax, transpose, reductions. It returns the graph's outputs and arg values.
func mixedGraph(rng *rand.Rand, dt graph.DType, batch, tokens, width int) (*graph.Graph, []*graph.Node, map[*graph.Node]*graph.Tensor) {
	g := graph.New()
	vals := map[*graph.Node]*graph.Tensor{}
	param := func(name string, shape ...int) *graph.Node {
		n := g.Param(name, dt, shape)
		vals[n] = randomTensor(rng, dt, shape)
		return n
	}
	vocab := 50
	table := param("embeddings", vocab, width)
	ids := g.Input("ids", graph.I64, graph.Shape{batch, tokens})
	idv := make([]int64, batch*tokens)
	for i := range idv {
		idv[i] = rng.Int64N(int64(vocab))
	}
	vals[ids] = graph.FromInt64(graph.Shape{batch, tokens}, idv)
	x := graph.Gather(table, ids) // [B T D]
	h := graph.LayerNorm(x, param("ln.weight", width), param("ln.bias", width), 1e-5)
	heads := 4
	qkv := graph.Linear(h, param("qkv.weight", 3*width, width), param("qkv.bias", 3*width))
	qkv = graph.Transpose(graph.Reshape(qkv, batch, tokens, 3, heads, width/heads), 2, 0, 3, 1, 4)
	part := func(i int) *graph.Node {
		s := graph.Slice(qkv, []int{i, 0, 0, 0, 0}, []int{i + 1, batch, heads, tokens, width / heads})
		return graph.Reshape(s, batch, heads, tokens, width/heads)
	}
	mask := param("mask", batch, 1, 1, tokens)
	a := graph.Attention(part(0), part(1), part(2), mask, 0.3)
	a = graph.Reshape(graph.Transpose(a, 0, 2, 1, 3), batch, tokens, width)
	x = graph.Add(x, graph.Linear(a, param("out.weight", width, width), nil))
	m := graph.GELU(graph.Linear(x, param("fc1.weight", 2*width, width), param("fc1.bias", 2*width)))
	x = graph.Add(x, graph.Linear(graph.QuickGELU(m), param("fc2.weight", width, 2*width), param("fc2.bias", width)))
	probs := graph.Softmax(graph.MatMulT(x, x, false, true), 1)
	pooled := graph.ReduceMean(x, 1)
	return g, []*graph.Node{x, probs, pooled, graph.ReduceMax(probs, 0, 2)}, vals
}

func TestDeterminism(t *testing.T) {
	for _, dt := range []graph.DType{graph.F32, graph.F64} {
		t.Run(dt.String(), func(t *testing.T) {
			g, outs, vals := mixedGraph(rand.New(rand.NewPCG(3, 4)), dt, 2, 37, 64)
			var ref []*graph.Tensor
			for _, threads := range []int{1, 2, 3, 2} {
				exe := compile(t, New(Options{Threads: threads}), g, outs...)
				for run := range 2 {
					got := runArgs(t, exe, vals)
					if ref == nil {
						for _, o := range got {
							ref = append(ref, o.Clone())
						}
						continue
					}
					for i := range got {
						if !got[i].Identical(ref[i]) {
							t.Fatalf("threads %d, run %d: output %d differs from the first run (max relative difference %g)", threads, run, i, maxRelDiff(got[i], ref[i]))
						}
					}
				}
			}
		})
	}
}

// Once warm, Run allocates nothing: the buffers, the output tensors and the returned slice are
// reused, and the worker pool takes no per-run closures.
func TestRunDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g, outs, vals := mixedGraph(rng, graph.F32, 2, 40, 64)
	// A small MLP forward with the other ops on top.
	x := g.Input("x", graph.F32, graph.Shape{64, 32})
	vals[x] = randomTensor(rng, graph.F32, graph.Shape{64, 32})
	w1 := g.Param("w1", graph.F32, graph.Shape{128, 32})
	vals[w1] = randomTensor(rng, graph.F32, graph.Shape{128, 32})
	w2 := g.Param("w2", graph.F32, graph.Shape{1, 128})
	vals[w2] = randomTensor(rng, graph.F32, graph.Shape{1, 128})
	step := g.Input("step", graph.I64, nil)
	vals[step] = graph.FromInt64(nil, []int64{3})
	target := g.Input("target", graph.F32, graph.Shape{64, 1})
	vals[target] = randomTensor(rng, graph.F32, graph.Shape{64, 1})
	h := graph.Tanh(graph.Linear(x, w1, nil))
	h = graph.Dropout(h, step, 0.1, 7)
	y := graph.Linear(h, w2, nil)
	loss := graph.ReduceMean(graph.Square(graph.Sub(y, target)))
	outs = append(outs, y, loss)
	outs = append(outs, graph.Gradient(loss, w1, w2)...)
	b := New(Options{Threads: 2})
	exe := compile(t, b, g, outs...)
	args := argList(exe, vals)
	ctx := context.Background()
	if _, err := exe.Run(ctx, args); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := exe.Run(ctx, args); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
	if d := exe.(*executable).runner.dispatches; d == 0 {
		t.Fatalf("no kernel ran on the worker pool: the test does not cover parallel runs")
	}
}
