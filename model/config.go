package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// Config is a Hugging Face BridgeTowerConfig (config.json, model_type "bridgetower") with its
// nested text_config (RoBERTa) and vision_config (CLIP ViT). Missing fields take the defaults
// of HF's configuration_bridgetower.py; fields this type does not name are kept and written
// back unchanged by Marshal.
type Config struct {
	HiddenSize                       int     // hidden_size: cross-modal width (768)
	NumHiddenLayers                  int     // num_hidden_layers: cross-modal layers (6)
	NumAttentionHeads                int     // num_attention_heads (12; HF's cross layers use text_config's)
	HiddenAct                        string  // hidden_act ("gelu")
	InitializerFactor                float64 // initializer_factor (1)
	LayerNormEps                     float64 // layer_norm_eps (1e-5): cross-modal LayerNorms, link towers, heads
	ShareCrossModalTransformerLayers bool    // share_cross_modal_transformer_layers (true)
	ShareLinkTowerLayers             bool    // share_link_tower_layers (false)
	LinkTowerType                    string  // link_tower_type ("add")
	InitLayernormFromVisionEncoder   bool    // init_layernorm_from_vision_encoder (false)
	TieWordEmbeddings                bool    // tie_word_embeddings (false)
	// ContrastiveHiddenSize and LogitScaleInitValue are not declared by HF but read by
	// BridgeTowerForContrastiveLearning; 0 when absent.
	ContrastiveHiddenSize int     // contrastive_hidden_size
	LogitScaleInitValue   float64 // logit_scale_init_value
	Architectures         []string
	ID2Label              map[int]string // id2label (default {0: LABEL_0, 1: LABEL_1}, or num_labels of them)
	Label2ID              map[string]int // label2id (nil when id2label is given without it, as in HF)

	Text   TextConfig
	Vision VisionConfig

	raw map[string]json.RawMessage // every key as read, for the fields Config does not name
}

// TextConfig is BridgeTowerTextConfig (model_type "bridgetower_text_model").
type TextConfig struct {
	VocabSize                 int      // vocab_size (50265)
	HiddenSize                int      // hidden_size (768)
	NumHiddenLayers           int      // num_hidden_layers (12)
	NumAttentionHeads         int      // num_attention_heads (12)
	InitializerFactor         float64  // initializer_factor (1)
	IntermediateSize          int      // intermediate_size (3072)
	HiddenAct                 string   // hidden_act ("gelu")
	HiddenDropoutProb         float64  // hidden_dropout_prob (0.1)
	AttentionProbsDropoutProb float64  // attention_probs_dropout_prob (0.1)
	MaxPositionEmbeddings     int      // max_position_embeddings (514)
	TypeVocabSize             int      // type_vocab_size (1)
	LayerNormEps              float64  // layer_norm_eps (1e-5)
	PadTokenID                *int     // pad_token_id (1); nil for null
	BOSTokenID                *int     // bos_token_id (0)
	EOSTokenID                TokenIDs // eos_token_id (2); an int or a list in HF
	PositionEmbeddingType     string   // position_embedding_type ("absolute"; older HF versions)
	UseCache                  bool     // use_cache (true)
	IsDecoder                 bool     // is_decoder (false)
	AddCrossAttention         bool     // add_cross_attention (false)

	raw map[string]json.RawMessage
}

// VisionConfig is BridgeTowerVisionConfig (model_type "bridgetower_vision_model").
type VisionConfig struct {
	HiddenSize        int     // hidden_size (768); attention heads = hidden_size/64
	NumHiddenLayers   int     // num_hidden_layers (12)
	NumChannels       int     // num_channels (3)
	PatchSize         int     // patch_size (16)
	ImageSize         int     // image_size (288)
	InitializerFactor float64 // initializer_factor (1)
	LayerNormEps      float64 // layer_norm_eps (1e-5)
	StopGradient      bool    // stop_gradient (false)
	ShareLayernorm    bool    // share_layernorm (true)
	RemoveLastLayer   bool    // remove_last_layer (false)

	raw map[string]json.RawMessage
}

// TokenIDs is a token id field that HF allows to be null, an int or a list of ints.
type TokenIDs struct {
	IDs  []int
	list bool // written as a list even with one element
}

// UnmarshalJSON reads null, an integer or a list of integers.
func (t *TokenIDs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = TokenIDs{}
	case len(b) > 0 && b[0] == '[':
		var ids []int
		if err := json.Unmarshal(b, &ids); err != nil {
			return fmt.Errorf("want an integer or a list of integers")
		}
		*t = TokenIDs{IDs: ids, list: true}
	default:
		var id int
		if err := json.Unmarshal(b, &id); err != nil {
			return fmt.Errorf("want an integer or a list of integers")
		}
		*t = TokenIDs{IDs: []int{id}}
	}
	return nil
}

