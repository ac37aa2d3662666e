package model

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// The shared golden cases: outputs, hidden states, head outputs and losses of the HF
// implementation, and the gradients of L = sum(itm.logits·W1) + sum(mlm.logits·W2).
var goldenModelCases = []string{"m01_add_b1_nopad", "m02_scaled_add_b3_pad_h64_eps", "m03_interpolate_b3_f64_sepln"}

func (c *goldenCase) heads() []Head {
	if _, ok := c.outputs["contrastive.logits"]; ok {
		return []Head{HeadITM, HeadMLM, HeadITC}
	}
	return []Head{HeadITM, HeadMLM}
}

func (c *goldenCase) tolerances() (out, grad golden.Tolerance) {
	if c.dtype == graph.F64 {
		return golden.F64, golden.F64
	}
	return golden.F32Outputs, golden.F32Gradients
}

func TestGoldenForward(t *testing.T) {
	for _, name := range goldenModelCases {
		t.Run(name, func(t *testing.T) {
			c := loadGoldenCase(t, name)
			heads := c.heads()
			opts := BuildOptions{DType: c.dtype, Heads: heads, Losses: heads, HiddenStates: true}
			got := runModel(t, c.cfg, c.weights, c.inputs, opts)
			tol, _ := c.tolerances()
			for _, n := range sortedNames(c.outputs) {
				if err := golden.Compare(n, got[n], c.outputs[n], tol); err != nil {
					t.Error(err)
				}
			}
			for _, n := range sortedNames(got) {
				if c.outputs[n] == nil {
					t.Errorf("output %s has no golden counterpart", n)
				}
			}

			// Quirk 1: pixel_mask is ignored.
			noMask := map[string]*graph.Tensor{}
			for k, v := range c.inputs {
				if k != InputPixelMask {
					noMask[k] = v
				}
			}
			again := runModel(t, c.cfg, c.weights, noMask, opts)
			for _, n := range sortedNames(got) {
				if !got[n].Identical(again[n]) {
					t.Errorf("%s differs without pixel_mask", n)
				}
			}
		})
	}
}

func TestGoldenGradients(t *testing.T) {
	for _, name := range goldenModelCases {
		t.Run(name, func(t *testing.T) {
			c := loadGoldenCase(t, name)
			ids := c.inputs[InputIDs]
			m, err := Build(c.cfg, BuildOptions{DType: c.dtype, Batch: ids.Shape[0], TextLen: ids.Shape[1], Heads: []Head{HeadITM, HeadMLM}})
			if err != nil {
				t.Fatal(err)
			}
			// L = sum(itm.logits * W1) + sum(mlm.logits * W2), W1 and W2 from grads.safetensors.
			g := m.Graph
			w1, err1 := toComputeDType(c.grads["W1"], c.dtype, c.grads["W1"].Shape)
			w2, err2 := toComputeDType(c.grads["W2"], c.dtype, c.grads["W2"].Shape)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			loss := graph.Add(graph.ReduceSum(graph.Mul(m.Outputs["itm.logits"], g.Const(w1))),
				graph.ReduceSum(graph.Mul(m.Outputs["mlm.logits"], g.Const(w2))))
			names := m.ParamNames()
			params := make([]*graph.Node, len(names))
			for i, n := range names {
				params[i] = m.Params[n]
			}
			grads := graph.Gradient(loss, params...)
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			m.Outputs["loss"] = loss
			outputs := []string{"loss"}
			for i, n := range names {
				m.Outputs["grad."+n] = grads[i]
				outputs = append(outputs, "grad."+n)
			}
			bound, err := m.Bind(c.weights)
			if err != nil {
				t.Fatal(err)
			}
			r, err := m.Compile(cpu.New(cpu.Options{}), bound, outputs...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Run(context.Background(), c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			outTol, gradTol := c.tolerances()
			if err := golden.Compare("loss", got["loss"], c.grads["loss"], outTol); err != nil {
				t.Error(err)
			}
			checked := 0
			for _, gn := range sortedNames(c.grads) {
				if !strings.HasPrefix(gn, "grad.") {
					continue
				}
				canon := strings.TrimPrefix(strings.TrimPrefix(gn, "grad."), BackbonePrefix)
				ref := c.grads[gn]
				if _, used := m.Params[canon]; !used {
					// No path from L in this graph: the reference must be exactly zero.
					for _, v := range ref.Float64s() {
						if v != 0 {
							t.Errorf("%s: parameter unused by the graph but the reference gradient is non-zero", gn)
							break
						}
					}
					continue
				}
				checked++
				if err := golden.Compare(gn, got["grad."+canon], ref, gradTol); err != nil {
					t.Error(err)
				}
			}
			if checked != len(names) {
				t.Errorf("compared %d gradients, the graph has %d parameters", checked, len(names))
			}
		})
	}
}
