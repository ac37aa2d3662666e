package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// Batches is the data side of training (train/data's loader satisfies it). Next returns one
// micro-batch with tensors named by the model's inputs: input_ids int [B T], attention_mask
// [B T], pixel_values float [B C S S], the label inputs of the trained heads (vqa_targets
// [B answers], class_labels [B], itm_labels [B], mlm_labels [B T]) and, when the model takes it,
// row_mask float [B]; io.EOF ends the data. State is an opaque position (taken after the
// batches of each completed step, saved in checkpoints) and Restore returns to it.
type Batches interface {
	Next(ctx context.Context) (map[string]*graph.Tensor, error)
	State() []byte
	Restore(state []byte) error
}

// Config is a fine-tuning run. It is saved in every checkpoint and read back by Resume.
type Config struct {
	DType  string       `json:"dtype"`  // compute dtype: "f32" (default) or "f64"
	Heads  []model.Head `json:"heads"`  // heads built on the backbone
	Losses []model.Head `json:"losses"` // heads whose losses are summed into the loss (default: Heads)
	AdamW  AdamW        `json:"adamw"`

	Steps      int     `json:"steps"`      // optimizer steps of the run (the schedule's length)
	Warmup     int     `json:"warmup"`     // linear warm-up steps (lr factor s/Warmup)
	BatchSize  int     `json:"batch_size"` // samples per micro-batch the loader is asked for (recorded; shapes come from the batches)
	Accumulate int     `json:"accumulate"` // micro-batches per optimizer step (0 or 1: none)
	Clip       float64 `json:"clip"`       // global gradient-norm clipping (0: none)

	FreezeVision bool `json:"freeze_vision"` // vision_model.* is not trained
	FreezeText   bool `json:"freeze_text"`   // text_model.* is not trained

	// Dropout builds the step in training mode (the config's dropout rates, masks drawn from the
	// trainer's RNG); RowMask makes the losses take the batches' row_mask (padding rows of a short
	// last batch and skipped images do not count).
	Dropout bool `json:"dropout,omitempty"`
	RowMask bool `json:"row_mask,omitempty"`

	CheckpointEvery int    `json:"checkpoint_every"`    // steps between checkpoints (0: only at the end)
	Keep            int    `json:"keep"`                // checkpoints kept (0: all)
	MaxBadSteps     int    `json:"max_bad_steps"`       // consecutive non-finite steps that stop the run (0: 5)
	EvalEvery       int    `json:"eval_every"`          // steps between evaluations (0: only at the end)
	KeepBest        string `json:"keep_best,omitempty"` // metric of Eval whose best value's model is kept in OutDir/best ("": none)
	Seed            uint64 `json:"seed"`                // seed of the trainer's RNG
	OutDir          string `json:"out_dir"`             // checkpoints, metrics.jsonl, curves.png
}

func (c *Config) normalize() error {
	if c.DType == "" {
		c.DType = "f32"
	}
	if len(c.Losses) == 0 {
		c.Losses = append([]model.Head(nil), c.Heads...)
	}
	if c.Accumulate < 1 {
		c.Accumulate = 1
	}
	if c.MaxBadSteps <= 0 {
		c.MaxBadSteps = 5
	}
	c.AdamW = c.AdamW.withDefaults()
	switch {
	case c.Steps < 1:
		return fmt.Errorf("train: steps %d must be positive", c.Steps)
	case c.Warmup < 0 || c.Warmup > c.Steps:
		return fmt.Errorf("train: warmup %d must be in 0..steps (%d)", c.Warmup, c.Steps)
	case !(c.Clip >= 0):
		return fmt.Errorf("train: clip %v must be >= 0", c.Clip)
	case c.CheckpointEvery < 0 || c.Keep < 0 || c.EvalEvery < 0:
		return fmt.Errorf("train: checkpoint_every %d, keep %d and eval_every %d must be >= 0", c.CheckpointEvery, c.Keep, c.EvalEvery)
	}
	return c.AdamW.check()
}

