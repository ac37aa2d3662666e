package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// Write encodes tensors and metadata as safetensors to w: "__metadata__" first (omitted when
// empty), then the tensors in sorted name order, stored back to back in that order, the header
// padded with spaces so that the data section starts at a multiple of 8.
func Write(w io.Writer, tensors map[string]*graph.Tensor, metadata map[string]string) error {
	header, names, err := buildHeader(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := bw.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	if _, err := bw.Write(header); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for _, name := range names {
		if _, err := bw.Write(tensorBytes(tensors[name])); err != nil {
			return fmt.Errorf("safetensors: write tensor %q: %w", name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

// WriteFile writes tensors and metadata to path through a temporary file in the same directory
// that is synced and renamed into place, so that path never holds a partial file.
func WriteFile(path string, tensors map[string]*graph.Tensor, metadata map[string]string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := Write(tmp, tensors, metadata); err != nil {
		return fmt.Errorf("%w (writing %s)", err, path)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("safetensors: %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("safetensors: %s: close: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	ok = true
	return nil
}

// buildHeader validates the tensors and returns the padded JSON header and the sorted names.
func buildHeader(tensors map[string]*graph.Tensor, metadata map[string]string) ([]byte, []string, error) {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == metadataKey {
			return nil, nil, fmt.Errorf("safetensors: %q is reserved and cannot name a tensor", metadataKey)
		}
		if t == nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q is nil", name)
		}
		if err := t.Check(); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		if _, ok := dtypeString(t.DType); !ok {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: dtype %v cannot be stored", name, t.DType)
		}
		names = append(names, name)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteString(quote(metadataKey) + ":{")
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(quote(k) + ":" + quote(metadata[k]))
		}
		buf.WriteByte('}')
		first = false
	}
	var offset uint64
	for _, name := range names {
		t := tensors[name]
		dt, _ := dtypeString(t.DType)
		size := uint64(t.Shape.Size() * t.DType.Size())
		if !first {
			buf.WriteByte(',')
		}
		first = false
		dims := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(&buf, `%s:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}`,
			quote(name), dt, strings.Join(dims, ","), offset, offset+size)
		offset += size
	}
	buf.WriteByte('}')
	// Data starts at 8 + len(header); pad the header so that this is a multiple of 8.
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	if buf.Len() > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes exceeds the %d-byte limit", buf.Len(), MaxHeaderSize)
	}
	return buf.Bytes(), names, nil
}

// quote encodes s as a JSON string without HTML escaping.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
