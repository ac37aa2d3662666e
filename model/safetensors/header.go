// Package safetensors reads and writes the safetensors checkpoint format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a JSON
// header mapping tensor names to {dtype, shape, data_offsets} plus an optional "__metadata__"
// string map, then the tensor bytes back to back, little-endian, row-major.
//
// Open memory-maps a file and hands out zero-copy tensors that view the mapping; Parse does the
// same over bytes already in memory. The header is validated completely before any tensor is
// returned: lengths, JSON, dtypes, shapes against byte sizes, and offsets that must tile the data
// section exactly (no gaps, no overlaps). Write and WriteFile produce files that other readers
// (Python safetensors, the HF hub) accept: names in sorted order, header space-padded so that the
// data starts at a multiple of 8 bytes.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// MaxHeaderSize caps the JSON header length (100 MiB); a larger value means a corrupt file.
const MaxHeaderSize = 100 << 20

const metadataKey = "__metadata__"

// entry is one tensor of the header, with offsets relative to the start of the data section.
type entry struct {
	name       string
	dtype      graph.DType
	shape      graph.Shape
	begin, end uint64
}

// dtypeNames maps the safetensors dtype strings this package supports to graph dtypes.
var dtypeNames = map[string]graph.DType{
	"F32": graph.F32, "F64": graph.F64, "F16": graph.F16, "BF16": graph.BF16,
	"I32": graph.I32, "I64": graph.I64, "U8": graph.U8, "BOOL": graph.Bool,
}

// specOnlyDTypes are valid safetensors dtypes that have no graph dtype; named in errors.
var specOnlyDTypes = map[string]bool{
	"I8": true, "I16": true, "U16": true, "U32": true, "U64": true,
	"F8_E4M3": true, "F8_E5M2": true, "F8_E8M0": true, "F6_E2M3": true, "F6_E3M2": true, "F4": true, "C64": true,
}

// dtypeString is the safetensors name of a graph dtype.
func dtypeString(dt graph.DType) (string, bool) {
	for s, d := range dtypeNames {
		if d == dt {
			return s, true
		}
	}
	return "", false
}

// parseHeader splits data into header and data section and validates every entry.
// name is used in error messages (the file path, or "<bytes>").
func parseHeader(name string, data []byte) (entries map[string]*entry, names []string, meta map[string]string, dataStart int, err error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %s: "+format, append([]any{name}, args...)...)
	}
	if len(data) < 8 {
		return nil, nil, nil, 0, fail("truncated file: %d bytes, need at least 8 for the header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > MaxHeaderSize {
		return nil, nil, nil, 0, fail("header length %d exceeds the %d-byte limit (corrupt file?)", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, nil, nil, 0, fail("header length %d is larger than the %d bytes after it (truncated file?)", n, len(data)-8)
	}
	if n < 2 {
		return nil, nil, nil, 0, fail("header length %d is too small for a JSON object", n)
	}
	header := data[8 : 8+n]
	dataStart = 8 + int(n)
	dataLen := uint64(len(data) - dataStart)

	raw, err := decodeTopLevel(header)
	if err != nil {
		return nil, nil, nil, 0, fail("bad JSON header: %v", err)
	}
	entries = make(map[string]*entry, len(raw))
	for key, msg := range raw {
		if key == metadataKey {
			meta, err = decodeMetadata(msg)
			if err != nil {
				return nil, nil, nil, 0, fail("bad __metadata__: %v", err)
			}
			continue
		}
		e, err := decodeEntry(key, msg)
		if err != nil {
			return nil, nil, nil, 0, fail("tensor %q: %v", key, err)
		}
		entries[key] = e
		names = append(names, key)
	}
	sort.Strings(names)
	if err := checkLayout(entries, dataLen); err != nil {
		return nil, nil, nil, 0, fail("%v", err)
	}
	return entries, names, meta, dataStart, nil
}

// decodeTopLevel reads the header object key by key so that duplicate keys are an error rather
// than silently resolved, and checks that only whitespace follows the object.
func decodeTopLevel(header []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("header is not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key is %v, not a string", tok)
		}
		var msg json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			return nil, fmt.Errorf("value of %q: %v", key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		out[key] = msg
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	rest := header[dec.InputOffset():]
	if len(bytes.TrimRight(rest, " \t\r\n")) != 0 {
		return nil, fmt.Errorf("unexpected bytes after the header object: %q", truncate(string(rest), 40))
	}
	return out, nil
}

func decodeMetadata(msg json.RawMessage) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(msg, &m); err != nil {
		return nil, fmt.Errorf("want an object of strings: %v", err)
	}
	return m, nil
}

