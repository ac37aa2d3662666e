package cpu

import (
	"context"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestOutputIsArg(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2, 2})
	r := graph.Reshape(x, 4)
	s := graph.StopGradient(r)
	exe := compile(t, New(Options{}), g, x, r, s, graph.Neg(r))
	in := tensorOf(graph.F32, graph.Shape{2, 2}, 1, 2, 3, 4)
	out := runArgs(t, exe, map[*graph.Node]*graph.Tensor{x: in})
	wantValues(t, "x", out[0], graph.F32, graph.Shape{2, 2}, 0, 1, 2, 3, 4)
	wantValues(t, "reshape", out[1], graph.F32, graph.Shape{4}, 0, 1, 2, 3, 4)
	wantValues(t, "stop_gradient", out[2], graph.F32, graph.Shape{4}, 0, 1, 2, 3, 4)
	wantValues(t, "neg", out[3], graph.F32, graph.Shape{4}, 0, -1, -2, -3, -4)
	for i, o := range out {
		if overlaps(o.Data, in.Data) {
			t.Fatalf("output %d shares memory with the arg", i)
		}
		for j := range i {
			if overlaps(o.Data, out[j].Data) {
				t.Fatalf("outputs %d and %d share memory", j, i)
			}
		}
	}
	out[0].Data.([]float32)[0] = 99
	wantValues(t, "arg after writing an output", in, graph.F32, graph.Shape{2, 2}, 0, 1, 2, 3, 4)
}

func TestSameOutputTwice(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F64, graph.Shape{3})
	y := graph.Exp(x)
	exe := compile(t, New(Options{}), g, y, y, graph.Reshape(y, 1, 3), g.Const(tensorOf(graph.F64, graph.Shape{1}, 5)))
	out := runArgs(t, exe, map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F64, graph.Shape{3}, 0, 0, 0)})
	for i, o := range out[:3] {
		if o.Len() != 3 {
			t.Fatalf("output %d: %v", i, o)
		}
		for _, v := range o.Float64s() {
			if v != 1 {
				t.Fatalf("output %d = %v, want ones", i, o.Float64s())
			}
		}
		for j := range i {
			if overlaps(o.Data, out[j].Data) {
				t.Fatalf("outputs %d and %d share memory", j, i)
			}
		}
	}
	// The constant output is a copy: writing it changes neither the graph nor the next run.
	out[3].Data.([]float64)[0] = -1
	out = runArgs(t, exe, map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F64, graph.Shape{3}, 0, 0, 0)})
	wantValues(t, "const", out[3], graph.F64, graph.Shape{1}, 0, 5)
}

// Args are read only, even where an in-place kernel could overwrite a dying operand.
func TestArgsAreNotWritten(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2, 3})
	c := g.Const(tensorOf(graph.F32, graph.Shape{2, 3}, 1, 1, 1, 1, 1, 1))
	y := graph.Softmax(graph.Add(graph.Neg(graph.Reshape(x, 3, 2)), graph.Reshape(c, 3, 2)), 1)
	y = graph.Add(y, graph.Exp(graph.Reshape(c, 3, 2)))
	in := tensorOf(graph.F32, graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6)
	for range 2 {
		runArgs(t, compile(t, New(Options{}), g, y), map[*graph.Node]*graph.Tensor{x: in})
	}
	wantValues(t, "arg", in, graph.F32, graph.Shape{2, 3}, 0, 1, 2, 3, 4, 5, 6)
	wantValues(t, "const", c.Op().(graph.ConstOp).Value, graph.F32, graph.Shape{2, 3}, 0, 1, 1, 1, 1, 1, 1)
}

// Feeding an output back as the next run's arg (a training loop without Clone) works: the arg is
// staged, since the run reuses the output's buffer before it has read the arg.
func TestOutputFedBack(t *testing.T) {
	g := graph.New()
	p := g.Param("p", graph.F32, graph.Shape{2})
	out := graph.Mul(graph.AddScalar(p, 1), p) // (p+1)·p
	exe := compile(t, New(Options{}), g, out)
	x := exe.(*executable)
	if x.outs[0].Data.([]float32) == nil || !overlaps(x.steps[0].out.vb.phys.data, x.outs[0].Data) {
		t.Fatalf("test premise: p+1 should be computed in the output's buffer")
	}
	cur := tensorOf(graph.F32, graph.Shape{2}, 1, 2)
	want := []float64{1, 2}
	for range 3 {
		res, err := exe.Run(context.Background(), []*graph.Tensor{cur})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want {
			want[i] = (v + 1) * v
		}
		wantValues(t, "step", res[0], graph.F32, graph.Shape{2}, 0, want...)
		cur = res[0]
	}
}

// Buffers are reused after their last reader: a long elementwise chain lives in one buffer.
func TestBufferReuse(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F64, graph.Shape{1000})
	y := x
	for range 50 {
		y = graph.Tanh(graph.AddScalar(graph.MulScalar(y, 1.5), 0.25))
	}
	z := graph.ReduceSum(graph.Transpose(graph.Reshape(y, 10, 100), 1, 0), 1)
	exe := compile(t, New(Options{}), g, z).(*executable)
	if n := len(exe.internal); n > 4 {
		t.Fatalf("%d internal buffers for a chain of %d steps, want at most 4", n, len(exe.steps))
	}
	v := make([]float64, 1000)
	for i := range v {
		v[i] = float64(i%17) / 17
	}
	out := runArgs(t, exe, map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F64, graph.Shape{1000}, v...)})
	want := make([]float64, 100)
	for i, s := range v {
		for range 50 {
			s = tanh(s*1.5 + 0.25)
		}
		want[i%100] += s
	}
	wantValues(t, "chain", out[0], graph.F64, graph.Shape{100}, 1e-12, want...)
}
