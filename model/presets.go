package model

import "fmt"

// This file: the configurations `bt init` writes.

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
//     positions (texts up to 128 tokens).
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
	default:
		return nil, fmt.Errorf("model: unknown preset %q (known: tiny, base)", name)
	}
	c.Architectures = []string{"BridgeTowerForMaskedLM"}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
