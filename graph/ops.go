package graph

import "fmt"

// Op is an operation. Backends switch on the concrete types below; fused ops also implement FusedOp.
type Op interface {
	Name() string
}

// FusedOp is an op whose meaning is given by a decomposition into other ops. Decompose builds that
// decomposition on the graph of inputs and returns one node per output of the op.
type FusedOp interface {
	Op
	Decompose(inputs []*Node) []*Node
}

// GradientOp is implemented by ops that give their own vector-Jacobian product instead of the one
// of their decomposition: given the node and the adjoint of each of its outputs (nil where the
// output has none), it returns one adjoint per input (nil for no gradient).
type GradientOp interface {
	VJP(n *Node, outGrads []*Node) []*Node
}

// Leaves.

// ParamOp is a trainable parameter; Label is its checkpoint name.
type ParamOp struct{ Label string }

// InputOp is a value supplied at run time (data, masks, the step counter).
type InputOp struct{ Label string }

// ConstOp is a constant; Value has the node's dtype and shape.
type ConstOp struct{ Value *Tensor }

// IotaOp counts 0, 1, 2, ... along Axis of the node's shape.
type IotaOp struct{ Axis int }

// RandomUniformOp draws uniform values in [0, 1): element i is RandomFloat(Seed, step, i), with the
// step read from its only input (an I64 scalar).
type RandomUniformOp struct{ Seed uint64 }

func (o ParamOp) Name() string         { return "param" }
func (o InputOp) Name() string         { return "input" }
func (o ConstOp) Name() string         { return "const" }
func (o IotaOp) Name() string          { return "iota" }
func (o RandomUniformOp) Name() string { return "random_uniform" }

// Elementwise.

// UnaryKind selects a unary elementwise function.
type UnaryKind uint8

// The unary functions.
const (
	NegKind UnaryKind = iota
	ExpKind
	LogKind
	SqrtKind
	RsqrtKind
	TanhKind
	ErfKind
	SigmoidKind
	AbsKind
)

var unaryNames = [...]string{"neg", "exp", "log", "sqrt", "rsqrt", "tanh", "erf", "sigmoid", "abs"}

func (k UnaryKind) String() string { return unaryNames[k] }

// UnaryOp applies a function to each element of a float operand.
type UnaryOp struct{ Kind UnaryKind }

// BinaryKind selects a binary elementwise function.
type BinaryKind uint8

// The binary functions.
const (
	AddKind BinaryKind = iota
	SubKind
	MulKind
	DivKind
	PowKind
	MaxKind
	MinKind
)

var binaryNames = [...]string{"add", "sub", "mul", "div", "pow", "max", "min"}

func (k BinaryKind) String() string { return binaryNames[k] }

// BinaryOp combines two operands of the same shape and dtype element by element. Integer
// division truncates toward zero (Go's /); integer division by zero is a run-time error.
type BinaryOp struct{ Kind BinaryKind }

// CompareKind selects a comparison.
type CompareKind uint8

// The comparisons.
const (
	EqKind CompareKind = iota
	NeKind
	LtKind
	LeKind
	GtKind
	GeKind
)

var compareNames = [...]string{"eq", "ne", "lt", "le", "gt", "ge"}

func (k CompareKind) String() string { return compareNames[k] }

// CompareOp compares two operands of the same shape and dtype; the result is Bool.
type CompareOp struct{ Kind CompareKind }

// WhereOp selects, element by element, input 1 where input 0 (Bool) is true and input 2 elsewhere.
type WhereOp struct{}

// CastOp converts to the node's dtype (floats to integers truncate toward zero; Bool is 0 or 1).
type CastOp struct{}

// StopGradientOp is the identity whose gradient is zero.
type StopGradientOp struct{}

func (o UnaryOp) Name() string        { return o.Kind.String() }
func (o BinaryOp) Name() string       { return o.Kind.String() }
func (o CompareOp) Name() string      { return o.Kind.String() }
func (o WhereOp) Name() string        { return "where" }
func (o CastOp) Name() string         { return "cast" }
func (o StopGradientOp) Name() string { return "stop_gradient" }

// Shape ops.

// ReshapeOp gives the operand the node's shape (same number of elements, row-major order kept).
type ReshapeOp struct{}

// TransposeOp permutes dimensions: output dimension i is input dimension Perm[i].
type TransposeOp struct{ Perm []int }

// SliceOp takes Starts[i] <= j < Ends[i] along every dimension i (step 1).
type SliceOp struct{ Starts, Ends []int }

// PadOp adds Low[i] zeros before and High[i] zeros after dimension i.
type PadOp struct{ Low, High []int }

// ConcatOp joins its operands along Axis.
type ConcatOp struct{ Axis int }

// BroadcastOp repeats size-1 dimensions of its operand (of the node's rank) to the node's shape.
type BroadcastOp struct{}

// GatherOp reads rows of a table: table [V, R...] and integer indices [I...] give [I..., R...].
// An index outside 0..V-1 is a run-time error.
type GatherOp struct{}

// ScatterAddOp is Gather's adjoint: indices [I...] and updates [I..., R...] give a zero tensor
// [V, R...] (V from the node's shape) with each update row added at its index.
type ScatterAddOp struct{}

func (o ReshapeOp) Name() string    { return "reshape" }
func (o TransposeOp) Name() string  { return fmt.Sprintf("transpose%v", o.Perm) }
func (o SliceOp) Name() string      { return "slice" }
func (o PadOp) Name() string        { return "pad" }
func (o ConcatOp) Name() string     { return fmt.Sprintf("concat(axis=%d)", o.Axis) }
func (o BroadcastOp) Name() string  { return "broadcast" }
func (o GatherOp) Name() string     { return "gather" }
func (o ScatterAddOp) Name() string { return "scatter_add" }

// Reductions and products.

// ReduceKind selects a reduction.
type ReduceKind uint8

// The reductions.
const (
	SumKind ReduceKind = iota
	MeanKind
	ReduceMaxKind
)

var reduceNames = [...]string{"reduce_sum", "reduce_mean", "reduce_max"}

func (k ReduceKind) String() string { return reduceNames[k] }

// ReduceOp reduces over Axes (sorted, distinct), removing them from the shape.
type ReduceOp struct {
	Kind ReduceKind
	Axes []int
}

// MatMulOp multiplies the last two dimensions of operands with equal leading (batch) dimensions:
// [..., M, K] x [..., K, N] -> [..., M, N], where TransA (TransB) means operand 0 (1) is stored
// transposed, as [..., K, M] ([..., N, K]).
type MatMulOp struct{ TransA, TransB bool }

// GetOp reads output Index of its tuple operand.
type GetOp struct{ Index int }

func (o ReduceOp) Name() string { return o.Kind.String() }
func (o MatMulOp) Name() string {
	switch {
	case o.TransA && o.TransB:
		return "matmul_tt"
	case o.TransA:
		return "matmul_tn"
	case o.TransB:
		return "matmul_nt"
	}
	return "matmul"
}
func (o GetOp) Name() string { return fmt.Sprintf("get%d", o.Index) }
