package cpu

import (
	"math"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// opCase builds one small graph whose output is checked against hand-computed values.
type opCase struct {
	name  string
	build func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor)
	dt    graph.DType // output dtype; Invalid: same as the case dtype
	shape graph.Shape
	want  []float64
	tol   float64
}

// in2x3 is an input [[1 -2 3] [-4 5 -6]] of dtype dt.
func in2x3(g *graph.Graph, dt graph.DType, vals map[*graph.Node]*graph.Tensor) *graph.Node {
	x := g.Input("x", dt, graph.Shape{2, 3})
	vals[x] = tensorOf(dt, graph.Shape{2, 3}, 1, -2, 3, -4, 5, -6)
	return x
}

func unaryCase(name string, f func(*graph.Node) *graph.Node, ref func(float64) float64, xs ...float64) opCase {
	want := make([]float64, len(xs))
	for i, x := range xs {
		want[i] = ref(x)
	}
	return opCase{name: name, shape: graph.Shape{len(xs)}, want: want, tol: 1e-6,
		build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
			x := g.Input("x", dt, graph.Shape{len(xs)})
			return f(x), map[*graph.Node]*graph.Tensor{x: tensorOf(dt, graph.Shape{len(xs)}, xs...)}
		}}
}

func floatCases() []opCase {
	pos := []float64{0.25, 1, 2.5, 9}
	all := []float64{-3, -0.5, 0, 0.75, 2}
	return []opCase{
		unaryCase("neg", graph.Neg, func(x float64) float64 { return -x }, all...),
		unaryCase("abs", graph.Abs, math.Abs, all...),
		unaryCase("exp", graph.Exp, math.Exp, all...),
		unaryCase("log", graph.Log, math.Log, pos...),
		unaryCase("sqrt", graph.Sqrt, math.Sqrt, pos...),
		unaryCase("rsqrt", graph.Rsqrt, func(x float64) float64 { return 1 / math.Sqrt(x) }, pos...),
		unaryCase("tanh", graph.Tanh, math.Tanh, all...),
		unaryCase("erf", graph.Erf, math.Erf, all...),
		unaryCase("sigmoid", graph.Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, all...),
		{name: "binary_broadcast", shape: graph.Shape{2, 3}, tol: 1e-6,
			// x + [10 20 30], x - 1, x * x, x / 2, max(x, 0), min(x, 0), 2^x summed up.
			want: []float64{
				11 + 0 + 1 + 0.5 + 1 + 0 + 2, 18 - 3 + 4 - 1 + 0 - 2 + 0.25, 33 + 2 + 9 + 1.5 + 3 + 0 + 8,
				6 - 5 + 16 - 2 + 0 - 4 + 0.0625, 25 + 4 + 25 + 2.5 + 5 + 0 + 32, 24 - 7 + 36 - 3 + 0 - 6 + 1.0/64},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				c := g.Const(tensorOf(dt, graph.Shape{3}, 10, 20, 30))
				zero := g.Scalar(0, dt)
				sum := graph.Add(graph.Add(x, c), graph.AddScalar(x, -1))
				sum = graph.Add(sum, graph.Square(x))
				sum = graph.Add(sum, graph.Div(x, g.Scalar(2, dt)))
				sum = graph.Add(sum, graph.Add(graph.Max(x, zero), graph.Min(x, zero)))
				sum = graph.Add(sum, graph.Pow(g.Scalar(2, dt), x))
				return sum, vals
			}},
		{name: "compare_where", shape: graph.Shape{2, 3},
			// where(x > 0, x, 0) + where(x <= -4, 100, 0) + where(x == 3, 7, 0) + where(x != 5 && x >= -2 && x < 3, 1000, 0)
			want: []float64{1 + 1000, 1000, 3 + 7, 100, 5, 100},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				s := func(v float64) *graph.Node { return g.Scalar(v, dt) }
				zero := graph.ZerosLike(x)
				y := graph.Where(graph.Greater(x, s(0)), x, zero)
				y = graph.Add(y, graph.Where(graph.LessEqual(x, s(-4)), s(100), s(0)))
				y = graph.Add(y, graph.Where(graph.Equal(x, s(3)), s(7), s(0)))
				and := func(a, b *graph.Node) *graph.Node { return graph.Where(a, b, g.Scalar(0, graph.Bool)) }
				band := and(and(graph.NotEqual(x, s(5)), graph.GreaterEqual(x, s(-2))), graph.Less(x, s(3)))
				band = graph.Equal(band, g.Scalar(1, graph.Bool))
				y = graph.Add(y, graph.Where(band, s(1000), s(0)))
				return y, vals
			}},
		{name: "transpose", shape: graph.Shape{3, 2}, want: []float64{1, -4, -2, 5, 3, -6},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				return graph.Transpose(in2x3(g, dt, vals), 1, 0), vals
			}},
		{name: "transpose3", shape: graph.Shape{2, 2, 3},
			// x [2 3 2] = 0..11, perm [2 0 1]: out[c][a][b] = x[a][b][c] = 6a + 2b + c
			want: []float64{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				return graph.Transpose(graph.Reshape(g.Iota(dt, graph.Shape{12}, 0), 2, 3, 2), 2, 0, 1), nil
			}},
		{name: "slice_pad", shape: graph.Shape{3, 3}, want: []float64{0, 0, 0, -2, 3, 0, 5, -6, 0},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				s := graph.Slice(in2x3(g, dt, vals), []int{0, 1}, []int{2, 3})
				return graph.Pad(s, []int{1, 0}, []int{0, 1}), vals
			}},
		{name: "concat_broadcast", shape: graph.Shape{2, 5}, want: []float64{1, -2, 3, 7, 7, -4, 5, -6, 8, 8},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				c := graph.BroadcastTo(g.Const(tensorOf(dt, graph.Shape{2, 1}, 7, 8)), graph.Shape{2, 2})
				return graph.Concat(1, in2x3(g, dt, vals), c), vals
			}},
		{name: "gather", shape: graph.Shape{2, 2, 3}, want: []float64{-4, 5, -6, 1, -2, 3, -4, 5, -6, -4, 5, -6},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				idx := g.Const(tensorOf(graph.I32, graph.Shape{2, 2}, 1, 0, 1, 1))
				return graph.Gather(in2x3(g, dt, vals), idx), vals
			}},
		{name: "scatter_add", shape: graph.Shape{3, 3}, want: []float64{0, 0, 0, 1 - 4, -2 + 5, 3 - 6, 10, 20, 30},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := graph.Concat(0, in2x3(g, dt, vals), g.Const(tensorOf(dt, graph.Shape{1, 3}, 10, 20, 30)))
				idx := g.Const(tensorOf(graph.I64, graph.Shape{3}, 1, 1, 2))
				return graph.ScatterAdd(idx, x, 3), vals
			}},
		{name: "reduce", shape: graph.Shape{2}, tol: 1e-6,
			// sum rows [2, -5], mean rows [2/3, -5/3], max over everything 5; out = sum + mean + max
			want: []float64{2 + 2.0/3 + 5, -5 - 5.0/3 + 5},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				y := graph.Add(graph.ReduceSum(x, 1), graph.ReduceMean(x, -1))
				return graph.Add(y, graph.ReduceMax(x)), vals
			}},
		{name: "reduce_axes", shape: graph.Shape{3}, tol: 1e-12,
			// x [2 3 2] = 0..11; sum over 0 and 2: column b gets Σ_a,c 6a+2b+c = 4·2b + (0+0+6+6) + (0+1+0+1)
			want: []float64{14, 22, 30},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				x := graph.Reshape(g.Iota(dt, graph.Shape{12}, 0), 2, 3, 2)
				return graph.ReduceSum(x, 0, 2), nil
			}},
		{name: "reduce_leading", shape: graph.Shape{3}, want: []float64{-3, 3, -3},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				return graph.Add(graph.ReduceSum(x, 0), graph.Sub(graph.ReduceMax(x, 0), graph.ReduceMax(x, 0))), vals
			}},
		{name: "matmul", shape: graph.Shape{2, 2}, want: []float64{1 + 4 + 9, -4 - 10 - 18, -4 - 10 - 18, 16 + 25 + 36},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				return graph.MatMulT(x, x, false, true), vals
			}},
		{name: "matmul_tn_batched", shape: graph.Shape{2, 3, 3},
			// batch 0: xᵀx for x [[1 -2 3] [-4 5 -6]]; batch 1: the same times 2 (second operand doubled)
			want: []float64{17, -22, 27, -22, 29, -36, 27, -36, 45, 34, -44, 54, -44, 58, -72, 54, -72, 90},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				vals := map[*graph.Node]*graph.Tensor{}
				x := in2x3(g, dt, vals)
				a := graph.Concat(0, graph.Reshape(x, 1, 2, 3), graph.Reshape(x, 1, 2, 3))
				b := graph.Concat(0, graph.Reshape(x, 1, 2, 3), graph.Reshape(graph.MulScalar(x, 2), 1, 2, 3))
				return graph.MatMulT(a, b, true, false), vals
			}},
		{name: "iota_axis1", shape: graph.Shape{2, 3}, want: []float64{0, 1, 2, 0, 1, 2},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				return g.Iota(dt, graph.Shape{2, 3}, 1), nil
			}},
		{name: "layer_norm", shape: graph.Shape{1, 3}, tol: 1e-6,
			// x = [1 2 6]: mean 3, var (4+1+9)/3 = 14/3; y = (x-3)/sqrt(14/3 + 0.1)·[1 2 3] + [0 0 1]
			want: []float64{-2 / math.Sqrt(14.0/3+0.1), -2 / math.Sqrt(14.0/3+0.1), 9/math.Sqrt(14.0/3+0.1) + 1},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				x := g.Input("x", dt, graph.Shape{1, 3})
				gamma := g.Const(tensorOf(dt, graph.Shape{3}, 1, 2, 3))
				beta := g.Const(tensorOf(dt, graph.Shape{3}, 0, 0, 1))
				return graph.LayerNorm(x, gamma, beta, 0.1), map[*graph.Node]*graph.Tensor{x: tensorOf(dt, graph.Shape{1, 3}, 1, 2, 6)}
			}},
		{name: "softmax_axis0", shape: graph.Shape{2, 2}, tol: 1e-6,
			want: []float64{1 / (1 + math.E), 0.5, math.E / (1 + math.E), 0.5},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				return graph.Softmax(g.Const(tensorOf(dt, graph.Shape{2, 2}, 0, 3, 1, 3)), 0), nil
			}},
		{name: "gelu_quickgelu", shape: graph.Shape{2}, tol: 1e-6,
			want: []float64{1 * 0.5 * (1 + math.Erf(1/math.Sqrt2)), -2 / (1 + math.Exp(2*1.702))},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				a := graph.GELU(g.Const(tensorOf(dt, graph.Shape{1}, 1)))
				b := graph.QuickGELU(g.Const(tensorOf(dt, graph.Shape{1}, -2)))
				return graph.Concat(0, a, b), nil
			}},
		{name: "attention_mask", shape: graph.Shape{1, 1, 2, 1}, tol: 1e-6,
			// q = [[1] [0]], k = [[1] [2]], v = [[10] [20]], scale 2, mask [0 -1e9] on the second query
			// row 0: scores [2 4] -> softmax (1/(1+e²), e²/(1+e²)); row 1 masked to key 0: 10
			want: []float64{(10 + 20*math.Exp(2)) / (1 + math.Exp(2)), 10},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				q := g.Const(tensorOf(dt, graph.Shape{1, 1, 2, 1}, 1, 0))
				k := g.Const(tensorOf(dt, graph.Shape{1, 1, 2, 1}, 1, 2))
				v := g.Const(tensorOf(dt, graph.Shape{1, 1, 2, 1}, 10, 20))
				mask := g.Const(tensorOf(dt, graph.Shape{1, 1, 2, 2}, 0, 0, 0, -1e9))
				return graph.Attention(q, k, v, mask, 2), nil
			}},
		{name: "random_uniform", shape: graph.Shape{3}, tol: 1e-7,
			want: []float64{graph.RandomFloat64(9, 4, 0), graph.RandomFloat64(9, 4, 1), graph.RandomFloat64(9, 4, 2)},
			build: func(g *graph.Graph, dt graph.DType) (*graph.Node, map[*graph.Node]*graph.Tensor) {
				step := g.Input("step", graph.I64, nil)
				return graph.RandomUniform(step, 9, dt, graph.Shape{3}), map[*graph.Node]*graph.Tensor{step: graph.FromInt64(nil, []int64{4})}
			}},
	}
}

