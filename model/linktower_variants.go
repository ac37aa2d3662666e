package model

import "github.com/bridgetower-go/bt/graph"

// This file: the registered link-tower variants, HF's three (add, scaled_add, interpolate, with
// HF's parameter names and initial values) and the others of the authors' code
// (shared/notes/bridgetower.md §1.5). x is the bridged uni-modal input, y the previous
// cross-modal output, LN the tower's LayerNorm (layer_norm_eps), W a Linear, [x;y] the
// concatenation on the feature axis (2D). Initialisation is identity-like where the formula
// allows, so that step 0 of a variant started from an add checkpoint computes add (StartsAs):
//
//	add                            LN(x + y)                                 —
//	scaled_add                     LN(α·x + y), α scalar                     α = 1: add
//	scaled_add_tensor              LN(α⊙x + y), α ∈ R^D                      α = 1: add
//	interpolate                    LN((1−β)·x + β·y), β scalar               β = 0.5 (HF)
//	interpolate_tensor             LN((1−β)⊙x + β⊙y), β ∈ R^D                β = 0.5: interpolate
//	gated_interpolate              g = σ(W[x;y]); LN((1−g)⊙x + g⊙y)          W = 0, b = 0: interpolate
//	elementwise_product            LN(x⊙y)                                   —
//	elementwise_product_residual   LN(y + x⊙y)                               —
//	linear_add_fpn                 LN(W1·x + W2·y)                           W1 = W2 = I: add
//	linear_concat                  LN(W[x;y])                                W = [I I]: add
//	linear_concat_residual         LN(y + W[x;y])                            W = [I 0]: add
//	linear_add                     LN(W(x + y))                              W = I: add
//	linear_add_residual            LN(y + W(x + y))                          default (no exact form)
//	mlp_concat / _residual         LN(MLP([x;y])) / LN(y + MLP([x;y]))       default
//	                               MLP = Linear(2D,2D) → LN → GELU → Linear(2D,D)
//	mlp_add / _residual            LN(MLP(x+y)) / LN(y + MLP(x+y))           default
//	                               MLP = Linear(D,D) → LN → GELU → Linear(D,D)
//	cross_attention                BERT cross-attention, query y, keys/values x:
//	                               LN(y + Dense(MHA(y, x))), no extra LN     default
//	cross_attention_ffn            the above, then a BERT feed-forward block default
//	none                           no bridges: cross layer j > 0 takes layer j−1's output
//
// "default" is InitRuleFor's rule for the name: LayerNorm 1/0, biases 0, weights N(0, 0.05·f).
// The MLPs are nn.Sequential(Linear, LayerNorm, GELU, Linear): parameters mlp.0, mlp.1, mlp.3.

