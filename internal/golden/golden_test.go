package golden

import (
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

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
