package mps

import (
	"fmt"
	"slices"
	"unsafe"
)

// simData is a TensorData in host memory.
type simData struct {
	t ShapedType
	b []byte
}

func (d *simData) Type() ShapedType { return d.t }
func (d *simData) Bytes() []byte    { return d.b }

// NewTensorData allocates a zeroed buffer.
func (s *Sim) NewTensorData(t ShapedType) (TensorData, error) {
	if t.DataType.Size() == 0 {
		return nil, fmt.Errorf("mps: tensor data of type %v", t.DataType)
	}
	n := size(t.Shape) * t.DataType.Size()
	words := make([]uint64, (n+7)/8) // 8-byte aligned, as an MTLBuffer's contents
	var b []byte
	if n > 0 {
		b = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), n)
	}
	return &simData{t: ShapedType{Shape: slices.Clone(t.Shape), DataType: t.DataType}, b: b}, nil
}

// simExecutable evaluates the nodes the targets need, in creation order.
type simExecutable struct {
	feeds   []*simTensor
	targets []*simTensor
	order   []*simTensor
	vals    []*arr // by position in order
	slot    map[*simTensor]int
}

// CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor compiles the part of
// the graph the targets need. Every placeholder they need must be fed, with its own type. The
// executable's FeedTensors are the feeds in the order given (MPSGraph documents no order: callers
// must read FeedTensors, as the darwin adapter does).
func (s *Sim) CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(feeds []Feed, targetTensors []Tensor) (Executable, error) {
	if s.err != nil {
		return nil, fmt.Errorf("mps: compile: %w", s.err)
	}
	e := &simExecutable{slot: map[*simTensor]int{}}
	fed := map[*simTensor]bool{}
	for _, f := range feeds {
		st := get(f.Tensor)
		if st == nil || !st.placeholder {
			return nil, fmt.Errorf("mps: compile: feed %v is not a placeholder", f.Tensor)
		}
		if st.dt != f.Type.DataType || !slices.Equal(st.shape, f.Type.Shape) {
			return nil, fmt.Errorf("mps: compile: feed %s is %v%v, placeholder %v%v", st.name, f.Type.DataType, f.Type.Shape, st.dt, st.shape)
		}
		fed[st] = true
		e.feeds = append(e.feeds, st)
	}
	need := make([]bool, len(s.nodes))
	for _, t := range targetTensors {
		st := get(t)
		if st == nil {
			return nil, fmt.Errorf("mps: compile: target %v is not a tensor of this graph", t)
		}
		e.targets = append(e.targets, st)
		need[st.id] = true
	}
	for id := len(s.nodes) - 1; id >= 0; id-- {
		if need[id] {
			for _, in := range s.nodes[id].in {
				need[in.id] = true
			}
		}
	}
	for id, n := range s.nodes {
		if !need[id] {
			continue
		}
		if n.placeholder && !fed[n] {
			return nil, fmt.Errorf("mps: compile: placeholder %s is needed but not fed", n.name)
		}
		e.slot[n] = len(e.order)
		e.order = append(e.order, n)
	}
	e.vals = make([]*arr, len(e.order))
	return e, nil
}

func (e *simExecutable) FeedTensors() []Tensor {
	out := make([]Tensor, len(e.feeds))
	for i, f := range e.feeds {
		out[i] = f
	}
	return out
}

// RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor evaluates the graph on the
// inputs (in FeedTensors order) and writes the targets into results (in target order).
func (e *simExecutable) RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor(inputsArray, resultsArray []TensorData) error {
	if len(inputsArray) != len(e.feeds) || len(resultsArray) != len(e.targets) {
		return fmt.Errorf("mps: run: %d inputs and %d results, want %d and %d", len(inputsArray), len(resultsArray), len(e.feeds), len(e.targets))
	}
	for i, f := range e.feeds {
		d := inputsArray[i]
		if d.Type().DataType != f.dt || !slices.Equal(d.Type().Shape, f.shape) {
			return fmt.Errorf("mps: run: input %s is %v%v, want %v%v", f.name, d.Type().DataType, d.Type().Shape, f.dt, f.shape)
		}
		if k, ok := e.slot[f]; ok {
			e.vals[k] = decode(d.Bytes(), f.dt, f.shape)
		}
	}
	for k, n := range e.order {
		if n.placeholder {
			continue
		}
		ins := make([]*arr, len(n.in))
		for j, in := range n.in {
			ins[j] = e.vals[e.slot[in]]
		}
		v, err := n.fn(ins)
		if err != nil {
			return fmt.Errorf("mps: run: %s: %w", n.name, err)
		}
		if v.dt != n.dt || !slices.Equal(v.shape, n.shape) {
			return fmt.Errorf("mps: run: %s computed %v%v, declared %v%v (simulator bug)", n.name, v.dt, v.shape, n.dt, n.shape)
		}
		e.vals[k] = v
	}
	for i, t := range e.targets {
		d := resultsArray[i]
		if d.Type().DataType != t.dt || !slices.Equal(d.Type().Shape, t.shape) {
			return fmt.Errorf("mps: run: result %d is %v%v, want %v%v", i, d.Type().DataType, d.Type().Shape, t.dt, t.shape)
		}
		encode(e.vals[e.slot[t]], d.Bytes())
	}
	clear(e.vals)
	return nil
}
