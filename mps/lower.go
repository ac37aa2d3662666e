package mps

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"

	"github.com/bridgetower-go/bt/graph"
)

// Precision selects the compute type of F32 graphs.
type Precision uint8

const (
	// PrecisionF32 computes F32 graphs in float32.
	PrecisionF32 Precision = iota
	// PrecisionF16 computes F32 activations and matmuls in float16, with float32 master weights
	// and inputs (cast after the placeholder), float32 outputs (cast before the result), and
	// LayerNorm, softmax and sum/mean reductions accumulated in float32.
	PrecisionF16
)

func (p Precision) String() string {
	if p == PrecisionF16 {
		return "f16"
	}
	return "f32"
}

// maxF16 is the largest finite float16.
const maxF16 = 65504

// dataType maps a graph dtype to MPSDataType; F64 and BF16 have none (before macOS 14).
func dataType(dt graph.DType) (DataType, error) {
	switch dt {
	case graph.F32:
		return DataTypeFloat32, nil
	case graph.F16:
		return DataTypeFloat16, nil
	case graph.I32:
		return DataTypeInt32, nil
	case graph.I64:
		return DataTypeInt64, nil
	case graph.U8:
		return DataTypeUInt8, nil
	case graph.Bool:
		return DataTypeBool, nil
	}
	return DataTypeInvalid, fmt.Errorf("mps: dtype %v is not supported (MPSGraph has no float64, and bfloat16 needs macOS 14)", dt)
}

// lowerer turns the nodes of a lowered graph into calls on g.
type lowerer struct {
	g    Graph
	prec Precision
	vals []Tensor // by lowered node ID
	args map[*graph.Node]int
	// Filled while lowering:
	feeds   []feedSpec           // one per placeholder, in creation order
	checks  []hostCheck          // run-time checks of args on the host
	keepF32 map[*graph.Node]bool // F32 nodes computed in float32 even in float16 precision
}

// feedSpec is a placeholder and what fills it at run time: arg Arg, or (Random) the counter-based
// generator for a random node whose step is arg Arg.
type feedSpec struct {
	tensor Tensor
	typ    ShapedType
	arg    int
	random *graph.RandomUniformOp
	node   *graph.Node
}

// ct is the type a node is computed in.
func (l *lowerer) ct(n *graph.Node) (DataType, error) {
	if n.DType() == graph.F32 && l.prec == PrecisionF16 && !l.keepF32[n] {
		return DataTypeFloat16, nil
	}
	return dataType(n.DType())
}

// name is the MPSGraph name of node n's result (names help Xcode captures; not semantics).
func name(n *graph.Node, part string) string {
	if part == "" {
		return fmt.Sprintf("n%d", n.ID())
	}
	return fmt.Sprintf("n%d.%s", n.ID(), part)
}

// entry is one row of the lowering table: lower builds the node's value from its inputs' values;
// a nil lower means the op is decomposed by graph.Lower (fused ops only).
type entry struct {
	lower func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error)
}

// lowerGraph lowers every node of lw (its IDs are a topological order) and returns the values of
// the outputs, cast to their dtypes.
func (l *lowerer) lowerGraph(lw *graph.Lowered) ([]Tensor, error) {
	nodes := lw.Graph.Nodes()
	l.vals = make([]Tensor, len(nodes))
	l.args = map[*graph.Node]int{}
	for i, a := range lw.Args {
		l.args[a] = i
	}
	reach := graph.Reachable(lw.Graph, lw.Outputs...)
	l.keepF32 = randomCompares(nodes)
	for _, n := range nodes {
		if !reach[n.ID()] {
			continue
		}
		e, err := lookup(n.Op())
		if err != nil {
			return nil, err
		}
		if e.lower == nil {
			return nil, fmt.Errorf("mps: %v should have been decomposed", n)
		}
		in := make([]Tensor, len(n.Inputs()))
		for i, x := range n.Inputs() {
			in[i] = l.vals[x.ID()]
			if l.keepF32[x] && !l.keepF32[n] && l.prec == PrecisionF16 && !isCompareOrCast(n) {
				in[i] = l.g.CastTensorToTypeName(in[i], DataTypeFloat16, name(x, fmt.Sprint("f16for", n.ID())))
			}
		}
		v, err := e.lower(l, n, in)
		if err != nil {
			return nil, fmt.Errorf("mps: lowering %v: %w", n, err)
		}
		l.vals[n.ID()] = v
	}
	if err := l.g.Err(); err != nil {
		return nil, err
	}
	outs := make([]Tensor, len(lw.Outputs))
	targets := map[Tensor]bool{}
	for _, f := range l.feeds {
		targets[f.tensor] = true
	}
	for i, o := range lw.Outputs {
		want, err := dataType(o.DType())
		if err != nil {
			return nil, err
		}
		v := l.castTo(o, l.vals[o.ID()], want)
		if targets[v] {
			// A target that is a feed, or another target already: a distinct tensor, so that
			// each result has its own (MPSGraph does not document either case).
			v = l.g.IdentityWithTensorName(v, name(o, fmt.Sprint("out", i)))
		}
		targets[v] = true
		outs[i] = v
	}
	return outs, l.g.Err()
}

