package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/train/data"
)

// This file: evaluation of a model on a task's split (during fine-tuning and by bt eval).
//
// Metrics (keys of EvalResult.Metrics):
//
//	vqa             vqa_score (mean soft score of the arg-max answer), vqa_score.<type>,
//	                accuracy (arg-max = the major answer), loss (the head's BCE loss), n
//	classification  accuracy, loss, n
//	retrieval       itm_accuracy on the split's pairs with sampled negatives (half the rows on
//	                average; itm_positive_share is the share of matching pairs), loss, n, and recall@1/5/10 both ways (ir_r1 … tr_r10) ranking every image-text
//	                pair of the first EvalOptions.RecallTexts texts by the ITM head's match logit

// EvalOptions configure Evaluate.
type EvalOptions struct {
	BatchSize int         // rows per forward pass (default 32)
	TextLen   int         // T of the batches (required)
	Workers   int         // loader goroutines (0: the loader's default)
	Labels    *data.Vocab // VQA answers / classification labels (the model's id2label)
	DType     graph.DType // compute dtype (F32 default)
	// RecallTexts caps the texts ranked for retrieval recall (every pair of them with every
	// image of those texts is scored: quadratic); 0 = 100.
	RecallTexts int
	Seed        uint64 // negatives of the retrieval ITM accuracy
}

// Prediction is the model's answer for one row of the evaluated split.
type Prediction struct {
	Source   string  `json:"source"` // file:line of the row
	Image    string  `json:"image"`
	Text     string  `json:"text"`
	Type     string  `json:"type,omitempty"`
	Pred     string  `json:"prediction"`
	Expected string  `json:"expected,omitempty"` // VQA: the major answer; classification: the label
	Score    float64 `json:"score"`              // VQA: soft score of the prediction; else 1 if correct
}

// EvalResult holds the metrics and the per-row predictions of an evaluation.
type EvalResult struct {
	Metrics     map[string]float64
	Predictions []Prediction
}

