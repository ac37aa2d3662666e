package graphtest

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

func layerNormCase(name string, shape graph.Shape) *opCase {
	d := shape[len(shape)-1]
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.LayerNormOp{}},
		args: []arg{
			{name: "x", dtype: T, shape: shape, gen: uniform(-2, 3)},
			{name: "gamma", dtype: T, shape: graph.Shape{d}, gen: uniform(0.5, 1.5)},
			{name: "beta", dtype: T, shape: graph.Shape{d}},
		},
		build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
			return nodes{graph.LayerNorm(x[0], x[1], x[2], 1e-5)}
		},
		ref: func(_ graph.DType, x tensors) tensors {
			return tensors{refLayerNorm(x[0], x[1], x[2], 1e-5)}
		},
		heavy: shape.Size() > 300,
	}
}

func softmaxCase(name string, shape graph.Shape, axis int) *opCase {
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.SoftmaxOp{}},
		args:   []arg{{name: "x", dtype: T, shape: shape, gen: uniform(-4, 4)}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Softmax(x[0], axis)} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{refSoftmax(x[0], axis)} },
		heavy:  shape.Size() > 300,
	}
}

func attentionCase(name string, b, h, tq, tk, dh, dv int, mask graph.Shape, maskGen gen) *opCase {
	args := []arg{
		{name: "q", dtype: T, shape: graph.Shape{b, h, tq, dh}},
		{name: "k", dtype: T, shape: graph.Shape{b, h, tk, dh}},
		{name: "v", dtype: T, shape: graph.Shape{b, h, tk, dv}},
	}
	if mask != nil {
		args = append(args, arg{name: "mask", dtype: T, shape: mask, gen: maskGen, input: true})
	}
	const scale = 0.7
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.AttentionOp{}},
		args:   args,
		build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
			var m *graph.Node
			if len(x) > 3 {
				m = x[3]
			}
			return nodes{graph.Attention(x[0], x[1], x[2], m, scale)}
		},
		ref: func(_ graph.DType, x tensors) tensors {
			var m *tensor
			if len(x) > 3 {
				m = x[3]
			}
			return tensors{refAttention(x[0], x[1], x[2], m, scale)}
		},
	}
}

// attentionDropoutCase is attention with dropout on the probabilities (step input 5).
func attentionDropoutCase(name string, b, h, tq, tk, dh, dv int, rate float64, seed uint64) *opCase {
	const scale = 0.6
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.AttentionOp{}},
		args: []arg{
			{name: "q", dtype: T, shape: graph.Shape{b, h, tq, dh}},
			{name: "k", dtype: T, shape: graph.Shape{b, h, tk, dh}},
			{name: "v", dtype: T, shape: graph.Shape{b, h, tk, dv}},
			{name: "mask", dtype: T, shape: graph.Shape{b, 1, 1, tk}, gen: choice(0, 0, -10000), input: true},
			{name: "step", dtype: graph.I64, shape: graph.Shape{}, gen: choice(5)},
		},
		build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
			return nodes{graph.AttentionDropout(x[0], x[1], x[2], x[3], x[4], scale, rate, seed)}
		},
		ref: func(dt graph.DType, x tensors) tensors {
			scores := refMatMul(x[0], x[1], false, true)
			for i := range scores.data {
				scores.data[i] *= scale
			}
			scores = map2(scores, x[3], func(a, b float64) float64 { return a + b })
			p := refDropout(dt, refSoftmax(scores, 3), int64(x[4].data[0]), rate, seed)
			return tensors{refMatMul(p, x[2], false, false)}
		},
	}
}