// lookup finds the table entry of an op.
func lookup(op graph.Op) (entry, error) {
	e, ok := table[reflect.TypeOf(op)]
	if !ok {
		return entry{}, fmt.Errorf("mps: op %s (%T) has no lowering", op.Name(), op)
	}
	return e, nil
}

// castTo casts v (node n's value in its compute type) to dt when they differ.
func (l *lowerer) castTo(n *graph.Node, v Tensor, dt DataType) Tensor {
	if ct, err := l.ct(n); err == nil && ct == dt {
		return v
	}
	return l.g.CastTensorToTypeName(v, dt, name(n, "cast"))
}

// scalar is a constant of type dt and shape [] (broadcast by arithmetic).
func (l *lowerer) scalar(v float64, dt DataType) Tensor {
	if dt == DataTypeFloat16 {
		v = math.Max(-maxF16, math.Min(maxF16, v))
	}
	return l.g.ConstantWithScalarShapeDataType(v, nil, dt)
}

// swaps lowers a permutation to the two-axis transposes MPSGraph has before macOS 13: output
// dimension i is input dimension perm[i].
func (l *lowerer) swaps(n *graph.Node, x Tensor, perm []int) Tensor {
	cur := make([]int, len(perm)) // cur[i]: input dimension now at position i
	for i := range cur {
		cur[i] = i
	}
	for i, want := range perm {
		if cur[i] == want {
			continue
		}
		j := i + 1
		for cur[j] != want {
			j++
		}
		cur[i], cur[j] = cur[j], cur[i]
		x = l.g.TransposeTensorDimensionWithDimensionName(x, uint(i), uint(j), name(n, fmt.Sprintf("swap%d_%d", i, j)))
	}
	return x
}

// constBytes encodes a constant tensor in type dt (little-endian). In float16, values beyond the
// finite range are clamped to ±65504, so that F32 mask constants (-MaxFloat32) stay finite
// (0·-inf would be NaN).
func constBytes(t *graph.Tensor, dt DataType) []byte {
	vals := t.Float64s()
	b := make([]byte, len(vals)*dt.Size())
	switch dt {
	case DataTypeInt64:
		if d, ok := t.Data.([]int64); ok {
			for k, v := range d {
				binary.LittleEndian.PutUint64(b[8*k:], uint64(v))
			}
			return b
		}
	case DataTypeFloat16:
		for k, v := range vals {
			if !math.IsInf(v, 0) && !math.IsNaN(v) {
				v = math.Max(-maxF16, math.Min(maxF16, v))
			}
			binary.LittleEndian.PutUint16(b[2*k:], graph.Float32ToF16(float32(v)))
		}
		return b
	}
	a := &arr{shape: []int{len(vals)}, dt: dt}
	if isFloat(dt) {
		a.f = vals
	} else {
		a.i = make([]int64, len(vals))
		for k, v := range vals {
			a.i[k] = wrapI(dt, int64(v))
		}
	}
	encode(a, b)
	return b
}

// randomCompares marks the random draws, and the constants they are compared with, so that in
// float16 precision a dropout mask (uniform >= rate) is still decided in float32 and equals the
// other backends' mask bit for bit.
func randomCompares(nodes []*graph.Node) map[*graph.Node]bool {
	keep := map[*graph.Node]bool{}
	for _, n := range nodes {
		if _, ok := n.Op().(graph.RandomUniformOp); ok {
			keep[n] = true
		}
	}
	var constChain func(n *graph.Node)
	constChain = func(n *graph.Node) {
		switch n.Op().(type) {
		case graph.ConstOp:
			keep[n] = true
		case graph.BroadcastOp, graph.ReshapeOp:
			keep[n] = true
			constChain(n.Inputs()[0])
		}
	}
	for _, n := range nodes {
		if _, ok := n.Op().(graph.CompareOp); ok && (keep[n.Inputs()[0]] || keep[n.Inputs()[1]]) {
			constChain(n.Inputs()[0])
			constChain(n.Inputs()[1])
		}
	}
	return keep
}

func isCompareOrCast(n *graph.Node) bool {
	switch n.Op().(type) {
	case graph.CompareOp, graph.CastOp:
		return true
	}
	return false
}
