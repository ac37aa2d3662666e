package mps

import (
	"fmt"
	"math"
	"reflect"

	"github.com/bridgetower-go/bt/graph"
)

// table is the lowering: one entry per graph op type. Fused ops with a nil entry are decomposed
// by graph.Lower; the others are native here.
var table = map[reflect.Type]entry{
	reflect.TypeFor[graph.ParamOp]():         {lowerArg},
	reflect.TypeFor[graph.InputOp]():         {lowerArg},
	reflect.TypeFor[graph.ConstOp]():         {lowerConst},
	reflect.TypeFor[graph.IotaOp]():          {lowerIota},
	reflect.TypeFor[graph.RandomUniformOp](): {lowerRandom},
	reflect.TypeFor[graph.UnaryOp]():         {lowerUnary},
	reflect.TypeFor[graph.BinaryOp]():        {lowerBinary},
	reflect.TypeFor[graph.CompareOp]():       {lowerCompare},
	reflect.TypeFor[graph.WhereOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.g.SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName(in[0], in[1], in[2], name(n, "")), nil
	}},
	reflect.TypeFor[graph.CastOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		ct, err := l.ct(n)
		if err != nil {
			return nil, err
		}
		if from, _ := l.ct(n.Inputs()[0]); from == ct {
			return in[0], nil
		}
		return l.g.CastTensorToTypeName(in[0], ct, name(n, "")), nil
	}},
	reflect.TypeFor[graph.StopGradientOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.g.IdentityWithTensorName(in[0], name(n, "")), nil // gradients exist before lowering
	}},
	reflect.TypeFor[graph.ReshapeOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.g.ReshapeTensorWithShapeName(in[0], n.Shape(), name(n, "")), nil
	}},
	reflect.TypeFor[graph.TransposeOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.swaps(n, in[0], n.Op().(graph.TransposeOp).Perm), nil
	}},
	reflect.TypeFor[graph.SliceOp](): {lowerSlice},
	reflect.TypeFor[graph.PadOp]():   {lowerPad},
	reflect.TypeFor[graph.ConcatOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.g.ConcatTensorsDimensionName(in, n.Op().(graph.ConcatOp).Axis, name(n, "")), nil
	}},
	reflect.TypeFor[graph.BroadcastOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return l.g.BroadcastTensorToShapeName(in[0], n.Shape(), name(n, "")), nil
	}},
	reflect.TypeFor[graph.GatherOp]():     {lowerGather},
	reflect.TypeFor[graph.ScatterAddOp](): {lowerScatterAdd},
	reflect.TypeFor[graph.ReduceOp]():     {lowerReduce},
	reflect.TypeFor[graph.MatMulOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		op := n.Op().(graph.MatMulOp)
		return l.matmul(n, in[0], in[1], op.TransA, op.TransB, ""), nil
	}},
	reflect.TypeFor[graph.GetOp](): {func(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
		return nil, fmt.Errorf("no tuple op is native on mps")
	}},
	// Fused ops.
	reflect.TypeFor[graph.LayerNormOp]():           {lowerLayerNorm},
	reflect.TypeFor[graph.GELUOp]():                {lowerGELU},
	reflect.TypeFor[graph.QuickGELUOp]():           {lowerQuickGELU},
	reflect.TypeFor[graph.SoftmaxOp]():             {lowerSoftmax},
	reflect.TypeFor[graph.AttentionOp]():           {lowerAttention},
	reflect.TypeFor[graph.AdamWOp]():               {nil}, // arithmetic; MPSGraph's Adam lacks decoupled decay and macOS 12 bindings
	reflect.TypeFor[graph.SoftmaxCrossEntropyOp](): {nil}, // MPSGraph's loss wants one-hot labels and has no ignore index
	reflect.TypeFor[graph.BCEWithLogitsOp]():       {nil},
	reflect.TypeFor[graph.DropoutOp]():             {nil}, // the mask comes from random_uniform (bt's generator, not Philox)
}

// native tells graph.Lower which fused ops the table runs itself.
func native(n *graph.Node) bool {
	if op, ok := n.Op().(graph.AttentionOp); ok && op.Dropout > 0 {
		return false // attention-probability dropout: the decomposition draws the mask (bt's generator)
	}
	e, ok := table[reflect.TypeOf(n.Op())]
	return ok && e.lower != nil
}

// unaryMethods, binaryMethods and compareMethods are the sub-tables of the elementwise kinds.
var unaryMethods = map[graph.UnaryKind]func(g Graph, t Tensor, name string) Tensor{
	graph.NegKind:     Graph.NegativeWithTensorName,
	graph.ExpKind:     Graph.ExponentWithTensorName,
	graph.LogKind:     Graph.LogarithmWithTensorName,
	graph.SqrtKind:    Graph.SquareRootWithTensorName,
	graph.RsqrtKind:   Graph.ReverseSquareRootWithTensorName,
	graph.TanhKind:    Graph.TanhWithTensorName,
	graph.ErfKind:     Graph.ErfWithTensorName,
	graph.SigmoidKind: Graph.SigmoidWithTensorName,
	graph.AbsKind:     Graph.AbsoluteWithTensorName,
}

