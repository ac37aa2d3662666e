package numcmp

import (
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestCompare(t *testing.T) {
	ref := graph.FromFloat64(graph.Shape{3}, []float64{1, -10, 2})
	near := graph.FromFloat32(graph.Shape{3}, []float32{1, -10.00009, 2})
	if err := Check("x", near, ref, Tolerance{1e-6, 1e-5}); err != nil {
		t.Fatalf("within 1e-5·10: %v", err)
	}
	far := graph.FromFloat32(graph.Shape{3}, []float32{1, -10.0002, 2})
	err := Check("x", far, ref, Tolerance{1e-6, 1e-5})
	if err == nil || !strings.Contains(err.Error(), "x: max|a-b|") || !strings.Contains(err.Error(), "at 1") {
		t.Fatalf("outside tolerance: %v", err)
	}
	if err := Check("s", graph.FromFloat64(graph.Shape{}, []float64{2}), graph.FromFloat64(graph.Shape{1}, []float64{2}), F64); err != nil {
		t.Fatalf("0-d against [1]: %v", err)
	}
	if err := Check("m", graph.FromFloat64(graph.Shape{3, 1}, []float64{1, -10, 2}), ref, F64); err == nil {
		t.Fatal("shape mismatch accepted")
	}
	nan := graph.FromFloat64(graph.Shape{3}, []float64{1, -10, 0})
	nan.Data.([]float64)[2] = nan.Data.([]float64)[2] / nan.Data.([]float64)[2]
	if err := Check("n", nan, ref, Tolerance{1, 1}); err == nil {
		t.Fatal("NaN accepted")
	}
}
