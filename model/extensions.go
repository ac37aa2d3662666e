package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// This file: bt's config extensions, switches Hugging Face's BridgeTowerConfig does not have.
// They live in config.json next to HF's fields under "bt_" keys (HF ignores unknown keys and
// keeps them), so a config with them still loads in HF when its link_tower_type is one of HF's
// three and no bt_ key changes the architecture:
//
//	"bt_bridge_layers":       which uni-modal layers feed which cross-modal layer (wiring.go)
//	"bt_stop_gradient":       true: no gradient flows from the bridges into the encoders (the
//	                          bridged uni-modal hidden states are detached; the encoders still
//	                          train from any loss that reaches them otherwise, e.g. none here)
//	"bt_vision_ln_per_layer": true: with vision_config.share_layernorm=false, the vision hidden
//	                          state of block k is normalised by ln_separate.{k-1} before the
//	                          bridge, as the authors' code does; HF (and golden case m03) ignores
//	                          ln_separate and uses ln_post everywhere, which stays the default
//	"bt_frozen":              ["text"], ["vision"] or both: those encoders' parameters get no
//	                          gradient (the graph detaches them) and trainers skip them
//
// The number of cross-modal layers is HF's num_hidden_layers; link towers shared or separate per
// layer is HF's share_link_tower_layers and shared or separate cross-modal transforms HF's
// share_cross_modal_transformer_layers (both runnable in bt, see CheckSupported).
const (
	StopGradientKey     = "bt_stop_gradient"
	VisionLNPerLayerKey = "bt_vision_ln_per_layer"
	FrozenKey           = "bt_frozen"
)

// Extensions are the parsed bt_ switches of a config.
type Extensions struct {
	StopGradient     bool
	VisionLNPerLayer bool
	FrozenText       bool
	FrozenVision     bool
}

// Extensions parses the bt_ switches (zero values when absent).
func (c *Config) Extensions() (Extensions, error) {
	var e Extensions
	var errs []string
	boolKey := func(key string, dst *bool) {
		msg, ok := c.raw[key]
		if !ok || string(bytes.TrimSpace(msg)) == "null" {
			return
		}
		if err := json.Unmarshal(msg, dst); err != nil {
			errs = append(errs, fmt.Sprintf("%s %s is not true or false", key, clip(string(msg))))
		}
	}
	boolKey(StopGradientKey, &e.StopGradient)
	boolKey(VisionLNPerLayerKey, &e.VisionLNPerLayer)
	if msg, ok := c.raw[FrozenKey]; ok && string(bytes.TrimSpace(msg)) != "null" {
		var list []string
		if err := json.Unmarshal(msg, &list); err != nil {
			errs = append(errs, fmt.Sprintf("%s %s is not a list of \"text\" and \"vision\"", FrozenKey, clip(string(msg))))
		}
		for _, s := range list {
			switch s {
			case "text":
				e.FrozenText = true
			case "vision":
				e.FrozenVision = true
			default:
				errs = append(errs, fmt.Sprintf("%s entry %q is not \"text\" or \"vision\"", FrozenKey, s))
			}
		}
	}
	if e.VisionLNPerLayer && c.Vision.ShareLayernorm {
		errs = append(errs, VisionLNPerLayerKey+" needs vision_config.share_layernorm=false (the per-layer LayerNorms are ln_separate.*)")
	}
	if len(errs) > 0 {
		return Extensions{}, fmt.Errorf("model: config: %s", strings.Join(errs, "; "))
	}
	return e, nil
}

// checkExtensions validates the bt_ keys (Validate).
func (c *Config) checkExtensions() error {
	if _, err := c.Extensions(); err != nil {
		return err
	}
	_, err := c.Wiring()
	return err
}

// SetExtension sets a config.json key that Config has no typed field for (a bt_ switch, or
// any other extra field), kept by Marshal; value nil removes it. Typed HF fields are set on the
// struct instead; SetExtension refuses them.
func (c *Config) SetExtension(key string, value any) error {
	for _, f := range c.fields() {
		if f.key == key {
			return fmt.Errorf("model: config %s is a typed field; set it on the Config", key)
		}
	}
	if c.raw == nil {
		c.raw = map[string]json.RawMessage{}
	}
	if value == nil {
		delete(c.raw, key)
		return nil
	}
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("model: config %s: %v", key, err)
	}
	c.raw[key] = b
	return nil
}

// ExtensionKeys lists the config.json keys that Config has no typed field for, sorted.
func (c *Config) ExtensionKeys() []string {
	typed := map[string]bool{}
	for _, f := range c.fields() {
		typed[f.key] = true
	}
	var out []string
	for k := range c.raw {
		if !typed[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
