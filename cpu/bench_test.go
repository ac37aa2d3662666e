package cpu

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bridgetower-go/bt/graph"
)

// benchRun compiles outs and times Run, returning the seconds per op.
func benchRun(b *testing.B, g *graph.Graph, vals map[*graph.Node]*graph.Tensor, outs ...*graph.Node) float64 {
	exe := compile(b, New(Options{}), g, outs...)
	args := argList(exe, vals)
	ctx := context.Background()
	if _, err := exe.Run(ctx, args); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := exe.Run(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start).Seconds() / float64(b.N)
}

// matmulCases are the ViT-B/16 product shapes at 325 tokens (transB: the nn.Linear layout x·Wᵀ,
// or q·kᵀ).
var matmulCases = []struct {
	name           string
	batch, m, k, n int
	transB         bool
}{
	{"325x768x768", 1, 325, 768, 768, false},
	{"325x768x768_linear", 1, 325, 768, 768, true},
	{"325x768x3072", 1, 325, 768, 3072, false},
	{"12x325x64x325_qkT", 12, 325, 64, 325, true},
}

// BenchmarkMatMul times products of the ViT-B/16 shapes at 325 tokens through a compiled graph.
func BenchmarkMatMul(b *testing.B) {
	for _, c := range matmulCases {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := graph.New()
			as := graph.Shape{c.batch, c.m, c.k}
			bs := graph.Shape{c.batch, c.k, c.n}
			if c.transB {
				bs = graph.Shape{c.batch, c.n, c.k}
			}
			x, w := g.Input("a", graph.F32, as), g.Input("b", graph.F32, bs)
			vals := map[*graph.Node]*graph.Tensor{x: randomTensor(rng, graph.F32, as), w: randomTensor(rng, graph.F32, bs)}
			sec := benchRun(b, g, vals, graph.MatMulT(x, w, false, c.transB))
			b.ReportMetric(2*float64(c.batch*c.m*c.k*c.n)/sec/1e9, "GFLOP/s")
		})
	}
}

// vitLayer builds one pre-LN CLIP ViT-B/16 encoder layer on x [1 T 768] with random weights:
// LN, packed qkv projection, 12-head attention, output projection, residual, LN, MLP with
// QuickGELU, residual.
func vitLayer(rng *rand.Rand, tokens int) (*graph.Graph, *graph.Node, map[*graph.Node]*graph.Tensor) {
	const (
		width, heads, mlp = 768, 12, 3072
		dh                = width / heads
	)
	g := graph.New()
	vals := map[*graph.Node]*graph.Tensor{}
	param := func(name string, shape ...int) *graph.Node {
		n := g.Param(name, graph.F32, shape)
		t := randomTensor(rng, graph.F32, shape)
		for i, v := range t.Data.([]float32) {
			t.Data.([]float32)[i] = v * 0.05
		}
		vals[n] = t
		return n
	}
	x := g.Input("hidden_states", graph.F32, graph.Shape{1, tokens, width})
	vals[x] = randomTensor(rng, graph.F32, graph.Shape{1, tokens, width})
	h := graph.LayerNorm(x, param("ln_1.weight", width), param("ln_1.bias", width), 1e-5)
	qkv := graph.Linear(h, param("attn.in_proj_weight", 3*width, width), param("attn.in_proj_bias", 3*width))
	qkv = graph.Transpose(graph.Reshape(qkv, 1, tokens, 3, heads, dh), 2, 0, 3, 1, 4) // [3 1 H T dh]
	part := func(i int) *graph.Node {
		return graph.Reshape(graph.Slice(qkv, []int{i, 0, 0, 0, 0}, []int{i + 1, 1, heads, tokens, dh}), 1, heads, tokens, dh)
	}
	a := graph.Attention(part(0), part(1), part(2), nil, 1/8.0)
	a = graph.Reshape(graph.Transpose(a, 0, 2, 1, 3), 1, tokens, width)
	x = graph.Add(x, graph.Linear(a, param("attn.out_proj.weight", width, width), param("attn.out_proj.bias", width)))
	h = graph.LayerNorm(x, param("ln_2.weight", width), param("ln_2.bias", width), 1e-5)
	h = graph.QuickGELU(graph.Linear(h, param("mlp.c_fc.weight", mlp, width), param("mlp.c_fc.bias", mlp)))
	x = graph.Add(x, graph.Linear(h, param("mlp.c_proj.weight", width, mlp), param("mlp.c_proj.bias", width)))
	return g, x, vals
}

// BenchmarkViTLayer times one ViT-B/16 encoder layer forward at 325 tokens (288² image, patch 16).
func BenchmarkViTLayer(b *testing.B) {
	g, out, vals := vitLayer(rand.New(rand.NewPCG(2, 2)), 325)
	sec := benchRun(b, g, vals, out)
	b.ReportMetric(sec*1e3, "ms/op")
	const flops = 2 * 325 * 768 * (3*768 + 768 + 2*3072) // projections and MLP
	b.ReportMetric((flops+2*2*12*325*325*64)/sec/1e9, "GFLOP/s")
}
