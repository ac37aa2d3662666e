package cpu

import "sync"

// The float32 matrix product: GotoBLAS-style packing of op(A) into MR-row panels and op(B) into
// NR-column panels, KC deep, zero-padded at the edges, and a register-blocked micro-kernel
// (assembly on amd64: gemm_amd64.s; pure Go elsewhere: gemm_kernel_go.go). Every element of C is
// the same chain of multiply-adds whatever the tiling or thread count: one accumulator per KC
// block, p in order, added to C block after block.

// sgemmKernel is a micro-kernel and its blocking. It sets (add: adds to) the MR×NR block of C at
// c (row stride ldc) to Σ_p a[p·MR+i]·b[p·NR+j] over p < k, one FMA chain per element, where a
// is a packed panel of MR rows of op(A) and b a packed panel of NR columns of op(B).
type sgemmKernel struct {
	name       string
	mr, nr, kc int
	asm        func(k int, a, b, c *float32, ldc int, add bool)
	micro      func(k int, a, b, c []float32, ldc int, add bool)
	// direct, if not nil, is asm reading MR full rows of a row-major A in place (row i at
	// a[i·lda:]): op(A) is then packed only for its last, partial panel.
	direct func(k int, a *float32, lda int, b, c *float32, ldc int, add bool)
}

// readsA reports whether the kernel reads op(A) in place for product s: A not transposed, and
// its rows not a multiple of 4 KiB apart (the MR rows would then share one L1 set).
func (kn *sgemmKernel) readsA(s *sgemmOp) bool {
	return kn.direct != nil && !s.transA && s.lda%1024 != 0
}

// packPanelsA are the MR-row panels [lo, hi) of op(A) that product s needs packed: all, or only
// the partial last one when the kernel reads A in place.
func (kn *sgemmKernel) packPanelsA(s *sgemmOp) (lo, hi int) {
	hi = roundUp(s.m, kn.mr) / kn.mr
	if kn.readsA(s) {
		return s.m / kn.mr, hi
	}
	return 0, hi
}

func (kn *sgemmKernel) call(k int, a, b, c []float32, ldc int, add bool) {
	if kn.asm == nil {
		kn.micro(k, a, b, c, ldc, add)
		return
	}
	_, _, _ = a[kn.mr*k-1], b[kn.nr*k-1], c[(kn.mr-1)*ldc+kn.nr-1] // the assembly does not check
	kn.asm(k, &a[0], &b[0], &c[0], ldc, add)
}

var (
	// sgemmAvail are the micro-kernels this CPU and build can run, fastest first.
	sgemmAvail = sgemmKernels()
	// sgemmUse is the kernel new products use (chosen at start-up; tests set it to force a path).
	sgemmUse = sgemmAvail[0]
)

// sgemmOp is C = op(A)·op(B) for an m×n C: op(A) is m×k, stored k×m (row stride lda) when
// transA; op(B) is k×n, stored n×k when transB; C has row stride ldc.
type sgemmOp struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// Packed layouts: for the KC block starting at p0 (kcb deep), panel i of width w (MR or NR) is
// the kcb×w elements at p0·pad + i·w·kcb, where pad is m or n rounded up to w.
func (kn *sgemmKernel) packedA(m, k int) int { return roundUp(m, kn.mr) * k }
func (kn *sgemmKernel) packedB(n, k int) int { return roundUp(n, kn.nr) * k }

// packA packs the MR-row panels [ip0, ip1) of op(A) (all of k) into dst (packedA elements).
func (kn *sgemmKernel) packA(s *sgemmOp, a, dst []float32, ip0, ip1 int) {
	mr, pad := kn.mr, roundUp(s.m, kn.mr)
	for p0 := 0; p0 < s.k; p0 += kn.kc {
		kcb := min(kn.kc, s.k-p0)
		for ip := ip0; ip < ip1; ip++ {
			d := dst[p0*pad+ip*mr*kcb : p0*pad+(ip+1)*mr*kcb]
			r0 := ip * mr
			rows := min(mr, s.m-r0)
			if s.transA { // op(A)[i][p] = a[p·lda+i]: row p of the panel is contiguous
				for p := range kcb {
					src := a[(p0+p)*s.lda+r0:]
					copy(d[p*mr:p*mr+rows], src[:rows])
					clear(d[p*mr+rows : (p+1)*mr])
				}
				continue
			}
			transpose(d, a[r0*s.lda+p0:], s.lda, rows, kcb, mr)
		}
	}
}

// packB packs the NR-column panels [jp0, jp1) of op(B) (all of k) into dst (packedB elements).
func (kn *sgemmKernel) packB(s *sgemmOp, b, dst []float32, jp0, jp1 int) {
	pad := roundUp(s.n, kn.nr)
	for p0 := 0; p0 < s.k; p0 += kn.kc {
		kcb := min(kn.kc, s.k-p0)
		kn.packBBlock(s, b, dst[p0*pad+jp0*kn.nr*kcb:], p0, kcb, jp0, jp1)
	}
}

