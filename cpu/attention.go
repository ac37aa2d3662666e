package cpu

import "github.com/bridgetower-go/bt/graph"

// attentionKernel is AttentionOp per (batch, head): scores = q·kᵀ (gemm tiles, as MatMulT),
// scores·scale (+ mask), softmax over each row, then scores·v, the same operations in the same
// order as AttentionOp.Decompose. Each goroutine has its own [Tq, Tk] scores buffer. With
// dropout, each probability is then kept and scaled or zeroed exactly as DropoutOp does with
// the uniform of its flat [B, H, Tq, Tk] index.
type attentionKernel[T float] struct {
	r                  *runner
	q, k, v, mask, out *value
	bh, heads          int
	tq, tk, dh, dv     int
	scale              T
	maskStride         [4]int
	f                  gemmFn[T]
	qk, pv             tiling
	scores, pack       [][]T // per goroutine
	parts              int
	qs, ks, vs, ms, ys []T

	rate, keepScale T // attention dropout (rate 0: none)
	seed, step      uint64
	stepIn          *value
	uniform         func(seed, step, i uint64) T
}

func newAttention[T float](e *env, op graph.AttentionOp, ins []*value, out *value) *attentionKernel[T] {
	q, k, v := ins[0], ins[1], ins[2]
	a := &attentionKernel[T]{r: e.r, q: q, k: k, v: v, out: out,
		bh: q.shape[0] * q.shape[1], heads: q.shape[1],
		tq: q.shape[2], tk: k.shape[2], dh: q.shape[3], dv: v.shape[3],
		scale: T(op.Scale), f: gemmFor[T](e.mm)}
	if op.HasMask {
		a.mask = ins[3]
		st := a.mask.shape.Strides()
		for i, d := range a.mask.shape {
			if d != 1 {
				a.maskStride[i] = st[i]
			}
		}
	}
	if op.Dropout != 0 {
		a.rate, a.keepScale, a.seed, a.stepIn = T(op.Dropout), T(1/(1-op.Dropout)), op.Seed, ins[len(ins)-1]
		a.uniform = uniformFor[T]()
	}
	a.qk = newTiling(e.mm, false, true, a.tq, a.tk, a.dh)
	a.pv = newTiling(e.mm, false, false, a.tq, a.dv, a.tk)
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
	a.qs, a.ks, a.vs, a.ys = slice[T](a.q), slice[T](a.k), slice[T](a.v), slice[T](a.out)
	if a.mask != nil {
		a.ms = slice[T](a.mask)
	}
	if a.stepIn != nil {
		a.step = uint64(slice[int64](a.stepIn)[0])
	}
	a.r.do(a, a.parts)
	return nil
}

func (a *attentionKernel[T]) part(p, w int) {
	lo, hi := split(a.bh, a.parts, p)
	s := a.scores[w]
	tq, tk, dh, dv := a.tq, a.tk, a.dh, a.dv
	for bh := lo; bh < hi; bh++ {
		q := a.qs[bh*tq*dh : (bh+1)*tq*dh]
		k := a.ks[bh*tk*dh : (bh+1)*tk*dh]
		v := a.vs[bh*tk*dv : (bh+1)*tk*dv]
		y := a.ys[bh*tq*dv : (bh+1)*tq*dv]
		if tk == 0 {
			clear(y)
			continue
		}
		tileRange(&a.qk, a.f, q, k, s, nil, 0, a.qk.tiles())
		mb := (bh/a.heads)*a.maskStride[0] + (bh%a.heads)*a.maskStride[1]
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
			softmaxRow(row, row)
			if a.stepIn != nil {
				base := uint64((bh*tq + i) * tk)
				for j := range row {
					if a.uniform(a.seed, a.step, base+uint64(j)) >= a.rate {
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

// uniformFor is graph.RandomFloat32 or graph.RandomFloat64, as the dropout mask of a T tensor.
func uniformFor[T float]() func(seed, step, i uint64) T {
	var f any
	switch any(T(0)).(type) {
	case float32:
		f = graph.RandomFloat32
	default:
		f = graph.RandomFloat64
	}
	return f.(func(seed, step, i uint64) T)
}
