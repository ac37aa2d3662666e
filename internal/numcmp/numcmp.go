// Package numcmp compares computed tensors with reference tensors by the rule of the golden
// reference data: per tensor, max|a-b| <= Atol + Rtol·max|ref|. Tests (through internal/golden)
// and `bt forward --reference` use it.
package numcmp

import (
	"fmt"
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// Tolerance is an absolute and a relative (to the reference's largest magnitude) bound.
type Tolerance struct{ Atol, Rtol float64 }

// The tolerances the golden README gives.
var (
	F32Outputs   = Tolerance{1e-6, 1e-5}
	F32Gradients = Tolerance{1e-6, 2e-5}
	F64          = Tolerance{1e-12, 1e-10}
	// F16Outputs holds outputs computed in float16 precision (MPS --precision f16) against the
	// float32 references: float16 has 11 significant bits (relative step 2^-11 ≈ 4.9e-4); four
	// layers of rounding in attention, GELU and matmuls, with LayerNorm and softmax accumulated in
	// float32, stay within 1% (measured on the MPS simulator: 2.1e-3 for m01, 2.8e-3 for m02).
	F16Outputs = Tolerance{1e-3, 1e-2}
)

// Limit is the largest difference allowed against a reference whose largest magnitude is maxRef.
func (t Tolerance) Limit(maxRef float64) float64 { return t.Atol + t.Rtol*maxRef }

// Diff is the comparison of one tensor with its reference.
type Diff struct {
	MaxAbs    float64 // max |a-b| (NaN if either side has a NaN where the other differs)
	MaxRef    float64 // max |ref|
	At        int     // flat index of MaxAbs
	Got, Want float64 // the values at At
}

// Compare measures got against ref. Shapes must agree, except that a 0-d tensor matches a
// one-element [1] (the golden files store 0-d values as [1]).
func Compare(got, ref *graph.Tensor) (Diff, error) {
	if got == nil || ref == nil {
		return Diff{}, fmt.Errorf("missing tensor")
	}
	scalars := got.Shape.Size() == 1 && ref.Shape.Size() == 1 && got.Shape.Rank() <= 1 && ref.Shape.Rank() <= 1
	if !got.Shape.Equal(ref.Shape) && !scalars {
		return Diff{}, fmt.Errorf("shape %v, want %v", got.Shape, ref.Shape)
	}
	a, b := got.Float64s(), ref.Float64s()
	var d Diff
	for i := range a {
		x := math.Abs(a[i] - b[i])
		if x > d.MaxAbs || (math.IsNaN(x) && !math.IsNaN(d.MaxAbs)) {
			d.MaxAbs, d.At = x, i
		}
		d.MaxRef = math.Max(d.MaxRef, math.Abs(b[i]))
	}
	if len(a) > 0 {
		d.Got, d.Want = a[d.At], b[d.At]
	}
	return d, nil
}

// Check compares got with ref and returns an error naming the tensor when the difference exceeds
// tol (NaN differences always do).
func Check(name string, got, ref *graph.Tensor, tol Tolerance) error {
	d, err := Compare(got, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if limit := tol.Limit(d.MaxRef); !(d.MaxAbs <= limit) {
		return fmt.Errorf("%s: max|a-b| = %.3g at %d (got %.9g, want %.9g) > %.3g (max|ref| %.3g)", name, d.MaxAbs, d.At, d.Got, d.Want, limit, d.MaxRef)
	}
	return nil
}
