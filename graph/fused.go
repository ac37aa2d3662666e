package graph

import (
	"fmt"
	"math"
)

// LayerNormOp normalises over the last dimension: inputs x [..., D], gamma [D], beta [D].
type LayerNormOp struct{ Eps float64 }

// GELUOp is the exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
type GELUOp struct{}

// QuickGELUOp is CLIP's x·σ(1.702·x).
type QuickGELUOp struct{}

// SoftmaxOp is the softmax over Axis (non-negative).
type SoftmaxOp struct{ Axis int }

// AttentionOp is scaled dot-product attention: inputs q [B, H, Tq, Dh], k [B, H, Tk, Dh],
// v [B, H, Tk, Dv], then, when HasMask, an additive mask that broadcasts to [B, H, Tq, Tk], then,
// when Dropout > 0, the step (I64 scalar); output dropout(softmax(q·kᵀ·Scale + mask))·v
// [B, H, Tq, Dv]. The dropout of the probabilities is DropoutOp{Dropout, Seed} on the
// [B, H, Tq, Tk] probabilities: element i is kept iff RandomUniform(step, Seed)[i] >= Dropout.
type AttentionOp struct {
	Scale   float64
	HasMask bool
	Dropout float64 // attention-probability dropout rate, 0 (no step input) in eval mode
	Seed    uint64
}

// AdamWOp is one decoupled-weight-decay Adam step as torch.optim.AdamW computes it: inputs param,
// grad, m, v (same shape), lr and step (scalars of the param's dtype; step counts from 1); outputs
// the new param, m and v.
type AdamWOp struct{ Beta1, Beta2, Eps, WeightDecay float64 }

// SoftmaxCrossEntropyOp is the mean cross-entropy of logits [N, C] against integer labels [N],
// skipping labels equal to IgnoreIndex (torch's CrossEntropyLoss, reduction "mean").
type SoftmaxCrossEntropyOp struct{ IgnoreIndex int64 }

// BCEWithLogitsOp is the mean binary cross-entropy of logits against targets of the same shape.
type BCEWithLogitsOp struct{}

// DropoutOp zeroes elements with probability Rate and scales the rest by 1/(1-Rate): inputs x and
// the step (I64 scalar); the mask is RandomUniform(step, Seed) >= Rate.
type DropoutOp struct {
	Rate float64
	Seed uint64
}

func (o LayerNormOp) Name() string           { return "layer_norm" }
func (o GELUOp) Name() string                { return "gelu" }
func (o QuickGELUOp) Name() string           { return "quick_gelu" }
func (o SoftmaxOp) Name() string             { return fmt.Sprintf("softmax(axis=%d)", o.Axis) }
func (o AttentionOp) Name() string           { return "attention" }
func (o AdamWOp) Name() string               { return "adamw" }
func (o SoftmaxCrossEntropyOp) Name() string { return "softmax_cross_entropy" }
func (o BCEWithLogitsOp) Name() string       { return "bce_with_logits" }
func (o DropoutOp) Name() string             { return "dropout" }

// LayerNorm normalises x [..., D] over D and applies gamma [D] and beta [D].
func LayerNorm(x, gamma, beta *Node, eps float64) *Node {
	g := firstGraph(x, gamma, beta)
	if inv, bad := anyInvalid(g, x, gamma, beta); bad {
		return inv
	}
	if x.Rank() < 1 || !x.dtype.IsFloat() {
		return g.fail("layer_norm: input %v%v", x.dtype, x.shape)
	}
	d := x.shape[x.Rank()-1]
	for _, p := range []*Node{gamma, beta} {
		if !p.shape.Equal(Shape{d}) || p.dtype != x.dtype {
			return g.fail("layer_norm: input %v%v needs weight and bias %v[%d], got %v%v", x.dtype, x.shape, x.dtype, d, p.dtype, p.shape)
		}
	}
	return g.add(LayerNormOp{Eps: eps}, x.dtype, x.shape, x, gamma, beta)
}

