package mps

import (
	"fmt"
	"slices"
)

// copyNode adds a node whose element k is input element src(k) (a pure data movement).
func (s *Sim) copyNode(name string, t Tensor, shape []int, src func() []int) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("%s: missing operand", name)
	}
	return s.node(name, x.dt, shape, func(in []*arr) (*arr, error) {
		out := newArr(in[0].dt, shape)
		for k, j := range src() {
			if out.f != nil {
				out.f[k] = in[0].f[j]
			} else {
				out.i[k] = in[0].i[j]
			}
		}
		return out, nil
	}, t)
}

// ReshapeTensorWithShapeName keeps row-major order; one dimension may be -1.
func (s *Sim) ReshapeTensorWithShapeName(t Tensor, shape []int, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("reshape %s: missing operand", name)
	}
	shape = slices.Clone(shape)
	if i := slices.Index(shape, -1); i >= 0 {
		rest := 1
		for j, d := range shape {
			if j != i {
				rest *= d
			}
		}
		if rest > 0 {
			shape[i] = size(x.shape) / rest
		}
	}
	if checkShape(shape) != nil || size(shape) != size(x.shape) {
		return s.fail("reshape %s: %v to %v", name, x.shape, shape)
	}
	n := size(shape)
	return s.copyNode("reshape "+name, t, shape, func() []int {
		idx := make([]int, n)
		for k := range idx {
			idx[k] = k
		}
		return idx
	})
}

// TransposeTensorDimensionWithDimensionName swaps two dimensions (the only transpose before
// macOS 13).
func (s *Sim) TransposeTensorDimensionWithDimensionName(t Tensor, d1, d2 uint, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("transpose %s: missing operand", name)
	}
	r := uint(len(x.shape))
	if d1 >= r || d2 >= r {
		return s.fail("transpose %s: dimensions %d, %d of %v", name, d1, d2, x.shape)
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[d1], perm[d2] = perm[d2], perm[d1]
	out := make([]int, r)
	for i, p := range perm {
		out[i] = x.shape[p]
	}
	return s.copyNode("transpose "+name, t, out, func() []int { return permIndex(x.shape, perm) })
}

// permIndex maps each output element of a permutation to its input element.
func permIndex(in []int, perm []int) []int {
	r := len(in)
	st := make([]int, r)
	acc := 1
	for i := r - 1; i >= 0; i-- {
		st[i] = acc
		acc *= in[i]
	}
	out := make([]int, r)
	for i, p := range perm {
		out[i] = in[p]
	}
	idx := make([]int, size(in))
	for k := range idx {
		rem, src := k, 0
		for d := r - 1; d >= 0; d-- {
			src += rem % out[d] * st[perm[d]]
			rem /= out[d]
		}
		idx[k] = src
	}
	return idx
}

// SliceTensorDimensionStartLengthName takes length elements from start along one dimension.
func (s *Sim) SliceTensorDimensionStartLengthName(t Tensor, dim uint, start, length int, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("slice %s: missing operand", name)
	}
	if int(dim) >= len(x.shape) || start < 0 || length < 0 || start+length > x.shape[dim] {
		return s.fail("slice %s: dimension %d start %d length %d of %v", name, dim, start, length, x.shape)
	}
	out := slices.Clone(x.shape)
	out[dim] = length
	inner := size(x.shape[dim+1:])
	return s.copyNode("slice "+name, t, out, func() []int {
		idx := make([]int, size(out))
		for k := range idx {
			o, rem := k/(length*inner), k%(length*inner)
			idx[k] = o*x.shape[dim]*inner + start*inner + rem
		}
		return idx
	})
}

// PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName pads every dimension; only
// the constant mode is simulated.
func (s *Sim) PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(t Tensor, mode PaddingMode, left, right []int, value float64, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("pad %s: missing operand", name)
	}
	if mode != PaddingModeConstant || len(left) != len(x.shape) || len(right) != len(x.shape) || checkShape(left) != nil || checkShape(right) != nil {
		return s.fail("pad %s: mode %d, padding %v %v of %v", name, mode, left, right, x.shape)
	}
	out := make([]int, len(x.shape))
	for i, d := range x.shape {
		out[i] = left[i] + d + right[i]
	}
	return s.node("pad "+name, x.dt, out, func(in []*arr) (*arr, error) {
		res := newArr(in[0].dt, out)
		for k := range size(out) {
			rem, src, st, inside := k, 0, 1, true
			for d := len(out) - 1; d >= 0; d-- {
				c := rem%out[d] - left[d]
				rem /= out[d]
				if c < 0 || c >= x.shape[d] {
					inside = false
				}
				src += c * st
				st *= x.shape[d]
			}
			if inside {
				res.set(k, in[0].at(src))
			} else {
				res.set(k, value)
			}
		}
		return res, nil
	}, t)
}

// ConcatTensorsDimensionName joins tensors of one type along a dimension.
func (s *Sim) ConcatTensorsDimensionName(ts []Tensor, dim int, name string) Tensor {
	if len(ts) == 0 {
		return s.fail("concat %s: no tensors", name)
	}
	first := get(ts[0])
	if first == nil {
		return s.fail("concat %s: missing operand", name)
	}
	if dim < 0 {
		dim += len(first.shape)
	}
	if dim < 0 || dim >= len(first.shape) {
		return s.fail("concat %s: dimension %d of %v", name, dim, first.shape)
	}
	out := slices.Clone(first.shape)
	out[dim] = 0
	for _, t := range ts {
		x := get(t)
		if x == nil || x.dt != first.dt || len(x.shape) != len(out) {
			return s.fail("concat %s: operands do not agree", name)
		}
		for i := range out {
			if i != dim && x.shape[i] != out[i] {
				return s.fail("concat %s: shapes %v and %v", name, first.shape, x.shape)
			}
		}
		out[dim] += x.shape[dim]
	}
	outer, inner := size(out[:dim]), size(out[dim+1:])
	return s.node("concat "+name, first.dt, out, func(in []*arr) (*arr, error) {
		res := newArr(first.dt, out)
		k := 0
		for o := range outer {
			for _, a := range in {
				n := a.shape[dim] * inner
				for j := range n {
					res.set(k, a.at(o*n+j))
					k++
				}
			}
		}
		return res, nil
	}, ts...)
}

