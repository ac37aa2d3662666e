package procstat

import (
	"runtime"
	"testing"
)

// On Linux the resident set of a running Go test is at least a megabyte and the peak is at least
// the current figure; an unknown field is 0.
func TestKB(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/status is Linux's")
	}
	rss, hwm := KB("VmRSS"), KB("VmHWM")
	if rss < 1024 || hwm < rss {
		t.Errorf("VmRSS %d kB, VmHWM %d kB", rss, hwm)
	}
	if KB("NoSuchField") != 0 {
		t.Error("unknown field not 0")
	}
}
