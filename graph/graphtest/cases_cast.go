package graphtest

import (
	"math"
	"math/rand"

	"github.com/bridgetower-go/bt/graph"
)

// castCase converts x [4 6] of dtype from to dtype to; ref maps one value.
func castCase(from, to graph.DType, g gen, ref func(float64) float64) *opCase {
	return &opCase{
		name:   "cast_" + from.String() + "_" + to.String(),
		covers: []graph.Op{graph.CastOp{}},
		dtypes: []graph.DType{from},
		args:   []arg{{name: "x", dtype: T, shape: graph.Shape{4, 6}, gen: g}},
		build:  func(_ *graph.Graph, _ graph.DType, x nodes) nodes { return nodes{graph.Cast(x[0], to)} },
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{map1(x[0], ref)} },
		exact:  true,
		noGrad: true,
	}
}

func identity(v float64) float64 { return v }

func castCases() []*opCase {
	toF32 := func(v float64) float64 { return roundTo(graph.F32, v) }
	toF16 := func(v float64) float64 { return roundTo(graph.F16, v) }
	toBF16 := func(v float64) float64 { return roundTo(graph.BF16, v) }
	nonZero := func(v float64) float64 { return b2f(v != 0) }
	someZeros := choice(0, -1.5, 0.25, 2, 0)
	cs := []*opCase{
		// Floats to integers truncate toward zero.
		castCase(graph.F32, graph.I32, uniform(-100, 100), math.Trunc),
		castCase(graph.F64, graph.I64, uniform(-100, 100), math.Trunc),
		castCase(graph.F32, graph.I64, choice(-2.5, -1.99, -0.5, 0.5, 1.99, 2.5, 7), math.Trunc),
		castCase(graph.I32, graph.F32, ints(-1000, 1000), identity),
		castCase(graph.I64, graph.F64, ints(-1000, 1000), identity),
		castCase(graph.I32, graph.I64, ints(-1000, 1000), identity),
		castCase(graph.I64, graph.I32, ints(-1000, 1000), identity),
		castCase(graph.U8, graph.F32, ints(0, 256), identity),
		castCase(graph.Bool, graph.F32, choice(0, 1), identity),
		castCase(graph.Bool, graph.I32, choice(0, 1), identity),
		castCase(graph.F32, graph.Bool, someZeros, nonZero),
		castCase(graph.I64, graph.Bool, choice(0, 3, -1), nonZero),
		castCase(graph.F64, graph.F32, uniform(-3, 3), toF32),
		castCase(graph.F32, graph.F64, uniform(-3, 3), identity),
		// Storage types: round to nearest even, as graph.Float32ToF16/ToBF16.
		castCase(graph.F32, graph.F16, uniform(-3, 3), toF16),
		castCase(graph.F32, graph.BF16, uniform(-3, 3), toBF16),
		castCase(graph.F16, graph.F32, uniform(-3, 3), identity),
		castCase(graph.BF16, graph.F32, uniform(-3, 3), identity),
	}
	// The gradient of a cast is the cast of the adjoint. Through F32 the differences are exact
	// when x = k/1024 and h = 2^-20 (at most 21 significant bits).
	dyadic := func(r *rand.Rand) float64 { return float64(r.Intn(2000)-1000) / 1024 }
	cs = append(cs, &opCase{
		name:   "cast_f64_f32_f64",
		covers: []graph.Op{graph.CastOp{}},
		dtypes: []graph.DType{graph.F64},
		args:   []arg{{name: "x", dtype: T, shape: graph.Shape{3, 5}, gen: dyadic}},
		build: func(_ *graph.Graph, _ graph.DType, x nodes) nodes {
			return nodes{graph.Cast(graph.Cast(x[0], graph.F32), graph.F64)}
		},
		ref:    func(_ graph.DType, x tensors) tensors { return tensors{x[0]} },
		exact:  true,
		fdStep: 1.0 / (1 << 20),
	})
	return cs
}
