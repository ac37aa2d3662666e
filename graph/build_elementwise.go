package graph

import "fmt"

func unary(k UnaryKind, x *Node) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if !x.dtype.IsFloat() && !(k == NegKind || k == AbsKind) {
		return g.fail("%v: operand is %v%v, want a float type", k, x.dtype, x.shape)
	}
	return g.add(UnaryOp{Kind: k}, x.dtype, x.shape, x)
}

// Neg is -x.
func Neg(x *Node) *Node { return unary(NegKind, x) }

// Exp is e^x.
func Exp(x *Node) *Node { return unary(ExpKind, x) }

// Log is the natural logarithm.
func Log(x *Node) *Node { return unary(LogKind, x) }

// Sqrt is the square root.
func Sqrt(x *Node) *Node { return unary(SqrtKind, x) }

// Rsqrt is 1/sqrt(x).
func Rsqrt(x *Node) *Node { return unary(RsqrtKind, x) }

// Tanh is the hyperbolic tangent.
func Tanh(x *Node) *Node { return unary(TanhKind, x) }

// Erf is the error function.
func Erf(x *Node) *Node { return unary(ErfKind, x) }

// Sigmoid is 1/(1+e^-x).
func Sigmoid(x *Node) *Node { return unary(SigmoidKind, x) }

// Abs is |x|.
func Abs(x *Node) *Node { return unary(AbsKind, x) }

