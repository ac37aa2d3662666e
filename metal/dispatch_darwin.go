//go:build darwin && cgo

package metal

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/progrium/darwinkit/macos/foundation"
	mtl "github.com/progrium/darwinkit/macos/metal"
	"github.com/progrium/darwinkit/objc"
)

// Pipeline is a compute pipeline for one kernel function of the shader library.
type Pipeline struct {
	name      string
	state     mtl.ComputePipelineStateObject
	maxGroup  int // maxTotalThreadsPerThreadgroup
	simdWidth int // threadExecutionWidth
}

// Pipeline returns the compute pipeline of kernel function name, built on first use.
func (d *Device) Pipeline(name string) (*Pipeline, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.pipelines[name]; p != nil {
		return p, nil
	}
	var p *Pipeline
	var err error
	objc.WithAutoreleasePool(func() {
		fn := d.lib.NewFunctionWithName(name)
		if fn.IsNil() {
			err = fmt.Errorf("metal: the shader library has no function %q", name)
			return
		}
		defer fn.Release()
		var nsErr foundation.Error
		st := objc.Call[mtl.ComputePipelineStateObject](d.dev, objc.Sel("newComputePipelineStateWithFunction:error:"), fn, unsafe.Pointer(&nsErr))
		if st.IsNil() {
			err = fmt.Errorf("metal: pipeline for %q: %s", name, describe(nsErr))
			return
		}
		p = &Pipeline{name: name, state: st, maxGroup: int(st.MaxTotalThreadsPerThreadgroup()), simdWidth: int(st.ThreadExecutionWidth())}
	})
	if err != nil {
		return nil, err
	}
	d.pipelines[name] = p
	return p, nil
}

// Dispatch runs pipeline p over threads threads (one-dimensional grid) with bufs bound at indices
// 0, 1, ... and waits for the GPU: one command buffer, commit, waitUntilCompleted. No completion
// handler or other block is used (darwinkit's block callbacks crash on Go ≥ 1.25). The calling
// goroutine is locked to its OS thread and the Objective-C temporaries are drained in an
// autorelease pool.
func (d *Device) Dispatch(p *Pipeline, threads int, bufs ...*Buffer) error {
	if threads <= 0 {
		return fmt.Errorf("metal: dispatch %q over %d threads", p.name, threads)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	objc.WithAutoreleasePool(func() {
		cb := d.queue.CommandBuffer()
		enc := cb.ComputeCommandEncoder()
		objc.Call[objc.Void](enc, objc.Sel("setComputePipelineState:"), p.state)
		for i, b := range bufs {
			objc.Call[objc.Void](enc, objc.Sel("setBuffer:offset:atIndex:"), b.buf, uint(0), uint(i))
		}
		group := min(p.maxGroup, threads)
		enc.DispatchThreadsThreadsPerThreadgroup(mtl.Size{Width: uint64(threads), Height: 1, Depth: 1},
			mtl.Size{Width: uint64(group), Height: 1, Depth: 1})
		endEncoding(enc)
		cb.Commit()
		cb.WaitUntilCompleted()
		if st := cb.Status(); st != mtl.CommandBufferStatusCompleted {
			err = fmt.Errorf("metal: dispatch %q: command buffer status %d: %s", p.name, st, describe(cb.Error()))
		}
	})
	return err
}

// Objects are passed to Objective-C with objc.Call, not through darwinkit's generated methods whose
// parameter is a protocol (setComputePipelineState:, setBuffer:offset:atIndex:,
// newComputePipelineStateWithFunction:error:): those call objc.WrapAsProtocol, which panics when
// given a concrete XObject (its type parameter must be an interface) and, given an interface,
// sends a Go-implemented proxy instead of the object. darwin-check's lint reports such calls.

// endEncoding ends a compute encoder: darwinkit v0.5.0's ComputeCommandEncoderObject does not
// embed CommandEncoderObject, so it has no EndEncoding method; the selector is sent directly.
func endEncoding(enc mtl.ComputeCommandEncoderObject) {
	objc.Call[objc.Void](enc, objc.Sel("endEncoding"))
}
