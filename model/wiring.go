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
// cross layer j takes uni-modal layer split + j. Config.Marshal keeps the key as written.
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
	if !ok || string(bytes.TrimSpace(msg)) == "null" {
		split := lt - nc + 1
		for j := 0; j < nc; j++ {
			w.Text = append(w.Text, split+j)
			w.Image = append(w.Image, split+j)
		}
	} else {
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

// CheckSupported refuses the configurations that Hugging Face's BridgeTower accepts as a config
// but cannot run, so that no reference behaviour exists for them (golden cases e01-e03). Each
// error names the config field.
func (c *Config) CheckSupported() error {
	var errs []string
	if !c.ShareCrossModalTransformerLayers {
		errs = append(errs, "share_cross_modal_transformer_layers=false is not supported: Hugging Face BridgeTowerModel builds per-layer cross_modal_{text,image}_transform lists but its forward calls them as one module (NotImplementedError), so there is no reference behaviour; use true")
	}
	if c.ShareLinkTowerLayers {
		errs = append(errs, "share_link_tower_layers=true is not supported: Hugging Face BridgeTowerModel builds one link tower per modality but its forward indexes it per layer (TypeError), so there is no reference behaviour; use false")
	}
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
