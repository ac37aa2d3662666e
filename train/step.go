package train

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// This file: the compiled training step. One executable per batch shape computes the loss, its
// gradient (graph.Gradient), the global gradient norm, the clipped AdamW update and a finite-loss
// guard; the updated parameters and moments replace the old ones in place where the backend can
// donate args (cpu.Backend.CompileDonating), else they are copied back after the run.

// Names of the inputs the trainer adds to the model graph.
const (
	inLRFactor = "train.lr_factor"   // [] schedule multiplier of this step
	inStep     = "train.step"        // [] AdamW step count, from 1
	inLossAcc  = "train.loss_acc"    // [] sum of the earlier micro-batch losses of this step
	preExpAvg  = "train.exp_avg."    // + param name: first moment
	preExpSq   = "train.exp_avg_sq." // + param name: second moment
	preGradAcc = "train.grad_acc."   // + param name: gradient accumulated over earlier micro-batches
)

// donatingBackend is a backend that can compute outputs into the memory of args (cpu.Backend).
type donatingBackend interface {
	CompileDonating(g *graph.Graph, outputs []*graph.Node, donate []int) (graph.Executable, error)
}

// shapeKey selects a compiled step: batch shape, and whether it is an accumulating micro-step
// (gradient added into the accumulators, no update) or the updating one.
type shapeKey struct {
	batch, textLen int
	accumulate     bool
}

// compiled is one executable with its argument plan.
type compiled struct {
	model     *model.Model
	exe       graph.Executable
	args      []*graph.Tensor // bound state (params, moments, accumulators); inputs filled per run
	inputAt   map[string]int  // batch input name -> arg index
	scalarAt  map[string]int  // trainer scalar input name -> arg index
	randAt    []int           // I64 scalar inputs the batch does not give (dropout steps): drawn from the RNG
	trainable []string        // parameters updated (or accumulated) by this step, sorted
	copyBack  map[int]*graph.Tensor
	inPlace   bool // every updated tensor is written in place by the backend
	hasNorm   bool // output 1 is the gradient norm (the updating step)
}

// lossNode sums the model's loss outputs (name order: itm.loss + mlm.loss, ...).
func lossNode(m *model.Model) (*graph.Node, error) {
	var loss *graph.Node
	for _, name := range m.OutputNames() {
		if !strings.HasSuffix(name, ".loss") {
			continue
		}
		if loss == nil {
			loss = m.Outputs[name]
		} else {
			loss = graph.Add(loss, m.Outputs[name])
		}
	}
	if loss == nil {
		return nil, fmt.Errorf("train: the model has no loss output (BuildOptions.Losses is empty)")
	}
	return loss, nil
}

