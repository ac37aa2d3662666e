package cli

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/internal/golden"
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

// TestForwardPrecisionF16: --precision f16 on the MPS simulator holds the golden m02 outputs to
// the float16 tolerance (numcmp.F16Outputs) by default; a bad value is a usage error.
func TestForwardPrecisionF16(t *testing.T) {
	m := golden.ModelCase("m02_scaled_add_b3_pad_h64_eps")
	out := filepath.Join(t.TempDir(), "o.safetensors")
	args := []string{"forward", "--model", m, "--inputs", filepath.Join(m, "inputs.safetensors"), "-o", out,
		"--reference", filepath.Join(m, "outputs.safetensors"), "--device", "mps-sim"}
	stdout, stderr, code := runMain(t, append(args, "--precision", "f16")...)
	if code != ExitOK || !strings.Contains(stdout, "within 0.001 + 0.01") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if _, stderr, code := runMain(t, append(args, "--precision", "f8")...); code != ExitUsage || !strings.Contains(stderr, `--precision "f8"`) {
		t.Errorf("f8: exit %d, %s", code, stderr)
	}
}
