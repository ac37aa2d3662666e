package graphtest

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// chainCases compose several ops, mainly for the gradient: fan-out, a chain through fused ops,
// an arg the loss does not depend on, and small models.
func chainCases() []*opCase {
	return []*opCase{
		{
			// x is used three times: x·exp(x) + x.
			name: "fanout",
			args: []arg{{name: "x", dtype: T, shape: graph.Shape{3, 4}}},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.Add(graph.Mul(x[0], graph.Exp(x[0])), x[0])}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				return tensors{map1(x[0], func(v float64) float64 { return v*math.Exp(v) + v })}
			},
		},
		{
			// x twice in one concat, and y once.
			name: "concat_self",
			args: []arg{{name: "x", dtype: T, shape: graph.Shape{2, 3}}, {name: "y", dtype: T, shape: graph.Shape{1, 3}}},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.Concat(0, x[0], x[1], x[0])}
			},
			ref: func(_ graph.DType, x tensors) tensors { return tensors{refConcat(0, x[0], x[1], x[0])} },
		},
		{
			// z is an arg the outputs do not depend on: its gradient is zeros.
			name: "unused_arg",
			args: []arg{{name: "x", dtype: T, shape: graph.Shape{2, 3}}, {name: "z", dtype: T, shape: graph.Shape{4}}},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.Tanh(x[0])}
			},
			ref: func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], math.Tanh)} },
		},
		{
			// softmax(gelu(layer_norm(x))·w) over the last axis, and its row sums of x as a
			// second output (two outputs sharing x).
			name: "chain_fused",
			args: []arg{
				{name: "x", dtype: T, shape: graph.Shape{2, 3, 5}, gen: uniform(-2, 2)},
				{name: "gamma", dtype: T, shape: graph.Shape{5}, gen: uniform(0.5, 1.5)},
				{name: "beta", dtype: T, shape: graph.Shape{5}},
				{name: "w", dtype: T, shape: graph.Shape{5, 4}},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				h := graph.GELU(graph.LayerNorm(x[0], x[1], x[2], 1e-5))
				return nodes{graph.Softmax(graph.MatMul(h, x[3]), -1), graph.ReduceSum(x[0], -1)}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				h := map1(refLayerNorm(x[0], x[1], x[2], 1e-5), refGELU)
				return tensors{refSoftmax(refMatMul(h, x[3], false, false), -1), refReduce(x[0], "sum", 2)}
			},
		},
		{
			// A two-layer classifier: cross-entropy(linear(quick_gelu(linear(x)))).
			name: "mlp_cross_entropy",
			args: []arg{
				{name: "x", dtype: T, shape: graph.Shape{5, 4}, input: true},
				{name: "w1", dtype: T, shape: graph.Shape{6, 4}},
				{name: "b1", dtype: T, shape: graph.Shape{6}},
				{name: "w2", dtype: T, shape: graph.Shape{3, 6}},
				{name: "b2", dtype: T, shape: graph.Shape{3}},
				{name: "labels", dtype: graph.I32, shape: graph.Shape{5}, gen: ints(0, 3)},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				h := graph.QuickGELU(graph.Linear(x[0], x[1], x[2]))
				return nodes{graph.SoftmaxCrossEntropy(graph.Linear(h, x[3], x[4]), x[5], -100)}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				h := map1(refLinear(x[0], x[1], x[2]), refQuickGELU)
				return tensors{refSoftmaxCrossEntropy(refLinear(h, x[3], x[4]), x[5], -100)}
			},
		},
		{
			// Self-attention: q, k and v are projections of the same x (fan-out into a fused op).
			name: "self_attention",
			args: []arg{
				{name: "x", dtype: T, shape: graph.Shape{1, 2, 3, 4}},
				{name: "wq", dtype: T, shape: graph.Shape{4, 4}},
				{name: "wk", dtype: T, shape: graph.Shape{4, 4}},
				{name: "wv", dtype: T, shape: graph.Shape{4, 4}},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				q, k, v := graph.MatMul(x[0], x[1]), graph.MatMul(x[0], x[2]), graph.MatMul(x[0], x[3])
				return nodes{graph.Attention(q, k, v, nil, 0.5)}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				q, k, v := refMatMul(x[0], x[1], false, false), refMatMul(x[0], x[2], false, false), refMatMul(x[0], x[3], false, false)
				return tensors{refAttention(q, k, v, nil, 0.5)}
			},
		},
	}
}

// refLinear is x·wᵀ + b.
func refLinear(x, w, b *tensor) *tensor {
	return map2(refMatMul(x, w, false, true), b, add)
}