func TestFloatOps(t *testing.T) {
	for _, c := range floatCases() {
		for _, dt := range []graph.DType{graph.F32, graph.F64} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				g := graph.New()
				out, vals := c.build(g, dt)
				tol := c.tol
				if dt == graph.F64 {
					tol = min(tol, 1e-12)
				}
				got := eval(t, 2, g, vals, out)
				wantValues(t, c.name, got[0], dt, c.shape, tol, c.want...)
			})
		}
	}
}

func TestIntegerOps(t *testing.T) {
	for _, dt := range []graph.DType{graph.I32, graph.I64} {
		t.Run(dt.String(), func(t *testing.T) {
			g := graph.New()
			vals := map[*graph.Node]*graph.Tensor{}
			x := in2x3(g, dt, vals)
			s := func(v float64) *graph.Node { return g.Scalar(v, dt) }
			// x·3 - |x| / 2 + max(-x, 1), and a reduction and comparison.
			y := graph.Add(graph.Sub(graph.MulScalar(x, 3), graph.Div(graph.Abs(x), s(2))), graph.Max(graph.Neg(x), s(1)))
			sum := graph.ReduceSum(x, 1)
			mean := graph.ReduceMean(x)
			mx := graph.ReduceMax(x, 0)
			iota := g.Iota(dt, graph.Shape{2, 2}, 0)
			where := graph.Where(graph.Less(x, s(0)), x, graph.Min(x, s(2)))
			got := eval(t, 2, g, vals, y, sum, mean, mx, iota, where)
			// |x|/2 truncates: [0 1 1 2 2 3]
			wantValues(t, "arith", got[0], dt, graph.Shape{2, 3}, 0, 3-0+1, -6-1+2, 9-1+1, -12-2+4, 15-2+1, -18-3+6)
			wantValues(t, "sum", got[1], dt, graph.Shape{2}, 0, 2, -5)
			wantValues(t, "mean", got[2], dt, nil, 0, -0) // -3/6 truncates to 0
			wantValues(t, "max", got[3], dt, graph.Shape{3}, 0, 1, 5, 3)
			wantValues(t, "iota", got[4], dt, graph.Shape{2, 2}, 0, 0, 0, 1, 1)
			wantValues(t, "where", got[5], dt, graph.Shape{2, 3}, 0, 1, -2, 2, -4, 2, -6)
		})
	}
}

