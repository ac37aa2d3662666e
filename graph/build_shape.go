package graph

// Reshape gives x a new shape with the same number of elements; one dimension may be -1 (inferred).
func Reshape(x *Node, dims ...int) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	shape := Shape(dims).Clone()
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return g.fail("reshape: bad target %v for %v", Shape(dims), x.shape)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || x.shape.Size()%known != 0 {
			return g.fail("reshape: cannot infer -1 in %v from %v", Shape(dims), x.shape)
		}
		shape[infer] = x.shape.Size() / known
	}
	if shape.Size() != x.shape.Size() {
		return g.fail("reshape: %v has %d elements, target %v has %d", x.shape, x.shape.Size(), shape, shape.Size())
	}
	if shape.Equal(x.shape) {
		return x
	}
	return g.add(ReshapeOp{}, x.dtype, shape, x)
}

// Transpose permutes the dimensions of x: output dimension i is input dimension perm[i].
func Transpose(x *Node, perm ...int) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if len(perm) != x.Rank() {
		return g.fail("transpose: permutation %v for shape %v", perm, x.shape)
	}
	seen := make([]bool, len(perm))
	shape := make(Shape, len(perm))
	identity := true
	for i, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			return g.fail("transpose: %v is not a permutation of %d dimensions (shape %v)", perm, len(perm), x.shape)
		}
		seen[p] = true
		shape[i] = x.shape[p]
		identity = identity && p == i
	}
	if identity {
		return x
	}
	return g.add(TransposeOp{Perm: append([]int(nil), perm...)}, x.dtype, shape, x)
}

// SwapLastTwo transposes the last two dimensions.
func SwapLastTwo(x *Node) *Node {
	if x.invalid {
		return x
	}
	r := x.Rank()
	if r < 2 {
		return x.g.fail("transpose: rank %d shape %v has no last two dimensions", r, x.shape)
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-1], perm[r-2] = r-2, r-1
	return Transpose(x, perm...)
}

// Slice takes starts[i] <= j < ends[i] along every dimension.
func Slice(x *Node, starts, ends []int) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if len(starts) != x.Rank() || len(ends) != x.Rank() {
		return g.fail("slice: starts %v and ends %v for shape %v", starts, ends, x.shape)
	}
	shape := make(Shape, x.Rank())
	full := true
	for i := range shape {
		if starts[i] < 0 || ends[i] > x.shape[i] || starts[i] > ends[i] {
			return g.fail("slice: [%d:%d] out of range for dimension %d of %v", starts[i], ends[i], i, x.shape)
		}
		shape[i] = ends[i] - starts[i]
		full = full && shape[i] == x.shape[i]
	}
	if full {
		return x
	}
	return g.add(SliceOp{Starts: append([]int(nil), starts...), Ends: append([]int(nil), ends...)}, x.dtype, shape, x)
}

// SliceAxis takes start <= j < end along one axis (negative axes count from the end).
func SliceAxis(x *Node, axis, start, end int) *Node {
	if x.invalid {
		return x
	}
	a, ok := normAxis(axis, x.Rank())
	if !ok {
		return x.g.fail("slice: axis %d out of range for %v", axis, x.shape)
	}
	starts := make([]int, x.Rank())
	ends := x.shape.Clone()
	starts[a], ends[a] = start, end
	return Slice(x, starts, ends)
}

// Pad adds low[i] zeros before and high[i] zeros after dimension i.
func Pad(x *Node, low, high []int) *Node {
	g := x.g
	if x.invalid {
		return x
	}
	if len(low) != x.Rank() || len(high) != x.Rank() {
		return g.fail("pad: low %v and high %v for shape %v", low, high, x.shape)
	}
	shape := make(Shape, x.Rank())
	none := true
	for i := range shape {
		if low[i] < 0 || high[i] < 0 {
			return g.fail("pad: negative padding low %v high %v", low, high)
		}
		shape[i] = x.shape[i] + low[i] + high[i]
		none = none && low[i] == 0 && high[i] == 0
	}
	if none {
		return x
	}
	return g.add(PadOp{Low: append([]int(nil), low...), High: append([]int(nil), high...)}, x.dtype, shape, x)
}

// Concat joins xs along axis; all other dimensions and the dtypes must agree.
func Concat(axis int, xs ...*Node) *Node {
	if len(xs) == 0 {
		panic("graph: Concat of nothing")
	}
	g := firstGraph(xs...)
	if inv, bad := anyInvalid(g, xs...); bad {
		return inv
	}
	a, ok := normAxis(axis, xs[0].Rank())
	if !ok {
		return g.fail("concat: axis %d out of range for %v", axis, xs[0].shape)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	shape := xs[0].shape.Clone()
	shape[a] = 0
	for _, x := range xs {
		if x.dtype != xs[0].dtype || x.Rank() != len(shape) {
			return g.fail("concat: operand %v%v does not match %v%v", x.dtype, x.shape, xs[0].dtype, xs[0].shape)
		}
		for i := range shape {
			if i != a && x.shape[i] != xs[0].shape[i] {
				return g.fail("concat: along axis %d, shapes %v and %v differ in dimension %d", a, xs[0].shape, x.shape, i)
			}
		}
		shape[a] += x.shape[a]
	}
	return g.add(ConcatOp{Axis: a}, xs[0].dtype, shape, xs...)
}

// Gather reads rows of table [V, R...] at integer indices [I...], giving [I..., R...].
func Gather(table, indices *Node) *Node {
	g := firstGraph(table, indices)
	if inv, bad := anyInvalid(g, table, indices); bad {
		return inv
	}
	if !indices.dtype.IsInt() {
		return g.fail("gather: indices are %v%v, want an integer type", indices.dtype, indices.shape)
	}
	if table.Rank() < 1 {
		return g.fail("gather: table is a scalar")
	}
	shape := append(indices.shape.Clone(), table.shape[1:]...)
	return g.add(GatherOp{}, table.dtype, shape, table, indices)
}

// ScatterAdd adds update rows [I..., R...] at integer indices [I...] into zeros [rows, R...].
func ScatterAdd(indices, updates *Node, rows int) *Node {
	g := firstGraph(indices, updates)
	if inv, bad := anyInvalid(g, indices, updates); bad {
		return inv
	}
	if !indices.dtype.IsInt() {
		return g.fail("scatter_add: indices are %v%v, want an integer type", indices.dtype, indices.shape)
	}
	k := indices.Rank()
	if updates.Rank() < k || !updates.shape[:k].Equal(indices.shape) {
		return g.fail("scatter_add: updates %v do not start with the indices' shape %v", updates.shape, indices.shape)
	}
	shape := append(Shape{rows}, updates.shape[k:]...)
	return g.add(ScatterAddOp{}, updates.dtype, shape, indices, updates)
}
