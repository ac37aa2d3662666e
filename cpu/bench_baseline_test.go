package cpu

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkGonumSgemm is the baseline for BenchmarkMatMul: the same shapes as one direct
// gonum blas32.Gemm call per batch entry (gonum parallelises internally), no graph, no executor.
// Compare the two in one `go test -bench 'MatMul|GonumSgemm'` session.
func BenchmarkGonumSgemm(b *testing.B) {
	for _, c := range matmulCases {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			fill := func(n int) []float32 {
				s := make([]float32, n)
				for i := range s {
					s[i] = 2*rng.Float32() - 1
				}
				return s
			}
			as := make([]blas32.General, c.batch)
			bs := make([]blas32.General, c.batch)
			cs := make([]blas32.General, c.batch)
			for i := range as {
				as[i] = blas32.General{Rows: c.m, Cols: c.k, Stride: c.k, Data: fill(c.m * c.k)}
				if c.transB {
					bs[i] = blas32.General{Rows: c.n, Cols: c.k, Stride: c.k, Data: fill(c.n * c.k)}
				} else {
					bs[i] = blas32.General{Rows: c.k, Cols: c.n, Stride: c.n, Data: fill(c.k * c.n)}
				}
				cs[i] = blas32.General{Rows: c.m, Cols: c.n, Stride: c.n, Data: make([]float32, c.m*c.n)}
			}
			tb := blas.NoTrans
			if c.transB {
				tb = blas.Trans
			}
			b.ResetTimer()
			for range b.N {
				for i := range as {
					blas32.Gemm(blas.NoTrans, tb, 1, as[i], bs[i], 0, cs[i])
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(2*float64(c.batch*c.m*c.k*c.n)/sec/1e9, "GFLOP/s")
		})
	}
}
