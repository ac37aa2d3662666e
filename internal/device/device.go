// Package device is the registry of compute backends behind every command's --device flag:
// cpu everywhere, metal where package metal finds a GPU and a Metal graph backend is built in,
// and any other backend a package registers (the mps simulator for bt selftest). Backends are
// listed in backends.go, one line each.
package device

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// Backend is one registered --device choice.
type Backend struct {
	Name  string
	Usage string // one line for --help
	// Auto is the preference of --device auto, highest first; 0: auto never picks it.
	Auto int
	// Open returns the backend, or an error saying why it is not available here (with the way out:
	// "use --device cpu").
	Open func() (graph.Backend, error)
	// OpenF16, when set, opens the backend with float16 activations and matrix products (float32
	// master weights, float32 LayerNorm/softmax accumulation): --precision f16.
	OpenF16 func() (graph.Backend, error)
}

var registry = map[string]Backend{}

// Register adds a backend; registering a name twice panics (two packages claiming one name).
func Register(b Backend) {
	if b.Name == "" || b.Name == "auto" || b.Name == "all" || b.Open == nil {
		panic(fmt.Sprintf("device: Register(%q): reserved name or no Open", b.Name))
	}
	if _, dup := registry[b.Name]; dup {
		panic(fmt.Sprintf("device: backend %q registered twice", b.Name))
	}
	registry[b.Name] = b
}

// Names lists the registered backends: by auto preference (highest first), then by name.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := registry[out[i]], registry[out[j]]
		if a.Auto != b.Auto {
			return a.Auto > b.Auto
		}
		return a.Name < b.Name
	})
	return out
}

// Lookup returns the registered backend of name.
func Lookup(name string) (Backend, bool) {
	b, ok := registry[name]
	return b, ok
}

// Choices is the text of the --device values: "auto|cpu|metal|...".
func Choices() string { return "auto|" + strings.Join(Names(), "|") }

// Open returns the backend of a --device value: a registered name, or "auto" (the available
// backend of highest Auto preference: metal on a Mac with a GPU and a Metal backend, else cpu).
func Open(name string) (graph.Backend, error) { return OpenPrecision(name, "f32") }

// OpenPrecision is Open with a --precision value: "f32", or "f16" for backends that have it
// (auto then picks the preferred available one of those).
func OpenPrecision(name, precision string) (graph.Backend, error) {
	switch precision {
	case "f32", "":
	case "f16":
		return openF16(name)
	default:
		return nil, fmt.Errorf("device: precision %q: want f32 or f16", precision)
	}
	if name == "auto" {
		var errs []string
		for _, n := range Names() {
			b := registry[n]
			if b.Auto <= 0 {
				continue
			}
			be, err := b.Open()
			if err == nil {
				return be, nil
			}
			errs = append(errs, err.Error())
		}
		return nil, fmt.Errorf("device: auto: no backend available: %s", strings.Join(errs, "; "))
	}
	b, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("device: %q is not a device of this build (want %s)", name, Choices())
	}
	return b.Open()
}

// openF16 opens name (or, for auto, the preferred available backend that has one) in float16.
func openF16(name string) (graph.Backend, error) {
	if name != "auto" {
		b, ok := registry[name]
		if !ok {
			return nil, fmt.Errorf("device: %q is not a device of this build (want %s)", name, Choices())
		}
		if b.OpenF16 == nil {
			return nil, fmt.Errorf("device: %s computes in f32 only; --precision f16 is for %s", name, strings.Join(f16Names(), ", "))
		}
		return b.OpenF16()
	}
	var errs []string
	for _, n := range Names() {
		if b := registry[n]; b.Auto > 0 && b.OpenF16 != nil {
			be, err := b.OpenF16()
			if err == nil {
				return be, nil
			}
			errs = append(errs, err.Error())
		}
	}
	return nil, fmt.Errorf("device: auto with --precision f16: no backend available (%s)", strings.Join(errs, "; "))
}

func f16Names() []string {
	var out []string
	for _, n := range Names() {
		if registry[n].OpenF16 != nil {
			out = append(out, n)
		}
	}
	return out
}
