//go:build darwin && cgo

package mps

// Every raw-pointer conversion of the darwin adapter is in this file: the device shim (a C
// function darwinkit does not bind), NSArray shapes, the feeds NSDictionary and buffer contents.
// go/types cannot check what these pointers point to; bt selftest on a Mac does.

/*
#cgo LDFLAGS: -framework Metal -framework CoreGraphics -framework MetalPerformanceShadersGraph
void *MTLCreateSystemDefaultDevice(void);
*/
import "C"

import (
	"unsafe"

	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/macos/metal"
	"github.com/progrium/darwinkit/macos/mpsgraph"
	"github.com/progrium/darwinkit/objc"
)

// defaultDevice is MTLCreateSystemDefaultDevice (+1 retained; kept for the process).
func defaultDevice() (metal.DeviceObject, bool) {
	p := C.MTLCreateSystemDefaultDevice()
	if p == nil {
		return metal.DeviceObject{}, false
	}
	return metal.DeviceObject{Object: objc.ObjectFrom(unsafe.Pointer(p))}, true
}

// nsShape is an MPSShape: an NSArray of NSNumbers, passed as the raw NSArray pointer that
// darwinkit's *foundation.Array parameters stand for (never the address of a Go value).
func nsShape(dims []int) *foundation.Array {
	a := foundation.NewMutableArray()
	for _, d := range dims {
		a.AddObject(foundation.Number_NumberWithLongLong(int64(d)))
	}
	return (*foundation.Array)(a.Ptr())
}

// nsAxes converts axes to the NSNumber slice darwinkit turns into an NSArray itself.
func nsAxes(axes []int) []foundation.INumber {
	out := make([]foundation.INumber, len(axes))
	for i, a := range axes {
		out[i] = foundation.Number_NumberWithLongLong(int64(a))
	}
	return out
}

// nsFeeds is compile's feeds NSDictionary (placeholder tensor → MPSGraphShapedType), as the raw
// pointer darwinkit's *foundation.Dictionary parameter stands for. MPSGraphTensor conforms to
// NSCopying, so it can be a key.
func nsFeeds(keys, values []objc.IObject) *foundation.Dictionary {
	d := foundation.NewMutableDictionary()
	for i := range keys {
		objc.Call[objc.Void](d, objc.Sel("setObject:forKey:"), values[i], keys[i])
	}
	return (*foundation.Dictionary)(d.Ptr())
}

// contents is a shared MTLBuffer's memory as bytes.
func contents(b metal.BufferObject, n int) []byte {
	p := b.Contents()
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// darwinkit passes protocol-typed arguments (MTLDevice, MTLBuffer, MTLCommandQueue) through
// objc.WrapAsProtocol, which sends a Go proxy object instead of the device or buffer itself (the
// darwin-check lint reports those calls). The two such calls without an …Object variant are sent
// here with the object itself; runs use RunWithMTLCommandQueueObject….

// graphDevice is [MPSGraphDevice deviceWithMTLDevice:dev] (+0: retained by the caller).
func graphDevice(dev metal.DeviceObject) mpsgraph.Device {
	return objc.Call[mpsgraph.Device](mpsgraph.DeviceClass, objc.Sel("deviceWithMTLDevice:"), dev)
}

// tensorData is [[MPSGraphTensorData alloc] initWithMTLBuffer:buf shape:shape dataType:dt]
// (+1: owned by the caller).
func tensorData(buf metal.BufferObject, shape []int, dt DataType) mpsgraph.TensorData {
	return objc.Call[mpsgraph.TensorData](mpsgraph.TensorDataClass.Alloc(), objc.Sel("initWithMTLBuffer:shape:dataType:"), buf, nsShape(shape), mpsDataType(dt))
}
