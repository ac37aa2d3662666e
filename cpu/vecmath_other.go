//go:build purego || !amd64

package cpu

// vecKernels lists the kernel sets of this build: only the pure-Go loops (no assembly for this
// architecture, or built with -tags purego).
func vecKernels() []*vecKernel { return []*vecKernel{goVec} }
