package model

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// Runner is a Model compiled on a backend with its weights bound.
type Runner struct {
	model   *Model
	exe     graph.Executable
	names   []string // output names, in the order asked for
	index   []int    // names[i] is result index[i] of exe (duplicates share one result)
	args    []*graph.Tensor
	inputAt map[string]int // input name -> position in args
}

// Compile compiles the named outputs (all outputs when none are named) with the bound weights.
// Parameters are passed to the backend as bound: a memory-mapped F32 checkpoint is not copied.
func (m *Model) Compile(backend graph.Backend, weights *Binding, outputs ...string) (*Runner, error) {
	if len(outputs) == 0 {
		outputs = m.OutputNames()
	}
	r := &Runner{model: m, names: outputs, inputAt: map[string]int{}}
	var nodes []*graph.Node
	pos := map[*graph.Node]int{}
	for _, name := range outputs {
		n, ok := m.Outputs[name]
		if !ok {
			return nil, fmt.Errorf("model: no output %q (have %s)", name, strings.Join(m.OutputNames(), ", "))
		}
		i, seen := pos[n]
		if !seen {
			i = len(nodes)
			pos[n] = i
			nodes = append(nodes, n)
		}
		r.index = append(r.index, i)
	}
	exe, err := backend.Compile(m.Graph, nodes...)
	if err != nil {
		return nil, fmt.Errorf("model: compile: %w", err)
	}
	r.exe = exe
	r.args = make([]*graph.Tensor, len(exe.Args()))
	reach := graph.Reachable(m.Graph, nodes...)
	for i, a := range exe.Args() {
		if !reach[a.ID()] {
			continue // nil: the outputs do not depend on it
		}
		label := graph.Label(a)
		if graph.IsParam(a) {
			t := weights.Tensor(label)
			if t == nil {
				return nil, fmt.Errorf("model: parameter %q is not bound", label)
			}
			r.args[i] = t
			continue
		}
		r.inputAt[label] = i
	}
	return r, nil
}

// Forward builds the model for the shape of inputs["input_ids"] (opts.Batch and opts.TextLen are
// taken from it), binds the weights, compiles all outputs and runs them once. The returned
// tensors are the runner's (see Runner.Run).
func Forward(ctx context.Context, backend graph.Backend, cfg *Config, w *Weights, inputs map[string]*graph.Tensor, opts BuildOptions) (map[string]*graph.Tensor, error) {
	ids := inputs[InputIDs]
	if ids == nil {
		return nil, fmt.Errorf("model: input %s is missing", InputIDs)
	}
	if ids.Shape.Rank() != 2 {
		return nil, fmt.Errorf("model: input %s is %v, want [B T]", InputIDs, ids)
	}
	opts.Batch, opts.TextLen = ids.Shape[0], ids.Shape[1]
	m, err := Build(cfg, opts)
	if err != nil {
		return nil, err
	}
	bound, err := m.Bind(w)
	if err != nil {
		return nil, err
	}
	r, err := m.Compile(backend, bound)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, inputs)
}

// Model is the model the runner runs.
func (r *Runner) Model() *Model { return r.model }

// Run computes the outputs for inputs by name (see the Input* constants). Integer inputs may be
// any integer type and are range-checked; float inputs are converted to the compute dtype;
// attention_mask defaults to all ones; pixel_mask is checked for shape and ignored (as in HF).
// The returned tensors belong to the runner and are overwritten by the next Run.
func (r *Runner) Run(ctx context.Context, inputs map[string]*graph.Tensor) (map[string]*graph.Tensor, error) {
	args := append([]*graph.Tensor(nil), r.args...)
	prepared, err := r.model.PrepareInputs(inputs)
	if err != nil {
		return nil, err
	}
	for name, i := range r.inputAt {
		t, ok := prepared[name]
		if !ok {
			return nil, fmt.Errorf("model: input %q is required by the requested outputs", name)
		}
		args[i] = t
	}
	res, err := r.exe.Run(ctx, args)
	if err != nil {
		return nil, fmt.Errorf("model: run: %w", err)
	}
	out := make(map[string]*graph.Tensor, len(r.names))
	for i, name := range r.names {
		out[name] = res[r.index[i]]
	}
	return out, nil
}

