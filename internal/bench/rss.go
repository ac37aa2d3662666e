package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// This file: peak resident memory. getrusage's ru_maxrss is the process's peak since it started
// (kB on Linux, bytes on macOS); on Linux /proc/self/status's VmHWM is the same peak, and it can
// be reset (writing 5 to /proc/self/clear_refs) to measure the peak of one case.

// VmHWMMB is the VmHWM line of /proc/self/status in MiB (0 where there is none).
func VmHWMMB() float64 { return float64(procStatusKB("VmHWM")) / 1024 }

// ResetPeakRSS resets VmHWM to the current RSS (Linux >= 4.0); it reports whether it could.
func ResetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatusKB reads a kB field of /proc/self/status (0 where unavailable).
func procStatusKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}
