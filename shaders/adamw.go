package shaders

import (
	"fmt"
	"math"
)

// AdamWKernel is the name of the kernel function in adamw.metal.
const AdamWKernel = "adamw_step"

// AdamWSegment is one parameter's range of the flat buffers, [previous End, End), with its
// per-step factors. Layout matches struct AdamWSegment in adamw.metal (16 bytes).
type AdamWSegment struct {
	End      uint32
	Decay    float32 // 1 - lr·wd
	StepSize float32 // lr / (1 - beta1^step)
	_        float32
}

// AdamWParams are the step's scalars. Layout matches struct AdamWParams in adamw.metal (32 bytes).
type AdamWParams struct {
	Beta1, OneMinusBeta1 float32
	Beta2, OneMinusBeta2 float32
	SqrtBC2              float32 // sqrt(1 - beta2^step)
	Eps                  float32
	N                    uint32 // elements in the flat buffers
	NSegs                uint32
}

// AdamWHyper are the optimizer's constants (torch.optim.AdamW's betas and eps).
type AdamWHyper struct{ Beta1, Beta2, Eps float64 }

// AdamWGroup is one parameter in the flat buffers: its size, its learning rate for this step
// (the schedule's rate times any per-parameter multiplier) and its weight decay (0 for the
// parameters that are not decayed: biases, LayerNorm).
type AdamWGroup struct {
	Size        int
	LR          float32
	WeightDecay float64
}

// AdamWSetup computes the kernel's scalars and segment table for step (counting from 1). Every
// value is computed as graph.AdamW's decomposition computes it on F32 tensors: constants rounded
// to float32 once, each operation rounded to float32, Pow evaluated in float64 and rounded.
func AdamWSetup(h AdamWHyper, step int, groups []AdamWGroup) (AdamWParams, []AdamWSegment, error) {
	if step < 1 {
		return AdamWParams{}, nil, fmt.Errorf("shaders: adamw: step %d, want >= 1", step)
	}
	if len(groups) == 0 {
		return AdamWParams{}, nil, fmt.Errorf("shaders: adamw: no parameters")
	}
	s := float32(step)
	pow := func(b float64) float32 { return float32(math.Pow(float64(float32(b)), float64(s))) }
	bc1 := 1 - pow(h.Beta1)
	bc2 := 1 - pow(h.Beta2)
	prm := AdamWParams{
		Beta1: float32(h.Beta1), OneMinusBeta1: float32(1 - h.Beta1),
		Beta2: float32(h.Beta2), OneMinusBeta2: float32(1 - h.Beta2),
		SqrtBC2: float32(math.Sqrt(float64(bc2))),
		Eps:     float32(h.Eps),
		NSegs:   uint32(len(groups)),
	}
	segs := make([]AdamWSegment, len(groups))
	end := 0
	for k, g := range groups {
		if g.Size <= 0 {
			return AdamWParams{}, nil, fmt.Errorf("shaders: adamw: parameter %d has size %d", k, g.Size)
		}
		end += g.Size
		if end > math.MaxUint32 {
			return AdamWParams{}, nil, fmt.Errorf("shaders: adamw: %d elements overflow the uint32 index", end)
		}
		lrwd := float32(g.LR * float32(g.WeightDecay))
		segs[k] = AdamWSegment{End: uint32(end), Decay: 1 - lrwd, StepSize: float32(g.LR / bc1)}
	}
	prm.N = uint32(end)
	return prm, segs, nil
}

// AdamWCPU is the CPU twin of adamw_step: it updates p, m and v [N] in place from g [N]. Every
// product is converted to float32 explicitly so that the Go compiler cannot fuse it into an FMA
// (it may on arm64 otherwise), keeping each operation rounded as the graph's ops round it.
func AdamWCPU(p, g, m, v []float32, prm AdamWParams, segs []AdamWSegment) error {
	n := int(prm.N)
	if len(p) != n || len(g) != n || len(m) != n || len(v) != n {
		return fmt.Errorf("shaders: adamw: buffers of %d, %d, %d, %d elements, want %d", len(p), len(g), len(m), len(v), n)
	}
	if int(prm.NSegs) != len(segs) || len(segs) == 0 || int(segs[len(segs)-1].End) != n {
		return fmt.Errorf("shaders: adamw: segment table (%d segments) does not cover %d elements", len(segs), n)
	}
	for i := 0; i < n; i++ {
		lo, hi := 0, len(segs)-1
		for lo < hi { // the kernel's binary search
			mid := (lo + hi) / 2
			if int(segs[mid].End) > i {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		s := segs[lo]
		gi := g[i]
		p1 := float32(p[i] * s.Decay)
		m1 := float32(m[i]*prm.Beta1) + float32(gi*prm.OneMinusBeta1)
		v1 := float32(v[i]*prm.Beta2) + float32(float32(gi*gi)*prm.OneMinusBeta2)
		denom := float32(float32(math.Sqrt(float64(v1)))/prm.SqrtBC2) + prm.Eps
		p[i] = p1 - float32(s.StepSize*float32(m1/denom))
		m[i], v[i] = m1, v1
	}
	return nil
}
