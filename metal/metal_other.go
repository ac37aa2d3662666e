//go:build !darwin || !cgo

package metal

import (
	"fmt"
	"runtime"

	"github.com/bridgetower-go/bt/shaders"
)

// ErrUnavailable is what every constructor returns where Metal is not built in.
var ErrUnavailable = fmt.Errorf("metal: not available on %s/%s; use --device cpu", runtime.GOOS, runtime.GOARCH)

// Device is the system's default Metal GPU (never obtained on this platform).
type Device struct{}

// Buffer is a shared MTLBuffer (never obtained on this platform).
type Buffer struct{}

// Pipeline is a compute pipeline (never obtained on this platform).
type Pipeline struct{}

// AdamW steps the fused AdamW kernel (never obtained on this platform).
type AdamW struct{ P, G, M, V *Buffer }

// Open returns ErrUnavailable.
func Open() (*Device, error) { return nil, ErrUnavailable }

func (d *Device) Name() string                                             { return "" }
func (d *Device) Close()                                                   {}
func (d *Device) NewBuffer(n int) (*Buffer, error)                         { return nil, ErrUnavailable }
func (d *Device) Pipeline(name string) (*Pipeline, error)                  { return nil, ErrUnavailable }
func (d *Device) NewAdamW(n, nsegs int) (*AdamW, error)                    { return nil, ErrUnavailable }
func (d *Device) Dispatch(p *Pipeline, threads int, bufs ...*Buffer) error { return ErrUnavailable }
func (b *Buffer) Len() int                                                 { return 0 }
func (b *Buffer) Bytes() []byte                                            { return nil }
func (b *Buffer) Float32s() []float32                                      { return nil }
func (b *Buffer) Uint32s() []uint32                                        { return nil }
func (b *Buffer) Release()                                                 {}
func (a *AdamW) Step(prm shaders.AdamWParams, segs []shaders.AdamWSegment) error {
	return ErrUnavailable
}
func (a *AdamW) Release() {}
