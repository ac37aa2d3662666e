package mps

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// hostCheck is a check of an arg's values on the host before upload, for run-time errors a GPU
// kernel cannot raise: indices into a table of rows rows (gather, scatter_add), or a non-zero
// integer divisor (rows 0).
type hostCheck struct {
	arg  int
	op   string // "gather", "scatter_add" or "integer division"
	node *graph.Node
	rows int
}

// check returns an error naming the op, the arg and the offending value.
func (c hostCheck) check(t *graph.Tensor) error {
	for i, v := range intValues(t) {
		switch {
		case c.rows == 0 && v == 0:
			return fmt.Errorf("%s %%%d: divisor %q is zero at element %d", c.op, c.node.ID(), graph.Label(c.node.Inputs()[1]), i)
		case c.rows > 0 && (v < 0 || v >= int64(c.rows)):
			return fmt.Errorf("%s %%%d: index %d (element %d of %q) outside [0, %d)", c.op, c.node.ID(), v, i, argLabel(c.node), c.rows)
		}
	}
	return nil
}

func argLabel(n *graph.Node) string {
	for _, in := range n.Inputs() {
		if l := graph.Label(in); l != "" && in.DType().IsInt() {
			return l
		}
	}
	return ""
}

// intValues reads an integer tensor.
func intValues(t *graph.Tensor) []int64 {
	switch d := t.Data.(type) {
	case []int64:
		return d
	case []int32:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out
	case []uint8:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out
	}
	return nil
}

// checkIndex registers (or, for a constant, performs) the range check of an index operand.
// Indices computed inside the graph are in range by construction (iota, label arithmetic).
func (l *lowerer) checkIndex(n, idx *graph.Node, op string, rows int) error {
	c := hostCheck{op: op, node: n, rows: rows}
	if i, ok := l.args[idx]; ok {
		c.arg = i
		l.checks = append(l.checks, c)
		return nil
	}
	if k, ok := idx.Op().(graph.ConstOp); ok {
		return c.check(k.Value)
	}
	return nil
}

// checkDivisor is checkIndex for integer divisors.
func (l *lowerer) checkDivisor(n, d *graph.Node) error {
	return l.checkIndex(n, d, "integer division", 0)
}

// lowerArg is a placeholder of the arg's own type (float32 master weights and inputs), cast to
// the compute type.
func lowerArg(l *lowerer, n *graph.Node, _ []Tensor) (Tensor, error) {
	dt, err := dataType(n.DType())
	if err != nil {
		return nil, fmt.Errorf("arg %q: %w", graph.Label(n), err)
	}
	t := ShapedType{Shape: n.Shape(), DataType: dt}
	p := l.g.PlaceholderWithShapeDataTypeName(t.Shape, dt, graph.Label(n))
	l.feeds = append(l.feeds, feedSpec{tensor: p, typ: t, arg: l.args[n], node: n})
	return l.toCompute(n, p, dt), nil
}

// toCompute casts an arg or fed value of type from to node n's compute type.
func (l *lowerer) toCompute(n *graph.Node, v Tensor, from DataType) Tensor {
	ct, _ := l.ct(n)
	if ct == from {
		return v
	}
	return l.g.CastTensorToTypeName(v, ct, name(n, "compute"))
}

func lowerConst(l *lowerer, n *graph.Node, _ []Tensor) (Tensor, error) {
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	return l.g.ConstantWithDataShapeDataType(constBytes(n.Op().(graph.ConstOp).Value, ct), n.Shape(), ct), nil
}

// lowerIota is MPSGraph's coordinate op (int32) cast to the node's type.
func lowerIota(l *lowerer, n *graph.Node, _ []Tensor) (Tensor, error) {
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	c := l.g.CoordinateAlongAxisWithShapeName(n.Op().(graph.IotaOp).Axis, n.Shape(), name(n, ""))
	if ct == DataTypeInt32 {
		return c, nil
	}
	return l.g.CastTensorToTypeName(c, ct, name(n, "cast")), nil
}

// lowerRandom feeds bt's counter-based generator (graph.RandomFloat32, element i = f(seed, step,
// i)) from the host: macOS 12's MPSGraph has no 64-bit xor or shift to build it in the graph,
// and its own random ops are Philox, which would not replay across backends. The step must be an
// arg (it is an Input in the model and the trainer).
func lowerRandom(l *lowerer, n *graph.Node, _ []Tensor) (Tensor, error) {
	step := n.Inputs()[0]
	si, ok := l.args[step]
	if !ok {
		return nil, fmt.Errorf("random_uniform: the step must be a graph input on mps, got %v", step)
	}
	if n.DType() != graph.F32 {
		return nil, fmt.Errorf("random_uniform: dtype %v (mps draws f32)", n.DType())
	}
	op := n.Op().(graph.RandomUniformOp)
	t := ShapedType{Shape: n.Shape(), DataType: DataTypeFloat32}
	p := l.g.PlaceholderWithShapeDataTypeName(t.Shape, t.DataType, name(n, "random"))
	l.feeds = append(l.feeds, feedSpec{tensor: p, typ: t, arg: si, random: &op, node: n})
	return l.toCompute(n, p, DataTypeFloat32), nil
}

// lowerGather: table [V, R...] and indices [I...] give [I..., R...], MPSGraph's gather on axis 0
// without batch dimensions.
func lowerGather(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	if err := l.checkIndex(n, n.Inputs()[1], "gather", n.Inputs()[0].Shape()[0]); err != nil {
		return nil, err
	}
	return l.g.GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(in[0], in[1], 0, 0, name(n, "")), nil
}

// lowerScatterAdd: indices [I...] and updates [I..., R...] into zeros [V, R...] is scatterND in
// add mode with indices [I..., 1].
func lowerScatterAdd(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	idx := n.Inputs()[0]
	if err := l.checkIndex(n, idx, "scatter_add", n.Shape()[0]); err != nil {
		return nil, err
	}
	shape := append(append([]int{}, idx.Shape()...), 1)
	i := l.g.ReshapeTensorWithShapeName(in[0], shape, name(n, "indices"))
	return l.g.ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(in[1], i, n.Shape(), 0, ScatterModeAdd, name(n, "")), nil
}
