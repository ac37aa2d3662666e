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
	worst, err := gradResult(b, c, testing.Short())
	if err != nil {
		t.Error(err)
		return
	}
	t.Logf("worst relative error %.2g", worst)
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
