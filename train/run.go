package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// This file: the training loop. Run steps until Config.Steps, logging every step, evaluating and
// checkpointing on schedule; cancellation of ctx (Ctrl-C) saves a checkpoint and returns.

// ErrNonFinite is returned (wrapped) when MaxBadSteps consecutive steps had a non-finite loss
// or gradient norm.
var ErrNonFinite = errors.New("train: non-finite loss or gradient norm")

// Summary describes a finished (or stopped) Run.
type Summary struct {
	Steps       int    // optimizer updates done in total (including before a resume)
	Skipped     int    // steps skipped by the non-finite guard during this Run
	Checkpoint  string // the last checkpoint written ("" if none)
	Interrupted bool   // ctx was cancelled: the state was saved and Run returned early
	EndOfData   bool   // the data ended before Config.Steps
}

// Run trains until Config.Steps optimizer updates are done. Each step is logged to
// OutDir/metrics.jsonl and to Progress; a checkpoint is written every CheckpointEvery steps and
// at the end, and Eval runs every EvalEvery steps and at the end. When ctx is cancelled the
// current step completes, a checkpoint is saved and Run returns ctx's error with the summary.
// At the end the loss and metric curves are drawn to OutDir/curves.png.
func (t *Trainer) Run(ctx context.Context, data Batches) (Summary, error) {
	var sum Summary
	if t.restore {
		if err := data.Restore(t.data); err != nil {
			return sum, fmt.Errorf("train: resume: data position: %w", err)
		}
		t.restore = false
	}
	if t.cfg.OutDir != "" && t.log == nil {
		l, err := openMetrics(t.cfg.OutDir)
		if err != nil {
			return sum, err
		}
		t.log = l
		defer func() { t.log.close(); t.log = nil }()
	}
	prog := newProgress(t.Progress, t.cfg.Steps, t.step)
	save := func() error {
		if t.cfg.OutDir == "" {
			return nil
		}
		dir, err := t.Save()
		if err == nil {
			sum.Checkpoint = dir
		}
		return err
	}
	for t.step < t.cfg.Steps {
		if err := ctx.Err(); err != nil {
			sum.Interrupted = true
			sum.Steps = t.step
			if serr := save(); serr != nil {
				return sum, serr
			}
			return sum, fmt.Errorf("train: stopped after step %d: %w", t.step, err)
		}
		start := time.Now()
		r, err := t.Step(ctx, data)
		if errors.Is(err, io.EOF) {
			sum.EndOfData = true
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				continue // interrupted while reading data: saved above
			}
			return sum, err
		}
		rec := Record{Kind: "step", Step: t.step, Loss: r.Loss, GradNorm: r.GradNorm, LR: r.LRFactor * t.cfg.AdamW.LR,
			Samples: r.Samples, Seconds: time.Since(start).Seconds(), Skipped: r.Skipped}
		if err := t.record(rec); err != nil {
			return sum, err
		}
		prog.step(rec)
		if r.Skipped {
			sum.Skipped++
			if t.bad >= t.cfg.MaxBadSteps {
				sum.Steps = t.step
				return sum, fmt.Errorf("%w in %d consecutive steps (last: loss %v, gradient norm %v); the weights are those after step %d", ErrNonFinite, t.bad, r.Loss, r.GradNorm, t.step)
			}
			continue
		}
		if t.cfg.CheckpointEvery > 0 && t.step%t.cfg.CheckpointEvery == 0 && t.step < t.cfg.Steps {
			if err := save(); err != nil {
				return sum, err
			}
		}
		if t.Eval != nil && t.cfg.EvalEvery > 0 && t.step%t.cfg.EvalEvery == 0 && t.step < t.cfg.Steps {
			if err := t.evaluate(ctx); err != nil {
				return sum, err
			}
		}
	}
	prog.done()
	sum.Steps = t.step
	if t.Eval != nil {
		if err := t.evaluate(ctx); err != nil {
			return sum, err
		}
	}
	if err := save(); err != nil {
		return sum, err
	}
	if t.cfg.OutDir != "" {
		if err := t.Plot(t.cfg.OutDir + "/curves.png"); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (t *Trainer) evaluate(ctx context.Context) error {
	m, err := t.Eval(ctx, t)
	if err != nil {
		return fmt.Errorf("train: evaluation after step %d: %w", t.step, err)
	}
	if err := t.record(Record{Kind: "eval", Step: t.step, Metrics: m}); err != nil {
		return err
	}
	return t.keepBest(m)
}

func (t *Trainer) record(r Record) error {
	t.history = append(t.history, r)
	return t.log.write(r)
}

// History returns the records of this process's runs (steps and evaluations), in order.
func (t *Trainer) History() []Record { return append([]Record(nil), t.history...) }
