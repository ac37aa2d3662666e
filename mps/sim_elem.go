package mps

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// broadcastShapes is NumPy's rule: align at the right, sizes equal or 1.
func broadcastShapes(shapes ...[]int) ([]int, bool) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for i, d := range s {
			o := &out[r-len(s)+i]
			switch {
			case *o == d || d == 1:
			case *o == 1:
				*o = d
			default:
				return nil, false
			}
		}
	}
	return out, true
}

// bindex maps each flat index of out to the flat index of in (in broadcast to out).
func bindex(out, in []int) []int {
	n := size(out)
	idx := make([]int, n)
	off := len(out) - len(in)
	strides := make([]int, len(out))
	st := 1
	for i := len(in) - 1; i >= 0; i-- {
		if in[i] != 1 {
			strides[off+i] = st
		}
		st *= in[i]
	}
	for k := range n {
		rem, src := k, 0
		for d := len(out) - 1; d >= 0; d-- {
			src += rem % out[d] * strides[d]
			rem /= out[d]
		}
		idx[k] = src
	}
	return idx
}

// unary adds an elementwise function of one operand; floatOnly rejects integer operands.
func (s *Sim) unary(name string, t Tensor, floatOnly bool, f func(float64) float64) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("%s: missing operand", name)
	}
	if floatOnly && !isFloat(x.dt) {
		return s.fail("%s: operand is %v, want a float type", name, x.dt)
	}
	return s.node(name, x.dt, x.shape, func(in []*arr) (*arr, error) {
		a := in[0]
		out := newArr(a.dt, a.shape)
		for k := range size(a.shape) {
			out.set(k, f(a.at(k)))
		}
		return out, nil
	}, t)
}

func (s *Sim) NegativeWithTensorName(t Tensor, name string) Tensor {
	return s.unary("negative "+name, t, false, func(v float64) float64 { return -v })
}
func (s *Sim) ExponentWithTensorName(t Tensor, name string) Tensor {
	return s.unary("exponent "+name, t, true, math.Exp)
}
func (s *Sim) LogarithmWithTensorName(t Tensor, name string) Tensor {
	return s.unary("logarithm "+name, t, true, math.Log)
}
func (s *Sim) SquareRootWithTensorName(t Tensor, name string) Tensor {
	return s.unary("squareRoot "+name, t, true, math.Sqrt)
}
func (s *Sim) ReverseSquareRootWithTensorName(t Tensor, name string) Tensor {
	return s.unary("reverseSquareRoot "+name, t, true, func(v float64) float64 { return 1 / math.Sqrt(v) })
}
func (s *Sim) TanhWithTensorName(t Tensor, name string) Tensor {
	return s.unary("tanh "+name, t, true, math.Tanh)
}
func (s *Sim) ErfWithTensorName(t Tensor, name string) Tensor {
	return s.unary("erf "+name, t, true, math.Erf)
}
func (s *Sim) SigmoidWithTensorName(t Tensor, name string) Tensor {
	return s.unary("sigmoid "+name, t, true, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })
}
func (s *Sim) AbsoluteWithTensorName(t Tensor, name string) Tensor {
	return s.unary("absolute "+name, t, false, math.Abs)
}

// IdentityWithTensorName is a copy (also bt's stop_gradient: gradients are built before lowering).
func (s *Sim) IdentityWithTensorName(t Tensor, name string) Tensor {
	return s.unary("identity "+name, t, false, func(v float64) float64 { return v })
}

// errDivZero is integer division by zero; on the GPU the result is undefined, the simulator
// reports it.
var errDivZero = errors.New("integer division by zero")

// binary adds an elementwise function of two operands of one type with NumPy broadcasting.
// MPSGraph does not promote types: operands of different types are an error here (reading of
// Apple's "the tensors must have the same data type" for arithmetic).
func (s *Sim) binary(name string, a, b Tensor, outBool bool, f func(x, y float64, dt DataType) (float64, error)) Tensor {
	x, y := get(a), get(b)
	if x == nil || y == nil {
		return s.fail("%s: missing operand", name)
	}
	if x.dt != y.dt {
		return s.fail("%s: operands %v and %v", name, x.dt, y.dt)
	}
	shape, ok := broadcastShapes(x.shape, y.shape)
	if !ok {
		return s.fail("%s: shapes %v and %v do not broadcast", name, x.shape, y.shape)
	}
	dt := x.dt
	if outBool {
		dt = DataTypeBool
	}
	return s.node(name, dt, shape, func(in []*arr) (*arr, error) {
		out := newArr(dt, shape)
		ia, ib := bindex(shape, in[0].shape), bindex(shape, in[1].shape)
		for k := range ia {
			v, err := f(in[0].at(ia[k]), in[1].at(ib[k]), in[0].dt)
			if err != nil {
				return nil, err
			}
			out.set(k, v)
		}
		return out, nil
	}, a, b)
}

func plain(f func(x, y float64) float64) func(x, y float64, dt DataType) (float64, error) {
	return func(x, y float64, dt DataType) (float64, error) { return f(x, y), nil }
}