// packBBlock packs rows [p0, p0+kcb) of the NR-column panels [jp0, jp1) of op(B) into dst, one
// panel (kcb×NR) after the other: the layout of one KC block of packB, from panel jp0 on.
func (kn *sgemmKernel) packBBlock(s *sgemmOp, b, dst []float32, p0, kcb, jp0, jp1 int) {
	nr := kn.nr
	for jp := jp0; jp < jp1; jp++ {
		d := dst[(jp-jp0)*nr*kcb : (jp-jp0+1)*nr*kcb]
		j0 := jp * nr
		cols := min(nr, s.n-j0)
		if !s.transB { // op(B)[p][j] = b[p·ldb+j]: row p of the panel is contiguous
			for p := range kcb {
				src := b[(p0+p)*s.ldb+j0:]
				copy(d[p*nr:p*nr+cols], src[:cols])
				clear(d[p*nr+cols : (p+1)*nr])
			}
			continue
		}
		transpose(d, b[j0*s.ldb+p0:], s.ldb, cols, kcb, nr)
	}
}

// compute sets the block rows [i0, i0+mm) × columns [j0, j0+nn) of C from packed A (or A itself,
// see readsA) and packed B; i0 and j0 are multiples of MR and NR. tmp (MR·NR) takes the
// micro-tiles that overhang C's edges.
func (kn *sgemmKernel) compute(s *sgemmOp, a, ap, bp, c []float32, i0, mm, j0, nn int, tmp []float32) {
	if s.k == 0 {
		for i := i0; i < i0+mm; i++ {
			clear(c[i*s.ldc+j0 : i*s.ldc+j0+nn])
		}
		return
	}
	npad := roundUp(s.n, kn.nr)
	for p0 := 0; p0 < s.k; p0 += kn.kc {
		kcb := min(kn.kc, s.k-p0)
		kn.computeBlock(s, a, ap, bp[p0*npad+j0*kcb:], c, i0, mm, j0, nn, p0, kcb, tmp)
	}
}

// computePacking is compute packing op(B) itself: for each KC block, the block's panels of
// columns [j0, j0+nn) into bb (KC·roundUp(nn, NR) elements), then the kernel over them while they
// are in L2.
func (kn *sgemmKernel) computePacking(s *sgemmOp, a, ap, b, bb, c []float32, i0, mm, j0, nn int, tmp []float32) {
	if s.k == 0 {
		kn.compute(s, a, ap, nil, c, i0, mm, j0, nn, tmp)
		return
	}
	jp0, jp1 := j0/kn.nr, (j0+nn+kn.nr-1)/kn.nr
	for p0 := 0; p0 < s.k; p0 += kn.kc {
		kcb := min(kn.kc, s.k-p0)
		kn.packBBlock(s, b, bb, p0, kcb, jp0, jp1)
		kn.computeBlock(s, a, ap, bb, c, i0, mm, j0, nn, p0, kcb, tmp)
	}
}

// computeBlock adds (sets, for the first block) the product of KC block [p0, p0+kcb) to the
// block rows [i0, i0+mm) × columns [j0, j0+nn) of C; bb holds that block's B panels from column
// j0 on, as packBBlock lays them out.
func (kn *sgemmKernel) computeBlock(s *sgemmOp, a, ap, bb, c []float32, i0, mm, j0, nn, p0, kcb int, tmp []float32) {
	direct := kn.readsA(s)
	mr, nr, ldc := kn.mr, kn.nr, s.ldc
	mpad := roundUp(s.m, mr)
	add := p0 > 0
	for jp := j0 / nr; jp*nr < j0+nn; jp++ {
		q := jp - j0/nr
		bpan := bb[q*nr*kcb : (q+1)*nr*kcb]
		cols := min(nr, j0+nn-jp*nr)
		for ip := i0 / mr; ip*mr < i0+mm; ip++ {
			rows := min(mr, i0+mm-ip*mr)
			ci := ip*mr*ldc + jp*nr
			if direct && rows == mr {
				ar := a[ip*mr*s.lda+p0:]
				_, _ = ar[(mr-1)*s.lda+kcb-1], bpan[nr*kcb-1] // the assembly does not check
				if cols == nr {
					_ = c[ci+(mr-1)*ldc+nr-1]
					kn.direct(kcb, &ar[0], s.lda, &bpan[0], &c[ci], ldc, add)
					continue
				}
				kn.direct(kcb, &ar[0], s.lda, &bpan[0], &tmp[0], nr, false)
			} else {
				apan := ap[p0*mpad+ip*mr*kcb : p0*mpad+(ip+1)*mr*kcb]
				if rows == mr && cols == nr {
					kn.call(kcb, apan, bpan, c[ci:], ldc, add)
					continue
				}
				kn.call(kcb, apan, bpan, tmp, nr, false)
			}
			for i := range rows {
				d, t := c[ci+i*ldc:ci+i*ldc+cols], tmp[i*nr:i*nr+cols]
				if add {
					for j := range d {
						d[j] += t[j]
					}
				} else {
					copy(d, t)
				}
			}
		}
	}
}