func (c *Config) buildOptions() (model.BuildOptions, error) {
	dt, err := graph.ParseDType(c.DType)
	if err != nil || (dt != graph.F32 && dt != graph.F64) {
		return model.BuildOptions{}, fmt.Errorf("train: dtype %q: want f32 or f64", c.DType)
	}
	return model.BuildOptions{DType: dt, Heads: c.Heads, Losses: c.Losses, Training: c.Dropout, DropoutSeed: c.Seed, RowMask: c.RowMask}, nil
}

// moments is the AdamW state of one parameter.
type moments struct{ m, v *graph.Tensor }

// Trainer fine-tunes one model. Weights, gradient accumulators and AdamW moments are held once,
// in the compute dtype, and updated in place by the compiled steps.
type Trainer struct {
	cfg     Config
	mcfg    *model.Config
	backend graph.Backend
	params  map[string]*graph.Tensor // every weight of the checkpoint (canonical names), owned
	groups  map[string]string        // parameter name -> model.Group*
	moms    map[string]*moments      // trained parameters only
	accs    map[string]*graph.Tensor // gradient accumulators (Accumulate > 1)
	steps   map[shapeKey]*compiled
	step    int // optimizer updates done (= the schedule position)
	rng     *rand.PCG
	bad     int    // consecutive non-finite steps
	data    []byte // data position after the last completed step
	restore bool   // Run first restores data to the saved position (after Resume)
	files   map[string][]byte
	log     *metricsLog
	history []Record
	best    *Best // the best evaluation by KeepBest so far

	// Eval, when set, is called every EvalEvery steps and at the end; its metrics are logged.
	Eval func(ctx context.Context, t *Trainer) (map[string]float64, error)
	// Progress receives a one-line status per step (loss, lr, samples/s, ETA); New sets it to
	// TerminalProgress() (stderr when it is a terminal, else nil: no display).
	Progress io.Writer
}

// New prepares a run from weights (converted to the compute dtype and copied: a memory-mapped
// checkpoint may be closed afterwards). files are written into every checkpoint as they are
// (e.g. "answers.json", the answer vocabulary of a VQA run).
func New(backend graph.Backend, mcfg *model.Config, w *model.Weights, cfg Config, files map[string][]byte) (*Trainer, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	opts, err := cfg.buildOptions()
	if err != nil {
		return nil, err
	}
	if err := w.Check(mcfg); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	infos, err := model.ParamInfos(mcfg)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := headsPresent(w, infos, cfg.Heads); err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, mcfg: mcfg, backend: backend, params: map[string]*graph.Tensor{}, groups: map[string]string{},
		moms: map[string]*moments{}, accs: map[string]*graph.Tensor{}, steps: map[shapeKey]*compiled{},
		rng: rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15), files: map[string][]byte{}, Progress: TerminalProgress()}
	for name, data := range files {
		t.files[name] = append([]byte(nil), data...)
	}
	for _, p := range infos {
		t.groups[p.Name] = p.Group
		src := w.Tensor(p.Name)
		if src == nil {
			continue
		}
		view := &graph.Tensor{DType: src.DType, Shape: p.Shape.Clone(), Data: src.Data}
		x, err := graph.Convert(view, opts.DType)
		if err != nil {
			return nil, fmt.Errorf("train: weight %s: %w", p.Name, err)
		}
		if x == view { // same dtype: Convert returned the view of the caller's (maybe mapped) memory
			x = x.Clone()
		}
		t.params[p.Name] = x
	}
	return t, nil
}

// headsPresent reports a head of the run that the weights lack. With Weights.Check (a complete
// backbone, each head whole or absent) this is the rule model.LoadForTask's result satisfies.
func headsPresent(w *model.Weights, infos []model.ParamInfo, heads []model.Head) error {
	for _, h := range heads {
		g, found := model.HeadGroup(h), false
		for _, p := range infos {
			if p.Group == g && w.Has(p.Name) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("train: the weights have no parameters of the %s head (group %q): start from model.LoadForTask, which initialises them", h, g)
		}
	}
	return nil
}

// Config returns the run's configuration (defaults filled in).
func (t *Trainer) Config() Config { return t.cfg }

// ModelConfig is the model's configuration.
func (t *Trainer) ModelConfig() *model.Config { return t.mcfg }

// StepCount is the number of optimizer updates done.
func (t *Trainer) StepCount() int { return t.step }

