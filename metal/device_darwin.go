//go:build darwin && cgo

package metal

// MTLCreateSystemDefaultDevice is a C function, which darwinkit v0.5.0 does not bind. Linking
// CoreGraphics lets a command-line program (no AppKit) get the GPU: without it the call is known
// to return nil outside an app bundle.

/*
#cgo LDFLAGS: -framework Metal -framework CoreGraphics
void *MTLCreateSystemDefaultDevice(void);
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/progrium/darwinkit/macos/foundation"
	mtl "github.com/progrium/darwinkit/macos/metal"
	"github.com/progrium/darwinkit/objc"

	"github.com/bridgetower-go/bt/shaders"
)

// ErrUnavailable is returned by Open when the system has no Metal device.
var ErrUnavailable = fmt.Errorf("metal: no Metal device on this %s/%s machine; use --device cpu", runtime.GOOS, runtime.GOARCH)

// Device is the system's default Metal GPU with one command queue and the compiled shader library.
type Device struct {
	dev       mtl.DeviceObject
	queue     mtl.CommandQueueObject
	lib       mtl.LibraryObject
	mu        sync.Mutex // one dispatch at a time; guards pipelines
	pipelines map[string]*Pipeline
}

// Open returns the default device, its command queue and the library compiled from the embedded
// shaders (package shaders) with fast math off.
func Open() (*Device, error) {
	ptr := C.MTLCreateSystemDefaultDevice()
	if ptr == nil {
		return nil, ErrUnavailable // MTLCreateSystemDefaultDevice returned nil
	}
	d := &Device{dev: mtl.DeviceObject{Object: objc.ObjectFrom(unsafe.Pointer(ptr))}, pipelines: map[string]*Pipeline{}}
	var err error
	objc.WithAutoreleasePool(func() {
		d.queue = d.dev.NewCommandQueue()
		if d.queue.IsNil() {
			err = fmt.Errorf("metal: %s: newCommandQueue returned nil", d.dev.Name())
			return
		}
		opts := mtl.NewCompileOptions()
		defer opts.Release()
		opts.SetFastMathEnabled(false)
		var nsErr foundation.Error
		d.lib = d.dev.NewLibraryWithSourceOptionsError(shaders.Library(), opts, unsafe.Pointer(&nsErr))
		if d.lib.IsNil() {
			err = fmt.Errorf("metal: compiling the shader library: %s", describe(nsErr))
		}
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Name is the GPU's name ("Apple M1 Pro").
func (d *Device) Name() string { return d.dev.Name() }

// Close releases the library, the queue and the device. Buffers and pipelines must not be used
// afterwards.
func (d *Device) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pipelines {
		p.state.Release()
	}
	d.pipelines = nil
	d.lib.Release()
	d.queue.Release()
	d.dev.Release()
}

// describe turns an NSError filled in by an ...error: method into text.
func describe(e foundation.Error) string {
	if e.IsNil() {
		return "no error description"
	}
	return e.LocalizedDescription()
}