var binaryMethods = map[graph.BinaryKind]func(g Graph, a, b Tensor, name string) Tensor{
	graph.AddKind: Graph.AdditionWithPrimaryTensorSecondaryTensorName,
	graph.SubKind: Graph.SubtractionWithPrimaryTensorSecondaryTensorName,
	graph.MulKind: Graph.MultiplicationWithPrimaryTensorSecondaryTensorName,
	graph.DivKind: Graph.DivisionWithPrimaryTensorSecondaryTensorName,
	graph.PowKind: Graph.PowerWithPrimaryTensorSecondaryTensorName,
	graph.MaxKind: Graph.MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName, // bt's max propagates NaN
	graph.MinKind: Graph.MinimumWithNaNPropagationWithPrimaryTensorSecondaryTensorName,
}

var compareMethods = map[graph.CompareKind]func(g Graph, a, b Tensor, name string) Tensor{
	graph.EqKind: Graph.EqualWithPrimaryTensorSecondaryTensorName,
	graph.NeKind: Graph.NotEqualWithPrimaryTensorSecondaryTensorName,
	graph.LtKind: Graph.LessThanWithPrimaryTensorSecondaryTensorName,
	graph.LeKind: Graph.LessThanOrEqualToWithPrimaryTensorSecondaryTensorName,
	graph.GtKind: Graph.GreaterThanWithPrimaryTensorSecondaryTensorName,
	graph.GeKind: Graph.GreaterThanOrEqualToWithPrimaryTensorSecondaryTensorName,
}

var reduceMethods = map[graph.ReduceKind]func(g Graph, t Tensor, axes []int, name string) Tensor{
	graph.SumKind:       Graph.ReductionSumWithTensorAxesName,
	graph.MeanKind:      Graph.MeanOfTensorAxesName,
	graph.ReduceMaxKind: Graph.ReductionMaximumWithTensorAxesName,
}

func lowerUnary(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	f, ok := unaryMethods[n.Op().(graph.UnaryOp).Kind]
	if !ok {
		return nil, fmt.Errorf("unary kind %v has no lowering", n.Op().Name())
	}
	return f(l.g, in[0], name(n, "")), nil
}

func lowerBinary(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	kind := n.Op().(graph.BinaryOp).Kind
	f, ok := binaryMethods[kind]
	if !ok {
		return nil, fmt.Errorf("binary kind %v has no lowering", n.Op().Name())
	}
	if kind == graph.DivKind && n.DType().IsInt() {
		if err := l.checkDivisor(n, n.Inputs()[1]); err != nil {
			return nil, err
		}
	}
	return f(l.g, in[0], in[1], name(n, "")), nil
}

func lowerCompare(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	f, ok := compareMethods[n.Op().(graph.CompareOp).Kind]
	if !ok {
		return nil, fmt.Errorf("compare kind %v has no lowering", n.Op().Name())
	}
	return f(l.g, in[0], in[1], name(n, "")), nil
}

func lowerSlice(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	op := n.Op().(graph.SliceOp)
	x, shape := in[0], n.Inputs()[0].Shape()
	for d := range shape {
		if op.Starts[d] != 0 || op.Ends[d] != shape[d] {
			x = l.g.SliceTensorDimensionStartLengthName(x, uint(d), op.Starts[d], op.Ends[d]-op.Starts[d], name(n, fmt.Sprint("dim", d)))
		}
	}
	return x, nil
}

func lowerPad(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	op := n.Op().(graph.PadOp)
	return l.g.PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(in[0], PaddingModeConstant, op.Low, op.High, 0, name(n, "")), nil
}

// lowerReduce reduces (MPSGraph keeps the reduced axes with size 1) and reshapes them away. In
// float16 precision sums and means accumulate in float32.
func lowerReduce(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	op := n.Op().(graph.ReduceOp)
	if len(op.Axes) == 0 {
		return in[0], nil
	}
	x := in[0]
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	wide := ct == DataTypeFloat16 && op.Kind != graph.ReduceMaxKind
	if wide {
		x = l.g.CastTensorToTypeName(x, DataTypeFloat32, name(n, "f32"))
	}
	f, ok := reduceMethods[op.Kind]
	if !ok {
		return nil, fmt.Errorf("reduce kind %v has no lowering", op.Name())
	}
	r := f(l.g, x, op.Axes, name(n, ""))
	if wide {
		r = l.g.CastTensorToTypeName(r, ct, name(n, "f16"))
	}
	return l.g.ReshapeTensorWithShapeName(r, n.Shape(), name(n, "squeeze")), nil
}

