package checkpoint

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"os"
	"path"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// This file reads torch.save files (pytorch_model.bin, Lightning .ckpt) with gopickle's
// unpickler, which interprets the pickle opcodes without running any Python: classes resolve
// to inert Go values (storages, tensors, or loose objects for unknown classes), never to code.
//
// gopickle's own pytorch.Load is not used because it reads every storage eagerly into widened
// float32 slices (including a Lightning checkpoint's optimizer state), trusts sizes from the
// pickle for its allocations, and panics on legacy storage views. Here storages are references
// until a tensor of the state dict needs them, their sizes are checked against the archive
// before anything is allocated, and f16/bf16 keep their bits.

// storageKind describes one torch storage class.
type storageKind struct {
	name  string      // torch class name, e.g. "FloatStorage"
	elem  int         // bytes per element in the file
	dtype graph.DType // dtype of the Go tensor
}

var storageKinds = map[string]storageKind{
	"FloatStorage":    {"FloatStorage", 4, graph.F32},
	"DoubleStorage":   {"DoubleStorage", 8, graph.F64},
	"HalfStorage":     {"HalfStorage", 2, graph.F16},
	"BFloat16Storage": {"BFloat16Storage", 2, graph.BF16},
	"LongStorage":     {"LongStorage", 8, graph.I64},
	"IntStorage":      {"IntStorage", 4, graph.I32},
	"ShortStorage":    {"ShortStorage", 2, graph.I32}, // widened
	"CharStorage":     {"CharStorage", 1, graph.I32},  // int8, widened
	"ByteStorage":     {"ByteStorage", 1, graph.U8},
	"BoolStorage":     {"BoolStorage", 1, graph.Bool},
}

// storageRef is a storage named by the pickle; its bytes are fetched on demand.
type storageRef struct {
	kind   storageKind
	key    string // record name (zip) or root key (legacy)
	numel  int    // elements in the storage
	offset int    // element offset of a legacy view into its root storage
}

// torchTensor is what _rebuild_tensor_v2 returns: a strided view of a storage.
type torchTensor struct {
	storage *storageRef
	offset  int
	size    []int
	stride  []int
}

// fetchFunc returns the raw little-endian bytes of a storage.
type fetchFunc func(s *storageRef) ([]byte, error)

// torchFile is an unpickled torch file: the top-level object and a way to read storages.
type torchFile struct {
	root   any
	fetch  fetchFunc
	zip    bool
	closer io.Closer // the zip archive, closed once the tensors are read; nil for legacy
}

// loadTorch unpickles path (zip or legacy format), turning gopickle panics into errors.
func loadTorch(p string) (tf *torchFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			tf, err = nil, fmt.Errorf("malformed pickle (%v)", r)
		}
	}()
	head := make([]byte, 4)
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	n, _ := io.ReadFull(fh, head)
	if n == 4 && string(head) == "PK\x03\x04" {
		return loadTorchZip(p)
	}
	return loadTorchLegacy(p)
}

// findClass maps the globals a torch pickle may name to inert values.
func findClass(module, name string) (any, error) {
	switch {
	case module == "torch" && strings.HasSuffix(name, "Storage"):
		if k, ok := storageKinds[name]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("unsupported storage type torch.%s", name)
	case module == "torch._utils" && name == "_rebuild_tensor_v2":
		return callable(rebuildTensor), nil
	case module == "torch._utils" && name == "_rebuild_parameter":
		return callable(func(args ...any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("_rebuild_parameter without arguments")
			}
			return args[0], nil
		}), nil
	case module == "torch._utils" && name == "_rebuild_tensor":
		return nil, fmt.Errorf("torch._utils._rebuild_tensor (pre-1.0 serialization) is not supported")
	}
	return &looseClass{module: module, name: name}, nil
}

type callable func(args ...any) (any, error)

