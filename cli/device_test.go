package cli

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestForwardDeviceMetalOffMac: off a Mac, --device metal fails with the platform named and the
// way out, before anything is written; --device auto runs on the cpu.
func TestForwardDeviceMetalOffMac(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("on a Mac metal may be available")
	}
	out := filepath.Join(t.TempDir(), "out.safetensors")
	args := []string{"forward", "--model", forwardCase, "--inputs", filepath.Join(forwardCase, "inputs.safetensors"), "--output", out}
	_, err := runBT(t, append(args, "--device", "metal")...)
	want := "forward: --device metal: metal: not available on " + runtime.GOOS + "/" + runtime.GOARCH + "; use --device cpu"
	if err == nil || err.Error() != want {
		t.Errorf("--device metal: %v, want %q", err, want)
	}
	msg, err := runBT(t, append(args, "--device", "auto")...)
	if err != nil || !strings.Contains(msg, " on cpu)") {
		t.Errorf("--device auto: %v\n%s", err, msg)
	}
}
