package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/train"
)

// This file: the model cases, the eval forward (ITM + MLM heads, all outputs) and a compiled
// training step (ITM + MLM losses, AdamW, clipping) on randomly initialised weights.

var benchHeads = []model.Head{model.HeadITM, model.HeadMLM}

// initWeights draws the backbone and the ITM and MLM heads, or opens WeightsFile (drawing only
// the heads it lacks).
func (o *Options) initWeights(cfg *model.Config) (*model.Weights, time.Duration, error) {
	msg := "bench: drawing random weights"
	if o.WeightsFile != "" {
		msg = "bench: opening " + o.WeightsFile
	}
	sp := progress.Start(o.Progress, msg)
	defer sp.Stop()
	t0 := time.Now()
	if o.WeightsFile == "" {
		w, err := model.InitWeights(cfg, o.Seed, model.GroupText, model.GroupVision, model.GroupCross, model.GroupITM, model.GroupMLM)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: %w", err)
		}
		return w, time.Since(t0), nil
	}
	ck, err := model.OpenWeights(o.WeightsFile)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: %w", err)
	}
	w, _, err := model.LoadForTask(cfg, ck, benchHeads, o.Seed)
	if err != nil {
		ck.Close()
		return nil, 0, fmt.Errorf("bench: %s: %w", o.WeightsFile, err)
	}
	return w, time.Since(t0), nil
}

