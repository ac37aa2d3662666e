package model

import (
	"fmt"
	"math"
)

// Validate reports configurations no BridgeTower can be built from, all problems in one error.
// It does not reject configs HF accepts but cannot run (unshared cross-modal layers, shared link
// towers, ...): the model layer decides about those.
func (c *Config) Validate() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	t, v := &c.Text, &c.Vision
	positive := func(name string, x int) {
		if x <= 0 {
			add("%s is %d, want > 0", name, x)
		}
	}
	positive("hidden_size", c.HiddenSize)
	positive("num_hidden_layers", c.NumHiddenLayers)
	positive("num_attention_heads", c.NumAttentionHeads)
	positive("text_config.vocab_size", t.VocabSize)
	positive("text_config.hidden_size", t.HiddenSize)
	positive("text_config.num_hidden_layers", t.NumHiddenLayers)
	positive("text_config.num_attention_heads", t.NumAttentionHeads)
	positive("text_config.intermediate_size", t.IntermediateSize)
	positive("text_config.max_position_embeddings", t.MaxPositionEmbeddings)
	positive("text_config.type_vocab_size", t.TypeVocabSize)
	positive("vision_config.num_hidden_layers", v.NumHiddenLayers)
	positive("vision_config.num_channels", v.NumChannels)
	positive("vision_config.patch_size", v.PatchSize)
	positive("vision_config.image_size", v.ImageSize)
	if c.NumAttentionHeads > 0 && c.HiddenSize%c.NumAttentionHeads != 0 {
		add("hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	}
	if t.NumAttentionHeads > 0 && t.HiddenSize%t.NumAttentionHeads != 0 {
		add("text_config.hidden_size %d is not a multiple of text_config.num_attention_heads %d", t.HiddenSize, t.NumAttentionHeads)
	}
	if c.HiddenSize != t.HiddenSize {
		add("hidden_size %d differs from text_config.hidden_size %d (the cross-modal layers are built from text_config)", c.HiddenSize, t.HiddenSize)
	}
	if heads := v.HiddenSize / 64; heads < 1 || v.HiddenSize%heads != 0 {
		add("vision_config.hidden_size %d: the vision attention has hidden_size/64 heads, so it must be >= 64 and divisible by that count", v.HiddenSize)
	}
	if c.NumHiddenLayers > t.NumHiddenLayers {
		add("num_hidden_layers %d exceeds text_config.num_hidden_layers %d (each cross-modal layer takes a text layer)", c.NumHiddenLayers, t.NumHiddenLayers)
	}
	visionLayers := v.NumHiddenLayers
	if v.RemoveLastLayer {
		visionLayers--
	}
	if visionLayers < t.NumHiddenLayers {
		add("vision_config has %d usable layers, fewer than text_config.num_hidden_layers %d (the towers run in lockstep)", visionLayers, t.NumHiddenLayers)
	}
	if v.PatchSize > 0 && v.ImageSize%v.PatchSize != 0 {
		add("vision_config.image_size %d is not a multiple of vision_config.patch_size %d", v.ImageSize, v.PatchSize)
	}
	if err := checkLinkTower(c.LinkTowerType); err != nil {
		add("%v", err)
	}
	if err := c.checkExtensions(); err != nil {
		add("%v", err)
	}
	for _, e := range []struct {
		name string
		v    float64
	}{{"layer_norm_eps", c.LayerNormEps}, {"text_config.layer_norm_eps", t.LayerNormEps}, {"vision_config.layer_norm_eps", v.LayerNormEps}} {
		if !(e.v > 0) || math.IsInf(e.v, 0) {
			add("%s is %v, want a positive number", e.name, e.v)
		}
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"text_config.hidden_dropout_prob", t.HiddenDropoutProb}, {"text_config.attention_probs_dropout_prob", t.AttentionProbsDropoutProb}} {
		if !(p.v >= 0 && p.v <= 1) {
			add("%s is %v, want a probability in [0, 1]", p.name, p.v)
		}
	}
	if t.PadTokenID != nil && (*t.PadTokenID < 0 || *t.PadTokenID >= t.VocabSize) {
		add("text_config.pad_token_id %d is outside the vocabulary [0, %d)", *t.PadTokenID, t.VocabSize)
	}
	if c.ContrastiveHiddenSize < 0 {
		add("contrastive_hidden_size is %d, want >= 0", c.ContrastiveHiddenSize)
	}
	if len(errs) == 0 {
		return nil
	}
	msg := "config: invalid BridgeTower config:"
	for _, e := range errs {
		msg += "\n  " + e
	}
	return fmt.Errorf("%s", msg)
}
