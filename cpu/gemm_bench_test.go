package cpu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemmBenchCases are the ViT-B/16 product shapes at 325 tokens: batch×m×k×n, transB for the
// nn.Linear layout x·Wᵀ and for q·kᵀ.
var sgemmBenchCases = []struct {
	name           string
	batch, m, k, n int
	transB         bool
}{
	{"325x768x768", 1, 325, 768, 768, false},
	{"325x768x768_xWT", 1, 325, 768, 768, true},
	{"325x768x3072", 1, 325, 768, 3072, false},
	{"325x768x3072_xWT", 1, 325, 768, 3072, true},
	{"325x3072x768_xWT", 1, 325, 3072, 768, true},
	{"12x325x64x325_qkT", 12, 325, 64, 325, true},
	{"12x325x325x64_pv", 12, 325, 325, 64, false},
}

// BenchmarkSgemm times one (batched) float32 MatMul through a compiled graph on each micro-kernel
// this machine runs (sub-benchmark kernel=…), reporting GFLOP/s = 2·batch·m·k·n / time. Threads
// follow -test.cpu (GOMAXPROCS). scripts/gemm_vs_openblas.sh compares it with OpenBLAS.
func BenchmarkSgemm(b *testing.B) {
	for _, kn := range sgemmAvail {
		for _, c := range sgemmBenchCases {
			b.Run(fmt.Sprintf("kernel=%s/%s", kn.name, c.name), func(b *testing.B) {
				saved := sgemmUse
				sgemmUse = kn
				defer func() { sgemmUse = saved }()
				rng := rand.New(rand.NewPCG(1, 1))
				g := graph.New()
				as, bs := graph.Shape{c.batch, c.m, c.k}, graph.Shape{c.batch, c.k, c.n}
				if c.transB {
					bs = graph.Shape{c.batch, c.n, c.k}
				}
				x, w := g.Input("a", graph.F32, as), g.Input("b", graph.F32, bs)
				vals := map[*graph.Node]*graph.Tensor{x: randomTensor(rng, graph.F32, as), w: randomTensor(rng, graph.F32, bs)}
				exe := compile(b, New(Options{}), g, graph.MatMulT(x, w, false, c.transB))
				args := argList(exe, vals)
				if _, err := exe.Run(context.Background(), args); err != nil {
					b.Fatal(err)
				}
				flop := 2 * float64(c.batch*c.m*c.k*c.n) * float64(b.N)
				cpu0 := cpuSeconds()
				b.ResetTimer()
				for range b.N {
					if _, err := exe.Run(context.Background(), args); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flop/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}

// BenchmarkSgemmGonum is the gonum baseline of BenchmarkSgemm: one blas32 Sgemm per batch entry
// on the same shapes (gonum parallelises internally over GOMAXPROCS), no executor.
func BenchmarkSgemmGonum(b *testing.B) {
	for _, c := range sgemmBenchCases {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			tb, ldb := blas.NoTrans, c.n
			if c.transB {
				tb, ldb = blas.Trans, c.k
			}
			a, bm := randF32(rng, c.batch*c.m*c.k), randF32(rng, c.batch*c.k*c.n)
			out := make([]float32, c.batch*c.m*c.n)
			impl := blas32.Implementation()
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for range b.N {
				for i := range c.batch {
					impl.Sgemm(blas.NoTrans, tb, c.m, c.n, c.k, 1, a[i*c.m*c.k:], c.k, bm[i*c.k*c.n:], ldb, 0, out[i*c.m*c.n:], c.n)
				}
			}
			b.StopTimer()
			flop := 2 * float64(c.batch*c.m*c.k*c.n) * float64(b.N)
			b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flop/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
		})
	}
}
