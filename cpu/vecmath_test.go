package cpu

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// withVec runs f with vecUse forced to kn.
func withVec(kn *vecKernel, f func()) {
	saved := vecUse
	vecUse = kn
	defer func() { vecUse = saved }()
	f()
}

// sameBits reports the first index where got and want differ in their bits (-1 if none).
func sameBits(got, want []float32) int {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// specials32 are inputs on the edges of the special cases of exp32, erf32 and sigmoid32.
func specials32() []float32 {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	snan := math.Float32frombits(0x7f800001)
	xs := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, -nan, snan,
		89, -110, 700, -700, 4, -4, 0.5, -0.5, 88.72, -87.3, -103.9, 1e-45, -1e-45, 1e-38, -1e-38,
		math.MaxFloat32, -math.MaxFloat32, 5.6, -5.6, 2.8284271, -2.8284271, 411.3, -411.3}
	for _, b := range []float32{89, -110, 700, -700, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4} {
		for _, s := range []float32{1, -1, 1 / 1.702, -1 / 1.702, math.Sqrt2, -math.Sqrt2} {
			v := b * s
			xs = append(xs, v, math.Nextafter32(v, inf), math.Nextafter32(v, -inf))
		}
	}
	return xs
}

// TestVecKernels checks that this CPU's kernel sets are listed (so the bit-for-bit tests below
// run the assembly where it exists) and that the pure-Go loops come last.
func TestVecKernels(t *testing.T) {
	var names []string
	for _, kn := range vecAvail {
		names = append(names, kn.name)
	}
	t.Logf("vector kernel sets: %v (in use: %s)", names, vecUse.name)
	if vecAvail[len(vecAvail)-1] != goVec || vecUse != vecAvail[0] {
		t.Fatalf("vecAvail = %v: want the Go loops last and the first set in use", names)
	}
}