func (c callable) Call(args ...any) (any, error) { return c(args...) }

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
// requires_grad, backward_hooks[, metadata]).
func rebuildTensor(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments", len(args))
	}
	s, ok := args[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: first argument is %T, not a storage", args[0])
	}
	off, ok := args[1].(int)
	if !ok || off < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset %v", args[1])
	}
	size, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size: %v", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2: stride: %v", err)
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size %v and stride %v differ in rank", size, stride)
	}
	return &torchTensor{storage: s, offset: off, size: size, stride: stride}, nil
}

func intTuple(v any) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("%T is not a tuple", v)
	}
	out := make([]int, t.Len())
	for i := range out {
		x, ok := t.Get(i).(int)
		if !ok || x < 0 {
			return nil, fmt.Errorf("element %d (%v) is not a non-negative int", i, t.Get(i))
		}
		out[i] = x
	}
	return out, nil
}

// persistentStorage decodes a persistent id ('storage', class, key, location, numel[, view]).
func persistentStorage(pid any, legacy bool) (*storageRef, *types.Tuple, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return nil, nil, fmt.Errorf("persistent id %v is not a storage tuple", pid)
	}
	if tag, _ := t.Get(0).(string); tag != "storage" {
		return nil, nil, fmt.Errorf("persistent id of type %v, want 'storage'", t.Get(0))
	}
	kind, ok := t.Get(1).(storageKind)
	if !ok {
		return nil, nil, fmt.Errorf("persistent id names %v, not a torch storage class", t.Get(1))
	}
	key, ok1 := t.Get(2).(string)
	numel, ok2 := t.Get(4).(int)
	if !ok1 || !ok2 || numel < 0 {
		return nil, nil, fmt.Errorf("persistent id %v: want (str key, ..., int numel)", pid)
	}
	var view *types.Tuple
	if legacy && t.Len() >= 6 {
		view, _ = t.Get(5).(*types.Tuple)
	}
	return &storageRef{kind: kind, key: key, numel: numel}, view, nil
}

func newUnpickler(r io.Reader) *pickle.Unpickler {
	u := pickle.NewUnpickler(r)
	u.FindClass = findClass
	return &u
}

// loadTorchZip reads the zip format: <prefix>/data.pkl plus one record per storage.
func loadTorchZip(p string) (*torchFile, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("corrupt or truncated zip archive: %v", err)
	}
	records := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range zr.File {
		dir, base := path.Split(f.Name)
		if base == "constants.pkl" {
			zr.Close()
			return nil, fmt.Errorf("TorchScript archives are not supported")
		}
		if base == "data.pkl" && pkl == nil {
			pkl = f
		}
		if strings.HasSuffix(dir, "/data/") || dir == "data/" {
			records[base] = f
		}
	}
	if pkl == nil {
		zr.Close()
		return nil, fmt.Errorf("zip archive without data.pkl: not a torch.save file")
	}
	data, err := readRecord(pkl, 1<<30)
	if err != nil {
		zr.Close()
		return nil, err
	}
	pos := 0
	root, err := unpickleAt(data, &pos, func(pid any) (any, error) {
		s, _, err := persistentStorage(pid, false)
		return s, err
	})
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("data.pkl: %v", err)
	}
	// The archive stays open until the state dict is materialized (see Load), then is closed.
	fetch := func(s *storageRef) ([]byte, error) {
		f, ok := records[s.key]
		if !ok {
			return nil, fmt.Errorf("storage record data/%s is missing", s.key)
		}
		want := uint64(s.numel) * uint64(s.kind.elem)
		if f.UncompressedSize64 != want {
			return nil, fmt.Errorf("storage record data/%s has %d bytes, the pickle says %d %s elements (%d bytes)",
				s.key, f.UncompressedSize64, s.numel, s.kind.name, want)
		}
		return readRecord(f, want)
	}
	return &torchFile{root: root, fetch: fetch, zip: true, closer: zr}, nil
}

