package cpu

import "github.com/bridgetower-go/bt/graph"

// Views: a Transpose, Slice or Broadcast (and a Reshape or StopGradient of such a result) is not
// copied when every reader can take its operand through strides; its value then shares its
// operand's buffer and records where its elements are (a view). Readers that take strided
// operands: the elementwise kernels (unary, binary, compare, where, cast, GELU, QuickGELU), the
// layout copies themselves and Attention (q, k and v with contiguous rows, any mask). A view
// whose elements are contiguous (a slice of leading rows) is read by every kernel. Outputs are
// never views. The attention output is stored in the layout that makes a following transpose of
// the heads back a plain alias ([B H T D] written as [B T H D]).

// view places a value's elements in its buffer: element (i0, i1, ...) is at off + Σ ik·strides[k];
// strides nil means row-major from off.
type view struct {
	off     int
	strides []int
}

// placement returns the offset and strides of v's elements in its buffer.
func (v *value) placement() (off int, strides []int) {
	if v.view == nil {
		return 0, v.shape.Strides()
	}
	if v.view.strides == nil {
		return v.view.off, v.shape.Strides()
	}
	return v.view.off, v.view.strides
}

// strided reports whether v's elements are not one contiguous run.
func (v *value) strided() bool { return v.view != nil && v.view.strides != nil }

// normView returns the view of a value of shape with the given placement: nil for row-major from
// 0, strides nil for row-major from off. Strides of size-1 dimensions do not matter.
func normView(shape graph.Shape, off int, strides []int) *view {
	if shape.Size() == 0 {
		return nil
	}
	st := shape.Strides()
	contiguous := true
	for i, d := range shape {
		if d != 1 && strides[i] != st[i] {
			contiguous = false
			break
		}
	}
	switch {
	case contiguous && off == 0:
		return nil
	case contiguous:
		return &view{off: off}
	}
	return &view{off: off, strides: append([]int(nil), strides...)}
}

// layoutView is the placement of the result of layout op n (Transpose, Slice, Broadcast) read
// from its operand in without copying.
func layoutView(n *graph.Node, ins ...*value) (off int, strides []int, ok bool) {
	switch n.Op().(type) {
	case graph.TransposeOp, graph.SliceOp, graph.BroadcastOp:
	default:
		return 0, nil, false
	}
	in := ins[0]
	off, src := in.placement()
	switch op := n.Op().(type) {
	case graph.TransposeOp:
		strides = make([]int, len(op.Perm))
		for i, p := range op.Perm {
			strides[i] = src[p]
		}
		return off, strides, true
	case graph.SliceOp:
		for i, s := range op.Starts {
			off += s * src[i]
		}
		return off, append([]int(nil), src...), true
	case graph.BroadcastOp:
		strides = append([]int(nil), src...)
		for i, d := range in.shape {
			if d == 1 {
				strides[i] = 0
			}
		}
		return off, strides, true
	}
	return 0, nil, false
}

// reshapeStrides gives the strides of a reshape of a strided value to shape to, when its
// elements can be addressed so (NumPy's no-copy reshape): each group of old dimensions that is
// merged or split must be contiguous within itself.
func reshapeStrides(from graph.Shape, fromStrides []int, to graph.Shape) ([]int, bool) {
	var od, os []int
	for i, d := range from {
		if d != 1 {
			od, os = append(od, d), append(os, fromStrides[i])
		}
	}
	ns := make([]int, len(to))
	for i := range ns {
		ns[i] = 1
	}
	oi, ni := 0, 0
	for oi < len(od) {
		for ni < len(to) && to[ni] == 1 {
			ni++
		}
		if ni == len(to) {
			return nil, false
		}
		oj, nj := oi+1, ni+1
		op, np := od[oi], to[ni]
		for op != np {
			if np < op {
				if nj == len(to) {
					return nil, false
				}
				np *= to[nj]
				nj++
			} else {
				if oj == len(od) {
					return nil, false
				}
				op *= od[oj]
				oj++
			}
		}
		for k := oi; k < oj-1; k++ {
			if os[k] != od[k+1]*os[k+1] {
				return nil, false
			}
		}
		ns[nj-1] = os[oj-1]
		for k := nj - 1; k > ni; k-- {
			ns[k-1] = ns[k] * to[k]
		}
		oi, ni = oj, nj
	}
	return ns, true
}

