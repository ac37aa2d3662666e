package graph

import (
	"math"
	"sort"
)

// Gradient appends to loss's graph the reverse-mode derivative of loss (a float scalar) with
// respect to each node of wrt, and returns those derivatives, one per wrt node, with its shape and
// dtype. Where loss does not depend on a node the result is zeros. Each wrt node is treated as an
// independent variable (adjoints are not propagated past it), which for parameters and inputs is
// the ordinary gradient. Integer and boolean nodes carry no gradient; asking for one is an error.
func Gradient(loss *Node, wrt ...*Node) []*Node {
	g := loss.g
	out := make([]*Node, len(wrt))
	fail := func(format string, args ...any) []*Node {
		inv := g.fail(format, args...)
		for i := range out {
			out[i] = inv
		}
		return out
	}
	if g.err != nil {
		return fail("gradient: graph already has an error")
	}
	if loss.Rank() != 0 || !loss.dtype.IsFloat() {
		return fail("gradient: loss must be a float scalar, got %v%v", loss.dtype, loss.shape)
	}
	for _, w := range wrt {
		if w.g != g || !w.dtype.IsFloat() {
			return fail("gradient: cannot differentiate with respect to %v", w)
		}
	}
	grads := backprop(g, []*Node{loss}, []*Node{g.Scalar(1, loss.dtype)}, wrt)
	for i, gr := range grads {
		if gr == nil {
			gr = ZerosLike(wrt[i])
		}
		out[i] = gr
	}
	return out
}

// backprop returns the adjoints of wrt given seed adjoints of outs (nil where there is no path).
func backprop(g *Graph, outs, seeds, wrt []*Node) []*Node {
	isWrt := map[*Node]bool{}
	for _, w := range wrt {
		isWrt[w] = true
	}
	// The ancestors of outs, not expanding past wrt nodes.
	inSet := map[*Node]bool{}
	stack := append([]*Node(nil), outs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if inSet[n] {
			continue
		}
		inSet[n] = true
		if !isWrt[n] {
			stack = append(stack, n.inputs...)
		}
	}
	nodes := make([]*Node, 0, len(inSet))
	for n := range inSet {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].id < nodes[j].id })
	// needs: the node depends on some wrt node through float values.
	needs := map[*Node]bool{}
	for _, n := range nodes {
		if isWrt[n] {
			needs[n] = true
			continue
		}
		if _, stop := n.op.(StopGradientOp); stop {
			continue
		}
		for _, in := range n.inputs {
			if needs[in] && (in.dtype.IsFloat() || len(in.tuple) > 0) {
				needs[n] = true
				break
			}
		}
	}
	adj := map[*Node]*Node{}
	tupleAdj := map[*Node][]*Node{}
	accumulate := func(n, a *Node) {
		if a == nil || !needs[n] {
			return
		}
		if prev := adj[n]; prev != nil {
			a = Add(prev, a)
		}
		adj[n] = a
	}
	for i, o := range outs {
		accumulate(o, seeds[i])
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if isWrt[n] || !needs[n] {
			continue
		}
		if get, ok := n.op.(GetOp); ok {
			if a := adj[n]; a != nil {
				t := n.inputs[0]
				if tupleAdj[t] == nil {
					tupleAdj[t] = make([]*Node, len(t.tuple))
				}
				tupleAdj[t][get.Index] = a
			}
			continue
		}
		var outGrads []*Node
		if len(n.tuple) > 0 {
			outGrads = tupleAdj[n]
		} else if a := adj[n]; a != nil {
			outGrads = []*Node{a}
		}
		if outGrads == nil {
			continue
		}
		need := make([]bool, len(n.inputs))
		for j, in := range n.inputs {
			need[j] = needs[in] && in.dtype.IsFloat() || needs[in] && len(in.tuple) > 0
		}
		inGrads := vjp(n, outGrads, need)
		for j, in := range n.inputs {
			if need[j] && j < len(inGrads) {
				accumulate(in, inGrads[j])
			}
		}
	}
	res := make([]*Node, len(wrt))
	for i, w := range wrt {
		res[i] = adj[w]
	}
	return res
}

