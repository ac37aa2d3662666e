package graphtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand"

	"github.com/bridgetower-go/bt/graph"
)

// gradResult is checkGrad: graph.Gradient of Σ out·W against central finite differences (or
// c.gradRef), in F64; the worst relative error over the checked args.
func gradResult(b graph.Backend, c *opCase, short bool) (float64, error) {
	const dt = graph.F64
	g, nodes, outs, err := buildCaseErr(c, dt)
	if err != nil {
		return math.NaN(), err
	}
	vals := genArgs(c, dt)
	r := rand.New(rand.NewSource(seedOf(c.name + "/W")))
	var loss *graph.Node
	ws := make([]*tensor, len(outs))
	for k, o := range outs {
		if o.DType() != dt {
			continue
		}
		w := newTensor(o.Shape())
		for i := range w.data {
			w.data[i] = 2*r.Float64() - 1
		}
		ws[k] = w
		term := graph.ReduceSum(graph.Mul(o, g.Const(hostTensor(dt, w.shape, w.data))))
		if loss == nil {
			loss = term
		} else {
			loss = graph.Add(loss, term)
		}
	}
	var wrt []*graph.Node
	var wrtArg []int
	for i, a := range c.args {
		if argDType(a, dt) == dt {
			wrt = append(wrt, nodes[i])
			wrtArg = append(wrtArg, i)
		}
	}
	if loss == nil || len(wrt) == 0 {
		return math.NaN(), fmt.Errorf("case has no F64 output or no F64 arg (suite bug)")
	}
	grads := graph.Gradient(loss, wrt...)
	if err := g.Err(); err != nil {
		return math.NaN(), fmt.Errorf("graph.Gradient: %w", err)
	}
	gexe, err := compile(b, g, grads...)
	if err != nil {
		return math.NaN(), fmt.Errorf("Compile of the gradient: %w", err)
	}
	in := uploadArgs(b, nodes, vals)
	got, err := run(gexe, orderArgs(gexe, in))
	if err != nil {
		return math.NaN(), fmt.Errorf("Run of the gradient: %w", err)
	}
	analytic := make([][]float64, len(wrt))
	for j, gr := range got {
		if gr == nil || gr.DType != dt || !gr.Shape.Equal(wrt[j].Shape()) {
			return math.NaN(), fmt.Errorf("gradient %d is %v, want %v%v", j, gr, dt, wrt[j].Shape())
		}
		analytic[j] = gr.Float64s()
	}
	worst, bad := 0.0, []error(nil)
	note := func(name string, ana, num []float64) {
		worst = math.Max(worst, relErr(ana, num, gradFloor))
		if msg := diff(ana, num, GradTol, gradFloor); msg != "" {
			bad = append(bad, fmt.Errorf("d loss/d %s (%d elements checked): %s", name, len(ana), msg))
		}
	}
	if c.gradRef != nil {
		want := c.gradRef(vals, ws)
		for j, i := range wrtArg {
			if want[i] != nil {
				note(c.args[i].name, analytic[j], want[i].data)
			}
		}
		return worst, errors.Join(bad...)
	}
	fexe, err := compile(b, g, outs...)
	if err != nil {
		return math.NaN(), fmt.Errorf("Compile of the forward pass: %w", err)
	}
	fd := &finiteDiff{exe: fexe, in: in, ws: ws, step: c.fdStep}
	if fd.step == 0 {
		fd.step = 1e-6
	}
	sample := -1
	if c.heavy && short {
		sample = shortSample
	}
	for j, i := range wrtArg {
		idx := elements(len(vals[i].data), sample, r)
		num := make([]float64, len(idx))
		ana := make([]float64, len(idx))
		for p, e := range idx {
			v, err := fd.derivative(nodes[i], e)
			if err != nil {
				return math.NaN(), fmt.Errorf("finite differences of %s: %w", c.args[i].name, err)
			}
			num[p], ana[p] = v, analytic[j][e]
		}
		note(c.args[i].name, ana, num)
	}
	return worst, errors.Join(bad...)
}