func (o LayerNormOp) Decompose(in []*Node) []*Node {
	x, gamma, beta := in[0], in[1], in[2]
	ax := x.Rank() - 1
	mean := KeepDims(ReduceMean(x, ax), x, ax)
	xc := Sub(x, mean)
	variance := KeepDims(ReduceMean(Square(xc), ax), x, ax)
	y := Mul(xc, Rsqrt(AddScalar(variance, o.Eps)))
	return []*Node{Add(Mul(y, gamma), beta)}
}

func floatUnaryFused(op Op, x *Node) *Node {
	if x.invalid {
		return x
	}
	if !x.dtype.IsFloat() {
		return x.g.fail("%s: operand is %v%v, want a float type", op.Name(), x.dtype, x.shape)
	}
	return x.g.add(op, x.dtype, x.shape, x)
}

// GELU is the exact (erf) GELU.
func GELU(x *Node) *Node { return floatUnaryFused(GELUOp{}, x) }

func (GELUOp) Decompose(in []*Node) []*Node {
	x := in[0]
	return []*Node{Mul(MulScalar(x, 0.5), AddScalar(Erf(MulScalar(x, 1/math.Sqrt2)), 1))}
}

// QuickGELU is x·σ(1.702·x).
func QuickGELU(x *Node) *Node { return floatUnaryFused(QuickGELUOp{}, x) }

func (QuickGELUOp) Decompose(in []*Node) []*Node {
	x := in[0]
	return []*Node{Mul(x, Sigmoid(MulScalar(x, 1.702)))}
}

// Softmax normalises exp(x) over axis.
func Softmax(x *Node, axis int) *Node {
	if x.invalid {
		return x
	}
	a, ok := normAxis(axis, x.Rank())
	if !ok || !x.dtype.IsFloat() {
		return x.g.fail("softmax: axis %d of %v%v", axis, x.dtype, x.shape)
	}
	return x.g.add(SoftmaxOp{Axis: a}, x.dtype, x.shape, x)
}

func (o SoftmaxOp) Decompose(in []*Node) []*Node {
	x := in[0]
	if x.shape[o.Axis] == 0 {
		return []*Node{x} // nothing to normalise
	}
	m := StopGradient(KeepDims(ReduceMax(x, o.Axis), x, o.Axis))
	e := Exp(Sub(x, m))
	return []*Node{Div(e, KeepDims(ReduceSum(e, o.Axis), e, o.Axis))}
}

// Attention is softmax(q·kᵀ·scale + mask)·v for q [B, H, Tq, Dh], k [B, H, Tk, Dh],
// v [B, H, Tk, Dv]; mask (additive, broadcastable to [B, H, Tq, Tk]) may be nil.
func Attention(q, k, v, mask *Node, scale float64) *Node {
	return AttentionDropout(q, k, v, mask, nil, scale, 0, 0)
}

// AttentionDropout is Attention with dropout of rate on the attention probabilities, the mask
// drawn from seed and step (an I64 scalar) as Dropout draws it. rate 0 is Attention (step may
// then be nil and is not an input).
func AttentionDropout(q, k, v, mask, step *Node, scale, rate float64, seed uint64) *Node {
	g := firstGraph(q, k, v)
	inputs := []*Node{q, k, v}
	if mask != nil {
		inputs = append(inputs, mask)
	}
	if rate != 0 {
		if step == nil {
			return g.fail("attention: dropout %g needs a step input", rate)
		}
		inputs = append(inputs, step)
	}
	if inv, bad := anyInvalid(g, inputs...); bad {
		return inv
	}
	if rate != 0 && (rate < 0 || rate >= 1 || step.dtype != I64 || step.Rank() != 0) {
		return g.fail("attention: dropout rate %g with step %v%v (want 0 <= rate < 1 and an i64 scalar step)", rate, step.dtype, step.shape)
	}
	if rate == 0 {
		seed = 0
	}
	if q.Rank() != 4 || k.Rank() != 4 || v.Rank() != 4 {
		return g.fail("attention: q %v, k %v, v %v must be [B H T D]", q.shape, k.shape, v.shape)
	}
	b, h, tq, dh := q.shape[0], q.shape[1], q.shape[2], q.shape[3]
	tk := k.shape[2]
	if !k.shape.Equal(Shape{b, h, tk, dh}) || v.shape[0] != b || v.shape[1] != h || v.shape[2] != tk {
		return g.fail("attention: q %v, k %v, v %v do not agree", q.shape, k.shape, v.shape)
	}
	if q.dtype != k.dtype || q.dtype != v.dtype || !q.dtype.IsFloat() {
		return g.fail("attention: dtypes %v, %v, %v", q.dtype, k.dtype, v.dtype)
	}
	if mask != nil {
		if mask.dtype != q.dtype {
			return g.fail("attention: mask is %v%v, want %v", mask.dtype, mask.shape, q.dtype)
		}
		s, err := BroadcastShapes(mask.shape, Shape{b, h, tq, tk})
		if err != nil || !s.Equal(Shape{b, h, tq, tk}) || mask.Rank() != 4 {
			return g.fail("attention: mask %v does not broadcast to scores [%d %d %d %d]", mask.shape, b, h, tq, tk)
		}
	}
	op := AttentionOp{Scale: scale, HasMask: mask != nil, Dropout: rate, Seed: seed}
	return g.add(op, q.dtype, Shape{b, h, tq, v.shape[3]}, inputs...)
}

