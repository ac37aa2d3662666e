package graphtest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// Capabilities is an optional interface of a backend: what it computes in and what it promises.
// The suite reads it and adapts its checks, saying so in a skipped subtest, instead of letting a
// backend fail (or skip) silently. Without it, a backend has F32 and F64 and is bit-for-bit
// deterministic.
type Capabilities interface {
	// FloatDTypes are the float dtypes the backend computes in. Cases generic in their float
	// dtype run in each of them that the case lists, plus F16 where the backend has it and the
	// case runs in both F32 and F64; a case using another float dtype is skipped, by name.
	FloatDTypes() []graph.DType
	// BitwiseDeterministic reports whether repeated runs give identical bits; when false, the
	// determinism check compares runs within the forward tolerance instead.
	BitwiseDeterministic() bool
	// ChecksComputedIndices reports whether an error in a value computed inside the graph (a
	// gather index out of range, an integer divisor of zero) is reported by Run. A GPU kernel
	// cannot raise one: such backends check the args on the host before upload (in-graph indices
	// are in range by construction), and the suite checks only those.
	ChecksComputedIndices() bool
}

// Tolerances for backends without float64.
const (
	ForwardTolF16 = 2e-3 // F16 forward values (every op rounds to float16) against the float64 reference
	GradTolRef    = 2e-4 // F32 gradients against the reference backend's F32 gradients
)

// caps is what Run knows about a backend.
type caps struct {
	floats        []graph.DType
	deterministic bool
	computed      bool          // errors in computed values are reported
	declared      bool          // the backend implements Capabilities (else it runs every dtype a case lists)
	ref           graph.Backend // for gradients when there is no F64 (may be nil)
}

func capsOf(b, ref graph.Backend) caps {
	c := caps{floats: []graph.DType{graph.F32, graph.F64}, deterministic: true, computed: true, ref: ref}
	if cb, ok := b.(Capabilities); ok {
		c.floats, c.deterministic, c.computed = cb.FloatDTypes(), cb.BitwiseDeterministic(), cb.ChecksComputedIndices()
		c.declared = true
	}
	return c
}

func (c caps) has(dt graph.DType) bool {
	return !c.declared || !dt.IsFloat() || slices.Contains(c.floats, dt)
}

// floatDType is the widest float dtype the backend has (for checks that need one float type).
func (c caps) floatDType() graph.DType {
	if c.has(graph.F64) {
		return graph.F64
	}
	return graph.F32
}

// dtypes is the list of dtypes case oc runs in on this backend, and the ones it cannot run.
func (c caps) dtypes(oc *opCase) (run, missing []graph.DType) {
	list := oc.dtypeList()
	for _, dt := range list {
		if c.has(dt) {
			run = append(run, dt)
		} else {
			missing = append(missing, dt)
		}
	}
	if c.declared && c.has(graph.F16) && slices.Contains(list, graph.F32) && slices.Contains(list, graph.F64) && !slices.Contains(list, graph.F16) && buildsIn(oc, graph.F16) {
		run = append(run, graph.F16)
	}
	return run, missing
}

// buildsIn reports whether case oc can be built in dtype dt (random_uniform has no F16, say).
func buildsIn(oc *opCase, dt graph.DType) bool {
	g := graph.New()
	oc.build(g, dt, buildArgs(g, oc, dt))
	return g.Err() == nil
}

// unsupported names the float dtypes of g's nodes the backend does not have ("" if none).
func (c caps) unsupported(g *graph.Graph) string {
	var bad []string
	for _, n := range g.Nodes() {
		if dt := n.DType(); n.Valid() && dt.IsFloat() && !c.has(dt) && !slices.Contains(bad, dt.String()) {
			bad = append(bad, dt.String())
		}
	}
	return strings.Join(bad, ", ")
}

// RunWithReference is Run for a backend without F64: gradients, which Run checks in F64 against
// finite differences, are checked in F32 against ref's (the CPU executor's) gradients of the same
// lowered backward graph.
func RunWithReference(t *testing.T, b, ref graph.Backend) { runSuite(t, b, capsOf(b, ref)) }

// checkGradRef compares the F32 gradients of Σ out·W on b with those on ref.
func checkGradRef(t *testing.T, b, ref graph.Backend, c *opCase) {
	if _, err := gradRefResult(b, ref, c); err != nil {
		t.Error(err)
	}
}

