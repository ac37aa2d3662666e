package cpu

// packedMatMul is a batched float32 MatMulOp on the packed kernels, in two parallel phases per
// run: pack op(A) and op(B) of every batch entry into panels (units: panels), then compute C in
// tiles of about tileRows×tileCols (units: batch entry × tile), finishing each tile with the
// fused epilogue if any. Packing each operand once per run, not once per tile, keeps the copies
// off the critical path: A [batch m k] and B [batch k n] are read once.
type packedMatMul struct {
	r              *runner
	kn             *sgemmKernel
	s              sgemmOp
	batch          int
	ina, inb, out  *value
	epi            *epilogue // nil: plain product
	tr, tc         int       // tile rows and columns (multiples of MR and NR)
	tilesM, tilesN int
	ma0, ma1       int // the MR-row panels of op(A) to pack (see packPanelsA)
	np             int // NR-column panels of op(B)
	sa, sb         int // packed sizes per batch entry
	packParts      int
	parts          int
	phase          int // 0: packing, 1: computing
	a, b, c        []float32
	ap, bp         *[]float32 // packed operands (pooled, held during a run)
}

const (
	tileRows = 96  // rows of C per tile: their A block (tileRows×KC) stays in L2
	tileCols = 384 // columns of C per tile: the A block is reused across them
)

// evenTiles cuts n into about n/want equal pieces rounded up to a multiple of unit.
func evenTiles(n, want, unit int) (size, count int) {
	if n == 0 {
		return unit, 0
	}
	count = (n + want - 1) / want
	size = roundUp((n+count-1)/count, unit)
	return size, (n + size - 1) / size
}

// newPackedMatMul computes out = op(ina)·op(inb) with batch·m×n shape mmShape ([..., m, n]; out
// may be a reshape of it, as when the product ends in a fused epilogue).
func newPackedMatMul(e *env, transA, transB bool, ina, inb, out *value, m, n, k, batch int, epi *epilogue) *packedMatMul {
	kn := sgemmUse
	s := sgemmOp{transA: transA, transB: transB, m: m, n: n, k: k, lda: k, ldb: n, ldc: n}
	if transA {
		s.lda = m
	}
	if transB {
		s.ldb = k
	}
	p := &packedMatMul{r: e.r, kn: kn, s: s, batch: batch, ina: ina, inb: inb, out: out, epi: epi}
	p.tr, p.tilesM = evenTiles(m, tileRows, kn.mr)
	p.tc, p.tilesN = evenTiles(n, tileCols, kn.nr)
	p.ma0, p.ma1 = kn.packPanelsA(&p.s)
	p.np = roundUp(n, kn.nr) / kn.nr
	p.sa, p.sb = kn.packedA(m, k), kn.packedB(n, k)
	p.packParts = partsFor(e.threads, batch*(p.ma1-p.ma0+p.np), kn.mr*max(k, 1))
	p.parts = partsFor(balance*e.threads, batch*p.tilesM*p.tilesN, p.tr*p.tc*max(k, 1))
	return p
}

func (p *packedMatMul) run() error {
	p.a, p.b, p.c = slice[float32](p.ina), slice[float32](p.inb), slice[float32](p.out)
	if p.epi != nil {
		p.epi.bind()
	}
	p.ap, p.bp = getF32(p.batch*p.sa), getF32(p.batch*p.sb)
	p.phase = 0
	p.r.do(p, p.packParts)
	p.phase = 1
	p.r.do(p, p.parts)
	putF32(p.ap, p.bp)
	p.ap, p.bp = nil, nil
	return nil
}

func (p *packedMatMul) part(part, w int) {
	s, kn := &p.s, p.kn
	sa, sb, sc := s.m*s.k, s.k*s.n, s.m*s.n
	if p.phase == 0 {
		na := p.ma1 - p.ma0
		per := na + p.np
		lo, hi := split(p.batch*per, p.packParts, part)
		for u := lo; u < hi; u++ {
			bi, q := u/per, u%per
			if q < na {
				kn.packA(s, p.a[bi*sa:(bi+1)*sa], (*p.ap)[bi*p.sa:(bi+1)*p.sa], p.ma0+q, p.ma0+q+1)
			} else {
				kn.packB(s, p.b[bi*sb:(bi+1)*sb], (*p.bp)[bi*p.sb:(bi+1)*p.sb], q-na, q-na+1)
			}
		}
		return
	}
	tmp := getF32(kn.mr * kn.nr)
	per := p.tilesM * p.tilesN
	lo, hi := split(p.batch*per, p.parts, part)
	for u := lo; u < hi; u++ {
		bi, t := u/per, u%per
		i0, j0 := (t/p.tilesN)*p.tr, (t%p.tilesN)*p.tc
		mm, nn := min(p.tr, s.m-i0), min(p.tc, s.n-j0)
		c := p.c[bi*sc : (bi+1)*sc]
		kn.compute(s, p.a[bi*sa:(bi+1)*sa], (*p.ap)[bi*p.sa:(bi+1)*p.sa], (*p.bp)[bi*p.sb:(bi+1)*p.sb], c, i0, mm, j0, nn, *tmp)
		if p.epi != nil {
			p.epi.apply(p.c, bi*sc, s.ldc, i0, mm, j0, nn)
		}
	}
	putF32(tmp)
}
