//go:build !darwin || !cgo

package metal

import (
	"runtime"
	"testing"
)

// TestUnavailable: every entry point says Metal is missing here, naming the platform and the way out.
func TestUnavailable(t *testing.T) {
	want := "metal: not available on " + runtime.GOOS + "/" + runtime.GOARCH + "; use --device cpu"
	if _, err := Open(); err == nil || err.Error() != want {
		t.Errorf("Open() error %v, want %q", err, want)
	}
	if _, err := Default(); err != ErrUnavailable {
		t.Errorf("Default() error %v, want ErrUnavailable", err)
	}
	var d *Device
	if _, err := d.NewBuffer(4); err != ErrUnavailable {
		t.Errorf("NewBuffer error %v", err)
	}
	if _, err := d.Pipeline("adamw_step"); err != ErrUnavailable {
		t.Errorf("Pipeline error %v", err)
	}
	if err := d.Dispatch(nil, 1); err != ErrUnavailable {
		t.Errorf("Dispatch error %v", err)
	}
}
