package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestReshapeStrides(t *testing.T) {
	cases := []struct {
		from    graph.Shape
		strides []int
		to      graph.Shape
		want    []int // nil: not addressable without a copy
	}{
		// [B T H d] read from a [B T D] buffer with row stride 3D (a packed qkv slice): D = 8, H = 2.
		{graph.Shape{2, 5, 8}, []int{120, 24, 1}, graph.Shape{2, 5, 2, 4}, []int{120, 24, 4, 1}},
		// The transpose of the heads, merged back: [B H T d] with [B T H d] strides cannot merge H and T.
		{graph.Shape{2, 2, 5, 4}, []int{40, 4, 8, 1}, graph.Shape{2, 10, 4}, nil},
		// ... but merging B and H (both outer, H·d = stride of T) can't either: H stride 4, T stride 8.
		{graph.Shape{2, 2, 5, 4}, []int{40, 4, 8, 1}, graph.Shape{4, 5, 4}, nil},
		// A broadcast row [3 4] (stride 0 rows) split into [3 2 2].
		{graph.Shape{3, 4}, []int{0, 1}, graph.Shape{3, 2, 2}, []int{0, 2, 1}},
		// Merging a broadcast axis with a real one is not addressable.
		{graph.Shape{3, 4}, []int{0, 1}, graph.Shape{12}, nil},
		// Size-1 dimensions inserted and dropped.
		{graph.Shape{1, 6, 1}, []int{99, 2, 7}, graph.Shape{2, 1, 3}, []int{6, 1, 2}},
		// Transposed matrix [4 3] of a [3 4] buffer, reshaped to [2 2 3].
		{graph.Shape{4, 3}, []int{1, 4}, graph.Shape{2, 2, 3}, []int{2, 1, 4}},
	}
	for _, c := range cases {
		got, ok := reshapeStrides(c.from, c.strides, c.to)
		if c.want == nil {
			if ok {
				t.Errorf("%v%v -> %v: got strides %v, want a copy", c.from, c.strides, c.to, got)
			}
			continue
		}
		for i, d := range c.to {
			if d == 1 && ok {
				got[i] = c.want[i] // the stride of a size-1 dimension is never used
			}
		}
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%v%v -> %v: got %v (%v), want %v", c.from, c.strides, c.to, got, ok, c.want)
		}
	}
}

// viewCase is a graph whose layout ops the executor should read in place (views), or copy.
type viewCase struct {
	name   string
	inputs []graph.Shape
	build  func(in []*graph.Node) []*graph.Node
	copies int // layout steps (transpose, slice, broadcast) left in the schedule
}

// splitHeads is the model's [B T D] -> [B H T d].
func splitHeads(x *graph.Node, heads int) *graph.Node {
	s := x.Shape()
	return graph.Transpose(graph.Reshape(x, s[0], s[1], heads, s[2]/heads), 0, 2, 1, 3)
}

