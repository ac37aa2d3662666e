// Package cpu is bt's reference executor: it runs a graph.Graph on the host in pure Go, on every
// platform, and defines what every op computes for the other backends (mps) to match.
//
// Compile lowers the graph with graph.Lower (a copy in which fused ops without a native kernel are
// replaced by their decompositions; the caller's graph is not changed), takes the reachable nodes
// in topological order, and plans a flat schedule of kernels over buffers placed in one
// preallocated arena per dtype, where memory is reused as soon as its value's last reader has
// run (arena.go; Reshape and StopGradient alias their operand, and elementwise ops may write over
// an operand that dies with them). Transpose, Slice and Broadcast
// results are views when all their readers take strided operands (view.go): elementwise kernels
// read a broadcast bias or scalar with stride 0, attention reads the heads of a [B T H d]
// projection and writes [B T H d], so the model's split/merge-heads transposes copy nothing. Nodes
// whose operands are all constants (Iota, arithmetic on constants, position tables) are computed
// once at compile time by their own kernels and become constants (fold in plan.go). Run
// binds the caller's tensors, steps the schedule and returns output tensors owned by the
// executable; once warm it allocates nothing.
//
// Kernels are goroutine-parallel over a fixed partition that depends only on the thread count and
// every output element is computed by one sequential loop whatever the partition, so results are
// the same bit for bit from run to run and from one thread count to another. Sums of F32 values
// (reductions, softmax, layer norm) accumulate in float64. Matrix products go through a small gemm
// interface applied to fixed tiles of the result: F32 on bt's packed GEMM (gemm_packed.go; AVX-512
// or AVX2/FMA Go-assembly micro-kernels chosen at start-up, pure Go elsewhere), with bias, GELU and
// residual epilogues fused into the output pass (gemm_fuse.go); F64 on gonum's blas64, which is
// also the oracle of the GEMM tests.
//
// # Accuracy
//
// F64 kernels compute with Go's math functions. On F32, exp, erf, tanh and sigmoid (and the
// softmax, GELU, QuickGELU and attention kernels that use them) are the fast float32 functions of
// fastmath.go: within 1 ulp of the float32 rounding of the math functions for every float32
// input (TestFastMath32 measures it over all of them). A native fused kernel is held to its
// decomposition within that bound, as graphtest checks it (ForwardTolF32), not bit for bit; today
// the native kernels use the same functions, in the same order, as the unary kernels of their
// decompositions, so on amd64 they still agree to the last bit. On amd64 the F32 softmax rows,
// GELU, QuickGELU and the unary exp, erf and sigmoid loops run in AVX-512 or AVX2 Go assembly
// (vecmath.go; chosen at start-up, pure Go elsewhere) that performs the same float64 operations
// as these functions in the same order, with the softmax row sum sequential (or in lanes only
// where no addition can round: softmaxRowLanes), so every result is the same bit for bit as the
// pure-Go loops' (TestVecGELUMatchGo and TestVecSoftmaxMatchGo force each path and compare).
//
// Native kernels exist for LayerNorm, Softmax, GELU, QuickGELU and Attention. The other fused ops
// (AdamW, softmax cross-entropy, BCE with logits, dropout) run as their decompositions.
package cpu
