//go:build darwin && cgo

package mps

import (
	mpsk "github.com/progrium/darwinkit/macos/mps"
	"github.com/progrium/darwinkit/macos/mpsgraph"
)

// The darwin implementation of Graph: each method is one darwinkit call with the same name and
// arguments. Conversions of shapes and axes (nsShape, nsAxes) live in raw_darwin.go with the other
// raw-pointer code.

func (d *darwinGraph) PlaceholderWithShapeDataTypeName(shape []int, dataType DataType, name string) Tensor {
	return d.g.PlaceholderWithShapeDataTypeName(nsShape(shape), mpsDataType(dataType), name)
}

func (d *darwinGraph) ConstantWithDataShapeDataType(data []byte, shape []int, dataType DataType) Tensor {
	return d.g.ConstantWithDataShapeDataType(data, nsShape(shape), mpsDataType(dataType))
}

func (d *darwinGraph) ConstantWithScalarShapeDataType(scalar float64, shape []int, dataType DataType) Tensor {
	return d.g.ConstantWithScalarShapeDataType(scalar, nsShape(shape), mpsDataType(dataType))
}

func (d *darwinGraph) CoordinateAlongAxisWithShapeName(axis int, shape []int, name string) Tensor {
	return d.g.CoordinateAlongAxisWithShapeName(axis, nsShape(shape), name)
}

func (d *darwinGraph) NegativeWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.NegativeWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) ExponentWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.ExponentWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) LogarithmWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.LogarithmWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) SquareRootWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.SquareRootWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) ReverseSquareRootWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.ReverseSquareRootWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) TanhWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.TanhWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) ErfWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.ErfWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) SigmoidWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.SigmoidWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) AbsoluteWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.AbsoluteWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) IdentityWithTensorName(tensor Tensor, name string) Tensor {
	return d.g.IdentityWithTensorName(d.t(tensor), name)
}

func (d *darwinGraph) AdditionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.AdditionWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) SubtractionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.SubtractionWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) MultiplicationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.MultiplicationWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) DivisionWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.DivisionWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) PowerWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.PowerWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.MaximumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) MinimumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.MinimumWithNaNPropagationWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) EqualWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.EqualWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) NotEqualWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.NotEqualWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) LessThanWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.LessThanWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) LessThanOrEqualToWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.LessThanOrEqualToWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) GreaterThanWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.GreaterThanWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) GreaterThanOrEqualToWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.GreaterThanOrEqualToWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

func (d *darwinGraph) SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName(predicateTensor, truePredicateTensor, falseSelectTensor Tensor, name string) Tensor {
	return d.g.SelectWithPredicateTensorTruePredicateTensorFalsePredicateTensorName(d.t(predicateTensor), d.t(truePredicateTensor), d.t(falseSelectTensor), name)
}

func (d *darwinGraph) CastTensorToTypeName(tensor Tensor, type_ DataType, name string) Tensor {
	return d.g.CastTensorToTypeName(d.t(tensor), mpsDataType(type_), name)
}

func (d *darwinGraph) ReshapeTensorWithShapeName(tensor Tensor, shape []int, name string) Tensor {
	return d.g.ReshapeTensorWithShapeName(d.t(tensor), nsShape(shape), name)
}

func (d *darwinGraph) TransposeTensorDimensionWithDimensionName(tensor Tensor, dimensionIndex, dimensionIndex2 uint, name string) Tensor {
	return d.g.TransposeTensorDimensionWithDimensionName(d.t(tensor), dimensionIndex, dimensionIndex2, name)
}

func (d *darwinGraph) SliceTensorDimensionStartLengthName(tensor Tensor, dimensionIndex uint, start, length int, name string) Tensor {
	return d.g.SliceTensorDimensionStartLengthName(d.t(tensor), dimensionIndex, start, length, name)
}

func (d *darwinGraph) PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(tensor Tensor, paddingMode PaddingMode, leftPadding, rightPadding []int, constantValue float64, name string) Tensor {
	return d.g.PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(d.t(tensor), mpsgraph.PaddingMode(paddingMode), nsShape(leftPadding), nsShape(rightPadding), constantValue, name)
}

func (d *darwinGraph) ConcatTensorsDimensionName(tensors []Tensor, dimensionIndex int, name string) Tensor {
	return d.g.ConcatTensorsDimensionName(d.ts(tensors), dimensionIndex, name)
}

func (d *darwinGraph) BroadcastTensorToShapeName(tensor Tensor, shape []int, name string) Tensor {
	return d.g.BroadcastTensorToShapeName(d.t(tensor), nsShape(shape), name)
}

func (d *darwinGraph) GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(updatesTensor, indicesTensor Tensor, axis, batchDimensions uint, name string) Tensor {
	return d.g.GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(d.t(updatesTensor), d.t(indicesTensor), axis, batchDimensions, name)
}

func (d *darwinGraph) ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(updatesTensor, indicesTensor Tensor, shape []int, batchDimensions uint, mode ScatterMode, name string) Tensor {
	return d.g.ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(d.t(updatesTensor), d.t(indicesTensor), nsShape(shape), batchDimensions, mpsgraph.ScatterMode(mode), name)
}

func (d *darwinGraph) ReductionSumWithTensorAxesName(tensor Tensor, axes []int, name string) Tensor {
	return d.g.ReductionSumWithTensorAxesName(d.t(tensor), nsAxes(axes), name)
}

func (d *darwinGraph) ReductionMaximumWithTensorAxesName(tensor Tensor, axes []int, name string) Tensor {
	return d.g.ReductionMaximumWithTensorAxesName(d.t(tensor), nsAxes(axes), name)
}

func (d *darwinGraph) MeanOfTensorAxesName(tensor Tensor, axes []int, name string) Tensor {
	return d.g.MeanOfTensorAxesName(d.t(tensor), nsAxes(axes), name)
}

func (d *darwinGraph) VarianceOfTensorMeanTensorAxesName(tensor, meanTensor Tensor, axes []int, name string) Tensor {
	return d.g.VarianceOfTensorMeanTensorAxesName(d.t(tensor), d.t(meanTensor), nsAxes(axes), name)
}

func (d *darwinGraph) NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName(tensor, mean, variance, gamma, beta Tensor, epsilon float32, name string) Tensor {
	return d.g.NormalizationWithTensorMeanTensorVarianceTensorGammaTensorBetaTensorEpsilonName(d.t(tensor), d.t(mean), d.t(variance), d.t(gamma), d.t(beta), epsilon, name)
}

func (d *darwinGraph) SoftMaxWithTensorAxisName(tensor Tensor, axis int, name string) Tensor {
	return d.g.SoftMaxWithTensorAxisName(d.t(tensor), axis, name)
}

func (d *darwinGraph) MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(primaryTensor, secondaryTensor Tensor, name string) Tensor {
	return d.g.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(d.t(primaryTensor), d.t(secondaryTensor), name)
}

// mpsDataType is our DataType as darwinkit's (the same MPSDataType values).
func mpsDataType(d DataType) mpsk.DataType { return mpsk.DataType(d) }
