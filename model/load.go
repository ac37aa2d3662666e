package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// This file: loading a checkpoint for a task whose parameters it may lack (a new VQA or
// classification head, a link-tower parameter of another link_tower_type), with a report of
// what was initialised and what was left unused.

// LoadReport says how LoadForTask filled a task's parameters.
type LoadReport struct {
	Seed        uint64
	Heads       []Head
	Loaded      []string    // parameters taken from the checkpoint
	Initialized []InitEntry // parameters the checkpoint lacks, drawn by InitRuleFor
	// Unused are checkpoint tensors the task's graph does not read: heads not asked for, and
	// backbone tensors BridgeTowerModel never uses (text_model.pooler, ln_separate).
	Unused []string
}

// InitEntry is one newly initialised parameter.
type InitEntry struct {
	Name  string
	Shape graph.Shape
	Rule  InitRule
}

// String prints the report: counts, then each initialised parameter with its rule and each
// unused tensor.
func (r *LoadReport) String() string {
	var sb strings.Builder
	heads := make([]string, len(r.Heads))
	for i, h := range r.Heads {
		heads[i] = string(h)
	}
	fmt.Fprintf(&sb, "load for heads [%s]: %d parameters from the checkpoint, %d newly initialised (seed %d), %d checkpoint tensors unused\n",
		strings.Join(heads, " "), len(r.Loaded), len(r.Initialized), r.Seed, len(r.Unused))
	for _, e := range r.Initialized {
		fmt.Fprintf(&sb, "  initialised %s %v: %v\n", e.Name, e.Shape, e.Rule)
	}
	for _, n := range r.Unused {
		fmt.Fprintf(&sb, "  unused %s\n", n)
	}
	return sb.String()
}

// LoadForTask returns the weights of the graph that Build makes for cfg with the given heads:
// each parameter the checkpoint w has is taken from it (the same tensor, not copied), each it
// lacks is drawn by InitRuleFor from seed. Tensors that are not parameters of cfg's architecture
// or have the wrong shape or dtype are an error, all listed at once (as Bind); tensors the task
// does not read are listed in the report's Unused. Pass the result to Model.Bind.
func LoadForTask(cfg *Config, w *Weights, heads []Head, seed uint64) (*Weights, *LoadReport, error) {
	m, err := Build(cfg, BuildOptions{Batch: 1, TextLen: 1, Heads: heads})
	if err != nil {
		return nil, nil, err
	}
	spec := map[string]ParamInfo{}
	for _, p := range m.specs {
		spec[p.Name] = p
	}
	unexpected, wrong := w.mismatches(spec)
	if err := fitError(nil, unexpected, wrong); err != nil {
		return nil, nil, err
	}
	rep := &LoadReport{Seed: seed, Heads: append([]Head(nil), heads...)}
	tensors := map[string]*graph.Tensor{}
	for _, name := range m.ParamNames() {
		if t := w.Tensor(name); t != nil {
			tensors[name] = t
			rep.Loaded = append(rep.Loaded, name)
			continue
		}
		p := spec[name]
		tensors[name] = InitTensor(cfg, p, seed)
		rep.Initialized = append(rep.Initialized, InitEntry{Name: name, Shape: p.Shape.Clone(), Rule: InitRuleFor(cfg, name)})
	}
	for _, name := range w.Names() {
		if _, used := m.Params[name]; !used && !bufferNames[name] {
			rep.Unused = append(rep.Unused, fmt.Sprintf("%s %v", w.stored[name], w.Tensor(name)))
		}
	}
	sort.Strings(rep.Unused)
	out, err := NewWeights(tensors)
	if err != nil {
		return nil, nil, err
	}
	return out, rep, nil
}