// readRecord reads a zip record whose uncompressed size is at most limit.
func readRecord(f *zip.File, limit uint64) ([]byte, error) {
	if f.UncompressedSize64 > limit {
		return nil, fmt.Errorf("record %s: %d bytes is more than expected", f.Name, f.UncompressedSize64)
	}
	if f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64 {
		return nil, fmt.Errorf("record %s: stored sizes disagree (truncated archive?)", f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %v", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("record %s: %v", f.Name, err)
	}
	return buf, nil
}

// legacyMagic is torch's serialization magic number 0x1950a86a20f9469cfc6c.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// loadTorchLegacy reads the pre-1.6 format: pickles of the magic number, the protocol version
// (1001) and system info, the object, the list of storage keys, then for each key an int64
// element count and the raw bytes.
func loadTorchLegacy(p string) (*torchFile, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	pos := 0
	magic, err := unpickleAt(data, &pos, nil)
	if err != nil {
		return nil, fmt.Errorf("not a torch checkpoint (no zip archive; legacy header: %v)", err)
	}
	if n, ok := magic.(*big.Int); !ok || n.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("not a torch checkpoint (no zip archive, no legacy magic number)")
	}
	if v, err := unpickleAt(data, &pos, nil); err != nil || v != 1001 {
		return nil, fmt.Errorf("legacy torch file: protocol version %v, want 1001", v)
	}
	if _, err := unpickleAt(data, &pos, nil); err != nil {
		return nil, fmt.Errorf("legacy torch file: system info: %v", err)
	}
	roots := map[string]*storageRef{}
	root, err := unpickleAt(data, &pos, func(pid any) (any, error) {
		s, view, err := persistentStorage(pid, true)
		if err != nil {
			return nil, err
		}
		root, ok := roots[s.key]
		if !ok {
			roots[s.key] = s
			root = s
		} else if root.kind != s.kind {
			return nil, fmt.Errorf("storage %s used with two types", s.key)
		}
		if view == nil {
			return root, nil
		}
		if view.Len() != 3 {
			return nil, fmt.Errorf("storage view %v: want (key, offset, size)", view)
		}
		off, ok1 := view.Get(1).(int)
		size, ok2 := view.Get(2).(int)
		if !ok1 || !ok2 || off < 0 || size < 0 {
			return nil, fmt.Errorf("storage view %v: bad offset or size", view)
		}
		return &storageRef{kind: root.kind, key: root.key, numel: size, offset: off}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: %v", err)
	}
	keysObj, err := unpickleAt(data, &pos, nil)
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: storage keys: %v", err)
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, fmt.Errorf("legacy torch file: storage keys are %T, not a list", keysObj)
	}
	raw := map[string][]byte{}
	for _, k := range *keys {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("legacy torch file: storage key %v is not a string", k)
		}
		s, ok := roots[key]
		if !ok {
			return nil, fmt.Errorf("legacy torch file: storage %s is listed but never used", key)
		}
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("legacy torch file: storage %s: truncated file", key)
		}
		n := binary.LittleEndian.Uint64(data[pos:])
		pos += 8
		left := uint64(len(data) - pos)
		if n > left || n*uint64(s.kind.elem) > left {
			return nil, fmt.Errorf("legacy torch file: storage %s: %d elements but only %d bytes left (truncated file?)", key, n, left)
		}
		if n != uint64(s.numel) {
			return nil, fmt.Errorf("legacy torch file: storage %s has %d elements, the pickle says %d", key, n, s.numel)
		}
		size := int(n) * s.kind.elem
		raw[key] = data[pos : pos+size]
		pos += size
	}
	fetch := func(s *storageRef) ([]byte, error) {
		b, ok := raw[s.key]
		if !ok {
			return nil, fmt.Errorf("storage %s has no data in the file", s.key)
		}
		lo, hi := uint64(s.offset)*uint64(s.kind.elem), uint64(s.offset+s.numel)*uint64(s.kind.elem)
		if hi > uint64(len(b)) || lo > hi {
			return nil, fmt.Errorf("storage view %s[%d:%d] is out of range", s.key, s.offset, s.offset+s.numel)
		}
		return b[lo:hi], nil
	}
	return &torchFile{root: root, fetch: fetch}, nil
}
