// Package cpu is bt's reference executor: it runs a graph.Graph on the host in pure Go, on every
// platform, and defines what every op computes for the other backends (mps) to match.
//
// Compile lowers the graph with graph.Lower (a copy in which fused ops without a native kernel are
// replaced by their decompositions; the caller's graph is not changed), takes the reachable nodes
// in topological order, and plans a flat schedule of kernels over preallocated buffers that are
// reused as soon as their last reader has run (Reshape and StopGradient alias their operand, and
// elementwise ops may write over an operand that dies with them). Run binds the caller's tensors,
// steps the schedule and returns output tensors owned by the executable; once warm it allocates
// nothing.
//
// Kernels are goroutine-parallel over a fixed partition that depends only on the thread count and
// every output element is computed by one sequential loop whatever the partition, so results are
// the same bit for bit from run to run and from one thread count to another. Sums of F32 values
// (reductions, softmax, layer norm) accumulate in float64. Matrix products go through a small gemm
// interface (gonum's blas32/blas64 today) applied to fixed tiles of the result.
//
// Native kernels exist for LayerNorm, Softmax, GELU, QuickGELU and Attention; they perform the same
// float operations in the same order as the ops' decompositions. The other fused ops (AdamW,
// softmax cross-entropy, BCE with logits, dropout) run as their decompositions.
package cpu
