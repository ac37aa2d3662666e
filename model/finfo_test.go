package model

import (
	"math"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestFinfoMinIsFiniteInItsDType: the mask value survives rounding to its dtype (torch.finfo
// values: float16 -65504, bfloat16 -3.3895e38), so that (1 - mask)·min is 0, not NaN, where the
// mask is 1.
func TestFinfoMinIsFiniteInItsDType(t *testing.T) {
	for _, c := range []struct {
		dt    graph.DType
		round func(float64) float64
	}{
		{graph.F16, func(v float64) float64 { return float64(graph.F16ToFloat32(graph.Float32ToF16(float32(v)))) }},
		{graph.BF16, func(v float64) float64 { return float64(graph.BF16ToFloat32(graph.Float32ToBF16(float32(v)))) }},
		{graph.F32, func(v float64) float64 { return float64(float32(v)) }},
	} {
		v := finfoMin(c.dt)
		if r := c.round(v); math.IsInf(r, 0) || r != v || 0*r != 0 {
			t.Errorf("finfoMin(%v) = %g rounds to %g", c.dt, v, r)
		}
		if next := c.round(v * 1.01); !math.IsInf(next, -1) {
			t.Errorf("finfoMin(%v) = %g is not the most negative finite value (%g is finite)", c.dt, v, next)
		}
	}
}
