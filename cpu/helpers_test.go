package cpu

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// compile compiles outs of g on b, failing the test on error.
func compile(t testing.TB, b *Backend, g *graph.Graph, outs ...*graph.Node) graph.Executable {
	t.Helper()
	exe, err := b.Compile(g, outs...)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return exe
}

// runArgs runs exe with args given by node, failing the test on error.
func runArgs(t testing.TB, exe graph.Executable, vals map[*graph.Node]*graph.Tensor) []*graph.Tensor {
	t.Helper()
	out, err := exe.Run(context.Background(), argList(exe, vals))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

func argList(exe graph.Executable, vals map[*graph.Node]*graph.Tensor) []*graph.Tensor {
	args := make([]*graph.Tensor, len(exe.Args()))
	for i, n := range exe.Args() {
		args[i] = vals[n]
	}
	return args
}

// eval compiles and runs outs on a fresh backend with the given thread count.
func eval(t testing.TB, threads int, g *graph.Graph, vals map[*graph.Node]*graph.Tensor, outs ...*graph.Node) []*graph.Tensor {
	t.Helper()
	return runArgs(t, compile(t, New(Options{Threads: threads}), g, outs...), vals)
}

// tensorOf makes a tensor of dtype dt from float64 values.
func tensorOf(dt graph.DType, shape graph.Shape, v ...float64) *graph.Tensor {
	t := graph.NewTensor(dt, shape)
	if err := t.SetFloat64s(v); err != nil {
		panic(err)
	}
	return t
}

// randomTensor fills a float tensor with uniform values in [-1, 1).
func randomTensor(rng *rand.Rand, dt graph.DType, shape graph.Shape) *graph.Tensor {
	v := make([]float64, shape.Size())
	for i := range v {
		v[i] = 2*rng.Float64() - 1
	}
	return tensorOf(dt, shape, v...)
}

// wantValues checks a tensor's dtype, shape and values (relative tolerance tol, exact when 0).
func wantValues(t testing.TB, name string, got *graph.Tensor, dt graph.DType, shape graph.Shape, tol float64, want ...float64) {
	t.Helper()
	if got.DType != dt || !got.Shape.Equal(shape) {
		t.Fatalf("%s: got %v, want %v%v", name, got, dt, shape)
	}
	g := got.Float64s()
	if len(g) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(g), len(want))
	}
	for i := range want {
		if !close(g[i], want[i], tol) {
			t.Fatalf("%s: element %d = %v, want %v (all: %v)", name, i, g[i], want[i], g)
		}
	}
}

func close(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// maxRelDiff is max|a-b| / max(max|b|, 1e-30) over two tensors of one size.
func maxRelDiff(a, b *graph.Tensor) float64 {
	x, y := a.Float64s(), b.Float64s()
	var d, m float64
	for i := range y {
		d = math.Max(d, math.Abs(x[i]-y[i]))
		m = math.Max(m, math.Abs(y[i]))
	}
	return d / math.Max(m, 1e-30)
}

func tanh(x float64) float64 { return math.Tanh(x) }
