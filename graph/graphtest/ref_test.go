package graphtest

import (
	"math"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// The reference is the suite's oracle: these check it against hand-computed values.

func tt(shape graph.Shape, v ...float64) *tensor { return &tensor{shape: shape, data: v} }

func expect(t *testing.T, what string, got *tensor, shape graph.Shape, want ...float64) {
	t.Helper()
	if !got.shape.Equal(shape) {
		t.Errorf("%s: shape %v, want %v", what, got.shape, shape)
		return
	}
	if msg := diff(got.data, want, 1e-12, 1e-300); msg != "" {
		t.Errorf("%s: %s (got %v)", what, msg, got.data)
	}
}

func TestRefMatMul(t *testing.T) {
	a := tt(graph.Shape{2, 2}, 1, 2, 3, 4)
	b := tt(graph.Shape{2, 2}, 5, 6, 7, 8)
	expect(t, "nn", refMatMul(a, b, false, false), graph.Shape{2, 2}, 19, 22, 43, 50)
	expect(t, "tn", refMatMul(a, b, true, false), graph.Shape{2, 2}, 26, 30, 38, 44)
	expect(t, "nt", refMatMul(a, b, false, true), graph.Shape{2, 2}, 17, 23, 39, 53)
	expect(t, "tt", refMatMul(a, b, true, true), graph.Shape{2, 2}, 23, 31, 34, 46)
	// [2 1 2] x [2 1]: batch of 2, each row times the column.
	expect(t, "batch", refMatMul(tt(graph.Shape{2, 1, 2}, 1, 2, 3, 4), tt(graph.Shape{2, 1}, 10, 1), false, false),
		graph.Shape{2, 1, 1}, 12, 34)
	expect(t, "k0", refMatMul(tt(graph.Shape{2, 0}), tt(graph.Shape{0, 3}), false, false), graph.Shape{2, 3}, 0, 0, 0, 0, 0, 0)
	// [1 2] (batch 1) broadcast against b's batch of 2.
	expect(t, "bcast", refMatMul(tt(graph.Shape{1, 1, 2}, 1, 1), tt(graph.Shape{2, 2, 1}, 1, 2, 3, 4), false, false),
		graph.Shape{2, 1, 1}, 3, 7)
}

func TestRefShapeOps(t *testing.T) {
	x := tt(graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6)
	expect(t, "transpose", refTranspose(x, 1, 0), graph.Shape{3, 2}, 1, 4, 2, 5, 3, 6)
	y := tt(graph.Shape{1, 2, 3}, 1, 2, 3, 4, 5, 6)
	expect(t, "transpose3", refTranspose(y, 2, 0, 1), graph.Shape{3, 1, 2}, 1, 4, 2, 5, 3, 6)
	expect(t, "slice", refSlice(x, []int{0, 1}, []int{2, 3}), graph.Shape{2, 2}, 2, 3, 5, 6)
	expect(t, "pad", refPad(tt(graph.Shape{1, 2}, 1, 2), []int{1, 0}, []int{0, 1}), graph.Shape{2, 3}, 0, 0, 0, 1, 2, 0)
	expect(t, "concat1", refConcat(1, x, tt(graph.Shape{2, 1}, 7, 8)), graph.Shape{2, 4}, 1, 2, 3, 7, 4, 5, 6, 8)
	expect(t, "concat0", refConcat(0, x, tt(graph.Shape{0, 3})), graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6)
	expect(t, "broadcast", refBroadcastTo(tt(graph.Shape{2, 1}, 1, 2), graph.Shape{2, 2, 3}), graph.Shape{2, 2, 3},
		1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2)
	expect(t, "gather", refGather(x, tt(graph.Shape{3}, 1, 1, 0)), graph.Shape{3, 3}, 4, 5, 6, 4, 5, 6, 1, 2, 3)
	expect(t, "scatter", refScatterAdd(tt(graph.Shape{3}, 1, 1, 0), tt(graph.Shape{3, 2}, 1, 2, 3, 4, 5, 6), 3),
		graph.Shape{3, 2}, 5, 6, 4, 6, 0, 0)
	expect(t, "iota", refIota(graph.Shape{2, 3}, 0), graph.Shape{2, 3}, 0, 0, 0, 1, 1, 1)
}

func TestRefElementwiseAndReduce(t *testing.T) {
	x := tt(graph.Shape{2, 3}, 1, 5, 3, 4, 2, 6)
	expect(t, "bcast add", map2(x, tt(graph.Shape{3}, 10, 20, 30), add), graph.Shape{2, 3}, 11, 25, 33, 14, 22, 36)
	expect(t, "bcast col", map2(tt(graph.Shape{2, 1}, 1, 2), tt(graph.Shape{1, 2}, 10, 20), mul), graph.Shape{2, 2}, 10, 20, 20, 40)
	expect(t, "sum1", refReduce(x, "sum", 1), graph.Shape{2}, 9, 12)
	expect(t, "mean0", refReduce(x, "mean", 0), graph.Shape{3}, 2.5, 3.5, 4.5)
	expect(t, "max all", refReduce(x, "max"), graph.Shape{}, 6)
	expect(t, "max neg", refReduce(tt(graph.Shape{2}, -3, -2), "max"), graph.Shape{}, -2)
	expect(t, "sum empty", refReduce(tt(graph.Shape{0, 2}), "sum", 0), graph.Shape{2}, 0, 0)
}

func TestRefFused(t *testing.T) {
	s := refSoftmax(tt(graph.Shape{1, 2}, 0, math.Log(3)), 1)
	expect(t, "softmax", s, graph.Shape{1, 2}, 0.25, 0.75)
	s = refSoftmax(tt(graph.Shape{2, 1}, 0, math.Log(3)), 0)
	expect(t, "softmax axis0", s, graph.Shape{2, 1}, 0.25, 0.75)
	r := math.Sqrt(1.5)
	ln := refLayerNorm(tt(graph.Shape{1, 3}, 1, 2, 3), tt(graph.Shape{3}, 1, 1, 2), tt(graph.Shape{3}, 0, 1, 0), 0)
	expect(t, "layer_norm", ln, graph.Shape{1, 3}, -r, 1, 2*r)
	expect(t, "gelu", map1(tt(graph.Shape{2}, 0, 1), refGELU), graph.Shape{2}, 0, 0.8413447460685429)
	expect(t, "quick_gelu", map1(tt(graph.Shape{1}, 1), refQuickGELU), graph.Shape{1}, 1/(1+math.Exp(-1.702)))
	// Uniform logits: the loss is log(C); the ignored row does not count.
	l := refSoftmaxCrossEntropy(tt(graph.Shape{2, 4}, 1, 1, 1, 1, 5, 0, 0, 0), tt(graph.Shape{2}, 2, -100), -100)
	expect(t, "sce", l, graph.Shape{}, math.Log(4))
	expect(t, "bce", refBCEWithLogits(tt(graph.Shape{2}, 0, 0), tt(graph.Shape{2}, 1, 0)), graph.Shape{}, math.Log(2))
	// One key: attention returns v whatever the scores.
	a := refAttention(tt(graph.Shape{1, 1, 2, 1}, 1, 2), tt(graph.Shape{1, 1, 1, 1}, 3), tt(graph.Shape{1, 1, 1, 2}, 7, 8), nil, 0.5)
	expect(t, "attention", a, graph.Shape{1, 1, 2, 2}, 7, 8, 7, 8)
	// A mask of -inf on the first of two equal keys selects the second value.
	a = refAttention(tt(graph.Shape{1, 1, 1, 1}, 1), tt(graph.Shape{1, 1, 2, 1}, 1, 1), tt(graph.Shape{1, 1, 2, 1}, 7, 8),
		tt(graph.Shape{1, 1, 1, 2}, math.Inf(-1), 0), 1)
	expect(t, "attention mask", a, graph.Shape{1, 1, 1, 1}, 8)
	// AdamW, step 1: m = 0.1·g, v = 0.001·g², bias-corrected update = lr·g/(|g|+eps).
	out := refAdamW(tt(graph.Shape{1}, 1), tt(graph.Shape{1}, 2), tt(graph.Shape{1}, 0), tt(graph.Shape{1}, 0), 0.1, 1, 0.9, 0.999, 0, 0.5)
	expect(t, "adamw param", out[0], graph.Shape{1}, 1*(1-0.05)-0.1)
	expect(t, "adamw m", out[1], graph.Shape{1}, 0.2)
	expect(t, "adamw v", out[2], graph.Shape{1}, 0.004)
}

func TestDiff(t *testing.T) {
	if msg := diff([]float64{1, 2}, []float64{1, 2 + 1e-13}, 1e-12, 1e-300); msg != "" {
		t.Errorf("within tolerance: %s", msg)
	}
	if msg := diff([]float64{1, 2}, []float64{1, 2.001}, 1e-5, 1e-300); msg == "" {
		t.Errorf("a 5e-4 relative error passed a 1e-5 tolerance")
	}
	if msg := diff([]float64{math.NaN()}, []float64{math.NaN()}, 0, 1e-300); msg != "" {
		t.Errorf("NaN vs NaN: %s", msg)
	}
	if msg := diff([]float64{0}, []float64{math.NaN()}, 1, 1e-300); msg == "" {
		t.Errorf("0 vs NaN passed")
	}
	if msg := diff([]float64{math.NaN()}, []float64{0}, 1, 1e-300); msg == "" {
		t.Errorf("NaN vs 0 passed")
	}
	if msg := diff([]float64{1e-20}, []float64{0}, 1e-5, 1e-300); msg == "" {
		t.Errorf("nonzero vs an all-zero reference passed")
	}
	// Relative to the tensor's largest magnitude.
	if msg := diff([]float64{100, 1e-6}, []float64{100, 0}, 1e-7, 1e-300); msg != "" {
		t.Errorf("small absolute error next to a large value: %s", msg)
	}
}

func TestDropoutReferenceRate(t *testing.T) {
	x := newTensor(graph.Shape{4000})
	for i := range x.data {
		x.data[i] = 1
	}
	for _, dt := range []graph.DType{graph.F32, graph.F64} {
		y := refDropout(dt, x, 5, 0.25, 7)
		kept := 0
		for _, v := range y.data {
			if v != 0 {
				kept++
				if math.Abs(v-1/0.75) > 1e-15 {
					t.Fatalf("kept value %v, want %v", v, 1/0.75)
				}
			}
		}
		if f := float64(kept) / 4000; math.Abs(f-0.75) > 0.03 {
			t.Errorf("%v: kept fraction %.3f, want about 0.75", dt, f)
		}
	}
}
