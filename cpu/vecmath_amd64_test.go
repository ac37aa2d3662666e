//go:build !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestSoftmaxLanesExact checks the premise of softmaxRowLanes on the assembly itself: the flag
// of softmaxExpLanesAVX512 is true exactly when every exp is 0 or at least 2^-20, and then its
// lane sum equals the sequential float64 sum of the same exps bit for bit (and the exps are
// exp32's). Rows are drawn so that both outcomes occur often, at lengths up to 1016.
func TestSoftmaxLanesExact(t *testing.T) {
	if !(cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL) {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(17, 17))
	sp := specials32()
	var exactRows, otherRows int
	for rep := 0; rep < 3000; rep++ {
		n := 8 * (1 + rng.IntN(127))
		spread := []float64{1, 4, 6, 13.8, 14, 20, 200}[rng.IntN(7)]
		x := make([]float32, n)
		for j := range x {
			x[j] = float32(-rng.Float64() * spread)
			if rng.IntN(500) == 0 {
				x[j] = sp[rng.IntN(len(sp))]
			}
		}
		_, m, _ := minMaxAVX(&x[0], n)
		y := make([]float32, n)
		sum, exact := softmaxExpLanesAVX512(&x[0], &y[0], n, m)
		want, seq := true, 0.0
		for j, e := range y {
			if g := exp32(x[j] - m); math.Float32bits(g) != math.Float32bits(e) {
				t.Fatalf("n=%d: y[%d] = %g, exp32 %g", n, j, e, g)
			}
			want = want && (e == 0 || e >= 0x1p-20)
			seq += float64(e)
		}
		if exact != want {
			t.Fatalf("n=%d spread %g: flag %v, want %v", n, spread, exact, want)
		}
		if exact {
			exactRows++
			if math.Float64bits(sum) != math.Float64bits(seq) {
				t.Fatalf("n=%d: lane sum %v, sequential %v", n, sum, seq)
			}
		} else {
			otherRows++
		}
	}
	t.Logf("%d rows summed in lanes, %d rows with a small exp or a NaN", exactRows, otherRows)
	if exactRows < 300 || otherRows < 300 {
		t.Fatalf("rows not split between the two cases: %d exact, %d other", exactRows, otherRows)
	}
}
