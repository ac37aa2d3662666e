package cpu

// packedMatMul is a batched float32 MatMulOp on the packed kernels, in two parallel phases per
// run: pack operands of every batch entry into panels (units: panels), then compute C in tiles
// (units: batch entry × tile), finishing each tile with the fused epilogue if any.
//
// Two blockings, by the rows m of each batch entry:
//   - m ≤ fusedRows (every product of a forward at batch 1, the attention products): a tile is
//     all m rows × about fusedCols columns. Phase 0 packs only op(A) (nothing when the kernel
//     reads A in place); each tile packs its own KC×fusedCols block of op(B) right before the
//     kernel uses it, while it is in L2, so op(B) is packed exactly once and never makes a round
//     trip through memory in packed form. The A block (m×KC) stays in L2 across the tile's
//     columns. With B packed up front instead, the 3072-wide products ran 10–20% slower.
//   - larger m: phase 0 packs op(A) and op(B) whole, once, and tiles are about tileRows×tileCols,
//     so that the (repeated) reads of packed panels, not the packing, scale with the tiles.
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
	fuseB          bool       // tiles pack their own B blocks (m ≤ fusedRows)
}

const (
	tileRows = 96  // rows of C per tile: their A block (tileRows×KC) stays in L2
	tileCols = 384 // columns of C per tile: the A block is reused across them
	// fusedRows is the largest m whose tiles span all rows and pack B themselves: the A block
	// (fusedRows×KC, 344 KB at KC 256), the B block (KC×fusedCols) and the C tile fit in L2.
	fusedRows = 336
	fusedCols = 96
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
	p.fuseB = m <= fusedRows
	if p.fuseB {
		p.tr, p.tilesM = evenTiles(m, fusedRows, kn.mr)
		p.tc, p.tilesN = evenTiles(n, fusedCols, kn.nr)
	} else {
		p.tr, p.tilesM = evenTiles(m, tileRows, kn.mr)
		p.tc, p.tilesN = evenTiles(n, tileCols, kn.nr)
		p.np = roundUp(n, kn.nr) / kn.nr
		p.sb = kn.packedB(n, k)
	}
	p.ma0, p.ma1 = kn.packPanelsA(&p.s)
	p.sa = kn.packedA(m, k)
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
	tmp, bb := getF32(kn.mr*kn.nr), getF32(0)
	if p.fuseB {
		bb = getF32(kn.kc * p.tc)
	}
	per := p.tilesM * p.tilesN
	lo, hi := split(p.batch*per, p.parts, part)
	for u := lo; u < hi; u++ {
		bi, t := u/per, u%per
		i0, j0 := (t/p.tilesN)*p.tr, (t%p.tilesN)*p.tc
		mm, nn := min(p.tr, s.m-i0), min(p.tc, s.n-j0)
		c := p.c[bi*sc : (bi+1)*sc]
		a, ap := p.a[bi*sa:(bi+1)*sa], (*p.ap)[bi*p.sa:(bi+1)*p.sa]
		if p.fuseB {
			kn.computePacking(s, a, ap, p.b[bi*sb:(bi+1)*sb], *bb, c, i0, mm, j0, nn, *tmp)
		} else {
			kn.compute(s, a, ap, (*p.bp)[bi*p.sb:(bi+1)*p.sb], c, i0, mm, j0, nn, *tmp)
		}
		if p.epi != nil {
			p.epi.apply(p.c, bi*sc, s.ldc, i0, mm, j0, nn)
		}
	}
	putF32(tmp, bb)
}
