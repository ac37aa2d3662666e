package cpu

import (
	"github.com/bridgetower-go/bt/graph"
)

const maxRank = 16 // iteration rank after merging dimensions

// copyPlan copies a box of elements between two strided layouts: for every index i of shape,
// dst[dstOff + i·dstStrides] = src[srcOff + i·srcStrides]. Dimensions of size 1 are dropped and
// neighbours that are contiguous in both layouts merged, so the innermost loop is as long as
// possible. Rows (all dimensions but the last) are the unit of parallel work.
type copyPlan struct {
	shape, src, dst []int
	srcOff, dstOff  int
	rows, inner     int
}

func newCopyPlan(shape, srcStrides, dstStrides []int, srcOff, dstOff int) *copyPlan {
	p := &copyPlan{srcOff: srcOff, dstOff: dstOff}
	total := 1
	for i, d := range shape {
		total *= d
		if d == 1 {
			continue
		}
		if k := len(p.shape) - 1; k >= 0 && p.src[k] == srcStrides[i]*d && p.dst[k] == dstStrides[i]*d {
			p.shape[k] *= d
			p.src[k], p.dst[k] = srcStrides[i], dstStrides[i]
			continue
		}
		p.shape = append(p.shape, d)
		p.src = append(p.src, srcStrides[i])
		p.dst = append(p.dst, dstStrides[i])
	}
	if total == 0 {
		p.shape, p.src, p.dst = nil, nil, nil
		return p
	}
	if len(p.shape) == 0 {
		p.shape, p.src, p.dst = []int{1}, []int{1}, []int{1}
	}
	p.inner = p.shape[len(p.shape)-1]
	p.rows = total / p.inner
	return p
}

// rank is the merged iteration rank (checked against maxRank at compile time).
func (p *copyPlan) rank() int { return len(p.shape) }

// copyRows copies rows [lo, hi) of the plan.
func copyRows[T elem](p *copyPlan, dst, src []T, lo, hi int) {
	if lo >= hi {
		return
	}
	r := len(p.shape) - 1
	var idx [maxRank]int
	s, d := p.srcOff, p.dstOff
	rem := lo
	for i := r - 1; i >= 0; i-- {
		idx[i] = rem % p.shape[i]
		rem /= p.shape[i]
		s += idx[i] * p.src[i]
		d += idx[i] * p.dst[i]
	}
	n, ss, ds := p.inner, p.src[r], p.dst[r]
	for row := lo; row < hi; row++ {
		switch {
		case ss == 1 && ds == 1:
			copy(dst[d:d+n], src[s:s+n])
		case ss == 0:
			v := src[s]
			for j := 0; j < n; j++ {
				dst[d+j*ds] = v
			}
		default:
			for j := 0; j < n; j++ {
				dst[d+j*ds] = src[s+j*ss]
			}
		}
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			s += p.src[i]
			d += p.dst[i]
			if idx[i] < p.shape[i] {
				break
			}
			s -= idx[i] * p.src[i]
			d -= idx[i] * p.dst[i]
			idx[i] = 0
		}
	}
}

// layoutKernel runs copy plans from its operands into the output (transpose, slice, broadcast,
// concat, pad), after zeroing the output when the plans do not cover it (pad).
type layoutKernel[T elem] struct {
	r      *runner
	ins    []*value
	out    *value
	plans  []*copyPlan // plans[i] reads ins[i]
	parts  []int
	zero   bool
	zparts int

	phase int // -1: zeroing, else the plan running
	y, x  []T
}

func (k *layoutKernel[T]) run() error {
	k.y = slice[T](k.out)
	if k.zero {
		k.phase = -1
		k.r.do(k, k.zparts)
	}
	for i := range k.plans {
		k.phase, k.x = i, whole[T](k.ins[i])
		k.r.do(k, k.parts[i])
	}
	k.x = nil
	return nil
}

func (k *layoutKernel[T]) part(p, _ int) {
	if k.phase < 0 {
		lo, hi := split(len(k.y), k.zparts, p)
		clear(k.y[lo:hi])
		return
	}
	plan := k.plans[k.phase]
	lo, hi := split(plan.rows, k.parts[k.phase], p)
	copyRows(plan, k.y, k.x, lo, hi)
}

func (k *layoutKernel[T]) add(e *env, in *value, plan *copyPlan) {
	k.ins = append(k.ins, in)
	k.plans = append(k.plans, plan)
	k.parts = append(k.parts, partsFor(e.threads, plan.rows, plan.inner))
}

// layoutPlans builds the copy plans of a layout op from the output's point of view, reading
// each operand through its placement (it may be a view).
func layoutPlans(n *graph.Node, ins []*value, out *value) (plans []*copyPlan, zero bool) {
	outStrides := out.shape.Strides()
	switch n.Op().(type) {
	case graph.TransposeOp, graph.SliceOp, graph.BroadcastOp:
		off, src, _ := layoutView(n, ins[0])
		return []*copyPlan{newCopyPlan(out.shape, src, outStrides, off, 0)}, false
	case graph.PadOp:
		op := n.Op().(graph.PadOp)
		off := 0
		for i, l := range op.Low {
			off += l * outStrides[i]
		}
		srcOff, src := ins[0].placement()
		return []*copyPlan{newCopyPlan(ins[0].shape, src, outStrides, srcOff, off)}, true
	case graph.ConcatOp:
		op := n.Op().(graph.ConcatOp)
		at := 0
		for _, in := range ins {
			srcOff, src := in.placement()
			plans = append(plans, newCopyPlan(in.shape, src, outStrides, srcOff, at*outStrides[op.Axis]))
			at += in.shape[op.Axis]
		}
		return plans, false
	}
	return nil, false
}

func newLayout[T elem](e *env, n *graph.Node, ins []*value, out *value) *layoutKernel[T] {
	plans, zero := layoutPlans(n, ins, out)
	k := &layoutKernel[T]{r: e.r, out: out, zero: zero, zparts: partsFor(e.threads, out.size, 1)}
	for i, p := range plans {
		k.add(e, ins[i], p)
	}
	return k
}

// copyKernel copies a value into another buffer of the same size (outputs that must not alias).
type copyKernel[T elem] struct {
	r       *runner
	in, out *value
	parts   int
	x, y    []T
}

func (k *copyKernel[T]) run() error {
	k.x, k.y = slice[T](k.in), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *copyKernel[T]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	copy(k.y[lo:hi], k.x[lo:hi])
}
