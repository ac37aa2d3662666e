package cpu

import "github.com/bridgetower-go/bt/graph"

// attentionKernel is AttentionOp per (batch, head): scores = q·kᵀ (gemm tiles, as MatMulT),
// scores·scale (+ mask), softmax over each row, then scores·v, the same operations in the same
// order as AttentionOp.Decompose. Each goroutine has its own [Tq, Tk] scores buffer. q, k, v, the
// mask and the output are addressed through their placements (views of [B T H D] projections,
// a broadcast mask, an output stored as [B T H Dv]): rows of q, k, v and the output must be
// contiguous, their row strides are the products' leading dimensions. With dropout, each
// probability is then kept and scaled or zeroed exactly as DropoutOp does with the uniform of its
// flat [B, H, Tq, Tk] index.
type attentionKernel[T float] struct {
	r                  *runner
	q, k, v, mask, out *value
	bh, heads          int
	tq, tk, dh, dv     int
	scale              T
	maskOff            int
	maskStride         [4]int
	at                 [4]placed // q, k, v, out
	exp                func(T) T
	f                  gemmFn[T]
	qk, pv             tiling
	scores, pack       [][]T // per goroutine
	parts              int
	qs, ks, vs, ms, ys []T

	rate, keepScale T      // attention dropout (rate 0: none)
	seed, key       uint64 // key: randomKey(seed, step) of the run
	stepIn          *value
	uniform         func(key, i uint64) T
}

func newAttention[T float](e *env, op graph.AttentionOp, ins []*value, out *value) *attentionKernel[T] {
	q, k, v := ins[0], ins[1], ins[2]
	a := &attentionKernel[T]{r: e.r, q: q, k: k, v: v, out: out,
		bh: q.shape[0] * q.shape[1], heads: q.shape[1],
		tq: q.shape[2], tk: k.shape[2], dh: q.shape[3], dv: v.shape[3],
		scale: T(op.Scale), f: gemmFor[T](e.mm), exp: expOf[T]()}
	if op.HasMask {
		a.mask = ins[3]
		off, st := a.mask.placement()
		a.maskOff = off
		for i, d := range a.mask.shape {
			if d != 1 {
				a.maskStride[i] = st[i]
			}
		}
	}
	for i, x := range []*value{q, k, v, out} {
		a.at[i] = placedOf(x)
	}
	if op.Dropout != 0 {
		a.rate, a.keepScale, a.seed, a.stepIn = T(op.Dropout), T(1/(1-op.Dropout)), op.Seed, ins[len(ins)-1]
		a.uniform = uniformAt[T]()
	}
	a.qk = newTiling(e.mm, false, true, a.tq, a.tk, a.dh)
	a.qk.lda, a.qk.ldb = a.at[0].ld, a.at[1].ld
	a.pv = newTiling(e.mm, false, false, a.tq, a.dv, a.tk)
	a.pv.ldb, a.pv.ldc = a.at[2].ld, a.at[3].ld
	a.parts = partsFor(balance*e.threads, a.bh, a.tq*a.tk*(a.dh+a.dv+8))
	slots := min(a.parts, e.threads)
	a.scores, a.pack = make([][]T, slots), make([][]T, slots)
	for i := range a.scores {
		a.scores[i] = make([]T, a.tq*a.tk)
		a.pack[i] = make([]T, a.pv.packSize())
	}
	return a
}

func (a *attentionKernel[T]) run() error {
	a.qs, a.ks, a.vs, a.ys = whole[T](a.q), whole[T](a.k), whole[T](a.v), whole[T](a.out)
	if a.mask != nil {
		a.ms = whole[T](a.mask)
	}
	if a.stepIn != nil {
		a.key = randomKey(a.seed, uint64(slice[int64](a.stepIn)[0]))
	}
	a.r.do(a, a.parts)
	return nil
}

func (a *attentionKernel[T]) part(p, w int) {
	lo, hi := split(a.bh, a.parts, p)
	s := a.scores[w]
	tq, tk, dv := a.tq, a.tk, a.dv
	for bh := lo; bh < hi; bh++ {
		b, h := bh/a.heads, bh%a.heads
		q := a.qs[a.at[0].at(b, h):]
		k := a.ks[a.at[1].at(b, h):]
		v := a.vs[a.at[2].at(b, h):]
		y := a.ys[a.at[3].at(b, h):]
		if tk == 0 {
			for i := 0; i < tq; i++ {
				clear(y[i*a.at[3].ld : i*a.at[3].ld+dv])
			}
			continue
		}
		tileRange(&a.qk, a.f, q, k, s, nil, 0, a.qk.tiles())
		mb := a.maskOff + b*a.maskStride[0] + h*a.maskStride[1]
		for i := 0; i < tq; i++ {
			row := s[i*tk : (i+1)*tk]
			if a.mask != nil {
				mo, ms := mb+i*a.maskStride[2], a.maskStride[3]
				for j := range row {
					row[j] = T(row[j]*a.scale) + a.ms[mo+j*ms]
				}
			} else {
				for j := range row {
					row[j] *= a.scale
				}
			}
			softmaxRow(row, row, a.exp)
			if a.stepIn != nil {
				base := uint64((bh*tq + i) * tk)
				for j := range row {
					if a.uniform(a.key, base+uint64(j)) >= a.rate {
						row[j] *= a.keepScale
					} else {
						row[j] = 0
					}
				}
			}
		}
		tileRange(&a.pv, a.f, s, v, y, a.pack[w], 0, a.pv.tiles())
	}
}

// placed is where the [T D] matrix of (batch, head) starts in a [B H T D] value's buffer, and
// its row stride.
type placed struct {
	off, sb, sh, ld int
}

func placedOf(v *value) placed {
	off, st := v.placement()
	p := placed{off: off, sb: st[0], sh: st[1], ld: st[2]}
	if v.shape[2] <= 1 {
		p.ld = max(v.shape[3], 1) // one row: any stride will do, the gemm wants at least the row length
	}
	return p
}

func (p placed) at(b, h int) int { return p.off + b*p.sb + h*p.sh }
