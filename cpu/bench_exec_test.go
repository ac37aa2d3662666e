package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// vitLayerWithoutProjections is a ViT-B/16 layer at the given tokens with its four projections
// replaced by inputs (the products' outputs): what the executor does around the GEMMs. It adds
// the projection biases, splits the packed qkv into heads, runs attention, merges the heads, adds
// the residual, applies LN and the MLP activation (QuickGELU as CLIP, and GELU as RoBERTa on the
// same values).
func vitLayerWithoutProjections(rng *rand.Rand, tokens int) (*graph.Graph, []*graph.Node, map[*graph.Node]*graph.Tensor) {
	const (
		width, heads, mlp = 768, 12, 3072
		dh                = width / heads
	)
	g := graph.New()
	vals := map[*graph.Node]*graph.Tensor{}
	in := func(name string, shape ...int) *graph.Node {
		n := g.Input(name, graph.F32, shape)
		vals[n] = randomTensor(rng, graph.F32, shape)
		return n
	}
	x := in("hidden_states", 1, tokens, width)
	qkv := graph.Add(in("qkv_product", 1, tokens, 3*width), in("in_proj_bias", 3*width))
	split := func(i int) *graph.Node {
		p := graph.SliceAxis(qkv, -1, i*width, (i+1)*width)
		return graph.Transpose(graph.Reshape(p, 1, tokens, heads, dh), 0, 2, 1, 3)
	}
	a := graph.Attention(split(0), split(1), split(2), nil, 1/8.0)
	a = graph.Reshape(graph.Transpose(a, 0, 2, 1, 3), 1, tokens, width)
	x = graph.Add(x, graph.Add(a, in("out_proj_bias", width))) // a stands for out_proj(a)
	h := graph.LayerNorm(x, in("ln_2.weight", width), in("ln_2.bias", width), 1e-5)
	fc := graph.Add(in("c_fc_product", 1, tokens, mlp), in("c_fc.bias", mlp))
	return g, []*graph.Node{h, graph.QuickGELU(fc), graph.GELU(fc)}, vals
}

// BenchmarkLayerWithoutGEMM times vitLayerWithoutProjections at 325 tokens.
func BenchmarkLayerWithoutGEMM(b *testing.B) {
	g, outs, vals := vitLayerWithoutProjections(rand.New(rand.NewPCG(3, 3)), 325)
	sec := benchRun(b, g, vals, outs...)
	b.ReportMetric(sec*1e3, "ms/op")
}