// BroadcastShapes returns the NumPy broadcast of two shapes.
func BroadcastShapes(a, b Shape) (Shape, error) {
	n := max(len(a), len(b))
	out := make(Shape, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast (dimension %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return out, nil
}

// BroadcastTo broadcasts x to shape (NumPy rules), inserting Reshape and Broadcast nodes as needed.
func BroadcastTo(x *Node, shape Shape) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if x.shape.Equal(shape) {
		return x
	}
	if len(x.shape) > len(shape) {
		return g.fail("broadcast: cannot broadcast %v to %v", x.shape, shape)
	}
	padded := make(Shape, len(shape))
	off := len(shape) - len(x.shape)
	for i := range padded {
		if i < off {
			padded[i] = 1
		} else {
			padded[i] = x.shape[i-off]
		}
		if padded[i] != 1 && padded[i] != shape[i] {
			return g.fail("broadcast: cannot broadcast %v to %v", x.shape, shape)
		}
	}
	if off > 0 {
		x = Reshape(x, padded...)
	}
	if padded.Equal(shape) {
		return x
	}
	return g.add(BroadcastOp{}, x.dtype, shape, x)
}

// broadcastPair brings a and b to a common shape, recording an error naming op if impossible.
func broadcastPair(op string, a, b *Node) (*Node, *Node, bool) {
	g := firstGraph(a, b)
	if inv, bad := anyInvalid(g, a, b); bad {
		return inv, inv, false
	}
	if a.g != b.g {
		g.fail("%s: operands belong to different graphs", op)
		return nil, nil, false
	}
	if a.dtype != b.dtype {
		n := g.fail("%s: dtypes differ: %v%v and %v%v", op, a.dtype, a.shape, b.dtype, b.shape)
		return n, n, false
	}
	s, err := BroadcastShapes(a.shape, b.shape)
	if err != nil {
		n := g.fail("%s: %v", op, err)
		return n, n, false
	}
	return BroadcastTo(a, s), BroadcastTo(b, s), true
}

func binary(k BinaryKind, a, b *Node) *Node {
	a, b, ok := broadcastPair(k.String(), a, b)
	if !ok {
		return a
	}
	if a.dtype == Bool || (k == PowKind && !a.dtype.IsFloat()) {
		return a.g.fail("%v: dtype %v not supported", k, a.dtype)
	}
	return a.g.add(BinaryOp{Kind: k}, a.dtype, a.shape, a, b)
}

// Add is a+b with broadcasting.
func Add(a, b *Node) *Node { return binary(AddKind, a, b) }

// Sub is a-b with broadcasting.
func Sub(a, b *Node) *Node { return binary(SubKind, a, b) }

// Mul is a*b with broadcasting.
func Mul(a, b *Node) *Node { return binary(MulKind, a, b) }

// Div is a/b with broadcasting.
func Div(a, b *Node) *Node { return binary(DivKind, a, b) }

// Pow is a^b with broadcasting (floats only).
func Pow(a, b *Node) *Node { return binary(PowKind, a, b) }

// Max is the elementwise maximum.
func Max(a, b *Node) *Node { return binary(MaxKind, a, b) }

// Min is the elementwise minimum.
func Min(a, b *Node) *Node { return binary(MinKind, a, b) }

// scalarLike is a scalar constant of x's dtype.
func scalarLike(x *Node, v float64) *Node {
	if x.invalid {
		return x
	}
	return x.g.Scalar(v, x.dtype)
}

// AddScalar is x+v.
func AddScalar(x *Node, v float64) *Node {
	if x.invalid {
		return x
	}
	return Add(x, scalarLike(x, v))
}

// MulScalar is x*v.
func MulScalar(x *Node, v float64) *Node {
	if x.invalid {
		return x
	}
	return Mul(x, scalarLike(x, v))
}

// Square is x*x.
func Square(x *Node) *Node { return Mul(x, x) }

func compare(k CompareKind, a, b *Node) *Node {
	a, b, ok := broadcastPair(k.String(), a, b)
	if !ok {
		return a
	}
	return a.g.add(CompareOp{Kind: k}, Bool, a.shape, a, b)
}

// Equal is a == b (Bool).
func Equal(a, b *Node) *Node { return compare(EqKind, a, b) }

// NotEqual is a != b (Bool).
func NotEqual(a, b *Node) *Node { return compare(NeKind, a, b) }

// Less is a < b (Bool).
func Less(a, b *Node) *Node { return compare(LtKind, a, b) }

// LessEqual is a <= b (Bool).
func LessEqual(a, b *Node) *Node { return compare(LeKind, a, b) }

// Greater is a > b (Bool).
func Greater(a, b *Node) *Node { return compare(GtKind, a, b) }

// GreaterEqual is a >= b (Bool).
func GreaterEqual(a, b *Node) *Node { return compare(GeKind, a, b) }

// Where is a where cond is true, b elsewhere, with broadcasting of all three.
func Where(cond, a, b *Node) *Node {
	g := firstGraph(cond, a, b)
	if inv, bad := anyInvalid(g, cond, a, b); bad {
		return inv
	}
	if cond.dtype != Bool {
		return g.fail("where: condition is %v%v, want bool", cond.dtype, cond.shape)
	}
	if a.dtype != b.dtype {
		return g.fail("where: dtypes differ: %v%v and %v%v", a.dtype, a.shape, b.dtype, b.shape)
	}
	s, err := BroadcastShapes(a.shape, b.shape)
	if err == nil {
		s, err = BroadcastShapes(s, cond.shape)
	}
	if err != nil {
		return g.fail("where: condition %v, operands %v and %v: %v", cond.shape, a.shape, b.shape, err)
	}
	return g.add(WhereOp{}, a.dtype, s, BroadcastTo(cond, s), BroadcastTo(a, s), BroadcastTo(b, s))
}

// Cast converts x to dtype dt (the identity when x already has it).
func Cast(x *Node, dt DType) *Node {
	if x.invalid {
		return x
	}
	if dt == Invalid || dt.Size() == 0 {
		return x.g.fail("cast: invalid dtype %v", dt)
	}
	if x.dtype == dt {
		return x
	}
	return x.g.add(CastOp{}, dt, x.shape, x)
}

// StopGradient is x with no gradient flowing back through it.
func StopGradient(x *Node) *Node {
	if x.invalid {
		return x
	}
	return x.g.add(StopGradientOp{}, x.dtype, x.shape, x)
}
