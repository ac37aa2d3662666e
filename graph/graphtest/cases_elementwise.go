package graphtest

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

type nodes = []*graph.Node
type tensors = []*tensor

var (
	floatTypes = []graph.DType{graph.F32, graph.F64}
	intTypes   = []graph.DType{graph.I32, graph.I64}
)

func unaryCase(name string, k graph.UnaryKind, f func(*graph.Node) *graph.Node, ref func(float64) float64, g gen, shape graph.Shape) *opCase {
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.UnaryOp{Kind: k}},
		args:   []arg{{name: "x", dtype: T, shape: shape, gen: g}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0])} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], ref)} },
		exact:  k == graph.NegKind || k == graph.AbsKind,
	}
}

func binaryCase(name string, k graph.BinaryKind, f func(a, b *graph.Node) *graph.Node, ref func(a, b float64) float64, a, b arg) *opCase {
	a.name, b.name = "a", "b"
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.BinaryOp{Kind: k}},
		args:   []arg{a, b},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0], x[1])} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{map2(x[0], x[1], ref)} },
	}
}

func compareCase(name string, k graph.CompareKind, f func(a, b *graph.Node) *graph.Node, ref func(a, b float64) bool) *opCase {
	vals := choice(-1, 0, 1, 2)
	return &opCase{
		name:   name,
		covers: []graph.Op{graph.CompareOp{Kind: k}},
		dtypes: []graph.DType{graph.F32, graph.F64, graph.I32, graph.I64},
		args:   []arg{{name: "a", dtype: T, shape: graph.Shape{4, 5}, gen: vals}, {name: "b", dtype: T, shape: graph.Shape{5}, gen: vals}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{f(x[0], x[1])} },
		ref: func(_ graph.DType, x tensors) tensors {
			return tensors{map2(x[0], x[1], func(a, b float64) float64 { return b2f(ref(a, b)) })}
		},
		exact:  true,
		noGrad: true,
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func add(a, b float64) float64 { return a + b }
func sub(a, b float64) float64 { return a - b }
func mul(a, b float64) float64 { return a * b }
func div(a, b float64) float64 { return a / b }

func elementwiseCases() []*opCase {
	s := graph.Shape{3, 17}
	cs := []*opCase{
		unaryCase("neg", graph.NegKind, graph.Neg, func(x float64) float64 { return -x }, nil, s),
		unaryCase("exp", graph.ExpKind, graph.Exp, math.Exp, uniform(-3, 3), s),
		unaryCase("exp_scalar", graph.ExpKind, graph.Exp, math.Exp, nil, graph.Shape{}),
		unaryCase("log", graph.LogKind, graph.Log, math.Log, uniform(0.3, 3), s),
		unaryCase("sqrt", graph.SqrtKind, graph.Sqrt, math.Sqrt, uniform(0.3, 3), s),
		unaryCase("rsqrt", graph.RsqrtKind, graph.Rsqrt, func(x float64) float64 { return 1 / math.Sqrt(x) }, uniform(0.3, 3), s),
		unaryCase("tanh", graph.TanhKind, graph.Tanh, math.Tanh, uniform(-2, 2), s),
		unaryCase("tanh_empty", graph.TanhKind, graph.Tanh, math.Tanh, nil, graph.Shape{0, 5}),
		unaryCase("erf", graph.ErfKind, graph.Erf, math.Erf, uniform(-2, 2), s),
		unaryCase("sigmoid", graph.SigmoidKind, graph.Sigmoid, refSigmoid, uniform(-4, 4), s),
		unaryCase("sigmoid_325", graph.SigmoidKind, graph.Sigmoid, refSigmoid, uniform(-4, 4), graph.Shape{325}),
		unaryCase("abs", graph.AbsKind, graph.Abs, math.Abs, signed(0.1, 2), s),
	}
	for _, c := range []*opCase{
		unaryCase("neg_int", graph.NegKind, graph.Neg, func(x float64) float64 { return -x }, ints(-50, 50), s),
		unaryCase("abs_int", graph.AbsKind, graph.Abs, math.Abs, ints(-50, 50), s),
	} {
		c.dtypes, c.noGrad = intTypes, true
		cs = append(cs, c)
	}

	m := graph.Shape{4, 17}
	apart0, apart1 := lattice(0.5, 0, 0.1, 4), lattice(0.5, 0.25, 0.1, 4)
	cs = append(cs,
		binaryCase("add", graph.AddKind, graph.Add, add, arg{shape: m}, arg{shape: m}),
		binaryCase("sub", graph.SubKind, graph.Sub, sub, arg{shape: m}, arg{shape: m}),
		binaryCase("mul", graph.MulKind, graph.Mul, mul, arg{shape: m}, arg{shape: m}),
		binaryCase("div", graph.DivKind, graph.Div, div, arg{shape: m}, arg{shape: m, gen: signed(0.5, 2)}),
		binaryCase("pow", graph.PowKind, graph.Pow, math.Pow, arg{shape: m, gen: uniform(0.5, 2)}, arg{shape: m, gen: uniform(-2, 2)}),
		binaryCase("max", graph.MaxKind, graph.Max, math.Max, arg{shape: m, gen: apart0}, arg{shape: m, gen: apart1}),
		binaryCase("min", graph.MinKind, graph.Min, math.Min, arg{shape: m, gen: apart0}, arg{shape: m, gen: apart1}),
		// Implicit broadcasting: the gradient of a broadcast operand sums over the repeats.
		binaryCase("add_bcast_row", graph.AddKind, graph.Add, add, arg{shape: graph.Shape{2, 3, 4}}, arg{shape: graph.Shape{4}}),
		binaryCase("mul_bcast_both", graph.MulKind, graph.Mul, mul, arg{shape: graph.Shape{2, 1, 4}}, arg{shape: graph.Shape{3, 1}}),
		binaryCase("sub_scalar", graph.SubKind, graph.Sub, sub, arg{shape: graph.Shape{}}, arg{shape: graph.Shape{3, 5}}),
		binaryCase("div_size1", graph.DivKind, graph.Div, div, arg{shape: graph.Shape{5, 1}}, arg{shape: graph.Shape{1, 1}, gen: signed(0.5, 2)}),
		binaryCase("max_bcast", graph.MaxKind, graph.Max, math.Max, arg{shape: graph.Shape{3, 4}, gen: apart0}, arg{shape: graph.Shape{4}, gen: apart1}),
		binaryCase("add_empty", graph.AddKind, graph.Add, add, arg{shape: graph.Shape{0, 3}}, arg{shape: graph.Shape{3}}),
		binaryCase("pow_325", graph.PowKind, graph.Pow, math.Pow, arg{shape: graph.Shape{325}, gen: uniform(0.5, 2)}, arg{shape: graph.Shape{}, gen: uniform(1, 3)}),
	)
	is := graph.Shape{3, 7}
	for _, c := range []*opCase{
		binaryCase("add_int", graph.AddKind, graph.Add, add, arg{shape: is, gen: ints(-20, 20)}, arg{shape: is, gen: ints(-20, 20)}),
		binaryCase("sub_int", graph.SubKind, graph.Sub, sub, arg{shape: is, gen: ints(-20, 20)}, arg{shape: graph.Shape{7}, gen: ints(-20, 20)}),
		binaryCase("mul_int", graph.MulKind, graph.Mul, mul, arg{shape: is, gen: ints(-20, 20)}, arg{shape: is, gen: ints(-20, 20)}),
		binaryCase("div_int", graph.DivKind, graph.Div, func(a, b float64) float64 { return math.Trunc(a / b) },
			arg{shape: is, gen: ints(0, 100)}, arg{shape: is, gen: ints(1, 10)}),
		binaryCase("max_int", graph.MaxKind, graph.Max, math.Max, arg{shape: is, gen: ints(-5, 5)}, arg{shape: is, gen: ints(-5, 5)}),
		binaryCase("min_int", graph.MinKind, graph.Min, math.Min, arg{shape: is, gen: ints(-5, 5)}, arg{shape: is, gen: ints(-5, 5)}),
	} {
		c.dtypes, c.noGrad, c.exact = intTypes, true, true
		cs = append(cs, c)
	}

	cs = append(cs,
		compareCase("eq", graph.EqKind, graph.Equal, func(a, b float64) bool { return a == b }),
		compareCase("ne", graph.NeKind, graph.NotEqual, func(a, b float64) bool { return a != b }),
		compareCase("lt", graph.LtKind, graph.Less, func(a, b float64) bool { return a < b }),
		compareCase("le", graph.LeKind, graph.LessEqual, func(a, b float64) bool { return a <= b }),
		compareCase("gt", graph.GtKind, graph.Greater, func(a, b float64) bool { return a > b }),
		compareCase("ge", graph.GeKind, graph.GreaterEqual, func(a, b float64) bool { return a >= b }),
		&opCase{
			name:   "where",
			covers: []graph.Op{graph.WhereOp{}, graph.BroadcastOp{}},
			dtypes: []graph.DType{graph.F32, graph.F64, graph.I32},
			args: []arg{
				{name: "cond", dtype: graph.Bool, shape: graph.Shape{3, 1}, gen: choice(0, 1)},
				{name: "a", dtype: T, shape: graph.Shape{1, 4}, gen: ints(-9, 9)},
				{name: "b", dtype: T, shape: graph.Shape{3, 4}, gen: ints(-9, 9)},
			},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Where(x[0], x[1], x[2])} },
			ref: func(_ graph.DType, x tensors) tensors {
				return tensors{mapN(func(v []float64) float64 {
					if v[0] != 0 {
						return v[1]
					}
					return v[2]
				}, x...)}
			},
			exact: true,
		},
		&opCase{
			name:   "stop_gradient",
			covers: []graph.Op{graph.StopGradientOp{}},
			args:   []arg{{name: "x", dtype: T, shape: graph.Shape{3, 5}}},
			build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
				return nodes{graph.Mul(graph.StopGradient(x[0]), x[0])}
			},
			ref: func(_ graph.DType, x tensors) tensors {
				return tensors{map1(x[0], func(v float64) float64 { return v * v })}
			},
			gradRef: func(x, w tensors) tensors { return tensors{map2(w[0], x[0], mul)} }, // d(sg(x)·x)/dx = x
		},
	)
	return append(cs, castCases()...)
}
