package cpu

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/bridgetower-go/bt/graph"
)

// Options configure a Backend.
type Options struct {
	// Threads is the number of goroutines a kernel runs on (0: GOMAXPROCS). Results do not
	// depend on it.
	Threads int

	// decomposeAll runs every fused op as its decomposition (tests compare native kernels with it).
	decomposeAll bool
	// copyLayouts materialises every transpose, slice and broadcast (tests compare views with it).
	copyLayouts bool
	// noFold runs constant subgraphs at every Run instead of once at compile time.
	noFold bool
}

// Backend compiles graphs for the host CPU. It is safe for concurrent use.
type Backend struct {
	threads      int
	mm           gemm
	decomposeAll bool
	copyLayouts  bool
	noFold       bool
}

// New returns a CPU backend.
func New(opts Options) *Backend {
	t := opts.Threads
	if t <= 0 {
		t = runtime.GOMAXPROCS(0)
	}
	ensureWorkers(t - 1)
	return &Backend{threads: t, mm: packedGemm{}, decomposeAll: opts.decomposeAll, copyLayouts: opts.copyLayouts, noFold: opts.noFold}
}

// Name is "cpu".
func (b *Backend) Name() string { return "cpu" }

// Threads is the number of goroutines kernels run on.
func (b *Backend) Threads() int { return b.threads }

// Alloc returns a zeroed host tensor (graph.NewTensor).
func (b *Backend) Alloc(dt graph.DType, shape graph.Shape) *graph.Tensor {
	return graph.NewTensor(dt, shape)
}

// native reports whether a fused node runs as its own kernel rather than its decomposition.
func (b *Backend) native(n *graph.Node) bool {
	if b.decomposeAll || (n.DType() != graph.F32 && n.DType() != graph.F64) {
		return false
	}
	switch n.Op().(type) {
	case graph.LayerNormOp, graph.SoftmaxOp, graph.GELUOp, graph.QuickGELUOp, graph.AttentionOp:
		return true
	}
	return false
}

// Compile plans the computation of outputs. Fused ops without a native kernel run as their
// decompositions, built in a lowered copy (graph.Lower): g itself is not changed.
func (b *Backend) Compile(g *graph.Graph, outputs ...*graph.Node) (graph.Executable, error) {
	return b.compile(g, outputs, nil)
}

// compile is Compile with donated args (donate.go; nil: none).
func (b *Backend) compile(g *graph.Graph, outputs []*graph.Node, donate []int) (exe graph.Executable, err error) {
	defer func() {
		if p := recover(); p != nil {
			exe, err = nil, fmt.Errorf("cpu: internal error while compiling: %v", p)
		}
	}()
	if g == nil {
		return nil, errors.New("cpu: compile of a nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("cpu: the graph has an error: %w", err)
	}
	for i, o := range outputs {
		switch {
		case o == nil:
			return nil, fmt.Errorf("cpu: output %d is nil", i)
		case o.Graph() != g:
			return nil, fmt.Errorf("cpu: output %d (%v) belongs to another graph", i, o)
		case !o.Valid():
			return nil, fmt.Errorf("cpu: output %d (%v) is invalid", i, o)
		case o.NumOutputs() > 0:
			return nil, fmt.Errorf("cpu: output %d (%v) is a tuple; request graph.Output(n, i)", i, o)
		}
	}
	args := append([]*graph.Node(nil), g.Args()...)
	order, resolved, lowArgs, err := b.schedule(outputs)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	x := &executable{args: args, lowArgs: lowArgs, don: donation{to: donate}}
	x.runner.threads = b.threads
	e := &env{threads: b.threads, r: &x.runner, mm: b.mm, copyLayouts: b.copyLayouts, noFold: b.noFold}
	if err := x.plan(e, order, resolved); err != nil {
		return nil, err
	}
	return x, nil
}