// vjp returns the adjoint of each input of n given the adjoints of its outputs (one for ordinary
// nodes; one per output, possibly nil, for tuples). need[j] says whether input j wants one.
func vjp(n *Node, outGrads []*Node, need []bool) []*Node {
	if gop, ok := n.op.(GradientOp); ok {
		return gop.VJP(n, outGrads)
	}
	if f, ok := n.op.(FusedOp); ok {
		dec := f.Decompose(n.inputs)
		var outs, seeds []*Node
		for i, a := range outGrads {
			if a != nil {
				outs = append(outs, dec[i])
				seeds = append(seeds, a)
			}
		}
		var wrt []*Node
		idx := make([]int, len(n.inputs))
		for j, in := range n.inputs {
			idx[j] = -1
			if need[j] {
				idx[j] = len(wrt)
				wrt = append(wrt, in)
			}
		}
		got := backprop(n.g, outs, seeds, wrt)
		res := make([]*Node, len(n.inputs))
		for j := range n.inputs {
			if idx[j] >= 0 {
				res[j] = got[idx[j]]
			}
		}
		return res
	}
	gy := outGrads[0]
	in := n.inputs
	switch op := n.op.(type) {
	case UnaryOp:
		return []*Node{unaryVJP(op.Kind, in[0], n, gy)}
	case BinaryOp:
		return binaryVJP(op.Kind, in[0], in[1], n, gy, need)
	case WhereOp:
		zero := ZerosLike(gy)
		return []*Node{nil, Where(in[0], gy, zero), Where(in[0], zero, gy)}
	case CastOp:
		return []*Node{Cast(gy, in[0].dtype)}
	case ReshapeOp:
		return []*Node{Reshape(gy, in[0].shape...)}
	case TransposeOp:
		inv := make([]int, len(op.Perm))
		for i, p := range op.Perm {
			inv[p] = i
		}
		return []*Node{Transpose(gy, inv...)}
	case SliceOp:
		high := make([]int, len(op.Ends))
		for i := range high {
			high[i] = in[0].shape[i] - op.Ends[i]
		}
		return []*Node{Pad(gy, op.Starts, high)}
	case PadOp:
		ends := make([]int, len(op.Low))
		for i := range ends {
			ends[i] = op.Low[i] + in[0].shape[i]
		}
		return []*Node{Slice(gy, op.Low, ends)}
	case ConcatOp:
		res := make([]*Node, len(in))
		off := 0
		for j, x := range in {
			if need[j] {
				res[j] = SliceAxis(gy, op.Axis, off, off+x.shape[op.Axis])
			}
			off += x.shape[op.Axis]
		}
		return res
	case BroadcastOp:
		return []*Node{SumToShape(gy, in[0].shape)}
	case GatherOp:
		return []*Node{ScatterAdd(in[1], gy, in[0].shape[0]), nil}
	case ScatterAddOp:
		return []*Node{nil, Gather(gy, in[0])}
	case ReduceOp:
		return []*Node{reduceVJP(op, in[0], n, gy)}
	case MatMulOp:
		return matmulVJP(op, in[0], in[1], gy, need)
	}
	// Leaves, comparisons, iota, random and stop_gradient have no input adjoints.
	return nil
}

