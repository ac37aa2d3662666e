package graphtest

import "github.com/bridgetower-go/bt/graph"

// unaryShapeCase is a data-movement case on one arg x (exact: values must not change).
func unaryShapeCase(name string, op graph.Op, shape graph.Shape, f func(x *graph.Node) *graph.Node, ref func(x *tensor) *tensor) *opCase {
	return &opCase{
		name:   name,
		covers: []graph.Op{op},
		dtypes: []graph.DType{graph.F32, graph.F64, graph.I64},
		args:   []arg{{name: "x", dtype: T, shape: shape, gen: ints(-99, 99)}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0])} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{ref(x[0])} },
		exact:  true,
	}
}

func shapeCases() []*opCase {
	reshape, transpose := graph.ReshapeOp{}, graph.TransposeOp{}
	slice, pad, bcast := graph.SliceOp{}, graph.PadOp{}, graph.BroadcastOp{}
	cs := []*opCase{
		unaryShapeCase("reshape", reshape, graph.Shape{2, 3, 4},
			func(x *graph.Node) *graph.Node { return graph.Reshape(x, 4, -1) },
			func(x *tensor) *tensor { return refReshape(x, 4, 6) }),
		unaryShapeCase("reshape_size1", reshape, graph.Shape{6},
			func(x *graph.Node) *graph.Node { return graph.Reshape(x, 1, 6, 1) },
			func(x *tensor) *tensor { return refReshape(x, 1, 6, 1) }),
		unaryShapeCase("reshape_empty", reshape, graph.Shape{0, 4},
			func(x *graph.Node) *graph.Node { return graph.Reshape(x, 4, 0) },
			func(x *tensor) *tensor { return refReshape(x, 4, 0) }),
		unaryShapeCase("transpose_2d", transpose, graph.Shape{3, 17},
			func(x *graph.Node) *graph.Node { return graph.Transpose(x, 1, 0) },
			func(x *tensor) *tensor { return refTranspose(x, 1, 0) }),
		unaryShapeCase("transpose_3d", transpose, graph.Shape{2, 3, 4},
			func(x *graph.Node) *graph.Node { return graph.Transpose(x, 2, 0, 1) },
			func(x *tensor) *tensor { return refTranspose(x, 2, 0, 1) }),
		unaryShapeCase("transpose_4d", transpose, graph.Shape{2, 3, 1, 5},
			func(x *graph.Node) *graph.Node { return graph.Transpose(x, 0, 2, 3, 1) },
			func(x *tensor) *tensor { return refTranspose(x, 0, 2, 3, 1) }),
		unaryShapeCase("transpose_heads", transpose, graph.Shape{2, 5, 3, 4},
			func(x *graph.Node) *graph.Node { return graph.Transpose(x, 0, 2, 1, 3) },
			func(x *tensor) *tensor { return refTranspose(x, 0, 2, 1, 3) }),
		unaryShapeCase("transpose_empty", transpose, graph.Shape{0, 3},
			func(x *graph.Node) *graph.Node { return graph.Transpose(x, 1, 0) },
			func(x *tensor) *tensor { return refTranspose(x, 1, 0) }),
		unaryShapeCase("slice", slice, graph.Shape{5, 17},
			func(x *graph.Node) *graph.Node { return graph.Slice(x, []int{1, 3}, []int{4, 16}) },
			func(x *tensor) *tensor { return refSlice(x, []int{1, 3}, []int{4, 16}) }),
		unaryShapeCase("slice_3d", slice, graph.Shape{3, 4, 5},
			func(x *graph.Node) *graph.Node { return graph.SliceAxis(x, -1, 2, 3) },
			func(x *tensor) *tensor { return refSlice(x, []int{0, 0, 2}, []int{3, 4, 3}) }),
		unaryShapeCase("slice_empty", slice, graph.Shape{4, 3},
			func(x *graph.Node) *graph.Node { return graph.Slice(x, []int{2, 0}, []int{2, 3}) },
			func(x *tensor) *tensor { return refSlice(x, []int{2, 0}, []int{2, 3}) }),
		unaryShapeCase("pad", pad, graph.Shape{3, 4},
			func(x *graph.Node) *graph.Node { return graph.Pad(x, []int{1, 0}, []int{2, 3}) },
			func(x *tensor) *tensor { return refPad(x, []int{1, 0}, []int{2, 3}) }),
		unaryShapeCase("pad_3d", pad, graph.Shape{2, 1, 3},
			func(x *graph.Node) *graph.Node { return graph.Pad(x, []int{0, 2, 1}, []int{1, 0, 0}) },
			func(x *tensor) *tensor { return refPad(x, []int{0, 2, 1}, []int{1, 0, 0}) }),
		unaryShapeCase("pad_empty", pad, graph.Shape{0, 2},
			func(x *graph.Node) *graph.Node { return graph.Pad(x, []int{1, 0}, []int{1, 1}) },
			func(x *tensor) *tensor { return refPad(x, []int{1, 0}, []int{1, 1}) }),
		unaryShapeCase("broadcast_to", bcast, graph.Shape{3, 1},
			func(x *graph.Node) *graph.Node { return graph.BroadcastTo(x, graph.Shape{2, 3, 4}) },
			func(x *tensor) *tensor { return refBroadcastTo(x, graph.Shape{2, 3, 4}) }),
		unaryShapeCase("broadcast_to_1d", bcast, graph.Shape{1},
			func(x *graph.Node) *graph.Node { return graph.BroadcastTo(x, graph.Shape{5}) },
			func(x *tensor) *tensor { return refBroadcastTo(x, graph.Shape{5}) }),
		unaryShapeCase("broadcast_to_scalar", bcast, graph.Shape{},
			func(x *graph.Node) *graph.Node { return graph.BroadcastTo(x, graph.Shape{2, 3}) },
			func(x *tensor) *tensor { return refBroadcastTo(x, graph.Shape{2, 3}) }),
		unaryShapeCase("broadcast_to_empty", bcast, graph.Shape{1, 3},
			func(x *graph.Node) *graph.Node { return graph.BroadcastTo(x, graph.Shape{0, 3}) },
			func(x *tensor) *tensor { return refBroadcastTo(x, graph.Shape{0, 3}) }),
	}
	concat := func(name string, axis int, shapes ...graph.Shape) *opCase {
		args := make([]arg, len(shapes))
		for i, s := range shapes {
			args[i] = arg{name: string(rune('a' + i)), dtype: T, shape: s, gen: ints(-99, 99)}
		}
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.ConcatOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I32},
			args:   args,
			build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Concat(axis, x...)} },
			ref:    func(_ graph.DType, x tensors) tensors { return tensors{refConcat(axis, x...)} },
			exact:  true,
		}
	}
	cs = append(cs,
		concat("concat_axis0", 0, graph.Shape{2, 3}, graph.Shape{0, 3}, graph.Shape{4, 3}),
		concat("concat_axis1", 1, graph.Shape{2, 1}, graph.Shape{2, 5}, graph.Shape{2, 3}),
		concat("concat_axis2", 2, graph.Shape{2, 3, 2}, graph.Shape{2, 3, 3}),
	)
	gather := func(name string, table, indices graph.Shape, it graph.DType, g gen) *opCase {
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.GatherOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I64},
			args: []arg{
				{name: "table", dtype: T, shape: table, gen: uniform(-9, 9)},
				{name: "ids", dtype: it, shape: indices, gen: g},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Gather(x[0], x[1])} },
			ref:   func(_ graph.DType, x tensors) tensors { return tensors{refGather(x[0], x[1])} },
			exact: true,
		}
	}
	scatter := func(name string, indices, updates graph.Shape, rows int, it graph.DType, g gen) *opCase {
		return &opCase{
			name:   name,
			covers: []graph.Op{graph.ScatterAddOp{}},
			args: []arg{
				{name: "ids", dtype: it, shape: indices, gen: g},
				{name: "updates", dtype: T, shape: updates},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.ScatterAdd(x[0], x[1], rows)} },
			ref:   func(_ graph.DType, x tensors) tensors { return tensors{refScatterAdd(x[0], x[1], rows)} },
		}
	}
	g325 := gather("gather_325", graph.Shape{325, 17}, graph.Shape{9}, graph.I64, ints(0, 325))
	g325.heavy = true
	cs = append(cs,
		// Repeated indices (the table's gradient accumulates) and unused rows (zero gradient).
		gather("gather", graph.Shape{7, 3}, graph.Shape{2, 4}, graph.I32, ints(0, 5)),
		gather("gather_rank1", graph.Shape{5}, graph.Shape{3}, graph.I64, ints(0, 5)),
		gather("gather_empty", graph.Shape{4, 2}, graph.Shape{0}, graph.I32, ints(0, 4)),
		g325,
		scatter("scatter_add", graph.Shape{6}, graph.Shape{6, 3}, 4, graph.I32, ints(0, 4)),
		scatter("scatter_add_2d", graph.Shape{2, 3}, graph.Shape{2, 3, 2}, 5, graph.I64, ints(0, 5)),
		scatter("scatter_add_empty", graph.Shape{0}, graph.Shape{0, 2}, 3, graph.I32, ints(0, 3)),
	)
	return cs
}
