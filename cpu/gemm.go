package cpu

import (
	"github.com/bridgetower-go/bt/graph"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemm is the serial matrix-multiply kernel behind Attention (and float64 MatMul). The executor
// cuts C into tiles of at most tile() rows × columns and calls the kernel once per tile, from
// several goroutines at once. The executor's gemm is packedGemm: float32 on the packed kernels of
// gemm_packed.go, float64 on gonum. Float32 MatMul (with its fused epilogues) runs on
// packedMatMul (gemm_parallel.go), which packs each operand once per run and parallelises over
// panels and tiles itself.
type gemm interface {
	// sgemm sets C = op(A)·op(B) for an m×n C with row stride ldc: op(A) is m×k, stored k×m
	// (row stride lda) when transA; op(B) is k×n, stored n×k when transB. k > 0.
	sgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	dgemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int)
	tile() (rows, cols int)
}

// gonumGemm calls gonum's blas32/blas64 Gemm. Its tiles span fewer than four of gonum's 64×64
// blocks, so that gonum computes them serially (no goroutines or allocation of its own) and each
// element of C is one dot product or axpy chain over the whole of k, the same for any tiling.
type gonumGemm struct{}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func (gonumGemm) sgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	blas32.Implementation().Sgemm(trans(transA), trans(transB), m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}

func (gonumGemm) dgemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	blas64.Implementation().Dgemm(trans(transA), trans(transB), m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}

func (gonumGemm) tile() (rows, cols int) { return 64, 192 }

// packedGemm is the executor's gemm: float32 on the packed kernels (gemm_packed.go), each call
// one whole product on the calling goroutine (tile() covers any product, so that an operand is
// packed once per call); float64 on gonum, cut into gonumGemm tiles so that gonum stays serial.
// Batched MatMulOp kernels do not go through it: see newMatMul.
type packedGemm struct{}

func (packedGemm) sgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	s := sgemmOp{transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc}
	sgemmSerial(sgemmUse, &s, a, b, c)
}

func (packedGemm) dgemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	tr, tc := gonumGemm{}.tile()
	for i0 := 0; i0 < m; i0 += tr {
		for j0 := 0; j0 < n; j0 += tc {
			ao, bo := i0*lda, j0
			if transA {
				ao = i0
			}
			if transB {
				bo = j0 * ldb
			}
			gonumGemm{}.dgemm(transA, transB, min(tr, m-i0), min(tc, n-j0), k, a[ao:], lda, b[bo:], ldb, c[i0*ldc+j0:], ldc)
		}
	}
}

func (packedGemm) tile() (rows, cols int) { return 1 << 30, 1 << 30 }

// gemmFn is gemm.sgemm or gemm.dgemm for element type T.
type gemmFn[T float] func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int)

func gemmFor[T float](g gemm) gemmFn[T] {
	var f any
	var z T
	switch any(z).(type) {
	case float32:
		f = g.sgemm
	case float64:
		f = g.dgemm
	}
	return gemmFn[T](f.(func(bool, bool, int, int, int, []T, int, []T, int, []T, int)))
}

// tiling cuts an m×n product into tiles.
type tiling struct {
	m, n, k        int
	tr, tc         int // tile rows and columns
	tilesM, tilesN int
	transA, transB bool
	lda, ldb, ldc  int
}

func newTiling(g gemm, transA, transB bool, m, n, k int) tiling {
	tr, tc := g.tile()
	t := tiling{m: m, n: n, k: k, tr: tr, tc: tc, transA: transA, transB: transB, ldc: n}
	t.tilesM, t.tilesN = (m+tr-1)/tr, (n+tc-1)/tc
	t.lda, t.ldb = k, n
	if transA {
		t.lda = m
	}
	if transB {
		t.ldb = k
	}
	return t
}

func (t *tiling) tiles() int { return t.tilesM * t.tilesN }

// packSize is the scratch tileRange needs to pack B panels (0 when it reads B in place).
func (t *tiling) packSize() int {
	if t.transB || t.n <= t.tc {
		return 0
	}
	return t.k * t.tc
}