// BroadcastTensorToShapeName broadcasts NumPy-style to shape.
func (s *Sim) BroadcastTensorToShapeName(t Tensor, shape []int, name string) Tensor {
	x := get(t)
	if x == nil {
		return s.fail("broadcast %s: missing operand", name)
	}
	if b, ok := broadcastShapes(x.shape, shape); !ok || !slices.Equal(b, shape) {
		return s.fail("broadcast %s: %v to %v", name, x.shape, shape)
	}
	shape = slices.Clone(shape)
	return s.copyNode("broadcast "+name, t, shape, func() []int { return bindex(shape, x.shape) })
}

// GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName follows MPSGraphGatherOps.h:
// res[p_0..p_{axis-1}, i_B..i_Q, p_{axis+1}..] = updates[p_0..p_{axis-1},
// indices[p_0..p_{B-1}, i_B..i_Q], p_{axis+1}..] with B = batchDimensions: the first B dimensions
// of updates and indices are shared, and the result is
// updates.shape[:axis] + indices.shape[B:] + updates.shape[axis+1:].
// Reading: an index outside [0, updates.shape[axis]) is undefined on the GPU; the simulator
// reports it as an error.
func (s *Sim) GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(u, i Tensor, axis, bd uint, name string) Tensor {
	x, ix := get(u), get(i)
	if x == nil || ix == nil {
		return s.fail("gather %s: missing operand", name)
	}
	if isFloat(ix.dt) || ix.dt == DataTypeBool || axis >= uint(len(x.shape)) || bd > axis || bd > uint(len(ix.shape)) || !slices.Equal(x.shape[:bd], ix.shape[:bd]) {
		return s.fail("gather %s: updates %v%v, indices %v%v, axis %d, batch dimensions %d", name, x.dt, x.shape, ix.dt, ix.shape, axis, bd)
	}
	out := append(append(slices.Clone(x.shape[:axis]), ix.shape[bd:]...), x.shape[axis+1:]...)
	nb, outer, v, inner, ni := size(x.shape[:bd]), size(x.shape[bd:axis]), x.shape[axis], size(x.shape[axis+1:]), size(ix.shape[bd:])
	return s.node("gather "+name, x.dt, out, func(in []*arr) (*arr, error) {
		res := newArr(x.dt, out)
		k := 0
		for b := range nb {
			for o := range outer {
				for j := range ni {
					idx := in[1].i[b*ni+j]
					if idx < 0 || idx >= int64(v) {
						return nil, fmt.Errorf("gather index %d outside [0, %d)", idx, v)
					}
					base := ((b*outer+o)*v + int(idx)) * inner
					for r := range inner {
						res.set(k, in[0].at(base+r))
						k++
					}
				}
			}
		}
		return res, nil
	}, u, i)
}

// ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName is TensorFlow's scatter_nd
// with batch dimensions into a zero tensor of the given shape: indices [B..., I..., K] address
// the K dimensions after the batch ones, updates are [B..., I..., shape[B+K:]...]. Only the Add
// mode is simulated. Out-of-range indices: as for gather.
func (s *Sim) ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(u, i Tensor, shape []int, bd uint, mode ScatterMode, name string) Tensor {
	x, ix := get(u), get(i)
	if x == nil || ix == nil {
		return s.fail("scatterND %s: missing operand", name)
	}
	b := int(bd)
	if mode != ScatterModeAdd || isFloat(ix.dt) || len(ix.shape) < b+1 || checkShape(shape) != nil {
		return s.fail("scatterND %s: mode %d, indices %v%v, shape %v", name, mode, ix.dt, ix.shape, shape)
	}
	kd := ix.shape[len(ix.shape)-1]
	if b+kd > len(shape) || !slices.Equal(ix.shape[:b], shape[:b]) {
		return s.fail("scatterND %s: indices %v into %v with %d batch dimensions", name, ix.shape, shape, b)
	}
	wantU := append(slices.Clone(ix.shape[:len(ix.shape)-1]), shape[b+kd:]...)
	if !slices.Equal(x.shape, wantU) {
		return s.fail("scatterND %s: updates %v, want %v", name, x.shape, wantU)
	}
	shape = slices.Clone(shape)
	nb, ni, inner := size(shape[:b]), size(ix.shape[b:len(ix.shape)-1]), size(shape[b+kd:])
	addr := shape[b : b+kd]
	return s.node("scatterND "+name, x.dt, shape, func(in []*arr) (*arr, error) {
		res := newArr(x.dt, shape)
		acc := make([]float64, size(shape)) // accumulate, round once at the end
		for bb := range nb {
			for j := range ni {
				row := 0
				for d := range kd {
					idx := in[1].i[(bb*ni+j)*kd+d]
					if idx < 0 || idx >= int64(addr[d]) {
						return nil, fmt.Errorf("scatter index %d outside [0, %d)", idx, addr[d])
					}
					row = row*addr[d] + int(idx)
				}
				base := (bb*size(addr) + row) * inner
				for r := range inner {
					acc[base+r] += in[0].at((bb*ni+j)*inner + r)
				}
			}
		}
		for k, v := range acc {
			res.set(k, v)
		}
		return res, nil
	}, u, i)
}
