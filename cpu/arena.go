package cpu

import (
	"sort"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the memory plan. The internal buffers of an executable (one per value that is not
// computed in place, with the steps during which it is live: buffer.from..to) are laid out in one
// allocation per dtype, the arena; two buffers share memory only when their lifetimes do not
// overlap. A buffer read by step s and one written by step s are both live at s, so a kernel
// never finds its result in the memory of an operand it reads (in-place results share their
// operand's buffer by construction, assign). The layout is greedy by size: largest buffer first,
// each into the smallest gap left between the already placed buffers it overlaps in time (or on
// top of them). The arena is at least the largest total of buffers live at one step
// (peakLive) and in practice close to it; reusing whole buffers from a free list instead cannot
// split a large dead buffer between smaller values, nor merge small dead ones for a large one.

// arenaAlign is the alignment of every buffer in its arena, in bytes (a cache line).
const arenaAlign = 64

// arrange places the internal buffers and allocates the arenas.
func (x *executable) arrange() {
	byType := map[graph.DType][]*buffer{}
	var types []graph.DType
	for _, b := range x.internal {
		if byType[b.dtype] == nil {
			types = append(types, b.dtype)
		}
		byType[b.dtype] = append(byType[b.dtype], b)
	}
	x.arenas = x.arenas[:0]
	for _, dt := range types {
		bs := byType[dt]
		n := layout(bs, max(1, arenaAlign/dt.Size()))
		arena := graph.NewTensor(dt, graph.Shape{n}).Data
		x.arenas = append(x.arenas, arena)
		for _, b := range bs {
			b.data = subSlice(arena, b.off, b.off+b.size)
		}
	}
}

// layout sets the offset of each buffer (sizes rounded up to align elements) so that buffers with
// overlapping lifetimes are disjoint, and returns the arena's length in elements.
func layout(bs []*buffer, align int) int {
	padded := func(b *buffer) int { return (b.size + align - 1) / align * align }
	order := append([]*buffer(nil), bs...)
	sort.SliceStable(order, func(i, j int) bool {
		if a, b := padded(order[i]), padded(order[j]); a != b {
			return a > b
		}
		return order[i].from < order[j].from
	})
	var placed []*buffer // by offset
	total := 0
	var clash []*buffer
	for _, b := range order {
		n := padded(b)
		clash = clash[:0]
		for _, p := range placed {
			if p.from <= b.to && b.from <= p.to {
				clash = append(clash, p)
			}
		}
		// The smallest gap between the clashing buffers (sorted by offset) that holds n, else the
		// top of the highest.
		off, best, top := -1, -1, 0
		for _, p := range clash {
			if gap := p.off - top; gap >= n && (best < 0 || gap < best) {
				off, best = top, gap
			}
			top = max(top, p.off+padded(p))
		}
		if off < 0 {
			off = top
		}
		b.off = off
		i := sort.Search(len(placed), func(i int) bool { return placed[i].off > off })
		placed = append(placed, nil)
		copy(placed[i+1:], placed[i:])
		placed[i] = b
		total = max(total, off+n)
	}
	return total
}

// peakLive is the largest total of padded buffer sizes live at one step: no layout of bs is
// smaller.
func peakLive(bs []*buffer, align int) int {
	type event struct{ at, delta int }
	var ev []event
	for _, b := range bs {
		n := (b.size + align - 1) / align * align
		ev = append(ev, event{b.from, n})
		if b.to != never {
			ev = append(ev, event{b.to + 1, -n})
		}
	}
	sort.Slice(ev, func(i, j int) bool {
		if ev[i].at != ev[j].at {
			return ev[i].at < ev[j].at
		}
		return ev[i].delta < ev[j].delta
	})
	cur, peak := 0, 0
	for _, e := range ev {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}

// subSlice is data[lo:hi:hi] of a typed slice held in an interface.
func subSlice(data any, lo, hi int) any {
	switch d := data.(type) {
	case []float32:
		return d[lo:hi:hi]
	case []float64:
		return d[lo:hi:hi]
	case []uint16:
		return d[lo:hi:hi]
	case []int32:
		return d[lo:hi:hi]
	case []int64:
		return d[lo:hi:hi]
	case []bool:
		return d[lo:hi:hi]
	case []uint8:
		return d[lo:hi:hi]
	}
	panic("cpu: subSlice of unknown data")
}
