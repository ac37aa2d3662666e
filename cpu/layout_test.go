package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// unravel turns a row-major rank into a multi-index of shape.
func unravel(i int, shape graph.Shape) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

func ravel(idx []int, shape graph.Shape) int {
	off := 0
	for d, v := range idx {
		off = off*shape[d] + v
	}
	return off
}

// Layout ops and reductions on shapes large enough to be split across threads, with dimensions
// that merge and that do not, against index-by-index float64 loops.
func TestLayoutAndReduceLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shape := graph.Shape{6, 1, 35, 4, 33}
	g := graph.New()
	x := g.Input("x", graph.F64, shape)
	xv := randomTensor(rng, graph.F64, shape)
	xs := xv.Float64s()
	type check struct {
		name string
		node *graph.Node
		want func(out graph.Shape) []float64
	}
	var checks []check
	for _, perm := range [][]int{{4, 3, 2, 1, 0}, {0, 2, 1, 4, 3}, {2, 0, 1, 3, 4}, {0, 1, 3, 2, 4}} {
		checks = append(checks, check{fmt.Sprint("transpose", perm), graph.Transpose(x, perm...), func(out graph.Shape) []float64 {
			w := make([]float64, out.Size())
			for i := range w {
				o := unravel(i, out)
				in := make([]int, len(o))
				for d, p := range perm {
					in[p] = o[d]
				}
				w[i] = xs[ravel(in, shape)]
			}
			return w
		}})
	}
	starts, ends := []int{1, 0, 3, 0, 5}, []int{5, 1, 30, 3, 33}
	checks = append(checks, check{"slice", graph.Slice(x, starts, ends), func(out graph.Shape) []float64 {
		w := make([]float64, out.Size())
		for i := range w {
			o := unravel(i, out)
			for d := range o {
				o[d] += starts[d]
			}
			w[i] = xs[ravel(o, shape)]
		}
		return w
	}})
	low, high := []int{0, 2, 1, 0, 3}, []int{1, 0, 2, 1, 0}
	checks = append(checks, check{"pad", graph.Pad(x, low, high), func(out graph.Shape) []float64 {
		w := make([]float64, out.Size())
		for i := range w {
			o := unravel(i, out)
			inside := true
			for d := range o {
				o[d] -= low[d]
				inside = inside && o[d] >= 0 && o[d] < shape[d]
			}
			if inside {
				w[i] = xs[ravel(o, shape)]
			}
		}
		return w
	}})
	head := graph.SliceAxis(x, 2, 0, 10)
	checks = append(checks, check{"concat", graph.Concat(2, x, head, x), func(out graph.Shape) []float64 {
		w := make([]float64, out.Size())
		for i := range w {
			o := unravel(i, out)
			switch {
			case o[2] < 35:
			case o[2] < 45:
				o[2] -= 35
			default:
				o[2] -= 45
			}
			w[i] = xs[ravel(o, shape)]
		}
		return w
	}})
	bshape := graph.Shape{6, 3, 35, 4, 33}
	bin := graph.SliceAxis(graph.SliceAxis(x, 3, 0, 1), 0, 2, 3) // [1 1 35 1 33]
	checks = append(checks, check{"broadcast", graph.BroadcastTo(bin, bshape), func(out graph.Shape) []float64 {
		w := make([]float64, out.Size())
		for i := range w {
			o := unravel(i, out)
			o[0], o[1], o[3] = 2, 0, 0
			w[i] = xs[ravel(o, shape)]
		}
		return w
	}})
	for _, axes := range [][]int{{0}, {4}, {2}, {0, 2}, {1, 3}, {0, 2, 4}, {2, 3}, {0, 1, 2, 3, 4}, {1}} {
		for _, kind := range []graph.ReduceKind{graph.SumKind, graph.MeanKind, graph.ReduceMaxKind} {
			var n *graph.Node
			switch kind {
			case graph.SumKind:
				n = graph.ReduceSum(x, axes...)
			case graph.MeanKind:
				n = graph.ReduceMean(x, axes...)
			default:
				n = graph.ReduceMax(x, axes...)
			}
			checks = append(checks, check{fmt.Sprint(kind, axes), n, func(out graph.Shape) []float64 {
				red := map[int]bool{}
				count := 1
				for _, a := range axes {
					red[a] = true
					count *= shape[a]
				}
				w := make([]float64, out.Size())
				seen := make([]bool, len(w))
				for i, v := range xs {
					idx := unravel(i, shape)
					var kept []int
					for d, j := range idx {
						if !red[d] {
							kept = append(kept, j)
						}
					}
					o := ravel(kept, out)
					if kind == graph.ReduceMaxKind {
						if !seen[o] || v > w[o] {
							w[o] = v
						}
					} else {
						w[o] += v
					}
					seen[o] = true
				}
				if kind == graph.MeanKind {
					for i := range w {
						w[i] /= float64(count)
					}
				}
				return w
			}})
		}
	}
	var nodes []*graph.Node
	for _, c := range checks {
		nodes = append(nodes, c.node)
	}
	got := eval(t, 3, g, map[*graph.Node]*graph.Tensor{x: xv}, nodes...)
	for i, c := range checks {
		want := c.want(c.node.Shape())
		if d := maxRelDiff(got[i], graph.FromFloat64(c.node.Shape(), want)); d > 1e-13 {
			t.Errorf("%s: max relative difference %g", c.name, d)
		}
	}
}

// Gather and ScatterAdd with many rows and indices, against plain loops.
func TestGatherScatterLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const rows, width, n = 500, 96, 700
	g := graph.New()
	table := g.Input("table", graph.F32, graph.Shape{rows, 2, width / 2})
	ids := g.Input("ids", graph.I32, graph.Shape{n / 7, 7})
	tv := randomTensor(rng, graph.F32, graph.Shape{rows, 2, width / 2})
	iv := make([]int32, n)
	for i := range iv {
		iv[i] = rng.Int32N(rows)
	}
	gathered := graph.Gather(table, ids)
	scattered := graph.ScatterAdd(ids, gathered, rows)
	got := eval(t, 3, g, map[*graph.Node]*graph.Tensor{table: tv, ids: graph.FromInt32(graph.Shape{n / 7, 7}, iv)}, gathered, scattered)
	td := tv.Float64s()
	wg := make([]float64, n*width)
	ws := make([]float64, rows*width)
	for i, r := range iv {
		for j := range width {
			wg[i*width+j] = td[int(r)*width+j]
			ws[int(r)*width+j] += td[int(r)*width+j]
		}
	}
	if d := maxRelDiff(got[0], graph.FromFloat64(gathered.Shape(), wg)); d != 0 {
		t.Errorf("gather: max relative difference %g", d)
	}
	if d := maxRelDiff(got[1], graph.FromFloat64(scattered.Shape(), ws)); d > 1e-6 {
		t.Errorf("scatter_add: max relative difference %g", d)
	}
}
