package model

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bridgetower-go/bt/graph"
)

// This file: models from scratch and new parameters: the preset configs of bt init
// (PresetConfig) and the random initialisation of parameters, by the rules of Hugging Face's
// BridgeTowerPreTrainedModel._init_weights (modeling_bridgetower.py), module type by module type,
// with f = the top-level initializer_factor (HF's BridgeTowerModel applies its own config's factor
// to every sub-module last):
//
//	CLIP blocks (hv = vision hidden_size, L = vision num_hidden_layers):
//	  attn.in_proj_weight                    N(0, (hv^-½)·f)           attn_std
//	  attn.out_proj.weight, mlp.c_proj.weight N(0, (hv^-½·(2L)^-½)·f)  proj_std
//	  mlp.c_fc.weight                         N(0, ((2hv)^-½)·f)        fc_std
//	  embeddings.class_embedding, position_embedding.weight  N(0, attn_std·f)
//	  attn.in_proj_bias and every Linear bias 0 (nn.MultiheadAttention's own init)
//	other nn.Linear, nn.Conv2d (patch embedding), nn.Embedding weights  N(0, 0.05·f); biases 0
//	nn.LayerNorm (also ln_pre, ln_post, ln_1, ln_2, ln_separate)        weight 1, bias 0
//	mlm_score.bias 0; link-tower parameters the rule their variant declares (scaled_factor 1,
//	  beta 0.5 as HF's constructors; identity blocks; see linktower_variants.go); logit_scale
//	  logit_scale_init_value
//	vqa_classifier.*, snli_classifier.* (heads of the original repository, absent from HF): that
//	  repository's objectives.init_weights, Linear N(0, 0.02) with zero bias, LayerNorm 1/0.
//
// Values come from a normal generator keyed by (seed, parameter name): a parameter's values
// depend only on the seed, its name and its shape, not on which other parameters exist.

// InitRule describes how one parameter is initialised: Std > 0 is N(0, Std²); Eye non-empty is
// a [D, k·D] matrix of k blocks, block i = Eye[i]·I (identity-like link towers); otherwise every
// element is Const.
type InitRule struct {
	Std   float64
	Const float64
	Eye   []float64
}

// String is "normal(0, 0.05)", "identity blocks [1 0]" or "constant 1".
func (r InitRule) String() string {
	if len(r.Eye) > 0 {
		return fmt.Sprintf("identity blocks %v", r.Eye)
	}
	if r.Std > 0 {
		return fmt.Sprintf("normal(0, %.4g)", r.Std)
	}
	return fmt.Sprintf("constant %g", r.Const)
}

