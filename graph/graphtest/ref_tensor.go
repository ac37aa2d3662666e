package graphtest

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// tensor is the reference value: float64 data in row-major order, whatever the dtype it stands
// for (integers and booleans are held exactly as float64).
type tensor struct {
	shape graph.Shape
	data  []float64
}

func newTensor(shape graph.Shape) *tensor {
	return &tensor{shape: shape.Clone(), data: make([]float64, shape.Size())}
}

// index returns the flat offset of a multi-index.
func (t *tensor) index(idx []int) int {
	off := 0
	for i, d := range t.shape {
		off = off*d + idx[i]
	}
	return off
}

// unravel writes the multi-index of flat offset i of shape s into idx.
func unravel(s graph.Shape, i int, idx []int) {
	for d := len(s) - 1; d >= 0; d-- {
		if s[d] == 0 {
			return
		}
		idx[d] = i % s[d]
		i /= s[d]
	}
}

// broadcastIndex maps an index of the output shape to the offset of t (NumPy alignment).
func (t *tensor) broadcastIndex(out graph.Shape, idx []int) int {
	off := 0
	lead := len(out) - len(t.shape)
	for i, d := range t.shape {
		j := idx[lead+i]
		if d == 1 {
			j = 0
		}
		off = off*d + j
	}
	return off
}

// refBroadcastShape is the NumPy broadcast of several shapes.
func refBroadcastShape(shapes ...graph.Shape) graph.Shape {
	n := 0
	for _, s := range shapes {
		n = max(n, len(s))
	}
	out := make(graph.Shape, n)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for i, d := range s {
			j := n - len(s) + i
			if d != 1 {
				if out[j] != 1 && out[j] != d {
					panic(fmt.Sprintf("graphtest: reference shapes %v do not broadcast", shapes))
				}
				out[j] = d
			}
		}
	}
	return out
}

// mapN applies f elementwise to broadcast operands.
func mapN(f func(v []float64) float64, xs ...*tensor) *tensor {
	shapes := make([]graph.Shape, len(xs))
	for i, x := range xs {
		shapes[i] = x.shape
	}
	out := newTensor(refBroadcastShape(shapes...))
	idx := make([]int, len(out.shape))
	v := make([]float64, len(xs))
	for i := range out.data {
		unravel(out.shape, i, idx)
		for j, x := range xs {
			v[j] = x.data[x.broadcastIndex(out.shape, idx)]
		}
		out.data[i] = f(v)
	}
	return out
}

func map1(x *tensor, f func(float64) float64) *tensor {
	return mapN(func(v []float64) float64 { return f(v[0]) }, x)
}

func map2(a, b *tensor, f func(a, b float64) float64) *tensor {
	return mapN(func(v []float64) float64 { return f(v[0], v[1]) }, a, b)
}

// refReduce reduces x over axes with kind "sum", "mean" or "max".
func refReduce(x *tensor, kind string, axes ...int) *tensor {
	if len(axes) == 0 {
		for i := range x.shape {
			axes = append(axes, i)
		}
	}
	red := make([]bool, len(x.shape))
	for _, a := range axes {
		if a < 0 {
			a += len(x.shape)
		}
		red[a] = true
	}
	var outShape graph.Shape
	count := 1
	for i, d := range x.shape {
		if red[i] {
			count *= d
		} else {
			outShape = append(outShape, d)
		}
	}
	out := newTensor(outShape)
	seen := make([]bool, len(out.data))
	idx := make([]int, len(x.shape))
	oidx := make([]int, 0, len(x.shape))
	for i, v := range x.data {
		unravel(x.shape, i, idx)
		oidx = oidx[:0]
		for d := range idx {
			if !red[d] {
				oidx = append(oidx, idx[d])
			}
		}
		o := out.index(oidx)
		switch {
		case kind == "max" && (!seen[o] || v > out.data[o]):
			out.data[o] = v
		case kind != "max":
			out.data[o] += v
		}
		seen[o] = true
	}
	if kind == "mean" {
		for i := range out.data {
			out.data[i] /= float64(count)
		}
	}
	return out
}

// refMatMul multiplies the last two dimensions with batch broadcasting; ta/tb mean the operand is
// stored with its last two dimensions swapped.
func refMatMul(a, b *tensor, ta, tb bool) *tensor {
	ra, rb := len(a.shape), len(b.shape)
	m, k := a.shape[ra-2], a.shape[ra-1]
	if ta {
		m, k = k, m
	}
	n := b.shape[rb-1]
	if tb {
		n = b.shape[rb-2]
	}
	batch := refBroadcastShape(a.shape[:ra-2], b.shape[:rb-2])
	out := newTensor(append(batch.Clone(), m, n))
	bidx := make([]int, len(batch))
	nb := batch.Size()
	aBatch := &tensor{shape: a.shape[:ra-2]}
	bBatch := &tensor{shape: b.shape[:rb-2]}
	for p := 0; p < nb; p++ {
		unravel(batch, p, bidx)
		ao := aBatch.broadcastIndex(batch, bidx) * a.shape[ra-2] * a.shape[ra-1]
		bo := bBatch.broadcastIndex(batch, bidx) * b.shape[rb-2] * b.shape[rb-1]
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for q := 0; q < k; q++ {
					av := a.data[ao+i*k+q]
					if ta {
						av = a.data[ao+q*m+i]
					}
					bv := b.data[bo+q*n+j]
					if tb {
						bv = b.data[bo+j*k+q]
					}
					s += av * bv
				}
				out.data[(p*m+i)*n+j] = s
			}
		}
	}
	return out
}
