package cpu

import "github.com/bridgetower-go/bt/internal/procstat"

// cpuSeconds is the CPU time (user+system) of the process so far: with other processes on the
// machine, GFLOP per CPU-second measures a kernel's efficiency independently of how much of the
// wall time it was scheduled (it ignores time lost waiting, which the wall-clock rate shows).
func cpuSeconds() float64 { return procstat.CPUSeconds() }
