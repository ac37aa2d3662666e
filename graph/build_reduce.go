package graph

import "sort"

func reduce(k ReduceKind, x *Node, axes []int) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if x.dtype == Bool {
		return g.fail("%v: operand is bool", k)
	}
	norm := make([]int, 0, len(axes))
	seen := map[int]bool{}
	for _, a := range axes {
		na, ok := normAxis(a, x.Rank())
		if !ok || seen[na] {
			return g.fail("%v: axes %v invalid for shape %v", k, axes, x.shape)
		}
		seen[na] = true
		norm = append(norm, na)
	}
	sort.Ints(norm)
	if len(norm) == 0 {
		return x
	}
	shape := Shape{}
	for i, d := range x.shape {
		if !seen[i] {
			shape = append(shape, d)
		}
	}
	if k == ReduceMaxKind {
		for _, a := range norm {
			if x.shape[a] == 0 {
				return g.fail("%v: axis %d of %v is empty", k, a, x.shape)
			}
		}
	}
	return g.add(ReduceOp{Kind: k, Axes: norm}, x.dtype, shape, x)
}

// ReduceSum sums over axes (all axes when none are given), removing them.
func ReduceSum(x *Node, axes ...int) *Node { return reduce(SumKind, x, allAxes(x, axes)) }

// ReduceMean averages over axes (all axes when none are given), removing them.
func ReduceMean(x *Node, axes ...int) *Node { return reduce(MeanKind, x, allAxes(x, axes)) }

// ReduceMax takes the maximum over axes (all axes when none are given), removing them.
func ReduceMax(x *Node, axes ...int) *Node { return reduce(ReduceMaxKind, x, allAxes(x, axes)) }

func allAxes(x *Node, axes []int) []int {
	if len(axes) > 0 || x.invalid {
		return axes
	}
	all := make([]int, x.Rank())
	for i := range all {
		all[i] = i
	}
	return all
}

// KeepDims reshapes a reduction result r of x over axes back to x's rank with size-1 dimensions.
func KeepDims(r, x *Node, axes ...int) *Node {
	if r.invalid || x.invalid {
		return r
	}
	shape := x.shape.Clone()
	for _, a := range allAxes(x, axes) {
		na, _ := normAxis(a, x.Rank())
		shape[na] = 1
	}
	return Reshape(r, shape...)
}

// MatMul multiplies the last two dimensions: [..., M, K] x [..., K, N] -> [..., M, N], with the
// leading dimensions broadcast. A rank-1 operand is not accepted: reshape it first.
func MatMul(a, b *Node) *Node { return MatMulT(a, b, false, false) }

// MatMulT is MatMul where transA (transB) means a (b) is stored with its last two dimensions swapped.
func MatMulT(a, b *Node, transA, transB bool) *Node {
	g := firstGraph(a, b)
	if inv, bad := anyInvalid(g, a, b); bad {
		return inv
	}
	op := MatMulOp{TransA: transA, TransB: transB}
	if a.dtype != b.dtype || !a.dtype.IsFloat() {
		return g.fail("%s: dtypes %v%v and %v%v, want one float type", op.Name(), a.dtype, a.shape, b.dtype, b.shape)
	}
	if a.Rank() < 2 || b.Rank() < 2 {
		return g.fail("%s: operands %v and %v need rank >= 2", op.Name(), a.shape, b.shape)
	}
	ra, rb := a.Rank(), b.Rank()
	m, ka := a.shape[ra-2], a.shape[ra-1]
	if transA {
		m, ka = ka, m
	}
	kb, n := b.shape[rb-2], b.shape[rb-1]
	if transB {
		kb, n = n, kb
	}
	if ka != kb {
		return g.fail("%s: inner dimensions differ: %v x %v (K %d vs %d)", op.Name(), a.shape, b.shape, ka, kb)
	}
	// [B..., M, K] x [K, N]: fold the batch into M instead of broadcasting b.
	if rb == 2 && ra > 2 && !transA {
		lead := a.shape[:ra-2].Clone()
		flat := Reshape(a, -1, a.shape[ra-1])
		out := g.add(op, a.dtype, Shape{flat.shape[0], n}, flat, b)
		return Reshape(out, append(lead, m, n)...)
	}
	batch, err := BroadcastShapes(a.shape[:ra-2], b.shape[:rb-2])
	if err != nil {
		return g.fail("%s: batch dimensions of %v and %v: %v", op.Name(), a.shape, b.shape, err)
	}
	a = BroadcastTo(a, append(batch.Clone(), a.shape[ra-2:]...))
	b = BroadcastTo(b, append(batch.Clone(), b.shape[rb-2:]...))
	return g.add(op, a.dtype, append(batch.Clone(), m, n), a, b)
}

// Linear is x·Wᵀ + bias for x [..., In], w [Out, In] (the nn.Linear layout), bias [Out] or nil.
func Linear(x, w, bias *Node) *Node {
	y := MatMulT(x, w, false, true)
	if bias != nil {
		y = Add(y, bias)
	}
	return y
}
