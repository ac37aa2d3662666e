package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bridgetower-go/bt/graph"
	"github.com/nlpodyssey/gopickle/types"
)

// looseClass stands for any class the reader does not know (Lightning's AttributeDict, argparse
// Namespace, schedulers, ...). Building one yields a looseObject that accepts items, list
// elements and state, so that a checkpoint loads around objects it does not need.
type looseClass struct{ module, name string }

func (c *looseClass) Call(args ...any) (any, error)  { return &looseObject{class: c, args: args}, nil }
func (c *looseClass) PyNew(args ...any) (any, error) { return &looseObject{class: c, args: args}, nil }

type looseObject struct {
	class *looseClass
	args  []any
	items types.Dict
	list  []any
	state any
	attrs map[string]any
}

func (o *looseObject) Set(k, v any)   { o.items = append(o.items, types.DictEntry{Key: k, Value: v}) }
func (o *looseObject) Append(v any)   { o.list = append(o.list, v) }
func (o *looseObject) Extend(v []any) { o.list = append(o.list, v...) }
func (o *looseObject) PySetState(s any) error {
	o.state = s
	return nil
}
func (o *looseObject) PyDictSet(k, v any) error {
	if o.attrs == nil {
		o.attrs = map[string]any{}
	}
	o.attrs[fmt.Sprint(k)] = v
	return nil
}

// dictEntries lists the key/value pairs of any dict-like pickle value, in order.
func dictEntries(v any) ([]types.DictEntry, bool) {
	switch d := v.(type) {
	case *types.Dict:
		return *d, true
	case *types.OrderedDict:
		out := make([]types.DictEntry, 0, d.Len())
		for e := d.List.Front(); e != nil; e = e.Next() {
			oe := e.Value.(*types.OrderedDictEntry)
			out = append(out, types.DictEntry{Key: oe.Key, Value: oe.Value})
		}
		return out, true
	case *looseObject:
		if len(d.items) > 0 || (d.list == nil && d.state == nil) {
			return d.items, true
		}
	}
	return nil, false
}

// lookup finds a string key in a dict-like value.
func lookup(v any, key string) (any, bool) {
	entries, ok := dictEntries(v)
	if !ok {
		return nil, false
	}
	for _, e := range entries {
		if k, ok := e.Key.(string); ok && k == key {
			return e.Value, true
		}
	}
	return nil, false
}

// maxExpandedElements caps tensors that have more elements than their storage (stride-0
// expansions), so that a corrupt size cannot ask for an enormous allocation.
const maxExpandedElements = 1 << 24

// materialize copies a strided torch view into a contiguous graph tensor.
func materialize(t *torchTensor, fetch fetchFunc) (*graph.Tensor, error) {
	s := t.storage
	shape := graph.Shape(append([]int(nil), t.size...))
	n := 1
	for _, d := range t.size {
		if d != 0 && n > math.MaxInt32*8/d {
			return nil, fmt.Errorf("shape %v is too large", t.size)
		}
		n *= d
	}
	if n > s.numel && n > maxExpandedElements {
		return nil, fmt.Errorf("shape %v has %d elements from a storage of %d", t.size, n, s.numel)
	}
	if n == 0 {
		return graph.NewTensor(s.kind.dtype, shape), nil
	}
	// The last element read is offset + sum((size-1)*stride); it must lie inside the storage.
	if t.offset >= s.numel {
		return nil, fmt.Errorf("storage offset %d is outside the %d-element storage", t.offset, s.numel)
	}
	last := t.offset
	for i, d := range t.size {
		st := t.stride[i]
		if d > 1 && st > 0 && (d-1) > (s.numel-last)/st {
			return nil, fmt.Errorf("view (offset %d, size %v, stride %v) reads past the %d-element storage", t.offset, t.size, t.stride, s.numel)
		}
		last += (d - 1) * st
	}
	if last >= s.numel {
		return nil, fmt.Errorf("view (offset %d, size %v, stride %v) reads past the %d-element storage", t.offset, t.size, t.stride, s.numel)
	}
	raw, err := fetch(s)
	if err != nil {
		return nil, err
	}
	e := s.kind.elem
	if len(raw) < s.numel*e {
		return nil, fmt.Errorf("storage %s has %d bytes, want %d", s.key, len(raw), s.numel*e)
	}
	out := graph.NewTensor(s.kind.dtype, shape) // allocated only once the storage checked out
	var src []byte
	if isContiguous(t.size, t.stride) {
		src = raw[t.offset*e : (t.offset+n)*e]
	} else {
		src = gather(raw, e, t.offset, t.size, t.stride, n)
	}
	decode(out, s.kind, src)
	return out, nil
}

// isContiguous reports whether stride is the row-major stride of size (dimensions of size 1
// may have any stride).
func isContiguous(size, stride []int) bool {
	acc := 1
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != acc {
			return false
		}
		acc *= size[i]
	}
	return true
}

// gather copies the n elements of a strided view, row-major, into a new byte slice.
func gather(raw []byte, e, offset int, size, stride []int, n int) []byte {
	dst := make([]byte, n*e)
	idx := make([]int, len(size))
	pos := offset
	for i := 0; i < n; i++ {
		copy(dst[i*e:(i+1)*e], raw[pos*e:(pos+1)*e])
		for d := len(size) - 1; d >= 0; d-- {
			idx[d]++
			pos += stride[d]
			if idx[d] < size[d] {
				break
			}
			pos -= stride[d] * size[d]
			idx[d] = 0
		}
	}
	return dst
}

// decode fills t.Data from little-endian element bytes of the given storage kind.
func decode(t *graph.Tensor, kind storageKind, src []byte) {
	le := binary.LittleEndian
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = math.Float32frombits(le.Uint32(src[4*i:]))
		}
	case []float64:
		for i := range d {
			d[i] = math.Float64frombits(le.Uint64(src[8*i:]))
		}
	case []uint16:
		for i := range d {
			d[i] = le.Uint16(src[2*i:])
		}
	case []int64:
		for i := range d {
			d[i] = int64(le.Uint64(src[8*i:]))
		}
	case []int32:
		for i := range d {
			switch kind.elem {
			case 4:
				d[i] = int32(le.Uint32(src[4*i:]))
			case 2:
				d[i] = int32(int16(le.Uint16(src[2*i:])))
			case 1:
				d[i] = int32(int8(src[i]))
			}
		}
	case []uint8:
		copy(d, src)
	case []bool:
		for i := range d {
			d[i] = src[i] != 0
		}
	}
}
