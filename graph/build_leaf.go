package graph

// Param adds a trainable parameter named label (its checkpoint name).
func (g *Graph) Param(label string, dt DType, shape Shape) *Node {
	return g.leaf(ParamOp{Label: label}, dt, shape)
}

// Input adds a run-time input named label.
func (g *Graph) Input(label string, dt DType, shape Shape) *Node {
	return g.leaf(InputOp{Label: label}, dt, shape)
}

func (g *Graph) leaf(op Op, dt DType, shape Shape) *Node {
	if dt == Invalid || dt.Size() == 0 {
		return g.fail("%s: invalid dtype %v", op.Name(), dt)
	}
	for _, d := range shape {
		if d < 0 {
			return g.fail("%s: negative dimension in shape %v", op.Name(), shape)
		}
	}
	n := g.add(op, dt, shape)
	g.args = append(g.args, n)
	return n
}

// Label returns the label of a Param or Input node, "" otherwise.
func Label(n *Node) string {
	switch o := n.op.(type) {
	case ParamOp:
		return o.Label
	case InputOp:
		return o.Label
	}
	return ""
}

// IsParam reports whether n is a Param node.
func IsParam(n *Node) bool { _, ok := n.op.(ParamOp); return ok }

// Const adds a constant holding t (not copied: t must not change afterwards).
func (g *Graph) Const(t *Tensor) *Node {
	if err := t.Check(); err != nil {
		return g.fail("const: %v", err)
	}
	return g.add(ConstOp{Value: t}, t.DType, t.Shape)
}

// Scalar adds a scalar constant of dtype dt (a float or integer type, or Bool for v != 0).
func (g *Graph) Scalar(v float64, dt DType) *Node {
	if dt == Invalid || dt.Size() == 0 {
		return g.fail("scalar: invalid dtype %v", dt)
	}
	t := NewTensor(dt, nil)
	t.SetFloat64s([]float64{v}) // cannot fail: one value, a valid dtype
	return g.add(ConstOp{Value: t}, dt, nil)
}

// Full is a tensor of the given shape filled with v.
func (g *Graph) Full(v float64, dt DType, shape Shape) *Node {
	return BroadcastTo(g.Scalar(v, dt), shape)
}

// Zeros is a tensor of zeros.
func (g *Graph) Zeros(dt DType, shape Shape) *Node { return g.Full(0, dt, shape) }

// ZerosLike is a tensor of zeros with x's dtype and shape.
func ZerosLike(x *Node) *Node {
	if x.invalid {
		return x
	}
	return x.g.Zeros(x.dtype, x.shape)
}

// Iota counts 0, 1, ... along axis of shape, in dtype dt.
func (g *Graph) Iota(dt DType, shape Shape, axis int) *Node {
	a, ok := normAxis(axis, len(shape))
	if !ok {
		return g.fail("iota: axis %d out of range for shape %v", axis, shape)
	}
	if dt == Bool || dt == Invalid {
		return g.fail("iota: dtype %v", dt)
	}
	return g.add(IotaOp{Axis: a}, dt, shape)
}

// RandomUniform draws values in [0, 1) of dtype dt (F32 or F64): element i is
// RandomFloat(seed, step, i). step is an I64 scalar (usually an Input), so that each training step
// gets new numbers and a run can be replayed.
func RandomUniform(step *Node, seed uint64, dt DType, shape Shape) *Node {
	g := step.g
	if dt != F32 && dt != F64 {
		return g.fail("random_uniform: dtype %v, want f32 or f64", dt)
	}
	if step.Valid() && (step.dtype != I64 || step.Rank() != 0) {
		return g.fail("random_uniform: step must be an i64 scalar, got %v%v", step.dtype, step.shape)
	}
	return g.add(RandomUniformOp{Seed: seed}, dt, shape, step)
}

// RandomBits is the counter-based generator behind the random ops (SplitMix64 finalisers over the
// seed, the step and the element index). Backends must reproduce it exactly.
func RandomBits(seed, step, i uint64) uint64 {
	z := mix64(seed ^ 0x9e3779b97f4a7c15)
	z = mix64(z ^ step*0xbf58476d1ce4e5b9)
	return mix64(z + i*0x9e3779b97f4a7c15)
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// RandomFloat64 maps RandomBits to [0, 1) with 53 random bits.
func RandomFloat64(seed, step, i uint64) float64 {
	return float64(RandomBits(seed, step, i)>>11) * (1.0 / (1 << 53))
}

// RandomFloat32 maps RandomBits to [0, 1) with 24 random bits.
func RandomFloat32(seed, step, i uint64) float32 {
	return float32(RandomBits(seed, step, i)>>40) * (1.0 / (1 << 24))
}
