package graphtest

import (
	"math/rand"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// runDeterminism runs a small training step (big enough for a backend to split work between
// threads) twice on one executable and once on a second compilation: all results must be
// identical bit for bit.
func runDeterminism(t *testing.T, b graph.Backend, cp caps) {
	for _, dt := range []graph.DType{graph.F32, graph.F64} {
		t.Run("determinism/"+dt.String(), func(t *testing.T) {
			if !cp.has(dt) {
				t.Skipf("the backend has no %v (Capabilities.FloatDTypes)", dt)
			}
			g := graph.New()
			x := g.Input("x", dt, graph.Shape{2, 40, 96})
			step := g.Input("step", graph.I64, graph.Shape{})
			labels := g.Input("labels", graph.I64, graph.Shape{80})
			w := g.Param("w", dt, graph.Shape{96, 64})
			gamma := g.Param("gamma", dt, graph.Shape{64})
			beta := g.Param("beta", dt, graph.Shape{64})
			h := graph.GELU(graph.LayerNorm(graph.MatMul(x, w), gamma, beta, 1e-5))
			h = graph.Dropout(h, step, 0.1, 3)
			q := graph.Reshape(h, 2, 40, 4, 16)
			q = graph.Transpose(q, 0, 2, 1, 3)
			a := graph.Attention(q, q, q, nil, 0.25)
			logits := graph.Reshape(graph.Transpose(a, 0, 2, 1, 3), 80, 64)
			loss := graph.SoftmaxCrossEntropy(logits, labels, -100)
			grads := graph.Gradient(loss, w, gamma, beta)
			if err := g.Err(); err != nil {
				t.Fatalf("building: %v", err)
			}
			outs := append([]*graph.Node{loss, logits}, grads...)

			r := rand.New(rand.NewSource(1))
			vals := map[*graph.Node]*graph.Tensor{}
			for _, n := range g.Args() {
				v := make([]float64, n.Shape().Size())
				for i := range v {
					switch n {
					case labels:
						v[i] = float64(r.Intn(64))
					case step:
						v[i] = 9
					case gamma:
						v[i] = 1 + 0.1*r.Float64()
					default:
						v[i] = 2*r.Float64() - 1
					}
				}
				vals[n] = hostTensor(n.DType(), n.Shape(), v)
			}
			runOnce := func(exe graph.Executable) []*graph.Tensor {
				got, err := run(exe, orderArgs(exe, vals))
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				kept := make([]*graph.Tensor, len(got))
				for k, tt := range got {
					kept[k] = tt.Clone()
				}
				return kept
			}
			var results [3][]*graph.Tensor
			for i := 0; i < 2; i++ { // runs 0 and 1 share an executable; run 2 has its own
				exe, err := compile(b, g, outs...)
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				results[2*i] = runOnce(exe)
				if i == 0 {
					results[1] = runOnce(exe)
				}
			}
			for run := 1; run < 3; run++ {
				for k := range outs {
					switch {
					case cp.deterministic:
						if !results[0][k].Identical(results[run][k]) {
							t.Errorf("output %d (%s) differs between run 0 and run %d", k, outs[k].Op().Name(), run)
						}
					default: // Capabilities.BitwiseDeterministic is false: within tolerance
						if msg := diff(results[run][k].Float64s(), results[0][k].Float64s(), tolFor(dt), forwardFloor); msg != "" {
							t.Errorf("output %d (%s): run %d against run 0: %s", k, outs[k].Op().Name(), run, msg)
						}
					}
				}
			}
		})
	}
}
