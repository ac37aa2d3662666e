package graphtest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// Tolerances: max|got-want| / max(max|want|, tiny) per tensor.
const (
	ForwardTolF32 = 1e-5  // F32 forward values against the float64 reference
	ForwardTolF64 = 1e-12 // F64 forward values against the float64 reference
	GradTol       = 1e-6  // F64 gradients against central finite differences

	forwardFloor = 1e-300 // an all-zero reference needs exact zeros
	gradFloor    = 1e-9   // gradients: below this the difference counts as absolute
)

// Run checks backend b against every case of the suite, as subtests named
// "<case>/<dtype>/<check>" (check is forward, fused or grad), plus "coverage", "alloc",
// "errors/..." and "determinism/...".
func Run(t *testing.T, b graph.Backend) { runSuite(t, b, capsOf(b, nil)) }

func runSuite(t *testing.T, b graph.Backend, cp caps) {
	cases := allCases()
	t.Run("coverage", func(t *testing.T) { checkCoverage(t, cases) })
	t.Run("alloc", func(t *testing.T) { checkAlloc(t, b) })
	if !cp.has(graph.F64) {
		t.Run("capabilities/no_f64", func(t *testing.T) { checkNoF64(t, b) })
	}
	for _, c := range cases {
		dts, missing := cp.dtypes(c)
		skipMissing(t, c.name, missing)
		for _, dt := range dts {
			prefix := c.name + "/" + dt.String()
			t.Run(prefix+"/forward", func(t *testing.T) { checkForward(t, b, c, dt, cp) })
			if c.hasFused() && dt.IsFloat() {
				t.Run(prefix+"/fused", func(t *testing.T) { checkFused(t, b, c, dt, cp) })
			}
			switch {
			case c.noGrad:
			case dt == graph.F64:
				t.Run(prefix+"/grad", func(t *testing.T) { checkGrad(t, b, c) })
				if hasOwnVJP(t, c) {
					t.Run(prefix+"/vjp", func(t *testing.T) { checkVJP(t, b, c) })
				}
			case dt == graph.F32 && !cp.has(graph.F64) && slices.Contains(c.dtypeList(), graph.F64):
				t.Run(prefix+"/grad", func(t *testing.T) {
					if cp.ref == nil {
						t.Skip("the backend has no f64 for finite differences and no reference backend was given (RunWithReference)")
					}
					if why := cp.unsupported(gradGraph(t, c, dt)); why != "" {
						t.Skipf("the case uses %s, which the backend does not have", why)
					}
					checkGradRef(t, b, cp.ref, c)
				})
			}
		}
	}
	runErrorChecks(t, b, cp)
	runDeterminism(t, b, cp)
}

// gradGraph builds a case's graph (to see which dtypes it uses).
func gradGraph(t *testing.T, c *opCase, dt graph.DType) *graph.Graph {
	g, _, _ := buildCase(t, c, dt)
	return g
}

// compile calls b.Compile, turning a panic into an error.
func compile(b graph.Backend, g *graph.Graph, outs ...*graph.Node) (exe graph.Executable, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Compile panicked: %v", p)
		}
	}()
	return b.Compile(g, outs...)
}

// run calls exe.Run, turning a panic into an error.
func run(exe graph.Executable, args []*graph.Tensor) (out []*graph.Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Run panicked: %v", p)
		}
	}()
	return exe.Run(context.Background(), args)
}

// orderArgs lays out values (keyed by node) in exe.Args() order; missing ones stay nil.
func orderArgs(exe graph.Executable, vals map[*graph.Node]*graph.Tensor) []*graph.Tensor {
	args := make([]*graph.Tensor, len(exe.Args()))
	for i, n := range exe.Args() {
		args[i] = vals[n]
	}
	return args
}

// uploadArgs turns reference values into backend tensors (from b.Alloc) keyed by node.
func uploadArgs(b graph.Backend, nodes []*graph.Node, vals []*tensor) map[*graph.Node]*graph.Tensor {
	m := map[*graph.Node]*graph.Tensor{}
	for i, n := range nodes {
		t := b.Alloc(n.DType(), n.Shape())
		fill(t, vals[i].data)
		m[n] = t
	}
	return m
}

// buildCase builds c in dtype dt on a new graph and checks the declared ops are there.
func buildCase(t *testing.T, c *opCase, dt graph.DType) (*graph.Graph, []*graph.Node, []*graph.Node) {
	t.Helper()
	g := graph.New()
	nodes := buildArgs(g, c, dt)
	outs := c.build(g, dt, nodes)
	if err := g.Err(); err != nil {
		t.Fatalf("building the case: %v", err)
	}
	for _, op := range c.covers {
		if !hasOp(g, op) {
			t.Fatalf("the case declares op %T %s but its graph has no such node", op, op.Name())
		}
	}
	return g, nodes, outs
}

