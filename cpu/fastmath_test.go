package cpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"
)

// ulpDiff is the number of float32 values between a and b (0 when equal or both NaN).
func ulpDiff(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&(1<<31) != 0 {
			return -(u &^ (1 << 31))
		}
		return u
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// TestFastMath32 holds exp32, sigmoid32, erf32 and tanh32 to 1 ulp of the float32 rounding of
// Go's float64 math functions, over every float32 input (every 4099th under -short), and counts
// how often they differ from it at all.
func TestFastMath32(t *testing.T) {
	step := uint64(1)
	if testing.Short() {
		step = 4099
	}
	funcs := []struct {
		name string
		fast func(float32) float32
		ref  func(float64) float64
	}{
		{"exp", exp32, math.Exp},
		{"sigmoid", sigmoid32, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"erf", erf32, math.Erf},
		{"tanh", tanh32, math.Tanh},
	}
	for _, f := range funcs {
		t.Run(f.name, func(t *testing.T) {
			workers := runtime.GOMAXPROCS(0)
			worst := make([]int64, workers)
			at := make([]float32, workers)
			off := make([]int64, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for u := uint64(w) * step; u < 1<<32; u += uint64(workers) * step {
						x := math.Float32frombits(uint32(u))
						got, want := f.fast(x), float32(f.ref(float64(x)))
						if d := ulpDiff(got, want); d > 0 {
							off[w]++
							if d > worst[w] {
								worst[w], at[w] = d, x
							}
						}
					}
				}()
			}
			wg.Wait()
			var max, n int64
			var x float32
			for w := range workers {
				n += off[w]
				if worst[w] > max {
					max, x = worst[w], at[w]
				}
			}
			t.Logf("%s: %d of %d inputs differ from the rounded float64 function, by at most %d ulp (at %g)", f.name, n, (1<<32)/step, max, x)
			if max > 1 {
				t.Errorf("%s(%g) = %g, want %g (%d ulp)", f.name, x, f.fast(x), float32(f.ref(float64(x))), max)
			}
		})
	}
}

// TestFastMathSpecial pins the limits and a few hand-checked values.
func TestFastMathSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	cases := []struct {
		name      string
		f         func(float32) float32
		x, want   float32
		tolerance int64
	}{
		{"exp", exp32, 0, 1, 0},
		{"exp", exp32, 1, float32(math.E), 0},
		{"exp", exp32, -inf, 0, 0},
		{"exp", exp32, inf, inf, 0},
		{"exp", exp32, 89, inf, 0},
		{"exp", exp32, -104, 0, 0},
		{"exp", exp32, -100, float32(math.Exp(-100)), 1},
		{"sigmoid", sigmoid32, 0, 0.5, 0},
		{"sigmoid", sigmoid32, -inf, 0, 0},
		{"sigmoid", sigmoid32, inf, 1, 0},
		{"erf", erf32, 0, 0, 0},
		{"erf", erf32, 1, 0.8427008, 0},
		{"erf", erf32, -0.5, -0.5204999, 0},
		{"erf", erf32, inf, 1, 0},
		{"erf", erf32, -inf, -1, 0},
		{"tanh", tanh32, 0, 0, 0},
		{"tanh", tanh32, 1e-30, 1e-30, 0},
		{"tanh", tanh32, 0.5, 0.46211717, 0},
		{"tanh", tanh32, -inf, -1, 0},
	}
	for _, c := range cases {
		if got := c.f(c.x); ulpDiff(got, c.want) > c.tolerance {
			t.Errorf("%s(%g) = %g, want %g", c.name, c.x, got, c.want)
		}
	}
	for _, f := range []func(float32) float32{exp32, sigmoid32, erf32, tanh32} {
		if got := f(nan); got == got {
			t.Errorf("f(NaN) = %g, want NaN", got)
		}
	}
}

// BenchmarkFastMath32 times the fast functions against math's on 1024 inputs in [-1, 1) (typical
// GELU arguments) and in [-8, 8).
func BenchmarkFastMath32(b *testing.B) {
	var sink float32
	for _, r := range []float32{1, 8} {
		xs := make([]float32, 1024)
		for i := range xs {
			xs[i] = r * float32(i-512) / 512
		}
		for _, f := range []struct {
			name string
			fn   func(float32) float32
		}{
			{"exp32", exp32}, {"math.Exp", func(x float32) float32 { return float32(math.Exp(float64(x))) }},
			{"erf32", erf32}, {"math.Erf", func(x float32) float32 { return float32(math.Erf(float64(x))) }},
			{"tanh32", tanh32}, {"math.Tanh", func(x float32) float32 { return float32(math.Tanh(float64(x))) }},
		} {
			b.Run(fmt.Sprintf("%s/range%g", f.name, r), func(b *testing.B) {
				for range b.N {
					for _, x := range xs {
						sink += f.fn(x)
					}
				}
			})
		}
	}
	_ = sink
}
