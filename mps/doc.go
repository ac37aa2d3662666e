// Package mps is bt's Metal backend: it lowers a graph.Graph (after graph.Lower) to calls on
// MPSGraph, compiles the whole graph once per input shape into one executable and runs it on
// buffers in unified memory.
//
// The lowering does not call darwinkit directly. It calls Graph (api.go), a small Go interface
// whose methods mirror, one to one, the MPSGraph methods bt uses: the names of darwinkit v0.5.0's
// mpsgraph.Graph methods, their argument order and meaning; shapes are []int and axes []int
// where darwinkit takes an NSArray, and tensors are opaque handles. Two implementations:
//
//   - darwin (build tag darwin, graph_darwin.go): each method is one darwinkit call; every
//     raw-pointer conversion (NSArray shapes, the feeds dictionary) lives in raw_darwin.go.
//   - Sim (sim*.go, any OS): a pure-Go simulator of those calls with MPSGraph's documented
//     semantics (reductions keep the reduced axes as size 1, transposes swap two axes, NumPy
//     broadcasting in arithmetic, float16 rounding of every F16 result, no float64).
//
// The lowering table (lower*.go) has one entry per graph op; graph/graphtest and the golden model
// cases run through it on the simulator on Linux. Only the one-line adapters and the numerics of
// the real GPU are left for a Mac (bt selftest).
package mps