// SumToShape sums x over the dimensions where shape (of x's rank, or fewer leading dimensions)
// has size 1 and x does not, giving a tensor of that shape: the adjoint of a broadcast.
func SumToShape(x *Node, shape Shape) *Node {
	if x.invalid {
		return x
	}
	off := x.Rank() - len(shape)
	var axes []int
	for i := 0; i < x.Rank(); i++ {
		if i < off || (shape[i-off] == 1 && x.shape[i] != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return Reshape(x, shape...)
	}
	return Reshape(ReduceSum(x, axes...), shape...)
}

func unaryVJP(k UnaryKind, x, y, gy *Node) *Node {
	switch k {
	case NegKind:
		return Neg(gy)
	case ExpKind:
		return Mul(gy, y)
	case LogKind:
		return Div(gy, x)
	case SqrtKind:
		return Div(MulScalar(gy, 0.5), y)
	case RsqrtKind:
		return Mul(MulScalar(gy, -0.5), Mul(y, Square(y)))
	case TanhKind:
		return Mul(gy, Sub(scalarLike(y, 1), Square(y)))
	case ErfKind:
		return Mul(gy, MulScalar(Exp(Neg(Square(x))), 2/math.Sqrt(math.Pi)))
	case SigmoidKind:
		return Mul(gy, Mul(y, Sub(scalarLike(y, 1), y)))
	case AbsKind:
		zero := ZerosLike(x)
		sign := Sub(Cast(Greater(x, zero), x.dtype), Cast(Less(x, zero), x.dtype))
		return Mul(gy, sign)
	}
	return x.g.fail("gradient: no rule for %v", k)
}

func binaryVJP(k BinaryKind, a, b, y, gy *Node, need []bool) []*Node {
	res := make([]*Node, 2)
	switch k {
	case AddKind:
		res[0], res[1] = gy, gy
	case SubKind:
		res[0] = gy
		if need[1] {
			res[1] = Neg(gy)
		}
	case MulKind:
		if need[0] {
			res[0] = Mul(gy, b)
		}
		if need[1] {
			res[1] = Mul(gy, a)
		}
	case DivKind:
		if need[0] {
			res[0] = Div(gy, b)
		}
		if need[1] {
			res[1] = Neg(Div(Mul(gy, y), b))
		}
	case PowKind:
		if need[0] {
			res[0] = Mul(gy, Mul(b, Pow(a, AddScalar(b, -1))))
		}
		if need[1] {
			res[1] = Mul(gy, Mul(y, Log(a)))
		}
	case MaxKind, MinKind:
		first := Greater(a, b)
		if k == MinKind {
			first = Less(a, b)
		}
		tie := Equal(a, b)
		zero := ZerosLike(gy)
		half := MulScalar(gy, 0.5)
		if need[0] {
			res[0] = Where(first, gy, Where(tie, half, zero))
		}
		if need[1] {
			res[1] = Where(first, zero, Where(tie, half, gy))
		}
	}
	return res
}

func reduceVJP(op ReduceOp, x, y, gy *Node) *Node {
	back := BroadcastTo(KeepDims(gy, x, op.Axes...), x.shape)
	switch op.Kind {
	case SumKind:
		return back
	case MeanKind:
		count := 1
		for _, a := range op.Axes {
			count *= x.shape[a]
		}
		return MulScalar(back, 1/float64(count))
	}
	// max: split the adjoint evenly between tied maxima.
	mask := Equal(x, BroadcastTo(KeepDims(y, x, op.Axes...), x.shape))
	m := Cast(mask, x.dtype)
	count := BroadcastTo(KeepDims(ReduceSum(m, op.Axes...), x, op.Axes...), x.shape)
	return Div(Mul(back, m), count)
}

func matmulVJP(op MatMulOp, a, b, gy *Node, need []bool) []*Node {
	res := make([]*Node, 2)
	switch {
	case !op.TransA && !op.TransB: // y = a·b
		if need[0] {
			res[0] = MatMulT(gy, b, false, true)
		}
		if need[1] {
			res[1] = MatMulT(a, gy, true, false)
		}
	case !op.TransA && op.TransB: // y = a·bᵀ
		if need[0] {
			res[0] = MatMulT(gy, b, false, false)
		}
		if need[1] {
			res[1] = MatMulT(gy, a, true, false)
		}
	case op.TransA && !op.TransB: // y = aᵀ·b
		if need[0] {
			res[0] = MatMulT(b, gy, false, true)
		}
		if need[1] {
			res[1] = MatMulT(a, gy, false, false)
		}
	default: // y = aᵀ·bᵀ
		if need[0] {
			res[0] = MatMulT(b, gy, true, true)
		}
		if need[1] {
			res[1] = MatMulT(gy, a, true, true)
		}
	}
	return res
}
