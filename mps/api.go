package mps

// DataType is MPSDataType; the values are those of darwinkit's mps.DataType constants.
type DataType uint32

// The data types bt uses (MPSDataType values). There is no float64 in MPSGraph and no bfloat16
// before macOS 14 (darwinkit targets macOS 12).
const (
	DataTypeInvalid DataType = 0
	DataTypeFloat16 DataType = 268435472
	DataTypeFloat32 DataType = 268435488
	DataTypeInt32   DataType = 536870944
	DataTypeInt64   DataType = 536870976
	DataTypeUInt8   DataType = 8
	DataTypeBool    DataType = 2147483656
)

// Size is the number of bytes of one element (0 for an unknown type).
func (d DataType) Size() int {
	switch d {
	case DataTypeFloat16:
		return 2
	case DataTypeFloat32, DataTypeInt32:
		return 4
	case DataTypeInt64:
		return 8
	case DataTypeUInt8, DataTypeBool:
		return 1
	}
	return 0
}

func (d DataType) String() string {
	switch d {
	case DataTypeFloat16:
		return "float16"
	case DataTypeFloat32:
		return "float32"
	case DataTypeInt32:
		return "int32"
	case DataTypeInt64:
		return "int64"
	case DataTypeUInt8:
		return "uint8"
	case DataTypeBool:
		return "bool"
	}
	return "invalid"
}

// ScatterMode is MPSGraphScatterMode (darwinkit's mpsgraph.ScatterMode values).
type ScatterMode int

// ScatterModeAdd adds the updates into the result.
const ScatterModeAdd ScatterMode = 0

// PaddingMode is MPSGraphPaddingMode (darwinkit's mpsgraph.PaddingMode values).
type PaddingMode int

// PaddingModeConstant pads with a constant value.
const PaddingModeConstant PaddingMode = 0

// Tensor is an MPSGraphTensor handle; each implementation of Graph uses its own concrete type.
type Tensor interface{}

// ShapedType is MPSGraphShapedType: the shape and data type of a feed at compile time.
type ShapedType struct {
	Shape    []int
	DataType DataType
}

// Feed pairs a placeholder with its type, one entry of compile's feeds dictionary.
type Feed struct {
	Tensor Tensor
	Type   ShapedType
}

// TensorData is MPSGraphTensorData over a buffer in unified memory: the host reads and writes
// Bytes, the device sees the same memory (darwin: a shared MTLBuffer).
type TensorData interface {
	Type() ShapedType
	// Bytes is the whole buffer, len = elements × size; valid until the TensorData is dropped.
	Bytes() []byte
}

// Executable is MPSGraphExecutable.
type Executable interface {
	// FeedTensors is the order of the inputs of a run (not the feeds order at compile).
	FeedTensors() []Tensor
	// RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor runs once with preallocated
	// results, waiting until the device is done (executionDescriptor.waitUntilCompleted = YES).
	RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor(inputsArray, resultsArray []TensorData) error
}

// Graph mirrors the MPSGraph methods bt uses, with darwinkit v0.5.0's names and argument order
// (macos/mpsgraph/graph.gen.go). Shapes are []int (darwinkit: an NSArray of NSNumbers), axes
// []int (darwinkit: []foundation.INumber). Methods never fail: an implementation records the
// first error and reports it from Err and from compile, as MPSGraph reports an invalid graph
// when it is compiled.
type Graph interface {
	// Leaves.
	PlaceholderWithShapeDataTypeName(shape []int, dataType DataType, name string) Tensor
	ConstantWithDataShapeDataType(data []byte, shape []int, dataType DataType) Tensor
	ConstantWithScalarShapeDataType(scalar float64, shape []int, dataType DataType) Tensor
	CoordinateAlongAxisWithShapeName(axis int, shape []int, name string) Tensor

	// Unary arithmetic.
	NegativeWithTensorName(tensor Tensor, name string) Tensor
	ExponentWithTensorName(tensor Tensor, name string) Tensor
	LogarithmWithTensorName(tensor Tensor, name string) Tensor
	SquareRootWithTensorName(tensor Tensor, name string) Tensor
	ReverseSquareRootWithTensorName(tensor Tensor, name string) Tensor
	TanhWithTensorName(tensor Tensor, name string) Tensor
	ErfWithTensorName(tensor Tensor, name string) Tensor
	SigmoidWithTensorName(tensor Tensor, name string) Tensor
	AbsoluteWithTensorName(tensor Tensor, name string) Tensor
	IdentityWithTensorName(tensor Tensor, name string) Tensor

	// Binary arithmetic (NumPy broadcasting).
	AdditionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	SubtractionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	MultiplicationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	DivisionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	PowerWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	MinimumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor

	// Comparisons and selection (Bool results).
	EqualWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	NotEqualWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	LessThanWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	LessThanOrEqualToWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	GreaterThanWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	GreaterThanOrEqualToWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor
	SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName(predicateTensor, truePredicateTensor, falseSelectTensor Tensor, name string) Tensor
	CastTensorToTypeName(tensor Tensor, type_ DataType, name string) Tensor

	// Shapes.
	ReshapeTensorWithShapeName(tensor Tensor, shape []int, name string) Tensor
	TransposeTensorDimensionWithDimensionName(tensor Tensor, dimensionIndex, dimensionIndex2 uint, name string) Tensor
	SliceTensorDimensionStartLengthName(tensor Tensor, dimensionIndex uint, start, length int, name string) Tensor
	PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(tensor Tensor, paddingMode PaddingMode, leftPadding, rightPadding []int, constantValue float64, name string) Tensor
	ConcatTensorsDimensionName(tensors []Tensor, dimensionIndex int, name string) Tensor
	BroadcastTensorToShapeName(tensor Tensor, shape []int, name string) Tensor
	GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(updatesTensor, indicesTensor Tensor, axis, batchDimensions uint, name string) Tensor
	ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(updatesTensor, indicesTensor Tensor, shape []int, batchDimensions uint, mode ScatterMode, name string) Tensor

	// Reductions (the reduced axes stay, with size 1) and products.
	ReductionSumWithTensorAxesName(tensor Tensor, axes []int, name string) Tensor
	ReductionMaximumWithTensorAxesName(tensor Tensor, axes []int, name string) Tensor
	MeanOfTensorAxesName(tensor Tensor, axes []int, name string) Tensor
	VarianceOfTensorMeanTensorAxesName(tensor, meanTensor Tensor, axes []int, name string) Tensor
	NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName(tensor, mean, variance, gamma, beta Tensor, epsilon float32, name string) Tensor
	SoftMaxWithTensorAxisName(tensor Tensor, axis int, name string) Tensor
	MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor

	// Compile and run. feeds is compile's NSDictionary (placeholder → MPSGraphShapedType); the
	// device and the compilation descriptor belong to the implementation.
	CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(feeds []Feed, targetTensors []Tensor) (Executable, error)
	// NewTensorData allocates a zeroed buffer in unified memory for a feed or a result
	// (darwin: MTLDevice newBufferWithLength + MPSGraphTensorData initWithMTLBuffer).
	NewTensorData(t ShapedType) (TensorData, error)
	// Err is the first error met while building.
	Err() error
}
