//go:build unix

package procstat

import (
	"math"
	"syscall"
	"time"
)

// CPUSeconds is the CPU time (user + system, all threads) of the process so far. With other
// processes on the machine, work per CPU-second measures a kernel's efficiency independently of
// how much of the wall time it was scheduled.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
