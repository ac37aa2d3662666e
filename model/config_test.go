package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/internal/golden"
)

var goldenModels = golden.Path("models")

func goldenCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(goldenModels)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) != 6 {
		t.Fatalf("found %d golden cases, want 6", len(cases))
	}
	return cases
}

func decodeGeneric(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGoldenConfigsRoundTrip: every golden config.json parses, validates (the e0* configs too:
// rejecting them is the model layer's job), and Marshal keeps every key and value.
func TestGoldenConfigsRoundTrip(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(goldenModels, name, "config.json")
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			out, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want, got := decodeGeneric(t, orig), decodeGeneric(t, out)
			if !reflect.DeepEqual(want, got) {
				for k := range want {
					if !reflect.DeepEqual(want[k], got[k]) {
						t.Errorf("key %s: wrote %v, read %v", k, got[k], want[k])
					}
				}
				for k := range got {
					if _, ok := want[k]; !ok {
						t.Errorf("added key %s = %v", k, got[k])
					}
				}
			}
			again, err := ParseConfig(out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stripRaw(again), stripRaw(c)) {
				t.Fatalf("typed fields changed in the round trip:\n%+v\n%+v", stripRaw(again), stripRaw(c))
			}
		})
	}
}

func stripRaw(c *Config) Config {
	d := *c
	d.raw, d.Text.raw, d.Vision.raw = nil, nil, nil
	return d
}

