package mps

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// Sim is a pure-Go MPSGraph: it implements Graph with MPSGraph's documented semantics (not bt's),
// so that the lowering can be run and tested on any OS. Values are computed in float64 and
// rounded to the result's type after every operation (float16 results to float16, float32 to
// float32); integers are int64 wrapped to their width. Float64 does not exist: asking for it is an
// error, as MPSDataType has no float64.
type Sim struct {
	nodes []*simTensor
	err   error
}

// NewSim returns an empty simulated MPSGraph.
func NewSim() *Sim { return &Sim{} }

// simTensor is a node of the simulated graph. fn computes its value from its inputs' values.
type simTensor struct {
	id          int
	shape       []int
	dt          DataType
	in          []*simTensor
	fn          func(in []*arr) (*arr, error)
	placeholder bool
	name        string
}

// arr is a value: floats in f, integers and booleans (0/1) in i.
type arr struct {
	shape []int
	dt    DataType
	f     []float64
	i     []int64
}

func isFloat(dt DataType) bool { return dt == DataTypeFloat16 || dt == DataTypeFloat32 }

func newArr(dt DataType, shape []int) *arr {
	a := &arr{shape: append([]int{}, shape...), dt: dt}
	if isFloat(dt) {
		a.f = make([]float64, size(shape))
	} else {
		a.i = make([]int64, size(shape))
	}
	return a
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// at reads element k as float64.
func (a *arr) at(k int) float64 {
	if a.f != nil || isFloat(a.dt) {
		return a.f[k]
	}
	return float64(a.i[k])
}

// set writes element k, rounding or wrapping to the type.
func (a *arr) set(k int, v float64) {
	if isFloat(a.dt) {
		a.f[k] = roundF(a.dt, v)
		return
	}
	a.i[k] = wrapI(a.dt, int64(v))
}

// roundF rounds v to a float type: float16 to nearest even (through float32), float32 to nearest.
func roundF(dt DataType, v float64) float64 {
	if dt == DataTypeFloat16 {
		return float64(graph.F16ToFloat32(graph.Float32ToF16(float32(v))))
	}
	return float64(float32(v))
}

// wrapI wraps v to an integer type (two's complement), booleans to 0/1.
func wrapI(dt DataType, v int64) int64 {
	switch dt {
	case DataTypeInt32:
		return int64(int32(v))
	case DataTypeUInt8:
		return int64(uint8(v))
	case DataTypeBool:
		if v != 0 {
			return 1
		}
		return 0
	}
	return v
}

// fail records the first error and returns a node that never evaluates.
func (s *Sim) fail(format string, args ...any) Tensor {
	if s.err == nil {
		s.err = fmt.Errorf("mps: "+format, args...)
	}
	return &simTensor{id: -1}
}

// Err is the first error met while building.
func (s *Sim) Err() error { return s.err }

// node adds a node computed by fn; nil when an input is missing (an earlier error).
func (s *Sim) node(name string, dt DataType, shape []int, fn func(in []*arr) (*arr, error), in ...Tensor) Tensor {
	ins := make([]*simTensor, len(in))
	for i, t := range in {
		st, ok := t.(*simTensor)
		if !ok || st == nil {
			return s.fail("%s: input %d is %T, not a tensor of this graph", name, i, t)
		}
		if st.id < 0 {
			return st // an earlier error
		}
		if st.id >= len(s.nodes) || s.nodes[st.id] != st {
			return s.fail("%s: input %d belongs to another graph", name, i)
		}
		ins[i] = st
	}
	if dt.Size() == 0 {
		return s.fail("%s: data type %v (MPSGraph has no float64; bfloat16 needs macOS 14)", name, dt)
	}
	for _, d := range shape {
		if d < 0 {
			return s.fail("%s: negative dimension in %v", name, shape)
		}
	}
	n := &simTensor{id: len(s.nodes), shape: append([]int{}, shape...), dt: dt, in: ins, fn: fn, name: name}
	s.nodes = append(s.nodes, n)
	return n
}

// get returns the node behind a handle (nil after an error).
func get(t Tensor) *simTensor {
	st, _ := t.(*simTensor)
	if st == nil || st.id < 0 {
		return nil
	}
	return st
}

// PlaceholderWithShapeDataTypeName is a fed input.
func (s *Sim) PlaceholderWithShapeDataTypeName(shape []int, dataType DataType, name string) Tensor {
	t := s.node("placeholder "+name, dataType, shape, nil)
	if st := get(t); st != nil {
		st.placeholder = true
	}
	return t
}

// ConstantWithDataShapeDataType is a constant from little-endian bytes (copied).
func (s *Sim) ConstantWithDataShapeDataType(data []byte, shape []int, dataType DataType) Tensor {
	if len(data) != size(shape)*dataType.Size() || dataType.Size() == 0 {
		return s.fail("constant: %d bytes for %v%v", len(data), dataType, shape)
	}
	v := decode(data, dataType, shape)
	return s.node("constant", dataType, shape, func([]*arr) (*arr, error) { return v, nil })
}

// ConstantWithScalarShapeDataType fills shape with scalar, converted to the type.
func (s *Sim) ConstantWithScalarShapeDataType(scalar float64, shape []int, dataType DataType) Tensor {
	return s.node("constant", dataType, shape, func([]*arr) (*arr, error) {
		a := newArr(dataType, shape)
		for k := range size(shape) {
			a.set(k, scalar)
		}
		return a, nil
	})
}

// CoordinateAlongAxisWithShapeName is the index along axis of each element of shape, as int32
// (MPSGraph's documented result type).
func (s *Sim) CoordinateAlongAxisWithShapeName(axis int, shape []int, name string) Tensor {
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 0 || axis >= len(shape) {
		return s.fail("coordinate %s: axis %d of %v", name, axis, shape)
	}
	return s.node(name, DataTypeInt32, shape, func([]*arr) (*arr, error) {
		a := newArr(DataTypeInt32, shape)
		inner := size(shape[axis+1:])
		for k := range a.i {
			a.i[k] = int64(k / inner % shape[axis])
		}
		return a, nil
	})
}

// decode reads little-endian bytes into a value.
func decode(b []byte, dt DataType, shape []int) *arr {
	a := newArr(dt, shape)
	for k := range size(shape) {
		switch dt {
		case DataTypeFloat32:
			a.f[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:])))
		case DataTypeFloat16:
			a.f[k] = float64(graph.F16ToFloat32(binary.LittleEndian.Uint16(b[2*k:])))
		case DataTypeInt32:
			a.i[k] = int64(int32(binary.LittleEndian.Uint32(b[4*k:])))
		case DataTypeInt64:
			a.i[k] = int64(binary.LittleEndian.Uint64(b[8*k:]))
		case DataTypeUInt8:
			a.i[k] = int64(b[k])
		case DataTypeBool:
			a.i[k] = wrapI(DataTypeBool, int64(b[k]))
		}
	}
	return a
}

// encode writes a value as little-endian bytes into b.
func encode(a *arr, b []byte) {
	for k := range size(a.shape) {
		switch a.dt {
		case DataTypeFloat32:
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(float32(a.f[k])))
		case DataTypeFloat16:
			binary.LittleEndian.PutUint16(b[2*k:], graph.Float32ToF16(float32(a.f[k])))
		case DataTypeInt32:
			binary.LittleEndian.PutUint32(b[4*k:], uint32(a.i[k]))
		case DataTypeInt64:
			binary.LittleEndian.PutUint64(b[8*k:], uint64(a.i[k]))
		case DataTypeUInt8, DataTypeBool:
			b[k] = byte(a.i[k])
		}
	}
}

var _ Graph = (*Sim)(nil)
