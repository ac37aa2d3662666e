//go:build darwin && cgo

package metal

import (
	"math"
	"math/rand"
	"os"
	"testing"

	"github.com/bridgetower-go/bt/shaders"
)

// device opens the default GPU; without one (a hosted CI runner may have none) the test is
// skipped unless BT_REQUIRE_METAL=1, which makes it fail. Any other error (the shader library
// does not compile, no command queue) fails the test.
func device(t *testing.T) *Device {
	t.Helper()
	d, err := Default()
	if err == ErrUnavailable && os.Getenv("BT_REQUIRE_METAL") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBufferShared writes a buffer through its Go slice and reads it back through another view.
func TestBufferShared(t *testing.T) {
	d := device(t)
	b, err := d.NewBuffer(64)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	f := b.Float32s()
	if len(f) != 16 || b.Len() != 64 {
		t.Fatalf("64-byte buffer: %d float32s, Len %d", len(f), b.Len())
	}
	for i := range f {
		if f[i] != 0 {
			t.Fatalf("new buffer not zeroed at %d", i)
		}
		f[i] = float32(i) + 0.5
	}
	if got := math.Float32frombits(b.Uint32s()[3]); got != 3.5 {
		t.Errorf("element 3 read back as %v", got)
	}
	if _, err := d.NewBuffer(0); err == nil {
		t.Error("NewBuffer(0) succeeded")
	}
	if _, err := d.Pipeline("no_such_kernel"); err == nil {
		t.Error("Pipeline of a missing function succeeded")
	}
}

// TestAdamWKernelMatchesTwin runs the fused AdamW kernel on the GPU for several steps and holds
// every element against the CPU twin (which the shaders tests pin to graph.AdamW): within 4
// float32 ulps, since the Metal compiler may still contract a·b+c into an FMA.
func TestAdamWKernelMatchesTwin(t *testing.T) {
	d := device(t)
	groups := []shaders.AdamWGroup{{Size: 1000, LR: 1e-3, WeightDecay: 0.01}, {Size: 1, LR: 1e-3}, {Size: 4097, LR: 3e-4, WeightDecay: 0.05}}
	n := 5098
	a, err := d.NewAdamW(n, len(groups))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	r := rand.New(rand.NewSource(3))
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range p {
		p[i] = float32(r.NormFloat64())
	}
	copy(a.P.Float32s(), p)
	h := shaders.AdamWHyper{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for step := 1; step <= 5; step++ {
		for i := range g {
			g[i] = float32(r.NormFloat64() * 0.1)
		}
		copy(a.G.Float32s(), g)
		prm, segs, err := shaders.AdamWSetup(h, step, groups)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Step(prm, segs); err != nil {
			t.Fatal(err)
		}
		if err := shaders.AdamWCPU(p, g, m, v, prm, segs); err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2][]float32{"p": {a.P.Float32s(), p}, "m": {a.M.Float32s(), m}, "v": {a.V.Float32s(), v}} {
			for i := range pair[1] {
				if ulps(pair[0][i], pair[1][i]) > 4 {
					t.Fatalf("step %d %s[%d]: GPU %v, CPU twin %v", step, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}

func ulps(a, b float32) int64 {
	d := int64(int32(math.Float32bits(a))) - int64(int32(math.Float32bits(b)))
	if d < 0 {
		d = -d
	}
	return d
}
