package graphtest

import (
	"errors"
	"fmt"
	"math"
	"slices"
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
	Skipped string        // why the check does not apply to the backend ("" when it ran)
}

// Results runs the forward, fused and gradient checks of every case of the suite on b (the
// checks Run runs as subtests, without the coverage, alloc, error and determinism checks) and
// returns one Result per check, in Run's order. With short, the gradient checks of heavy cases
// sample elements as Run does under -short. keep, when not nil, selects checks by Name.
func Results(b graph.Backend, short bool, keep func(name string) bool) []Result {
	return ResultsWithReference(b, nil, short, keep)
}

// ResultsWithReference is Results for a backend that may lack F64 (see Capabilities): like
// RunWithReference, it runs each case in the dtypes the backend has, records what it cannot run
// as skipped Results, and checks F32 gradients against ref's when there is no F64.
func ResultsWithReference(b, ref graph.Backend, short bool, keep func(name string) bool) []Result {
	cp := capsOf(b, ref)
	var out []Result
	add := func(name string, tol float64, f func() (float64, error)) {
		if keep != nil && !keep(name) {
			return
		}
		start := time.Now()
		worst, err := guard(f)
		var skip *skipError
		if errors.As(err, &skip) {
			out = append(out, Result{Name: name, MaxErr: math.NaN(), Skipped: skip.why})
			return
		}
		out = append(out, Result{Name: name, MaxErr: worst, Tol: tol, Elapsed: time.Since(start), Err: err})
	}
	for _, c := range allCases() {
		dts, missing := cp.dtypes(c)
		for _, dt := range missing {
			add(c.name+"/"+dt.String(), 0, skipf("the backend has no %v (Capabilities.FloatDTypes)", dt))
		}
		for _, dt := range dts {
			prefix := c.name + "/" + dt.String()
			if g, _, _, err := buildCaseErr(c, dt); err == nil {
				if why := cp.unsupported(g); why != "" {
					add(prefix+"/forward", 0, skipf("the case uses %s, which the backend does not have", why))
					continue
				}
			}
			tol := tolFor(dt)
			if c.exact {
				tol = 0
			}
			add(prefix+"/forward", tol, func() (float64, error) { return forwardResult(b, c, dt) })
			if c.hasFused() && dt.IsFloat() {
				add(prefix+"/fused", tolFor(dt), func() (float64, error) { return fusedResult(b, c, dt) })
			}
			switch {
			case c.noGrad:
			case dt == graph.F64:
				add(prefix+"/grad", GradTol, func() (float64, error) { return gradResult(b, c, short) })
			case dt == graph.F32 && !cp.has(graph.F64) && slices.Contains(c.dtypeList(), graph.F64):
				if ref == nil {
					add(prefix+"/grad", 0, skipf("no f64 for finite differences and no reference backend"))
					continue
				}
				add(prefix+"/grad", GradTolRef, func() (float64, error) { return gradRefResult(b, ref, c) })
			}
		}
	}
	return out
}

// skipError marks a check that does not apply to the backend.
type skipError struct{ why string }

func (e *skipError) Error() string { return "skipped: " + e.why }

func skipf(format string, args ...any) func() (float64, error) {
	return func() (float64, error) { return math.NaN(), &skipError{fmt.Sprintf(format, args...)} }
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
	worst, bad := 0.0, []error(nil)
	for i, n := range fused {
		want := &tensor{shape: decomposed[i].Shape(), data: got[len(fused)+i].Float64s()}
		e, err := compareErr(n, got[i], want, tolFor(dt))
		worst = math.Max(worst, e)
		if err != nil {
			bad = append(bad, fmt.Errorf("fused %s vs its decomposition: %w", n.Op().Name(), err))
		}
	}
	return worst, errors.Join(bad...)
}
