package graphtest

import (
	"fmt"
	"math"
	"time"

	"github.com/bridgetower-go/bt/graph"
)

// Result is the outcome of one check of the suite run by Results, outside `go test` (bt selftest).
type Result struct {
	Name    string        // "<case>/<dtype>/<check>" as the subtests of Run; check is forward, fused or grad
	MaxErr  float64       // the worst relative error measured: max|got-want| / max|want|; NaN when nothing was compared
	Tol     float64       // the tolerance it was held to (0: bit-exact)
	Elapsed time.Duration //
	Err     error         // nil when the check passed
}

// Results runs the forward, fused and gradient checks of every case of the suite on b (the
// checks Run runs as subtests, without the coverage, alloc, error and determinism checks) and
// returns one Result per check, in Run's order. With short, the gradient checks of heavy cases
// sample elements as Run does under -short. keep, when not nil, selects checks by Name.
func Results(b graph.Backend, short bool, keep func(name string) bool) []Result {
	var out []Result
	add := func(name string, tol float64, f func() (float64, error)) {
		if keep != nil && !keep(name) {
			return
		}
		start := time.Now()
		worst, err := guard(f)
		out = append(out, Result{Name: name, MaxErr: worst, Tol: tol, Elapsed: time.Since(start), Err: err})
	}
	for _, c := range allCases() {
		for _, dt := range c.dtypeList() {
			prefix := c.name + "/" + dt.String()
			tol := tolFor(dt)
			if c.exact {
				tol = 0
			}
			add(prefix+"/forward", tol, func() (float64, error) { return forwardResult(b, c, dt) })
			if c.hasFused() && dt.IsFloat() {
				add(prefix+"/fused", tolFor(dt), func() (float64, error) { return fusedResult(b, c, dt) })
			}
			if dt == graph.F64 && !c.noGrad {
				add(prefix+"/grad", GradTol, func() (float64, error) { return gradResult(b, c, short) })
			}
		}
	}
	return out
}

// guard runs f, turning a panic into an error.
func guard(f func() (float64, error)) (worst float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			worst, err = math.NaN(), fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

// buildCaseErr is buildCase reporting instead of failing a test.
func buildCaseErr(c *opCase, dt graph.DType) (*graph.Graph, []*graph.Node, []*graph.Node, error) {
	g := graph.New()
	nodes := buildArgs(g, c, dt)
	outs := c.build(g, dt, nodes)
	if err := g.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("building the case: %w", err)
	}
	for _, op := range c.covers {
		if !hasOp(g, op) {
			return nil, nil, nil, fmt.Errorf("the case declares op %s but its graph has no such node", op.Name())
		}
	}
	return g, nodes, outs, nil
}

// compareErr is compareTensor returning the relative error and an error instead of failing a test.
func compareErr(n *graph.Node, got *graph.Tensor, want *tensor, tol float64) (float64, error) {
	if got == nil {
		return math.NaN(), fmt.Errorf("nil tensor")
	}
	if got.DType != n.DType() || !got.Shape.Equal(n.Shape()) {
		return math.NaN(), fmt.Errorf("got %v, want %v%v", got, n.DType(), n.Shape())
	}
	if err := got.Check(); err != nil {
		return math.NaN(), err
	}
	g := got.Float64s()
	worst := relErr(g, want.data, forwardFloor)
	if msg := diff(g, want.data, tol, forwardFloor); msg != "" {
		return worst, fmt.Errorf("%v%v: %s", n.DType(), n.Shape(), msg)
	}
	return worst, nil
}

// forwardResult is checkForward: outputs against the float64 reference.
func forwardResult(b graph.Backend, c *opCase, dt graph.DType) (float64, error) {
	g, nodes, outs, err := buildCaseErr(c, dt)
	if err != nil {
		return math.NaN(), err
	}
	vals := genArgs(c, dt)
	exe, err := compile(b, g, outs...)
	if err != nil {
		return math.NaN(), fmt.Errorf("Compile: %w", err)
	}
	got, err := run(exe, orderArgs(exe, uploadArgs(b, nodes, vals)))
	if err != nil {
		return math.NaN(), fmt.Errorf("Run: %w", err)
	}
	want := c.ref(dt, vals)
	if len(got) != len(outs) || len(want) != len(outs) {
		return math.NaN(), fmt.Errorf("%d outputs, %d from the backend, %d from the reference", len(outs), len(got), len(want))
	}
	worst, first := 0.0, error(nil)
	for i, o := range outs {
		tol := tolFor(o.DType())
		if c.exact {
			tol = 0
		}
		e, err := compareErr(o, got[i], want[i], tol)
		worst = math.Max(worst, e)
		if err != nil && first == nil {
			first = fmt.Errorf("output %d: %w", i, err)
		}
	}
	return worst, first
}

// fusedResult is checkFused: each fused node against its decomposition on the same backend.
func fusedResult(b graph.Backend, c *opCase, dt graph.DType) (float64, error) {
	g, nodes, _, err := buildCaseErr(c, dt)
	if err != nil {
		return math.NaN(), err
	}
	var fused, decomposed []*graph.Node
	for _, n := range append([]*graph.Node(nil), g.Nodes()...) {
		f, ok := n.Op().(graph.FusedOp)
		if !ok || !n.Valid() {
			continue
		}
		dec := f.Decompose(n.Inputs())
		if n.NumOutputs() == 0 {
			fused = append(fused, n)
		} else {
			for i := 0; i < n.NumOutputs(); i++ {
				fused = append(fused, graph.Output(n, i))
			}
		}
		decomposed = append(decomposed, dec...)
	}
	if err := g.Err(); err != nil {
		return math.NaN(), fmt.Errorf("decomposing: %w", err)
	}
	if len(fused) != len(decomposed) {
		return math.NaN(), fmt.Errorf("%d fused outputs but %d decomposed ones", len(fused), len(decomposed))
	}
	exe, err := compile(b, g, append(fused, decomposed...)...)
	if err != nil {
		return math.NaN(), fmt.Errorf("Compile: %w", err)
	}
	got, err := run(exe, orderArgs(exe, uploadArgs(b, nodes, genArgs(c, dt))))
	if err != nil {
		return math.NaN(), fmt.Errorf("Run: %w", err)
	}
	worst, first := 0.0, error(nil)
	for i, n := range fused {
		want := &tensor{shape: decomposed[i].Shape(), data: got[len(fused)+i].Float64s()}
		e, err := compareErr(n, got[i], want, tolFor(dt))
		worst = math.Max(worst, e)
		if err != nil && first == nil {
			first = fmt.Errorf("fused %s vs its decomposition: %w", n.Op().Name(), err)
		}
	}
	return worst, first
}
