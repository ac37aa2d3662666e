package cpu

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// step is one kernel of the schedule, with the node it computes (for errors), its operands and
// its result.
type step struct {
	node *graph.Node
	k    kernel
	ins  []*value
	out  *value
}

// inPlace lists the operands whose buffer an op may overwrite with its result when the operand
// dies at this op: every output element depends only on the operand elements at the same position
// (or, for row kernels, on a row that is read before it is written).
func inPlace(n *graph.Node) []int {
	switch n.Op().(type) {
	case graph.UnaryOp, graph.GELUOp, graph.QuickGELUOp, graph.SoftmaxOp, graph.LayerNormOp:
		return []int{0}
	case graph.BinaryOp:
		return []int{0, 1}
	case graph.WhereOp:
		return []int{1, 2}
	}
	return nil
}

// plan creates values, kernels and buffers for the scheduled nodes and the outputs.
func (x *executable) plan(e *env, order, resolved []*graph.Node) error {
	vals := make(map[*graph.Node]*value, len(order))
	argIndex := make(map[*graph.Node]int, len(x.lowArgs))
	for i, a := range x.lowArgs {
		argIndex[a] = i
	}
	x.argBufs = make([]*buffer, len(x.args))
	fz := findFusions(order, resolved) // GEMM epilogue fusion (gemm_fuse.go)
	vp := newViewPlanner(order, resolved, fz)
	vp.off = e.copyLayouts
	for _, n := range order {
		if fz.absorbed[n] {
			continue
		}
		v := &value{node: n, dtype: n.DType(), shape: n.Shape(), size: n.Shape().Size()}
		vals[n] = v
		ins := make([]*value, len(fz.inputs(n)))
		for i, in := range fz.inputs(n) {
			ins[i] = vals[in]
			if ins[i] == nil {
				return fmt.Errorf("cpu: internal error: operand %v of %v not scheduled", in, n)
			}
		}
		switch op := n.Op().(type) {
		case graph.ParamOp, graph.InputOp:
			i, ok := argIndex[n]
			if !ok {
				return fmt.Errorf("cpu: %v: arg is not among the graph's args", n)
			}
			buf := &buffer{kind: bufArg, dtype: v.dtype, size: v.size, arg: i}
			x.argBufs[i] = buf
			v.vb = &vbuf{phys: buf, last: never}
		case graph.ConstOp:
			if err := op.Value.Check(); err != nil {
				return fmt.Errorf("cpu: %v: %w", n, err)
			}
			v.vb = &vbuf{phys: &buffer{kind: bufConst, dtype: v.dtype, size: v.size, data: op.Value.Data}, last: never}
		case graph.ReshapeOp, graph.StopGradientOp:
			v.vb = ins[0].vb
			if w := ins[0].view; w != nil {
				if w.strides == nil {
					v.view = &view{off: w.off}
					break
				}
				ns, ok := reshapeStrides(ins[0].shape, w.strides, v.shape)
				if !ok {
					return fmt.Errorf("cpu: %v: internal error: reshape of a view that cannot be addressed so", n)
				}
				v.view = normView(v.shape, w.off, ns)
			}
		case graph.GetOp:
			return fmt.Errorf("cpu: %v: reads a tuple without a decomposition", n)
		default:
			if off, st, ok := layoutView(n, ins...); ok {
				w := normView(v.shape, off, st)
				if w == nil || vp.accepts(n, w) {
					v.vb, v.view = ins[0].vb, w // read in place by every reader
					break
				}
			}
			if _, ok := n.Op().(graph.AttentionOp); ok {
				v.view = vp.attentionOut(n)
			}
			k, err := fz.kernel(e, n, ins, v)
			if err != nil {
				return err
			}
			if fold(e, k, ins, v) {
				break
			}
			v.vb = &vbuf{last: -1}
			x.steps = append(x.steps, step{node: fz.node(n), k: k, ins: ins, out: v})
		}
	}
	// Liveness: the last step reading each virtual buffer (through any alias).
	for s, st := range x.steps {
		for _, in := range st.ins {
			in.vb.last = max(in.vb.last, s)
		}
	}
	outVals := make([]*value, len(resolved))
	for i, o := range resolved {
		outVals[i] = vals[o]
		outVals[i].vb.last = never
	}
	x.placeDonated(outVals) // donate.go
	x.assign()
	x.outputs(e, outVals)
	x.copyDonated(e) // donate.go
	x.arrange()      // arena.go
	x.outs = make([]*graph.Tensor, len(outVals))
	for i, v := range x.outVals {
		x.outs[i] = &graph.Tensor{DType: v.dtype, Shape: v.shape.Clone()}
		if !x.don.donated(i) { // a donated output shows its arg, bound by Run (donate.go)
			x.outs[i].Data = sliceAny(v.vb.phys.data, v.size)
		}
	}
	x.outSpans = make([][2]uintptr, 0, len(x.outs))
	for _, t := range x.outs {
		lo, hi := span(t.Data)
		if hi > lo {
			x.outSpans = append(x.outSpans, [2]uintptr{lo, hi})
		}
	}
	return nil
}

