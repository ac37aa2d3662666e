package cpu

import "math"

// Fast float32 transcendental functions. Go's math package works in float64 with care for every
// float64 input; an F32 kernel needs less: each function here computes in float64 with a short
// polynomial (a table and a degree-5 Taylor polynomial for exp, Chebyshev interpolants for erf and
// tanh: fastmath_gen.go) whose error is below 1e-11 relative, then rounds once to float32. The
// result is the float32 rounding of math's value, except for inputs whose exact value lies within
// that error of a rounding midpoint: then it is the neighbouring float32, so the error bound is
//
//	|f32(x) - f(x)| <= 1 ulp of float32 (of the result; for exp below 2^-126, of the subnormal)
//
// for every float32 x, measured against math.Exp, math.Erf and math.Tanh (and 1/(1+math.Exp(-x))
// for the sigmoid) over all float32 inputs by TestFastMath32 (all of them without -short, every
// 4099th with). NaN gives NaN and ±Inf the limits. F64 kernels keep the math functions.

const (
	invLn2x32 = 32 / math.Ln2
	roundMag  = 0x1.8p52 // adding it rounds a float64 below 2^51 to an integer
)

// ln2Hi + ln2Lo = ln 2 / 32 (to float64 precision); ln2Hi has 24 bits, so k·ln2Hi is exact for
// |k| < 2^29.
var (
	ln2Hi = float64(float32(math.Ln2 / 32))
	ln2Lo = math.Ln2/32 - ln2Hi
)

// exp2Frac[j] is 2^(j/32).
var exp2Frac = func() (t [32]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 32)
	}
	return t
}()

// expCore is e^x in float64 for |x| <= 700, within 1e-15 relative: x = k·ln2/32 + r with
// |r| <= ln2/64, e^x = 2^(k/32)·e^r.
func expCore(x float64) float64 {
	kf := (x*invLn2x32 + roundMag) - roundMag // x·32/ln 2 rounded to an integer
	k := uint64(int64(kf) + 1023<<5)          // positive for |x| <= 700
	r := (x - kf*ln2Hi) - kf*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return exp2Frac[k&31] * math.Float64frombits(k>>5<<52) * p // 2^(k/32 - 1023) = 2^(k mod 32 / 32)·2^floor(k/32 - 1023)
}

// exp32 is e^x rounded to float32.
func exp32(x float32) float32 {
	switch {
	case x > 89:
		return float32(math.Inf(1))
	case x < -110:
		return 0
	case x != x:
		return x
	}
	return float32(expCore(float64(x)))
}

// sigmoid32 is 1/(1+e^-x) rounded to float32.
func sigmoid32(x float32) float32 {
	switch {
	case x < -700:
		return 0
	case x > 700:
		return 1
	case x != x:
		return x
	}
	return float32(1 / (1 + expCore(-float64(x))))
}

// erf64 is erf(x) in float64 to about 1e-11 relative, for float32 purposes (erfc(4) is below
// half an ulp of 1 in float32): the polynomial pieces of fastmath_coef.go on [0, 4) in steps of
// 0.5, evaluated without branching on the piece (erfTable, fastmath_erf.go).
func erf64(x float64) float64 { return erfTable(x) }

// erf32 is erf(x) rounded to float32.
func erf32(x float32) float32 {
	if x != x {
		return x
	}
	return float32(erf64(float64(x)))
}

// tanh32 is tanh(x) rounded to float32.
func tanh32(x float32) float32 {
	a := math.Abs(float64(x))
	var y float64
	switch {
	case x != x:
		return x
	case a < 0.625:
		y = a * tanhPiece0(a*a*5.12-1) // t = x²/0.1953125 - 1
	case a < 20:
		y = 1 - 2/(expCore(2*a)+1)
	default:
		y = 1
	}
	if x < 0 {
		return float32(-y)
	}
	return float32(y)
}