func decodeEntry(name string, msg json.RawMessage) (*entry, error) {
	var r struct {
		DType       *string       `json:"dtype"`
		Shape       []json.Number `json:"shape"`
		DataOffsets []json.Number `json:"data_offsets"`
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("want {dtype, shape, data_offsets}: %v", err)
	}
	if r.DType == nil {
		return nil, fmt.Errorf("missing dtype")
	}
	dt, ok := dtypeNames[*r.DType]
	if !ok {
		if specOnlyDTypes[*r.DType] {
			return nil, fmt.Errorf("dtype %s is not supported (want F32, F64, F16, BF16, I32, I64, U8 or BOOL)", *r.DType)
		}
		return nil, fmt.Errorf("unknown dtype %q", truncate(*r.DType, 40))
	}
	if r.Shape == nil {
		return nil, fmt.Errorf("missing shape")
	}
	if len(r.DataOffsets) != 2 {
		return nil, fmt.Errorf("data_offsets has %d values, want 2", len(r.DataOffsets))
	}
	e := &entry{name: name, dtype: dt, shape: make(graph.Shape, len(r.Shape))}
	count := uint64(1)
	for i, num := range r.Shape {
		d, err := parseUint(num)
		if err != nil || d > uint64(math.MaxInt) {
			return nil, fmt.Errorf("shape %v: dimension %d is %s, want a non-negative integer", r.Shape, i, num)
		}
		e.shape[i] = int(d)
		hi, lo := bits.Mul64(count, d)
		if hi != 0 || lo > math.MaxInt64/8 {
			return nil, fmt.Errorf("shape %v has too many elements", r.Shape)
		}
		count = lo
	}
	var err error
	if e.begin, err = parseUint(r.DataOffsets[0]); err != nil {
		return nil, fmt.Errorf("data_offsets[0] is %s, want a non-negative integer", r.DataOffsets[0])
	}
	if e.end, err = parseUint(r.DataOffsets[1]); err != nil {
		return nil, fmt.Errorf("data_offsets[1] is %s, want a non-negative integer", r.DataOffsets[1])
	}
	if e.end < e.begin {
		return nil, fmt.Errorf("data_offsets [%d, %d] end before they begin", e.begin, e.end)
	}
	if want := count * uint64(dt.Size()); e.end-e.begin != want {
		return nil, fmt.Errorf("%s%v needs %d bytes but data_offsets [%d, %d] span %d", *r.DType, e.shape, want, e.begin, e.end, e.end-e.begin)
	}
	return e, nil
}

func parseUint(n json.Number) (uint64, error) {
	s := n.String()
	if s == "" || strings.ContainsAny(s, ".eE-+") {
		return 0, fmt.Errorf("not a non-negative integer")
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a non-negative integer")
		}
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, fmt.Errorf("overflow")
		}
		v, hi = bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 {
			return 0, fmt.Errorf("overflow")
		}
	}
	return v, nil
}

// checkLayout verifies that the tensors tile [0, dataLen) exactly: sorted by offset, each begins
// where the previous ended, and the last ends at the end of the file.
func checkLayout(entries map[string]*entry, dataLen uint64) error {
	byOffset := make([]*entry, 0, len(entries))
	for _, e := range entries {
		byOffset = append(byOffset, e)
	}
	sort.Slice(byOffset, func(i, j int) bool {
		a, b := byOffset[i], byOffset[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	var pos uint64
	var prev *entry
	for _, e := range byOffset {
		if e.end > dataLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data section (truncated file?)", e.name, e.begin, e.end, dataLen)
		}
		switch {
		case e.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q [%d, %d]", e.name, e.begin, e.end, prev.name, prev.begin, prev.end)
		case e.begin > pos:
			if prev == nil {
				return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap of %d bytes at the start of the data section", e.name, e.begin, e.end, e.begin)
			}
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after tensor %q [%d, %d]", e.name, e.begin, e.end, prev.name, prev.begin, prev.end)
		}
		pos = e.end
		prev = e
	}
	if pos != dataLen {
		return fmt.Errorf("data section has %d bytes but the tensors cover %d (trailing bytes or wrong offsets)", dataLen, pos)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
