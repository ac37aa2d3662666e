package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bridgetower-go/bt/graph"
)

// This file: the link-tower registry. A link tower (bridge layer) merges the bridged uni-modal
// input x of cross-modal layer j with the previous cross-modal output y (both [B T D], D =
// hidden_size) into the input of layer j. A variant is one LinkTower value registered by name:
// it declares its parameters (names relative to the tower, shapes, initialisers) and builds its
// graph, so that a new variant touches no other file. Config validation (link_tower_type), the
// parameter list (ParamInfos), the initialiser (InitRuleFor), LoadForTask and the builder all
// read the registry.
//
// Adding a variant, e.g. LN(x + y + x⊙y) with a learned per-channel weight on the product:
//
//	func init() {
//		RegisterLinkTower(LinkTower{
//			Name:    "add_product",
//			Formula: "LN(x + y + w⊙x⊙y), w ∈ R^D init 0",
//			Params: func(d int) []LinkParam {
//				return append(LayerNormParams("LayerNorm", d), LinkParam{Name: "w", Shape: graph.Shape{d}, Init: &InitRule{}})
//			},
//			StartsAs: "add", // w = 0 makes step 0 equal add
//			Build: func(c *LinkContext, x, y *graph.Node) *graph.Node {
//				z := graph.Add(graph.Add(x, y), graph.Mul(c.P("w"), graph.Mul(x, y)))
//				return c.LayerNorm(z, "LayerNorm")
//			},
//		})
//	}
//
// A config then selects it with "link_tower_type": "add_product"; its tensors are named
// cross_modal_{text,image}_link_tower.{j}.w (without .{j} when share_link_tower_layers is true).

// LinkTower is one bridge-layer variant.
type LinkTower struct {
	Name    string // the link_tower_type value
	Formula string // the formula, for documentation and bt ablate tables
	// Params lists the tower's parameters for cross-modal width d; names are relative to the
	// tower's prefix (cross_modal_text_link_tower.0.). Nil: no parameters.
	Params func(d int) []LinkParam
	// Build merges x (bridged uni-modal input) and y (previous cross-modal output), [B T D],
	// into the next cross-modal layer's input [B T D].
	Build func(c *LinkContext, x, y *graph.Node) *graph.Node
	// StartsAs names the variant this one computes exactly at its documented initialisation
	// (identity-like init), "" when the formula does not allow it.
	StartsAs string
	// NoBridge means no link towers at all: cross-modal layer j > 0 takes layer j-1's output
	// and only one uni-modal layer feeds the encoder (the METER-style baseline).
	NoBridge bool
}

// LinkParam is one parameter of a link tower. Init nil: the default rule of InitRuleFor for
// its name (LayerNorm weight 1 and bias 0, other biases 0, weights N(0, 0.05·factor)).
type LinkParam struct {
	Name  string
	Shape graph.Shape
	Init  *InitRule
}

var (
	linkMu     sync.RWMutex
	linkTowers = map[string]*LinkTower{}
)

// RegisterLinkTower adds a variant; it panics on an empty or taken name or a missing Build
// (a programming error, found at init).
func RegisterLinkTower(v LinkTower) {
	linkMu.Lock()
	defer linkMu.Unlock()
	if v.Name == "" || (v.Build == nil && !v.NoBridge) {
		panic("model: RegisterLinkTower: a variant needs a name and a Build function")
	}
	if _, ok := linkTowers[v.Name]; ok {
		panic("model: RegisterLinkTower: " + v.Name + " is registered twice")
	}
	linkTowers[v.Name] = &v
}

// LinkTowerFor returns the registered variant of a link_tower_type.
func LinkTowerFor(name string) (*LinkTower, bool) {
	linkMu.RLock()
	defer linkMu.RUnlock()
	v, ok := linkTowers[name]
	return v, ok
}

