package model

import (
	"fmt"
	"math"

	"github.com/bridgetower-go/bt/graph"
)

// This file: a 2-D sine-cosine table for the vision position embeddings (as MAE's fixed
// position embeddings), an option of bt fine-tune. HF's initialisation draws them from
// N(0, hidden^-½): about 15 times weaker than a patch embedding of unit-variance pixels; nothing in
// colour, shape, count or existence questions needs them, and a small model trained from them
// keeps little trace of where a patch is (a linear probe of the patch column on the last vision
// layer of the shapes model: R² 0.29). With the table at a norm comparable to the patch features
// the column stays readable (R² 0.84 at norm 12), and questions on where objects are become
// learnable (testdata/shapes-tiny/README.md).

// visionPositionName is the canonical name of the vision position embedding, [P+1, D]: row 0
// belongs to the class token, row 1+i to patch i (row-major over the G×G grid).
const visionPositionName = visionPrefix + "embeddings.position_embedding.weight"

// SinCosTable returns the 2-D sine-cosine position table of a grid×grid patch grid, width d (a
// multiple of 4), row i for patch i in row-major order: with q = d/4 and ω_k = 10000^(-k/q),
//
//	[sin(x·ω_0..q-1), cos(x·ω_0..q-1), sin(y·ω_0..q-1), cos(y·ω_0..q-1)]·norm/‖row‖
//
// for the patch in column x and row y: the horizontal place in the first half of the width, the
// vertical in the second, every row of Euclidean norm norm. [grid², d] float64.
func SinCosTable(grid, d int, norm float64) ([][]float64, error) {
	if grid < 1 || d < 4 || d%4 != 0 || !(norm > 0) || math.IsInf(norm, 0) {
		return nil, fmt.Errorf("model: sine-cosine positions: grid %d, width %d (a multiple of 4) and norm %v (> 0) are required", grid, d, norm)
	}
	q := d / 4
	rows := make([][]float64, grid*grid)
	for i := range rows {
		x, y := float64(i%grid), float64(i/grid)
		r := make([]float64, d)
		for k := range q {
			w := math.Pow(10000, -float64(k)/float64(q))
			r[k], r[q+k] = math.Sin(x*w), math.Cos(x*w)
			r[2*q+k], r[3*q+k] = math.Sin(y*w), math.Cos(y*w)
		}
		s := 0.0
		for _, v := range r {
			s += v * v
		}
		for k := range r {
			r[k] *= norm / math.Sqrt(s)
		}
		rows[i] = r
	}
	return rows, nil
}

// WithSinCosVisionPositions returns weights whose vision position embedding has its patch rows
// replaced by SinCosTable (of the config's patch grid and vision width, at norm per row); the
// class-token row and every other tensor are those of w (shared, not copied).
func WithSinCosVisionPositions(cfg *Config, w *Weights, norm float64) (*Weights, error) {
	old := w.Tensor(visionPositionName)
	if old == nil {
		return nil, fmt.Errorf("model: sine-cosine positions: the weights have no %s", visionPositionName)
	}
	v := cfg.Vision
	if v.PatchSize <= 0 || v.ImageSize%v.PatchSize != 0 {
		return nil, fmt.Errorf("model: sine-cosine positions: vision image_size %d is not a multiple of patch_size %d", v.ImageSize, v.PatchSize)
	}
	grid, d := v.ImageSize/v.PatchSize, v.HiddenSize
	if want := (graph.Shape{grid*grid + 1, d}); !old.Shape.Equal(want) {
		return nil, fmt.Errorf("model: sine-cosine positions: %s is %v, the config makes it %v", visionPositionName, old.Shape, want)
	}
	table, err := SinCosTable(grid, d, norm)
	if err != nil {
		return nil, err
	}
	vals := old.Float64s()
	for i, r := range table {
		copy(vals[(i+1)*d:(i+2)*d], r)
	}
	pos := graph.NewTensor(old.DType, old.Shape)
	if err := pos.SetFloat64s(vals); err != nil {
		return nil, fmt.Errorf("model: sine-cosine positions: %w", err)
	}
	tensors := map[string]*graph.Tensor{}
	for _, n := range w.Names() {
		tensors[n] = w.Tensor(n)
	}
	tensors[visionPositionName] = pos
	return NewWeights(tensors)
}