// tileRange computes tiles [t0, t1) of C = op(A)·op(B). With pack (packSize elements), a B panel
// that is a strip of longer rows is first copied to contiguous rows: walking k rows of B with a
// large power-of-two-multiple stride thrashes the caches (a pure copy: the arithmetic is the same).
func tileRange[T float](t *tiling, f gemmFn[T], a, b, c, pack []T, t0, t1 int) {
	for u := t0; u < t1; u++ {
		ti, tj := u/t.tilesN, u%t.tilesN
		i0, j0 := ti*t.tr, tj*t.tc
		mm, nn := min(t.tr, t.m-i0), min(t.tc, t.n-j0)
		cs := c[i0*t.ldc+j0:]
		if t.k == 0 {
			for i := 0; i < mm; i++ {
				clear(cs[i*t.ldc : i*t.ldc+nn])
			}
			continue
		}
		ao, bo := i0*t.lda, j0 // where op(A) row i0 and op(B) column j0 start
		if t.transA {
			ao = i0
		}
		if t.transB {
			bo = j0 * t.ldb
		}
		as, bs, ldb := a[ao:], b[bo:], t.ldb
		if len(pack) > 0 {
			p := pack[:t.k*nn]
			for l := range t.k {
				copy(p[l*nn:(l+1)*nn], bs[l*ldb:l*ldb+nn])
			}
			bs, ldb = p, nn
		}
		f(t.transA, t.transB, mm, nn, t.k, as, t.lda, bs, ldb, cs, t.ldc)
	}
}

// matmulKernel is a batched MatMulOp: units of work are (batch, tile) pairs.
type matmulKernel[T float] struct {
	r             *runner
	ina, inb, out *value
	f             gemmFn[T]
	t             tiling
	batch         int
	parts         int
	pack          [][]T // per goroutine, for B panels
	a, b, c       []T
}

// newMatMul returns the kernel of a MatMulOp: float32 on packedMatMul (parallel over panels and
// tiles of the whole batch), float64 on gonum tiles.
func newMatMul[T float](e *env, transA, transB bool, ina, inb, out *value) kernel {
	m, n, k, batch := matmulDims(transA, ina, out.shape)
	if _, ok := any(T(0)).(float32); ok {
		return newPackedMatMul(e, transA, transB, ina, inb, out, m, n, k, batch, nil)
	}
	return newGonumMatMul[T](e, transA, transB, ina, inb, out)
}

// matmulDims are the m, n, k and batch of a product of operand a with result shape out.
func matmulDims(transA bool, a *value, out graph.Shape) (m, n, k, batch int) {
	ra := a.shape.Rank()
	m, k = a.shape[ra-2], a.shape[ra-1]
	if transA {
		m, k = k, m
	}
	n = out[out.Rank()-1]
	batch = 1
	for _, d := range out[:out.Rank()-2] {
		batch *= d
	}
	return m, n, k, batch
}

func newGonumMatMul[T float](e *env, transA, transB bool, ina, inb, out *value) *matmulKernel[T] {
	g := gemm(gonumGemm{})
	ra := ina.shape.Rank()
	m, k := ina.shape[ra-2], ina.shape[ra-1]
	if transA {
		m, k = k, m
	}
	n := out.shape[out.shape.Rank()-1]
	batch := 1
	for _, d := range out.shape[:out.shape.Rank()-2] {
		batch *= d
	}
	t := newTiling(g, transA, transB, m, n, k)
	units := batch * t.tiles()
	mk := &matmulKernel[T]{r: e.r, ina: ina, inb: inb, out: out, f: gemmFor[T](g), t: t, batch: batch,
		parts: partsFor(balance*e.threads, units, min(m, t.tr)*min(n, t.tc)*max(k, 1))}
	if ps := t.packSize(); ps > 0 {
		mk.pack = make([][]T, min(mk.parts, e.threads))
		for i := range mk.pack {
			mk.pack[i] = make([]T, ps)
		}
	}
	return mk
}

func (k *matmulKernel[T]) run() error {
	k.a, k.b, k.c = slice[T](k.ina), slice[T](k.inb), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *matmulKernel[T]) part(p, w int) {
	t := &k.t
	per := t.tiles()
	lo, hi := split(k.batch*per, k.parts, p)
	sa, sb, sc := t.m*t.k, t.k*t.n, t.m*t.n
	for u := lo; u < hi; {
		bi, t0 := u/per, u%per
		t1 := min(per, t0+hi-u)
		var pack []T
		if k.pack != nil {
			pack = k.pack[w]
		}
		tileRange(t, k.f, k.a[bi*sa:(bi+1)*sa], k.b[bi*sb:(bi+1)*sb], k.c[bi*sc:(bi+1)*sc], pack, t0, t1)
		u += t1 - t0
	}
}
