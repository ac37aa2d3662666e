//go:build darwin && cgo

package metal

import (
	"fmt"
	"unsafe"

	mtl "github.com/progrium/darwinkit/macos/metal"
)

// Buffer is a shared (unified-memory) MTLBuffer: the GPU and the CPU see the same bytes, so
// writing the Go slice is writing the buffer. Do not touch it while a dispatch that uses it runs.
type Buffer struct {
	buf   mtl.BufferObject
	bytes []byte
}

// NewBuffer allocates a zeroed shared buffer of n bytes (n > 0).
func (d *Device) NewBuffer(n int) (*Buffer, error) {
	if n <= 0 {
		return nil, fmt.Errorf("metal: NewBuffer(%d): want a positive size", n)
	}
	b := d.dev.NewBufferWithLengthOptions(uint(n), mtl.ResourceStorageModeShared|mtl.ResourceCPUCacheModeDefaultCache)
	if b.IsNil() {
		return nil, fmt.Errorf("metal: newBufferWithLength:%d options:shared returned nil (out of GPU memory?)", n)
	}
	p := b.Contents()
	if p == nil {
		b.Release()
		return nil, fmt.Errorf("metal: buffer of %d bytes has no CPU-visible contents", n)
	}
	return &Buffer{buf: b, bytes: unsafe.Slice((*byte)(p), n)}, nil
}

// Len is the buffer's size in bytes.
func (b *Buffer) Len() int { return len(b.bytes) }

// Bytes is the buffer's memory as a byte slice.
func (b *Buffer) Bytes() []byte { return b.bytes }

// Float32s is the buffer's memory as float32s (the trailing len%4 bytes are left out).
func (b *Buffer) Float32s() []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b.bytes))), len(b.bytes)/4)
}

// Uint32s is the buffer's memory as uint32s.
func (b *Buffer) Uint32s() []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(b.bytes))), len(b.bytes)/4)
}

// Release frees the buffer; its slices must not be used afterwards.
func (b *Buffer) Release() {
	b.buf.Release()
	b.bytes = nil
}
