// Package graphtest is the conformance suite every graph.Backend must pass: one call,
// graphtest.Run(t, backend), from the backend's own tests.
//
// For every primitive op type of package graph (and every kind of the unary, binary, comparison
// and reduction ops) and every fused op, the suite has at least one case, and it fails when an op
// type declared in graph's source has none. Each case is checked for
//
//   - forward values, in F32 and F64, against a plain float64 reference loop written here
//     (independent of graph's decompositions), on odd, size-1, broadcast and zero-size shapes;
//   - gradients, in F64: loss = Σ op(inputs)·W for a fixed random W, graph.Gradient run on the
//     backend, against central finite differences of the backend's own forward pass;
//   - fused ops: the backend's fused node against the same backend running its Decompose;
//   - fused ops with their own VJP (graph.GradientOp): the gradient through it against the
//     gradient through the decomposition (graph.Lower), in F64 (VJPTol).
//
// It also checks run-time argument errors (count, dtype, shape, nil, gather index range: errors
// that name the input, never panics) and bit-for-bit determinism of repeated runs.
//
// Tolerances (see ForwardTolF32, ForwardTolF64, GradTol) are relative to the largest magnitude of
// the reference tensor: max|got-want| / max(max|want|, tiny).
package graphtest
