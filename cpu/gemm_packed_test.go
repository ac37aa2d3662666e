package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// withKernel runs f with sgemmUse forced to kn (every path the CPU features could select).
func withKernel(t *testing.T, kn *sgemmKernel, f func(t *testing.T)) {
	t.Helper()
	saved := sgemmUse
	sgemmUse = kn
	defer func() { sgemmUse = saved }()
	f(t)
}

// testKernels are the kernels of this machine plus, for those reading A in place, a copy that
// packs A (the path of transposed A and of rows 4 KiB apart), so that every path runs.
func testKernels() []*sgemmKernel {
	var ks []*sgemmKernel
	for _, kn := range sgemmAvail {
		ks = append(ks, kn)
		if kn.direct != nil {
			c := *kn
			c.name, c.direct = kn.name+"-packedA", nil
			ks = append(ks, &c)
		}
	}
	return ks
}

// gonumRef is op(A)·op(B) in float64 by gonum's Dgemm on the same (float32) values.
func gonumRef(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int) []float64 {
	ad, bd := make([]float64, len(a)), make([]float64, len(b))
	for i, v := range a {
		ad[i] = float64(v)
	}
	for i, v := range b {
		bd[i] = float64(v)
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	c := make([]float64, m*n)
	if k > 0 {
		blas64.Implementation().Dgemm(ta, tb, m, n, k, 1, ad, max(lda, 1), bd, max(ldb, 1), 0, c, max(n, 1))
	}
	return c
}

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// checkClose compares a float32 product with the float64 reference: |got-want| ≤ tol·√k·(1+|want|)
// (operands in [-1, 1): each term rounds by ~2⁻²⁴, errors grow like √k).
func checkClose(t *testing.T, got []float32, want []float64, k int) {
	t.Helper()
	tol := 2e-6 * math.Sqrt(float64(max(k, 1)))
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > tol*(1+math.Abs(w)) || math.IsNaN(float64(got[i])) {
			t.Fatalf("element %d: got %g, want %g (|diff| %g > %g)", i, got[i], w, d, tol*(1+math.Abs(w)))
		}
	}
}

var gemmSizes = []int{1, 3, 17, 325, 769}

// Every kernel this machine can run, every transpose combination, odd sizes crossing the
// MR/NR/KC edges, with leading dimensions larger than the operands: sgemmSerial (the path of
// attention) against gonum.
func TestSgemmKernelsAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sizes := gemmSizes
	if testing.Short() {
		sizes = []int{1, 3, 17, 325}
	}
	for _, kn := range testKernels() {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			t.Run(fmt.Sprintf("%s/transA=%v/transB=%v", kn.name, tr[0], tr[1]), func(t *testing.T) {
				withKernel(t, kn, func(t *testing.T) {
					for _, m := range sizes {
						for _, n := range sizes {
							for _, k := range sizes {
								if m*n*k > 325*325*325 && (m != 769 || n != 17) {
									continue // the largest cubes add time, not paths
								}
								checkSerial(t, rng, tr[0], tr[1], m, n, k)
							}
						}
					}
				})
			})
		}
	}
}

func checkSerial(t *testing.T, rng *rand.Rand, transA, transB bool, m, n, k int) {
	t.Helper()
	const extra = 3 // padding of each leading dimension
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+extra, bc+extra, n+extra
	a, b := randF32(rng, ar*lda), randF32(rng, br*ldb)
	c := randF32(rng, m*ldc) // garbage that must be overwritten
	s := sgemmOp{transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc}
	sgemmSerial(sgemmUse, &s, a, b, c)
	want := gonumRef(transA, transB, m, n, k, a, lda, b, ldb)
	got := make([]float32, m*n)
	for i := range m {
		copy(got[i*n:(i+1)*n], c[i*ldc:i*ldc+n])
		for j := n; j < ldc && i*ldc+j < len(c); j++ {
			_ = c[i*ldc+j] // the padding is not checked: BLAS leaves it alone, so do we (by construction)
		}
	}
	t.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(t *testing.T) { checkClose(t, got, want, k) })
}
