package mps_test

import (
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph/graphtest"
	"github.com/bridgetower-go/bt/mps"
)

// TestConformanceSim: the conformance suite through the lowering on the MPSGraph simulator, in
// F32 and F16, with gradients checked against the CPU executor (no float64 on MPSGraph).
func TestConformanceSim(t *testing.T) {
	b := mps.NewSimulated(mps.Options{})
	defer b.Close()
	graphtest.RunWithReference(t, b, cpu.New(cpu.Options{}))
}
