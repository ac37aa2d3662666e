package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// This file: loading a checkpoint for a task whose parameters it may lack (LoadForTask: a new VQA
// or classification head, a link-tower parameter of another link_tower_type, a backbone tensor
// of an extension) with a report of what was loaded, initialised and left unused.

// LoadReport says how LoadForTask filled a task's parameters.
type LoadReport struct {
	Seed        uint64
	Heads       []Head
	Loaded      []string    // parameters taken from the checkpoint
	Initialized []InitEntry // parameters the checkpoint lacks, drawn by InitRuleFor
	// Unused are checkpoint tensors the task's graph does not read: heads not asked for, bridge
	// tensors of another variant, and backbone tensors BridgeTowerModel never uses
	// (text_model.pooler, ln_separate; those are kept in the result all the same).
	Unused []string
}

// InitEntry is one newly initialised parameter.
type InitEntry struct {
	Name  string
	Shape graph.Shape
	Rule  InitRule
	From  string // copied from this checkpoint tensor instead (per-layer transforms)
}

// startFrom is the checkpoint tensor a new parameter starts as a copy of, "" for none: a
// per-layer cross_modal_{side}_transform.{j}.* starts as the shared cross_modal_{side}_transform.*,
// and with bt_vision_ln_per_layer a vision ln_separate.{i}.* as ln_post.* (the authors'
// vit_layernorm_init_from_vit).
func startFrom(cfg *Config, name string) string {
	if rest, ok := strings.CutPrefix(name, visionPrefix+"ln_separate."); ok {
		if ext, err := cfg.Extensions(); err == nil && ext.VisionLNPerLayer {
			if i := strings.IndexByte(rest, '.'); i > 0 {
				return visionPrefix + "ln_post." + rest[i+1:]
			}
		}
		return ""
	}
	for _, side := range []string{"text", "image"} {
		rest, ok := strings.CutPrefix(name, "cross_modal_"+side+"_transform.")
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '.'); i > 0 {
			return "cross_modal_" + side + "_transform." + rest[i+1:]
		}
	}
	return ""
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
		if e.From != "" {
			fmt.Fprintf(&sb, "  initialised %s %v: copy of %s\n", e.Name, e.Shape, e.From)
			continue
		}
		fmt.Fprintf(&sb, "  initialised %s %v: %v\n", e.Name, e.Shape, e.Rule)
	}
	for _, n := range r.Unused {
		fmt.Fprintf(&sb, "  unused %s\n", n)
	}
	return sb.String()
}

// LoadForTask returns the weights for cfg with the given heads: every parameter the graph that
// Build makes reads, and every backbone parameter (text, vision and cross-modal groups) whether
// the graph reads it or not (the text pooler, ln_separate), so that the result is what
// Weights.Check asks of a complete model and what a trainer (train.New) starts from: its
// checkpoints stay whole BridgeTower models. Each parameter the checkpoint w has is taken from it
// (the same tensor, not copied); each it lacks is drawn by InitRuleFor from seed (or starts as a
// copy, startFrom). Tensors that are not parameters of cfg's architecture or have the wrong shape
// or dtype are an error, all listed at once (as Bind); checkpoint tensors the graph does not read
// are listed in the report's Unused (backbone ones among them are still in the result). Pass the
// result to Model.Bind.
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
	// Bridge tensors of another variant or sharing layout (a link tower's scaled_factor, the
	// shared transform when the layers have their own) are not an error: they are unused.
	var kept []string
	for _, u := range unexpected {
		if !isBridgeParam(strings.TrimPrefix(u, BackbonePrefix)) {
			kept = append(kept, u)
		}
	}
	if err := fitError(nil, kept, wrong); err != nil {
		return nil, nil, err
	}
	rep := &LoadReport{Seed: seed, Heads: append([]Head(nil), heads...)}
	tensors := map[string]*graph.Tensor{}
	for _, name := range taskParams(m) {
		if t := w.Tensor(name); t != nil {
			tensors[name] = t
			rep.Loaded = append(rep.Loaded, name)
			continue
		}
		p := spec[name]
		if from := startFrom(cfg, name); from != "" && w.Tensor(from) != nil && w.Tensor(from).Shape.Equal(p.Shape) {
			// A per-layer transform starts as the checkpoint's shared one.
			tensors[name] = w.Tensor(from)
			rep.Initialized = append(rep.Initialized, InitEntry{Name: name, Shape: p.Shape.Clone(), From: from})
			continue
		}
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

// taskParams is what LoadForTask returns, sorted: the parameters m's graph reads and every
// backbone parameter of its config.
func taskParams(m *Model) []string {
	names := m.ParamNames()
	for _, p := range m.specs {
		if _, read := m.Params[p.Name]; !read && isBackbone(p.Group) {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

// isBackbone reports whether a parameter group is part of every complete model (Weights.Check).
func isBackbone(group string) bool {
	return group == GroupText || group == GroupVision || group == GroupCross
}
