package mps

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestCompileCache: compiling the same outputs again reuses the lowered executable (with buffers
// of its own), and the cache keeps at most CacheSize executables, dropping the oldest.
func TestCompileCache(t *testing.T) {
	b := NewSimulated(Options{CacheSize: 2})
	defer b.Close()
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{3})
	outs := []*graph.Node{graph.Exp(x), graph.Neg(x), graph.Tanh(x)}
	e1, err := b.Compile(g, outs[0])
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := b.Compile(g, outs[0])
	if e1.(*executable).me != e2.(*executable).me || e1 == e2 {
		t.Errorf("a second Compile of the same outputs did not reuse the MPSGraph executable with fresh buffers")
	}
	arg := []*graph.Tensor{graph.FromFloat32(graph.Shape{3}, []float32{0, 1, 2})}
	r1, _ := e1.Run(context.Background(), arg)
	arg2 := []*graph.Tensor{graph.FromFloat32(graph.Shape{3}, []float32{5, 5, 5})}
	if _, err := e2.Run(context.Background(), arg2); err != nil {
		t.Fatal(err)
	}
	if r1[0].Data.([]float32)[0] != 1 {
		t.Errorf("running the cached twin overwrote the first executable's results")
	}
	b.Compile(g, outs[1])
	b.Compile(g, outs[2])
	if len(b.cache) != 2 {
		t.Fatalf("cache holds %d executables, want 2", len(b.cache))
	}
	e3, _ := b.Compile(g, outs[0])
	if e3.(*executable).me == e1.(*executable).me {
		t.Errorf("the oldest executable was not dropped from the cache")
	}
}

// TestHostChecks: integer division by an input that holds a zero, and gather indices out of
// range, are errors found on the host before the run (a GPU kernel cannot raise them).
func TestHostChecks(t *testing.T) {
	b := NewSimulated(Options{})
	defer b.Close()
	g := graph.New()
	a := g.Input("a", graph.I32, graph.Shape{3})
	d := g.Input("d", graph.I32, graph.Shape{3})
	q := graph.Div(a, d)
	exe, err := b.Compile(g, q)
	if err != nil {
		t.Fatal(err)
	}
	args := []*graph.Tensor{graph.FromInt32(graph.Shape{3}, []int32{7, -7, 9}), graph.FromInt32(graph.Shape{3}, []int32{2, 2, 0})}
	_, err = exe.Run(context.Background(), args)
	if err == nil || !strings.Contains(err.Error(), "division") || !strings.Contains(err.Error(), `"d"`) {
		t.Errorf("division by a zero input: got %v, want an error naming the division and d", err)
	}
	args[1].Data.([]int32)[2] = 3
	out, err := exe.Run(context.Background(), args)
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Data.([]int32); got[0] != 3 || got[1] != -3 || got[2] != 3 {
		t.Errorf("7/2, -7/2, 9/3 = %v, want [3 -3 3]", got)
	}
	// A constant zero divisor is found at compile time.
	g = graph.New()
	a = g.Input("a", graph.I64, graph.Shape{2})
	zero := g.Const(graph.FromInt64(graph.Shape{2}, []int64{1, 0}))
	if _, err := b.Compile(g, graph.Div(a, zero)); err == nil {
		t.Errorf("division by a constant zero compiled")
	}
}

// TestRunChecksArgs: Run refuses arguments that do not match and names them.
func TestRunChecksArgs(t *testing.T) {
	b := NewSimulated(Options{})
	defer b.Close()
	g := graph.New()
	x := g.Input("pixels", graph.F32, graph.Shape{2})
	exe, err := b.Compile(g, graph.Exp(x))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := exe.Run(ctx, []*graph.Tensor{graph.FromFloat32(graph.Shape{2}, []float32{0, 0})}); err == nil {
		t.Errorf("Run with a cancelled context succeeded")
	}
	if _, err := exe.Run(context.Background(), []*graph.Tensor{graph.FromFloat32(graph.Shape{3}, []float32{0, 0, 0})}); err == nil || !strings.Contains(err.Error(), "pixels") {
		t.Errorf("wrong shape: got %v, want an error naming pixels", err)
	}
}

// TestAllocIsFedInPlace: a tensor from Alloc is fed to the executable as it is (its bytes are
// the device buffer); other tensors go through the executable's own input buffer.
func TestAllocIsFedInPlace(t *testing.T) {
	b := NewSimulated(Options{})
	defer b.Close()
	g := graph.New()
	w := g.Param("w", graph.F32, graph.Shape{2})
	x := g.Input("x", graph.F32, graph.Shape{2})
	exe, err := b.Compile(g, graph.Mul(w, x))
	if err != nil {
		t.Fatal(err)
	}
	wt := b.Alloc(graph.F32, graph.Shape{2})
	copy(wt.Data.([]float32), []float32{2, 3})
	xt := graph.FromFloat32(graph.Shape{2}, []float32{5, 7})
	for step, want := range [][]float32{{10, 21}, {20, 42}} {
		out, err := exe.Run(context.Background(), []*graph.Tensor{wt, xt})
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0].Data.([]float32); got[0] != want[0] || got[1] != want[1] {
			t.Errorf("step %d: got %v, want %v", step, got, want)
		}
		wd := wt.Data.([]float32) // an in-place update of the weights between steps
		wd[0], wd[1] = wd[0]*2, wd[1]*2
	}
	e := exe.(*executable)
	for i, f := range e.feeds {
		staged := false
		for _, c := range e.inputs[i].Bytes() {
			staged = staged || c != 0
		}
		if graph.Label(f.node) == "w" && staged {
			t.Errorf("the Alloc'd weight was copied into the executable's input buffer")
		}
		if graph.Label(f.node) == "x" && !staged {
			t.Errorf("the host input was not written into the executable's input buffer")
		}
	}
}

// TestClosed: a closed backend refuses work with an error.
func TestClosed(t *testing.T) {
	b := NewSimulated(Options{})
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{2})
	exe, err := b.Compile(g, graph.Exp(x))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := b.Compile(g, graph.Neg(x)); err == nil {
		t.Errorf("Compile on a closed backend succeeded")
	}
	if _, err := exe.Run(context.Background(), []*graph.Tensor{graph.FromFloat32(graph.Shape{2}, []float32{1, 2})}); err == nil {
		t.Errorf("Run on a closed backend succeeded")
	}
}
