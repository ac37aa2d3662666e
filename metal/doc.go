// Package metal is bt's thin layer over Apple's Metal for the kernels in package shaders: the
// default GPU (MTLCreateSystemDefaultDevice through a cgo declaration, CoreGraphics linked so
// that a command-line program gets a device), shared MTLBuffers exposed as Go slices (unified
// memory: no copies), one command queue, the shader library compiled at Open from the embedded
// sources (newLibraryWithSource, fast math off), compute pipelines, and synchronous dispatch
// (one command buffer, commit, waitUntilCompleted; no completion handlers or other blocks,
// because darwinkit's block callbacks crash on Go ≥ 1.25).
//
// The real implementation (darwinkit v0.5.0, cgo) builds on darwin with cgo; everywhere else
// the same API returns ErrUnavailable ("metal: not available on linux/amd64; use --device cpu").
// On Linux the darwin files are type-checked against darwinkit's API by `make darwin-check`;
// nothing here has run on a Mac from this repository's CI on Linux: metal's tests (go test
// ./metal on a Mac) hold the kernels against their CPU twins there.
package metal