func fusedCases() []*opCase {
	const b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.01
	adam := func(name string, outputs ...int) *opCase {
		s := graph.Shape{3, 5}
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.AdamWOp{}, graph.GetOp{}},
			args: []arg{
				{name: "param", dtype: T, shape: s},
				{name: "grad", dtype: T, shape: s},
				{name: "m", dtype: T, shape: s, gen: uniform(-0.1, 0.1)},
				{name: "v", dtype: T, shape: s, gen: uniform(0.01, 0.1)},
				{name: "lr", dtype: T, shape: graph.Shape{}, gen: choice(0.05)},
				{name: "step", dtype: T, shape: graph.Shape{}, gen: choice(3)},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				t := graph.AdamW(x[0], x[1], x[2], x[3], x[4], x[5], b1, b2, eps, wd)
				var out nodes
				for _, i := range outputs {
					out = append(out, graph.Output(t, i))
				}
				return out
			},
			ref: func(_ graph.DType, x tensors) tensors {
				all := refAdamW(x[0], x[1], x[2], x[3], x[4].data[0], x[5].data[0], b1, b2, eps, wd)
				var out tensors
				for _, i := range outputs {
					out = append(out, all[i])
				}
				return out
			},
		}
	}
	sce := func(name string, n, c int, lt graph.DType, labels gen, ignore int64) *opCase {
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.SoftmaxCrossEntropyOp{}},
			args: []arg{
				{name: "logits", dtype: T, shape: graph.Shape{n, c}, gen: uniform(-3, 3)},
				{name: "labels", dtype: lt, shape: graph.Shape{n}, gen: labels},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.SoftmaxCrossEntropy(x[0], x[1], ignore)}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				return tensors{refSoftmaxCrossEntropy(x[0], x[1], ignore)}
			},
			heavy: n*c > 300,
		}
	}
	dropout := func(name string, shape graph.Shape, rate float64, seed uint64) *opCase {
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.DropoutOp{}},
			args: []arg{
				{name: "x", dtype: T, shape: shape},
				{name: "step", dtype: graph.I64, shape: graph.Shape{}, gen: choice(5)},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.Dropout(x[0], x[1], rate, seed)}
			},
			ref: func(dt graph.DType, x tensors) tensors {
				return tensors{refDropout(dt, x[0], int64(x[1].data[0]), rate, seed)}
			},
			heavy: shape.Size() > 300,
		}
	}
	allIgnored := sce("softmax_cross_entropy_all_ignored", 2, 3, graph.I64, choice(-100), -100)
	allIgnored.noGrad = true // NaN, as torch
	allIgnored.ref = func(graph.DType, tensors) tensors { return tensors{{data: []float64{math.NaN()}}} }
	return []*opCase{
		layerNormCase("layer_norm", graph.Shape{2, 3, 17}),
		layerNormCase("layer_norm_325", graph.Shape{3, 325}),
		layerNormCase("layer_norm_d1", graph.Shape{4, 1}),
		{
			name:   "gelu",
			covers: []graph.Op{graph.GELUOp{}},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{3, 17}, gen: uniform(-4, 4)}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.GELU(x[0])} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], refGELU)} },
		},
		{
			name:   "quick_gelu",
			covers: []graph.Op{graph.QuickGELUOp{}},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{3, 17}, gen: uniform(-4, 4)}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.QuickGELU(x[0])} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], refQuickGELU)} },
		},
		softmaxCase("softmax", graph.Shape{3, 17}, -1),
		softmaxCase("softmax_325", graph.Shape{2, 325}, 1),
		softmaxCase("softmax_axis0", graph.Shape{5, 3}, 0),
		softmaxCase("softmax_mid", graph.Shape{2, 7, 3}, 1),
		softmaxCase("softmax_size1", graph.Shape{3, 1}, 1),
		softmaxCase("softmax_empty", graph.Shape{0, 5}, 1),
		attentionCase("attention", 2, 2, 3, 5, 4, 6, nil, nil),
		// HF-style padding mask [B 1 1 Tk]: 0 to keep, -10000 to drop.
		attentionCase("attention_mask", 2, 2, 3, 5, 4, 6, graph.Shape{2, 1, 1, 5}, choice(0, 0, -10000)),
		attentionCase("attention_mask_full", 1, 3, 4, 4, 2, 3, graph.Shape{1, 3, 4, 4}, uniform(-1, 1)),
		attentionCase("attention_tq1", 1, 1, 1, 17, 3, 2, nil, nil),
		attentionDropoutCase("attention_dropout", 2, 2, 3, 5, 4, 6, 0.3, 9),
		attentionDropoutCase("attention_dropout_tk17", 1, 2, 4, 17, 3, 2, 0.1, 4),
		adam("adamw", 0, 1, 2),
		adam("adamw_param_only", 0),
		sce("softmax_cross_entropy", 6, 5, graph.I64, choice(0, 1, 2, 3, 4, -100), -100),
		sce("softmax_cross_entropy_325", 3, 325, graph.I32, ints(0, 325), -1),
		allIgnored,
		{
			name:   "bce_with_logits",
			covers: []graph.Op{graph.BCEWithLogitsOp{}},
			args: []arg{
				{name: "logits", dtype: T, shape: graph.Shape{4, 6}, gen: signed(0.05, 4)},
				{name: "targets", dtype: T, shape: graph.Shape{4, 6}, gen: uniform(0, 1), input: true},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.BCEWithLogits(x[0], x[1])} },
			ref:   func(_ graph.DType, x tensors) tensors { return tensors{refBCEWithLogits(x[0], x[1])} },
		},
		dropout("dropout", graph.Shape{4, 17}, 0.25, 7),
		dropout("dropout_325", graph.Shape{325}, 0.5, 11),
	}
}
