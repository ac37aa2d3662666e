package cpu

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func TestRunArgErrors(t *testing.T) {
	g := graph.New()
	px := g.Input("pixel_values", graph.F32, graph.Shape{1, 3, 288, 288})
	w := g.Param("vision.weight", graph.F32, graph.Shape{3})
	unused := g.Input("unused", graph.I64, nil)
	_ = unused
	y := graph.ReduceSum(graph.Mul(graph.ReduceMean(px, 0, 2, 3), w))
	exe := compile(t, New(Options{}), g, y)
	good := graph.NewTensor(graph.F32, graph.Shape{1, 3, 288, 288})
	wt := graph.NewTensor(graph.F32, graph.Shape{3})
	ctx := context.Background()

	_, err := exe.Run(ctx, []*graph.Tensor{good, wt})
	wantError(t, err, "cpu: 2 args given, the graph has 3")
	_, err = exe.Run(ctx, []*graph.Tensor{graph.NewTensor(graph.F32, graph.Shape{1, 3, 32, 32}), wt, nil})
	wantError(t, err, `cpu: input "pixel_values": shape [1 3 32 32], want [1 3 288 288]`)
	_, err = exe.Run(ctx, []*graph.Tensor{good, graph.NewTensor(graph.F64, graph.Shape{3}), nil})
	wantError(t, err, `cpu: param "vision.weight": dtype f64, want f32`)
	_, err = exe.Run(ctx, []*graph.Tensor{good, nil, nil})
	wantError(t, err, `cpu: param "vision.weight" is nil`)
	_, err = exe.Run(ctx, []*graph.Tensor{good, {DType: graph.F32, Shape: graph.Shape{3}, Data: []float32{1}}, nil})
	wantError(t, err, `cpu: param "vision.weight"`, "has 1 elements, want 3")
	_, err = exe.Run(ctx, []*graph.Tensor{good, {DType: graph.F32, Shape: graph.Shape{3}, Data: []float64{1, 2, 3}}, nil})
	wantError(t, err, `cpu: param "vision.weight"`, "[]float64")
	// An unreachable arg may be nil, but when given it is checked.
	if _, err := exe.Run(ctx, []*graph.Tensor{good, wt, nil}); err != nil {
		t.Fatal(err)
	}
	_, err = exe.Run(ctx, []*graph.Tensor{good, wt, graph.NewTensor(graph.I32, nil)})
	wantError(t, err, `cpu: input "unused": dtype i32, want i64`)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = exe.Run(cancelled, []*graph.Tensor{good, wt, nil})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
}

