package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Batched products of every transpose combination, on sizes that cross the tile edges, against
// gonum's blas64 Dgemm on the same values.
func TestMatMulAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const batch, m, k, n = 3, 130, 70, 200
	for _, dt := range []graph.DType{graph.F32, graph.F64} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			t.Run(fmt.Sprintf("%v/transA=%v/transB=%v", dt, tr[0], tr[1]), func(t *testing.T) {
				as, bs := graph.Shape{batch, m, k}, graph.Shape{batch, k, n}
				if tr[0] {
					as = graph.Shape{batch, k, m}
				}
				if tr[1] {
					bs = graph.Shape{batch, n, k}
				}
				g := graph.New()
				a, b := g.Input("a", dt, as), g.Input("b", dt, bs)
				av, bv := randomTensor(rng, dt, as), randomTensor(rng, dt, bs)
				got := eval(t, 3, g, map[*graph.Node]*graph.Tensor{a: av, b: bv}, graph.MatMulT(a, b, tr[0], tr[1]))[0]
				if !got.Shape.Equal(graph.Shape{batch, m, n}) {
					t.Fatalf("shape %v", got.Shape)
				}
				want := graph.NewTensor(graph.F64, graph.Shape{batch, m, n})
				ad, bd, wd := av.Float64s(), bv.Float64s(), want.Data.([]float64)
				ta, tb := blas.NoTrans, blas.NoTrans
				lda, ldb := k, n
				if tr[0] {
					ta, lda = blas.Trans, m
				}
				if tr[1] {
					tb, ldb = blas.Trans, k
				}
				for i := range batch {
					blas64.Implementation().Dgemm(ta, tb, m, n, k, 1, ad[i*m*k:], lda, bd[i*k*n:], ldb, 0, wd[i*m*n:], n)
				}
				tol := 1e-6
				if dt == graph.F64 {
					tol = 1e-14
				}
				if d := maxRelDiff(got, want); d > tol {
					t.Fatalf("max relative difference %g from gonum (tolerance %g)", d, tol)
				}
			})
		}
	}
}
