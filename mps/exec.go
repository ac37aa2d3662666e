package mps

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
)

// executable is one compiled graph with its persistent buffers: one TensorData per feed (args
// are written into them in place each run, random feeds are generated into them) and one per
// output (results land there; the returned tensors view them without a copy).
type executable struct {
	b      *Backend
	g      Graph
	me     Executable
	args   []*graph.Node
	feeds  []feedSpec // in FeedTensors order
	checks []hostCheck
	outs   []*graph.Node

	mu      sync.Mutex
	inputs  []TensorData
	results []TensorData
	views   []*graph.Tensor
}

func newExecutable(b *Backend, g Graph, me Executable, args []*graph.Node, feeds []feedSpec, checks []hostCheck, outs []*graph.Node) (*executable, error) {
	e := &executable{b: b, g: g, me: me, args: slices.Clone(args), checks: checks, outs: outs}
	// Inputs go in the executable's FeedTensors order, which need not be the feeds order.
	byTensor := map[Tensor]feedSpec{}
	for _, f := range feeds {
		byTensor[f.tensor] = f
	}
	for _, t := range me.FeedTensors() {
		f, ok := byTensor[t]
		if !ok {
			return nil, fmt.Errorf("mps: compile: the executable wants a feed the lowering did not make")
		}
		e.feeds = append(e.feeds, f)
	}
	if len(e.feeds) != len(feeds) {
		return nil, fmt.Errorf("mps: compile: %d feeds, the executable takes %d", len(feeds), len(e.feeds))
	}
	return e, e.alloc()
}

// alloc makes the persistent buffers and the output views.
func (e *executable) alloc() error {
	e.inputs = make([]TensorData, len(e.feeds))
	for i, f := range e.feeds {
		d, err := e.g.NewTensorData(f.typ)
		if err != nil {
			return err
		}
		e.inputs[i] = d
	}
	e.results = make([]TensorData, len(e.outs))
	e.views = make([]*graph.Tensor, len(e.outs))
	for i, o := range e.outs {
		dt, err := dataType(o.DType())
		if err != nil {
			return err
		}
		d, err := e.g.NewTensorData(ShapedType{Shape: o.Shape(), DataType: dt})
		if err != nil {
			return err
		}
		e.results[i] = d
		e.views[i] = view(o.DType(), o.Shape(), d.Bytes())
	}
	return nil
}

// fresh is a second executable on the same compiled graph with its own buffers (a cache hit).
func (e *executable) fresh() *executable {
	f := &executable{b: e.b, g: e.g, me: e.me, args: e.args, feeds: e.feeds, checks: e.checks, outs: e.outs}
	if err := f.alloc(); err != nil {
		panic(err) // the same allocations succeeded for e
	}
	return f
}

// Args are the Param and Input nodes of the graph at compile time, in creation order.
func (e *executable) Args() []*graph.Node { return e.args }

// Run checks the args, checks indices and divisors on the host, writes the feeds in place, runs
// the executable once (one synchronous wait) and returns views of the result buffers.
func (e *executable) Run(ctx context.Context, args []*graph.Tensor) ([]*graph.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(args) != len(e.args) {
		return nil, fmt.Errorf("mps: run: %d args, want %d", len(args), len(e.args))
	}
	used := make([]bool, len(args))
	for _, f := range e.feeds {
		used[f.arg] = true
	}
	for i, a := range e.args {
		t := args[i]
		if t == nil {
			if used[i] {
				return nil, fmt.Errorf("mps: run: arg %q is nil", graph.Label(a))
			}
			continue
		}
		if t.DType != a.DType() || !t.Shape.Equal(a.Shape()) {
			return nil, fmt.Errorf("mps: run: arg %q is %v%v, want %v%v", graph.Label(a), t.DType, t.Shape, a.DType(), a.Shape())
		}
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("mps: run: arg %q: %w", graph.Label(a), err)
		}
	}
	for _, c := range e.checks {
		if err := c.check(args[c.arg]); err != nil {
			return nil, fmt.Errorf("mps: run: %w", err)
		}
	}
	ins := slices.Clone(e.inputs)
	for i, f := range e.feeds {
		if f.random == nil {
			if d := e.b.owner(args[f.arg], f.typ); d != nil {
				ins[i] = d // an Alloc buffer: fed in place
				continue
			}
		}
		buf := e.inputs[i].Bytes()
		if f.random != nil {
			step := uint64(args[f.arg].Data.([]int64)[0])
			vals := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(buf))), len(buf)/4)
			for k := range vals {
				vals[k] = graph.RandomFloat32(f.random.Seed, step, uint64(k))
			}
			continue
		}
		copy(buf, bytesOf(args[f.arg]))
	}
	err := e.b.w.do(func() error {
		return e.me.RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor(ins, e.results)
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(e.views), nil
}

// bytesOf views a tensor's data as bytes (little-endian hosts: arm64, amd64; bool is one byte
// holding 0 or 1 in Go, as in MPSDataTypeBool).
func bytesOf(t *graph.Tensor) []byte {
	var p unsafe.Pointer
	n := t.Len() * t.DType.Size()
	switch d := t.Data.(type) {
	case []float32:
		p = unsafe.Pointer(unsafe.SliceData(d))
	case []uint16:
		p = unsafe.Pointer(unsafe.SliceData(d))
	case []int32:
		p = unsafe.Pointer(unsafe.SliceData(d))
	case []int64:
		p = unsafe.Pointer(unsafe.SliceData(d))
	case []bool:
		p = unsafe.Pointer(unsafe.SliceData(d))
	case []uint8:
		p = unsafe.Pointer(unsafe.SliceData(d))
	}
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// view makes a tensor of dtype dt whose Data aliases b (8-byte aligned, from NewTensorData).
func view(dt graph.DType, shape graph.Shape, b []byte) *graph.Tensor {
	t := &graph.Tensor{DType: dt, Shape: shape.Clone()}
	n := shape.Size()
	p := unsafe.Pointer(unsafe.SliceData(b))
	if n == 0 || p == nil {
		return graph.NewTensor(dt, shape)
	}
	switch dt {
	case graph.F32:
		t.Data = unsafe.Slice((*float32)(p), n)
	case graph.F16:
		t.Data = unsafe.Slice((*uint16)(p), n)
	case graph.I32:
		t.Data = unsafe.Slice((*int32)(p), n)
	case graph.I64:
		t.Data = unsafe.Slice((*int64)(p), n)
	case graph.Bool:
		t.Data = unsafe.Slice((*bool)(p), n)
	case graph.U8:
		t.Data = unsafe.Slice((*uint8)(p), n)
	}
	return t
}
