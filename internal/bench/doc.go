// Package bench measures bt's CPU speed for `bt bench`: the forward pass and a training step of a
// randomly initialised BridgeTower preset, tokenizer and image-preprocessing throughput. Each
// case is warmed up, then timed over several runs (median, min, max); model cases report the
// GEMM FLOPs of their graph (GEMMFlops), the GFLOP/s they reach, load and compile time and the
// peak resident memory while they ran.
package bench
