package cpu

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bridgetower-go/bt/graph"
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
	for s := range steps {
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
	t.Logf("loss %.4f -> %.4f after %d steps", first, last, steps)
	if last > 0.05*first {
		t.Fatalf("loss %g -> %g: the MLP did not learn", first, last)
	}
}
