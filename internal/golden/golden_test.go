package golden

import (
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestCompare(t *testing.T) {
	ref := graph.FromFloat64(graph.Shape{3}, []float64{1, -10, 2})
	near := graph.FromFloat32(graph.Shape{3}, []float32{1, -10.00009, 2})
	if err := Compare("x", near, ref, Tolerance{1e-6, 1e-5}); err != nil {
		t.Fatalf("within 1e-5·10: %v", err)
	}
	far := graph.FromFloat32(graph.Shape{3}, []float32{1, -10.0002, 2})
	err := Compare("x", far, ref, Tolerance{1e-6, 1e-5})
	if err == nil || !strings.Contains(err.Error(), "x: max|a-b|") || !strings.Contains(err.Error(), "at 1") {
		t.Fatalf("outside tolerance: %v", err)
	}
	if err := Compare("s", graph.FromFloat64(graph.Shape{}, []float64{2}), graph.FromFloat64(graph.Shape{1}, []float64{2}), F64); err != nil {
		t.Fatalf("0-d against [1]: %v", err)
	}
	if err := Compare("m", graph.FromFloat64(graph.Shape{3, 1}, []float64{1, -10, 2}), ref, F64); err == nil {
		t.Fatal("shape mismatch accepted")
	}
	nan := graph.FromFloat64(graph.Shape{3}, []float64{1, -10, 0})
	nan.Data.([]float64)[2] = nan.Data.([]float64)[2] / nan.Data.([]float64)[2]
	if err := Compare("n", nan, ref, Tolerance{1, 1}); err == nil {
		t.Fatal("NaN accepted")
	}
}

func TestReadsPlainAndGzip(t *testing.T) {
	in := Tensors(t, ModelCase("m01_add_b1_nopad")+"/inputs.safetensors")
	if ids := in["input_ids"]; ids == nil || !ids.Shape.Equal(graph.Shape{1, 8}) {
		t.Fatalf("input_ids: %v", ids)
	}
	img := File(t, ImageCase("img03_64x64_rgb_png")+"/outputs.safetensors.gz")
	if pv := Tensor(t, img, "default.pixel_values"); !pv.Shape.Equal(graph.Shape{1, 3, 288, 288}) {
		t.Fatalf("pixel_values: %v", pv)
	}
}