// scores is q·kᵀ·Scale (+ mask) [B, H, Tq, Tk].
func (o AttentionOp) scores(in []*Node) *Node {
	s := MulScalar(MatMulT(in[0], in[1], false, true), o.Scale)
	if o.HasMask {
		s = Add(s, in[3])
	}
	return s
}

// step is the step input (nil without dropout).
func (o AttentionOp) step(in []*Node) *Node {
	if o.Dropout == 0 {
		return nil
	}
	return in[len(in)-1]
}

func (o AttentionOp) Decompose(in []*Node) []*Node {
	p := Softmax(o.scores(in), -1)
	if o.Dropout != 0 {
		p = Dropout(p, o.step(in), o.Dropout, o.Seed)
	}
	return []*Node{MatMul(p, in[2])}
}

// AdamW performs one AdamW step and returns a tuple node: Output(n, 0) is the new param, 1 the new
// first moment, 2 the new second moment. lr and step are scalars of the param's dtype.
func AdamW(param, grad, m, v, lr, step *Node, beta1, beta2, eps, weightDecay float64) *Node {
	g := firstGraph(param, grad, m, v, lr, step)
	if inv, bad := anyInvalid(g, param, grad, m, v, lr, step); bad {
		return inv
	}
	for _, x := range []*Node{grad, m, v} {
		if !x.shape.Equal(param.shape) || x.dtype != param.dtype {
			return g.fail("adamw: param %v%v with grad/moment %v%v", param.dtype, param.shape, x.dtype, x.shape)
		}
	}
	for _, s := range []*Node{lr, step} {
		if s.Rank() != 0 || s.dtype != param.dtype {
			return g.fail("adamw: lr and step must be %v scalars, got %v%v", param.dtype, s.dtype, s.shape)
		}
	}
	e := tupleElem{shape: param.shape, dtype: param.dtype}
	return g.addTuple(AdamWOp{Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: weightDecay},
		[]tupleElem{e, e, e}, param, grad, m, v, lr, step)
}

func (o AdamWOp) Decompose(in []*Node) []*Node {
	p, gr, m, v, lr, step := in[0], in[1], in[2], in[3], in[4], in[5]
	p = Mul(p, Sub(scalarLike(lr, 1), MulScalar(lr, o.WeightDecay)))
	m = Add(MulScalar(m, o.Beta1), MulScalar(gr, 1-o.Beta1))
	v = Add(MulScalar(v, o.Beta2), MulScalar(Square(gr), 1-o.Beta2))
	bc1 := Sub(scalarLike(step, 1), Pow(scalarLike(step, o.Beta1), step))
	bc2 := Sub(scalarLike(step, 1), Pow(scalarLike(step, o.Beta2), step))
	denom := AddScalar(Div(Sqrt(v), Sqrt(bc2)), o.Eps)
	p = Sub(p, Mul(Div(lr, bc1), Div(m, denom)))
	return []*Node{p, m, v}
}