// LinkTowerNames lists the registered variants, sorted.
func LinkTowerNames() []string {
	linkMu.RLock()
	defer linkMu.RUnlock()
	out := make([]string, 0, len(linkTowers))
	for k := range linkTowers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HFLinkTowerTypes are the variants Hugging Face's BridgeTowerLinkTower implements.
var HFLinkTowerTypes = map[string]bool{"add": true, "scaled_add": true, "interpolate": true}

// params returns the variant's parameters for width d (nil-safe).
func (v *LinkTower) params(d int) []LinkParam {
	if v.Params == nil {
		return nil
	}
	return v.Params(d)
}

// LayerNormParams declares nn.LayerNorm(d) parameters name.weight and name.bias.
func LayerNormParams(name string, d int) []LinkParam {
	return []LinkParam{{Name: name + ".weight", Shape: graph.Shape{d}}, {Name: name + ".bias", Shape: graph.Shape{d}}}
}

// LinearParams declares nn.Linear(in, out) parameters name.weight [out in] and name.bias [out];
// weight is the weight's initialiser (nil: the default).
func LinearParams(name string, out, in int, weight *InitRule) []LinkParam {
	return []LinkParam{{Name: name + ".weight", Shape: graph.Shape{out, in}, Init: weight}, {Name: name + ".bias", Shape: graph.Shape{out}}}
}

// LinkContext is what a variant's Build uses: its parameters and the model's layers.
type LinkContext struct {
	b      *builder
	prefix string // e.g. "cross_modal_text_link_tower.0"
	D      int    // cross-modal width
}

// Prefix is the tower's parameter prefix.
func (c *LinkContext) Prefix() string { return c.prefix }

// P is the tower's parameter of a relative name (declared by Params).
func (c *LinkContext) P(name string) *graph.Node { return c.b.p(c.prefix + "." + name) }

// Scalar is a constant of the compute dtype.
func (c *LinkContext) Scalar(v float64) *graph.Node { return c.b.g.Scalar(v, c.b.dt) }

// Linear applies name.weight / name.bias as nn.Linear.
func (c *LinkContext) Linear(x *graph.Node, name string) *graph.Node {
	return c.b.linear(x, c.prefix+"."+name)
}

// LayerNorm applies name.weight / name.bias as nn.LayerNorm with the top-level layer_norm_eps.
func (c *LinkContext) LayerNorm(x *graph.Node, name string) *graph.Node {
	return c.b.layerNorm(x, c.prefix+"."+name, c.b.cfg.LayerNormEps)
}

// Attention is BERT attention LN(q + Dense(MHA(q, kv))) with text_config's heads, eps and
// dropout, parameters name.self.{query,key,value}, name.output.dense, name.output.LayerNorm.
func (c *LinkContext) Attention(name string, q, kv *graph.Node) *graph.Node {
	return c.b.bertAttention(c.prefix+"."+name, q, kv, nil)
}

// FeedForward is the BERT feed-forward block LN(x + W2·act(W1·x)), parameters
// name.intermediate.dense, name.output.dense, name.output.LayerNorm (name "" = the prefix).
func (c *LinkContext) FeedForward(name string, x *graph.Node) *graph.Node {
	p := c.prefix
	if name != "" {
		p += "." + name
	}
	return c.b.bertFeedForward(p, x)
}

// linkPrefix is the parameter prefix of link tower j of a side.
func (c *Config) linkPrefix(side string, j int) string {
	p := "cross_modal_" + side + "_link_tower"
	if c.ShareLinkTowerLayers {
		return p
	}
	return p + "." + strconv.Itoa(j)
}

// linkTowerParam finds the declaration of a link-tower parameter of cfg by its full name.
func linkTowerParam(cfg *Config, name string) (LinkParam, bool) {
	v, ok := LinkTowerFor(cfg.LinkTowerType)
	if !ok {
		return LinkParam{}, false
	}
	for _, side := range []string{"text", "image"} {
		rest, ok := strings.CutPrefix(name, "cross_modal_"+side+"_link_tower.")
		if !ok {
			continue
		}
		if !cfg.ShareLinkTowerLayers {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				return LinkParam{}, false
			}
			if _, err := strconv.Atoi(rest[:i]); err != nil {
				return LinkParam{}, false
			}
			rest = rest[i+1:]
		}
		for _, p := range v.params(cfg.HiddenSize) {
			if p.Name == rest {
				return p, true
			}
		}
	}
	return LinkParam{}, false
}

// isBridgeParam reports whether a name belongs to the bridge (transforms, link towers), the
// parameters that change with link_tower_type and the sharing switches.
func isBridgeParam(name string) bool {
	for _, side := range []string{"text", "image"} {
		if strings.HasPrefix(name, "cross_modal_"+side+"_link_tower.") || strings.HasPrefix(name, "cross_modal_"+side+"_transform.") {
			return true
		}
	}
	return false
}

// linkTower builds link tower j of a side on x (bridged input) and y (previous output).
func (b *builder) linkTower(side string, j int, x, y *graph.Node) *graph.Node {
	v, ok := LinkTowerFor(b.cfg.LinkTowerType)
	if !ok || v.Build == nil {
		b.fail("link_tower_type %q is not registered", b.cfg.LinkTowerType)
		return x
	}
	return v.Build(&LinkContext{b: b, prefix: b.cfg.linkPrefix(side, j), D: b.cfg.HiddenSize}, x, y)
}

// checkLinkTower is the config validation of link_tower_type.
func checkLinkTower(name string) error {
	if _, ok := LinkTowerFor(name); ok {
		return nil
	}
	return fmt.Errorf("link_tower_type %q is unknown (known: %v)", name, LinkTowerNames())
}