func TestCast(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F64, graph.Shape{6})
	vals := map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F64, graph.Shape{6}, -2.7, -0.5, 0, 0.5, 1.99, 3)}
	i32 := graph.Cast(x, graph.I32)
	i64 := graph.Cast(x, graph.I64)
	b := graph.Cast(x, graph.Bool)
	back := graph.Cast(b, graph.F32)
	f32 := graph.Cast(x, graph.F32)
	f16 := graph.Cast(graph.Cast(f32, graph.F16), graph.F32)
	bf16 := graph.Cast(graph.Cast(f32, graph.BF16), graph.F32)
	u8 := graph.Cast(graph.Cast(graph.Abs(x), graph.U8), graph.F64)
	iToF := graph.Cast(i64, graph.F64)
	got := eval(t, 2, g, vals, i32, i64, b, back, f16, bf16, u8, iToF)
	wantValues(t, "i32", got[0], graph.I32, graph.Shape{6}, 0, -2, 0, 0, 0, 1, 3)
	wantValues(t, "i64", got[1], graph.I64, graph.Shape{6}, 0, -2, 0, 0, 0, 1, 3)
	wantValues(t, "bool", got[2], graph.Bool, graph.Shape{6}, 0, 1, 1, 0, 1, 1, 1)
	wantValues(t, "bool->f32", got[3], graph.F32, graph.Shape{6}, 0, 1, 1, 0, 1, 1, 1)
	// -2.7 in f16 is -2.69921875 (10-bit mantissa), 1.99 is 1.990234375; bf16 keeps 8 bits.
	wantValues(t, "f16", got[4], graph.F32, graph.Shape{6}, 0, -2.69921875, -0.5, 0, 0.5, 1.990234375, 3)
	wantValues(t, "bf16", got[5], graph.F32, graph.Shape{6}, 0, -2.703125, -0.5, 0, 0.5, 1.9921875, 3)
	wantValues(t, "u8", got[6], graph.F64, graph.Shape{6}, 0, 2, 0, 0, 0, 1, 3)
	wantValues(t, "i64->f64", got[7], graph.F64, graph.Shape{6}, 0, -2, 0, 0, 0, 1, 3)
}

