package model

import (
	"math"
	"syscall"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// serialNormal is the normal stream as its documentation states it, written out plainly from
// graph.RandomFloat64 (the generator's definition): Box–Muller on the uniforms of steps 0 and 1.
func serialNormal(seed, i uint64) float64 {
	u1 := 1 - graph.RandomFloat64(seed, 0, i)
	u2 := graph.RandomFloat64(seed, 1, i)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// The init stream is pinned: a few values recorded from the generator as the shipped tiny model
// was drawn with it (NormalFloat64 for seed 7, and InitTensor elements of two tiny-preset
// parameters for seed 1, as bit patterns), and every element of a 300,001-value parallel fill
// equals the plain serial reference.
func TestInitStreamPinned(t *testing.T) {
	for _, c := range []struct {
		i    uint64
		bits uint64
	}{{0, 0x3fe5e46676c2c6b6}, {1, 0x400047adc813fe7b}, {2, 0xbfe66b8f7bd1ec35}, {1000, 0x3fc5abf00da4a4d4},
		{1 << 20, 0xbfecaacdbe2ec838}, {123456789, 0x3fe5d9ac2bbc7770}} {
		if got := NormalFloat64(7, c.i); math.Float64bits(got) != c.bits {
			t.Errorf("NormalFloat64(7, %d) = %v (%#016x), want %#016x (%v)", c.i, got, math.Float64bits(got), c.bits, math.Float64frombits(c.bits))
		}
		if got := serialNormal(7, c.i); math.Float64bits(got) != c.bits {
			t.Errorf("serial reference (7, %d) = %#016x, want %#016x", c.i, math.Float64bits(got), c.bits)
		}
	}
	cfg := tinyPreset(t, nil)
	infos, err := ParamInfos(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string][][2]uint32{
		"text_model.embeddings.word_embeddings.weight":                {{0, 0xbc471c4b}, {1, 0xbd629c0b}, {777, 0x3dd09117}, {38399, 0xbd448f16}},
		"vision_model.visual.transformer.resblocks.2.mlp.c_fc.weight": {{0, 0xbd95f1a3}, {1, 0xbd92f596}, {777, 0x3ca89675}, {65535, 0x3e1bc3b4}},
	}
	seen := 0
	for _, p := range infos {
		want, ok := pins[p.Name]
		if !ok {
			continue
		}
		seen++
		d := InitTensor(cfg, p, 1).Data.([]float32)
		for _, w := range want {
			if got := math.Float32bits(d[w[0]]); got != w[1] {
				t.Errorf("%s[%d] = %#08x, want %#08x", p.Name, w[0], got, w[1])
			}
		}
	}
	if seen != len(pins) {
		t.Fatalf("found %d of the %d pinned parameters", seen, len(pins))
	}
	const n = 300001 // several parallel chunks and a ragged end
	d := make([]float32, n)
	seed := SiteSeed(3, "init:x")
	fillNormal(d, seed, 0.02)
	for i, v := range d {
		if want := float32(0.02 * serialNormal(seed, uint64(i))); math.Float32bits(v) != math.Float32bits(want) {
			t.Fatalf("fillNormal[%d] = %v, serial reference %v", i, v, want)
		}
	}
}

// BenchmarkFillNormal draws 1<<22 values (run with GOMAXPROCS=1 for the per-value cost).
func BenchmarkFillNormal(b *testing.B) {
	d := make([]float32, 1<<22)
	b.SetBytes(int64(len(d)) * 4)
	for i := 0; i < b.N; i++ {
		fillNormal(d, uint64(i), 0.02)
	}
}

// The stream's copy of graph.RandomBits's constants agrees with it on both steps.
func TestNormalStreamUniforms(t *testing.T) {
	for _, seed := range []uint64{0, 1, 5, 1 << 63, math.MaxUint64} {
		s := newNormalStream(seed)
		for _, i := range []uint64{0, 1, 9, 1 << 40, math.MaxUint64} {
			if got, want := uniform(s.k0, i), graph.RandomFloat64(seed, 0, i); got != want {
				t.Errorf("seed %d step 0 index %d: %v, want %v", seed, i, got, want)
			}
			if got, want := uniform(s.k1, i), graph.RandomFloat64(seed, 1, i); got != want {
				t.Errorf("seed %d step 1 index %d: %v, want %v", seed, i, got, want)
			}
		}
	}
}

// BenchmarkNormalStream compares the per-value cost of the serial reference (graph.RandomFloat64
// and math.Log per value, the code before init_rng.go) with the stream's fill, interleaved in each
// iteration, and reports the process CPU nanoseconds per value of each (run with GOMAXPROCS=1:
// CPU time is less sensitive than wall time to other processes on the machine).
func BenchmarkNormalStream(b *testing.B) {
	d := make([]float32, 1<<16)
	cpuNs := func() int64 {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return ru.Utime.Nano() + ru.Stime.Nano()
	}
	var ref, fast int64
	for i := 0; i < b.N; i++ {
		t0 := cpuNs()
		for j := range d {
			d[j] = float32(0.02 * serialNormal(uint64(i), uint64(j)))
		}
		t1 := cpuNs()
		newNormalStream(uint64(i)).fill(d, 0, 0.02)
		t2 := cpuNs()
		ref, fast = ref+t1-t0, fast+t2-t1
	}
	n := float64(b.N * len(d))
	b.ReportMetric(float64(ref)/n, "ref-cpu-ns/value")
	b.ReportMetric(float64(fast)/n, "fast-cpu-ns/value")
}
