package graphtest

import "github.com/bridgetower-go/bt/graph"

// constValues is the content of the const case in dtype dt: 0.5·i - 1.25, truncated for
// integer dtypes.
func constValues(dt graph.DType, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = roundTo(dt, 0.5*float64(i)-1.25)
	}
	return v
}

func refIota(shape graph.Shape, axis int) *tensor {
	t := newTensor(shape)
	idx := make([]int, len(shape))
	for i := range t.data {
		unravel(shape, i, idx)
		t.data[i] = float64(idx[axis])
	}
	return t
}

func leafCases() []*opCase {
	cs := []*opCase{
		{
			name:   "param",
			covers: []graph.Op{graph.ParamOp{}},
			args:   []arg{{name: "w", dtype: T, shape: graph.Shape{2, 3}}},
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return x },
			ref:    func(_ graph.DType, x tensors) tensors { return x },
			exact:  true,
		},
		{
			name:   "input",
			covers: []graph.Op{graph.InputOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I32, graph.Bool, graph.U8},
			args: []arg{
				{name: "x", dtype: T, shape: graph.Shape{3, 1, 2}, gen: ints(0, 2), input: true},
				{name: "y", dtype: T, shape: graph.Shape{}, gen: ints(0, 2), input: true},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{x[1], x[0]} },
			ref:   func(_ graph.DType, x tensors) tensors { return tensors{x[1], x[0]} },
			exact: true,
		},
		{
			name:   "const",
			covers: []graph.Op{graph.ConstOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I64},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{2, 3}, gen: ints(-9, 9)}},
			build: func(g *graph.Graph, dt graph.DType, x nodes) nodes {
				c := g.Const(hostTensor(dt, graph.Shape{2, 3}, constValues(dt, 6)))
				return nodes{c, graph.Add(x[0], c), g.Scalar(7, dt)}
			},
			ref: func(dt graph.DType, x tensors) tensors {
				c := &tensor{shape: graph.Shape{2, 3}, data: constValues(dt, 6)}
				return tensors{c, map2(x[0], c, add), {data: []float64{7}}}
			},
			exact: true,
		},
		{
			name:   "iota",
			covers: []graph.Op{graph.IotaOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I32, graph.I64},
			build: func(g *graph.Graph, dt graph.DType, _ nodes) nodes {
				return nodes{
					g.Iota(dt, graph.Shape{3, 4}, 1),
					g.Iota(dt, graph.Shape{2, 3, 4}, 0),
					g.Iota(dt, graph.Shape{2, 3, 4}, -2),
					g.Iota(dt, graph.Shape{325}, 0),
				}
			},
			ref: func(_ graph.DType, _ tensors) tensors {
				return tensors{
					refIota(graph.Shape{3, 4}, 1), refIota(graph.Shape{2, 3, 4}, 0),
					refIota(graph.Shape{2, 3, 4}, 1), refIota(graph.Shape{325}, 0),
				}
			},
			exact:  true,
			noGrad: true,
		},
		{
			name:   "random_uniform",
			covers: []graph.Op{graph.RandomUniformOp{}},
			args:   []arg{{name: "step", dtype: graph.I64, shape: graph.Shape{}, gen: choice(3)}},
			build: func(_ *graph.Graph, dt graph.DType, x nodes) nodes {
				return nodes{
					graph.RandomUniform(x[0], 42, dt, graph.Shape{5, 7}),
					graph.RandomUniform(x[0], 43, dt, graph.Shape{325}),
				}
			},
			ref: func(dt graph.DType, x tensors) tensors {
				step := uint64(x[0].data[0])
				out := tensors{newTensor(graph.Shape{5, 7}), newTensor(graph.Shape{325})}
				for k, seed := range []uint64{42, 43} {
					for i := range out[k].data {
						out[k].data[i] = refUniform(dt, seed, step, i)
					}
				}
				return out
			},
			exact:  true,
			noGrad: true,
		},
	}
	return cs
}
