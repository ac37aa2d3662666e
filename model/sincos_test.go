package model

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// SinCosTable against values worked out by hand: width 8 (q = 2, ω = 1 and 10000^-1/2 = 0.01),
// natural row norm √(2q) = 2, so norm 2 leaves the sines and cosines as they are.
func TestSinCosTable(t *testing.T) {
	tab, err := SinCosTable(2, 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]float64{
		0: {0, 0, 1, 1, 0, 0, 1, 1},                                                                                         // x 0, y 0
		1: {0.8414709848, 0.0099998333, 0.5403023059, 0.9999500004, 0, 0, 1, 1},                                             // x 1, y 0
		2: {0, 0, 1, 1, 0.8414709848, 0.0099998333, 0.5403023059, 0.9999500004},                                             // x 0, y 1
		3: {0.8414709848, 0.0099998333, 0.5403023059, 0.9999500004, 0.8414709848, 0.0099998333, 0.5403023059, 0.9999500004}, // x 1, y 1
	}
	for i, w := range want {
		for k := range w {
			if math.Abs(tab[i][k]-w[k]) > 1e-9 {
				t.Fatalf("row %d: %v, want %v", i, tab[i], w)
			}
		}
	}
	// norm 6: every row three times as long
	tab6, err := SinCosTable(2, 8, 6)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(tab6[3][0]-3*0.8414709848) > 1e-9 {
		t.Fatalf("norm 6: row 3 %v", tab6[3])
	}
	for _, bad := range [][3]float64{{0, 8, 1}, {2, 6, 1}, {2, 8, 0}, {2, 8, math.NaN()}} {
		if _, err := SinCosTable(int(bad[0]), int(bad[1]), bad[2]); err == nil {
			t.Errorf("SinCosTable%v: no error", bad)
		}
	}
}

// WithSinCosVisionPositions replaces the patch rows only: the class row and every other tensor
// stay those of the input.
func TestWithSinCosVisionPositions(t *testing.T) {
	cfg, err := PresetConfig("tiny", 300)
	if err != nil {
		t.Fatal(err)
	}
	w, err := InitWeights(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := WithSinCosVisionPositions(cfg, w, 12)
	if err != nil {
		t.Fatal(err)
	}
	grid, d := cfg.Vision.ImageSize/cfg.Vision.PatchSize, cfg.Vision.HiddenSize
	tab, _ := SinCosTable(grid, d, 12)
	old, pos := w.Tensor(visionPositionName).Float64s(), got.Tensor(visionPositionName).Float64s()
	for k := range d {
		if pos[k] != old[k] {
			t.Fatalf("class row changed at %d", k)
		}
	}
	for i := range grid * grid {
		for k := range d {
			if math.Abs(pos[(i+1)*d+k]-tab[i][k]) > 1e-6 {
				t.Fatalf("patch %d, %d: %v, want %v", i, k, pos[(i+1)*d+k], tab[i][k])
			}
		}
	}
	for _, n := range w.Names() {
		if n != visionPositionName && got.Tensor(n) != w.Tensor(n) {
			t.Fatalf("%s was replaced", n)
		}
	}
	if len(got.Names()) != len(w.Names()) {
		t.Fatalf("%d tensors, want %d", len(got.Names()), len(w.Names()))
	}
	// a config whose grid does not match the tensor is refused, naming the tensor
	c2 := *cfg
	c2.Vision.PatchSize = cfg.Vision.PatchSize * 2
	if _, err := WithSinCosVisionPositions(&c2, w, 12); err == nil || !strings.Contains(err.Error(), visionPositionName) {
		t.Fatalf("mismatched grid: %v", err)
	}
	none, _ := NewWeights(map[string]*graph.Tensor{"text_model.pooler.dense.bias": graph.NewTensor(graph.F32, graph.Shape{2})})
	if _, err := WithSinCosVisionPositions(cfg, none, 12); err == nil || !strings.Contains(err.Error(), "position_embedding") {
		t.Fatalf("missing tensor: %v", err)
	}
}