// MarshalJSON writes the form that was read (null, an int, or a list).
func (t TokenIDs) MarshalJSON() ([]byte, error) {
	switch {
	case t.IDs == nil:
		return []byte("null"), nil
	case len(t.IDs) == 1 && !t.list:
		return json.Marshal(t.IDs[0])
	}
	return json.Marshal(t.IDs)
}

func intp(v int) *int { return &v }

// DefaultConfig is BridgeTowerConfig() of HF: the bridgetower-base shapes.
func DefaultConfig() *Config {
	return &Config{
		HiddenSize: 768, NumHiddenLayers: 6, NumAttentionHeads: 12, HiddenAct: "gelu",
		InitializerFactor: 1, LayerNormEps: 1e-5, ShareCrossModalTransformerLayers: true,
		LinkTowerType: "add", ID2Label: defaultLabels(2), Label2ID: map[string]int{"LABEL_0": 0, "LABEL_1": 1},
		Text:   *DefaultTextConfig(),
		Vision: *DefaultVisionConfig(),
	}
}

// DefaultTextConfig is BridgeTowerTextConfig() of HF.
func DefaultTextConfig() *TextConfig {
	return &TextConfig{
		VocabSize: 50265, HiddenSize: 768, NumHiddenLayers: 12, NumAttentionHeads: 12, InitializerFactor: 1,
		IntermediateSize: 3072, HiddenAct: "gelu", HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1,
		MaxPositionEmbeddings: 514, TypeVocabSize: 1, LayerNormEps: 1e-5, PadTokenID: intp(1), BOSTokenID: intp(0),
		EOSTokenID: TokenIDs{IDs: []int{2}}, PositionEmbeddingType: "absolute", UseCache: true,
	}
}

// DefaultVisionConfig is BridgeTowerVisionConfig() of HF.
func DefaultVisionConfig() *VisionConfig {
	return &VisionConfig{
		HiddenSize: 768, NumHiddenLayers: 12, NumChannels: 3, PatchSize: 16, ImageSize: 288,
		InitializerFactor: 1, LayerNormEps: 1e-5, ShareLayernorm: true,
	}
}

func defaultLabels(n int) map[int]string {
	m := make(map[int]string, n)
	for i := 0; i < n; i++ {
		m[i] = "LABEL_" + strconv.Itoa(i)
	}
	return m
}

// field ties a JSON key to a typed Go field (a pointer to it).
type field struct {
	key      string
	ptr      any
	nullable bool
}

func (c *Config) fields() []field {
	return []field{
		{"hidden_size", &c.HiddenSize, false}, {"num_hidden_layers", &c.NumHiddenLayers, false},
		{"num_attention_heads", &c.NumAttentionHeads, false}, {"hidden_act", &c.HiddenAct, false},
		{"initializer_factor", &c.InitializerFactor, false}, {"layer_norm_eps", &c.LayerNormEps, false},
		{"share_cross_modal_transformer_layers", &c.ShareCrossModalTransformerLayers, false},
		{"share_link_tower_layers", &c.ShareLinkTowerLayers, false}, {"link_tower_type", &c.LinkTowerType, false},
		{"init_layernorm_from_vision_encoder", &c.InitLayernormFromVisionEncoder, false},
		{"tie_word_embeddings", &c.TieWordEmbeddings, false},
		{"contrastive_hidden_size", &c.ContrastiveHiddenSize, false},
		{"logit_scale_init_value", &c.LogitScaleInitValue, false},
		{"architectures", &c.Architectures, true},
	}
}

func (t *TextConfig) fields() []field {
	return []field{
		{"vocab_size", &t.VocabSize, false}, {"hidden_size", &t.HiddenSize, false},
		{"num_hidden_layers", &t.NumHiddenLayers, false}, {"num_attention_heads", &t.NumAttentionHeads, false},
		{"initializer_factor", &t.InitializerFactor, false}, {"intermediate_size", &t.IntermediateSize, false},
		{"hidden_act", &t.HiddenAct, false}, {"hidden_dropout_prob", &t.HiddenDropoutProb, false},
		{"attention_probs_dropout_prob", &t.AttentionProbsDropoutProb, false},
		{"max_position_embeddings", &t.MaxPositionEmbeddings, false}, {"type_vocab_size", &t.TypeVocabSize, false},
		{"layer_norm_eps", &t.LayerNormEps, false}, {"pad_token_id", &t.PadTokenID, true},
		{"bos_token_id", &t.BOSTokenID, true}, {"eos_token_id", &t.EOSTokenID, true},
		{"position_embedding_type", &t.PositionEmbeddingType, false}, {"use_cache", &t.UseCache, false},
		{"is_decoder", &t.IsDecoder, false}, {"add_cross_attention", &t.AddCrossAttention, false},
	}
}

