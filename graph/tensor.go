package graph

import (
	"fmt"
	"math"
	"slices"
)

// Tensor is a host value: a dtype, a shape and a flat row-major slice. Data is []float32 (F32),
// []float64 (F64), []uint16 (F16, BF16: raw bits), []int32 (I32), []int64 (I64), []bool (Bool) or []uint8 (U8).
// Backends with unified memory (Metal) hand out Tensors whose Data is device-visible memory.
type Tensor struct {
	DType DType
	Shape Shape
	Data  any
}

// NewTensor allocates a zero tensor.
func NewTensor(dt DType, shape Shape) *Tensor {
	n := shape.Size()
	t := &Tensor{DType: dt, Shape: shape.Clone()}
	switch dt {
	case F32:
		t.Data = make([]float32, n)
	case F64:
		t.Data = make([]float64, n)
	case F16, BF16:
		t.Data = make([]uint16, n)
	case I32:
		t.Data = make([]int32, n)
	case I64:
		t.Data = make([]int64, n)
	case Bool:
		t.Data = make([]bool, n)
	case U8:
		t.Data = make([]uint8, n)
	default:
		panic(fmt.Sprintf("graph: NewTensor of dtype %v", dt))
	}
	return t
}

// FromFloat32 wraps data (not copied) as an F32 tensor of the given shape.
func FromFloat32(shape Shape, data []float32) *Tensor {
	return &Tensor{DType: F32, Shape: shape.Clone(), Data: data}
}

// FromFloat64 wraps data (not copied) as an F64 tensor of the given shape.
func FromFloat64(shape Shape, data []float64) *Tensor {
	return &Tensor{DType: F64, Shape: shape.Clone(), Data: data}
}

// FromInt64 wraps data (not copied) as an I64 tensor of the given shape.
func FromInt64(shape Shape, data []int64) *Tensor {
	return &Tensor{DType: I64, Shape: shape.Clone(), Data: data}
}

// FromInt32 wraps data (not copied) as an I32 tensor of the given shape.
func FromInt32(shape Shape, data []int32) *Tensor {
	return &Tensor{DType: I32, Shape: shape.Clone(), Data: data}
}

// Len is the number of elements in Data.
func (t *Tensor) Len() int {
	switch d := t.Data.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []uint16:
		return len(d)
	case []int32:
		return len(d)
	case []int64:
		return len(d)
	case []bool:
		return len(d)
	case []uint8:
		return len(d)
	}
	return -1
}

// Check verifies that Data has the Go type of DType and the length of Shape.
func (t *Tensor) Check() error {
	ok := false
	switch t.Data.(type) {
	case []float32:
		ok = t.DType == F32
	case []float64:
		ok = t.DType == F64
	case []uint16:
		ok = t.DType == F16 || t.DType == BF16
	case []int32:
		ok = t.DType == I32
	case []int64:
		ok = t.DType == I64
	case []bool:
		ok = t.DType == Bool
	case []uint8:
		ok = t.DType == U8
	}
	if !ok {
		return fmt.Errorf("graph: tensor data %T does not hold dtype %v", t.Data, t.DType)
	}
	if n := t.Len(); n != t.Shape.Size() {
		return fmt.Errorf("graph: tensor of shape %v has %d elements, want %d", t.Shape, n, t.Shape.Size())
	}
	return nil
}

// Float64s returns the values widened to float64 (a copy), for tests and comparisons.
// F16 and BF16 are decoded from their bits.
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, t.Len())
	switch d := t.Data.(type) {
	case []float32:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []float64:
		copy(out, d)
	case []uint16:
		for i, v := range d {
			if t.DType == BF16 {
				out[i] = float64(BF16ToFloat32(v))
			} else {
				out[i] = float64(F16ToFloat32(v))
			}
		}
	case []int32:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []int64:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []bool:
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
	case []uint8:
		for i, v := range d {
			out[i] = float64(v)
		}
	}
	return out
}

// SetFloat64s writes v (one value per element) converted to the tensor's dtype: Go conversions
// for integers (truncation toward zero), v != 0 for Bool, round-to-nearest-even for F16 and BF16.
// It is the inverse of Float64s on values the dtype represents.
func (t *Tensor) SetFloat64s(v []float64) error {
	if len(v) != t.Len() {
		return fmt.Errorf("graph: %d values for a tensor of %d elements (%v)", len(v), t.Len(), t)
	}
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v[i])
		}
	case []float64:
		copy(d, v)
	case []uint16:
		for i := range d {
			if t.DType == BF16 {
				d[i] = Float32ToBF16(float32(v[i]))
			} else {
				d[i] = Float32ToF16(float32(v[i]))
			}
		}
	case []int32:
		for i := range d {
			d[i] = int32(v[i])
		}
	case []int64:
		for i := range d {
			d[i] = int64(v[i])
		}
	case []bool:
		for i := range d {
			d[i] = v[i] != 0
		}
	case []uint8:
		for i := range d {
			d[i] = uint8(v[i])
		}
	default:
		return fmt.Errorf("graph: tensor data %T", t.Data)
	}
	return nil
}

// Identical reports whether two tensors have the same dtype, shape and element bits (so a NaN
// equals the same NaN, and 0 differs from -0).
func (t *Tensor) Identical(o *Tensor) bool {
	if t == nil || o == nil || t.DType != o.DType || !t.Shape.Equal(o.Shape) || t.Len() != o.Len() {
		return t == o
	}
	switch x := t.Data.(type) {
	case []float32:
		y, ok := o.Data.([]float32)
		if !ok {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	case []float64:
		y, ok := o.Data.([]float64)
		if !ok {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	case []uint16:
		return slices.Equal(x, o.Data.([]uint16))
	case []int32:
		return slices.Equal(x, o.Data.([]int32))
	case []int64:
		return slices.Equal(x, o.Data.([]int64))
	case []bool:
		return slices.Equal(x, o.Data.([]bool))
	case []uint8:
		return slices.Equal(x, o.Data.([]uint8))
	}
	return false
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := NewTensor(t.DType, t.Shape)
	switch d := t.Data.(type) {
	case []float32:
		copy(c.Data.([]float32), d)
	case []float64:
		copy(c.Data.([]float64), d)
	case []uint16:
		copy(c.Data.([]uint16), d)
	case []int32:
		copy(c.Data.([]int32), d)
	case []int64:
		copy(c.Data.([]int64), d)
	case []bool:
		copy(c.Data.([]bool), d)
	case []uint8:
		copy(c.Data.([]uint8), d)
	}
	return c
}

// String gives dtype and shape, e.g. "f32[2 3]".
func (t *Tensor) String() string { return t.DType.String() + t.Shape.String() }
