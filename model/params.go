package model

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model/checkpoint"
)

// ParamInfo describes one parameter tensor of the architecture: its Hugging Face name (the bare
// BridgeTowerModel name for the backbone, e.g. "text_model.embeddings.word_embeddings.weight",
// and the head names "itm_score.fc.weight", "mlm_score.bias", ...), its shape and the group it
// belongs to.
type ParamInfo struct {
	Name  string
	Shape graph.Shape
	Group string // one of the Group* constants
}

// Parameter groups.
const (
	GroupText       = "text"       // text_model.*
	GroupVision     = "vision"     // vision_model.*
	GroupCross      = "cross"      // transforms, token types, first-layer LNs, link towers, cross layers, poolers
	GroupITM        = "itm"        // itm_score.*
	GroupMLM        = "mlm"        // mlm_score.*
	GroupITC        = "itc"        // itc_*_head.*, logit_scale
	GroupVQA        = "vqa"        // vqa_classifier.* (the original repository's VQA head)
	GroupClassifier = "classifier" // snli_classifier.* (SNLI-VE-style classification head)
)

// BackbonePrefix is the prefix that HF head models (BridgeTowerForMaskedLM, ...) put in front of
// the backbone's parameter names. Weights accepts names with and without it.
const BackbonePrefix = checkpoint.BackbonePrefix

// HeadHiddenScale is the hidden-size multiplier s of the VQA and classification heads
// (Linear 2H -> 2H*s): the config key "head_hidden_scale" (kept from the original repository's
// configs), default 2.
func (c *Config) HeadHiddenScale() (float64, error) {
	s := 2.0
	if msg, ok := c.raw["head_hidden_scale"]; ok {
		v, err := strconv.ParseFloat(string(msg), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("model: config head_hidden_scale %s is not a positive number", clip(string(msg)))
		}
		s = v
	}
	return s, nil
}

// headHidden is the hidden width of the VQA/classification heads, 2H*s.
func (c *Config) headHidden() (int, error) {
	s, err := c.HeadHiddenScale()
	if err != nil {
		return 0, err
	}
	w := float64(2*c.HiddenSize) * s
	if w != math.Trunc(w) || w < 1 || w > 1<<24 {
		return 0, fmt.Errorf("model: config head_hidden_scale %v times 2*hidden_size %d is not a usable integer width", s, 2*c.HiddenSize)
	}
	return int(w), nil
}

// visionBlocks is the number of CLIP residual blocks HF builds (one fewer with remove_last_layer).
func (c *Config) visionBlocks() int {
	if c.Vision.RemoveLastLayer {
		return c.Vision.NumHiddenLayers - 1
	}
	return c.Vision.NumHiddenLayers
}