func init() {
	ln := func(d int) []LinkParam { return LayerNormParams("LayerNorm", d) }
	cat := func(x, y *graph.Node) *graph.Node { return graph.Concat(-1, x, y) }
	one, half := &InitRule{Const: 1}, &InitRule{Const: 0.5}
	eye := func(blocks ...float64) *InitRule { return &InitRule{Eye: blocks} }
	with := func(d int, ps ...[]LinkParam) []LinkParam {
		out := ln(d)
		for _, p := range ps {
			out = append(out, p...)
		}
		return out
	}
	norm := func(f func(c *LinkContext, x, y *graph.Node) *graph.Node) func(c *LinkContext, x, y *graph.Node) *graph.Node {
		return func(c *LinkContext, x, y *graph.Node) *graph.Node { return c.LayerNorm(f(c, x, y), "LayerNorm") }
	}
	interp := func(c *LinkContext, x, y, beta *graph.Node) *graph.Node {
		return graph.Add(graph.Mul(x, graph.Sub(c.Scalar(1), beta)), graph.Mul(y, beta))
	}
	mlp := func(c *LinkContext, z *graph.Node) *graph.Node {
		h := graph.GELU(c.LayerNorm(c.Linear(z, "mlp.0"), "mlp.1"))
		return c.Linear(h, "mlp.3")
	}
	mlpParams := func(d, in int) []LinkParam {
		return append(append(LinearParams("mlp.0", in, in, nil), LayerNormParams("mlp.1", in)...), LinearParams("mlp.3", d, in, nil)...)
	}
	reg := RegisterLinkTower

	reg(LinkTower{Name: "add", Formula: "LN(x + y)", Params: ln,
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return graph.Add(x, y) })})
	reg(LinkTower{Name: "scaled_add", Formula: "LN(α·x + y), scalar α init 1", StartsAs: "add",
		Params: func(d int) []LinkParam {
			return with(d, []LinkParam{{Name: "scaled_factor", Shape: graph.Shape{}, Init: one}})
		},
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return graph.Add(graph.Mul(x, c.P("scaled_factor")), y)
		})})
	reg(LinkTower{Name: "scaled_add_tensor", Formula: "LN(α⊙x + y), α ∈ R^D init 1", StartsAs: "add",
		Params: func(d int) []LinkParam {
			return with(d, []LinkParam{{Name: "scaled_factor", Shape: graph.Shape{d}, Init: one}})
		},
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return graph.Add(graph.Mul(x, c.P("scaled_factor")), y)
		})})
	reg(LinkTower{Name: "interpolate", Formula: "LN((1−β)·x + β·y), scalar β init 0.5",
		Params: func(d int) []LinkParam { return with(d, []LinkParam{{Name: "beta", Shape: graph.Shape{}, Init: half}}) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return interp(c, x, y, c.P("beta")) })})
	reg(LinkTower{Name: "interpolate_tensor", Formula: "LN((1−β)⊙x + β⊙y), β ∈ R^D init 0.5", StartsAs: "interpolate",
		Params: func(d int) []LinkParam {
			return with(d, []LinkParam{{Name: "beta", Shape: graph.Shape{d}, Init: half}})
		},
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return interp(c, x, y, c.P("beta")) })})
	reg(LinkTower{Name: "gated_interpolate", Formula: "g = σ(W[x;y]) (2D→D, init 0); LN((1−g)⊙x + g⊙y)", StartsAs: "interpolate",
		Params: func(d int) []LinkParam { return with(d, LinearParams("gate", d, 2*d, &InitRule{})) },
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return interp(c, x, y, graph.Sigmoid(c.Linear(cat(x, y), "gate")))
		})})
	reg(LinkTower{Name: "elementwise_product", Formula: "LN(x⊙y)", Params: ln,
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return graph.Mul(x, y) })})
	reg(LinkTower{Name: "elementwise_product_residual", Formula: "LN(y + x⊙y)", Params: ln,
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return graph.Add(y, graph.Mul(x, y)) })})
	reg(LinkTower{Name: "linear_add_fpn", Formula: "LN(W1·x + W2·y), W1 = W2 = I at init", StartsAs: "add",
		Params: func(d int) []LinkParam {
			return with(d, LinearParams("linear_x", d, d, eye(1)), LinearParams("linear_y", d, d, eye(1)))
		},
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return graph.Add(c.Linear(x, "linear_x"), c.Linear(y, "linear_y"))
		})})
	reg(LinkTower{Name: "linear_concat", Formula: "LN(W[x;y]), W = [I I] at init", StartsAs: "add",
		Params: func(d int) []LinkParam { return with(d, LinearParams("linear", d, 2*d, eye(1, 1))) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return c.Linear(cat(x, y), "linear") })})
	reg(LinkTower{Name: "linear_concat_residual", Formula: "LN(y + W[x;y]), W = [I 0] at init", StartsAs: "add",
		Params: func(d int) []LinkParam { return with(d, LinearParams("linear", d, 2*d, eye(1, 0))) },
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return graph.Add(y, c.Linear(cat(x, y), "linear"))
		})})
	reg(LinkTower{Name: "linear_add", Formula: "LN(W(x + y)), W = I at init", StartsAs: "add",
		Params: func(d int) []LinkParam { return with(d, LinearParams("linear", d, d, eye(1))) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return c.Linear(graph.Add(x, y), "linear") })})
	reg(LinkTower{Name: "linear_add_residual", Formula: "LN(y + W(x + y))",
		Params: func(d int) []LinkParam { return with(d, LinearParams("linear", d, d, nil)) },
		Build: norm(func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return graph.Add(y, c.Linear(graph.Add(x, y), "linear"))
		})})
	reg(LinkTower{Name: "mlp_concat", Formula: "LN(MLP([x;y])), MLP = Linear(2D,2D) → LN → GELU → Linear(2D,D)",
		Params: func(d int) []LinkParam { return with(d, mlpParams(d, 2*d)) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return mlp(c, cat(x, y)) })})
	reg(LinkTower{Name: "mlp_concat_residual", Formula: "LN(y + MLP([x;y]))",
		Params: func(d int) []LinkParam { return with(d, mlpParams(d, 2*d)) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return graph.Add(y, mlp(c, cat(x, y))) })})
	reg(LinkTower{Name: "mlp_add", Formula: "LN(MLP(x + y)), MLP = Linear(D,D) → LN → GELU → Linear(D,D)",
		Params: func(d int) []LinkParam { return with(d, mlpParams(d, d)) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return mlp(c, graph.Add(x, y)) })})
	reg(LinkTower{Name: "mlp_add_residual", Formula: "LN(y + MLP(x + y))",
		Params: func(d int) []LinkParam { return with(d, mlpParams(d, d)) },
		Build:  norm(func(c *LinkContext, x, y *graph.Node) *graph.Node { return graph.Add(y, mlp(c, graph.Add(x, y))) })})
	attnParams := func(d int) []LinkParam {
		var out []LinkParam
		for _, n := range []string{"query", "key", "value"} {
			out = append(out, LinearParams("attention.self."+n, d, d, nil)...)
		}
		out = append(out, LinearParams("attention.output.dense", d, d, nil)...)
		return append(out, LayerNormParams("attention.output.LayerNorm", d)...)
	}
	reg(LinkTower{Name: "cross_attention", Formula: "LN(y + Dense(MHA(q = y, k = v = x))) (BERT cross-attention)",
		Params: attnParams,
		Build:  func(c *LinkContext, x, y *graph.Node) *graph.Node { return c.Attention("attention", y, x) }})
	reg(LinkTower{Name: "cross_attention_ffn", Formula: "BERT cross-attention (query y, keys/values x), then a BERT feed-forward block",
		Params: func(d int) []LinkParam {
			out := attnParams(d)
			out = append(out, LinearParams("intermediate.dense", 4*d, d, nil)...)
			out = append(out, LinearParams("output.dense", d, 4*d, nil)...)
			return append(out, LayerNormParams("output.LayerNorm", d)...)
		},
		Build: func(c *LinkContext, x, y *graph.Node) *graph.Node {
			return c.FeedForward("", c.Attention("attention", y, x))
		}})
	reg(LinkTower{Name: "none", Formula: "no bridges: only the last uni-modal layer feeds the cross-modal encoder (METER)", NoBridge: true})
}
