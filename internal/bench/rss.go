package bench

import (
	"os"

	"github.com/bridgetower-go/bt/internal/procstat"
)

// This file: peak resident memory. getrusage's ru_maxrss is the process's peak since it started
// (kB on Linux, bytes on macOS); on Linux /proc/self/status's VmHWM is the same peak, and it can
// be reset (writing 5 to /proc/self/clear_refs) to measure the peak of one case.

// VmHWMMB is the VmHWM line of /proc/self/status in MiB (0 where there is none).
func VmHWMMB() float64 { return float64(procstat.KB("VmHWM")) / 1024 }

// ResetPeakRSS resets VmHWM to the current RSS (Linux >= 4.0); it reports whether it could.
func ResetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
