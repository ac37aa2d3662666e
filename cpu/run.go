package cpu

import (
	"context"
	"fmt"
	"sync"

	"github.com/bridgetower-go/bt/graph"
)

// executable is a compiled graph: a flat schedule of kernels over planned buffers.
type executable struct {
	args     []*graph.Node // the caller's graph's args, as Args returns them
	lowArgs  []*graph.Node // the same args in the lowered graph the plan was made from
	argBufs  []*buffer     // per arg, nil when no output depends on it
	stage    []any         // per arg, a private copy used when the caller passes our own output memory
	steps    []step
	internal []*buffer // placed in the arenas (arena.go)
	arenas   []any     // one allocation per dtype holding every internal buffer
	outVals  []*value
	outs     []*graph.Tensor
	outSpans [][2]uintptr
	don      donation // outputs written into args (donate.go)

	mu     sync.Mutex // one Run at a time: the buffers are shared
	runner runner
}

// Args returns the graph's Param and Input nodes at compile time, in creation order.
func (x *executable) Args() []*graph.Node { return x.args }

// Run computes the outputs from one tensor per arg (nil allowed for args no output depends on;
// every non-nil arg is checked). The
// returned slice and tensors belong to the executable and are overwritten by the next Run. Arg
// tensors are never written, except donated ones (CompileDonating). Run calls are serialised.
func (x *executable) Run(ctx context.Context, args []*graph.Tensor) (outs []*graph.Tensor, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.bind(args); err != nil {
		return nil, err
	}
	if err := x.bindDonated(args); err != nil {
		return nil, err
	}
	cur := -1
	defer func() {
		if p := recover(); p != nil {
			outs = nil
			if cur >= 0 {
				err = fmt.Errorf("cpu: %v: internal error: %v", x.steps[cur].node, p)
			} else {
				err = fmt.Errorf("cpu: internal error: %v", p)
			}
		}
	}()
	for i := range x.steps {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("cpu: run stopped before %v: %w", x.steps[i].node, err)
		}
		cur = i
		if err := x.steps[i].k.run(); err != nil {
			return nil, fmt.Errorf("cpu: %v: %w", x.steps[i].node, err)
		}
	}
	return x.outs, nil
}

// bind checks the args and points the arg buffers at their data.
func (x *executable) bind(args []*graph.Tensor) error {
	if len(args) != len(x.args) {
		return fmt.Errorf("cpu: %d args given, the graph has %d", len(args), len(x.args))
	}
	for i, t := range args {
		b := x.argBufs[i]
		n := x.args[i]
		if t == nil {
			if b != nil {
				return fmt.Errorf("cpu: %s %q is nil, but the outputs depend on it", n.Op().Name(), graph.Label(n))
			}
			continue
		}
		if t.DType != n.DType() {
			return fmt.Errorf("cpu: %s %q: dtype %v, want %v", n.Op().Name(), graph.Label(n), t.DType, n.DType())
		}
		if !t.Shape.Equal(n.Shape()) {
			return fmt.Errorf("cpu: %s %q: shape %v, want %v", n.Op().Name(), graph.Label(n), t.Shape, n.Shape())
		}
		if err := t.Check(); err != nil {
			return fmt.Errorf("cpu: %s %q: %w", n.Op().Name(), graph.Label(n), err)
		}
		if b == nil {
			continue
		}
		b.data = t.Data
		if x.aliasesOutput(t.Data) {
			if x.stage == nil {
				x.stage = make([]any, len(x.args))
			}
			if x.stage[i] == nil {
				x.stage[i] = graph.NewTensor(t.DType, graph.Shape{b.size}).Data
			}
			copyAny(x.stage[i], t.Data)
			b.data = x.stage[i]
		}
	}
	return nil
}

// aliasesOutput reports whether data shares memory with an output tensor of this executable (a
// caller feeding an output back as an arg): the run would overwrite it while reading it.
func (x *executable) aliasesOutput(data any) bool {
	lo, hi := span(data)
	if hi <= lo {
		return false
	}
	for _, s := range x.outSpans {
		if lo < s[1] && s[0] < hi {
			return true
		}
	}
	return false
}
