package model

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the RoBERTa text tower (embeddings and BERT post-LN layers), the BERT attention
// and feed-forward blocks that the cross-modal layers reuse, and the seeded dropout sites of
// training mode (HF has dropout only in these blocks and the text embeddings).

// activation maps an HF hidden_act name to a graph function; field names the config field in
// errors.
func activation(field, name string) (func(*graph.Node) *graph.Node, error) {
	switch name {
	case "gelu":
		return graph.GELU, nil
	case "quick_gelu":
		return graph.QuickGELU, nil
	case "gelu_new", "gelu_pytorch_tanh":
		// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
		return func(x *graph.Node) *graph.Node {
			inner := graph.MulScalar(graph.Add(x, graph.MulScalar(graph.Mul(x, graph.Square(x)), 0.044715)), math.Sqrt(2/math.Pi))
			return graph.Mul(graph.MulScalar(x, 0.5), graph.AddScalar(graph.Tanh(inner), 1))
		}, nil
	case "relu":
		return func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ZerosLike(x)) }, nil
	case "silu", "swish":
		return func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Sigmoid(x)) }, nil
	case "tanh":
		return graph.Tanh, nil
	}
	return nil, fmt.Errorf("%s %q is not supported (gelu, quick_gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, tanh)", field, name)
}

// finfoMin is torch.finfo(dtype).min, the additive mask value of HF's extended attention masks.
// It is finite in every dtype (-MaxFloat32 would round to -inf in F16 and BF16, and 0·-inf is NaN).
func finfoMin(dt graph.DType) float64 {
	switch dt {
	case graph.F64:
		return -math.MaxFloat64
	case graph.F16:
		return -65504 // the largest float16
	case graph.BF16:
		return -3.3895313892515355e38 // the largest bfloat16, 0x7f7f
	}
	return -math.MaxFloat32
}

// additiveMask turns a [B, T] keep-mask (1 keep, 0 mask, compute dtype) into HF's extended mask
// (1 - mask)·finfo.min of shape [B, 1, 1, T], applied to the keys.
func additiveMask(mask *graph.Node) *graph.Node {
	s := mask.Shape()
	one := mask.Graph().Scalar(1, mask.DType())
	m := graph.MulScalar(graph.Sub(one, mask), finfoMin(mask.DType()))
	return graph.Reshape(m, s[0], 1, 1, s[1])
}

// textEmbeddings is RoBERTa's embedding layer for input_ids [B, T] (I64): word + token type 0 +
// position, LayerNorm (text eps). Position ids come from the ids: cumsum(ids != pad)·(ids != pad)
// + pad, so real tokens count from pad+1 and pads get pad. As with nn.Embedding(padding_idx=pad),
// the pad rows of the word and position tables receive no gradient. Result [B, T, Ht].
func (b *builder) textEmbeddings(ids *graph.Node) *graph.Node {
	g := b.g
	bsz, t := ids.Shape()[0], ids.Shape()[1]
	pad := float64(*b.cfg.Text.PadTokenID)
	isPad := graph.Equal(ids, g.Scalar(pad, graph.I64)) // [B T]
	pos := positionIDs(ids, *b.cfg.Text.PadTokenID)     // [B T]

	padCond := graph.Reshape(isPad, bsz, t, 1)
	lookup := func(table *graph.Node, idx *graph.Node) *graph.Node {
		rows := graph.Gather(table, idx)
		return graph.Where(padCond, graph.StopGradient(rows), rows)
	}
	p := "text_model.embeddings."
	word := lookup(b.p(p+"word_embeddings.weight"), ids)
	tokenType := graph.SliceAxis(b.p(p+"token_type_embeddings.weight"), 0, 0, 1) // row 0, [1 Ht]
	x := graph.Add(word, tokenType)
	x = graph.Add(x, lookup(b.p(p+"position_embeddings.weight"), pos))
	x = b.layerNorm(x, p+"LayerNorm", b.cfg.Text.LayerNormEps)
	return b.dropout(x, p+"dropout", b.cfg.Text.HiddenDropoutProb)
}