// assign maps virtual buffers to physical ones in step order: a step takes over the buffer of an
// operand that dies with it when the op allows (inPlace), else it gets a buffer of its own. Each
// physical buffer records the steps during which it holds a live value (from its first writer to
// the last reader of its last tenant); arrange (arena.go) then gives buffers whose lifetimes do not
// overlap the same memory.
func (x *executable) assign() {
	for s, st := range x.steps {
		out := st.out
		if out.vb.phys == nil {
			for _, j := range inPlace(st.node) {
				in := st.ins[j]
				if in.vb.last != s || in.vb.released || in.vb.phys.kind != bufInternal || in.dtype != out.dtype || in.size != out.size || in.view != nil {
					continue
				}
				if _, ln := st.node.Op().(graph.LayerNormOp); ln && (st.ins[1].vb == in.vb || st.ins[2].vb == in.vb) {
					continue
				}
				out.vb.phys = in.vb.phys
				in.vb.released = true // the buffer now belongs to the output
				break
			}
		}
		if out.vb.phys == nil {
			out.vb.phys = x.newInternal(out.dtype, out.size, s)
		}
		if b := out.vb.phys; b.kind == bufInternal {
			b.to = max(b.to, s, out.vb.last)
		}
	}
}

// newInternal is a buffer of the arena, written first by step s.
func (x *executable) newInternal(dt graph.DType, size, s int) *buffer {
	b := &buffer{kind: bufInternal, dtype: dt, size: size, from: s, to: s}
	x.internal = append(x.internal, b)
	return b
}

// outputs decides where each output tensor's data lives: in the buffer of its value, unless that
// buffer is an arg or a constant, or already shows an earlier output (the same node twice, or a
// reshape of another output); those get a buffer of their own and a copy step at the end.
func (x *executable) outputs(e *env, outVals []*value) {
	claimed := map[*buffer]bool{}
	x.outVals = make([]*value, len(outVals))
	for i, v := range outVals {
		if b := v.vb.phys; (b.kind == bufInternal && !claimed[b]) || (x.don.donated(i) && x.don.inPlace[i]) {
			claimed[b] = true
			x.outVals[i] = v
			continue
		}
		buf := x.newInternal(v.dtype, v.size, len(x.steps))
		buf.to = never
		c := &value{node: v.node, dtype: v.dtype, shape: v.shape, size: v.size, vb: &vbuf{phys: buf, last: never}}
		x.steps = append(x.steps, step{node: v.node, k: copyOf(e, v, c), ins: []*value{v}, out: c})
		x.outVals[i] = c
	}
}

// foldLimit is the largest result (in elements) computed once at compile time.
const foldLimit = 1 << 20

// fold computes a node whose operands are all constants (graph constants, or results folded
// before it, or views of them) once, now, with its own kernel, and makes the result a constant:
// the node gets no step. Iota folds too (no operands); a kernel that fails (an integer division
// by zero, an index out of range) is left to fail at run time as before. The values are those
// the step would compute, bit for bit.
func fold(e *env, k kernel, ins []*value, v *value) bool {
	if e.noFold || v.size > foldLimit {
		return false
	}
	for _, in := range ins {
		if in.vb.phys == nil || in.vb.phys.kind != bufConst {
			return false
		}
	}
	v.vb = &vbuf{phys: &buffer{kind: bufConst, dtype: v.dtype, size: v.size, data: graph.NewTensor(v.dtype, graph.Shape{v.size}).Data}, last: never}
	ok := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		return k.run() == nil
	}()
	if !ok {
		v.vb = nil
	}
	return ok
}