// TestVecGELUMatchGo holds each kernel set's GELU, QuickGELU, exp, erf and sigmoid loops to
// the pure-Go loops bit for bit: on every float32 input (every 1031st under -short) in blocks whose lengths vary around
// the 8-element blocks of the assembly, on the special values and on x aliasing y.
func TestVecGELUMatchGo(t *testing.T) {
	step := uint64(1)
	if testing.Short() {
		step = 1031
	}
	loops := []struct {
		name string
		f    func(*vecKernel) func(x, y []float32)
		ref  func(x, y []float32)
	}{
		{"gelu", func(k *vecKernel) func(x, y []float32) { return k.gelu }, geluLoop32Go},
		{"quickgelu", func(k *vecKernel) func(x, y []float32) { return k.quickGELU }, quickGELULoop32Go},
		{"exp", func(k *vecKernel) func(x, y []float32) { return k.exp }, exp32Loop},
		{"erf", func(k *vecKernel) func(x, y []float32) { return k.erf }, erf32Loop},
		{"sigmoid", func(k *vecKernel) func(x, y []float32) { return k.sigmoid }, sigmoid32Loop},
	}
	for _, kn := range vecAvail[:len(vecAvail)-1] {
		for _, l := range loops {
			t.Run(kn.name+"/"+l.name, func(t *testing.T) {
				f := l.f(kn)
				check := func(x []float32) {
					want, got := make([]float32, len(x)), make([]float32, len(x))
					l.ref(x, want)
					f(x, got)
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("%s(%g) = %g (%#08x), Go %g (%#08x)", l.name, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
					in := append([]float32(nil), x...) // y aliasing x
					f(in, in)
					if i := sameBits(in, want); i >= 0 {
						t.Fatalf("%s in place (%g) = %g, Go %g", l.name, x[i], in[i], want[i])
					}
				}
				sp := specials32()
				for n := 0; n <= len(sp); n++ {
					check(sp[:n])
				}
				lens := []int{4096, 4099, 4101, 4103} // tails of 0, 3, 5 and 7 after the blocks of 8
				x := make([]float32, 0, 4103)
				for u, b := uint64(0), 0; u < 1<<32; u += step {
					x = append(x, math.Float32frombits(uint32(u)))
					if len(x) == lens[b%len(lens)] {
						check(x)
						x, b = x[:0], b+1
					}
				}
				check(x)
			})
		}
	}
}

// softmaxCases are rows of the lengths the model uses and odd ones, at several scales, with
// special values, and rows [0, v...] whose exp arguments are exactly the v ≤ 0.
func softmaxCases(rng *rand.Rand) [][]float32 {
	var rows [][]float32
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 40, 325, 769, 1023, 1024, 1500} {
		for _, scale := range []float64{0.01, 1, 10, 100, 1000} {
			r := make([]float32, n)
			for i := range r {
				r[i] = float32(rng.NormFloat64() * scale)
			}
			rows = append(rows, r)
		}
	}
	sp := specials32()
	for i := 0; i < 400; i++ {
		n := 1 + rng.IntN(40)
		r := make([]float32, n)
		for j := range r {
			if rng.IntN(4) == 0 {
				r[j] = sp[rng.IntN(len(sp))]
			} else {
				r[j] = float32(rng.NormFloat64() * 30)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// TestVecSoftmaxMatchGo holds each kernel set's softmax rows to softmaxRow32Go bit for bit, on
// softmaxCases and on rows [0, v1..v15] over every float32 v ≤ 0 (every 1031st under -short),
// which puts every exp argument of a softmax through the assembly's exp.
func TestVecSoftmaxMatchGo(t *testing.T) {
	step := uint64(1)
	if testing.Short() {
		step = 1031
	}
	for _, kn := range vecAvail[:len(vecAvail)-1] {
		t.Run(kn.name, func(t *testing.T) {
			check := func(x []float32) {
				want, got := make([]float32, len(x)), make([]float32, len(x))
				softmaxRow32Go(x, want)
				kn.softmaxRow(x, got)
				if i := sameBits(got, want); i >= 0 {
					t.Fatalf("softmax of %d-row: y[%d] = %g (%#08x), Go %g (%#08x); x[%d] = %g", len(x), i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), i, x[i])
				}
				in := append([]float32(nil), x...)
				kn.softmaxRow(in, in)
				if i := sameBits(in, want); i >= 0 {
					t.Fatalf("softmax in place of %d-row: y[%d] = %g, Go %g", len(x), i, in[i], want[i])
				}
			}
			for _, r := range softmaxCases(rand.New(rand.NewPCG(11, 11))) {
				check(r)
			}
			row := []float32{0}
			for u := uint64(1 << 31); u < 0xff800000; u += step {
				row = append(row, math.Float32frombits(uint32(u)))
				if len(row) == 16 {
					check(row)
					row = row[:1]
				}
			}
			check(row)
		})
	}
}

// BenchmarkVecKernels times the kernel sets on the forward's shapes: softmax over the 12×325
// rows of 325 (image attention) and of 40 (text attention) of N(0, 3) values, and over rows of
// 325 spanning less than 1 (the softmax of a softmax: the lanes sum of softmaxRowLanes; the
// metric counts both passes), GELU over 325×3072 and QuickGELU
// over the same, and the unary exp, erf and sigmoid over the same. Each iteration runs every set once, in turn (interleaved A/B in one process),
// and the metrics are process CPU nanoseconds per element for each set ("cpuns/<set>"), which
// on a loaded machine say more than the wall time.
func BenchmarkVecKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	data := make([]float32, 12*325*325) // the softmax rows; GELU reads the first 325·3072
	for i := range data {
		data[i] = float32(rng.NormFloat64() * 3)
	}
	out := make([]float32, len(data))
	act := data[:325*3072]
	softmax := func(n int) func(kn *vecKernel) {
		return func(kn *vecKernel) {
			for r := range 12 * 325 {
				kn.softmaxRow(data[r*n:r*n+n], out[r*n:r*n+n])
			}
		}
	}
	cases := []struct {
		name  string
		elems int
		run   func(kn *vecKernel)
	}{
		{"softmax325", 12 * 325 * 325, softmax(325)},
		{"softmax40", 12 * 325 * 40, softmax(40)},
		{"softmax325-narrow", 12 * 325 * 325, func(kn *vecKernel) { // rows spanning less than 1
			for r := range 12 * 325 {
				row := out[r*325 : r*325+325]
				kn.softmaxRow(act[:325], row)
				kn.softmaxRow(row, row)
			}
		}},
		{"gelu", len(act), func(kn *vecKernel) { kn.gelu(act, out) }},
		{"quickgelu", len(act), func(kn *vecKernel) { kn.quickGELU(act, out) }},
		{"exp", len(act), func(kn *vecKernel) { kn.exp(act, out) }},
		{"erf", len(act), func(kn *vecKernel) { kn.erf(act, out) }},
		{"sigmoid", len(act), func(kn *vecKernel) { kn.sigmoid(act, out) }},
		{"layernorm-affine", 325 * 768, func(kn *vecKernel) {
			for r := range 325 {
				kn.affine(out[r*768:r*768+768], data[:768], data[768:1536], 0.5)
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cpu := make([]float64, len(vecAvail))
			for range b.N {
				for i, kn := range vecAvail {
					c0 := cpuSeconds()
					c.run(kn)
					cpu[i] += cpuSeconds() - c0
				}
			}
			for i, kn := range vecAvail {
				b.ReportMetric(cpu[i]*1e9/float64(b.N*c.elems), "cpuns/"+kn.name)
			}
		})
	}
}

// BenchmarkVecNonGEMMLayer runs vitLayerWithoutProjections at 325 tokens (the executor's work
// around a ViT-B/16 layer's GEMMs, BenchmarkNonGEMMCPU) once with each kernel set per
// iteration, in turn, and reports the process CPU milliseconds per run of each set
// ("cpums/<set>"): the whole-layer effect of the vector loops, interleaved A/B.
func BenchmarkVecNonGEMMLayer(b *testing.B) {
	g, outs, vals := vitLayerWithoutProjections(rand.New(rand.NewPCG(3, 3)), 325)
	exe := compile(b, New(Options{}), g, outs...)
	args := argList(exe, vals)
	ctx := context.Background()
	cpu := make([]float64, len(vecAvail))
	for i := -1; i < b.N; i++ { // i = -1 warms up
		for k, kn := range vecAvail {
			withVec(kn, func() {
				c0 := cpuSeconds()
				if _, err := exe.Run(ctx, args); err != nil {
					b.Fatal(err)
				}
				if i >= 0 {
					cpu[k] += cpuSeconds() - c0
				}
			})
		}
	}
	for k, kn := range vecAvail {
		b.ReportMetric(cpu[k]*1e3/float64(b.N), "cpums/"+kn.name)
	}
}

// TestVecAffineMatchGo holds each kernel set's LayerNorm last pass to affine32Go bit for bit on
// random rows of odd and model lengths with special values among y, gamma, beta and r.
func TestVecAffineMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	sp := specials32()
	pick := func() float32 {
		if rng.IntN(8) == 0 {
			return sp[rng.IntN(len(sp))]
		}
		return float32(rng.NormFloat64() * 4)
	}
	for _, kn := range vecAvail[:len(vecAvail)-1] {
		for _, n := range []int{1, 3, 7, 8, 9, 17, 40, 325, 768, 769} {
			for rep := 0; rep < 20; rep++ {
				y, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
				for j := range y {
					y[j], g[j], b[j] = pick(), pick(), pick()
				}
				r := pick()
				want, got := append([]float32(nil), y...), append([]float32(nil), y...)
				affine32Go(want, g, b, r)
				kn.affine(got, g, b, r)
				if i := sameBits(got, want); i >= 0 {
					t.Fatalf("%s affine n=%d: y[%d] = %g, Go %g (y %g, g %g, b %g, r %g)", kn.name, n, i, got[i], want[i], y[i], g[i], b[i], r)
				}
			}
		}
	}
}

// TestVecExecutorPaths runs a ViT layer's non-GEMM work (vitLayerWithoutProjections: attention
// with its softmax rows, LayerNorm, QuickGELU, GELU) plus the unary exp, erf and sigmoid kernels
// through the executor with each kernel set forced, at 1 and 2 threads and 17 and 40 tokens,
// and requires every output identical, bit for bit, to the pure-Go set's.
func TestVecExecutorPaths(t *testing.T) {
	for _, tokens := range []int{17, 40} {
		g, outs, vals := vitLayerWithoutProjections(rand.New(rand.NewPCG(7, uint64(tokens))), tokens)
		fc := outs[2].Inputs()[0] // the GELU's operand
		outs = append(outs, graph.Exp(graph.MulScalar(fc, -1)), graph.Erf(fc), graph.Sigmoid(fc))
		var want []*graph.Tensor
		withVec(goVec, func() { want = eval(t, 2, g, vals, outs...) })
		for _, kn := range vecAvail[:len(vecAvail)-1] {
			for _, threads := range []int{1, 2} {
				var got []*graph.Tensor
				withVec(kn, func() { got = eval(t, threads, g, vals, outs...) })
				for i := range want {
					if !got[i].Identical(want[i]) {
						t.Errorf("%s, %d threads, %d tokens: output %d (%s) differs from the Go loops'", kn.name, threads, tokens, i, outs[i].Op().Name())
					}
				}
			}
		}
	}
}
