// Package checkpoint loads BridgeTower weights from every format they are published in and
// hands them out under Hugging Face parameter names:
//
//   - model.safetensors (memory-mapped, zero-copy, through package safetensors), also sharded
//     with model.safetensors.index.json;
//   - pytorch_model.bin written by torch.save, zip format and the legacy pre-1.6 format, also
//     sharded with pytorch_model.bin.index.json (read by a restricted unpickler: no code runs);
//   - the original microsoft/BridgeTower PyTorch-Lightning .ckpt, whose "state_dict" is renamed
//     to HF names (see LightningName), task heads such as vqa_classifier.* kept as they are;
//   - a directory holding config.json and one of the above.
//
// Load detects the format from the file's content. Binding tensors to model parameters (and
// deciding what is missing or unexpected) is the model package's job; this package only reads.
package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// Format names a checkpoint file format.
type Format string

// The formats Load reads.
const (
	Safetensors Format = "safetensors"
	TorchZip    Format = "torch-zip"    // torch.save, zip archive (torch >= 1.6)
	TorchLegacy Format = "torch-legacy" // torch.save, _use_new_zipfile_serialization=False
	Lightning   Format = "lightning"    // original BridgeTower .ckpt (a torch file with state_dict)
)

// Checkpoint is a set of named tensors read from one checkpoint (a file, or the shards listed by
// an index). Tensors read from safetensors view the file's mapping and stay valid until Close.
type Checkpoint struct {
	Path       string                   // the file (or index) the tensors came from
	ConfigPath string                   // config.json next to the weights; "" when there is none
	Format     Format                   // format of the weights file (of the first shard)
	Tensors    map[string]*graph.Tensor // by HF name, contiguous, row-major
	Metadata   map[string]string        // safetensors __metadata__, or Lightning epoch/global_step/version
	Dropped    []string                 // names read but not kept: Lightning leftovers, non-tensor entries

	files []*safetensors.File
}

// TensorInfo describes one tensor of a checkpoint.
type TensorInfo struct {
	Name  string
	DType graph.DType
	Shape graph.Shape
}

// Load reads the checkpoint at path: a weights file of any supported format, a shard index
// (*.index.json), or a directory with config.json and model.safetensors (preferred),
// model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json.
func Load(path string) (*Checkpoint, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if st.IsDir() {
		return loadDir(path)
	}
	c, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	if cfg := filepath.Join(filepath.Dir(path), "config.json"); fileExists(cfg) {
		c.ConfigPath = cfg
	}
	return c, nil
}

// weightFiles are the names looked for in a directory, in order of preference.
var weightFiles = []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}

func loadDir(dir string) (*Checkpoint, error) {
	for _, name := range weightFiles {
		p := filepath.Join(dir, name)
		if !fileExists(p) {
			continue
		}
		c, err := loadFile(p)
		if err != nil {
			return nil, err
		}
		if cfg := filepath.Join(dir, "config.json"); fileExists(cfg) {
			c.ConfigPath = cfg
		}
		return c, nil
	}
	return nil, fmt.Errorf("checkpoint: %s holds none of %s", dir, strings.Join(weightFiles, ", "))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// loadFile reads one weights file or shard index, detecting its format from its first bytes.
func loadFile(p string) (*Checkpoint, error) {
	if strings.HasSuffix(p, ".index.json") {
		return loadSharded(p)
	}
	format, err := sniff(p)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", p, err)
	}
	if format == Safetensors {
		f, err := safetensors.Open(p)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		c := &Checkpoint{Path: p, Format: Safetensors, Tensors: map[string]*graph.Tensor{}, Metadata: f.Metadata(), files: []*safetensors.File{f}}
		for _, name := range f.Names() {
			if c.Tensors[name], err = f.Tensor(name); err != nil {
				f.Close()
				return nil, fmt.Errorf("checkpoint: %w", err)
			}
		}
		return c, nil
	}
	c, err := loadTorchCheckpoint(p)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", p, err)
	}
	return c, nil
}

