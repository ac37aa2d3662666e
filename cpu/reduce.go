package cpu

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// reducePlan describes a reduction over a row-major input after dropping size-1 dimensions and
// merging neighbours that are both reduced or both kept. The innermost group is walked
// contiguously: when it is reduced, one output element is a sum of runs; when it is kept, a run of
// inner output elements is accumulated together, row by row. Either way every output element adds
// its inputs in row-major order of the reduced indices, whatever the partition.
type reducePlan struct {
	keptShape, keptStride []int // kept groups, without the innermost group when it is kept
	redShape, redStride   []int // reduced groups, without the innermost group when it is reduced
	inner                 int   // length of the innermost group (1 for a scalar input)
	innerReduced          bool
	count                 int // reduced elements per output element
	units                 int // parallel units: output elements, or output runs of inner
}

func newReducePlan(shape graph.Shape, axes []int) *reducePlan {
	red := make([]bool, len(shape))
	for _, a := range axes {
		red[a] = true
	}
	strides := shape.Strides()
	type group struct {
		size, stride int
		reduced      bool
	}
	var groups []group
	p := &reducePlan{count: 1}
	for i, d := range shape {
		if red[i] {
			p.count *= d
		}
		if d == 1 {
			continue
		}
		if k := len(groups) - 1; k >= 0 && groups[k].reduced == red[i] {
			groups[k].size *= d
			groups[k].stride = strides[i]
			continue
		}
		groups = append(groups, group{size: d, stride: strides[i], reduced: red[i]})
	}
	if len(groups) == 0 {
		groups = []group{{size: 1, stride: 1}}
	}
	last := groups[len(groups)-1]
	p.inner, p.innerReduced = last.size, last.reduced
	for _, g := range groups[:len(groups)-1] {
		if g.reduced {
			p.redShape = append(p.redShape, g.size)
			p.redStride = append(p.redStride, g.stride)
		} else {
			p.keptShape = append(p.keptShape, g.size)
			p.keptStride = append(p.keptStride, g.stride)
		}
	}
	p.units = 1
	for _, d := range p.keptShape {
		p.units *= d
	}
	return p
}

// offset is the input offset of the kept (or reduced) multi-index whose row-major rank is u.
func offset(u int, shape, stride []int) int {
	off := 0
	for i := len(shape) - 1; i >= 0; i-- {
		off += (u % shape[i]) * stride[i]
		u /= shape[i]
	}
	return off
}

// combos is the number of multi-indices of the reduced groups (excluding the innermost).
func (p *reducePlan) combos() int {
	n := 1
	for _, d := range p.redShape {
		n *= d
	}
	return n
}

// reduceKernel computes a ReduceOp with accumulator type A (float64 for floats, int64 for ints).
type reduceKernel[T number, A number] struct {
	r      *runner
	in     *value
	out    *value
	plan   *reducePlan
	kind   graph.ReduceKind
	lowest A
	segs   int // column segments of a kept innermost group (parallelism when few runs)
	parts  int
	acc    [][]A // per goroutine, inner accumulators (kept innermost group)
	x, y   []T
}

func newReduce[T number, A number](e *env, op graph.ReduceOp, in, out *value) *reduceKernel[T, A] {
	plan := newReducePlan(in.shape, op.Axes)
	k := &reduceKernel[T, A]{r: e.r, in: in, out: out, plan: plan, kind: op.Kind}
	var a A
	switch any(a).(type) {
	case float64:
		k.lowest = A(math.Inf(-1))
	default:
		lowest := int64(math.MinInt64)
		k.lowest = A(lowest)
	}
	k.segs = 1
	if !plan.innerReduced && plan.units < e.threads {
		k.segs = max(1, min(e.threads, plan.inner/128))
	}
	if out.size > 0 {
		units := plan.units * k.segs
		k.parts = partsFor(e.threads, units, max(plan.count, 1)*max(out.size/units, 1))
		if !plan.innerReduced {
			k.acc = make([][]A, min(k.parts, e.threads))
			for i := range k.acc {
				k.acc[i] = make([]A, plan.inner)
			}
		}
	}
	return k
}

func (k *reduceKernel[T, A]) run() error {
	k.x, k.y = slice[T](k.in), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

// finish turns an accumulator into the result (the mean divides by the count).
func (k *reduceKernel[T, A]) finish(acc A) T {
	if k.kind == graph.MeanKind {
		if c := A(k.plan.count); c != 0 || isFloat[A]() {
			return T(acc / c)
		}
		return 0
	}
	return T(acc)
}

func isFloat[A number]() bool {
	var a A = 1
	return a/2 != 0
}

func (k *reduceKernel[T, A]) part(p, w int) {
	pl := k.plan
	lo, hi := split(pl.units*k.segs, k.parts, p)
	n := pl.inner
	combos := pl.combos()
	isMax := k.kind == graph.ReduceMaxKind
	if pl.innerReduced {
		for u := lo; u < hi; u++ {
			base := offset(u, pl.keptShape, pl.keptStride)
			var acc A
			if isMax {
				acc = k.lowest
			}
			for c := 0; c < combos; c++ {
				off := base + offset(c, pl.redShape, pl.redStride)
				run := k.x[off : off+n]
				if isMax {
					for _, v := range run {
						acc = max(acc, A(v))
					}
				} else {
					for _, v := range run {
						acc += A(v)
					}
				}
			}
			k.y[u] = k.finish(acc)
		}
		return
	}
	for us := lo; us < hi; us++ {
		u, seg := us/k.segs, us%k.segs
		c0, c1 := split(n, k.segs, seg)
		acc := k.acc[w][:c1-c0]
		base := offset(u, pl.keptShape, pl.keptStride) + c0
		init := A(0)
		if isMax {
			init = k.lowest
		}
		for j := range acc {
			acc[j] = init
		}
		for c := 0; c < combos; c++ {
			off := base + offset(c, pl.redShape, pl.redStride)
			run := k.x[off : off+len(acc)]
			if isMax {
				for j, v := range run {
					acc[j] = max(acc[j], A(v))
				}
			} else {
				for j, v := range run {
					acc[j] += A(v)
				}
			}
		}
		y := k.y[u*n+c0 : u*n+c1]
		for j := range y {
			y[j] = k.finish(acc[j])
		}
	}
}
