package graphtest

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// shortSample is how many elements per tensor the finite differences of a heavy case visit in
// -short mode (all of them otherwise).
const shortSample = 48

// checkGrad compares graph.Gradient of loss = Σ_k Σ out_k·W_k (W_k fixed and random) with respect
// to every F64 arg against central finite differences of the backend's forward pass (or against
// c.gradRef where given). The differences are taken of the outputs, weighted on the host, so
// that unchanged outputs contribute no rounding noise.
func checkGrad(t *testing.T, b graph.Backend, c *opCase) {
	const dt = graph.F64
	g, nodes, outs := buildCase(t, c, dt)
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
		t.Fatalf("case has no F64 output or no F64 arg: mark it noGrad")
	}
	grads := graph.Gradient(loss, wrt...)
	if err := g.Err(); err != nil {
		t.Fatalf("graph.Gradient: %v", err)
	}
	gexe, err := compile(b, g, grads...)
	if err != nil {
		t.Fatalf("Compile of the gradient: %v", err)
	}
	in := uploadArgs(b, nodes, vals)
	got, err := run(gexe, orderArgs(gexe, in))
	if err != nil {
		t.Fatalf("Run of the gradient: %v", err)
	}
	analytic := make([][]float64, len(wrt))
	for j, gr := range got {
		if gr == nil || gr.DType != dt || !gr.Shape.Equal(wrt[j].Shape()) {
			t.Fatalf("gradient %d is %v, want %v%v", j, gr, dt, wrt[j].Shape())
		}
		analytic[j] = gr.Float64s()
	}

	if c.gradRef != nil {
		want := c.gradRef(vals, ws)
		for j, i := range wrtArg {
			if want[i] == nil {
				continue
			}
			if msg := diff(analytic[j], want[i].data, GradTol, gradFloor); msg != "" {
				t.Errorf("d loss/d %s: %s", c.args[i].name, msg)
			}
		}
		return
	}

	fexe, err := compile(b, g, outs...)
	if err != nil {
		t.Fatalf("Compile of the forward pass: %v", err)
	}
	fd := &finiteDiff{exe: fexe, in: in, ws: ws, step: c.fdStep}
	if fd.step == 0 {
		fd.step = 1e-6
	}
	sample := -1
	if c.heavy && testing.Short() {
		sample = shortSample
	}
	for j, i := range wrtArg {
		idx := elements(len(vals[i].data), sample, r)
		num := make([]float64, len(idx))
		ana := make([]float64, len(idx))
		for p, e := range idx {
			v, err := fd.derivative(nodes[i], e)
			if err != nil {
				t.Fatalf("finite differences of %s: %v", c.args[i].name, err)
			}
			num[p], ana[p] = v, analytic[j][e]
		}
		if msg := diff(ana, num, GradTol, gradFloor); msg != "" {
			t.Errorf("d loss/d %s (%d of %d elements checked): %s", c.args[i].name, len(idx), len(vals[i].data), msg)
		} else {
			t.Logf("d loss/d %s: relative error %.2g over %d elements", c.args[i].name, relErr(ana, num, gradFloor), len(idx))
		}
	}
}

// elements lists 0..n-1, or a random sample of k of them (first and last included) when k >= 0.
func elements(n, k int, r *rand.Rand) []int {
	if k < 0 || n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := []int{0, n - 1}
	for _, e := range r.Perm(n)[:k] {
		if e != 0 && e != n-1 && len(idx) < k {
			idx = append(idx, e)
		}
	}
	return idx
}

// finiteDiff measures d(Σ_k Σ out_k·W_k)/d x[e] by central differences on the backend.
type finiteDiff struct {
	exe  graph.Executable
	in   map[*graph.Node]*graph.Tensor
	ws   []*tensor
	step float64
}

func (f *finiteDiff) derivative(n *graph.Node, e int) (float64, error) {
	data := f.in[n].Data.([]float64)
	x := data[e]
	h := f.step * math.Max(1, math.Abs(x))
	xp, xm := x+h, x-h
	defer func() { data[e] = x }()
	data[e] = xp
	plus, err := f.outputs()
	if err != nil {
		return 0, err
	}
	data[e] = xm
	minus, err := f.outputs()
	if err != nil {
		return 0, err
	}
	// Σ W·(plus - minus), compensated.
	var s, comp float64
	for k, w := range f.ws {
		if w == nil {
			continue
		}
		for i, wv := range w.data {
			y := wv*(plus[k][i]-minus[k][i]) - comp
			tt := s + y
			comp = (tt - s) - y
			s = tt
		}
	}
	return s / (xp - xm), nil
}

func (f *finiteDiff) outputs() ([][]float64, error) {
	res, err := run(f.exe, orderArgs(f.exe, f.in))
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(res))
	for k, r := range res {
		if f.ws[k] != nil {
			if r == nil || r.Len() != len(f.ws[k].data) {
				return nil, fmt.Errorf("output %d is %v", k, r)
			}
			out[k] = r.Float64s()
		}
	}
	return out, nil
}