// compile builds and compiles the step for one key.
func (t *Trainer) compile(k shapeKey) (*compiled, error) {
	opts, err := t.cfg.buildOptions()
	if err != nil {
		return nil, err
	}
	opts.Batch, opts.TextLen = k.batch, k.textLen
	m, err := model.Build(t.mcfg, opts)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	g, dt := m.Graph, opts.DType
	loss, err := lossNode(m)
	if err != nil {
		return nil, err
	}
	reach := graph.Reachable(g, loss)
	c := &compiled{model: m, inputAt: map[string]int{}, scalarAt: map[string]int{}}
	var ps []*graph.Node
	for _, name := range m.ParamNames() {
		p := m.Params[name]
		if reach[p.ID()] && !t.frozen(name) {
			c.trainable = append(c.trainable, name)
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("train: no parameter is trained (all frozen or unreached by the loss)")
	}
	grads := graph.Gradient(loss, ps...)
	outs := []*graph.Node{loss}
	var targets []*graph.Node // per output after the loss: the arg node it replaces (nil: none)
	accumulating := t.cfg.Accumulate > 1
	if accumulating {
		for i, name := range c.trainable {
			acc := g.Input(preGradAcc+name, dt, ps[i].Shape())
			if k.accumulate {
				outs = append(outs, graph.Add(acc, grads[i]))
				targets = append(targets, acc)
				continue
			}
			grads[i] = graph.MulScalar(graph.Add(acc, grads[i]), 1/float64(t.cfg.Accumulate))
		}
	}
	if !k.accumulate {
		c.hasNorm = true
		norm, upd, tgt := t.update(g, dt, loss, accumulating, c.trainable, ps, grads)
		outs = append(outs, norm)
		targets = append(targets, nil)
		outs = append(outs, upd...)
		targets = append(targets, tgt...)
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("train: building the step: %w", err)
	}
	argIndex := map[*graph.Node]int{}
	for i, a := range g.Args() {
		argIndex[a] = i
	}
	donate := []int{-1}
	for _, tg := range targets {
		if tg == nil {
			donate = append(donate, -1)
		} else {
			donate = append(donate, argIndex[tg])
		}
	}
	if db, ok := t.backend.(donatingBackend); ok {
		c.exe, err = db.CompileDonating(g, outs, donate)
		if err == nil {
			c.inPlace = true
			if ip, ok := c.exe.(interface{ InPlace() []bool }); ok {
				for i, in := range ip.InPlace() {
					c.inPlace = c.inPlace && (in || donate[i] < 0)
				}
			}
		}
	} else {
		c.exe, err = t.backend.Compile(g, outs...)
		c.copyBack = map[int]*graph.Tensor{}
	}
	if err != nil {
		return nil, fmt.Errorf("train: compile: %w", err)
	}
	if err := c.bindState(t, g, reach, outs, donate); err != nil {
		return nil, err
	}
	return c, nil
}

// update appends the global norm, clipping, AdamW and the finite guard; it returns the norm, the
// updated tensors and the arg node each replaces.
func (t *Trainer) update(g *graph.Graph, dt graph.DType, loss *graph.Node, accumulating bool, names []string, ps, grads []*graph.Node) (*graph.Node, []*graph.Node, []*graph.Node) {
	// Global L2 norm as torch's clip_grad_norm_: the norm of the per-tensor norms.
	var sq *graph.Node
	for _, gr := range grads {
		n := graph.Sqrt(graph.ReduceSum(graph.Square(gr)))
		if sq == nil {
			sq = graph.Square(n)
		} else {
			sq = graph.Add(sq, graph.Square(n))
		}
	}
	norm := graph.Sqrt(sq)
	if t.cfg.Clip > 0 {
		// clip_coef = max_norm / (total_norm + 1e-6), clamped to 1, multiplied into every gradient.
		coef := graph.Min(graph.Div(g.Scalar(t.cfg.Clip, dt), graph.AddScalar(norm, 1e-6)), g.Scalar(1, dt))
		for i := range grads {
			grads[i] = graph.Mul(grads[i], coef)
		}
	}
	lrF := g.Input(inLRFactor, dt, graph.Shape{})
	stepN := g.Input(inStep, dt, graph.Shape{})
	check := graph.Add(loss, norm)
	if accumulating {
		check = graph.Add(check, g.Input(inLossAcc, dt, graph.Shape{}))
	}
	ok := graph.Less(graph.Abs(check), g.Scalar(math.Inf(1), dt)) // false for NaN and ±Inf
	a := t.cfg.AdamW
	var newP, newM, newV, tp, tm, tv []*graph.Node
	for i, name := range names {
		grp := a.GroupOf(name)
		wd := 0.0
		if grp.Decay {
			wd = a.WeightDecay
		}
		m := g.Input(preExpAvg+name, dt, ps[i].Shape())
		v := g.Input(preExpSq+name, dt, ps[i].Shape())
		u := graph.AdamW(ps[i], grads[i], m, v, graph.MulScalar(lrF, grp.LR), stepN, a.Beta1, a.Beta2, a.Eps, wd)
		newP = append(newP, graph.Where(ok, graph.Output(u, 0), ps[i]))
		newM = append(newM, graph.Where(ok, graph.Output(u, 1), m))
		newV = append(newV, graph.Where(ok, graph.Output(u, 2), v))
		tp, tm, tv = append(tp, ps[i]), append(tm, m), append(tv, v)
	}
	upd := append(append(newP, newM...), newV...)
	tgt := append(append(tp, tm...), tv...)
	return norm, upd, tgt
}

// bindState fills the args that hold trainer state and records where inputs go.
func (c *compiled) bindState(t *Trainer, g *graph.Graph, reach []bool, outs []*graph.Node, donate []int) error {
	need := graph.Reachable(g, outs...)
	args := c.exe.Args()
	c.args = make([]*graph.Tensor, len(args))
	for i, a := range args {
		if !need[a.ID()] {
			continue
		}
		label := graph.Label(a)
		switch {
		case graph.IsParam(a):
			c.args[i] = t.params[label]
			if c.args[i] == nil {
				return fmt.Errorf("train: parameter %q has no weight", label)
			}
		case strings.HasPrefix(label, preExpAvg):
			c.args[i] = t.state(strings.TrimPrefix(label, preExpAvg)).m
		case strings.HasPrefix(label, preExpSq):
			c.args[i] = t.state(strings.TrimPrefix(label, preExpSq)).v
		case strings.HasPrefix(label, preGradAcc):
			c.args[i] = t.accumulator(strings.TrimPrefix(label, preGradAcc))
		case label == inLRFactor || label == inStep || label == inLossAcc:
			c.scalarAt[label] = i
		case a.DType() == graph.I64 && a.Shape().Rank() == 0 && c.model.Inputs[label] == a:
			c.randAt = append(c.randAt, i)
		default:
			c.inputAt[label] = i
		}
	}
	if c.copyBack != nil {
		for o, d := range donate {
			if d >= 0 {
				c.copyBack[o] = c.args[d]
			}
		}
	}
	sort.Strings(c.trainable)
	return nil
}

// run executes the step on a prepared batch. Cancellation is not passed on: a step runs to its
// end so that the in-place update is never left half done.
func (c *compiled) run(ctx context.Context, batch map[string]*graph.Tensor, scalars map[string]float64, draw func() int64) (loss, norm float64, err error) {
	prepared, err := c.model.PrepareInputs(batch)
	if err != nil {
		return 0, 0, fmt.Errorf("train: batch: %w", err)
	}
	args := append([]*graph.Tensor(nil), c.args...)
	for name, i := range c.inputAt {
		x := prepared[name]
		if x == nil {
			return 0, 0, fmt.Errorf("train: batch has no %q, which the step needs", name)
		}
		args[i] = x
	}
	dt := c.model.Options.DType
	for name, i := range c.scalarAt {
		s := graph.NewTensor(dt, graph.Shape{})
		s.SetFloat64s([]float64{scalars[name]})
		args[i] = s
	}
	for _, i := range c.randAt {
		args[i] = graph.FromInt64(graph.Shape{}, []int64{draw()})
	}
	res, err := c.exe.Run(context.WithoutCancel(ctx), args)
	if err != nil {
		return 0, 0, fmt.Errorf("train: step: %w", err)
	}
	for o, dst := range c.copyBack {
		copyTensor(dst, res[o])
	}
	loss = res[0].Float64s()[0]
	norm = math.NaN()
	if c.hasNorm {
		norm = res[1].Float64s()[0]
	}
	return loss, norm, nil
}

// zero sets a float tensor to 0 in place.
func zero(t *graph.Tensor) {
	switch d := t.Data.(type) {
	case []float32:
		clear(d)
	case []float64:
		clear(d)
	}
}

// copyTensor copies src into dst (same dtype and size).
func copyTensor(dst, src *graph.Tensor) {
	switch d := dst.Data.(type) {
	case []float32:
		copy(d, src.Data.([]float32))
	case []float64:
		copy(d, src.Data.([]float64))
	}
}