func (o *Options) forward(ctx context.Context, cfg *model.Config, resets *bool) ([]Case, error) {
	startCase(resets)
	w, load, err := o.initWeights(cfg)
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, b := range o.Batches {
		c := Case{Name: fmt.Sprintf("forward_b%d", b), Kind: KindForward, Batch: b, TextLen: o.TextLen,
			ImageSize: cfg.Vision.ImageSize, LoadMS: ms(load), Unit: "samples/s", Note: "eval forward, ITM + MLM heads, all outputs, " + o.weightsNote()}
		sp := progress.Start(o.Progress, fmt.Sprintf("bench: compiling forward at batch %d", b))
		t0 := time.Now()
		m, err := model.Build(cfg, model.BuildOptions{Batch: b, TextLen: o.TextLen, Heads: benchHeads})
		if err != nil {
			sp.Stop()
			return nil, fmt.Errorf("bench: %w", err)
		}
		bound, err := m.Bind(w)
		if err != nil {
			sp.Stop()
			return nil, fmt.Errorf("bench: %w", err)
		}
		r, err := m.Compile(o.Backend, bound)
		c.CompileMS = ms(time.Since(t0))
		sp.Stop()
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		var outs []*graph.Node
		for _, name := range m.OutputNames() {
			outs = append(outs, m.Outputs[name])
		}
		flops, err := GEMMFlops(outs...)
		if err != nil {
			return nil, err
		}
		c.GFLOP = float64(flops) / 1e9
		in := randomBatch(o.Seed, b, o.TextLen, cfg, false)
		first, runs, cpu, err := o.timeRuns(ctx, c.Name, func() error {
			_, err := r.Run(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		finish(&c, first, runs, cpu, float64(b), *resets)
		out = append(out, c)
		r, m, bound = nil, nil, nil
		startCase(resets)
	}
	return out, nil
}

func (o *Options) train(ctx context.Context, cfg *model.Config, resets *bool) (Case, error) {
	startCase(resets)
	b := o.TrainBatch
	c := Case{Name: fmt.Sprintf("train_b%d", b), Kind: KindTrain, Batch: b, TextLen: o.TextLen,
		ImageSize: cfg.Vision.ImageSize, Unit: "samples/s", Note: "ITM + MLM loss, gradient, clipping, AdamW, in place"}
	flops, err := trainFlops(cfg, b, o.TextLen)
	if err != nil {
		return c, err
	}
	c.GFLOP = float64(flops) / 1e9
	w, _, err := o.initWeights(cfg)
	if err != nil {
		return c, err
	}
	t0 := time.Now()
	tr, err := train.New(o.Backend, cfg, w, train.Config{Heads: benchHeads, AdamW: train.AdamW{LR: 1e-5, WeightDecay: 0.01},
		Steps: 1 << 30, Warmup: 1, Clip: 1, Seed: o.Seed}, nil)
	if err != nil {
		return c, fmt.Errorf("bench: %w", err)
	}
	c.LoadMS = ms(time.Since(t0))
	tr.Progress = nil
	w = nil
	data := &fixedBatches{batch: randomBatch(o.Seed, b, o.TextLen, cfg, true)}
	first, runs, cpu, err := o.timeRuns(ctx, c.Name, func() error {
		r, err := tr.Step(ctx, data)
		if err == nil && r.Skipped {
			err = fmt.Errorf("the step was skipped (non-finite loss %v)", r.Loss)
		}
		return err
	})
	if err != nil {
		return c, err
	}
	finish(&c, first, runs, cpu, float64(b), *resets)
	if d := c.FirstMS - c.Median; d > 0 {
		c.CompileMS = d // an estimate: on a loaded machine the steps' times vary more than this
	}
	return c, nil
}

// trainFlops counts the GEMMs of what the trainer's step computes with matrix products: the
// summed ITM + MLM loss and its gradient with respect to every parameter it reaches (the norm,
// clipping and AdamW that follow have none).
func trainFlops(cfg *model.Config, batch, textLen int) (int64, error) {
	m, err := model.Build(cfg, model.BuildOptions{Batch: batch, TextLen: textLen, Heads: benchHeads, Losses: benchHeads})
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	var loss *graph.Node
	for _, name := range m.OutputNames() {
		if strings.HasSuffix(name, ".loss") {
			if loss == nil {
				loss = m.Outputs[name]
			} else {
				loss = graph.Add(loss, m.Outputs[name])
			}
		}
	}
	if loss == nil {
		return 0, fmt.Errorf("bench: the training graph has no loss")
	}
	reach := graph.Reachable(m.Graph, loss)
	var ps []*graph.Node
	for _, name := range m.ParamNames() {
		if p := m.Params[name]; reach[p.ID()] {
			ps = append(ps, p)
		}
	}
	outs := append([]*graph.Node{loss}, graph.Gradient(loss, ps...)...)
	if err := m.Graph.Err(); err != nil {
		return 0, fmt.Errorf("bench: gradient: %w", err)
	}
	return GEMMFlops(outs...)
}

// randomBatch is a batch of b rows of t tokens (bos, random tokens, eos; no padding) and random
// normal pixels; with labels, ITM labels and MLM labels on about a third of the tokens.
func randomBatch(seed uint64, b, t int, cfg *model.Config, labels bool) map[string]*graph.Tensor {
	rng := rand.New(rand.NewPCG(seed, 7))
	v := cfg.Text.VocabSize
	ids, mlm, itm := make([]int64, b*t), make([]int64, b*t), make([]int64, b)
	for row := 0; row < b; row++ {
		for j := 0; j < t; j++ {
			k := row*t + j
			mlm[k] = -100
			switch j {
			case 0:
				ids[k] = 0
			case t - 1:
				ids[k] = 2
			default:
				ids[k] = int64(3 + rng.IntN(v-3))
				if rng.IntN(3) == 0 || j == 1 {
					mlm[k] = int64(3 + rng.IntN(v-3))
				}
			}
		}
		itm[row] = int64(rng.IntN(2))
	}
	s := cfg.Vision.ImageSize
	px := make([]float32, b*3*s*s)
	for i := range px {
		px[i] = float32(rng.NormFloat64())
	}
	in := map[string]*graph.Tensor{
		model.InputIDs:    graph.FromInt64(graph.Shape{b, t}, ids),
		model.InputPixels: graph.FromFloat32(graph.Shape{b, 3, s, s}, px),
	}
	if labels {
		in[model.InputITMLabels] = graph.FromInt64(graph.Shape{b}, itm)
		in[model.InputMLMLabels] = graph.FromInt64(graph.Shape{b, t}, mlm)
	}
	return in
}

// fixedBatches serves the same batch every step (train.Batches).
type fixedBatches struct{ batch map[string]*graph.Tensor }

func (f *fixedBatches) Next(context.Context) (map[string]*graph.Tensor, error) { return f.batch, nil }
func (f *fixedBatches) State() []byte                                          { return nil }
func (f *fixedBatches) Restore([]byte) error                                   { return nil }

// weightsNote says where the weights come from.
func (o *Options) weightsNote() string {
	if o.WeightsFile != "" {
		return "weights opened from " + o.WeightsFile + " (load = open + map; pages are read during the first run)"
	}
	return "random weights (load = drawing them)"
}
