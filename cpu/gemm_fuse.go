package cpu

import "github.com/bridgetower-go/bt/graph"

// Epilogues fused into the float32 GEMM output pass. A MatMul whose value flows, each step its
// only consumer, through
//
//	[Reshape] → [Add(bias broadcast along the last axis)] → [GELU | QuickGELU] → [Add(residual)]
//
// (at least one of the three ops; graph.Linear lowers to MatMul → Reshape → Add(Broadcast(bias)))
// runs as one packedMatMul step that writes the last op's value: each tile of C, right after its
// last K block, gets the bias, the activation and the residual in the order of the graph, with
// the same float32 operations as the separate kernels (bit-identical results; see
// TestFusedEpilogueBitIdentical). The bias is read from the broadcast's operand, so the
// broadcast is not materialised either.

// fuseEpilogues switches the fusion off (tests compare both ways).
var fuseEpilogues = true

const (
	actNone = iota
	actGELU
	actQuickGELU
)

// fusion is one matched chain.
type fusion struct {
	mm        *graph.Node // the MatMul
	bias, res *graph.Node // bias source ([..., n] of n elements) and residual operand, or nil
	bcast     *graph.Node // the bias broadcast, when the chain is its only consumer
	act       int
}

// fusions are the chains of a schedule: by the last node of each chain (whose value the fused
// step writes) and the set of nodes the fused steps replace.
type fusions struct {
	at       map[*graph.Node]*fusion
	absorbed map[*graph.Node]bool
}

// findFusions matches the chains in a schedule; outputs are the graph's results (a result is
// never absorbed).
func findFusions(order, outputs []*graph.Node) fusions {
	fz := fusions{at: map[*graph.Node]*fusion{}, absorbed: map[*graph.Node]bool{}}
	if !fuseEpilogues {
		return fz
	}
	users := map[*graph.Node][]*graph.Node{}
	for _, n := range order {
		for _, in := range n.Inputs() {
			users[in] = append(users[in], n)
		}
	}
	for _, o := range outputs {
		users[o] = append(users[o], nil)
	}
	only := func(n *graph.Node) *graph.Node { // the single consumer of n, or nil
		if u := users[n]; len(u) == 1 {
			return u[0]
		}
		return nil
	}
	for _, mm := range order {
		if _, ok := mm.Op().(graph.MatMulOp); !ok || mm.DType() != graph.F32 {
			continue
		}
		f := &fusion{mm: mm}
		var chain, pending []*graph.Node // absorbed nodes; reshapes not yet followed by an op
		var last *graph.Node
		for cur, stage := mm, 0; stage < 3; {
			next := only(cur)
			if next == nil || fz.at[next] != nil || fz.absorbed[next] {
				break // not the only consumer, or taken by another chain
			}
			if _, ok := next.Op().(graph.ReshapeOp); ok {
				pending, cur = append(pending, next), next
				continue
			}
			st, ok := f.extend(cur, next, stage, only)
			if !ok {
				break
			}
			chain = append(append(chain, pending...), next)
			pending, last, cur, stage = nil, next, next, st
		}
		if last == nil {
			continue
		}
		fz.at[last] = f
		fz.absorbed[mm] = true
		if f.bcast != nil {
			fz.absorbed[f.bcast] = true
		}
		for _, n := range chain {
			if n != last {
				fz.absorbed[n] = true
			}
		}
	}
	return fz
}

// extend takes next (the only consumer of cur, the chain so far, which is at stage) into f if it
// continues the pattern, returning the new stage.
func (f *fusion) extend(cur, next *graph.Node, stage int, only func(*graph.Node) *graph.Node) (int, bool) {
	switch op := next.Op().(type) {
	case graph.BinaryOp:
		in := next.Inputs()
		other := in[0]
		if other == cur {
			other = in[1]
		}
		if op.Kind != graph.AddKind || other == cur || other.DType() != graph.F32 {
			return stage, false
		}
		if src := biasSource(other, next.Shape(), f.mm.Shape()); src != nil && stage == 0 {
			f.bias = src
			if only(other) == next {
				f.bcast = other
			}
			return 1, true
		}
		if other.Shape().Equal(next.Shape()) {
			f.res = other
			return 3, true
		}
	case graph.GELUOp:
		if stage < 2 {
			f.act = actGELU
			return 2, true
		}
	case graph.QuickGELUOp:
		if stage < 2 {
			f.act = actQuickGELU
			return 2, true
		}
	}
	return stage, false
}