// PrepareInputs checks inputs against the model's input shapes and converts them to the graph's
// dtypes. Unknown names are an error; an absent attention_mask becomes all ones; pixel_mask is
// checked ([B, S, S]) and dropped. Label inputs that the graph does not use are dropped.
func (m *Model) PrepareInputs(inputs map[string]*graph.Tensor) (map[string]*graph.Tensor, error) {
	cfg, o := m.Config, m.Options
	v := &cfg.Vision
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]*graph.Tensor{}
	for _, name := range names {
		t := inputs[name]
		if t == nil {
			return nil, fmt.Errorf("model: input %s is nil", name)
		}
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("model: input %s: %v", name, err)
		}
		var err error
		switch name {
		case InputIDs:
			out[name], err = intInput(name, t, graph.Shape{o.Batch, o.TextLen}, 0, int64(cfg.Text.VocabSize)-1, "[B T] with token ids in 0..vocab_size-1")
		case InputMask:
			out[name], err = floatInput(name, t, graph.Shape{o.Batch, o.TextLen}, o.DType, true, "[B T]")
		case InputPixels:
			out[name], err = floatInput(name, t, graph.Shape{o.Batch, v.NumChannels, v.ImageSize, v.ImageSize}, o.DType, false,
				fmt.Sprintf("[B %d S S] with S = vision_config.image_size %d", v.NumChannels, v.ImageSize))
		case InputPixelMask:
			if !t.Shape.Equal(graph.Shape{o.Batch, v.ImageSize, v.ImageSize}) {
				err = fmt.Errorf("model: input %s is %v, want [%d %d %d] ([B S S]; the model ignores it, as HF does)", name, t, o.Batch, v.ImageSize, v.ImageSize)
			}
		case InputMLMLabels:
			out[name], err = intInput(name, t, graph.Shape{o.Batch, o.TextLen}, -100, int64(cfg.Text.VocabSize)-1, "[B T] with token ids or -100")
		case InputITMLabels:
			out[name], err = intInput(name, t, graph.Shape{o.Batch}, -100, 1, "[B] with 0, 1 or -100")
		case InputClassLabels:
			out[name], err = intInput(name, t, graph.Shape{o.Batch}, -100, int64(cfg.NumLabels())-1, "[B] with class ids or -100")
		case InputVQATargets:
			out[name], err = floatInput(name, t, graph.Shape{o.Batch, cfg.NumLabels()}, o.DType, false, "[B answers]")
		case InputStep:
			out[name], err = intInput(name, t, graph.Shape{}, 0, math.MaxInt64, "a scalar step >= 0")
		case InputRowMask:
			out[name], err = rowMaskInput(t, o)
		default:
			err = fmt.Errorf("model: unknown input %q (known: %s)", name, strings.Join([]string{InputIDs, InputMask, InputPixels, InputPixelMask, InputMLMLabels, InputITMLabels, InputVQATargets, InputClassLabels, InputStep, InputRowMask}, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	if _, ok := out[InputMask]; !ok {
		ones := graph.NewTensor(o.DType, graph.Shape{o.Batch, o.TextLen})
		fill(ones, 1)
		out[InputMask] = ones
	}
	if _, ok := out[InputRowMask]; !ok && o.RowMask {
		ones := graph.NewTensor(o.DType, graph.Shape{o.Batch})
		fill(ones, 1)
		out[InputRowMask] = ones
	}
	for name := range out {
		if _, used := m.Inputs[name]; !used {
			delete(out, name)
		}
	}
	return out, nil
}

func fill(t *graph.Tensor, v float64) {
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v)
		}
	case []float64:
		for i := range d {
			d[i] = v
		}
	}
}

// rowMaskInput checks row_mask: [B], every value 0 or 1.
func rowMaskInput(t *graph.Tensor, o BuildOptions) (*graph.Tensor, error) {
	out, err := floatInput(InputRowMask, t, graph.Shape{o.Batch}, o.DType, true, "[B] of 1 (real row) and 0 (padding row)")
	if err != nil {
		return nil, err
	}
	for i, x := range out.Float64s() {
		if x != 0 && x != 1 {
			return nil, fmt.Errorf("model: input %s element %d is %g, want 1 (real row) or 0 (padding row)", InputRowMask, i, x)
		}
	}
	return out, nil
}

// intInput checks an integer input's shape and range and returns it as I64.
func intInput(name string, t *graph.Tensor, shape graph.Shape, lo, hi int64, want string) (*graph.Tensor, error) {
	if !t.DType.IsInt() {
		return nil, fmt.Errorf("model: input %s is %v, want an integer tensor %v (%s)", name, t, shape, want)
	}
	if !t.Shape.Equal(shape) {
		return nil, fmt.Errorf("model: input %s is %v, want shape %v (%s)", name, t, shape, want)
	}
	out := t
	if t.DType != graph.I64 {
		out = graph.NewTensor(graph.I64, shape)
		d := out.Data.([]int64)
		for i, x := range t.Float64s() {
			d[i] = int64(x)
		}
	}
	for i, x := range out.Data.([]int64) {
		if x < lo || x > hi {
			return nil, fmt.Errorf("model: input %s element %d is %d, outside %d..%d", name, i, x, lo, hi)
		}
	}
	return out, nil
}

// floatInput checks a float (or, with allowInt, any numeric) input's shape and converts it to dt.
func floatInput(name string, t *graph.Tensor, shape graph.Shape, dt graph.DType, allowInt bool, want string) (*graph.Tensor, error) {
	if !t.DType.IsFloat() && !(allowInt && (t.DType.IsInt() || t.DType == graph.Bool)) {
		return nil, fmt.Errorf("model: input %s is %v, want a float tensor %v (%s)", name, t, shape, want)
	}
	if !t.Shape.Equal(shape) {
		return nil, fmt.Errorf("model: input %s is %v, want shape %v (%s)", name, t, shape, want)
	}
	if t.DType == dt {
		return t, nil
	}
	return graph.Convert(t, dt)
}
