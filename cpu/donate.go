package cpu

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// This file: donated args. A training step's updated parameters and optimizer moments are
// outputs that replace args; CompileDonating lets such an output be computed directly in the
// memory of its arg (the caller's tensor), so that weights and moments stay resident once and a
// step needs no staging copy of them.

// donation records which outputs are written into which args.
type donation struct {
	to      []int  // per output: the arg it is written into, or -1 (nil: no donation)
	inPlace []bool // per output: computed directly in the arg's memory (else copied there at the end)
}

// CompileDonating is Compile with donated args: donate[i] >= 0 says that output i replaces arg
// donate[i] (same dtype and shape), which Run then overwrites with it. When every read of the arg
// precedes the step that computes the output (or is an elementwise operand of that step), the
// output is computed in the arg's memory directly; otherwise it is computed in a buffer of its own
// and copied into the arg at the end of the run (InPlace reports which). The returned tensor of a
// donated output is the caller's arg tensor. An arg may be donated to one output only.
func (b *Backend) CompileDonating(g *graph.Graph, outputs []*graph.Node, donate []int) (graph.Executable, error) {
	if len(donate) != len(outputs) {
		return nil, fmt.Errorf("cpu: %d donations for %d outputs", len(donate), len(outputs))
	}
	if g == nil {
		return nil, fmt.Errorf("cpu: compile of a nil graph")
	}
	args := g.Args()
	used := map[int]int{}
	for i, a := range donate {
		if a < 0 {
			continue
		}
		if a >= len(args) {
			return nil, fmt.Errorf("cpu: output %d is donated arg %d, the graph has %d args", i, a, len(args))
		}
		if prev, dup := used[a]; dup {
			return nil, fmt.Errorf("cpu: arg %d (%q) is donated to outputs %d and %d", a, graph.Label(args[a]), prev, i)
		}
		used[a] = i
		if o := outputs[i]; o != nil && o.Valid() && (o.DType() != args[a].DType() || !o.Shape().Equal(args[a].Shape())) {
			return nil, fmt.Errorf("cpu: output %d %v%v cannot replace arg %q %v%v", i, o.DType(), o.Shape(), graph.Label(args[a]), args[a].DType(), args[a].Shape())
		}
	}
	return b.compile(g, outputs, append([]int(nil), donate...))
}

// InPlace reports, per output, whether it is computed directly in its donated arg's memory.
func (x *executable) InPlace() []bool { return append([]bool(nil), x.don.inPlace...) }

func (d *donation) donated(i int) bool { return d.to != nil && d.to[i] >= 0 }

// placeDonated runs after liveness and before buffer assignment: each donated output that can
// live in its arg's buffer is given that buffer (assign then leaves it alone).
func (x *executable) placeDonated(outVals []*value) {
	if x.don.to == nil {
		return
	}
	x.don.inPlace = make([]bool, len(outVals))
	for i, v := range outVals {
		a := x.don.to[i]
		if a < 0 || v.vb.phys != nil {
			continue // not donated, or the output is itself an arg or a constant
		}
		if x.argBufs[a] == nil {
			x.argBufs[a] = &buffer{kind: bufArg, dtype: v.dtype, size: v.size, arg: a}
		}
		if x.donatable(v, x.argBufs[a]) {
			v.vb.phys = x.argBufs[a]
			x.don.inPlace[i] = true
		}
	}
}

// donatable reports whether v can be computed in buf: every step reading buf comes before the
// step defining v, or is that step reading buf as an elementwise operand of the same size.
func (x *executable) donatable(v *value, buf *buffer) bool {
	def := -1
	for s, st := range x.steps {
		if st.out.vb == v.vb {
			def = s
			break
		}
	}
	if def < 0 {
		return false
	}
	for s := def; s < len(x.steps); s++ {
		st := x.steps[s]
		for j, in := range st.ins {
			if in.vb.phys != buf {
				continue
			}
			if s > def || !elementwiseOperand(st.node, j) || in.size != v.size {
				return false
			}
		}
	}
	return true
}

// elementwiseOperand reports whether output element k of n depends on operand j only at k.
func elementwiseOperand(n *graph.Node, j int) bool {
	switch n.Op().(type) {
	case graph.UnaryOp, graph.BinaryOp, graph.WhereOp:
		for _, k := range inPlace(n) {
			if k == j {
				return true
			}
		}
	}
	return false
}

// copyDonated appends, after the output copies, a copy into the arg of each donated output that
// could not be computed in place.
func (x *executable) copyDonated(e *env) {
	for i, a := range x.don.to {
		if a < 0 || x.don.inPlace[i] {
			continue
		}
		v := x.outVals[i]
		dst := &value{node: v.node, dtype: v.dtype, shape: v.shape, size: v.size, vb: &vbuf{phys: x.argBufs[a], last: never}}
		x.steps = append(x.steps, step{node: v.node, k: copyOf(e, v, dst), ins: []*value{v}, out: dst})
		x.outVals[i] = dst
	}
}

// bindDonated checks that each donated arg is bound to the caller's own memory and makes the
// output tensor show it.
func (x *executable) bindDonated(args []*graph.Tensor) error {
	for i, a := range x.don.to {
		if a < 0 {
			continue
		}
		t := args[a]
		if t == nil {
			return fmt.Errorf("cpu: arg %q is nil, but output %d is donated to it", graph.Label(x.args[a]), i)
		}
		if b := x.argBufs[a]; b.data == nil || !sameSpan(b.data, t.Data) {
			return fmt.Errorf("cpu: donated arg %q shares memory with an output of this executable", graph.Label(x.args[a]))
		}
		x.outs[i].Data = t.Data
	}
	return nil
}

func sameSpan(a, b any) bool {
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo == blo && ahi == bhi
}

// PlannedBytes is the memory the executable allocated for its intermediate values and outputs
// (the arenas, in which buffers share memory by liveness); arg and constant memory is the caller's.
func (x *executable) PlannedBytes() int64 {
	var n int64
	for _, a := range x.arenas {
		lo, hi := span(a)
		n += int64(hi - lo)
	}
	return n
}

// PeakLiveBytes is, summed over dtypes, the largest total of the intermediate values of a dtype
// live at one step of the schedule (padded to the arena's alignment): the least memory any
// placement of them in per-dtype arenas needs (PlannedBytes is at least this).
func (x *executable) PeakLiveBytes() int64 {
	byType := map[graph.DType][]*buffer{}
	for _, b := range x.internal {
		byType[b.dtype] = append(byType[b.dtype], b)
	}
	var n int64
	for dt, bs := range byType {
		n += int64(peakLive(bs, max(1, arenaAlign/dt.Size())) * dt.Size())
	}
	return n
}
