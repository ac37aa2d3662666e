package graph

import "fmt"

// Convert returns t with dtype dt: t itself when it already has dt, otherwise a new tensor.
// Each value goes through float64 (exact for every dtype except I64 beyond 2^53); F64 to F16 or
// BF16 rounds through float32 (round to nearest even at each step); to an integer dtype truncates
// toward zero; to Bool is v != 0.
func Convert(t *Tensor, dt DType) (*Tensor, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	if t.DType == dt {
		return t, nil
	}
	if dt == Invalid || dt.Size() == 0 {
		return nil, fmt.Errorf("graph: convert %v to invalid dtype %v", t, dt)
	}
	at := reader(t)
	out := NewTensor(dt, t.Shape)
	switch d := out.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(at(i))
		}
	case []float64:
		for i := range d {
			d[i] = at(i)
		}
	case []uint16:
		enc := Float32ToF16
		if dt == BF16 {
			enc = Float32ToBF16
		}
		for i := range d {
			d[i] = enc(float32(at(i)))
		}
	case []int32:
		for i := range d {
			d[i] = int32(at(i))
		}
	case []int64:
		for i := range d {
			d[i] = int64(at(i))
		}
	case []bool:
		for i := range d {
			d[i] = at(i) != 0
		}
	case []uint8:
		for i := range d {
			d[i] = uint8(at(i))
		}
	}
	return out, nil
}

// reader returns a function giving element i of t as float64.
func reader(t *Tensor) func(int) float64 {
	switch d := t.Data.(type) {
	case []float32:
		return func(i int) float64 { return float64(d[i]) }
	case []float64:
		return func(i int) float64 { return d[i] }
	case []uint16:
		if t.DType == BF16 {
			return func(i int) float64 { return float64(BF16ToFloat32(d[i])) }
		}
		return func(i int) float64 { return float64(F16ToFloat32(d[i])) }
	case []int32:
		return func(i int) float64 { return float64(d[i]) }
	case []int64:
		return func(i int) float64 { return float64(d[i]) }
	case []uint8:
		return func(i int) float64 { return float64(d[i]) }
	case []bool:
		return func(i int) float64 {
			if d[i] {
				return 1
			}
			return 0
		}
	}
	panic("graph: reader of unchecked tensor")
}
