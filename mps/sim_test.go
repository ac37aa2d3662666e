package mps

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// simRun compiles targets with the given placeholders fed from f32 values and returns each
// target's shape and values (decoded from its result buffer).
func simRun(t *testing.T, s *Sim, feeds map[Tensor][]float32, targets ...Tensor) ([][]int, [][]float64) {
	t.Helper()
	var fs []Feed
	for p := range feeds {
		st := get(p)
		fs = append(fs, Feed{Tensor: p, Type: ShapedType{Shape: st.shape, DataType: st.dt}})
	}
	exe, err := s.CompileWithDeviceFeedsTargetTensorsTargetOperationsCompilationDescriptor(fs, targets)
	if err != nil {
		t.Fatal(err)
	}
	var ins []TensorData
	for _, p := range exe.FeedTensors() {
		st := get(p)
		d, _ := s.NewTensorData(ShapedType{Shape: st.shape, DataType: st.dt})
		for i, v := range feeds[p] {
			binary.LittleEndian.PutUint32(d.Bytes()[4*i:], math.Float32bits(v))
		}
		ins = append(ins, d)
	}
	var outs []TensorData
	for _, tg := range targets {
		st := get(tg)
		d, err := s.NewTensorData(ShapedType{Shape: st.shape, DataType: st.dt})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, d)
	}
	if err := exe.RunWithMTLCommandQueueInputsArrayResultsArrayExecutionDescriptor(ins, outs); err != nil {
		t.Fatal(err)
	}
	var shapes [][]int
	var vals [][]float64
	for _, d := range outs {
		a := decode(d.Bytes(), d.Type().DataType, d.Type().Shape)
		shapes = append(shapes, d.Type().Shape)
		v := a.f
		if v == nil {
			for _, x := range a.i {
				v = append(v, float64(x))
			}
		}
		vals = append(vals, v)
	}
	return shapes, vals
}

func wantVals(t *testing.T, what string, gotShape []int, got []float64, shape []int, want ...float64) {
	t.Helper()
	if !slices.Equal(gotShape, shape) || !slices.Equal(got, want) {
		t.Errorf("%s: got %v %v, want %v %v", what, gotShape, got, shape, want)
	}
}

