package model

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// hostLinear is x·Wᵀ + b in float64 for x [n, in], W [out, in].
func hostLinear(x []float64, n int, w, bias *graph.Tensor) []float64 {
	out, in := w.Shape[0], w.Shape[1]
	wv, bv := w.Float64s(), bias.Float64s()
	y := make([]float64, n*out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			s := bv[o]
			for i := 0; i < in; i++ {
				s += x[r*in+i] * wv[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// The VQA and classification heads on a tiny random model equal a float64 host computation of
// the original repository's classifier from the graph's own pooler_output: Linear(2H, 2H·s) ->
// LayerNorm(eps 1e-5) -> erf GELU -> Linear(2H·s, labels); with s = head_hidden_scale 1.5 and 5
// labels. The losses are BCE-with-logits times the label count (VQA) and cross-entropy.
func TestClassifierHeadsMatchHostReference(t *testing.T) {
	cfg := tinyConfig(t, `, "head_hidden_scale": 1.5, "num_labels": 5, "layer_norm_eps": 0.1`) // eps 1e-5 in the head regardless
	raw := randomWeights(t, cfg, 9)
	if got := raw["vqa_classifier.0.weight"].Shape; !got.Equal(graph.Shape{96, 64}) {
		t.Fatalf("vqa_classifier.0.weight %v, want [96 64]", got)
	}
	w := mustWeights(t, raw)
	inputs := tinyInputs(cfg, 10)
	targets := []float32{0, 0.3, 1, 0.6, 0, 0.9, 0, 0, 0.3, 1}
	inputs[InputVQATargets] = graph.FromFloat32(graph.Shape{2, 5}, targets)
	inputs[InputClassLabels] = graph.FromInt64(graph.Shape{2}, []int64{3, 0})
	heads := []Head{HeadVQA, HeadClassifier}
	got := runModel(t, cfg, w, inputs, BuildOptions{DType: graph.F64, Heads: heads, Losses: heads})
	pooled := got["model.pooler_output"].Float64s()
	for _, h := range []struct {
		head   Head
		prefix string
	}{{HeadVQA, "vqa_classifier"}, {HeadClassifier, "snli_classifier"}} {
		x := hostLinear(pooled, 2, raw[h.prefix+".0.weight"], raw[h.prefix+".0.bias"])
		d := 96
		gamma, beta := raw[h.prefix+".1.weight"].Float64s(), raw[h.prefix+".1.bias"].Float64s()
		for r := 0; r < 2; r++ {
			row := x[r*d : (r+1)*d]
			mean, vari := 0.0, 0.0
			for _, v := range row {
				mean += v / float64(d)
			}
			for _, v := range row {
				vari += (v - mean) * (v - mean) / float64(d)
			}
			for i, v := range row {
				y := (v-mean)/math.Sqrt(vari+1e-5)*gamma[i] + beta[i]
				row[i] = 0.5 * y * (1 + math.Erf(y/math.Sqrt2))
			}
		}
		want := hostLinear(x, 2, raw[h.prefix+".3.weight"], raw[h.prefix+".3.bias"])
		ref := graph.FromFloat64(graph.Shape{2, 5}, want)
		if err := golden.Compare(string(h.head)+".logits", got[string(h.head)+".logits"], ref, golden.F64); err != nil {
			t.Error(err)
		}
		var loss float64
		if h.head == HeadVQA {
			for i, z := range want {
				y := float64(targets[i])
				loss += math.Max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z)))
			}
			loss = loss / 10 * 5
		} else {
			for r, label := range []int{3, 0} {
				row := want[r*5 : (r+1)*5]
				lse := 0.0
				for _, z := range row {
					lse += math.Exp(z)
				}
				loss += (math.Log(lse) - row[label]) / 2
			}
		}
		if err := golden.Compare(string(h.head)+".loss", got[string(h.head)+".loss"], graph.FromFloat64(nil, []float64{loss}), golden.F64); err != nil {
			t.Error(err)
		}
	}
}

// With tie_word_embeddings the MLM decoder is the word-embedding table: the checkpoint needs no
// mlm_score.decoder.weight, and the logits equal an untied model whose decoder is a copy of it.
func TestMLMTiedDecoder(t *testing.T) {
	tied := tinyConfig(t, `, "tie_word_embeddings": true`)
	untied := tinyConfig(t, "")
	raw := randomWeights(t, untied, 12)
	raw["mlm_score.decoder.weight"] = raw["text_model.embeddings.word_embeddings.weight"].Clone()
	withoutDecoder := map[string]*graph.Tensor{}
	for k, v := range raw {
		if k != "mlm_score.decoder.weight" {
			withoutDecoder[k] = v
		}
	}
	opts := BuildOptions{Heads: []Head{HeadMLM}}
	a := runModel(t, tied, mustWeights(t, withoutDecoder), tinyInputs(tied, 13), opts)
	b := runModel(t, untied, mustWeights(t, raw), tinyInputs(untied, 13), opts)
	if !a["mlm.logits"].Identical(b["mlm.logits"]) {
		t.Error("tied and copied decoders give different logits")
	}
	m, err := Build(untied, BuildOptions{Batch: 2, TextLen: 6, Heads: []Head{HeadMLM}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bind(mustWeights(t, withoutDecoder)); err == nil || !strings.Contains(err.Error(), "mlm_score.decoder.weight [40 32]") {
		t.Errorf("untied model without decoder: %v", err)
	}
}

func TestHeadHiddenScaleErrors(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{`, "head_hidden_scale": "2"`, `head_hidden_scale "2" is not a positive number`},
		{`, "head_hidden_scale": -1`, "head_hidden_scale -1 is not a positive number"},
		{`, "head_hidden_scale": 1.01`, "head_hidden_scale 1.01 times 2*hidden_size 64 is not a usable integer width"},
	} {
		_, err := ParamInfos(tinyConfig(t, tc.extra))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.extra, err, tc.want)
		}
	}
	if s, err := tinyConfig(t, "").HeadHiddenScale(); err != nil || s != 2 {
		t.Errorf("default head_hidden_scale %v %v", s, err)
	}
}