// Weight returns the current value of a parameter (the trainer's own tensor: do not modify).
func (t *Trainer) Weight(name string) *graph.Tensor { return t.params[name] }

// Moments returns the AdamW moments of a trained parameter (nil, nil for one never trained).
func (t *Trainer) Moments(name string) (expAvg, expAvgSq *graph.Tensor) {
	if s := t.moms[name]; s != nil {
		return s.m, s.v
	}
	return nil, nil
}

// Weights returns the current weights for evaluation or export (they share the trainer's memory
// and change with the next step).
func (t *Trainer) Weights() (*model.Weights, error) {
	w, err := model.NewWeights(t.params)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return w, nil
}

func (t *Trainer) frozen(name string) bool {
	g := t.groups[name]
	return (t.cfg.FreezeVision && g == model.GroupVision) || (t.cfg.FreezeText && g == model.GroupText)
}

func (t *Trainer) state(name string) *moments {
	s := t.moms[name]
	if s == nil {
		p := t.params[name]
		s = &moments{m: t.backend.Alloc(p.DType, p.Shape), v: t.backend.Alloc(p.DType, p.Shape)}
		t.moms[name] = s
	}
	return s
}

func (t *Trainer) accumulator(name string) *graph.Tensor {
	a := t.accs[name]
	if a == nil {
		p := t.params[name]
		a = t.backend.Alloc(p.DType, p.Shape)
		t.accs[name] = a
	}
	return a
}

func (t *Trainer) compiled(k shapeKey) (*compiled, error) {
	if c := t.steps[k]; c != nil {
		return c, nil
	}
	c, err := t.compile(k)
	if err != nil {
		return nil, err
	}
	t.steps[k] = c
	return c, nil
}

// StepResult describes one optimizer step.
type StepResult struct {
	Step     int     // the schedule position it used (0-based)
	Loss     float64 // mean loss of its micro-batches, before the update
	GradNorm float64 // global gradient norm before clipping
	LRFactor float64 // schedule multiplier
	Samples  int     // samples in its micro-batches
	Skipped  bool    // non-finite loss or norm: nothing was updated
}

// Step reads Accumulate micro-batches and performs one optimizer step (or skips it when the
// loss or gradient norm is not finite). io.EOF from the data is returned as is.
func (t *Trainer) Step(ctx context.Context, data Batches) (r StepResult, err error) {
	defer func() {
		for _, a := range t.accs { // an accumulation is never carried past its step
			zero(a)
		}
	}()
	r = StepResult{Step: t.step, LRFactor: LRFactor(t.step, t.cfg.Warmup, t.cfg.Steps)}
	lossSum, accBefore := 0.0, 0.0
	for i := 0; i < t.cfg.Accumulate; i++ {
		b, err := data.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return r, err
			}
			return r, fmt.Errorf("train: data: %w", err)
		}
		ids := b[model.InputIDs]
		if ids == nil || ids.Shape.Rank() != 2 {
			return r, fmt.Errorf("train: batch: input %s is missing or not [B T]", model.InputIDs)
		}
		k := shapeKey{batch: ids.Shape[0], textLen: ids.Shape[1], accumulate: i < t.cfg.Accumulate-1}
		c, err := t.compiled(k)
		if err != nil {
			return r, err
		}
		scalars := map[string]float64{inLRFactor: r.LRFactor, inStep: float64(t.step + 1), inLossAcc: lossSum}
		accBefore = lossSum
		l, n, err := c.run(ctx, b, scalars, func() int64 { return int64(t.rng.Uint64() >> 1) })
		if err != nil {
			return r, err
		}
		lossSum += l
		r.Samples += k.batch
		if !k.accumulate {
			r.GradNorm = n
			// The graph's guard, recomputed: |loss + norm (+ earlier losses)| < +Inf.
			check := l + n
			if t.cfg.Accumulate > 1 {
				check += accBefore
			}
			r.Skipped = !(math.Abs(check) < math.Inf(1))
		}
	}
	r.Loss = lossSum / float64(t.cfg.Accumulate)
	if r.Skipped {
		t.bad++
	} else {
		t.bad = 0
		t.step++
	}
	t.data = data.State()
	return r, nil
}

// sortedNames returns the keys of a tensor map, sorted.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
