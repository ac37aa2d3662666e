package graphtest

import (
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// lanes calls f for every line of x along axis with the offsets of its elements.
func lanes(shape graph.Shape, axis int, f func(offs []int)) {
	outer := shape[:axis].Size()
	n := shape[axis]
	inner := shape[axis+1:].Size()
	offs := make([]int, n)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			for j := range offs {
				offs[j] = (o*n+j)*inner + i
			}
			f(offs)
		}
	}
}

func refSoftmax(x *tensor, axis int) *tensor {
	if axis < 0 {
		axis += len(x.shape)
	}
	out := newTensor(x.shape)
	lanes(x.shape, axis, func(offs []int) {
		m := math.Inf(-1)
		for _, o := range offs {
			m = math.Max(m, x.data[o])
		}
		s := 0.0
		for _, o := range offs {
			out.data[o] = math.Exp(x.data[o] - m)
			s += out.data[o]
		}
		for _, o := range offs {
			out.data[o] /= s
		}
	})
	return out
}

func refLayerNorm(x, gamma, beta *tensor, eps float64) *tensor {
	out := newTensor(x.shape)
	lanes(x.shape, len(x.shape)-1, func(offs []int) {
		mean := 0.0
		for _, o := range offs {
			mean += x.data[o]
		}
		mean /= float64(len(offs))
		variance := 0.0
		for _, o := range offs {
			d := x.data[o] - mean
			variance += d * d
		}
		variance /= float64(len(offs))
		r := 1 / math.Sqrt(variance+eps)
		for j, o := range offs {
			out.data[o] = (x.data[o]-mean)*r*gamma.data[j] + beta.data[j]
		}
	})
	return out
}

func refGELU(x float64) float64      { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func refQuickGELU(x float64) float64 { return x / (1 + math.Exp(-1.702*x)) }
func refSigmoid(x float64) float64   { return 1 / (1 + math.Exp(-x)) }

// refAttention is softmax(q·kᵀ·scale + mask)·v for q [B H Tq Dh], k [B H Tk Dh], v [B H Tk Dv];
// mask (nil or broadcastable to [B H Tq Tk]) is additive.
func refAttention(q, k, v, mask *tensor, scale float64) *tensor {
	scores := refMatMul(q, k, false, true)
	for i := range scores.data {
		scores.data[i] *= scale
	}
	if mask != nil {
		scores = map2(scores, mask, func(a, b float64) float64 { return a + b })
	}
	return refMatMul(refSoftmax(scores, 3), v, false, false)
}

// refAdamW is torch.optim.AdamW's step: returns the new param, m and v.
func refAdamW(p, g, m, v *tensor, lr, step, b1, b2, eps, wd float64) []*tensor {
	np, nm, nv := newTensor(p.shape), newTensor(p.shape), newTensor(p.shape)
	bc1 := 1 - math.Pow(b1, step)
	bc2 := 1 - math.Pow(b2, step)
	for i := range p.data {
		nm.data[i] = b1*m.data[i] + (1-b1)*g.data[i]
		nv.data[i] = b2*v.data[i] + (1-b2)*g.data[i]*g.data[i]
		denom := math.Sqrt(nv.data[i])/math.Sqrt(bc2) + eps
		np.data[i] = p.data[i]*(1-lr*wd) - lr/bc1*nm.data[i]/denom
	}
	return []*tensor{np, nm, nv}
}

// refSoftmaxCrossEntropy is the mean over rows whose label is not ignore of logsumexp - picked.
func refSoftmaxCrossEntropy(logits, labels *tensor, ignore int64) *tensor {
	c := logits.shape[1]
	sum, count := 0.0, 0.0
	for r, lab := range labels.data {
		if int64(lab) == ignore {
			continue
		}
		row := logits.data[r*c : (r+1)*c]
		m := math.Inf(-1)
		for _, x := range row {
			m = math.Max(m, x)
		}
		s := 0.0
		for _, x := range row {
			s += math.Exp(x - m)
		}
		sum += math.Log(s) + m - row[int(lab)]
		count++
	}
	return &tensor{data: []float64{sum / count}}
}

// refBCEWithLogits is the mean of max(x,0) - x·z + log(1+exp(-|x|)).
func refBCEWithLogits(x, z *tensor) *tensor {
	s := 0.0
	for i, xv := range x.data {
		s += math.Max(xv, 0) - xv*z.data[i] + math.Log1p(math.Exp(-math.Abs(xv)))
	}
	return &tensor{data: []float64{s / float64(len(x.data))}}
}

// refUniform is RandomUniform's value at element i in dtype dt.
func refUniform(dt graph.DType, seed, step uint64, i int) float64 {
	if dt == graph.F32 {
		return float64(graph.RandomFloat32(seed, step, uint64(i)))
	}
	return graph.RandomFloat64(seed, step, uint64(i))
}

// refDropout keeps element i when uniform(seed, step, i) >= rate (compared in dt) and scales it
// by 1/(1-rate).
func refDropout(dt graph.DType, x *tensor, step int64, rate float64, seed uint64) *tensor {
	out := newTensor(x.shape)
	thr := rate
	if dt == graph.F32 {
		thr = float64(float32(rate))
	}
	for i, v := range x.data {
		if refUniform(dt, seed, uint64(step), i) >= thr {
			out.data[i] = v / (1 - rate)
		}
	}
	return out
}
