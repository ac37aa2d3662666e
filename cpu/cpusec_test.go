//go:build unix

package cpu

import (
	"math"
	"syscall"
	"time"
)

// cpuSeconds is the CPU time (user+system) of the process so far: with other processes on the
// machine, GFLOP per CPU-second measures a kernel's efficiency independently of how much of the
// wall time it was scheduled (it ignores time lost waiting, which the wall-clock rate shows).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
