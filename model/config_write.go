package model

import (
	"encoding/json"
	"fmt"
	"github.com/bridgetower-go/bt/internal/atomicfile"
	"math"
	"strconv"
)

// Marshal encodes the config as HF writes it: keys sorted, two-space indent, every typed field
// present, every other field read by ParseConfig kept as it was. num_labels is dropped (HF turns
// it into id2label).
func (c *Config) Marshal() ([]byte, error) {
	top := overlay(c.raw, c.fields())
	delete(top, "num_labels")
	if c.ContrastiveHiddenSize == 0 && c.raw["contrastive_hidden_size"] == nil {
		delete(top, "contrastive_hidden_size")
	}
	if c.LogitScaleInitValue == 0 && c.raw["logit_scale_init_value"] == nil {
		delete(top, "logit_scale_init_value")
	}
	labels := make(map[string]string, len(c.ID2Label))
	for k, v := range c.ID2Label {
		labels[strconv.Itoa(k)] = v
	}
	top["id2label"] = mustJSON(labels)
	top["label2id"] = mustJSON(c.Label2ID)
	if _, ok := top["model_type"]; !ok {
		top["model_type"] = mustJSON("bridgetower")
	}
	text := overlay(c.Text.raw, c.Text.fields())
	if _, ok := text["model_type"]; !ok {
		text["model_type"] = mustJSON("bridgetower_text_model")
	}
	vision := overlay(c.Vision.raw, c.Vision.fields())
	if _, ok := vision["model_type"]; !ok {
		vision["model_type"] = mustJSON("bridgetower_vision_model")
	}
	top["text_config"] = mustJSON(text)
	top["vision_config"] = mustJSON(vision)
	for _, f := range []float64{c.InitializerFactor, c.LayerNormEps, c.LogitScaleInitValue, c.Text.LayerNormEps,
		c.Text.InitializerFactor, c.Text.HiddenDropoutProb, c.Text.AttentionProbsDropoutProb, c.Vision.LayerNormEps, c.Vision.InitializerFactor} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("config: cannot encode the non-finite number %v in JSON", f)
		}
	}
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	return append(out, '\n'), nil
}

// overlay copies raw and sets every typed field on top of it.
func overlay(raw map[string]json.RawMessage, fs []field) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(raw)+len(fs))
	for k, v := range raw {
		out[k] = v
	}
	for _, f := range fs {
		out[f.key] = mustJSON(f.ptr)
	}
	return out
}

// mustJSON encodes values that always encode (numbers checked finite by Marshal, strings, maps).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// SaveConfig writes the config to path through a temporary file in the same directory.
func (c *Config) SaveConfig(path string) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// writeFileAtomic is atomicfile.Write with the package's error prefix.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
