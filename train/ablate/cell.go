package ablate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
	"github.com/bridgetower-go/bt/train"
	"github.com/bridgetower-go/bt/train/data"
)

// Settings are a grid's "train" object: the fine-tuning of every cell.
type Settings struct {
	Steps           int     `json:"steps"`            // optimizer steps (default 200)
	BatchSize       int     `json:"batch_size"`       // default 16
	TextLen         int     `json:"text_len"`         // tokens per text (default 16)
	LR              float64 `json:"lr"`               // base AdamW learning rate (default 1e-4)
	WeightDecay     float64 `json:"weight_decay"`     // default 0.01
	Warmup          int     `json:"warmup"`           // linear warm-up steps (default steps/10)
	Clip            float64 `json:"clip"`             // global gradient-norm clipping (0: none)
	CheckpointEvery int     `json:"checkpoint_every"` // default steps/4 (a killed cell loses at most that)
	MinCount        int     `json:"min_count"`        // VQA answers kept (major answer of ≥ N training questions; default 1)
	DType           string  `json:"dtype"`            // "f32" (default) or "f64"
}

func (s *Settings) defaults() {
	if s.Steps <= 0 {
		s.Steps = 200
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 16
	}
	if s.TextLen <= 0 {
		s.TextLen = 16
	}
	if s.LR == 0 {
		s.LR = 1e-4
	}
	if s.WeightDecay == 0 {
		s.WeightDecay = 0.01
	}
	if s.Warmup == 0 {
		s.Warmup = s.Steps / 10
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

// VQATrainer trains a cell on a VQA split with package train from a model directory (config.json,
// weights, tokenizer and preprocessor_config.json, e.g. from bt init): the variant starts from
// the directory's weights (model.LoadForTask: shared parts loaded, new parameters by their
// variant's rule, the VQA head drawn), and is evaluated on the validation split at the end:
// vqa_score (mean VQA score of the arg-max answer) and val_loss (the VQA loss), plus
// train_loss (mean loss of the last tenth of the steps run by this process).
type VQATrainer struct {
	ModelDir   string
	Train, Val string
	Settings   Settings
	Backend    graph.Backend
	Progress   io.Writer // the trainer's progress line (nil: none)
}

// ParseSettings reads a grid's "train" object (unknown fields are an error).
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return s, fmt.Errorf("ablate: grid train settings: %v", err)
		}
	}
	s.defaults()
	return s, nil
}

// hasCheckpoint reports whether a cell directory holds a trainer checkpoint.
func hasCheckpoint(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*", "trainer.json"))
	return len(m) > 0
}

