package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
)

// File is a parsed safetensors file. Tensors returned by a File opened with Open view the
// file's memory mapping (copy-on-write: writing to them changes only this process's pages, not
// the file) and stay valid until Close; Clone a tensor to keep it longer. Tensors of a File made
// by Parse view the caller's byte slice. A File is safe for concurrent reads.
type File struct {
	name      string // path, or "<bytes>" for Parse; used in errors
	data      []byte // the whole file
	dataStart int    // offset of the data section in data
	entries   map[string]*entry
	names     []string
	meta      map[string]string
	unmap     func() error // nil when data is not a mapping
	closed    bool
}

// Open memory-maps the file at path (reads it into memory where mapping is unavailable) and
// validates its header.
func Open(path string) (*File, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(path, data)
	if err != nil {
		if unmap != nil {
			unmap()
		}
		return nil, err
	}
	f.unmap = unmap
	return f, nil
}

// Parse validates the safetensors bytes in data (for example a gunzipped file). The returned
// tensors view data, which must not change while they are in use.
func Parse(data []byte) (*File, error) { return parse("<bytes>", data) }

func parse(name string, data []byte) (*File, error) {
	entries, names, meta, start, err := parseHeader(name, data)
	if err != nil {
		return nil, err
	}
	return &File{name: name, data: data, dataStart: start, entries: entries, names: names, meta: meta}, nil
}

// Path is the file path given to Open, or "<bytes>" for Parse.
func (f *File) Path() string { return f.name }

// Names returns the tensor names in sorted order.
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Info returns the dtype and shape of a tensor without touching its data.
func (f *File) Info(name string) (graph.DType, graph.Shape, bool) {
	e, ok := f.entries[name]
	if !ok {
		return graph.Invalid, nil, false
	}
	return e.dtype, e.shape.Clone(), true
}

// Metadata returns a copy of the "__metadata__" map (empty when the file has none).
func (f *File) Metadata() map[string]string {
	m := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		m[k] = v
	}
	return m
}

// Tensor returns the named tensor. On a little-endian host and with the data suitably aligned
// (always so for files written with the spec's 8-byte padding) Data is a view into the file
// without a copy; otherwise it is decoded into a new slice. F16 and BF16 come back as raw
// []uint16 bits; BOOL is always copied (bytes other than 0 and 1 become true).
func (f *File) Tensor(name string) (*graph.Tensor, error) {
	if f.closed {
		return nil, fmt.Errorf("safetensors: %s: tensor %q requested after Close", f.name, name)
	}
	e, ok := f.entries[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: %s: no tensor %q", f.name, name)
	}
	b := f.data[f.dataStart+int(e.begin) : f.dataStart+int(e.end)]
	t := &graph.Tensor{DType: e.dtype, Shape: e.shape.Clone()}
	switch e.dtype {
	case graph.F32:
		t.Data = viewOrDecode(b, math.Float32frombits, binary.LittleEndian.Uint32)
	case graph.F64:
		t.Data = viewOrDecode(b, math.Float64frombits, binary.LittleEndian.Uint64)
	case graph.F16, graph.BF16:
		t.Data = viewOrDecode(b, func(u uint16) uint16 { return u }, binary.LittleEndian.Uint16)
	case graph.I32:
		t.Data = viewOrDecode(b, func(u uint32) int32 { return int32(u) }, binary.LittleEndian.Uint32)
	case graph.I64:
		t.Data = viewOrDecode(b, func(u uint64) int64 { return int64(u) }, binary.LittleEndian.Uint64)
	case graph.U8:
		t.Data = b[:len(b):len(b)]
	case graph.Bool:
		out := make([]bool, len(b))
		for i, v := range b {
			out[i] = v != 0
		}
		t.Data = out
	default:
		return nil, fmt.Errorf("safetensors: %s: tensor %q: dtype %v not readable", f.name, name, e.dtype)
	}
	return t, nil
}

// Close releases the mapping. Tensors obtained from an opened File must not be used afterwards.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	f.data = nil
	if f.unmap != nil {
		if err := f.unmap(); err != nil {
			return fmt.Errorf("safetensors: %s: unmap: %w", f.name, err)
		}
	}
	return nil
}

// littleEndian reports whether the host stores integers little-endian (zero-copy is only
// possible then).
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// viewOrDecode returns b as a []T without copying when the host is little-endian and b is
// aligned for T; otherwise it decodes each element with get (little-endian bits U) and conv.
func viewOrDecode[T any, U uint16 | uint32 | uint64](b []byte, conv func(U) T, get func([]byte) U) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	n := len(b) / size
	if n == 0 {
		return []T{}
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%uintptr(size) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]T, n)
	for i := range out {
		out[i] = conv(get(b[i*size:]))
	}
	return out
}

// TensorBytes is the little-endian byte image of a tensor as it is stored in a file.
// On little-endian hosts it aliases t.Data (no copy) except for Bool.
func tensorBytes(t *graph.Tensor) []byte {
	switch d := t.Data.(type) {
	case []float32:
		return leBytes(d, func(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) })
	case []float64:
		return leBytes(d, func(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) })
	case []uint16:
		return leBytes(d, func(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) })
	case []int32:
		return leBytes(d, func(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) })
	case []int64:
		return leBytes(d, func(b []byte, v int64) { binary.LittleEndian.PutUint64(b, uint64(v)) })
	case []uint8:
		return d
	case []bool:
		out := make([]byte, len(d))
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
		return out
	}
	return nil
}

func leBytes[T any](d []T, put func([]byte, T)) []byte {
	if len(d) == 0 {
		return nil
	}
	size := int(unsafe.Sizeof(d[0]))
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), len(d)*size)
	}
	out := make([]byte, len(d)*size)
	for i, v := range d {
		put(out[i*size:], v)
	}
	return out
}

// readWhole is the fallback when a file cannot be mapped.
func readWhole(path string) ([]byte, error) { return os.ReadFile(path) }
