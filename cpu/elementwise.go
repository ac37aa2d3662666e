package cpu

import (
	"errors"
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// Element type sets of the kernels.
type (
	float   interface{ ~float32 | ~float64 }
	integer interface{ ~int32 | ~int64 | ~uint8 }
	number  interface{ float | integer }
	elem    interface{ number | ~bool | ~uint16 }
)

// mapKernel applies fn to contiguous chunks: y[i] = f(x[i]) (unary ops, casts, GELU, QuickGELU).
type mapKernel[T, U elem] struct {
	r       *runner
	in, out *value
	parts   int
	fn      func(x []T, y []U)
	x       []T
	y       []U
}

func newMap[T, U elem](e *env, in, out *value, cost int, fn func(x []T, y []U)) *mapKernel[T, U] {
	return &mapKernel[T, U]{r: e.r, in: in, out: out, fn: fn, parts: partsFor(e.threads, out.size, cost)}
}

func (k *mapKernel[T, U]) run() error {
	k.x, k.y = slice[T](k.in), slice[U](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *mapKernel[T, U]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	k.fn(k.x[lo:hi], k.y[lo:hi])
}

// zipKernel combines two operands of one shape: y[i] = f(a[i], b[i]) (binary ops, comparisons).
type zipKernel[T, U elem] struct {
	r          *runner
	ina, inb   *value
	out        *value
	parts      int
	fn         func(a, b []T, y []U)
	check      func(a, b []T) error // optional, run before fn (integer division by zero)
	a, b       []T
	y          []U
	checkError error
}

func newZip[T, U elem](e *env, a, b, out *value, cost int, fn func(a, b []T, y []U)) *zipKernel[T, U] {
	return &zipKernel[T, U]{r: e.r, ina: a, inb: b, out: out, fn: fn, parts: partsFor(e.threads, out.size, cost)}
}

func (k *zipKernel[T, U]) run() error {
	k.a, k.b, k.y = slice[T](k.ina), slice[T](k.inb), slice[U](k.out)
	if k.check != nil {
		if err := k.check(k.a, k.b); err != nil {
			return err
		}
	}
	k.r.do(k, k.parts)
	return nil
}

func (k *zipKernel[T, U]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	k.fn(k.a[lo:hi], k.b[lo:hi], k.y[lo:hi])
}

// whereKernel is y[i] = c[i] ? a[i] : b[i].
type whereKernel[T elem] struct {
	r             *runner
	inc, ina, inb *value
	out           *value
	parts         int
	c             []bool
	a, b, y       []T
}

func (k *whereKernel[T]) run() error {
	k.c, k.a, k.b, k.y = slice[bool](k.inc), slice[T](k.ina), slice[T](k.inb), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *whereKernel[T]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	c, a, b, y := k.c[lo:hi], k.a[lo:hi], k.b[lo:hi], k.y[lo:hi]
	for i := range y {
		if c[i] {
			y[i] = a[i]
		} else {
			y[i] = b[i]
		}
	}
}

// unaryFloat returns the loop of a unary function on floats. Functions that Go's math package
// computes in float64 are evaluated there and rounded once to T.
func unaryFloat[T float](kind graph.UnaryKind) (fn func(x, y []T), cost int) {
	m := func(f func(float64) float64) func(x, y []T) {
		return func(x, y []T) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = T(f(float64(v)))
			}
		}
	}
	switch kind {
	case graph.NegKind:
		return func(x, y []T) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = -v
			}
		}, 1
	case graph.AbsKind:
		return m(math.Abs), 1
	case graph.ExpKind:
		return m(math.Exp), 16
	case graph.LogKind:
		return m(math.Log), 16
	case graph.SqrtKind:
		return m(math.Sqrt), 4
	case graph.RsqrtKind:
		return m(rsqrt), 4
	case graph.TanhKind:
		return m(math.Tanh), 16
	case graph.ErfKind:
		return m(math.Erf), 16
	case graph.SigmoidKind:
		return m(sigmoid), 16
	}
	return nil, 0
}

func rsqrt(x float64) float64   { return 1 / math.Sqrt(x) }
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// unaryInt returns the loop of neg or abs on integers.
func unaryInt[T integer](kind graph.UnaryKind) func(x, y []T) {
	switch kind {
	case graph.NegKind:
		return func(x, y []T) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = -v
			}
		}
	case graph.AbsKind:
		return func(x, y []T) {
			y = y[:len(x)]
			for i, v := range x {
				if v < 0 {
					v = -v
				}
				y[i] = v
			}
		}
	}
	return nil
}

// binaryLoop returns the loop of a binary function (Pow only for floats: see binaryFloat).
func binaryLoop[T number](kind graph.BinaryKind) func(a, b, y []T) {
	switch kind {
	case graph.AddKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] + b[i]
			}
		}
	case graph.SubKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] - b[i]
			}
		}
	case graph.MulKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] * b[i]
			}
		}
	case graph.DivKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] / b[i]
			}
		}
	case graph.MaxKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = max(a[i], b[i])
			}
		}
	case graph.MinKind:
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = min(a[i], b[i])
			}
		}
	}
	return nil
}

// binaryFloat is binaryLoop plus Pow (computed in float64 and rounded once).
func binaryFloat[T float](kind graph.BinaryKind) (fn func(a, b, y []T), cost int) {
	if kind == graph.PowKind {
		return func(a, b, y []T) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = T(math.Pow(float64(a[i]), float64(b[i])))
			}
		}, 32
	}
	return binaryLoop[T](kind), 1
}

var errDivZero = errors.New("integer division by zero")

// checkDivisor refuses an integer division with a zero divisor (Go would panic).
func checkDivisor[T integer](_, b []T) error {
	for _, v := range b {
		if v == 0 {
			return errDivZero
		}
	}
	return nil
}

// compareLoop returns the loop of a comparison on ordered values.
func compareLoop[T number](kind graph.CompareKind) func(a, b []T, y []bool) {
	switch kind {
	case graph.EqKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] == b[i]
			}
		}
	case graph.NeKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] != b[i]
			}
		}
	case graph.LtKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] < b[i]
			}
		}
	case graph.LeKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] <= b[i]
			}
		}
	case graph.GtKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] > b[i]
			}
		}
	case graph.GeKind:
		return func(a, b []T, y []bool) {
			b, y = b[:len(a)], y[:len(a)]
			for i := range a {
				y[i] = a[i] >= b[i]
			}
		}
	}
	return nil
}

// compareBool returns eq or ne on booleans (nil for the ordered comparisons).
func compareBool(kind graph.CompareKind) func(a, b, y []bool) {
	switch kind {
	case graph.EqKind:
		return func(a, b, y []bool) {
			for i := range y {
				y[i] = a[i] == b[i]
			}
		}
	case graph.NeKind:
		return func(a, b, y []bool) {
			for i := range y {
				y[i] = a[i] != b[i]
			}
		}
	}
	return nil
}

// convert is the numeric conversion of a cast (Go's: floats to integers truncate toward zero).
func convert[S, D number](x []S, y []D) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = D(v)
	}
}

func fromBool[D number](x []bool, y []D) {
	y = y[:len(x)]
	for i, v := range x {
		if v {
			y[i] = 1
		} else {
			y[i] = 0
		}
	}
}

func toBool[S number](x []S, y []bool) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v != 0
	}
}

// mapElems returns a kernel body applying conv to each element (the half-float conversions).
func mapElems[S, D any](conv func(S) D) func(x []S, y []D) {
	return func(x []S, y []D) {
		for i, v := range x {
			y[i] = conv(v)
		}
	}
}
