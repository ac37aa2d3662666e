package mps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/internal/numcmp"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/mps"
)

// F16Outputs is numcmp.F16Outputs, the tolerance of float16 precision against float32 references.
var F16Outputs = numcmp.F16Outputs

// TestGoldenForwardF16: the golden models in float16 precision (F32 master weights, inputs and
// outputs; F16 activations and matmuls; F32 LayerNorm and softmax): within F16Outputs, and not
// within the float32 tolerance, which shows the precision option took effect. m02 has padded
// text, so the -MaxFloat32 attention mask goes through float16 (clamped to -65504, not -inf:
// 0·-inf would be NaN).
func TestGoldenForwardF16(t *testing.T) {
	b := mps.NewSimulated(mps.Options{Precision: mps.PrecisionF16})
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
			worst, worstName, exactF32 := 0.0, "", 0
			for _, n := range sorted(c.outputs) {
				if strings.HasPrefix(n, "contrastive.") || got[n] == nil {
					continue
				}
				if got[n].DType != graph.F32 {
					t.Errorf("%s is %v, want f32 outputs in f16 precision", n, got[n].DType)
				}
				if err := golden.Compare(n, got[n], c.outputs[n], F16Outputs); err != nil {
					t.Error(err)
				}
				if golden.Compare(n, got[n], c.outputs[n], golden.F32Outputs) == nil {
					exactF32++
				}
				d, _ := numcmp.Compare(got[n], c.outputs[n])
				if r := d.MaxAbs / max(d.MaxRef, 1e-30); r > worst {
					worst, worstName = r, n
				}
			}
			if exactF32 == len(got) {
				t.Errorf("every output is within the f32 tolerance: the f16 precision had no effect")
			}
			t.Logf("worst max|a-b|/max|ref| = %.3g (%s)", worst, worstName)
		})
	}
}