func checkForward(t *testing.T, b graph.Backend, c *opCase, dt graph.DType, cp caps) {
	g, nodes, outs := buildCase(t, c, dt)
	if why := cp.unsupported(g); why != "" {
		t.Skipf("the case uses %s, which the backend does not have (Capabilities.FloatDTypes)", why)
	}
	vals := genArgs(c, dt)
	exe, err := compile(b, g, outs...)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	in := uploadArgs(b, nodes, vals)
	kept := map[*graph.Node]*graph.Tensor{}
	for n, v := range in {
		kept[n] = v.Clone()
	}
	got, err := run(exe, orderArgs(exe, in))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := c.ref(dt, vals)
	if len(got) != len(outs) || len(want) != len(outs) {
		t.Fatalf("%d outputs, %d from the backend, %d from the reference", len(outs), len(got), len(want))
	}
	for i, o := range outs {
		tol := tolFor(o.DType())
		if c.exact {
			tol = 0
		}
		compareTensor(t, fmt.Sprintf("output %d", i), o, got[i], want[i], tol)
	}
	for i, n := range nodes {
		if !in[n].Identical(kept[n]) {
			t.Errorf("Run modified its argument %q", c.args[i].name)
		}
	}
}

// checkFused compares each fused node of the case with its decomposition, on the same backend.
func checkFused(t *testing.T, b graph.Backend, c *opCase, dt graph.DType, cp caps) {
	g, _, _ := buildCase(t, c, dt)
	if why := cp.unsupported(g); why != "" {
		t.Skipf("the case uses %s, which the backend does not have (Capabilities.FloatDTypes)", why)
	}
	if _, err := fusedResult(b, c, dt); err != nil {
		t.Error(err)
	}
}

func tolFor(dt graph.DType) float64 {
	switch dt {
	case graph.F32:
		return ForwardTolF32
	case graph.F64:
		return ForwardTolF64
	case graph.F16:
		return ForwardTolF16
	}
	return 0
}

// compareTensor checks dtype, shape and values of got against node n's type and want. tol 0
// means bit-exact (NaN matches NaN).
func compareTensor(t *testing.T, what string, n *graph.Node, got *graph.Tensor, want *tensor, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil tensor", what)
		return
	}
	if got.DType != n.DType() || !got.Shape.Equal(n.Shape()) {
		t.Errorf("%s: got %v, want %v%v", what, got, n.DType(), n.Shape())
		return
	}
	if err := got.Check(); err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !want.shape.Equal(n.Shape()) {
		t.Fatalf("%s: reference has shape %v, node %v (suite bug)", what, want.shape, n.Shape())
	}
	if msg := diff(got.Float64s(), want.data, tol, forwardFloor); msg != "" {
		t.Errorf("%s %v%v: %s", what, n.DType(), n.Shape(), msg)
	}
}

// diff returns "" when got matches want within tol, relative to max(max|want|, floor), else a
// description of the worst element.
func diff(got, want []float64, tol, floor float64) string {
	scale := 0.0
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = math.Max(scale, math.Abs(w))
		}
	}
	scale = math.Max(scale, floor)
	worst, at, bad := 0.0, -1, 0
	for i := range want {
		g, w := got[i], want[i]
		var e float64
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0) || math.IsNaN(g) || math.IsInf(g, 0):
			if g == w || (math.IsNaN(g) && math.IsNaN(w)) {
				continue
			}
			e = math.Inf(1)
		default:
			e = math.Abs(g-w) / scale
		}
		if e > tol {
			bad++
			if e > worst || at < 0 {
				worst, at = e, i
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements off; worst at %d: got %v, want %v (relative error %.3g, tolerance %g)",
		bad, len(want), at, got[at], want[at], worst, tol)
}

// relErr is max|got-want| / max(max|want|, floor) (NaNs and infinities left out).
func relErr(got, want []float64, floor float64) float64 {
	scale, worst := floor, 0.0
	for i, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = math.Max(scale, math.Abs(w))
			worst = math.Max(worst, math.Abs(got[i]-w))
		}
	}
	return worst / scale
}

// checkAlloc checks that Alloc gives zeroed tensors of the asked dtype and shape.
func checkAlloc(t *testing.T, b graph.Backend) {
	for _, dt := range []graph.DType{graph.F32, graph.F64, graph.F16, graph.BF16, graph.I32, graph.I64, graph.Bool, graph.U8} {
		for _, s := range []graph.Shape{{}, {0, 3}, {3, 17}} {
			a := b.Alloc(dt, s)
			if a == nil || a.DType != dt || !a.Shape.Equal(s) {
				t.Errorf("Alloc(%v, %v) = %v", dt, s, a)
				continue
			}
			if err := a.Check(); err != nil {
				t.Errorf("Alloc(%v, %v): %v", dt, s, err)
				continue
			}
			for _, v := range a.Float64s() {
				if v != 0 {
					t.Errorf("Alloc(%v, %v) is not zeroed", dt, s)
					break
				}
			}
		}
	}
}