// TestSimSemantics pins the simulator to MPSGraph's documented behaviour with hand-computed
// values: reductions keep rank, transposes swap two axes, arithmetic broadcasts NumPy-style,
// gather and scatterND honour batch dimensions, float16 results round, float64 does not exist.
func TestSimSemantics(t *testing.T) {
	s := NewSim()
	x := s.PlaceholderWithShapeDataTypeName([]int{2, 3}, DataTypeFloat32, "x") // [[1 2 3] [4 5 6]]
	sum1 := s.ReductionSumWithTensorAxesName(x, []int{1}, "")
	sum01 := s.ReductionSumWithTensorAxesName(x, []int{0, 1}, "")
	mx := s.ReductionMaximumWithTensorAxesName(x, []int{0}, "")
	mean := s.MeanOfTensorAxesName(x, []int{1}, "")
	tr := s.TransposeTensorDimensionWithDimensionName(x, 0, 1, "")
	col := s.ConstantWithDataShapeDataType(f32bytes(10, 20), []int{2, 1}, DataTypeFloat32)
	bc := s.AdditionWithPrimaryTensorSecondaryTensorName(x, col, "") // [2 3] + [2 1]
	row := s.ConstantWithScalarShapeDataType(0.5, []int{3}, DataTypeFloat32)
	bm := s.MultiplicationWithPrimaryTensorSecondaryTensorName(x, row, "") // [2 3] * [3]
	sl := s.SliceTensorDimensionStartLengthName(x, 1, 1, 2, "")
	pad := s.PadTensorWithPaddingModeLeftPaddingRightPaddingConstantValueName(sl, PaddingModeConstant, []int{0, 1}, []int{1, 0}, -1, "")
	sm := s.SoftMaxWithTensorAxisName(s.ConstantWithDataShapeDataType(f32bytes(0, float32(math.Log(3))), []int{2}, DataTypeFloat32), 0, "")
	mm := s.MatrixMultiplicationWithPrimaryTensorSecondaryTensorName(x, tr, "") // x·xᵀ
	iota := s.CoordinateAlongAxisWithShapeName(1, []int{2, 3}, "")
	feeds := map[Tensor][]float32{x: {1, 2, 3, 4, 5, 6}}
	sh, v := simRun(t, s, feeds, sum1, sum01, mx, mean, tr, bc, bm, sl, pad, sm, mm, iota)
	wantVals(t, "sum over 1 keeps the axis", sh[0], v[0], []int{2, 1}, 6, 15)
	wantVals(t, "sum over both", sh[1], v[1], []int{1, 1}, 21)
	wantVals(t, "max over 0", sh[2], v[2], []int{1, 3}, 4, 5, 6)
	wantVals(t, "mean over 1", sh[3], v[3], []int{2, 1}, 2, 5)
	wantVals(t, "transpose 0,1", sh[4], v[4], []int{3, 2}, 1, 4, 2, 5, 3, 6)
	wantVals(t, "[2 3]+[2 1]", sh[5], v[5], []int{2, 3}, 11, 12, 13, 24, 25, 26)
	wantVals(t, "[2 3]*[3]", sh[6], v[6], []int{2, 3}, 0.5, 1, 1.5, 2, 2.5, 3)
	wantVals(t, "slice dim 1 from 1 length 2", sh[7], v[7], []int{2, 2}, 2, 3, 5, 6)
	wantVals(t, "pad", sh[8], v[8], []int{3, 3}, -1, 2, 3, -1, 5, 6, -1, -1, -1)
	wantVals(t, "softmax", sh[9], v[9], []int{2}, 0.25, 0.75)
	wantVals(t, "x·xᵀ", sh[10], v[10], []int{2, 2}, 14, 32, 32, 77)
	wantVals(t, "coordinate along 1 (int32)", sh[11], v[11], []int{2, 3}, 0, 1, 2, 0, 1, 2)
	if get(iota).dt != DataTypeInt32 {
		t.Errorf("coordinate is %v, want int32", get(iota).dt)
	}

	// A three-axis tensor: swapping 0 and 2 is not a rotation.
	s = NewSim()
	y := s.PlaceholderWithShapeDataTypeName([]int{2, 1, 3}, DataTypeFloat32, "y")
	sh, v = simRun(t, s, map[Tensor][]float32{y: {1, 2, 3, 4, 5, 6}}, s.TransposeTensorDimensionWithDimensionName(y, 0, 2, ""))
	wantVals(t, "transpose 0,2 of [2 1 3]", sh[0], v[0], []int{3, 1, 2}, 1, 4, 2, 5, 3, 6)
}