func (v *VisionConfig) fields() []field {
	return []field{
		{"hidden_size", &v.HiddenSize, false}, {"num_hidden_layers", &v.NumHiddenLayers, false},
		{"num_channels", &v.NumChannels, false}, {"patch_size", &v.PatchSize, false},
		{"image_size", &v.ImageSize, false}, {"initializer_factor", &v.InitializerFactor, false},
		{"layer_norm_eps", &v.LayerNormEps, false}, {"stop_gradient", &v.StopGradient, false},
		{"share_layernorm", &v.ShareLayernorm, false}, {"remove_last_layer", &v.RemoveLastLayer, false},
	}
}

// LoadConfig reads a config.json file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

// ParseConfig decodes config.json bytes. It checks types, not meaning: see Validate.
func ParseConfig(data []byte) (*Config, error) {
	raw, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	c := DefaultConfig()
	c.raw = raw
	if err := decodeFields("", raw, c.fields()); err != nil {
		return nil, err
	}
	if err := c.decodeLabels(); err != nil {
		return nil, err
	}
	for _, sub := range []struct {
		key    string
		fields []field
		raw    *map[string]json.RawMessage
	}{
		{"text_config", c.Text.fields(), &c.Text.raw},
		{"vision_config", c.Vision.fields(), &c.Vision.raw},
	} {
		msg, ok := raw[sub.key]
		if !ok || string(bytes.TrimSpace(msg)) == "null" {
			continue // HF: None -> the sub-config's defaults
		}
		subRaw, err := decodeObject(msg)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %v", sub.key, err)
		}
		*sub.raw = subRaw
		if err := decodeFields(sub.key+".", subRaw, sub.fields); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// decodeObject reads a JSON object into its raw members.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("want a JSON object, got null")
	}
	return raw, nil
}

func decodeFields(prefix string, raw map[string]json.RawMessage, fs []field) error {
	for _, f := range fs {
		msg, ok := raw[f.key]
		if !ok {
			continue
		}
		if !f.nullable && string(bytes.TrimSpace(msg)) == "null" {
			return fmt.Errorf("config: %s%s: null is not allowed", prefix, f.key)
		}
		if err := json.Unmarshal(msg, f.ptr); err != nil {
			return fmt.Errorf("config: %s%s: %s is not %s", prefix, f.key, clip(string(msg)), kindName(f.ptr))
		}
	}
	return nil
}

func kindName(p any) string {
	switch p.(type) {
	case *int, **int:
		return "an integer"
	case *float64:
		return "a number"
	case *bool:
		return "a boolean"
	case *string:
		return "a string"
	case *[]string:
		return "a list of strings"
	}
	return "an integer or a list of integers"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// decodeLabels applies HF's PretrainedConfig rules: id2label given -> keys become ints and
// label2id is taken as given (possibly absent); otherwise num_labels (default 2) generic labels
// with their inverse.
func (c *Config) decodeLabels() error {
	if msg, ok := c.raw["id2label"]; ok && string(bytes.TrimSpace(msg)) != "null" {
		var m map[string]string
		if err := json.Unmarshal(msg, &m); err != nil {
			return fmt.Errorf("config: id2label: want an object of strings: %v", err)
		}
		c.ID2Label = make(map[int]string, len(m))
		for k, v := range m {
			id, err := strconv.Atoi(k)
			if err != nil {
				return fmt.Errorf("config: id2label: key %q is not an integer", clip(k))
			}
			c.ID2Label[id] = v
		}
		c.Label2ID = nil
		if msg, ok := c.raw["label2id"]; ok && string(bytes.TrimSpace(msg)) != "null" {
			if err := json.Unmarshal(msg, &c.Label2ID); err != nil {
				return fmt.Errorf("config: label2id: want an object of integers: %v", err)
			}
		}
		return nil
	}
	n := 2
	if msg, ok := c.raw["num_labels"]; ok {
		if err := json.Unmarshal(msg, &n); err != nil || n < 0 || n > 1<<24 {
			return fmt.Errorf("config: num_labels: %s is not a reasonable label count", clip(string(msg)))
		}
	}
	c.ID2Label = defaultLabels(n)
	c.Label2ID = make(map[string]int, n)
	for i, l := range c.ID2Label {
		c.Label2ID[l] = i
	}
	return nil
}

// ModelType is the config's model_type ("bridgetower" for BridgeTower checkpoints; "" when absent).
func (c *Config) ModelType() string {
	var s string
	if raw, ok := c.raw["model_type"]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// NumLabels is the number of classes in ID2Label (HF's num_labels).
func (c *Config) NumLabels() int { return len(c.ID2Label) }
