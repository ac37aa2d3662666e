package cpu

import (
	"context"
	"math/rand/v2"
	"testing"
)

// BenchmarkNonGEMMCPU runs vitLayerWithoutProjections at 325 tokens (what the executor does
// around a ViT-B/16 layer's GEMMs: bias adds, attention with its softmax, residual, LayerNorm,
// GELU and QuickGELU) and reports the process CPU milliseconds per run besides the wall time:
// on a shared machine CPU time says more about a kernel's cost than ns/op.
func BenchmarkNonGEMMCPU(b *testing.B) {
	g, outs, vals := vitLayerWithoutProjections(rand.New(rand.NewPCG(3, 3)), 325)
	exe := compile(b, New(Options{}), g, outs...)
	args := argList(exe, vals)
	ctx := context.Background()
	if _, err := exe.Run(ctx, args); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	c0 := cpuSeconds()
	for range b.N {
		if _, err := exe.Run(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
}
