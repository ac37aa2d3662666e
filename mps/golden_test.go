package mps_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/mps"
)

// The float32 golden model cases (HF BridgeTower outputs and gradients) through the mps lowering
// on the simulator, within the golden float32 tolerances. m03 is float64, which MPSGraph lacks.
var goldenCases = []string{"m01_add_b1_nopad", "m02_scaled_add_b3_pad_h64_eps"}

type goldenCase struct {
	cfg                    *model.Config
	weights                *model.Weights
	inputs, outputs, grads map[string]*graph.Tensor
}

func loadGolden(t *testing.T, name string) *goldenCase {
	t.Helper()
	dir := golden.ModelCase(name)
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.OpenWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	c := &goldenCase{cfg: cfg, weights: w,
		inputs:  golden.Tensors(t, filepath.Join(dir, "inputs.safetensors")),
		outputs: golden.Tensors(t, filepath.Join(dir, "outputs.safetensors")),
		grads:   golden.Tensors(t, filepath.Join(dir, "grads.safetensors")),
	}
	if dt := c.outputs["model.text_features"].DType; dt != graph.F32 {
		t.Fatalf("%s is %v, want an f32 case", name, dt)
	}
	return c
}

func sorted[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestGoldenForwardSim(t *testing.T) {
	b := mps.NewSimulated(mps.Options{})
	defer b.Close()
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			c := loadGolden(t, name)
			heads := []model.Head{model.HeadITM, model.HeadMLM}
			opts := model.BuildOptions{DType: graph.F32, Heads: heads, Losses: heads, HiddenStates: true}
			got, err := model.Forward(context.Background(), b, c.cfg, c.weights, c.inputs, opts)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, n := range sorted(c.outputs) {
				if strings.HasPrefix(n, "contrastive.") {
					continue // not built (see the case README)
				}
				if got[n] == nil {
					t.Errorf("output %s is missing", n)
					continue
				}
				checked++
				if err := golden.Compare(n, got[n], c.outputs[n], golden.F32Outputs); err != nil {
					t.Error(err)
				}
			}
			t.Logf("%d outputs within the golden f32 tolerance", checked)
		})
	}
}

// TestGoldenGradientsSim: L = Σ itm.logits·W1 + Σ mlm.logits·W2 and its gradient for every
// parameter, through the lowered backward graph on the simulator.
func TestGoldenGradientsSim(t *testing.T) {
	b := mps.NewSimulated(mps.Options{})
	defer b.Close()
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			c := loadGolden(t, name)
			ids := c.inputs[model.InputIDs]
			m, err := model.Build(c.cfg, model.BuildOptions{DType: graph.F32, Batch: ids.Shape[0], TextLen: ids.Shape[1], Heads: []model.Head{model.HeadITM, model.HeadMLM}})
			if err != nil {
				t.Fatal(err)
			}
			g := m.Graph
			loss := graph.Add(graph.ReduceSum(graph.Mul(m.Outputs["itm.logits"], g.Const(c.grads["W1"]))),
				graph.ReduceSum(graph.Mul(m.Outputs["mlm.logits"], g.Const(c.grads["W2"]))))
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
			r, err := m.Compile(b, bound, outputs...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Run(context.Background(), c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if err := golden.Compare("loss", got["loss"], c.grads["loss"], golden.F32Outputs); err != nil {
				t.Error(err)
			}
			checked := 0
			for _, gn := range sorted(c.grads) {
				canon := strings.TrimPrefix(strings.TrimPrefix(gn, "grad."), model.BackbonePrefix)
				if !strings.HasPrefix(gn, "grad.") || m.Params[canon] == nil {
					continue
				}
				checked++
				if err := golden.Compare(gn, got["grad."+canon], c.grads[gn], golden.F32Gradients); err != nil {
					t.Error(err)
				}
			}
			if checked != len(names) {
				t.Errorf("compared %d gradients, the graph has %d parameters", checked, len(names))
			}
		})
	}
}
