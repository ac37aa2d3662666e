package train

import "github.com/bridgetower-go/bt/graph"

// zero sets a float tensor to 0 in place.
func zero(t *graph.Tensor) {
	switch d := t.Data.(type) {
	case []float32:
		clear(d)
	case []float64:
		clear(d)
	}
}

// copyTensor copies src into dst (same dtype and size).
func copyTensor(dst, src *graph.Tensor) {
	switch d := dst.Data.(type) {
	case []float32:
		copy(d, src.Data.([]float32))
	case []float64:
		copy(d, src.Data.([]float64))
	}
}