func (s *Sim) AdditionWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("addition "+name, a, b, false, plain(func(x, y float64) float64 { return x + y }))
}
func (s *Sim) SubtractionWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("subtraction "+name, a, b, false, plain(func(x, y float64) float64 { return x - y }))
}
func (s *Sim) MultiplicationWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("multiplication "+name, a, b, false, func(x, y float64, dt DataType) (float64, error) {
		if !isFloat(dt) { // exact 64-bit product, wrapped by set
			return float64(int64(x) * int64(y)), nil
		}
		return x * y, nil
	})
}

// DivisionWithPrimaryTensorSecondaryTensorName: integer division rounds toward zero (reading:
// Metal's integer `/`, which MPSGraph's integer division is documented nowhere to differ from).
func (s *Sim) DivisionWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("division "+name, a, b, false, func(x, y float64, dt DataType) (float64, error) {
		if isFloat(dt) {
			return x / y, nil
		}
		if y == 0 {
			return 0, errDivZero
		}
		return float64(int64(x) / int64(y)), nil
	})
}
func (s *Sim) PowerWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("power "+name, a, b, false, plain(math.Pow))
}

// MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName: NaN if either operand is NaN.
func (s *Sim) MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("maximumWithNaNPropagation "+name, a, b, false, plain(func(x, y float64) float64 { return max(x, y) }))
}
func (s *Sim) MinimumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("minimumWithNaNPropagation "+name, a, b, false, plain(func(x, y float64) float64 { return min(x, y) }))
}

func cmp(f func(x, y float64) bool) func(x, y float64, dt DataType) (float64, error) {
	return func(x, y float64, _ DataType) (float64, error) {
		if f(x, y) {
			return 1, nil
		}
		return 0, nil
	}
}

func (s *Sim) EqualWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("equal "+name, a, b, true, cmp(func(x, y float64) bool { return x == y }))
}
func (s *Sim) NotEqualWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("notEqual "+name, a, b, true, cmp(func(x, y float64) bool { return x != y }))
}
func (s *Sim) LessThanWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("lessThan "+name, a, b, true, cmp(func(x, y float64) bool { return x < y }))
}
func (s *Sim) LessThanOrEqualToWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("lessThanOrEqualTo "+name, a, b, true, cmp(func(x, y float64) bool { return x <= y }))
}
func (s *Sim) GreaterThanWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("greaterThan "+name, a, b, true, cmp(func(x, y float64) bool { return x > y }))
}
func (s *Sim) GreaterThanOrEqualToWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	return s.binary("greaterThanOrEqualTo "+name, a, b, true, cmp(func(x, y float64) bool { return x >= y }))
}

// SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName picks from the true tensor
// where the predicate is non-zero, broadcasting all three.
func (s *Sim) SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName(p, a, b Tensor, name string) Tensor {
	pp, x, y := get(p), get(a), get(b)
	if pp == nil || x == nil || y == nil {
		return s.fail("select %s: missing operand", name)
	}
	if x.dt != y.dt {
		return s.fail("select %s: true and false tensors are %v and %v", name, x.dt, y.dt)
	}
	shape, ok := broadcastShapes(pp.shape, x.shape, y.shape)
	if !ok {
		return s.fail("select %s: shapes %v, %v, %v do not broadcast", name, pp.shape, x.shape, y.shape)
	}
	return s.node("select "+name, x.dt, shape, func(in []*arr) (*arr, error) {
		out := newArr(in[1].dt, shape)
		ip, ia, ib := bindex(shape, in[0].shape), bindex(shape, in[1].shape), bindex(shape, in[2].shape)
		for k := range ip {
			if in[0].at(ip[k]) != 0 {
				out.set(k, in[1].at(ia[k]))
			} else {
				out.set(k, in[2].at(ib[k]))
			}
		}
		return out, nil
	}, p, a, b)
}

// CastTensorToTypeName converts. Readings (Apple documents none of these): floats to integers
// truncate toward zero and saturate at the integer type's range (NaN gives 0); anything to bool
// is "non-zero"; float32 to float16 rounds to nearest even (overflow to ±inf).
func (s *Sim) CastTensorToTypeName(t Tensor, type_ DataType, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("cast %s: missing operand", name)
	}
	return s.node("cast "+name, type_, x.shape, func(in []*arr) (*arr, error) {
		a := in[0]
		out := newArr(type_, a.shape)
		for k := range size(a.shape) {
			v := a.at(k)
			switch {
			case type_ == DataTypeBool:
				out.i[k] = wrapI(DataTypeBool, b2i(v != 0))
			case isFloat(type_):
				out.set(k, v)
			case math.IsNaN(v):
				out.i[k] = 0
			default:
				lo, hi := intRange(type_)
				out.i[k] = int64(math.Max(lo, math.Min(hi, math.Trunc(v))))
			}
		}
		return out, nil
	}, t)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func intRange(dt DataType) (float64, float64) {
	switch dt {
	case DataTypeInt32:
		return math.MinInt32, math.MaxInt32
	case DataTypeUInt8:
		return 0, 255
	}
	return math.MinInt64, 0x1p63 - 1024
}

// checkShape reports whether shape has non-negative dimensions (for shape arguments).
func checkShape(shape []int) error {
	if slices.ContainsFunc(shape, func(d int) bool { return d < 0 }) {
		return fmt.Errorf("negative dimension in %v", shape)
	}
	return nil
}
