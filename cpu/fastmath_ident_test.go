package cpu

import (
	"math"
	"testing"
)

// expCoreV1 is expCore as first written (2^floor(k/32) from 1023 + k>>5); expCore now folds the
// bias into k before the shift, so that it inlines. The values must not change.
func expCoreV1(x float64) float64 {
	kf := (x*invLn2x32 + roundMag) - roundMag
	k := int64(kf)
	r := (x - kf*ln2Hi) - kf*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	scale := math.Float64frombits(uint64(1023+k>>5) << 52)
	return exp2Frac[k&31] * scale * p
}

// expCore equals its first form bit for bit: on every float32 input of exp32 and sigmoid32's
// range (every 61st under -short), at the range ends and on float64 inputs of tanh32 (2|x| < 40).
func TestExpCoreUnchanged(t *testing.T) {
	step := uint32(1)
	if testing.Short() {
		step = 61
	}
	check := func(x float64) {
		if got, want := expCore(x), expCoreV1(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("expCore(%v) = %v, first form %v", x, got, want)
		}
	}
	for _, x := range []float64{700, -700, 0, -0.0, 89, -110, 1e-30, -1e-30} {
		check(x)
	}
	for b := uint32(0); b < 0xff800000; b += step {
		x := math.Float32frombits(b)
		if math.Abs(float64(x)) <= 700 {
			check(float64(x))
		}
	}
	for i := 0; i < 100000; i++ {
		check(float64(i) * 40 / 100000)
	}
}