// TrainCell implements CellTrainer.
func (v *VQATrainer) TrainCell(ctx context.Context, cell Cell, cfg *model.Config, dir string) (Outcome, error) {
	s := v.Settings
	s.defaults()
	trainDS, err := data.ReadJSONL(v.Train, data.TaskVQA, data.ReadOptions{})
	if err != nil {
		return Outcome{}, err
	}
	valDS, err := data.ReadJSONL(v.Val, data.TaskVQA, data.ReadOptions{})
	if err != nil {
		return Outcome{}, err
	}
	vocab, err := data.BuildAnswerVocab(trainDS, s.MinCount)
	if err != nil {
		return Outcome{}, err
	}
	tok, err := tokenizer.Load(v.ModelDir)
	if err != nil {
		return Outcome{}, fmt.Errorf("ablate: tokenizer: %w", err)
	}
	img, err := imageproc.LoadConfig(v.ModelDir)
	if err != nil {
		return Outcome{}, fmt.Errorf("ablate: image processor: %w", err)
	}
	cfg.ID2Label, cfg.Label2ID = vocab.ID2Label(), nil
	ext, err := cfg.Extensions()
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	var t *train.Trainer
	if hasCheckpoint(dir) {
		if t, err = train.Resume(v.Backend, dir); err != nil {
			return Outcome{}, err
		}
		out.Resumed = true
	} else {
		w, err := model.OpenWeights(v.ModelDir)
		if err != nil {
			return Outcome{}, err
		}
		defer w.Close()
		heads := []model.Head{model.HeadVQA}
		start, rep, err := model.LoadForTask(cfg, w, heads, cell.Seed)
		if err != nil {
			return Outcome{}, err
		}
		for _, e := range rep.Initialized {
			out.NewParams = append(out.NewParams, e.Name)
		}
		if err := writeFileAtomic(filepath.Join(dir, "load_report.txt"), []byte(rep.String())); err != nil {
			return Outcome{}, err
		}
		answers, _ := json.Marshal(vocab.Labels)
		tc := train.Config{DType: s.DType, Heads: heads, Steps: s.Steps, Warmup: s.Warmup, BatchSize: s.BatchSize, Clip: s.Clip,
			AdamW: train.AdamW{LR: s.LR, WeightDecay: s.WeightDecay}, CheckpointEvery: s.CheckpointEvery, Keep: 1,
			FreezeText: ext.FrozenText, FreezeVision: ext.FrozenVision, Seed: cell.Seed, OutDir: dir}
		if t, err = train.New(v.Backend, cfg, start, tc, map[string][]byte{data.AnswersFile: answers}); err != nil {
			return Outcome{}, err
		}
	}
	t.Progress = v.Progress
	float := graph.F32
	if s.DType == "f64" {
		float = graph.F64
	}
	loader, err := data.NewLoader(trainDS, tok, img, data.LoaderOptions{BatchSize: s.BatchSize, TextLen: s.TextLen, Shuffle: true,
		Seed: cell.Seed, Repeat: true, Labels: vocab, FloatDType: float, ImageSize: cfg.Vision.ImageSize})
	if err != nil {
		return Outcome{}, err
	}
	defer loader.Close()
	sum, err := t.Run(ctx, loader)
	if err != nil {
		return Outcome{}, err
	}
	out.Steps = sum.Steps
	var secs, losses []float64
	for _, r := range t.History() {
		if r.Kind == "step" && !r.Skipped {
			secs = append(secs, r.Seconds)
			losses = append(losses, r.Loss)
		}
	}
	out.StepTime = NewStat(secs).Mean
	out.Metrics = map[string]float64{}
	if n := len(losses); n > 0 {
		out.Metrics["train_loss"] = NewStat(losses[n-max(1, n/10):]).Mean
	}
	weights, err := t.Weights()
	if err != nil {
		return Outcome{}, err
	}
	score, loss, err := evalVQA(ctx, v.Backend, t.ModelConfig(), weights, valDS, tok, img, vocab, s, float)
	if err != nil {
		return Outcome{}, err
	}
	out.Metrics["vqa_score"], out.Metrics["val_loss"] = score, loss
	return out, nil
}

// evalVQA runs the VQA head over a split: the mean VQA score of the arg-max answer and the mean
// VQA loss over the real rows (padding rows masked).
func evalVQA(ctx context.Context, backend graph.Backend, cfg *model.Config, w *model.Weights, ds *data.Dataset, tok *tokenizer.Tokenizer,
	img imageproc.Config, vocab *data.Vocab, s Settings, float graph.DType) (score, loss float64, err error) {
	loader, err := data.NewLoader(ds, tok, img, data.LoaderOptions{BatchSize: s.BatchSize, TextLen: s.TextLen, Labels: vocab,
		FloatDType: float, ImageSize: cfg.Vision.ImageSize, SkipBad: true})
	if err != nil {
		return 0, 0, err
	}
	defer loader.Close()
	dt, _ := graph.ParseDType(s.DType)
	heads := []model.Head{model.HeadVQA}
	m, err := model.Build(cfg, model.BuildOptions{DType: dt, Batch: s.BatchSize, TextLen: s.TextLen, Heads: heads, Losses: heads, RowMask: true})
	if err != nil {
		return 0, 0, err
	}
	bound, err := m.Bind(w)
	if err != nil {
		return 0, 0, err
	}
	r, err := m.Compile(backend, bound, "vqa.logits", "vqa.loss")
	if err != nil {
		return 0, 0, err
	}
	var scoreSum, lossSum float64
	var rows int
	for {
		b, err := loader.NextBatch(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		if b.Rows == 0 {
			continue
		}
		res, err := r.Run(ctx, b.Inputs)
		if err != nil {
			return 0, 0, err
		}
		scores, err := data.VQARowScores(res["vqa.logits"], b.Inputs[model.InputVQATargets], b.Inputs[model.InputRowMask])
		if err != nil {
			return 0, 0, err
		}
		for _, x := range scores {
			if !math.IsNaN(x) {
				scoreSum += x
			}
		}
		lossSum += res["vqa.loss"].Float64s()[0] * float64(b.Rows)
		rows += b.Rows
	}
	if rows == 0 {
		return 0, 0, fmt.Errorf("ablate: validation split %s gave no rows", ds.Path)
	}
	return scoreSum / float64(rows), lossSum / float64(rows), nil
}