func TestRunKernelErrors(t *testing.T) {
	g := graph.New()
	table := g.Param("embeddings", graph.F32, graph.Shape{4, 2})
	ids := g.Input("input_ids", graph.I64, graph.Shape{3})
	emb := graph.Gather(table, ids)
	a := g.Input("a", graph.I32, graph.Shape{2})
	b := g.Input("b", graph.I32, graph.Shape{2})
	q := graph.Div(a, b)
	sc := graph.ScatterAdd(ids, graph.Reshape(g.Iota(graph.F32, graph.Shape{6}, 0), 3, 2), 4)
	exe := compile(t, New(Options{}), g, emb, q, sc)
	tab := graph.NewTensor(graph.F32, graph.Shape{4, 2})
	okIDs := graph.FromInt64(graph.Shape{3}, []int64{0, 3, 1})
	ai, bi := graph.FromInt32(graph.Shape{2}, []int32{7, -7}), graph.FromInt32(graph.Shape{2}, []int32{2, 2})
	if _, err := exe.Run(context.Background(), []*graph.Tensor{tab, okIDs, ai, bi}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int64{4, -1} {
		_, err := exe.Run(context.Background(), []*graph.Tensor{tab, graph.FromInt64(graph.Shape{3}, []int64{0, bad, 1}), ai, bi})
		wantError(t, err, "gather(", "index", "at position 1 is out of range [0, 4)")
	}
	_, err := exe.Run(context.Background(), []*graph.Tensor{tab, okIDs, ai, graph.FromInt32(graph.Shape{2}, []int32{1, 0})})
	wantError(t, err, "div(", "integer division by zero")
	// The executable still works after errors.
	out, err := exe.Run(context.Background(), []*graph.Tensor{tab, okIDs, ai, bi})
	if err != nil {
		t.Fatal(err)
	}
	wantValues(t, "div", out[1], graph.I32, graph.Shape{2}, 0, 3, -3)
	// Rows 0, 3, 1 get update rows [0 1], [2 3], [4 5].
	wantValues(t, "scatter", out[2], graph.F32, graph.Shape{4, 2}, 0, 0, 1, 4, 5, 0, 0, 2, 3)

	// A scatter index out of range is an error too.
	exe2 := compile(t, New(Options{}), g, sc)
	_, err = exe2.Run(context.Background(), []*graph.Tensor{nil, graph.FromInt64(graph.Shape{3}, []int64{0, 9, 1}), nil, nil})
	wantError(t, err, "scatter_add(", "index 9 at position 1 is out of range [0, 4)")
}

func TestCompileErrors(t *testing.T) {
	b := New(Options{})
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2, 3})
	other := graph.New()
	y := other.Input("y", graph.F32, graph.Shape{2})
	_, err := b.Compile(g, y)
	wantError(t, err, "cpu: output 0", "belongs to another graph")
	_, err = b.Compile(g, nil)
	wantError(t, err, "cpu: output 0 is nil")

	z := g.Input("z", graph.F32, graph.Shape{2, 3})
	one := g.Scalar(1, graph.F32)
	adam := graph.AdamW(x, z, z, z, one, one, 0.9, 0.999, 1e-8, 0)
	_, err = b.Compile(g, adam)
	wantError(t, err, "is a tuple")

	half := g.Input("h", graph.F16, graph.Shape{2, 3})
	_, err = b.Compile(g, graph.Exp(half))
	wantError(t, err, "exp", "f16", "not supported")
	_, err = b.Compile(g, graph.Cast(half, graph.F64))
	wantError(t, err, "cast", "f16", "not supported")
	if _, err := b.Compile(g, graph.Cast(half, graph.F32), graph.Cast(graph.Cast(x, graph.BF16), graph.F32)); err != nil {
		t.Fatalf("f16/bf16 casts to and from f32: %v", err)
	}

	graph.MatMul(x, x) // [2 3] x [2 3]: a build error kept by the graph
	_, err = b.Compile(g, x)
	wantError(t, err, "cpu: the graph has an error", "matmul")
}

// A kernel panic is reported as an error naming the node, not a crash.
type panicKernel struct{}

func (panicKernel) run() error { panic("boom") }

func TestRunRecoversPanics(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2})
	y := graph.Exp(x)
	exe := compile(t, New(Options{}), g, y).(*executable)
	exe.steps[0].k = panicKernel{}
	_, err := exe.Run(context.Background(), []*graph.Tensor{graph.NewTensor(graph.F32, graph.Shape{2})})
	wantError(t, err, "exp(", "boom")

	// A panic in a worker goroutine comes back to Run as well.
	big := g.Input("big", graph.F32, graph.Shape{1 << 16})
	z := graph.Exp(big)
	exe = compile(t, New(Options{Threads: 2}), g, z).(*executable)
	mk := exe.steps[0].k.(*mapKernel[float32, float32])
	if mk.parts < 2 {
		t.Fatalf("%d parts, want the kernel split across goroutines", mk.parts)
	}
	mk.fn = func(x, y []float32) { panic("worker boom") }
	_, err = exe.Run(context.Background(), []*graph.Tensor{nil, graph.NewTensor(graph.F32, graph.Shape{1 << 16})})
	wantError(t, err, "exp(", "worker boom")
}
