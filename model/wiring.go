package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// BridgeLayersKey is the config.json extension key that chooses which uni-modal layers feed the
// cross-modal layers:
//
//	"bt_bridge_layers": {"text": [7, 8, 9, 10, 11, 12], "image": [7, 8, 9, 10, 11, 12]}
//
// Entry j of each list is the uni-modal hidden state that feeds cross-modal layer j: k >= 1 is
// the output of layer k (1-based, as in HF's hidden_states), 0 the embeddings (text: after the
// embedding LayerNorm; image: after ln_pre). Each list has num_hidden_layers entries, in any
// order, repeats allowed; text entries are at most text_config.num_hidden_layers, image entries
// at most the number of vision blocks. The towers run up to the largest entry of their list.
// Without the key, both lists are HF's split rule: split = text layers - cross layers + 1, and
// cross layer j takes uni-modal layer split + j (the top num_hidden_layers layers); the value
// "top" names that rule, "every_other" takes every other layer from the top (cross layer j takes
// L - 2(C-1-j), L = text_config.num_hidden_layers, C = num_hidden_layers). With
// link_tower_type "none" the default is the last layer L for every entry (only entry 0 is used).
// Config.Marshal keeps the key as written.
const BridgeLayersKey = "bt_bridge_layers"

// Wiring says which uni-modal hidden states feed each cross-modal layer.
type Wiring struct {
	Text  []int // Text[j]: text hidden state (0 = embeddings, k = layer k) feeding cross layer j
	Image []int // Image[j]: vision hidden state (0 = ln_pre output, k = block k) feeding cross layer j
	// TextLayers and VisionLayers are the uni-modal layers that run (the largest entries).
	TextLayers, VisionLayers int
}

// Wiring returns the bridge wiring of the config: the BridgeLayersKey extension when present,
// HF's split rule otherwise.
func (c *Config) Wiring() (Wiring, error) {
	nc, lt := c.NumHiddenLayers, c.Text.NumHiddenLayers
	var w Wiring
	msg, ok := c.raw[BridgeLayersKey]
	absent := !ok || string(bytes.TrimSpace(msg)) == "null"
	var rule string
	if !absent && bytes.TrimSpace(msg)[0] == '"' {
		if err := json.Unmarshal(msg, &rule); err != nil || (rule != "top" && rule != "every_other") {
			return Wiring{}, fmt.Errorf("model: config %s: %s is not \"top\", \"every_other\" or {\"text\": [layers], \"image\": [layers]}", BridgeLayersKey, clip(string(msg)))
		}
	}
	if link, ok := LinkTowerFor(c.LinkTowerType); ok && link.NoBridge && absent {
		rule = "last"
	}
	switch {
	case rule == "last": // no bridges: the last uni-modal layer feeds layer 0, the others are unused
		for j := 0; j < nc; j++ {
			w.Text = append(w.Text, lt)
			w.Image = append(w.Image, lt)
		}
	case rule == "every_other": // the top layers, every other one: ..., L-2, L
		for j := 0; j < nc; j++ {
			w.Text = append(w.Text, lt-2*(nc-1-j))
			w.Image = append(w.Image, lt-2*(nc-1-j))
		}
	case rule == "top" || absent:
		split := lt - nc + 1
		for j := 0; j < nc; j++ {
			w.Text = append(w.Text, split+j)
			w.Image = append(w.Image, split+j)
		}
	default:
		var spec struct {
			Text  *[]int `json:"text"`
			Image *[]int `json:"image"`
		}
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			return Wiring{}, fmt.Errorf("model: config %s: want {\"text\": [layers], \"image\": [layers]}: %v", BridgeLayersKey, err)
		}
		if spec.Text == nil || spec.Image == nil {
			return Wiring{}, fmt.Errorf("model: config %s: both \"text\" and \"image\" lists are required", BridgeLayersKey)
		}
		w.Text, w.Image = *spec.Text, *spec.Image
	}
	var errs []string
	check := func(side string, list []int, max int, what string) int {
		if len(list) != nc {
			errs = append(errs, fmt.Sprintf("%s.%s has %d entries, want num_hidden_layers = %d", BridgeLayersKey, side, len(list), nc))
		}
		top := 0
		for j, k := range list {
			if k < 0 || k > max {
				errs = append(errs, fmt.Sprintf("%s.%s[%d] = %d is outside 0..%d (%s)", BridgeLayersKey, side, j, k, max, what))
			}
			top = maxInt(top, k)
		}
		return top
	}
	w.TextLayers = check("text", w.Text, lt, "text_config.num_hidden_layers")
	w.VisionLayers = check("image", w.Image, c.visionBlocks(), "vision blocks")
	if len(errs) > 0 {
		return Wiring{}, fmt.Errorf("model: config: %s", strings.Join(errs, "; "))
	}
	return w, nil
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// CheckSupported refuses the configurations no behaviour is defined for (golden case e03, which
// Hugging Face cannot even construct). Each error names the config field. The other two
// configurations HF accepts but cannot run are bt behaviour here (see Extensions):
// share_cross_modal_transformer_layers=false (golden e01) gives every cross-modal layer j its own
// cross_modal_{text,image}_transform.{j}, and share_link_tower_layers=true (golden e02) one link
// tower per modality, cross_modal_{text,image}_link_tower.*, used at every layer, as the modules
// HF's constructor builds for them.
func (c *Config) CheckSupported() error {
	var errs []string
	if c.InitLayernormFromVisionEncoder && !c.Vision.ShareLayernorm {
		errs = append(errs, "init_layernorm_from_vision_encoder=true with vision_config.share_layernorm=false is not supported: Hugging Face BridgeTowerModel fails to construct it (AttributeError on cross_modal_ln_separate), so there is no reference behaviour; set init_layernorm_from_vision_encoder=false or vision_config.share_layernorm=true")
	}
	t := &c.Text
	if t.PadTokenID == nil {
		errs = append(errs, "text_config.pad_token_id is null: RoBERTa position ids need a padding id")
	}
	if pe := t.PositionEmbeddingType; pe != "" && pe != "absolute" {
		errs = append(errs, fmt.Sprintf("text_config.position_embedding_type %q is not supported (only \"absolute\")", pe))
	}
	if t.IsDecoder || t.AddCrossAttention {
		errs = append(errs, "text_config.is_decoder / add_cross_attention must be false: the BridgeTower text tower is an encoder")
	}
	for _, a := range []struct{ field, name string }{{"text_config.hidden_act", t.HiddenAct}, {"hidden_act", c.HiddenAct}} {
		if _, err := activation(a.field, a.name); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("model: unsupported config: %s", strings.Join(errs, "; "))
}