// viewPlanner decides which values are views; it knows every node's readers and the outputs.
type viewPlanner struct {
	readers map[*graph.Node][]*graph.Node
	output  map[*graph.Node]bool
	off     bool                    // no views: layouts are copied
	fused   map[*graph.Node]*fusion // ends of fused GEMM chains: their steps read contiguous operands
}

func newViewPlanner(order, outputs []*graph.Node, fz fusions) *viewPlanner {
	p := &viewPlanner{readers: map[*graph.Node][]*graph.Node{}, output: map[*graph.Node]bool{}, fused: fz.at}
	for _, n := range order {
		if fz.absorbed[n] {
			continue
		}
		for _, in := range fz.inputs(n) {
			if rs := p.readers[in]; len(rs) == 0 || rs[len(rs)-1] != n {
				p.readers[in] = append(rs, n)
			}
		}
	}
	for _, o := range outputs {
		p.output[o] = true
	}
	return p
}

// accepts reports whether every reader of n can read it with view w (of n's shape), and n is not
// an output.
func (p *viewPlanner) accepts(n *graph.Node, w *view) bool {
	if p.off || p.output[n] || n.Shape().Size() == 0 {
		return false
	}
	for _, r := range p.readers[n] {
		if !p.readerAccepts(r, n, w) {
			return false
		}
	}
	return true
}

func (p *viewPlanner) readerAccepts(r, n *graph.Node, w *view) bool {
	if p.fused[r] != nil {
		return w.strides == nil // a fused product step reads its operands contiguous
	}
	switch r.Op().(type) {
	case graph.ReshapeOp, graph.StopGradientOp:
		if w.strides == nil {
			return p.accepts(r, w)
		}
		ns, ok := reshapeStrides(n.Shape(), w.strides, r.Shape())
		return ok && p.accepts(r, normView(r.Shape(), w.off, ns))
	case graph.TransposeOp, graph.SliceOp, graph.BroadcastOp, graph.PadOp, graph.ConcatOp:
		return true
	}
	if w.strides == nil {
		return true // contiguous from an offset: every kernel reads it
	}
	switch op := r.Op().(type) {
	case graph.UnaryOp, graph.CompareOp, graph.WhereOp, graph.CastOp, graph.GELUOp, graph.QuickGELUOp:
		return true
	case graph.BinaryOp:
		// Integer division checks its divisors before running (contiguous operands only).
		return op.Kind != graph.DivKind || !isIndex(r.DType())
	case graph.AttentionOp:
		for i, in := range r.Inputs() {
			if in == n && i < 3 && w.strides[3] != 1 && n.Shape()[3] != 1 {
				return false // q, k and v rows must be contiguous
			}
		}
		return true
	}
	return false
}

// attentionOut returns the placement of the result of attention node n: when its only reader
// is a transpose that keeps the last axis (the merge of the heads, [B H T D] -> [B T H D]) and n
// is not an output, the layout in which that transpose is a plain alias; else nil.
func (p *viewPlanner) attentionOut(n *graph.Node) *view {
	rs := p.readers[n]
	if p.off || p.output[n] || len(rs) != 1 || n.Shape().Size() == 0 {
		return nil
	}
	tr, ok := rs[0].Op().(graph.TransposeOp)
	if !ok || len(tr.Perm) != 4 || tr.Perm[3] != 3 {
		return nil
	}
	cs := rs[0].Shape().Strides()
	st := make([]int, 4)
	for i, q := range tr.Perm {
		st[q] = cs[i]
	}
	return normView(n.Shape(), 0, st)
}