// TestGoldenConfigValues checks typed fields against the values in the golden README table.
func TestGoldenConfigValues(t *testing.T) {
	c, err := LoadConfig(filepath.Join(goldenModels, "m02_scaled_add_b3_pad_h64_eps", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"link_tower_type", c.LinkTowerType, "scaled_add"},
		{"hidden_size", c.HiddenSize, 64},
		{"num_hidden_layers", c.NumHiddenLayers, 3},
		{"layer_norm_eps", c.LayerNormEps, 0.1},
		{"text eps", c.Text.LayerNormEps, 1e-3},
		{"vision eps", c.Vision.LayerNormEps, 1e-2},
		{"init_layernorm_from_vision_encoder", c.InitLayernormFromVisionEncoder, true},
		{"contrastive_hidden_size", c.ContrastiveHiddenSize, 24},
		{"logit_scale_init_value", c.LogitScaleInitValue, 2.6592},
		{"text heads", c.Text.NumAttentionHeads, 4},
		{"text layers", c.Text.NumHiddenLayers, 4},
		{"vocab", c.Text.VocabSize, 256},
		{"max positions", c.Text.MaxPositionEmbeddings, 24},
		{"pad", *c.Text.PadTokenID, 1},
		{"eos", c.Text.EOSTokenID.IDs, []int{2}},
		{"patch", c.Vision.PatchSize, 8},
		{"image", c.Vision.ImageSize, 32},
		{"share_layernorm", c.Vision.ShareLayernorm, true},
		{"tie_word_embeddings", c.TieWordEmbeddings, false},
		{"labels", c.ID2Label, map[int]string{0: "LABEL_0", 1: "LABEL_1"}},
		{"architectures", c.Architectures, []string(nil)},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	m03, err := LoadConfig(filepath.Join(goldenModels, "m03_interpolate_b3_f64_sepln", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m03.Vision.ShareLayernorm || m03.LinkTowerType != "interpolate" || m03.Text.LayerNormEps != 1e-12 || m03.Vision.ImageSize != 40 {
		t.Fatalf("m03: %+v", stripRaw(m03))
	}
}

// TestDefaultsAsHF: an empty object gives HF's BridgeTowerConfig() (bridgetower-base shapes);
// a partial sub-config keeps HF defaults for the rest.
func TestDefaultsAsHF(t *testing.T) {
	c, err := ParseConfig([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stripRaw(c), stripRaw(DefaultConfig())) {
		t.Fatalf("{} parsed as %+v", stripRaw(c))
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("HF defaults do not validate: %v", err)
	}
	want := []any{c.HiddenSize, c.NumHiddenLayers, c.Text.VocabSize, c.Text.MaxPositionEmbeddings, c.Text.TypeVocabSize,
		c.Vision.ImageSize, c.Vision.PatchSize, c.Text.LayerNormEps, c.Vision.ShareLayernorm, c.ShareCrossModalTransformerLayers}
	if !reflect.DeepEqual(want, []any{768, 6, 50265, 514, 1, 288, 16, 1e-5, true, true}) {
		t.Fatalf("defaults %v", want)
	}
	p, err := ParseConfig([]byte(`{"text_config": {"hidden_size": 1024, "num_attention_heads": 16}, "vision_config": null, "num_labels": 3, "hidden_size": 1024}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Text.HiddenSize != 1024 || p.Text.NumHiddenLayers != 12 || p.Text.IntermediateSize != 3072 || p.Vision.HiddenSize != 768 {
		t.Fatalf("partial text_config: %+v", stripRaw(p))
	}
	if p.NumLabels() != 3 || p.ID2Label[2] != "LABEL_2" || p.Label2ID["LABEL_2"] != 2 {
		t.Fatalf("num_labels 3 gave %v %v", p.ID2Label, p.Label2ID)
	}
	out, _ := p.Marshal()
	m := decodeGeneric(t, out)
	if _, ok := m["num_labels"]; ok {
		t.Fatal("num_labels written back (HF folds it into id2label)")
	}
	if tc := m["text_config"].(map[string]any); tc["hidden_size"] != 1024.0 || tc["vocab_size"] != 50265.0 || tc["model_type"] != "bridgetower_text_model" {
		t.Fatalf("text_config written as %v", tc)
	}
}

func TestLabelsAndTokenIDs(t *testing.T) {
	c, err := ParseConfig([]byte(`{"id2label": {"0": "yes", "1": "no", "2": "2"}, "architectures": ["BridgeTowerForQuestionAnswering"],
		"text_config": {"eos_token_id": [2, 5], "pad_token_id": null}, "future_field": {"x": [1, 2]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID2Label[1] != "no" || c.Label2ID != nil || c.NumLabels() != 3 {
		t.Fatalf("id2label %v label2id %v", c.ID2Label, c.Label2ID)
	}
	if !reflect.DeepEqual(c.Text.EOSTokenID.IDs, []int{2, 5}) || c.Text.PadTokenID != nil {
		t.Fatalf("eos %v pad %v", c.Text.EOSTokenID, c.Text.PadTokenID)
	}
	c.ID2Label[3] = "maybe"
	c.LinkTowerType = "interpolate"
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m := decodeGeneric(t, out)
	if !reflect.DeepEqual(m["future_field"], map[string]any{"x": []any{1.0, 2.0}}) {
		t.Fatalf("unknown field lost: %v", m["future_field"])
	}
	if m["link_tower_type"] != "interpolate" || m["id2label"].(map[string]any)["3"] != "maybe" {
		t.Fatalf("typed edits not written: %v %v", m["link_tower_type"], m["id2label"])
	}
	tc := m["text_config"].(map[string]any)
	if !reflect.DeepEqual(tc["eos_token_id"], []any{2.0, 5.0}) || tc["pad_token_id"] != nil {
		t.Fatalf("token ids written as %v %v", tc["eos_token_id"], tc["pad_token_id"])
	}
	if !strings.HasPrefix(string(out), "{\n  \"add_cross_attention\"") && !strings.HasPrefix(string(out), "{\n  \"architectures\"") {
		t.Fatalf("output not sorted with two-space indent: %.40q", out)
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := map[string]string{
		`[1]`:                                   "config: bad JSON",
		`null`:                                  "config: want a JSON object",
		`{"hidden_size": "768"}`:                "config: hidden_size: \"768\" is not an integer",
		`{"hidden_size": 7.5}`:                  "hidden_size: 7.5 is not an integer",
		`{"hidden_size": null}`:                 "hidden_size: null is not allowed",
		`{"text_config": {"vocab_size": true}}`: "text_config.vocab_size: true is not an integer",
		`{"vision_config": {"image_size": [288, 288]}}`:  "vision_config.image_size",
		`{"vision_config": 3}`:                           "vision_config: bad JSON",
		`{"share_link_tower_layers": "yes"}`:             "share_link_tower_layers: \"yes\" is not a boolean",
		`{"id2label": {"a": "x"}}`:                       `id2label: key "a" is not an integer`,
		`{"num_labels": -1}`:                             "num_labels",
		`{"text_config": {"eos_token_id": "x"}}`:         "text_config.eos_token_id",
		`{"layer_norm_eps": 1e400}`:                      "layer_norm_eps",
		`{"architectures": "BridgeTowerForMaskedLM"}`:    "architectures",
		`{"label2id": {"a": "b"}, "id2label": {"0": 1}}`: "id2label",
	}
	for in, want := range cases {
		_, err := ParseConfig([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConfig(%s) error %v, want %q", in, err, want)
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"hidden_size": "x"}`), 0o644)
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "hidden_size") {
		t.Errorf("bad file: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := map[string]struct {
		edit func(c *Config)
		want string
	}{
		"text hidden":      {func(c *Config) { c.Text.HiddenSize = 512; c.Text.NumAttentionHeads = 8 }, "differs from text_config.hidden_size"},
		"heads":            {func(c *Config) { c.NumAttentionHeads = 7 }, "not a multiple of num_attention_heads 7"},
		"text heads":       {func(c *Config) { c.Text.NumAttentionHeads = 5 }, "text_config.num_attention_heads 5"},
		"too many layers":  {func(c *Config) { c.NumHiddenLayers = 13 }, "num_hidden_layers 13 exceeds"},
		"zero layers":      {func(c *Config) { c.NumHiddenLayers = 0 }, "num_hidden_layers is 0"},
		"patch":            {func(c *Config) { c.Vision.ImageSize = 290 }, "image_size 290 is not a multiple of vision_config.patch_size 16"},
		"link tower":       {func(c *Config) { c.LinkTowerType = "concat" }, `link_tower_type "concat" is unknown`},
		"vision width":     {func(c *Config) { c.Vision.HiddenSize = 32 }, "vision_config.hidden_size 32"},
		"vision heads":     {func(c *Config) { c.Vision.HiddenSize = 200 }, "vision_config.hidden_size 200"},
		"vision layers":    {func(c *Config) { c.Vision.RemoveLastLayer = true }, "11 usable layers"},
		"eps":              {func(c *Config) { c.Vision.LayerNormEps = 0 }, "vision_config.layer_norm_eps is 0"},
		"dropout":          {func(c *Config) { c.Text.HiddenDropoutProb = 1.5 }, "hidden_dropout_prob is 1.5"},
		"pad":              {func(c *Config) { c.Text.PadTokenID = intp(50265) }, "pad_token_id 50265"},
		"vocab":            {func(c *Config) { c.Text.VocabSize = 0 }, "vocab_size is 0"},
		"contrastive size": {func(c *Config) { c.ContrastiveHiddenSize = -1 }, "contrastive_hidden_size is -1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
	// All problems are reported at once.
	c := DefaultConfig()
	c.NumAttentionHeads, c.LinkTowerType = 7, "x"
	if err := c.Validate(); err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Fatalf("want two problems listed, got %v", err)
	}
}

func TestSaveConfigAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	c := DefaultConfig()
	c.ContrastiveHiddenSize, c.LogitScaleInitValue = 512, 2.6592
	if err := c.SaveConfig(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stripRaw(back), stripRaw(c)) {
		t.Fatalf("saved and loaded config differs: %+v", stripRaw(back))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if err := c.SaveConfig(filepath.Join(dir, "missing", "config.json")); err == nil || !strings.Contains(err.Error(), "config: ") {
		t.Fatalf("save into a missing directory: %v", err)
	}
	// Absent contrastive fields stay absent.
	out, _ := DefaultConfig().Marshal()
	if m := decodeGeneric(t, out); m["contrastive_hidden_size"] != nil || m["logit_scale_init_value"] != nil {
		t.Fatalf("contrastive fields invented: %v", m["contrastive_hidden_size"])
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{`{}`, `{"text_config": {"eos_token_id": [1, 2]}, "id2label": {"0": "a"}}`, `{"num_labels": 4, "vision_config": null}`} {
		f.Add([]byte(seed))
	}
	if data, err := os.ReadFile(filepath.Join(goldenModels, "m01_add_b1_nopad", "config.json")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		_ = c.Validate()
		out, err := c.Marshal()
		if err != nil {
			return // non-finite numbers cannot be written
		}
		again, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(stripRaw(again), stripRaw(c)) {
			t.Fatalf("typed fields changed:\n%+v\n%+v", stripRaw(again), stripRaw(c))
		}
	})
}
