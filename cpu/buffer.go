package cpu

import (
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
)

// bufKind says where a buffer's memory comes from.
type bufKind uint8

const (
	bufInternal bufKind = iota // a piece of the executable's arena, shared by liveness (arena.go)
	bufArg                     // the caller's tensor (or a staged copy), bound by Run
	bufConst                   // a graph constant (read only)
)

// buffer is one piece of storage: a typed slice (Data of a graph.Tensor) of at least size elements.
type buffer struct {
	kind  bufKind
	dtype graph.DType
	size  int // elements needed (the largest value placed in it)
	data  any // []float32, []float64, ...; nil until allocated or bound
	arg   int // for bufArg: the arg index

	// For bufInternal: the steps from the first write to the last read of the values it holds
	// (to is never for outputs), and its place in the arena of its dtype, in elements.
	from, to, off int
}

// value is the result of one scheduled node: a dtype and shape stored in (the first size elements
// of) a buffer, or placed in it as a view (view.go). Aliasing values (reshape, stop_gradient,
// views) share their operand's buffer.
type value struct {
	node  *graph.Node
	dtype graph.DType
	shape graph.Shape
	size  int
	vb    *vbuf
	view  *view // nil: row-major from element 0
}

// vbuf is a virtual buffer: the storage shared by a value and its aliases during their lifetime;
// Compile maps each one to a physical buffer.
type vbuf struct {
	phys     *buffer
	last     int  // index of the last step reading it (or an alias of it); never for outputs
	released bool // its physical buffer was passed on to an in-place result
}

const never = int(^uint(0) >> 1) // last use of buffers that must survive the run

// slice returns the value's elements as []T (a contiguous value: not strided).
func slice[T any](v *value) []T {
	if v.view != nil {
		if v.view.strides != nil {
			panic("cpu: internal error: contiguous read of a strided view")
		}
		return v.vb.phys.data.([]T)[v.view.off : v.view.off+v.size]
	}
	return v.vb.phys.data.([]T)[:v.size]
}

// whole returns the entire buffer v lives in, for kernels that read it through its placement.
func whole[T any](v *value) []T { return v.vb.phys.data.([]T) }

// sliceAny cuts a typed slice held in an interface to n elements.
func sliceAny(data any, n int) any {
	switch d := data.(type) {
	case []float32:
		return d[:n]
	case []float64:
		return d[:n]
	case []uint16:
		return d[:n]
	case []int32:
		return d[:n]
	case []int64:
		return d[:n]
	case []bool:
		return d[:n]
	case []uint8:
		return d[:n]
	}
	panic("cpu: sliceAny of unknown data")
}

// span returns the address range [lo, hi) covered by a typed slice (0, 0 when empty).
func span(data any) (lo, hi uintptr) {
	var p unsafe.Pointer
	var n, size int
	switch d := data.(type) {
	case []float32:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 4
	case []float64:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 8
	case []uint16:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 2
	case []int32:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 4
	case []int64:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 8
	case []bool:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 1
	case []uint8:
		p, n, size = unsafe.Pointer(unsafe.SliceData(d)), len(d), 1
	}
	if n == 0 || p == nil {
		return 0, 0
	}
	lo = uintptr(p)
	return lo, lo + uintptr(n*size)
}

// overlaps reports whether two typed slices share memory.
func overlaps(a, b any) bool {
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo < bhi && blo < ahi
}

// copyAny copies src into dst (same Go slice type).
func copyAny(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []uint16:
		copy(d, src.([]uint16))
	case []int32:
		copy(d, src.([]int32))
	case []int64:
		copy(d, src.([]int64))
	case []bool:
		copy(d, src.([]bool))
	case []uint8:
		copy(d, src.([]uint8))
	}
}
