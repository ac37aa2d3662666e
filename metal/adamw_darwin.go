//go:build darwin && cgo

package metal

import (
	"fmt"
	"unsafe"

	"github.com/bridgetower-go/bt/shaders"
)

// AdamW steps shaders' adamw_step kernel: parameters, gradients and moments in four shared
// buffers of N float32s each, one dispatch per step.
type AdamW struct {
	dev        *Device
	pipe       *Pipeline
	P, G, M, V *Buffer
	segs, prm  *Buffer
	n, nsegs   int
}

// NewAdamW allocates the flat buffers for n elements split into nsegs parameters (P, G, M and V
// are zero; write P and G through their slices).
func (d *Device) NewAdamW(n, nsegs int) (*AdamW, error) {
	pipe, err := d.Pipeline(shaders.AdamWKernel)
	if err != nil {
		return nil, err
	}
	a := &AdamW{dev: d, pipe: pipe, n: n, nsegs: nsegs}
	for _, b := range []struct {
		dst   **Buffer
		bytes int
	}{{&a.P, 4 * n}, {&a.G, 4 * n}, {&a.M, 4 * n}, {&a.V, 4 * n},
		{&a.segs, nsegs * int(unsafe.Sizeof(shaders.AdamWSegment{}))}, {&a.prm, int(unsafe.Sizeof(shaders.AdamWParams{}))}} {
		if *b.dst, err = d.NewBuffer(b.bytes); err != nil {
			a.Release()
			return nil, fmt.Errorf("metal: adamw: %w", err)
		}
	}
	return a, nil
}

// Step applies one update with the scalars and segment table of shaders.AdamWSetup.
func (a *AdamW) Step(prm shaders.AdamWParams, segs []shaders.AdamWSegment) error {
	if int(prm.N) != a.n || len(segs) != a.nsegs || int(prm.NSegs) != a.nsegs {
		return fmt.Errorf("metal: adamw: step for %d elements in %d segments, buffers hold %d in %d", prm.N, len(segs), a.n, a.nsegs)
	}
	copy(unsafe.Slice((*shaders.AdamWSegment)(unsafe.Pointer(unsafe.SliceData(a.segs.Bytes()))), a.nsegs), segs)
	*(*shaders.AdamWParams)(unsafe.Pointer(unsafe.SliceData(a.prm.Bytes()))) = prm
	return a.dev.Dispatch(a.pipe, a.n, a.P, a.G, a.M, a.V, a.segs, a.prm)
}

// Release frees the buffers.
func (a *AdamW) Release() {
	for _, b := range []*Buffer{a.P, a.G, a.M, a.V, a.segs, a.prm} {
		if b != nil {
			b.Release()
		}
	}
}