func TestSimGatherScatterBatch(t *testing.T) {
	s := NewSim()
	// updates [2 3] (batch 2, 3 rows), indices [2 2]: with 1 batch dimension row b reads
	// updates[b, idx[b, j]].
	u := s.ConstantWithDataShapeDataType(f32bytes(10, 11, 12, 20, 21, 22), []int{2, 3}, DataTypeFloat32)
	idx := s.ConstantWithDataShapeDataType(i32bytes(2, 0, 1, 1), []int{2, 2}, DataTypeInt32)
	g1 := s.GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(u, idx, 1, 1, "")
	g0 := s.GatherWithUpdatesTensorIndicesTensorAxisBatchDimensionsName(u, s.ConstantWithDataShapeDataType(i32bytes(1, 1, 0), []int{3}, DataTypeInt32), 0, 0, "")
	// scatterND add, no batch: indices [3 1] into [4 2].
	upd := s.ConstantWithDataShapeDataType(f32bytes(1, 2, 3, 4, 5, 6), []int{3, 2}, DataTypeFloat32)
	si := s.ConstantWithDataShapeDataType(i32bytes(3, 0, 3), []int{3, 1}, DataTypeInt32)
	sc := s.ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(upd, si, []int{4, 2}, 0, ScatterModeAdd, "")
	// scatterND with 1 batch dimension: indices [2 1 1] into [2 3].
	bu := s.ConstantWithDataShapeDataType(f32bytes(7, 8), []int{2, 1}, DataTypeFloat32)
	bi := s.ConstantWithDataShapeDataType(i32bytes(2, 0), []int{2, 1, 1}, DataTypeInt32)
	sb := s.ScatterNDWithUpdatesTensorIndicesTensorShapeBatchDimensionsModeName(bu, bi, []int{2, 3}, 1, ScatterModeAdd, "")
	sh, v := simRun(t, s, nil, g1, g0, sc, sb)
	wantVals(t, "gather axis 1, 1 batch dimension", sh[0], v[0], []int{2, 2}, 12, 10, 21, 21)
	wantVals(t, "gather axis 0", sh[1], v[1], []int{3, 3}, 20, 21, 22, 20, 21, 22, 10, 11, 12)
	wantVals(t, "scatterND add", sh[2], v[2], []int{4, 2}, 3, 4, 0, 0, 0, 0, 6, 8)
	wantVals(t, "scatterND add, 1 batch dimension", sh[3], v[3], []int{2, 3}, 0, 0, 7, 8, 0, 0)
}

func TestSimFloat16AndTypes(t *testing.T) {
	s := NewSim()
	// 1 + 2^-11 is halfway between float16 neighbours 1 and 1+2^-10: rounds to even (1).
	a := s.ConstantWithScalarShapeDataType(1, []int{2}, DataTypeFloat16)
	b := s.ConstantWithDataShapeDataType(f16bytes(0x1000, 0x1400), []int{2}, DataTypeFloat16) // 2^-11, 2^-10
	sum := s.AdditionWithPrimaryTensorSecondaryTensorName(a, b, "")
	big := s.MultiplicationWithPrimaryTensorSecondaryTensorName(s.ConstantWithScalarShapeDataType(300, nil, DataTypeFloat16), s.ConstantWithScalarShapeDataType(300, nil, DataTypeFloat16), "")
	cast := s.CastTensorToTypeName(s.ConstantWithDataShapeDataType(f32bytes(-2.7, 2.7, 0.1), []int{3}, DataTypeFloat32), DataTypeInt32, "")
	div := s.DivisionWithPrimaryTensorSecondaryTensorName(s.ConstantWithDataShapeDataType(i32bytes(-7, 7), []int{2}, DataTypeInt32), s.ConstantWithScalarShapeDataType(2, nil, DataTypeInt32), "")
	sh, v := simRun(t, s, nil, sum, big, cast, div)
	wantVals(t, "float16 addition rounds to nearest even", sh[0], v[0], []int{2}, 1, 1+1.0/1024)
	wantVals(t, "float16 overflow", sh[1], v[1], []int{}, math.Inf(1))
	wantVals(t, "float32 to int32 truncates", sh[2], v[2], []int{3}, -2, 2, 0)
	wantVals(t, "int32 division truncates", sh[3], v[3], []int{2}, -3, 3)

	s = NewSim()
	s.PlaceholderWithShapeDataTypeName([]int{2}, DataType(268435520), "f64") // MPSDataTypeFloat32|64 bits: no such type
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Errorf("a float64 placeholder: error %v, want one about float64", err)
	}
	s = NewSim()
	s.AdditionWithPrimaryTensorSecondaryTensorName(s.ConstantWithScalarShapeDataType(1, nil, DataTypeFloat32), s.ConstantWithScalarShapeDataType(1, nil, DataTypeFloat16), "")
	if s.Err() == nil {
		t.Errorf("adding float32 and float16 gave no error (MPSGraph does not promote)")
	}
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func i32bytes(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func f16bytes(v ...uint16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return b
}
