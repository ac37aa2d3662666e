package mps

import (
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
)

// Options configure a Backend.
type Options struct {
	// Precision is the compute type of F32 graphs (default PrecisionF32).
	Precision Precision
	// CacheSize bounds the compiled executables kept per backend (default 16); the oldest is
	// dropped first.
	CacheSize int
}

// Backend implements graph.Backend on an MPSGraph implementation: the real one (New, darwin) or
// the simulator (NewSimulated, any OS). Each Compile lowers the whole graph once into one
// executable, cached by (graph, outputs): shapes are static in bt's graphs, so that is one
// executable per input shape.
type Backend struct {
	name     string
	newGraph func() Graph
	opts     Options
	w        *worker

	mu    sync.Mutex
	cache []cached
	// Buffers handed out by Alloc, by the address of their first byte: Run feeds them to the
	// executable as they are (no copy). They live as long as the backend.
	owned map[unsafe.Pointer]TensorData
	alloc Graph // the Graph whose NewTensorData Alloc uses (made on first use)
}

type cached struct {
	key string
	exe *executable
}

// NewSimulated returns the mps backend on the pure-Go MPSGraph simulator (any OS). Its numbers
// follow MPSGraph's documented semantics, not a GPU's: use it to test the lowering.
func NewSimulated(opts Options) *Backend {
	return newBackend("mps-sim", func() Graph { return NewSim() }, opts)
}

func newBackend(name string, newGraph func() Graph, opts Options) *Backend {
	if opts.CacheSize <= 0 {
		opts.CacheSize = 16
	}
	return &Backend{name: name, newGraph: newGraph, opts: opts, w: newWorker()}
}

// Name is "metal" on a Mac and "mps-sim" for the simulator; the precision is appended when not f32.
func (b *Backend) Name() string {
	if b.opts.Precision != PrecisionF32 {
		return b.name + "-" + b.opts.Precision.String()
	}
	return b.name
}

// Close stops the backend's thread. Executables must not be run afterwards.
func (b *Backend) Close() { b.w.stop() }

// Alloc returns a zeroed tensor whose Data is a buffer in unified memory (darwin: a shared
// MTLBuffer) that lives as long as the backend. Passed to Run, it is fed to the executable
// without a copy, so weights allocated here and updated in place stay on the device between
// steps; other tensors are copied into the executable's own input buffers. Dtypes MPSGraph lacks
// (F64, BF16) and empty shapes get ordinary host tensors.
func (b *Backend) Alloc(dt graph.DType, shape graph.Shape) *graph.Tensor {
	mdt, err := dataType(dt)
	if err != nil || shape.Size() == 0 {
		return graph.NewTensor(dt, shape)
	}
	var d TensorData
	err = b.w.do(func() error {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.alloc == nil {
			b.alloc = b.newGraph()
		}
		var err error
		d, err = b.alloc.NewTensorData(ShapedType{Shape: shape, DataType: mdt})
		if err == nil {
			if b.owned == nil {
				b.owned = map[unsafe.Pointer]TensorData{}
			}
			b.owned[unsafe.Pointer(unsafe.SliceData(d.Bytes()))] = d
		}
		return err
	})
	if err != nil {
		return graph.NewTensor(dt, shape)
	}
	return view(dt, shape, d.Bytes())
}

// owner returns the Alloc buffer t's data is, if any, with the type typ.
func (b *Backend) owner(t *graph.Tensor, typ ShapedType) TensorData {
	p := bytesOf(t)
	if len(p) == 0 {
		return nil
	}
	b.mu.Lock()
	d := b.owned[unsafe.Pointer(unsafe.SliceData(p))]
	b.mu.Unlock()
	if d == nil || d.Type().DataType != typ.DataType || !slices.Equal(d.Type().Shape, typ.Shape) || len(d.Bytes()) != len(p) {
		return nil
	}
	return d
}

// FloatDTypes are the float dtypes the backend computes in (graphtest reads them): MPSGraph has
// no float64, and bfloat16 needs macOS 14.
func (b *Backend) FloatDTypes() []graph.DType { return []graph.DType{graph.F32, graph.F16} }

// BitwiseDeterministic is false: the GPU's reduction order and scatter atomics are not
// documented to be fixed, so repeated runs are equal within tolerance only. The simulator says
// the same as the device it stands for.
func (b *Backend) BitwiseDeterministic() bool { return false }

// Compile lowers the computation of outputs to one MPSGraph executable.
func (b *Backend) Compile(g *graph.Graph, outputs ...*graph.Node) (graph.Executable, error) {
	if g == nil {
		return nil, fmt.Errorf("mps: compile: nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("mps: compile: the graph has an error: %w", err)
	}
	key := fmt.Sprintf("%p", g)
	for _, o := range outputs {
		if o == nil || o.Graph() != g {
			return nil, fmt.Errorf("mps: compile: output %v is not a node of this graph", o)
		}
		key += fmt.Sprintf(",%d", o.ID())
	}
	b.mu.Lock()
	for _, c := range b.cache {
		if c.key == key {
			b.mu.Unlock()
			return c.exe.fresh(), nil
		}
	}
	b.mu.Unlock()
	var exe *executable
	err := b.w.do(func() error {
		var err error
		exe, err = b.compile(g, outputs)
		return err
	})
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.cache = append(b.cache, cached{key, exe})
	if len(b.cache) > b.opts.CacheSize {
		b.cache = slices.Delete(b.cache, 0, 1)
	}
	b.mu.Unlock()
	return exe, nil
}

// compile runs on the backend's thread.
func (b *Backend) compile(g *graph.Graph, outputs []*graph.Node) (*executable, error) {
	lw, err := graph.Lower(outputs, native)
	if err != nil {
		return nil, fmt.Errorf("mps: %w", err)
	}
	mg := b.newGraph()
	l := &lowerer{g: mg, prec: b.opts.Precision}
	targets, err := l.lowerGraph(lw)
	if err != nil {
		return nil, err
	}
	feeds := make([]Feed, len(l.feeds))
	for i, f := range l.feeds {
		feeds[i] = Feed{Tensor: f.tensor, Type: f.typ}
	}
	me, err := mg.CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(feeds, targets)
	if err != nil {
		return nil, err
	}
	return newExecutable(b, mg, me, g.Args(), l.feeds, l.checks, lw.Outputs)
}

// ChecksComputedIndices is false: a GPU kernel cannot raise an error, so Run checks gather and
// scatter indices and integer divisors given as args on the host, before upload; values computed
// inside the graph are in range by construction (the simulator reports them anyway).
func (b *Backend) ChecksComputedIndices() bool { return false }
