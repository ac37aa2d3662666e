package device

import (
	"fmt"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/metal"
	"github.com/bridgetower-go/bt/mps"
)

// The backends of this build, one line each. A new backend adds its line here.
func init() {
	Register(Backend{Name: "cpu", Auto: 1, Usage: "pure-Go reference executor (every platform)",
		Open: func() (graph.Backend, error) { return cpu.New(cpu.Options{}), nil }})
	Register(Backend{Name: "metal", Auto: 10, Usage: "Apple GPU through MPSGraph (macOS on Apple Silicon)",
		Open:    func() (graph.Backend, error) { return openMetal(mps.Options{}) },
		OpenF16: func() (graph.Backend, error) { return openMetal(mps.Options{Precision: mps.PrecisionF16}) }})
	Register(Backend{Name: "mps-sim", Usage: "the MPSGraph lowering on bt's pure-Go MPSGraph simulator (every platform; for checking, slow)",
		Open:    func() (graph.Backend, error) { return mps.NewSimulated(mps.Options{}), nil },
		OpenF16: func() (graph.Backend, error) { return mps.NewSimulated(mps.Options{Precision: mps.PrecisionF16}), nil }})
}

// metalGraph builds the graph backend on the Metal device: the mps package's MPSGraph backend
// (which opens the default device itself).
var metalGraph = func(_ *metal.Device, opts mps.Options) (graph.Backend, error) { return mps.New(opts) }

// openMetal opens the default GPU (on Linux: "metal: not available on linux/amd64; use --device
// cpu") and the Metal graph backend on it.
func openMetal(opts mps.Options) (graph.Backend, error) {
	dev, err := metal.Default()
	if err != nil {
		return nil, err
	}
	if metalGraph == nil {
		return nil, fmt.Errorf("metal: %s found, but this build has no Metal graph backend yet (package mps); use --device cpu", dev.Name())
	}
	return metalGraph(dev, opts)
}