// gradRefResult is checkGradRef returning the worst relative error and an error.
func gradRefResult(b, ref graph.Backend, c *opCase) (float64, error) {
	const dt = graph.F32
	g, nodes, outs, err := buildCaseErr(c, dt)
	if err != nil {
		return math.NaN(), err
	}
	vals := genArgs(c, dt)
	var loss *graph.Node
	for k, o := range outs {
		if o.DType() != dt {
			continue
		}
		w := make([]float64, o.Shape().Size())
		for i := range w {
			w[i] = float64((i*7+k*3)%11)/5 - 1
		}
		term := graph.ReduceSum(graph.Mul(o, g.Const(hostTensor(dt, o.Shape(), w))))
		if loss == nil {
			loss = term
		} else {
			loss = graph.Add(loss, term)
		}
	}
	var wrt []*graph.Node
	var names []string
	for i, a := range c.args {
		if argDType(a, dt) == dt {
			wrt = append(wrt, nodes[i])
			names = append(names, a.name)
		}
	}
	if loss == nil || len(wrt) == 0 {
		return math.NaN(), fmt.Errorf("case has no F32 output or no F32 arg: mark it noGrad")
	}
	grads := graph.Gradient(loss, wrt...)
	if err := g.Err(); err != nil {
		return math.NaN(), fmt.Errorf("graph.Gradient: %v", err)
	}
	results := make([][]*graph.Tensor, 2)
	for i, be := range []graph.Backend{b, ref} {
		exe, err := compile(be, g, grads...)
		if err != nil {
			return math.NaN(), fmt.Errorf("Compile of the gradient on %s: %v", be.Name(), err)
		}
		got, err := run(exe, orderArgs(exe, uploadArgs(be, nodes, vals)))
		if err != nil {
			return math.NaN(), fmt.Errorf("Run of the gradient on %s: %v", be.Name(), err)
		}
		for _, r := range got {
			results[i] = append(results[i], r.Clone())
		}
	}
	worst := 0.0
	var bad []string
	for j := range grads {
		got, want := results[0][j], results[1][j]
		if got.DType != dt || !got.Shape.Equal(wrt[j].Shape()) {
			return math.NaN(), fmt.Errorf("gradient %d is %v, want %v%v", j, got, dt, wrt[j].Shape())
		}
		worst = math.Max(worst, relErr(got.Float64s(), want.Float64s(), gradFloor))
		if msg := diff(got.Float64s(), want.Float64s(), GradTolRef, gradFloor); msg != "" {
			bad = append(bad, fmt.Sprintf("d loss/d %s against %s: %s", names[j], ref.Name(), msg))
		}
	}
	if len(bad) > 0 {
		return worst, errors.New(strings.Join(bad, "; "))
	}
	return worst, nil
}

// checkNoF64 checks that a backend without F64 refuses an F64 graph with an error (at compile or
// at run), rather than computing it in another precision.
func checkNoF64(t *testing.T, b graph.Backend) {
	g := graph.New()
	x := g.Input("x", graph.F64, graph.Shape{2})
	y := graph.Exp(x)
	exe, err := compile(b, g, y)
	if err == nil {
		_, err = run(exe, []*graph.Tensor{hostTensor(graph.F64, graph.Shape{2}, []float64{1, 2})})
	}
	if err == nil || strings.Contains(err.Error(), "panicked") {
		t.Errorf("an f64 graph on a backend without f64: got %v, want an error", err)
	}
}

// skipMissing records, as a skipped subtest, what a case cannot run on this backend.
func skipMissing(t *testing.T, name string, missing []graph.DType) {
	for _, dt := range missing {
		t.Run(name+"/"+dt.String(), func(t *testing.T) {
			t.Skip(fmt.Sprintf("the backend has no %v (Capabilities.FloatDTypes)", dt))
		})
	}
}

// checkKernelErrors: an integer divisor of zero given as an arg is an error naming the division;
// so are a computed gather index out of range and a computed zero divisor, on backends that
// report errors in computed values.
func checkKernelErrors(t *testing.T, b graph.Backend, cp caps) {
	t.Run("errors/int_division_by_zero_arg", func(t *testing.T) {
		g := graph.New()
		a := g.Input("a", graph.I32, graph.Shape{3})
		d := g.Input("d", graph.I32, graph.Shape{3})
		wantRunError(t, b, g, []*graph.Node{graph.Div(a, d)}, []*graph.Tensor{
			hostTensor(graph.I32, graph.Shape{3}, []float64{1, 2, 3}), hostTensor(graph.I32, graph.Shape{3}, []float64{1, 0, 1})}, "division")
	})
	t.Run("errors/computed_gather_index", func(t *testing.T) {
		if !cp.computed {
			t.Skip("the backend checks only arg indices on the host (Capabilities.ChecksComputedIndices)")
		}
		g := graph.New()
		ids := g.Input("ids", graph.I32, graph.Shape{2})
		table := g.Input("table", graph.F32, graph.Shape{3, 2})
		shifted := graph.Add(ids, g.Full(2, graph.I32, graph.Shape{2}))
		wantRunError(t, b, g, []*graph.Node{graph.Gather(table, shifted)}, []*graph.Tensor{
			hostTensor(graph.I32, graph.Shape{2}, []float64{0, 1}), hostTensor(graph.F32, graph.Shape{3, 2}, make([]float64, 6))}, "3")
	})
	t.Run("errors/computed_int_division_by_zero", func(t *testing.T) {
		if !cp.computed {
			t.Skip("the backend checks only arg divisors on the host (Capabilities.ChecksComputedIndices)")
		}
		g := graph.New()
		a := g.Input("a", graph.I32, graph.Shape{2})
		d := graph.Sub(a, g.Full(1, graph.I32, graph.Shape{2}))
		wantRunError(t, b, g, []*graph.Node{graph.Div(a, d)}, []*graph.Tensor{
			hostTensor(graph.I32, graph.Shape{2}, []float64{3, 1})}, "division")
	})
}

// wantRunError compiles outs and runs them on args (in Args order): the run must fail with an
// error (not a panic) containing word.
func wantRunError(t *testing.T, b graph.Backend, g *graph.Graph, outs []*graph.Node, args []*graph.Tensor, word string) {
	t.Helper()
	exe, err := compile(b, g, outs...)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	_, err = run(exe, args)
	if err == nil || strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), word) {
		t.Errorf("got error %v, want an error mentioning %q", err, word)
	}
}