// matmul multiplies with optional transposes of the last two dimensions of either operand.
func (l *lowerer) matmul(n *graph.Node, a, b Tensor, ta, tb bool, part string) Tensor {
	ra, rb := n.Inputs()[0].Rank(), n.Inputs()[1].Rank()
	if ta {
		a = l.g.TransposeTensorDimensionWithDimensionName(a, uint(ra-2), uint(ra-1), name(n, part+"ta"))
	}
	if tb {
		b = l.g.TransposeTensorDimensionWithDimensionName(b, uint(rb-2), uint(rb-1), name(n, part+"tb"))
	}
	return l.g.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(a, b, name(n, part))
}

// wide casts a float16 value to float32 for accumulation (identity otherwise); narrow undoes it.
func (l *lowerer) wide(n *graph.Node, x Tensor) Tensor {
	if ct, _ := l.ct(n); ct == DataTypeFloat16 {
		return l.g.CastTensorToTypeName(x, DataTypeFloat32, name(n, "f32"))
	}
	return x
}

func (l *lowerer) narrow(n *graph.Node, x Tensor) Tensor {
	if ct, _ := l.ct(n); ct == DataTypeFloat16 {
		return l.g.CastTensorToTypeName(x, DataTypeFloat16, name(n, "f16"))
	}
	return x
}

// lowerLayerNorm is MPSGraph's normalization over the last axis with its mean and variance,
// accumulated in float32 under float16 precision.
func lowerLayerNorm(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	ax := []int{n.Rank() - 1}
	x, gamma, beta := l.wide(n, in[0]), l.wide(n, in[1]), l.wide(n, in[2])
	mean := l.g.MeanOfTensorAxesName(x, ax, name(n, "mean"))
	variance := l.g.VarianceOfTensorMeanTensorAxesName(x, mean, ax, name(n, "variance"))
	eps := float32(n.Op().(graph.LayerNormOp).Eps)
	y := l.g.NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName(x, mean, variance, gamma, beta, eps, name(n, ""))
	return l.narrow(n, y), nil
}

// lowerGELU is 0.5·x·(1 + erf(x/√2)).
func lowerGELU(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	x := in[0]
	e := l.g.ErfWithTensorName(l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(x, l.scalar(1/math.Sqrt2, ct), name(n, "scaled")), name(n, "erf"))
	half := l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(x, l.scalar(0.5, ct), name(n, "half"))
	return l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(half, l.g.AdditionWithPrimaryTensorSecondaryTensorName(e, l.scalar(1, ct), name(n, "one")), name(n, "")), nil
}

// lowerQuickGELU is x·σ(1.702·x).
func lowerQuickGELU(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	s := l.g.SigmoidWithTensorName(l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(in[0], l.scalar(1.702, ct), name(n, "scaled")), name(n, "sigmoid"))
	return l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(in[0], s, name(n, "")), nil
}

// lowerSoftmax is MPSGraph's softmax, in float32 under float16 precision.
func lowerSoftmax(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	axis := n.Op().(graph.SoftmaxOp).Axis
	if n.Shape()[axis] == 0 {
		return in[0], nil
	}
	return l.narrow(n, l.g.SoftMaxWithTensorAxisName(l.wide(n, in[0]), axis, name(n, ""))), nil
}

// lowerAttention is softmax(q·kᵀ·scale + mask)·v from MPSGraph's matmul (k transposed by a swap)
// and softmax (float32 under float16 precision); the mask broadcasts inside the addition.
func lowerAttention(l *lowerer, n *graph.Node, in []Tensor) (Tensor, error) {
	op := n.Op().(graph.AttentionOp)
	ct, err := l.ct(n)
	if err != nil {
		return nil, err
	}
	k := l.g.TransposeTensorDimensionWithDimensionName(in[1], 2, 3, name(n, "kT"))
	s := l.g.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(in[0], k, name(n, "scores"))
	s = l.wide(n, l.g.MultiplicationWithPrimaryTensorSecondaryTensorName(s, l.scalar(op.Scale, ct), name(n, "scaled")))
	if op.HasMask {
		s = l.g.AdditionWithPrimaryTensorSecondaryTensorName(s, l.wide(n, in[3]), name(n, "masked"))
	}
	if n.Inputs()[1].Shape()[2] == 0 {
		return l.g.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(l.narrow(n, s), in[2], name(n, "")), nil
	}
	p := l.narrow(n, l.g.SoftMaxWithTensorAxisName(s, 3, name(n, "softmax")))
	return l.g.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(p, in[2], name(n, "")), nil
}