// SoftmaxCrossEntropy is the mean cross-entropy of logits [N, C] against labels [N] (integers),
// ignoring labels equal to ignoreIndex (NaN when every label is ignored, as in torch).
func SoftmaxCrossEntropy(logits, labels *Node, ignoreIndex int64) *Node {
	g := firstGraph(logits, labels)
	if inv, bad := anyInvalid(g, logits, labels); bad {
		return inv
	}
	if logits.Rank() != 2 || !logits.dtype.IsFloat() || !labels.dtype.IsInt() || !labels.shape.Equal(logits.shape[:1]) {
		return g.fail("softmax_cross_entropy: logits %v%v want [N C] float, labels %v%v want [N] integer", logits.dtype, logits.shape, labels.dtype, labels.shape)
	}
	return g.add(SoftmaxCrossEntropyOp{IgnoreIndex: ignoreIndex}, logits.dtype, nil, logits, labels)
}

func (o SoftmaxCrossEntropyOp) Decompose(in []*Node) []*Node {
	logits, labels := in[0], in[1]
	g := logits.g
	m := StopGradient(KeepDims(ReduceMax(logits, 1), logits, 1))
	lse := Add(Log(ReduceSum(Exp(Sub(logits, m)), 1)), Reshape(m, -1))
	classes := g.Iota(labels.dtype, logits.shape, 1)
	onehot := Equal(classes, Reshape(labels, -1, 1))
	picked := ReduceSum(Where(onehot, logits, ZerosLike(logits)), 1)
	valid := NotEqual(labels, g.Scalar(float64(o.IgnoreIndex), labels.dtype))
	nll := Where(valid, Sub(lse, picked), g.Zeros(logits.dtype, labels.shape))
	count := ReduceSum(Cast(valid, logits.dtype))
	return []*Node{Div(ReduceSum(nll), count)}
}

// BCEWithLogits is the mean over all elements of the binary cross-entropy of sigmoid(logits)
// against targets, computed stably: max(x, 0) - x·z + log(1 + exp(-|x|)).
func BCEWithLogits(logits, targets *Node) *Node {
	g := firstGraph(logits, targets)
	if inv, bad := anyInvalid(g, logits, targets); bad {
		return inv
	}
	if !logits.shape.Equal(targets.shape) || logits.dtype != targets.dtype || !logits.dtype.IsFloat() {
		return g.fail("bce_with_logits: logits %v%v and targets %v%v", logits.dtype, logits.shape, targets.dtype, targets.shape)
	}
	return g.add(BCEWithLogitsOp{}, logits.dtype, nil, logits, targets)
}

func (BCEWithLogitsOp) Decompose(in []*Node) []*Node {
	x, z := in[0], in[1]
	l := Add(Sub(Max(x, ZerosLike(x)), Mul(x, z)), Log(AddScalar(Exp(Neg(Abs(x))), 1)))
	return []*Node{ReduceMean(l)}
}

// Dropout zeroes elements of x with probability rate (mask drawn from seed and step) and scales
// the others by 1/(1-rate). rate 0 returns x.
func Dropout(x, step *Node, rate float64, seed uint64) *Node {
	g := firstGraph(x, step)
	if inv, bad := anyInvalid(g, x, step); bad {
		return inv
	}
	if rate == 0 {
		return x
	}
	if rate < 0 || rate >= 1 || !x.dtype.IsFloat() || step.dtype != I64 || step.Rank() != 0 {
		return g.fail("dropout: rate %g on %v%v with step %v%v", rate, x.dtype, x.shape, step.dtype, step.shape)
	}
	return g.add(DropoutOp{Rate: rate, Seed: seed}, x.dtype, x.shape, x, step)
}

func (o DropoutOp) Decompose(in []*Node) []*Node {
	x, step := in[0], in[1]
	udt := F32 // half-float activations draw their mask in f32
	if x.dtype == F64 {
		udt = F64
	}
	u := RandomUniform(step, o.Seed, udt, x.shape)
	keep := GreaterEqual(u, scalarLike(u, o.Rate))
	return []*Node{Where(keep, MulScalar(x, 1/(1-o.Rate)), ZerosLike(x))}
}
