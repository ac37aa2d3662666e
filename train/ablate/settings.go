package ablate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// This file: a cell's fine-tuning settings, the grid's "train" object with a variant's "train"
// object laid over it key by key. The keys are bt fine-tune's flags (dashes as underscores), so
// that a recipe found with bt fine-tune carries over to a grid as it is.

// Settings are the fine-tuning of a cell. Zero values mean "the default" (see defaults); the
// pointer fields distinguish a given 0 from an absent key.
type Settings struct {
	Steps       int      `json:"steps"`                  // optimizer steps (default 200)
	BatchSize   int      `json:"batch_size"`             // examples per micro-batch (default 32, as bt fine-tune)
	GradAccum   int      `json:"grad_accum"`             // micro-batches per optimizer step (default 1)
	TextLen     int      `json:"text_len"`               // tokens per text (0: the longest text of the splits, as bt fine-tune)
	LR          float64  `json:"lr"`                     // base AdamW learning rate (default 1e-4)
	LRMultCross float64  `json:"lr_mult_cross"`          // multiplier of the cross-modal layers (default 5, the original's)
	LRMultHead  float64  `json:"lr_mult_head"`           // multiplier of the task head (default 5)
	WeightDecay *float64 `json:"weight_decay,omitempty"` // AdamW weight decay (default 0.01)
	// Warmup is the linear warm-up: a share of the steps when below 1 (bt fine-tune's --warmup
	// 0.03), else a number of steps (default 0.1).
	Warmup          *float64 `json:"warmup,omitempty"`
	Clip            *float64 `json:"clip,omitempty"`   // global gradient-norm clipping, 0 none (default 1, as bt fine-tune)
	Dropout         bool     `json:"dropout"`          // train with the config's dropout rates (default off, as bt fine-tune)
	EvalEvery       int      `json:"eval_every"`       // steps between val evaluations (0: only at the end)
	EvalBatchSize   int      `json:"eval_batch_size"`  // examples per forward pass of an evaluation (default 64)
	RecallTexts     int      `json:"recall_texts"`     // retrieval: texts ranked for recall@k (default 100)
	CheckpointEvery int      `json:"checkpoint_every"` // default steps/4 (a killed cell loses at most that)
	MinCount        int      `json:"min_count"`        // VQA answers kept (major answer of ≥ N training questions; default 1)
	Workers         int      `json:"workers"`          // data loader goroutines (0: min(4, GOMAXPROCS))
	DType           string   `json:"dtype"`            // "f32" (default) or "f64"
}

func (s *Settings) defaults() {
	if s.Steps <= 0 {
		s.Steps = 200
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 32
	}
	if s.GradAccum <= 0 {
		s.GradAccum = 1
	}
	if s.LR == 0 {
		s.LR = 1e-4
	}
	if s.LRMultCross == 0 {
		s.LRMultCross = 5
	}
	if s.LRMultHead == 0 {
		s.LRMultHead = 5
	}
	if s.WeightDecay == nil {
		s.WeightDecay = ptr(0.01)
	}
	if s.Warmup == nil {
		s.Warmup = ptr(0.1)
	}
	if s.Clip == nil {
		s.Clip = ptr(1.0)
	}
	if s.EvalBatchSize <= 0 {
		s.EvalBatchSize = 64
	}
	if s.CheckpointEvery == 0 {
		s.CheckpointEvery = max(1, s.Steps/4)
	}
	if s.MinCount <= 0 {
		s.MinCount = 1
	}
	if s.DType == "" {
		s.DType = "f32"
	}
}

func ptr(x float64) *float64 { return &x }

// WarmupSteps is the warm-up in optimizer steps: Warmup·Steps (rounded down, as bt fine-tune)
// when Warmup is a share below 1, else Warmup steps.
func (s Settings) WarmupSteps() int {
	if s.Warmup == nil {
		return s.Steps / 10
	}
	if w := *s.Warmup; w < 1 {
		return int(w * float64(s.Steps))
	}
	return int(*s.Warmup)
}

// check refuses settings bt fine-tune would refuse.
func (s Settings) check() error {
	var errs []string
	if !(s.LR > 0) || !(s.LRMultCross > 0) || !(s.LRMultHead > 0) {
		errs = append(errs, fmt.Sprintf("lr %v, lr_mult_cross %v and lr_mult_head %v must be positive", s.LR, s.LRMultCross, s.LRMultHead))
	}
	if w := *s.Warmup; !(w >= 0) || (w >= 1 && (w != math.Trunc(w) || int(w) > s.Steps)) {
		errs = append(errs, fmt.Sprintf("warmup %v: a share of the steps in [0, 1) or a whole number of steps ≤ steps (%d)", w, s.Steps))
	}
	if !(*s.Clip >= 0) || !(*s.WeightDecay >= 0) {
		errs = append(errs, fmt.Sprintf("clip %v and weight_decay %v must be >= 0", *s.Clip, *s.WeightDecay))
	}
	if s.EvalEvery < 0 || s.CheckpointEvery < 0 || s.TextLen < 0 || s.Workers < 0 || s.RecallTexts < 0 {
		errs = append(errs, "eval_every, checkpoint_every, text_len, workers and recall_texts must be >= 0")
	}
	if s.DType != "f32" && s.DType != "f64" {
		errs = append(errs, fmt.Sprintf("dtype %q: want f32 or f64", s.DType))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// ParseSettings reads a grid's "train" object and then each override (a variant's "train"
// object) laid over it key by key; unknown keys are an error. The result has its defaults set.
func ParseSettings(raw json.RawMessage, overrides ...json.RawMessage) (Settings, error) {
	merged := map[string]json.RawMessage{}
	for i, r := range append([]json.RawMessage{raw}, overrides...) {
		if len(bytes.TrimSpace(r)) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r, &m); err != nil {
			what := "grid train settings"
			if i > 0 {
				what = "variant train settings"
			}
			return Settings{}, fmt.Errorf("ablate: %s: %v", what, err)
		}
		for k, v := range m {
			merged[k] = v
		}
	}
	data, _ := json.Marshal(merged)
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("ablate: train settings: %v", err)
	}
	s.defaults()
	if err := s.check(); err != nil {
		return s, fmt.Errorf("ablate: train settings: %w", err)
	}
	return s, nil
}

// CellSettings are the settings of a variant: the grid's "train" with the variant's over it.
func (g *Grid) CellSettings(v Variant) (Settings, error) {
	s, err := ParseSettings(g.Train, v.Train)
	if err != nil {
		return s, fmt.Errorf("%w (variant %s)", err, v.Name)
	}
	return s, nil
}
