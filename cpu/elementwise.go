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

// unaryFloat returns the loop of a unary function on floats. Functions that Go's math package
// computes in float64 are evaluated there and rounded once to T, except exp, erf, tanh and sigmoid
// on float32: those are the fast functions of fastmath.go (within 1 ulp).
func unaryFloat[T float](kind graph.UnaryKind) (fn func(x, y []T), cost int) {
	var z T
	if _, ok := any(z).(float32); ok {
		if f := unaryFast(kind); f != nil {
			return any(f).(func(x, y []T)), 8
		}
	}
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

// unaryFast is the float32 loop of exp, erf, tanh or sigmoid (nil for other functions), each
// calling its function directly (erf32 inlines) rather than through a function value; exp, erf
// and sigmoid run the loops of the kernel set in use at run time (vecUse: vecmath.go).
func unaryFast(kind graph.UnaryKind) func(x, y []float32) {
	switch kind {
	case graph.ExpKind:
		return func(x, y []float32) { vecUse.exp(x, y) }
	case graph.ErfKind:
		return func(x, y []float32) { vecUse.erf(x, y) }
	case graph.TanhKind:
		return func(x, y []float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = tanh32(v)
			}
		}
	case graph.SigmoidKind:
		return func(x, y []float32) { vecUse.sigmoid(x, y) }
	}
	return nil
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

// binaryRepeat returns the loops of add, sub, mul and div on floats with one operand repeated (a
// stride-0 operand such as a scalar or a broadcast bias along the segment): y[i] = f(a, b[i]) and
// y[i] = f(a[i], b), the same arithmetic as binaryLoop without gathering the repeated value into
// a block first. Other kinds return nil.
func binaryRepeat[T float](kind graph.BinaryKind) (ra func(a T, b, y []T), rb func(a []T, b T, y []T)) {
	switch kind {
	case graph.AddKind:
		return func(a T, b, y []T) {
				y = y[:len(b)]
				for i := range b {
					y[i] = a + b[i]
				}
			}, func(a []T, b T, y []T) {
				y = y[:len(a)]
				for i := range a {
					y[i] = a[i] + b
				}
			}
	case graph.SubKind:
		return func(a T, b, y []T) {
				y = y[:len(b)]
				for i := range b {
					y[i] = a - b[i]
				}
			}, func(a []T, b T, y []T) {
				y = y[:len(a)]
				for i := range a {
					y[i] = a[i] - b
				}
			}
	case graph.MulKind:
		return func(a T, b, y []T) {
				y = y[:len(b)]
				for i := range b {
					y[i] = a * b[i]
				}
			}, func(a []T, b T, y []T) {
				y = y[:len(a)]
				for i := range a {
					y[i] = a[i] * b
				}
			}
	case graph.DivKind:
		return func(a T, b, y []T) {
				y = y[:len(b)]
				for i := range b {
					y[i] = a / b[i]
				}
			}, func(a []T, b T, y []T) {
				y = y[:len(a)]
				for i := range a {
					y[i] = a[i] / b
				}
			}
	}
	return nil, nil
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