// ParamInfos lists every parameter of the BridgeTower architecture for cfg, the backbone and all
// heads the config can carry, sorted by name. Tensors of this list that a given graph does not
// use (the text pooler, ln_separate, heads not built) are expected in a checkpoint, not
// unexpected. The contrastive heads are listed only when contrastive_hidden_size > 0.
func ParamInfos(cfg *Config) ([]ParamInfo, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []ParamInfo
	add := func(group, name string, shape ...int) {
		out = append(out, ParamInfo{Name: name, Shape: graph.Shape(shape).Clone(), Group: group})
	}
	ln := func(group, prefix string, d int) {
		add(group, prefix+".weight", d)
		add(group, prefix+".bias", d)
	}
	lin := func(group, prefix string, out, in int) {
		add(group, prefix+".weight", out, in)
		add(group, prefix+".bias", out)
	}
	t, v := &cfg.Text, &cfg.Vision
	ht, inter, h, hv := t.HiddenSize, t.IntermediateSize, cfg.HiddenSize, v.HiddenSize
	bertLayer := func(group, p string, cross bool) {
		attn := []string{"attention"}
		if cross {
			attn = append(attn, "crossattention")
		}
		for _, a := range attn {
			for _, qkv := range []string{"query", "key", "value"} {
				lin(group, p+"."+a+".self."+qkv, ht, ht)
			}
			lin(group, p+"."+a+".output.dense", ht, ht)
			ln(group, p+"."+a+".output.LayerNorm", ht)
		}
		lin(group, p+".intermediate.dense", inter, ht)
		lin(group, p+".output.dense", ht, inter)
		ln(group, p+".output.LayerNorm", ht)
	}

	// Text tower (RoBERTa).
	add(GroupText, "text_model.embeddings.word_embeddings.weight", t.VocabSize, ht)
	add(GroupText, "text_model.embeddings.position_embeddings.weight", t.MaxPositionEmbeddings, ht)
	add(GroupText, "text_model.embeddings.token_type_embeddings.weight", t.TypeVocabSize, ht)
	ln(GroupText, "text_model.embeddings.LayerNorm", ht)
	for i := 0; i < t.NumHiddenLayers; i++ {
		bertLayer(GroupText, "text_model.encoder.layer."+strconv.Itoa(i), false)
	}
	lin(GroupText, "text_model.pooler.dense", ht, ht)

	// Vision tower (CLIP ViT).
	grid := v.ImageSize / v.PatchSize
	vp := "vision_model.visual."
	add(GroupVision, vp+"embeddings.class_embedding", hv)
	add(GroupVision, vp+"embeddings.patch_embedding.weight", hv, v.NumChannels, v.PatchSize, v.PatchSize)
	add(GroupVision, vp+"embeddings.position_embedding.weight", grid*grid+1, hv)
	ln(GroupVision, vp+"ln_pre", hv)
	ln(GroupVision, vp+"ln_post", hv)
	for i := 0; i < cfg.visionBlocks(); i++ {
		p := vp + "transformer.resblocks." + strconv.Itoa(i) + "."
		add(GroupVision, p+"attn.in_proj_weight", 3*hv, hv)
		add(GroupVision, p+"attn.in_proj_bias", 3*hv)
		lin(GroupVision, p+"attn.out_proj", hv, hv)
		ln(GroupVision, p+"ln_1", hv)
		ln(GroupVision, p+"ln_2", hv)
		lin(GroupVision, p+"mlp.c_fc", 4*hv, hv)
		lin(GroupVision, p+"mlp.c_proj", hv, 4*hv)
	}
	if !v.ShareLayernorm {
		for i := 0; i < v.NumHiddenLayers; i++ {
			ln(GroupVision, vp+"ln_separate."+strconv.Itoa(i), hv)
		}
	}

	// Bridge and cross-modal encoder.
	for _, side := range []struct {
		name string
		in   int
	}{{"text", ht}, {"image", hv}} {
		if cfg.ShareCrossModalTransformerLayers {
			lin(GroupCross, "cross_modal_"+side.name+"_transform", h, side.in)
		} else {
			for j := 0; j < cfg.NumHiddenLayers; j++ {
				lin(GroupCross, "cross_modal_"+side.name+"_transform."+strconv.Itoa(j), h, side.in)
			}
		}
	}
	add(GroupCross, "token_type_embeddings.weight", 2, h)
	ln(GroupCross, "cross_modal_text_layernorm", h)
	ln(GroupCross, "cross_modal_image_layernorm", h)
	link, _ := LinkTowerFor(cfg.LinkTowerType)
	towers := cfg.NumHiddenLayers - 1
	if cfg.ShareLinkTowerLayers {
		towers = 1
	}
	if link.NoBridge {
		towers = 0
	}
	for _, side := range []string{"text", "image"} {
		for j := 0; j < cfg.NumHiddenLayers; j++ {
			bertLayer(GroupCross, "cross_modal_"+side+"_layers."+strconv.Itoa(j), true)
		}
		for j := 0; j < towers; j++ {
			p := cfg.linkPrefix(side, j)
			for _, lp := range link.params(h) {
				add(GroupCross, p+"."+lp.Name, lp.Shape...)
			}
		}
		lin(GroupCross, "cross_modal_"+side+"_pooler.dense", h, h)
	}

	// Heads.
	lin(GroupITM, "itm_score.fc", 2, 2*h)
	lin(GroupMLM, "mlm_score.transform.dense", h, h)
	ln(GroupMLM, "mlm_score.transform.LayerNorm", h)
	add(GroupMLM, "mlm_score.decoder.weight", t.VocabSize, h)
	add(GroupMLM, "mlm_score.bias", t.VocabSize)
	if c := cfg.ContrastiveHiddenSize; c > 0 {
		lin(GroupITC, "itc_text_head.fc", c, h)
		lin(GroupITC, "itc_image_head.fc", c, h)
		lin(GroupITC, "itc_cross_modal_head.fc", c, 2*h)
		add(GroupITC, "logit_scale")
	}
	hh, err := cfg.headHidden()
	if err != nil {
		return nil, err
	}
	for _, hd := range []struct{ group, prefix string }{{GroupVQA, "vqa_classifier"}, {GroupClassifier, "snli_classifier"}} {
		lin(hd.group, hd.prefix+".0", hh, 2*h)
		ln(hd.group, hd.prefix+".1", hh)
		lin(hd.group, hd.prefix+".3", cfg.NumLabels(), hh)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// sameShape compares a checkpoint shape with an expected one; a 0-d parameter (scaled_factor,
// beta, logit_scale) may be stored as [1].
func sameShape(got, want graph.Shape) bool {
	if got.Equal(want) {
		return true
	}
	return len(want) == 0 && got.Equal(graph.Shape{1})
}