// positionIDs is RoBERTa's create_position_ids_from_input_ids on ids [B T] (I64):
// cumsum(ids != pad)·(ids != pad) + pad, in I64. The inclusive cumulative sum along T is a
// Hillis–Steele scan, ⌈log₂ T⌉ steps of adding the running sums shifted right by 1, 2, 4, … (a
// slice and a zero pad), instead of a product with a [T T] triangle of ones.
func positionIDs(ids *graph.Node, pad int) *graph.Node {
	t := ids.Shape()[1]
	notPad := graph.Cast(graph.NotEqual(ids, ids.Graph().Scalar(float64(pad), graph.I64)), graph.I64)
	cum := notPad
	for s := 1; s < t; s *= 2 {
		shifted := graph.Pad(graph.SliceAxis(cum, 1, 0, t-s), []int{0, s}, []int{0, 0})
		cum = graph.Add(cum, shifted)
	}
	return graph.AddScalar(graph.Mul(cum, notPad), float64(pad))
}

// textLayer is BERT layer i of the text tower on x [B, T, Ht] with the additive text mask.
func (b *builder) textLayer(i int, x, mask *graph.Node) *graph.Node {
	p := "text_model.encoder.layer." + strconv.Itoa(i)
	x = b.bertAttention(p+".attention", x, x, mask)
	return b.bertFeedForward(p, x)
}

// bertAttention is BERT attention with post-LN output: LN(dense(MHA(q=x, k=v=kv, mask)) + x),
// text_config heads and eps. x [B, Tq, Ht], kv [B, Tk, Ht], mask [B, 1, 1, Tk] or nil.
func (b *builder) bertAttention(prefix string, x, kv, mask *graph.Node) *graph.Node {
	q := b.linear(x, prefix+".self.query")
	k := b.linear(kv, prefix+".self.key")
	v := b.linear(kv, prefix+".self.value")
	ctx := b.multiHead(q, k, v, mask, b.cfg.Text.NumAttentionHeads, prefix+".self.dropout", b.cfg.Text.AttentionProbsDropoutProb)
	out := b.dropout(b.linear(ctx, prefix+".output.dense"), prefix+".output.dropout", b.cfg.Text.HiddenDropoutProb)
	return b.layerNorm(graph.Add(out, x), prefix+".output.LayerNorm", b.cfg.Text.LayerNormEps)
}

// bertFeedForward is LN(output.dense(act(intermediate.dense(x))) + x) with text_config's act/eps.
func (b *builder) bertFeedForward(prefix string, x *graph.Node) *graph.Node {
	h := b.textAct(b.linear(x, prefix+".intermediate.dense"))
	out := b.dropout(b.linear(h, prefix+".output.dense"), prefix+".output.dropout", b.cfg.Text.HiddenDropoutProb)
	return b.layerNorm(graph.Add(out, x), prefix+".output.LayerNorm", b.cfg.Text.LayerNormEps)
}

// multiHead is scaled dot-product attention over heads for q [B, Tq, D], k and v [B, Tk, D]:
// split into [B, heads, T, D/heads], dropout(softmax(q·kᵀ/√(D/heads) + mask))·v, merged back to
// [B, Tq, D]. The dropout (rate on the probabilities, seeded by site) is on only in training.
func (b *builder) multiHead(q, k, v, mask *graph.Node, heads int, site string, rate float64) *graph.Node {
	if !q.Valid() || !k.Valid() || !v.Valid() {
		return graph.Add(graph.Add(q, k), v) // an invalid node; the graph holds the first error
	}
	split := func(x *graph.Node) *graph.Node {
		s := x.Shape()
		return graph.Transpose(graph.Reshape(x, s[0], s[1], heads, s[2]/heads), 0, 2, 1, 3)
	}
	s := q.Shape()
	dh := s[2] / heads
	scale := 1 / math.Sqrt(float64(dh))
	var ctx *graph.Node
	if b.opts.Training && rate > 0 {
		ctx = graph.AttentionDropout(split(q), split(k), split(v), mask, b.step(), scale, rate, b.siteSeed(site))
	} else {
		ctx = graph.Attention(split(q), split(k), split(v), mask, scale)
	}
	return graph.Reshape(graph.Transpose(ctx, 0, 2, 1, 3), s[0], s[1], s[2])
}

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
