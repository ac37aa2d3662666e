package graphtest

import "github.com/bridgetower-go/bt/graph"

// reduceCase reduces x over axes (all when none) with kind "sum", "mean" or "max".
func reduceCase(name, kind string, shape graph.Shape, dtypes []graph.DType, axes ...int) *opCase {
	k := map[string]graph.ReduceKind{"sum": graph.SumKind, "mean": graph.MeanKind, "max": graph.ReduceMaxKind}[kind]
	f := map[string]func(*graph.Node, ...int) *graph.Node{"sum": graph.ReduceSum, "mean": graph.ReduceMean, "max": graph.ReduceMax}[kind]
	var g gen // continuous values: maxima are unique with a wide margin for these sizes
	if dtypes != nil && !dtypes[0].IsFloat() {
		g = ints(-50, 50)
	}
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.ReduceOp{Kind: k}},
		dtypes: dtypes,
		args:   []arg{{name: "x", dtype: T, shape: shape, gen: g}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0], axes...)} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{refReduce(x[0], kind, axes...)} },
		exact:  kind == "max" || g != nil,
		noGrad: g != nil,
		heavy:  shape.Size() > 300,
	}
}

func matmulCase(name string, a, b graph.Shape, ta, tb bool) *opCase {
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.MatMulOp{TransA: ta, TransB: tb}},
		args:   []arg{{name: "a", dtype: T, shape: a}, {name: "b", dtype: T, shape: b}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.MatMulT(x[0], x[1], ta, tb)} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{refMatMul(x[0], x[1], ta, tb)} },
		heavy:  a.Size()+b.Size() > 300,
	}
}

func linalgCases() []*opCase {
	cs := []*opCase{
		reduceCase("reduce_sum", "sum", graph.Shape{3, 17}, nil, 1),
		reduceCase("reduce_sum_02", "sum", graph.Shape{2, 3, 4}, nil, 0, 2),
		reduceCase("reduce_sum_all", "sum", graph.Shape{3, 5}, nil),
		reduceCase("reduce_sum_size1", "sum", graph.Shape{3, 1, 4}, nil, 1),
		reduceCase("reduce_sum_empty", "sum", graph.Shape{0, 3}, nil, 0),
		reduceCase("reduce_sum_325", "sum", graph.Shape{325, 3}, nil, 0),
		reduceCase("reduce_sum_int", "sum", graph.Shape{3, 5}, intTypes, 1),
		reduceCase("reduce_mean", "mean", graph.Shape{4, 3}, nil),
		reduceCase("reduce_mean_325", "mean", graph.Shape{2, 325}, nil, 1),
		reduceCase("reduce_mean_01", "mean", graph.Shape{2, 3, 5}, nil, 0, 1),
		reduceCase("reduce_max", "max", graph.Shape{5, 17}, nil, 0),
		reduceCase("reduce_max_12", "max", graph.Shape{2, 3, 4}, nil, 1, 2),
		reduceCase("reduce_max_all", "max", graph.Shape{1, 7}, nil),
		reduceCase("reduce_max_int", "max", graph.Shape{3, 5}, intTypes, 1),

		matmulCase("matmul", graph.Shape{3, 5}, graph.Shape{5, 4}, false, false),
		matmulCase("matmul_tn", graph.Shape{5, 3}, graph.Shape{5, 4}, true, false),
		matmulCase("matmul_nt", graph.Shape{3, 5}, graph.Shape{4, 5}, false, true),
		matmulCase("matmul_tt", graph.Shape{5, 3}, graph.Shape{4, 5}, true, true),
		matmulCase("matmul_m1n1", graph.Shape{1, 7}, graph.Shape{7, 1}, false, false),
		matmulCase("matmul_k1", graph.Shape{3, 1}, graph.Shape{1, 4}, false, false),
		matmulCase("matmul_k0", graph.Shape{3, 0}, graph.Shape{0, 4}, false, false),
		matmulCase("matmul_m0", graph.Shape{0, 3}, graph.Shape{3, 4}, false, false),
		matmulCase("matmul_325x17", graph.Shape{325, 17}, graph.Shape{17, 3}, false, false),
		matmulCase("matmul_nt_17x325", graph.Shape{17, 325}, graph.Shape{3, 325}, false, true),
		// Batch broadcasting: [2 1 3 5] x [3 5 4] -> [2 3 3 4].
		matmulCase("matmul_batch_bcast", graph.Shape{2, 1, 3, 5}, graph.Shape{3, 5, 4}, false, false),
		matmulCase("matmul_batch_tn", graph.Shape{2, 5, 3}, graph.Shape{2, 5, 4}, true, false),
		matmulCase("matmul_batch_nt", graph.Shape{2, 3, 5}, graph.Shape{1, 4, 5}, false, true),
		matmulCase("matmul_batch_tt", graph.Shape{2, 5, 3}, graph.Shape{2, 4, 5}, true, true),
		matmulCase("matmul_batch_2d_left", graph.Shape{3, 5}, graph.Shape{2, 5, 4}, false, false),
		matmulCase("matmul_batch_tn_2d_right", graph.Shape{2, 5, 3}, graph.Shape{5, 4}, true, false),
		// [B T K] x [K N]: the batch is folded into the rows.
		matmulCase("matmul_fold", graph.Shape{2, 3, 5}, graph.Shape{5, 4}, false, false),
		matmulCase("matmul_fold_nt", graph.Shape{2, 3, 5}, graph.Shape{4, 5}, false, true),
		matmulCase("matmul_fold_4d", graph.Shape{2, 1, 3, 5}, graph.Shape{5, 1}, false, false),
	}
	return cs
}
