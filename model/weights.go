package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/checkpoint"
)

// Weights is a set of checkpoint tensors by their canonical HF names: backbone names without the
// "bridgetower." prefix, head names as they are. Tensors opened from safetensors files view the
// files' memory mappings (nothing is copied) and stay valid until Close.
type Weights struct {
	tensors map[string]*graph.Tensor
	stored  map[string]string      // canonical name -> name as stored (for messages)
	source  *checkpoint.Checkpoint // nil for NewWeights
}

// NewWeights wraps tensors given by name, with or without the "bridgetower." prefix on backbone
// names. A name given both ways is an error.
func NewWeights(tensors map[string]*graph.Tensor) (*Weights, error) {
	w := &Weights{tensors: map[string]*graph.Tensor{}, stored: map[string]string{}}
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := w.add(n, tensors[n]); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *Weights) add(name string, t *graph.Tensor) error {
	if t == nil {
		return fmt.Errorf("model: weights: tensor %q is nil", name)
	}
	if err := t.Check(); err != nil {
		return fmt.Errorf("model: weights: tensor %q: %v", name, err)
	}
	canon := strings.TrimPrefix(name, BackbonePrefix)
	if prev, ok := w.stored[canon]; ok {
		return fmt.Errorf("model: weights: %q and %q name the same parameter %q", prev, name, canon)
	}
	w.tensors[canon] = t
	w.stored[canon] = name
	return nil
}

// OpenWeights reads a checkpoint with checkpoint.Load: model.safetensors (memory-mapped, not
// copied), a shard index, pytorch_model.bin, an original Lightning .ckpt, or a directory holding
// one of them.
func OpenWeights(path string) (*Weights, error) {
	c, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	w, err := NewWeights(c.Tensors)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%w (in %s)", err, c.Path)
	}
	w.source = c
	return w, nil
}

// Names returns the canonical tensor names, sorted.
func (w *Weights) Names() []string {
	names := make([]string, 0, len(w.tensors))
	for n := range w.tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Tensor returns the tensor of a canonical name (nil if absent).
func (w *Weights) Tensor(name string) *graph.Tensor { return w.tensors[name] }

// Has reports whether the canonical name is present.
func (w *Weights) Has(name string) bool { return w.tensors[name] != nil }

// Close releases the memory mappings; tensors from them must not be used afterwards.
func (w *Weights) Close() error {
	if w.source == nil {
		return nil
	}
	err := w.source.Close()
	w.source = nil
	return err
}

// bufferNames are index buffers (not parameters) that checkpoints of older HF versions contain.
var bufferNames = map[string]bool{
	"text_model.embeddings.position_ids":          true,
	"text_model.embeddings.token_type_ids":        true,
	"vision_model.visual.embeddings.position_ids": true,
}

// Binding holds one tensor per parameter of a Model, in the model's compute dtype.
type Binding struct {
	tensors map[string]*graph.Tensor
}

// Tensor returns the bound tensor of a parameter (nil if the model has no such parameter).
func (b *Binding) Tensor(name string) *graph.Tensor { return b.tensors[name] }

// Bind matches the checkpoint against the architecture and the model's parameters. Every
// missing (used by the graph, absent), unexpected (not a BridgeTower parameter for this config)
// and wrong-shape or non-float tensor is reported in one error; the position_ids/token_type_ids
// buffers of older HF checkpoints are ignored, as HF does. F16, BF16 and float types other
// than the compute dtype are converted; tensors already in the compute dtype are used as they
// are (no copy), so that a memory-mapped checkpoint is not held twice.
func (m *Model) Bind(w *Weights) (*Binding, error) {
	spec := map[string]ParamInfo{}
	for _, p := range m.specs {
		spec[p.Name] = p
	}
	unexpected, wrong := w.mismatches(spec)
	var missing []string
	for _, name := range m.ParamNames() {
		if w.tensors[name] == nil {
			missing = append(missing, fmt.Sprintf("%s %v", name, spec[name].Shape))
		}
	}
	if err := fitError(missing, unexpected, wrong); err != nil {
		return nil, err
	}
	b := &Binding{tensors: map[string]*graph.Tensor{}}
	for _, name := range m.ParamNames() {
		t, err := toComputeDType(w.tensors[name], m.Options.DType, spec[name].Shape)
		if err != nil {
			return nil, fmt.Errorf("model: checkpoint tensor %s: %w", w.stored[name], err)
		}
		b.tensors[name] = t
	}
	return b, nil
}

// mismatches lists the tensors that are not parameters of the architecture (unexpected) and
// those of the wrong shape or a non-float dtype (wrong); index buffers are ignored.
func (w *Weights) mismatches(spec map[string]ParamInfo) (unexpected, wrong []string) {
	for _, name := range w.Names() {
		t := w.tensors[name]
		p, ok := spec[name]
		switch {
		case bufferNames[name]:
			// Buffers older HF versions saved; HF ignores them on load too.
		case !ok:
			unexpected = append(unexpected, fmt.Sprintf("%s %v", w.stored[name], t))
		case !sameShape(t.Shape, p.Shape):
			wrong = append(wrong, fmt.Sprintf("%s is %v, want shape %v", w.stored[name], t, p.Shape))
		case !t.DType.IsFloat():
			wrong = append(wrong, fmt.Sprintf("%s is %v, want a float type", w.stored[name], t))
		}
	}
	return unexpected, wrong
}

// fitError reports every missing, unexpected and wrong tensor in one error (nil if none).
func fitError(missing, unexpected, wrong []string) error {
	if len(missing)+len(unexpected)+len(wrong) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString("model: checkpoint does not fit the model:")
	for _, l := range []struct {
		what  string
		items []string
	}{{"missing", missing}, {"unexpected", unexpected}, {"wrong shape or dtype", wrong}} {
		if len(l.items) == 0 {
			continue
		}
		fmt.Fprintf(&sb, "\n  %d %s:", len(l.items), l.what)
		for _, it := range l.items {
			sb.WriteString("\n    " + it)
		}
	}
	return fmt.Errorf("%s", sb.String())
}

// Check matches the weights against the architecture cfg describes, without building a graph:
// it reports, in one error, every tensor that is not a parameter of this architecture, every
// tensor of the wrong shape or dtype, every missing backbone parameter (text, vision and
// cross-modal groups), and every missing parameter of a head of which some are present (a head
// is all or nothing; heads may be absent).
func (w *Weights) Check(cfg *Config) error {
	infos, err := ParamInfos(cfg)
	if err != nil {
		return err
	}
	spec := make(map[string]ParamInfo, len(infos))
	present := map[string]bool{}
	for _, p := range infos {
		spec[p.Name] = p
		if w.Has(p.Name) {
			present[p.Group] = true
		}
	}
	unexpected, wrong := w.mismatches(spec)
	var missing []string
	for _, p := range infos {
		if !w.Has(p.Name) && (isBackbone(p.Group) || present[p.Group]) {
			missing = append(missing, fmt.Sprintf("%s %v", p.Name, p.Shape))
		}
	}
	return fitError(missing, unexpected, wrong)
}

// toComputeDType returns t as dt with the given shape: t itself (or a new header over the same
// data when only the shape [1] -> [] differs) when the dtype already matches, a converted copy
// otherwise.
func toComputeDType(t *graph.Tensor, dt graph.DType, shape graph.Shape) (*graph.Tensor, error) {
	view := &graph.Tensor{DType: t.DType, Shape: shape.Clone(), Data: t.Data}
	if t.DType == dt && t.Shape.Equal(shape) {
		return t, nil
	}
	return graph.Convert(view, dt)
}