// InitRuleFor returns the rule of a parameter of cfg's architecture (see the file comment).
func InitRuleFor(cfg *Config, name string) InitRule {
	f := cfg.InitializerFactor
	hv := float64(cfg.Vision.HiddenSize)
	attnStd := math.Pow(hv, -0.5)
	projStd := attnStd * math.Pow(2*float64(cfg.Vision.NumHiddenLayers), -0.5)
	fcStd := math.Pow(2*hv, -0.5)
	last := name[strings.LastIndex(name, ".")+1:]
	if p, ok := linkTowerParam(cfg, name); ok && p.Init != nil {
		return *p.Init
	}
	switch {
	case strings.HasPrefix(name, "vqa_classifier.") || strings.HasPrefix(name, "snli_classifier."):
		switch {
		case strings.HasPrefix(name, "vqa_classifier.1.") || strings.HasPrefix(name, "snli_classifier.1."):
			return InitRule{Const: boolf(last == "weight")}
		case last == "bias":
			return InitRule{}
		}
		return InitRule{Std: 0.02}
	case strings.HasSuffix(name, "attn.in_proj_weight"):
		return InitRule{Std: attnStd * f}
	case strings.HasSuffix(name, "attn.out_proj.weight"), strings.HasSuffix(name, "mlp.c_proj.weight"):
		return InitRule{Std: projStd * f}
	case strings.HasSuffix(name, "mlp.c_fc.weight"):
		return InitRule{Std: fcStd * f}
	case name == visionPrefix+"embeddings.class_embedding", name == visionPrefix+"embeddings.position_embedding.weight":
		return InitRule{Std: attnStd * f}
	case isLayerNorm(name):
		return InitRule{Const: boolf(last == "weight")}
	case last == "scaled_factor":
		return InitRule{Const: 1}
	case last == "beta":
		return InitRule{Const: 0.5}
	case name == "logit_scale":
		return InitRule{Const: cfg.LogitScaleInitValue}
	case last == "bias", strings.HasSuffix(name, "in_proj_bias"):
		return InitRule{}
	}
	return InitRule{Std: 0.05 * f} // Linear, Conv2d and Embedding weights
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// isLayerNorm reports whether a parameter belongs to an nn.LayerNorm.
func isLayerNorm(name string) bool {
	for _, s := range []string{"LayerNorm.", "layernorm.", "ln_pre.", "ln_post.", "ln_1.", "ln_2.", "ln_separate."} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// InitTensor draws the F32 tensor of parameter p by its rule for the seed.
func InitTensor(cfg *Config, p ParamInfo, seed uint64) *graph.Tensor {
	rule := InitRuleFor(cfg, p.Name)
	d := make([]float32, p.Shape.Size())
	if len(rule.Eye) > 0 && len(p.Shape) == 2 && p.Shape[1] == len(rule.Eye)*p.Shape[0] {
		rows, cols := p.Shape[0], p.Shape[1]
		for blk, v := range rule.Eye {
			for i := 0; i < rows; i++ {
				d[i*cols+blk*rows+i] = float32(v)
			}
		}
	} else if rule.Std > 0 {
		fillNormal(d, SiteSeed(seed, "init:"+p.Name), rule.Std)
	} else if rule.Const != 0 {
		for i := range d {
			d[i] = float32(rule.Const)
		}
	}
	return graph.FromFloat32(p.Shape, d)
}

// NormalFloat64 is element i of the standard normal stream of a seed: Box–Muller on the uniforms
// graph.RandomFloat64(seed, 0, i) and graph.RandomFloat64(seed, 1, i).
func NormalFloat64(seed, i uint64) float64 { return newNormalStream(seed).at(i) }

// fillNormal sets d[i] = std·NormalFloat64(seed, i), in parallel chunks (the values do not depend
// on the chunking): min(GOMAXPROCS, chunks) goroutines take chunks from a shared counter.
func fillNormal(d []float32, seed uint64, std float64) {
	const chunk = 1 << 16
	s := newNormalStream(seed)
	chunks := (len(d) + chunk - 1) / chunk
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			lo, hi := c*chunk, min((c+1)*chunk, len(d))
			s.fill(d[lo:hi], uint64(lo), std)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < min(runtime.GOMAXPROCS(0), chunks); w++ {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	work()
	wg.Wait()
}

// InitWeights draws every parameter of cfg's architecture (ParamInfos) in the given groups (all
// groups when none are given) by InitRuleFor, from seed.
func InitWeights(cfg *Config, seed uint64, groups ...string) (*Weights, error) {
	infos, err := ParamInfos(cfg)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, g := range groups {
		want[g] = true
	}
	tensors := map[string]*graph.Tensor{}
	for _, p := range infos {
		if len(groups) == 0 || want[p.Group] {
			tensors[p.Name] = InitTensor(cfg, p, seed)
		}
	}
	return NewWeights(tensors)
}

// Presets are the names PresetConfig knows.
var Presets = []string{"tiny", "base"}

// PresetConfig returns the config of a named preset with the given text vocabulary size
// (0: the preset's own, 50,265 for base; tiny needs its tokenizer's size):
//
//   - base: HF's BridgeTowerConfig() defaults, the published bridgetower-base shapes (hidden 768,
//     12 heads, FFN 3072, 12 text layers, 12 CLIP ViT-B/16 blocks at 288 px, 6 cross-modal
//     layers, vocabulary 50,265, 514 positions).
//   - tiny: the shapes VQA model of shared/notes/training.md: hidden 128 everywhere, 4 attention
//     heads in the text and cross-modal layers (CLIP's are hidden/64 = 2 by HF's rule), FFN 512
//     (CLIP's MLP is 4·hidden = 512), 3 text layers, 3 vision blocks, patch 8 on 64 px images
//     (65 image tokens), 2 cross-modal layers bridged from the top 2 uni-modal layers, 130
//     positions (texts up to 128 tokens), head_hidden_scale 1 (the reference's VQA head
//     Linear(2H, 2H) → LN → GELU → Linear(2H, answers)).
func PresetConfig(name string, vocab int) (*Config, error) {
	c := DefaultConfig()
	switch name {
	case "base":
		if vocab > 0 {
			c.Text.VocabSize = vocab
		}
	case "tiny":
		if vocab <= 0 {
			return nil, fmt.Errorf("model: preset tiny needs its tokenizer's vocabulary size")
		}
		c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads = 128, 2, 4
		t := &c.Text
		t.VocabSize, t.HiddenSize, t.NumHiddenLayers, t.NumAttentionHeads = vocab, 128, 3, 4
		t.IntermediateSize, t.MaxPositionEmbeddings = 512, 130
		v := &c.Vision
		v.HiddenSize, v.NumHiddenLayers, v.PatchSize, v.ImageSize = 128, 3, 8, 64
		c.raw = map[string]json.RawMessage{"head_hidden_scale": json.RawMessage("1")}
	default:
		return nil, fmt.Errorf("model: unknown preset %q (known: tiny, base)", name)
	}
	c.Architectures = []string{"BridgeTowerForMaskedLM"}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
