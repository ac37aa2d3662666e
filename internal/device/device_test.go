package device

import (
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestOpen(t *testing.T) {
	b, err := Open("cpu")
	if err != nil || b.Name() != "cpu" {
		t.Fatalf("Open(cpu) = %v, %v", b, err)
	}
	if _, err := Open("tpu"); err == nil || !strings.Contains(err.Error(), `"tpu" is not a device`) || !strings.Contains(err.Error(), "auto|") {
		t.Errorf("Open(tpu) error %v", err)
	}
	if !strings.HasPrefix(Choices(), "auto|metal|cpu") {
		t.Errorf("Choices() = %q, want auto|metal|cpu first (by auto preference)", Choices())
	}
}

// TestMetalOffMac: where Metal is not built in, --device metal is a clear error and auto is cpu.
func TestMetalOffMac(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("on a Mac metal may be available")
	}
	_, err := Open("metal")
	want := "metal: not available on " + runtime.GOOS + "/" + runtime.GOARCH + "; use --device cpu"
	if err == nil || err.Error() != want {
		t.Errorf("Open(metal) error %v, want %q", err, want)
	}
	b, err := Open("auto")
	if err != nil || b.Name() != "cpu" {
		t.Errorf("Open(auto) = %v, %v; want cpu", b, err)
	}
}

// TestAutoPreference registers two fake backends: auto takes the preferred one that opens, skips
// one that fails, and never takes one with Auto 0.
func TestAutoPreference(t *testing.T) {
	saved := registry
	defer func() { registry = saved }()
	registry = map[string]Backend{}
	opened := ""
	fake := func(name string, fail bool) func() (graph.Backend, error) {
		return func() (graph.Backend, error) {
			if fail {
				return nil, errString(name + ": not here")
			}
			opened = name
			return nil, nil
		}
	}
	Register(Backend{Name: "best", Auto: 10, Open: fake("best", true)})
	Register(Backend{Name: "good", Auto: 5, Open: fake("good", false)})
	Register(Backend{Name: "never", Auto: 0, Open: fake("never", false)})
	if _, err := Open("auto"); err != nil || opened != "good" {
		t.Errorf("auto opened %q (err %v), want good", opened, err)
	}
	registry = map[string]Backend{}
	Register(Backend{Name: "best", Auto: 10, Open: fake("best", true)})
	if _, err := Open("auto"); err == nil || !strings.Contains(err.Error(), "best: not here") {
		t.Errorf("auto with nothing available: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	Register(Backend{Name: "best", Auto: 1, Open: fake("x", false)})
}

type errString string

func (e errString) Error() string { return string(e) }

// TestPrecision: f16 opens backends that have it (mps-sim here), refuses the others naming the
// ones that do, and auto with f16 off a Mac finds none.
func TestPrecision(t *testing.T) {
	if b, err := OpenPrecision("mps-sim", "f16"); err != nil || !strings.HasSuffix(b.Name(), "-f16") {
		t.Fatalf("mps-sim f16: %v, %v", b, err)
	}
	if _, err := OpenPrecision("cpu", "f16"); err == nil || !strings.Contains(err.Error(), "cpu computes in f32 only") || !strings.Contains(err.Error(), "mps-sim") {
		t.Errorf("cpu f16: %v", err)
	}
	if _, err := OpenPrecision("cpu", "f8"); err == nil || !strings.Contains(err.Error(), `precision "f8"`) {
		t.Errorf("f8: %v", err)
	}
	if b, err := OpenPrecision("cpu", "f32"); err != nil || b.Name() != "cpu" {
		t.Errorf("cpu f32: %v, %v", b, err)
	}
}