// sniff tells the format from the first bytes: a zip archive, a pickle (legacy torch), or a
// safetensors header (8-byte length, then '{').
func sniff(p string) (Format, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 9)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case n >= 4 && string(head[:4]) == "PK\x03\x04":
		return TorchZip, nil
	case n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return TorchLegacy, nil
	case n == 9 && head[8] == '{':
		return Safetensors, nil
	case strings.HasSuffix(p, ".safetensors"):
		return Safetensors, nil // let the safetensors reader say what is wrong
	case n < 4:
		return "", fmt.Errorf("truncated file (%d bytes)", n)
	}
	return "", fmt.Errorf("unknown checkpoint format (not safetensors, a torch zip archive or a pickle)")
}

// loadTorchCheckpoint reads a torch.save file; a top-level dict with "state_dict" is a
// Lightning checkpoint and gets its names mapped.
func loadTorchCheckpoint(p string) (c *Checkpoint, err error) {
	tf, err := loadTorch(p)
	if err != nil {
		return nil, err
	}
	if tf.closer != nil {
		defer tf.closer.Close()
	}
	c = &Checkpoint{Path: p, Format: TorchLegacy, Tensors: map[string]*graph.Tensor{}, Metadata: map[string]string{}}
	if tf.zip {
		c.Format = TorchZip
	}
	stateDict := tf.root
	rename := func(name string) (string, bool) { return name, true }
	if sd, ok := lookup(tf.root, "state_dict"); ok {
		if _, isDict := dictEntries(sd); isDict {
			stateDict, rename, c.Format = sd, LightningName, Lightning
			c.Metadata = lightningMetadata(tf.root)
		}
	}
	entries, ok := dictEntries(stateDict)
	if !ok {
		return nil, fmt.Errorf("top-level object is %T, not a state dict", stateDict)
	}
	defer func() {
		if r := recover(); r != nil { // a corrupt view that slipped past the checks
			c, err = nil, fmt.Errorf("malformed tensor (%v)", r)
		}
	}()
	for _, e := range entries {
		name, ok := e.Key.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %v is not a string", e.Key)
		}
		tt, ok := e.Value.(*torchTensor)
		if !ok {
			c.Dropped = append(c.Dropped, name)
			continue
		}
		hf, keep := rename(name)
		if !keep {
			c.Dropped = append(c.Dropped, name)
			continue
		}
		if _, dup := c.Tensors[hf]; dup {
			return nil, fmt.Errorf("tensor %q appears twice (after renaming %q)", hf, name)
		}
		t, err := materialize(tt, tf.fetch)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		c.Tensors[hf] = t
	}
	return c, nil
}

// Names returns the tensor names in sorted order.
func (c *Checkpoint) Names() []string {
	names := make([]string, 0, len(c.Tensors))
	for n := range c.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Info returns the dtype and shape of a tensor.
func (c *Checkpoint) Info(name string) (graph.DType, graph.Shape, bool) {
	t, ok := c.Tensors[name]
	if !ok {
		return graph.Invalid, nil, false
	}
	return t.DType, t.Shape.Clone(), true
}

// List describes every tensor, sorted by name.
func (c *Checkpoint) List() []TensorInfo {
	out := make([]TensorInfo, 0, len(c.Tensors))
	for _, n := range c.Names() {
		t := c.Tensors[n]
		out = append(out, TensorInfo{Name: n, DType: t.DType, Shape: t.Shape.Clone()})
	}
	return out
}

// Close releases memory-mapped files. Tensors read from safetensors must not be used afterwards.
func (c *Checkpoint) Close() error {
	var first error
	for _, f := range c.files {
		if err := f.Close(); err != nil && first == nil {
			first = fmt.Errorf("checkpoint: %w", err)
		}
	}
	c.files = nil
	return first
}