// Zero-size tensors flow through every kind of kernel.
func TestZeroSize(t *testing.T) {
	g := graph.New()
	f32 := func(shape graph.Shape, v ...float64) *graph.Node { return g.Const(tensorOf(graph.F32, shape, v...)) }
	x := g.Input("x", graph.F32, graph.Shape{0, 4})
	w := g.Input("w", graph.F32, graph.Shape{4, 3})
	y := graph.MatMul(x, w)                                // [0 3]
	y = graph.Softmax(graph.Exp(graph.AddScalar(y, 1)), 1) // [0 3]
	y = graph.LayerNorm(y, f32(graph.Shape{3}, 1, 1, 1), f32(graph.Shape{3}, 0, 0, 0), 1e-5)
	y = graph.Transpose(graph.Pad(y, []int{0, 1}, []int{0, 0}), 1, 0) // [4 0]
	s := graph.ReduceSum(y, 1)                                        // [4] of zeros
	m := graph.ReduceMean(y, 1)                                       // [4] of NaN (0/0)
	empty := g.Input("e", graph.F32, graph.Shape{3, 0})
	z := graph.MatMul(f32(graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6), empty)          // [2 0]
	kz := graph.MatMul(f32(graph.Shape{2, 0}), f32(graph.Shape{0, 2}))          // K = 0: zeros
	cat := graph.Concat(0, graph.Slice(z, []int{0, 0}, []int{1, 0}), z)         // [3 0]
	gat := graph.Gather(w, g.Const(graph.NewTensor(graph.I32, graph.Shape{0}))) // [0 3]
	q := f32(graph.Shape{1, 1, 2, 4}, 1, 2, 3, 4, 5, 6, 7, 8)
	noKeys := graph.Attention(q, f32(graph.Shape{1, 1, 0, 4}), f32(graph.Shape{1, 1, 0, 3}), nil, 1) // [1 1 2 3] zeros
	noQueries := graph.Attention(graph.Reshape(x, 1, 1, 0, 4), q, graph.Slice(q, []int{0, 0, 0, 0}, []int{1, 1, 2, 3}), nil, 1)
	got := eval(t, 2, g, map[*graph.Node]*graph.Tensor{
		x: graph.NewTensor(graph.F32, graph.Shape{0, 4}), w: graph.NewTensor(graph.F32, graph.Shape{4, 3}), empty: graph.NewTensor(graph.F32, graph.Shape{3, 0}),
	}, y, s, m, z, kz, cat, gat, noKeys, noQueries)
	wantValues(t, "y", got[0], graph.F32, graph.Shape{4, 0}, 0)
	wantValues(t, "sum", got[1], graph.F32, graph.Shape{4}, 0, 0, 0, 0, 0)
	nan := math.NaN()
	wantValues(t, "mean", got[2], graph.F32, graph.Shape{4}, 0, nan, nan, nan, nan)
	wantValues(t, "z", got[3], graph.F32, graph.Shape{2, 0}, 0)
	wantValues(t, "k0", got[4], graph.F32, graph.Shape{2, 2}, 0, 0, 0, 0, 0)
	wantValues(t, "concat", got[5], graph.F32, graph.Shape{3, 0}, 0)
	wantValues(t, "gather", got[6], graph.F32, graph.Shape{0, 3}, 0)
	wantValues(t, "attention without keys", got[7], graph.F32, graph.Shape{1, 1, 2, 3}, 0, 0, 0, 0, 0, 0, 0)
	wantValues(t, "attention without queries", got[8], graph.F32, graph.Shape{1, 1, 0, 3}, 0)
}