var viewCases = []viewCase{
	{"bias_and_scalars", []graph.Shape{{4, 5, 6}, {6}, {4, 1, 6}}, func(in []*graph.Node) []*graph.Node {
		x := graph.MulScalar(graph.Add(in[0], in[1]), 0.5)
		c := graph.Greater(in[2], graph.ZerosLike(in[2]))
		w := graph.Where(c, graph.Exp(x), graph.Sub(in[2], x))
		return []*graph.Node{w, graph.Cast(graph.Less(x, in[2]), graph.F32)}
	}, 0},
	{"column_broadcast", []graph.Shape{{3, 700}, {3, 1}}, func(in []*graph.Node) []*graph.Node {
		return []*graph.Node{graph.Div(in[0], in[1]), graph.Max(in[1], in[0])}
	}, 0},
	{"repeated_operands", []graph.Shape{{3, 700}, {3, 1}}, func(in []*graph.Node) []*graph.Node {
		one := in[0].Graph().Scalar(1, in[0].DType())
		outs := []*graph.Node{graph.Sub(one, in[0]), graph.AddScalar(in[0], 2)}
		for _, f := range []func(a, b *graph.Node) *graph.Node{graph.Add, graph.Sub, graph.Mul, graph.Div} {
			outs = append(outs, f(in[1], in[0]), f(in[0], in[1]))
		}
		return outs
	}, 0},
	{"transposed_operands", []graph.Shape{{3, 4, 5}, {5, 4, 3}}, func(in []*graph.Node) []*graph.Node {
		y := graph.Add(graph.Tanh(graph.Transpose(in[0], 2, 1, 0)), in[1])
		return []*graph.Node{graph.Mul(y, graph.Transpose(graph.Transpose(in[1], 2, 0, 1), 1, 2, 0))}
	}, 0},
	{"multihead", []graph.Shape{{2, 7, 16}, {2, 9, 16}, {2, 9, 16}, {2, 9}}, func(in []*graph.Node) []*graph.Node {
		mask := graph.Reshape(graph.MulScalar(graph.AddScalar(graph.Neg(in[3]), 1), -1e4), 2, 1, 1, 9)
		ctx := graph.Attention(splitHeads(in[0], 4), splitHeads(in[1], 4), splitHeads(in[2], 4), mask, 0.5)
		return []*graph.Node{graph.Reshape(graph.Transpose(ctx, 0, 2, 1, 3), 2, 7, 16)}
	}, 0},
	{"packed_qkv", []graph.Shape{{2, 6, 24}}, func(in []*graph.Node) []*graph.Node {
		q := graph.SliceAxis(in[0], -1, 0, 8)
		k := graph.SliceAxis(in[0], -1, 8, 16)
		v := graph.SliceAxis(in[0], -1, 16, 24)
		ctx := graph.Attention(splitHeads(q, 2), splitHeads(k, 2), splitHeads(v, 2), nil, 0.3)
		return []*graph.Node{graph.Add(graph.Reshape(graph.Transpose(ctx, 0, 2, 1, 3), 2, 6, 8), q)}
	}, 0},
	{"attention_output_kept", []graph.Shape{{1, 2, 5, 4}}, func(in []*graph.Node) []*graph.Node {
		ctx := graph.Attention(in[0], in[0], in[0], nil, 1)
		return []*graph.Node{ctx, graph.Transpose(ctx, 0, 2, 1, 3)} // an output: stored row-major
	}, 1},
	{"view_into_matmul_and_output", []graph.Shape{{4, 6}, {6}}, func(in []*graph.Node) []*graph.Node {
		wt := graph.Transpose(in[0], 1, 0)                                    // read by a matmul: copied
		b := graph.BroadcastTo(graph.Reshape(in[1], 1, 6), graph.Shape{4, 6}) // an output: copied
		return []*graph.Node{graph.MatMul(in[0], wt), b, graph.Add(in[0], in[1])}
	}, 2},
	{"reshape_needs_copy", []graph.Shape{{2, 3, 4}}, func(in []*graph.Node) []*graph.Node {
		tr := graph.Transpose(in[0], 1, 0, 2) // [3 2 4] merged to [3 8]: not addressable
		return []*graph.Node{graph.Sigmoid(graph.Reshape(tr, 3, 8)), graph.Neg(tr)}
	}, 1},
	{"slices_and_concat", []graph.Shape{{6, 10}}, func(in []*graph.Node) []*graph.Node {
		top := graph.SliceAxis(in[0], 0, 2, 4)  // contiguous rows: read in place by the matmul
		left := graph.SliceAxis(in[0], 1, 1, 7) // columns: a view the concat and pad copy from
		cat := graph.Concat(0, left, graph.Transpose(left, 1, 0))
		return []*graph.Node{graph.MatMulT(top, top, false, true), cat, graph.Pad(left, []int{1, 0}, []int{0, 2})}
	}, 0},
}

// TestViews runs each case with views and with every layout copied (copyLayouts), in F32 and
// F64 on 1, 2 and 3 threads: the results must be identical, and the schedule must keep only the
// layout steps the case expects.
func TestViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range viewCases {
		for _, dt := range []graph.DType{graph.F32, graph.F64} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				g := graph.New()
				vals := map[*graph.Node]*graph.Tensor{}
				var ins []*graph.Node
				for i, s := range c.inputs {
					n := g.Input(fmt.Sprint("in", i), dt, s)
					ins = append(ins, n)
					vals[n] = randomTensor(rng, dt, s)
				}
				outs := c.build(ins)
				if err := g.Err(); err != nil {
					t.Fatal(err)
				}
				want := runArgs(t, compile(t, New(Options{Threads: 2, copyLayouts: true}), g, outs...), vals)
				for _, threads := range []int{1, 2, 3} {
					exe := compile(t, New(Options{Threads: threads}), g, outs...)
					st := statsOf(exe)
					if n := st.steps["transpose"] + st.steps["slice"] + st.steps["broadcast"]; n != c.copies {
						t.Errorf("%d threads: %d layout copies, want %d:\n%v", threads, n, c.copies, st)
					}
					got := runArgs(t, exe, vals)
					for i := range got {
						if !got[i].Identical(want[i]) {
							t.Errorf("%d threads: output %d differs from the copied layouts:\ngot  %v\nwant %v", threads, i, got[i].Float64s(), want[i].Float64s())
						}
					}
				}
			})
		}
	}
}
