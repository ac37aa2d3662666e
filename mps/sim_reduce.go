package mps

import (
	"math"
	"slices"
)

// reduce adds a reduction over axes; the result keeps every axis, reduced ones with size 1 (as
// MPSGraph documents). Readings: sums accumulate in float64 here and round once (the GPU's order
// and accumulator width are not documented); an empty axis list reduces nothing.
func (s *Sim) reduce(name string, t Tensor, axes []int, init float64, step func(acc, v float64) float64, final func(acc float64, n int) float64) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("%s: missing operand", name)
	}
	red := make([]bool, len(x.shape))
	for _, a := range axes {
		if a < 0 {
			a += len(x.shape)
		}
		if a < 0 || a >= len(x.shape) {
			return s.fail("%s: axis %d of %v", name, a, x.shape)
		}
		red[a] = true
	}
	out := slices.Clone(x.shape)
	count := 1
	for i, r := range red {
		if r {
			count *= out[i]
			out[i] = 1
		}
	}
	return s.node(name, x.dt, out, func(in []*arr) (*arr, error) {
		res := newArr(x.dt, out)
		acc := make([]float64, size(out))
		for k := range acc {
			acc[k] = init
		}
		idx := bindex(x.shape, out) // input element -> its output element
		for j, k := range idx {
			acc[k] = step(acc[k], in[0].at(j))
		}
		for k, a := range acc {
			res.set(k, final(a, count))
		}
		return res, nil
	}, t)
}

func keep(acc float64, _ int) float64 { return acc }

func (s *Sim) ReductionSumWithTensorAxesName(t Tensor, axes []int, name string) Tensor {
	return s.reduce("reductionSum "+name, t, axes, 0, func(a, v float64) float64 { return a + v }, keep)
}

// ReductionMaximumWithTensorAxesName: reading: NaN propagates (as in the NaN-propagating
// variant; bt's reductions see no NaN in practice); an empty reduction gives -inf.
func (s *Sim) ReductionMaximumWithTensorAxesName(t Tensor, axes []int, name string) Tensor {
	return s.reduce("reductionMaximum "+name, t, axes, math.Inf(-1), func(a, v float64) float64 { return max(a, v) }, keep)
}

// MeanOfTensorAxesName: reading: the mean of an empty axis is NaN (0/0).
func (s *Sim) MeanOfTensorAxesName(t Tensor, axes []int, name string) Tensor {
	return s.reduce("mean "+name, t, axes, 0, func(a, v float64) float64 { return a + v },
		func(a float64, n int) float64 { return a / float64(n) })
}

// VarianceOfTensorMeanTensorAxesName is the population variance mean((x - mean)²) over axes,
// with mean given (broadcast against x); reduced axes are kept with size 1.
func (s *Sim) VarianceOfTensorMeanTensorAxesName(t, mean Tensor, axes []int, name string) Tensor {
	d := s.SubtractionWithPrimaryTensorSecondaryTensorName(t, mean, name+".centred")
	sq := s.MultiplicationWithPrimaryTensorSecondaryTensorName(d, d, name+".squared")
	return s.MeanOfTensorAxesName(sq, axes, name)
}

// NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName is
// (x - mean)·gamma/√(variance + epsilon) + beta, all broadcast NumPy-style. Reading: computed in
// one pass with one rounding at the end (a fused kernel), as a batch-norm kernel would.
func (s *Sim) NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName(t, mean, variance, gamma, beta Tensor, eps float32, name string) Tensor {
	ts := []Tensor{t, mean, variance, gamma, beta}
	shapes := make([][]int, len(ts))
	for i, u := range ts {
		x := get(u)
		if x == nil {
			return s.fail("normalization %s: missing operand", name)
		}
		if x.dt != get(t).dt {
			return s.fail("normalization %s: operand %d is %v, want %v", name, i, x.dt, get(t).dt)
		}
		shapes[i] = x.shape
	}
	out, ok := broadcastShapes(shapes...)
	if !ok || !slices.Equal(out, shapes[0]) {
		return s.fail("normalization %s: shapes %v do not broadcast to the input", name, shapes)
	}
	dt := get(t).dt
	return s.node("normalization "+name, dt, out, func(in []*arr) (*arr, error) {
		res := newArr(dt, out)
		idx := make([][]int, len(in))
		for i, a := range in {
			idx[i] = bindex(out, a.shape)
		}
		for k := range size(out) {
			v := (in[0].at(idx[0][k]) - in[1].at(idx[1][k])) / math.Sqrt(in[2].at(idx[2][k])+float64(eps))
			res.set(k, v*in[3].at(idx[3][k])+in[4].at(idx[4][k]))
		}
		return res, nil
	}, ts...)
}

// SoftMaxWithTensorAxisName is exp(x - max)/Σ exp(x - max) along axis, rounded once.
func (s *Sim) SoftMaxWithTensorAxisName(t Tensor, axis int, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("softMax %s: missing operand", name)
	}
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis >= len(x.shape) || !isFloat(x.dt) {
		return s.fail("softMax %s: axis %d of %v%v", name, axis, x.dt, x.shape)
	}
	outer, n, inner := size(x.shape[:axis]), x.shape[axis], size(x.shape[axis+1:])
	return s.node("softMax "+name, x.dt, x.shape, func(in []*arr) (*arr, error) {
		res := newArr(x.dt, x.shape)
		e := make([]float64, n)
		for o := range outer {
			for r := range inner {
				m := math.Inf(-1)
				for j := range n {
					m = max(m, in[0].f[(o*n+j)*inner+r])
				}
				sum := 0.0
				for j := range n {
					e[j] = math.Exp(in[0].f[(o*n+j)*inner+r] - m)
					sum += e[j]
				}
				for j := range n {
					res.set((o*n+j)*inner+r, e[j]/sum)
				}
			}
		}
		return res, nil
	}, t)
}

// MatrixMultiplicationWithPrimaryTensorSecondaryTensorName multiplies the last two dimensions,
// broadcasting the leading (batch) ones NumPy-style. Reading: products accumulate in float64 here
// and round once (the GPU accumulates float16 products in float32, per Apple's MPS matrix docs).
func (s *Sim) MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(a, b Tensor, name string) Tensor {
	x, y := get(a), get(b)
	if x == nil || y == nil {
		return s.fail("matrixMultiplication %s: missing operand", name)
	}
	ra, rb := len(x.shape), len(y.shape)
	if ra < 2 || rb < 2 || x.dt != y.dt || x.shape[ra-1] != y.shape[rb-2] {
		return s.fail("matrixMultiplication %s: %v%v x %v%v", name, x.dt, x.shape, y.dt, y.shape)
	}
	batch, ok := broadcastShapes(x.shape[:ra-2], y.shape[:rb-2])
	if !ok {
		return s.fail("matrixMultiplication %s: batch dimensions of %v and %v", name, x.shape, y.shape)
	}
	m, k, n := x.shape[ra-2], x.shape[ra-1], y.shape[rb-1]
	out := append(slices.Clone(batch), m, n)
	return s.node("matrixMultiplication "+name, x.dt, out, func(in []*arr) (*arr, error) {
		res := newArr(x.dt, out)
		ia, ib := bindex(batch, x.shape[:ra-2]), bindex(batch, y.shape[:rb-2])
		row := make([]float64, n)
		for bt := range ia {
			pa, pb := ia[bt]*m*k, ib[bt]*k*n
			for i := range m {
				clear(row)
				for p := range k {
					av := in[0].at(pa + i*k + p)
					for j := range n {
						row[j] += av * in[1].at(pb+p*n+j)
					}
				}
				for j := range n {
					res.set((bt*m+i)*n+j, row[j])
				}
			}
		}
		return res, nil
	}, a, b)
}
