package model

import (
	"hash/fnv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: what training mode adds to the graph: the step input, seeded dropout sites and the
// per-row mask of the losses.

// step returns the step input (I64 scalar), created on first use.
func (b *builder) step() *graph.Node {
	return b.input(InputStep, graph.I64, graph.Shape{})
}

// SiteSeed is the seed of the dropout site named site (a parameter prefix such as
// "text_model.encoder.layer.0.attention.output.dropout") for the run seed: FNV-1a 64 of the site
// name mixed with the seed (splitmix64), so that sites draw independent masks and a site's mask
// does not depend on which other sites exist.
func SiteSeed(seed uint64, site string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(site))
	z := h.Sum64() ^ (seed + 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (b *builder) siteSeed(site string) uint64 { return SiteSeed(b.opts.DropoutSeed, site) }

// dropout is graph.Dropout of x at a site in training mode, x itself otherwise or at rate 0.
func (b *builder) dropout(x *graph.Node, site string, rate float64) *graph.Node {
	if !b.opts.Training || rate == 0 {
		return x
	}
	return graph.Dropout(x, b.step(), rate, b.siteSeed(site))
}

// realRows is row_mask > 0 ([B] Bool), or nil without BuildOptions.RowMask.
func (b *builder) realRows() *graph.Node {
	if !b.opts.RowMask {
		return nil
	}
	m := b.input(InputRowMask, b.dt, graph.Shape{b.opts.Batch})
	return graph.Greater(m, b.g.Scalar(0, b.dt))
}

// maskLabels sets integer labels [B, ...] to -100 (ignored) on padding rows; labels unchanged
// without a row mask.
func (b *builder) maskLabels(labels *graph.Node) *graph.Node {
	real := b.realRows()
	if real == nil || !labels.Valid() {
		return labels
	}
	s := labels.Shape()
	shape := make([]int, len(s))
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = s[0]
	cond := graph.BroadcastTo(graph.Reshape(real, shape...), s)
	return graph.Where(cond, labels, b.g.Full(-100, labels.DType(), s))
}

// maskedVQALoss is the VQA loss with a row mask m [B]: Σ_b m_b·Σ_j bce(x_bj, z_bj) / Σ_b m_b,
// with bce = max(x, 0) − x·z + log(1 + exp(−|x|)) (BCEWithLogitsOp's formula). With every m_b = 1
// it is the unmasked mean BCE times the answer count.
func (b *builder) maskedVQALoss(logits, targets *graph.Node) *graph.Node {
	m := b.input(InputRowMask, b.dt, graph.Shape{b.opts.Batch})
	x, z := logits, targets
	l := graph.Add(graph.Sub(graph.Max(x, graph.ZerosLike(x)), graph.Mul(x, z)), graph.Log(graph.AddScalar(graph.Exp(graph.Neg(graph.Abs(x))), 1)))
	rows := graph.ReduceSum(l, 1) // [B]
	return graph.Div(graph.ReduceSum(graph.Mul(rows, m)), graph.ReduceSum(m))
}
