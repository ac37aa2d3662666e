//go:build darwin && cgo

package mps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/graph/graphtest"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/mps"
)

// metal opens the real backend or skips (hosted macOS runners have no usable MPS device).
func metal(t *testing.T, opts mps.Options) *mps.Backend {
	t.Helper()
	b, err := mps.New(opts)
	if err != nil {
		t.Skipf("no Metal device: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestConformanceMetal: the conformance suite on the GPU, gradients against the CPU executor.
func TestConformanceMetal(t *testing.T) {
	graphtest.RunWithReference(t, metal(t, mps.Options{}), cpu.New(cpu.Options{}))
}

// TestGoldenForwardMetal: the golden f32 models on the GPU within the golden f32 tolerance.
func TestGoldenForwardMetal(t *testing.T) {
	b := metal(t, mps.Options{})
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			c := loadGolden(t, name)
			heads := []model.Head{model.HeadITM, model.HeadMLM}
			got, err := model.Forward(context.Background(), b, c.cfg, c.weights, c.inputs,
				model.BuildOptions{DType: graph.F32, Heads: heads, Losses: heads, HiddenStates: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range sorted(c.outputs) {
				if strings.HasPrefix(n, "contrastive.") {
					continue
				}
				if err := golden.Compare(n, got[n], c.outputs[n], golden.F32Outputs); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