// scratch keeps the packing buffers between products and runs. Unlike a sync.Pool it survives
// garbage collections: buffers dropped at each GC and allocated again by the next product would
// be garbage worth several packed weight matrices per forward pass, and the heap (peak RSS)
// grows with it. Best fit; a request that no buffer fits replaces the largest one.
var scratch struct {
	mu   sync.Mutex
	free []*[]float32
}

// noF32 is what getF32 gives for n = 0 (without taking a pooled buffer); putF32 ignores it.
var noF32 []float32

func getF32(n int) *[]float32 {
	if n == 0 {
		return &noF32
	}
	scratch.mu.Lock()
	best, largest := -1, -1
	for i, p := range scratch.free {
		if c := cap(*p); c >= n && (best < 0 || c < cap(*scratch.free[best])) {
			best = i
		}
		if largest < 0 || cap(*p) > cap(*scratch.free[largest]) {
			largest = i
		}
	}
	if best < 0 {
		best = largest // too small: dropped for a new one
	}
	var p *[]float32
	if best >= 0 {
		p = scratch.free[best]
		scratch.free = append(scratch.free[:best], scratch.free[best+1:]...)
	}
	scratch.mu.Unlock()
	if p == nil || cap(*p) < n {
		s := make([]float32, n)
		return &s
	}
	*p = (*p)[:n]
	return p
}

func putF32(ps ...*[]float32) {
	scratch.mu.Lock()
	for _, p := range ps {
		if p != &noF32 {
			scratch.free = append(scratch.free, p)
		}
	}
	scratch.mu.Unlock()
}

// sgemmSerial computes C = op(A)·op(B) on the calling goroutine with kernel kn.
func sgemmSerial(kn *sgemmKernel, s *sgemmOp, a, b, c []float32) {
	if s.m == 0 || s.n == 0 {
		return
	}
	ap, bp, tmp := getF32(kn.packedA(s.m, s.k)), getF32(kn.packedB(s.n, s.k)), getF32(kn.mr*kn.nr)
	lo, hi := kn.packPanelsA(s)
	kn.packA(s, a, *ap, lo, hi)
	kn.packB(s, b, *bp, 0, roundUp(s.n, kn.nr)/kn.nr)
	const rowBlock = 96 // rows per pass over B: their A panels stay in L2
	step := roundUp(rowBlock, kn.mr)
	for i0 := 0; i0 < s.m; i0 += step {
		kn.compute(s, a, *ap, *bp, c, i0, min(step, s.m-i0), 0, s.n, *tmp)
	}
	putF32(ap, bp, tmp)
}

// transpose8, where the CPU has it (gemm_amd64.go), transposes an 8×8 block: dst[j·ldd+i] =
// src[i·ld+j] for i, j < 8.
var transpose8 func(src []float32, ld int, dst []float32, ldd int)

// transpose writes the rows×cols block at src (row stride ld) transposed into dst, whose rows
// are w ≥ rows wide: dst[p·w+i] = src[i·ld+p], and zero in columns [rows, w). This is the
// packing of op(A) panels from a row-major A and of op(B) panels from Bᵀ (the nn.Linear layout).
// Rows are taken 4 at a time, so that each output row is written in runs of 4 and each input
// line is read once from L1.
func transpose(dst, src []float32, ld, rows, cols, w int) {
	dst = dst[:cols*w]
	i := 0
	if transpose8 != nil {
		for ; i+8 <= rows; i += 8 {
			p := 0
			for ; p+8 <= cols; p += 8 {
				transpose8(src[i*ld+p:], ld, dst[p*w+i:], w)
			}
			for ; p < cols; p++ {
				o := dst[p*w+i : p*w+i+8]
				for r := range o {
					o[r] = src[(i+r)*ld+p]
				}
			}
		}
	}
	for ; i+4 <= rows; i += 4 {
		s0 := src[i*ld : i*ld+cols]
		s1 := src[(i+1)*ld : (i+1)*ld+cols]
		s2 := src[(i+2)*ld : (i+2)*ld+cols]
		s3 := src[(i+3)*ld : (i+3)*ld+cols]
		for p := range s0 {
			o := dst[p*w+i : p*w+i+4]
			o[0], o[1], o[2], o[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; i < rows; i++ {
		s0 := src[i*ld : i*ld+cols]
		for p, v := range s0 {
			dst[p*w+i] = v
		}
	}
	if rows < w {
		for p := range cols {
			clear(dst[p*w+rows : (p+1)*w])
		}
	}
}
