// Package graph is bt's compute-graph IR: the model is written once as a Graph of Nodes, which the
// cpu package executes everywhere and the mps package lowers to MPSGraph on Apple Silicon.
//
// A Node is built by a pure function of its inputs (graph.MatMul(a, b), graph.Add(x, y)); its
// shape and dtype are inferred when it is built. Shapes are row-major, outermost dimension first
// ([B T D]: B batch, T tokens, D width).
//
// # Errors
//
// Building never panics on bad shapes or dtypes. The first error is kept in the Graph (Graph.Err),
// naming the op and the shapes involved; the failing builder returns an invalid node, and every
// node built from an invalid node is invalid too, without replacing the first error. Compile and
// Gradient refuse a graph with an error.
//
// # Broadcasting
//
// Elementwise builders (Add, Sub, Mul, Div, Pow, Max, Min, comparisons, Where) broadcast as NumPy
// does: shapes are aligned on their last dimension, a missing leading dimension counts as 1, and
// two sizes are compatible when they are equal or one of them is 1. Broadcasting is explicit in the
// graph: the builder inserts Reshape (to prepend 1s) and Broadcast nodes, so that the primitive
// elementwise ops always see operands of one shape and a backend never has to broadcast implicitly.
// The Broadcast primitive takes an input of the output's rank whose every size equals the output's
// or is 1. Operands of an elementwise op must have the same dtype (no implicit promotion); Scalar
// and the *Scalar helpers make constants of the right dtype.
//
// MatMul multiplies the last two dimensions and broadcasts the leading (batch) dimensions; when the
// right operand is a matrix ([K N]) and the left has batch dimensions, the left operand is folded to
// a matrix instead of broadcasting the right one.
//
// # Ops
//
// Primitives are the op types in ops.go (UnaryOp, BinaryOp, MatMulOp, ...). Fused ops (LayerNorm,
// GELU, QuickGELU, Softmax, Attention, AdamW, SoftmaxCrossEntropy, BCEWithLogits, Dropout)
// implement FusedOp: Decompose gives their meaning in primitives, a backend may run them natively
// (checked against the decomposition by graphtest, within the backend's documented accuracy: a
// native kernel need not equal its decomposition bit for bit, e.g. the cpu backend's float32
// exp, erf and tanh are within 1 ulp), and their gradient is their decomposition's
// unless they implement GradientOp. Ops with several outputs (AdamW) are tuple nodes whose outputs
// are read with Output(n, i). Lower prepares a graph for a backend: a fresh copy of what the
// outputs need, with the fused ops the backend does not run natively decomposed.
//
// # Gradients
//
// Gradient(loss, params...) appends the reverse-mode backward pass to the same graph and returns
// one node per param (zeros where the loss does not depend on it). Adjoints of a node used several
// times are summed; integer and boolean values carry no gradient.
//
// # Randomness
//
// Random ops take a seed (fixed when the graph is built) and a step (an I64 scalar node, usually an
// input), and element i of the result is a pure function of (seed, step, i) (RandomBits), so that a
// run can be replayed bit for bit on any backend and any thread count.
package graph
