package graphtest

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// tieCases pin the gradient at the kinks of max, min, reduce_max and abs, where finite
// differences do not apply: ties split the adjoint evenly (as torch does), and |x|' = 0 at 0.
func tieCases() []*opCase {
	sign := func(v float64) float64 { return b2f(v > 0) - b2f(v < 0) }
	binTie := func(name string, k graph.BinaryKind, f func(a, b *graph.Node) *graph.Node, first func(a, b float64) bool) *opCase {
		pick := func(a, b float64) float64 {
			if first(a, b) || a == b {
				return a
			}
			return b
		}
		share := func(a, b float64) float64 {
			switch {
			case a == b:
				return 0.5
			case first(a, b):
				return 1
			}
			return 0
		}
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.BinaryOp{Kind: k}},
			args:   []arg{{name: "a", dtype: T, shape: graph.Shape{3, 5}, gen: choice(0, 1)}, {name: "b", dtype: T, shape: graph.Shape{3, 5}, gen: choice(0, 1)}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0], x[1])} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{map2(x[0], x[1], pick)} },
			exact:  true,
			gradRef: func(x, w tensors) tensors {
				ga := mapN(func(v []float64) float64 { return v[2] * share(v[0], v[1]) }, x[0], x[1], w[0])
				gb := mapN(func(v []float64) float64 { return v[2] * share(v[1], v[0]) }, x[0], x[1], w[0])
				return tensors{ga, gb}
			},
		}
	}
	return []*opCase{
		binTie("max_ties", graph.MaxKind, graph.Max, func(a, b float64) bool { return a > b }),
		binTie("min_ties", graph.MinKind, graph.Min, func(a, b float64) bool { return a < b }),
		{
			name:   "reduce_max_ties",
			covers: []graph.Op{graph.ReduceOp{Kind: graph.ReduceMaxKind}},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{4, 5}, gen: choice(0, 1, 2)}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.ReduceMax(x[0], 1)} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{refReduce(x[0], "max", 1)} },
			exact:  true,
			gradRef: func(x, w tensors) tensors {
				m := refReduce(x[0], "max", 1)
				g := newTensor(x[0].shape)
				for i := 0; i < 4; i++ {
					row := x[0].data[i*5 : (i+1)*5]
					count := 0.0
					for _, v := range row {
						count += b2f(v == m.data[i])
					}
					for j, v := range row {
						g.data[i*5+j] = w[0].data[i] * b2f(v == m.data[i]) / count
					}
				}
				return tensors{g}
			},
		},
		{
			name:   "abs_zero",
			covers: []graph.Op{graph.UnaryOp{Kind: graph.AbsKind}},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{3, 5}, gen: choice(-1, 0, 1)}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Abs(x[0])} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], math.Abs)} },
			exact:  true,
			gradRef: func(x, w tensors) tensors {
				return tensors{map2(w[0], x[0], func(w, v float64) float64 { return w * sign(v) })}
			},
		},
	}
}
