//go:build darwin && cgo

package mps

import (
	"fmt"

	"github.com/progrium/darwinkit/macos/metal"
	"github.com/progrium/darwinkit/macos/mpsgraph"
	"github.com/progrium/darwinkit/objc"
)

// New returns the mps backend on the system's default Metal device. All MPSGraph work of the
// backend runs on one goroutine locked to its OS thread, each job inside an autorelease pool;
// runs wait synchronously (no completion handlers: darwinkit's blocks crash on Go ≥ 1.25).
func New(opts Options) (*Backend, error) {
	dev, ok := defaultDevice()
	if !ok {
		return nil, fmt.Errorf("mps: no Metal device (MTLCreateSystemDefaultDevice returned nil)")
	}
	var queue metal.CommandQueueObject
	b := newBackend("metal", nil, opts)
	b.w.pool = objc.WithAutoreleasePool
	if err := b.w.do(func() error {
		queue = dev.NewCommandQueue()
		if queue.IsNil() {
			return fmt.Errorf("mps: %s: newCommandQueue returned nil", dev.Name())
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// darwinkit's New… constructors and class factory methods return autoreleased objects, and
	// every job drains its pool: whatever outlives a job is retained here (and kept).
	var gdev mpsgraph.Device
	if err := b.w.do(func() error {
		gdev = graphDevice(dev)
		gdev.Retain()
		return nil
	}); err != nil {
		return nil, err
	}
	b.newGraph = func() Graph {
		g := mpsgraph.NewGraph()
		g.Retain()
		return &darwinGraph{g: g, dev: dev, gdev: gdev, queue: queue}
	}
	return b, nil
}

// darwinGraph is Graph on darwinkit's mpsgraph.Graph (methods in graph_darwin.go).
type darwinGraph struct {
	g     mpsgraph.Graph
	dev   metal.DeviceObject
	gdev  mpsgraph.Device
	queue metal.CommandQueueObject
	err   error
}

// t unwraps a handle made by this implementation.
func (d *darwinGraph) t(x Tensor) mpsgraph.Tensor {
	v, ok := x.(mpsgraph.Tensor)
	if !ok && d.err == nil {
		d.err = fmt.Errorf("mps: %T is not an MPSGraphTensor", x)
	}
	return v
}

func (d *darwinGraph) ts(xs []Tensor) []mpsgraph.ITensor {
	out := make([]mpsgraph.ITensor, len(xs))
	for i, x := range xs {
		out[i] = d.t(x)
	}
	return out
}

// Err is the first handle error (Objective-C exceptions are not recoverable from Go).
func (d *darwinGraph) Err() error { return d.err }

// CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor compiles for the
// backend's device; the executable is retained (the method returns it at +0).
func (d *darwinGraph) CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(feeds []Feed, targetTensors []Tensor) (Executable, error) {
	if d.err != nil {
		return nil, d.err
	}
	keys := make([]objc.IObject, len(feeds))
	values := make([]objc.IObject, len(feeds))
	for i, f := range feeds {
		keys[i] = d.t(f.Tensor)
		values[i] = mpsgraph.NewShapedTypeWithShapeDataType(nsShape(f.Type.Shape), mpsDataType(f.Type.DataType))
	}
	e := d.g.CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(d.gdev, nsFeeds(keys, values), d.ts(targetTensors), nil, mpsgraph.NewCompilationDescriptor())
	if e.IsNil() {
		return nil, fmt.Errorf("mps: MPSGraph compile returned nil")
	}
	e.Retain()
	desc := mpsgraph.NewExecutableExecutionDescriptor()
	desc.Retain() // autoreleased by darwinkit; used by every run
	desc.SetWaitUntilCompleted(true)
	return &darwinExecutable{e: e, queue: d.queue, desc: desc}, nil
}

// NewTensorData is a shared MTLBuffer (at least 4 bytes: Metal has no empty buffers) wrapped in
// MPSGraphTensorData.
func (d *darwinGraph) NewTensorData(t ShapedType) (TensorData, error) {
	n := size(t.Shape) * t.DataType.Size()
	buf := d.dev.NewBufferWithLengthOptions(uint(max(n, 4)), metal.ResourceStorageModeShared)
	if buf.IsNil() {
		return nil, fmt.Errorf("mps: newBufferWithLength:%d returned nil (out of GPU memory?)", n)
	}
	td := tensorData(buf, t.Shape, t.DataType) // owned: lives as long as the executable or the backend
	b := contents(buf, n)
	clear(b) // zeroed whatever Metal's initial contents
	return &darwinData{t: t, buf: buf, td: td, b: b}, nil
}

type darwinData struct {
	t   ShapedType
	buf metal.BufferObject
	td  mpsgraph.TensorData
	b   []byte
}

func (x *darwinData) Type() ShapedType { return x.t }
func (x *darwinData) Bytes() []byte    { return x.b }

// darwinExecutable runs an MPSGraphExecutable synchronously on the backend's queue.
type darwinExecutable struct {
	e     mpsgraph.Executable
	queue metal.CommandQueueObject
	desc  mpsgraph.ExecutableExecutionDescriptor
}

func (x *darwinExecutable) FeedTensors() []Tensor {
	fs := x.e.FeedTensors()
	out := make([]Tensor, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

func (x *darwinExecutable) RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor(inputsArray, resultsArray []TensorData) error {
	ins := make([]mpsgraph.ITensorData, len(inputsArray))
	for i, d := range inputsArray {
		ins[i] = d.(*darwinData).td
	}
	outs := make([]mpsgraph.ITensorData, len(resultsArray))
	for i, d := range resultsArray {
		outs[i] = d.(*darwinData).td
	}
	// The …Object variant sends the queue itself (the other wraps it in a Go protocol proxy).
	x.e.RunWithMTLCommandQueueObjectInputsArrayResultsArrayExecutionDescriptor(x.queue, ins, outs, x.desc)
	return nil
}
