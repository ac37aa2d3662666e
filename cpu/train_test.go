package cpu

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"gonum.org/v1/gonum/mat"
)

// A two-layer MLP learns a synthetic regression by plain gradient descent: forward, Gradient and
// the update compiled into one executable, its new parameters fed back as the next step's args.
func TestTrainMLP(t *testing.T) {
	const (
		n, in, hidden = 128, 4, 32
		lr            = 0.3
		steps         = 1000
	)
	rng := rand.New(rand.NewPCG(7, 8))
	xs := make([]float64, n*in)
	ys := make([]float64, n)
	for i := range n {
		x := xs[i*in : (i+1)*in]
		for j := range x {
			x[j] = 2*rng.Float64() - 1
		}
		ys[i] = math.Sin(2*x[0]) + x[1]*x[2] - 0.5*x[3]
	}
	g := graph.New()
	x := g.Input("x", graph.F32, graph.Shape{n, in})
	y := g.Input("y", graph.F32, graph.Shape{n, 1})
	w1 := g.Param("fc1.weight", graph.F32, graph.Shape{hidden, in})
	b1 := g.Param("fc1.bias", graph.F32, graph.Shape{hidden})
	w2 := g.Param("fc2.weight", graph.F32, graph.Shape{1, hidden})
	b2 := g.Param("fc2.bias", graph.F32, graph.Shape{1})
	params := []*graph.Node{w1, b1, w2, b2}
	pred := graph.Linear(graph.Tanh(graph.Linear(x, w1, b1)), w2, b2)
	loss := graph.ReduceMean(graph.Square(graph.Sub(pred, y)))
	grads := graph.Gradient(loss, params...)
	outs := []*graph.Node{loss}
	for i, p := range params {
		outs = append(outs, graph.Sub(p, graph.MulScalar(grads[i], lr)))
	}
	exe := compile(t, New(Options{}), g, outs...)

	vals := map[*graph.Node]*graph.Tensor{x: tensorOf(graph.F32, graph.Shape{n, in}, xs...), y: tensorOf(graph.F32, graph.Shape{n, 1}, ys...)}
	for _, p := range params {
		r := randomTensor(rng, graph.F32, p.Shape())
		for i, v := range r.Data.([]float32) {
			r.Data.([]float32)[i] = v / float32(math.Sqrt(float64(p.Shape()[len(p.Shape())-1])))
		}
		vals[p] = r
	}
	var first, last float64
	var trained []*graph.Tensor // the params the last reported loss was computed with
	for s := range steps {
		// Keep the params of this step: the fed-back tensors are overwritten by Run's outputs.
		trained = trained[:0]
		for _, p := range params {
			trained = append(trained, vals[p].Clone())
		}
		res, err := exe.Run(context.Background(), argList(exe, vals))
		if err != nil {
			t.Fatal(err)
		}
		l := res[0].Float64s()[0]
		if s == 0 {
			first = l
		}
		if math.IsNaN(l) || l > 10*first {
			t.Fatalf("step %d: loss %g (first %g)", s, l, first)
		}
		last = l
		for i, p := range params {
			vals[p] = res[1+i] // fed back without Clone
		}
	}
	linear := linearLeastSquaresMSE(xs, ys, n, in)
	host := mlpMSE64(xs, ys, n, in, hidden, trained)
	t.Logf("loss %.4f -> %.4f after %d steps; float64 recomputation %.6f; best linear fit %.4f", first, last, steps, host, linear)
	if last > 0.05*first {
		t.Fatalf("loss %g -> %g: the MLP did not learn", first, last)
	}
	// The loss the graph reports is the MSE of the trained weights, recomputed in float64 on the host.
	if math.Abs(host-last) > 1e-5*math.Max(1, host) {
		t.Fatalf("graph loss %g, float64 recomputation %g", last, host)
	}
	// And it beats the closed-form optimum of a linear model (normal equations), which cannot fit
	// the sin and product terms of the target.
	if host > 0.5*linear {
		t.Fatalf("MLP loss %g is not well below the best linear fit %g", host, linear)
	}
}

// mlpMSE64 evaluates tanh-MLP predictions and their mean squared error in float64.
func mlpMSE64(xs, ys []float64, n, in, hidden int, p []*graph.Tensor) float64 {
	w1, b1, w2, b2 := p[0].Float64s(), p[1].Float64s(), p[2].Float64s(), p[3].Float64s()
	var sum float64
	for i := range n {
		pred := b2[0]
		for h := range hidden {
			a := b1[h]
			for j := range in {
				a += w1[h*in+j] * xs[i*in+j]
			}
			pred += w2[h] * math.Tanh(a)
		}
		d := pred - ys[i]
		sum += d * d
	}
	return sum / float64(n)
}

// linearLeastSquaresMSE is the mean squared error of the best affine fit y ≈ x·w + c, from the
// normal equations solved in float64.
func linearLeastSquaresMSE(xs, ys []float64, n, in int) float64 {
	a := mat.NewDense(n, in+1, nil)
	for i := range n {
		for j := range in {
			a.Set(i, j, xs[i*in+j])
		}
		a.Set(i, in, 1)
	}
	var w mat.Dense
	if err := w.Solve(a, mat.NewVecDense(n, append([]float64(nil), ys...))); err != nil {
		panic(err)
	}
	var sum float64
	for i := range n {
		pred := 0.0
		for j := 0; j <= in; j++ {
			pred += a.At(i, j) * w.At(j, 0)
		}
		d := pred - ys[i]
		sum += d * d
	}
	return sum / float64(n)
}
