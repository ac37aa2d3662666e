// Package procstat reads figures of the running process for benchmarks: memory from
// /proc/self/status (Linux; elsewhere 0), what they report as resident and peak memory, and the
// CPU time used so far (getrusage; NaN where unavailable).
package procstat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// KB reads a kB field of /proc/self/status ("VmRSS", "VmHWM", ...), 0 where unavailable.
func KB(field string) int64 {
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