// Evaluate runs the model (cfg, w) on every row of ds with the task's head and computes the
// task's metrics (see the file comment).
func Evaluate(ctx context.Context, backend graph.Backend, cfg *model.Config, w *model.Weights, ds *data.Dataset, enc data.Encoder, img imageproc.Config, opt EvalOptions) (*EvalResult, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 32
	}
	if opt.TextLen <= 0 {
		return nil, fmt.Errorf("train: evaluate: text length %d", opt.TextLen)
	}
	head, err := TaskHead(ds.Task)
	if err != nil {
		return nil, err
	}
	if err := CheckLabels(cfg, opt.Labels); err != nil && ds.Task != data.TaskRetrieval {
		return nil, err
	}
	res := &EvalResult{Metrics: map[string]float64{}}
	lopt := data.LoaderOptions{BatchSize: opt.BatchSize, TextLen: opt.TextLen, Workers: opt.Workers, Labels: opt.Labels,
		FloatDType: opt.DType, ImageSize: cfg.Vision.ImageSize, Seed: opt.Seed}
	if ds.Task == data.TaskRetrieval {
		lopt.ITMNegatives = 0.5
	}
	if err := evalPass(ctx, backend, cfg, w, ds, enc, img, lopt, head, res); err != nil {
		return nil, err
	}
	if ds.Task == data.TaskRetrieval {
		if err := evalRecall(ctx, backend, cfg, w, ds, enc, img, lopt, opt.RecallTexts, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// evalRunner compiles the head's logits and loss for one batch shape.
func evalRunner(backend graph.Backend, cfg *model.Config, w *model.Weights, head model.Head, dt graph.DType, b, t int, loss bool) (*model.Runner, error) {
	opts := model.BuildOptions{DType: dt, Batch: b, TextLen: t, Heads: []model.Head{head}, RowMask: true}
	outs := []string{string(head) + ".logits"}
	if loss {
		opts.Losses = opts.Heads
		outs = append(outs, string(head)+".loss")
	}
	m, err := model.Build(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("train: evaluate: %w", err)
	}
	bound, err := m.Bind(w)
	if err != nil {
		return nil, fmt.Errorf("train: evaluate: %w", err)
	}
	r, err := m.Compile(backend, bound, outs...)
	if err != nil {
		return nil, fmt.Errorf("train: evaluate: %w", err)
	}
	return r, nil
}

// evalPass runs every row once and fills the per-task metrics and predictions.
func evalPass(ctx context.Context, backend graph.Backend, cfg *model.Config, w *model.Weights, ds *data.Dataset, enc data.Encoder, img imageproc.Config, lopt data.LoaderOptions, head model.Head, res *EvalResult) error {
	l, err := data.NewLoader(ds, enc, img, lopt)
	if err != nil {
		return fmt.Errorf("train: evaluate: %w", err)
	}
	defer l.Close()
	r, err := evalRunner(backend, cfg, w, head, lopt.FloatDType, lopt.BatchSize, lopt.TextLen, true)
	if err != nil {
		return err
	}
	var meter data.Meter
	lossSum, rows, correct, positives := 0.0, 0, 0, 0
	labels := lopt.Labels
	for {
		b, err := l.NextBatch(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("train: evaluate: %w", err)
		}
		out, err := r.Run(ctx, b.Inputs)
		if err != nil {
			return fmt.Errorf("train: evaluate: %w", err)
		}
		logits := out[string(head)+".logits"]
		lossSum += out[string(head)+".loss"].Float64s()[0] * float64(b.Rows)
		rows += b.Rows
		pred, err := data.Argmax(logits)
		if err != nil {
			return err
		}
		mask := b.Inputs[data.RowMask].Float64s()
		var scores []float64
		if head == model.HeadVQA {
			if scores, err = data.VQARowScores(logits, b.Inputs[data.InputVQATargets], b.Inputs[data.RowMask]); err != nil {
				return err
			}
			meter.AddBatch(scores, b, ds)
		}
		for i, idx := range b.Examples {
			if idx < 0 || mask[i] == 0 {
				continue
			}
			e := &ds.Examples[idx]
			p := Prediction{Source: e.Source, Image: e.Image, Text: e.Text, Type: e.Type}
			switch head {
			case model.HeadVQA:
				p.Pred, p.Expected, p.Score = labels.Labels[pred[i]], e.MajorAnswer(), scores[i]
			case model.HeadClassifier:
				p.Pred, p.Expected = labels.Labels[pred[i]], e.Label
			case model.HeadITM:
				t := b.Texts[i]
				p.Text = ds.Examples[t].Text
				label := int64(b.Inputs[data.InputITMLabels].Float64s()[i])
				p.Pred, p.Expected = itmName(int64(pred[i])), itmName(label)
				positives += int(label)
			}
			if p.Pred == p.Expected {
				correct++
				if head != model.HeadVQA {
					p.Score = 1
				}
			}
			res.Predictions = append(res.Predictions, p)
		}
	}
	if rows == 0 {
		return fmt.Errorf("train: evaluate: %s has no rows to evaluate", ds.Path)
	}
	m := res.Metrics
	m["n"] = float64(rows)
	m["loss"] = lossSum / float64(rows)
	acc := float64(correct) / float64(rows)
	switch head {
	case model.HeadVQA:
		m["vqa_score"] = meter.Mean()
		m["accuracy"] = acc
		for _, t := range meter.Types() {
			v, _ := meter.TypeMean(t)
			m[metricKey("vqa_score", t)] = v
		}
	case model.HeadClassifier:
		m["accuracy"] = acc
	case model.HeadITM:
		m["itm_accuracy"] = acc
		m["itm_positive_share"] = float64(positives) / float64(rows)
	}
	return nil
}

func itmName(label int64) string {
	if label == 1 {
		return "match"
	}
	return "mismatch"
}

// evalRecall scores every (image, text) pair of the first n texts with the ITM head's match
// logit minus its mismatch logit and computes recall@1/5/10 both ways.
func evalRecall(ctx context.Context, backend graph.Backend, cfg *model.Config, w *model.Weights, ds *data.Dataset, enc data.Encoder, img imageproc.Config, lopt data.LoaderOptions, n int, res *EvalResult) error {
	if n <= 0 {
		n = 100
	}
	sub := &data.Dataset{Task: ds.Task, Path: ds.Path, Examples: ds.Examples[:min(n, len(ds.Examples))]}
	pairs, images, textImage := data.RetrievalPairs(sub)
	lopt.ITMNegatives, lopt.Shuffle = 0, false
	l, err := data.NewLoader(pairs, enc, img, lopt)
	if err != nil {
		return fmt.Errorf("train: evaluate: %w", err)
	}
	defer l.Close()
	r, err := evalRunner(backend, cfg, w, model.HeadITM, lopt.FloatDType, lopt.BatchSize, lopt.TextLen, false)
	if err != nil {
		return err
	}
	sim := make([]float64, len(pairs.Examples))
	for i := range sim {
		sim[i] = math.NaN()
	}
	for {
		b, err := l.NextBatch(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("train: evaluate: %w", err)
		}
		out, err := r.Run(ctx, b.Inputs)
		if err != nil {
			return fmt.Errorf("train: evaluate: %w", err)
		}
		lg := out["itm.logits"].Float64s()
		for i, idx := range b.Examples {
			if idx >= 0 {
				sim[idx] = lg[2*i+1] - lg[2*i]
			}
		}
	}
	rec, err := data.RetrievalRecall(sim, len(images), len(sub.Examples), textImage, 1, 5, 10)
	if err != nil {
		return err
	}
	ks := make([]int, 0, 3)
	for k := range rec.TextToImage {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	for _, k := range ks {
		res.Metrics[fmt.Sprintf("ir_r%d", k)] = rec.TextToImage[k]
		res.Metrics[fmt.Sprintf("tr_r%d", k)] = rec.ImageToText[k]
	}
	res.Metrics["recall_texts"] = float64(len(sub.Examples))
	return nil
}