// biasSource is the operand of b when b broadcasts a vector along the last axis of shape (a
// broadcast of [1, ..., 1, n]) and that axis is the product's (the chain reshaped only the rows
// of the product, of shape mm), else nil.
func biasSource(b *graph.Node, shape, mm graph.Shape) *graph.Node {
	if _, ok := b.Op().(graph.BroadcastOp); !ok || !b.Shape().Equal(shape) {
		return nil
	}
	src := b.Inputs()[0]
	n := shape[len(shape)-1]
	if n != mm[len(mm)-1] {
		return nil
	}
	if src.Rank() == 0 || src.Shape()[src.Rank()-1] != n || src.Shape().Size() != n {
		return nil
	}
	return src
}

// inputs are the operands of the step computing n: for the end of a chain A, B, then the bias
// source and the residual when present.
func (fz fusions) inputs(n *graph.Node) []*graph.Node {
	f := fz.at[n]
	if f == nil {
		return n.Inputs()
	}
	ins := append([]*graph.Node(nil), f.mm.Inputs()...)
	if f.bias != nil {
		ins = append(ins, f.bias)
	}
	if f.res != nil {
		ins = append(ins, f.res)
	}
	return ins
}

// node is the node a step is reported under: the MatMul for a fused chain (whose operands are
// never overwritten in place, unlike an Add's).
func (fz fusions) node(n *graph.Node) *graph.Node {
	if f := fz.at[n]; f != nil {
		return f.mm
	}
	return n
}

// kernel builds the step of n: the fused product at the end of a chain, else newKernel.
func (fz fusions) kernel(e *env, n *graph.Node, ins []*value, out *value) (kernel, error) {
	f := fz.at[n]
	if f == nil {
		return newKernel(e, n, ins, out)
	}
	op := f.mm.Op().(graph.MatMulOp)
	m, nn, k, batch := matmulDims(op.TransA, ins[0], f.mm.Shape())
	epi := &epilogue{act: f.act}
	next := 2
	if f.bias != nil {
		epi.bias, next = ins[next], next+1
	}
	if f.res != nil {
		epi.res = ins[next]
	}
	return newPackedMatMul(e, op.TransA, op.TransB, ins[0], ins[1], out, m, nn, k, batch, epi), nil
}

// epilogue is the output pass of a fused chain over a tile of C.
type epilogue struct {
	bias, res *value
	act       int
	b, r      []float32
}

func (ep *epilogue) bind() {
	if ep.bias != nil {
		ep.b = slice[float32](ep.bias)
	}
	if ep.res != nil {
		ep.r = slice[float32](ep.res)
	}
}

// apply finishes rows [i0, i0+mm) × columns [j0, j0+nn) of the batch entry of C at offset off
// (row stride ldc): c+bias, then the activation, then residual+c, as the separate kernels do.
func (ep *epilogue) apply(c []float32, off, ldc, i0, mm, j0, nn int) {
	for i := i0; i < i0+mm; i++ {
		o := off + i*ldc + j0
		row := c[o : o+nn]
		if ep.b != nil {
			b := ep.b[j0 : j0+nn]
			for j := range row {
				row[j] += b[j]
			}
		}
		switch ep.act {
		case actGELU:
			geluLoop(row, row)
		case actQuickGELU:
			quickGELULoop(row, row)
		}
		if ep.r != nil {
			r := ep.r[o : o+nn]
			for j := range row {
				row[j] = r[j] + row[j]
			}
		}
	}
}
