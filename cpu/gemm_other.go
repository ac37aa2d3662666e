//go:build purego || !amd64

package cpu

// sgemmKernels lists the micro-kernels this build runs: only the pure-Go one (no assembly for
// this architecture, or built with -tags purego).
func sgemmKernels() []*sgemmKernel { return []*sgemmKernel{goKernel} }
