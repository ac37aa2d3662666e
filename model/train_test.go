package model

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// rowsOf keeps the first n rows of every input (all are batch-first).
func rowsOf(in map[string]*graph.Tensor, n int) map[string]*graph.Tensor {
	out := map[string]*graph.Tensor{}
	for k, t := range in {
		shape := append(graph.Shape{n}, t.Shape[1:]...)
		per := t.Shape.Size() / t.Shape[0]
		v := t.Float64s()[:n*per]
		if t.DType.IsInt() {
			iv := make([]int64, len(v))
			for i, x := range v {
				iv[i] = int64(x)
			}
			out[k] = graph.FromInt64(shape, iv)
		} else {
			out[k] = graph.FromFloat64(shape, v)
		}
	}
	return out
}

// threeRows is a batch of 3: two real rows and a third that stands for padding.
func threeRows(cfg *Config) map[string]*graph.Tensor {
	in := tinyInputs(cfg, 21)
	s := cfg.Vision.ImageSize
	pix := append(in[InputPixels].Float64s(), make([]float64, 3*s*s)...)
	for i := range pix[2*3*s*s:] {
		pix[2*3*s*s+i] = float64(i%7) - 3
	}
	return map[string]*graph.Tensor{
		InputIDs:         graph.FromInt64(graph.Shape{3, 6}, append(in[InputIDs].Data.([]int64), 0, 7, 7, 7, 2, 1)),
		InputMask:        graph.FromInt64(graph.Shape{3, 6}, append(in[InputMask].Data.([]int64), 1, 1, 1, 1, 1, 0)),
		InputPixels:      graph.FromFloat64(graph.Shape{3, 3, s, s}, pix),
		InputITMLabels:   graph.FromInt64(graph.Shape{3}, []int64{1, 0, 1}),
		InputClassLabels: graph.FromInt64(graph.Shape{3}, []int64{4, 2, 0}),
		InputMLMLabels:   graph.FromInt64(graph.Shape{3, 6}, []int64{-100, 5, -100, 17, -100, -100, -100, 33, 12, -100, -100, -100, 6, 7, -100, 9, -100, -100}),
		InputVQATargets: graph.FromFloat64(graph.Shape{3, 5}, []float64{0, 0.3, 1, 0.6, 0, 0.9, 0, 0, 0.3, 1,
			1, 1, 1, 0, 0}),
	}
}

// With row_mask [1 1 0], every loss of a batch of 3 equals the loss of the batch of its first 2
// rows built without a row mask (an independent computation: other shapes, no masking), and
// with row_mask all ones it equals the unmasked loss of the 3 rows.
func TestRowMaskAveragesOverRealRows(t *testing.T) {
	cfg := tinyConfig(t, `, "num_labels": 5`)
	w := mustWeights(t, randomWeights(t, cfg, 5))
	heads := []Head{HeadITM, HeadMLM, HeadVQA, HeadClassifier}
	in3 := threeRows(cfg)
	short := runModel(t, cfg, w, rowsOf(in3, 2), BuildOptions{DType: graph.F64, Heads: heads, Losses: heads})
	full := runModel(t, cfg, w, in3, BuildOptions{DType: graph.F64, Heads: heads, Losses: heads})

	masked := map[string]*graph.Tensor{}
	for k, v := range in3 {
		masked[k] = v
	}
	masked[InputRowMask] = graph.FromFloat64(graph.Shape{3}, []float64{1, 1, 0})
	opts := BuildOptions{DType: graph.F64, Heads: heads, Losses: heads, RowMask: true}
	got := runModel(t, cfg, w, masked, opts)
	ones := runModel(t, cfg, w, in3, opts) // row_mask absent: all ones
	for _, h := range heads {
		name := string(h) + ".loss"
		if err := golden.Compare(name+" (row_mask 1 1 0 vs first 2 rows)", got[name], short[name], golden.F64); err != nil {
			t.Error(err)
		}
		if err := golden.Compare(name+" (row_mask all ones vs no mask)", ones[name], full[name], golden.F64); err != nil {
			t.Error(err)
		}
		if golden.Compare(name, full[name], short[name], golden.F64) == nil {
			t.Errorf("%s: the padding row does not change the unmasked loss; the test cannot tell", name)
		}
	}
}

func TestRowMaskErrors(t *testing.T) {
	cfg := tinyConfig(t, "")
	w := mustWeights(t, randomWeights(t, cfg, 5))
	in := tinyInputs(cfg, 3)
	in[InputITMLabels] = graph.FromInt64(graph.Shape{2}, []int64{1, 0})
	in[InputRowMask] = graph.FromFloat64(graph.Shape{2}, []float64{1, 0.5})
	heads := []Head{HeadITM}
	_, err := Forward(t.Context(), cpu.New(cpu.Options{}), cfg, w, in, BuildOptions{Heads: heads, Losses: heads, RowMask: true})
	if err == nil || !strings.Contains(err.Error(), "row_mask element 1 is 0.5") {
		t.Fatalf("row_mask 0.5: error %v", err)
	}
	if _, err := Build(cfg, BuildOptions{Batch: 2, TextLen: 6, Heads: []Head{HeadITC}, Losses: []Head{HeadITC}, RowMask: true}); err == nil {
		t.Error("row_mask with the contrastive loss accepted")
	}
}

// Training mode puts dropout where HF's BridgeTower has nn.Dropout: after the text embeddings,
// after every attention output and feed-forward projection of the text and cross-modal layers
// (hidden_dropout_prob) and on their attention probabilities (attention_probs_dropout_prob);
// none in the CLIP tower.
func TestTrainingDropoutSites(t *testing.T) {
	cfg := tinyConfig(t, "")
	cfg.Text.HiddenDropoutProb, cfg.Text.AttentionProbsDropoutProb = 0.1, 0.2
	m, err := Build(cfg, BuildOptions{Batch: 2, TextLen: 6, Training: true, DropoutSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	text, cross := cfg.Text.NumHiddenLayers, cfg.NumHiddenLayers
	wantHidden := 1 + 2*text + 2*cross*3    // embeddings; per text layer attention + FFN; per cross layer 2 attentions + FFN
	wantProbs := text + 2*cross*2           // per text layer 1 attention; per cross layer 2
	wantPlain := cfg.Vision.NumHiddenLayers // CLIP blocks: no dropout
	var hidden, probs, plain int
	seeds := map[uint64]bool{}
	for _, n := range m.Graph.Nodes() {
		switch op := n.Op().(type) {
		case graph.DropoutOp:
			hidden++
			seeds[op.Seed] = true
			if op.Rate != 0.1 {
				t.Errorf("%v: rate %g, want hidden_dropout_prob 0.1", n, op.Rate)
			}
		case graph.AttentionOp:
			if op.Dropout == 0 {
				plain++
				continue
			}
			probs++
			seeds[op.Seed] = true
			if op.Dropout != 0.2 {
				t.Errorf("%v: attention dropout %g, want attention_probs_dropout_prob 0.2", n, op.Dropout)
			}
		}
	}
	if hidden != wantHidden || probs != wantProbs || plain != wantPlain {
		t.Errorf("dropout sites: %d hidden, %d attention, %d attention without dropout; want %d, %d, %d", hidden, probs, plain, wantHidden, wantProbs, wantPlain)
	}
	if len(seeds) != hidden+probs {
		t.Errorf("%d distinct seeds for %d dropout sites", len(seeds), hidden+probs)
	}
	if _, ok := m.Inputs[InputStep]; !ok {
		t.Error("training graph has no step input")
	}
}

// A training step replays bit for bit from (seed, step); another step or seed draws other
// masks; with both dropout probabilities 0 the training graph computes the eval outputs exactly.
func TestTrainingReplay(t *testing.T) {
	cfg := tinyConfig(t, "")
	w := mustWeights(t, randomWeights(t, cfg, 8))
	in := tinyInputs(cfg, 4)
	at := func(step int64) map[string]*graph.Tensor {
		m := map[string]*graph.Tensor{InputStep: graph.FromInt64(graph.Shape{}, []int64{step})}
		for k, v := range in {
			m[k] = v
		}
		return m
	}
	const out = "model.pooler_output"
	train := BuildOptions{Training: true, DropoutSeed: 42}
	a := runModel(t, cfg, w, at(7), train)[out]
	b := runModel(t, cfg, w, at(7), train)[out]
	c := runModel(t, cfg, w, at(8), train)[out]
	train.DropoutSeed = 43
	d := runModel(t, cfg, w, at(7), train)[out]
	eval := runModel(t, cfg, w, in, BuildOptions{})[out]
	if !a.Identical(b) {
		t.Error("same seed and step: outputs differ")
	}
	if a.Identical(c) || a.Identical(d) || a.Identical(eval) {
		t.Error("another step, another seed or eval mode gives the same outputs as step 7 seed 42")
	}
	cfg.Text.HiddenDropoutProb, cfg.Text.AttentionProbsDropoutProb = 0, 0
	zero := runModel(t, cfg, w, at(7), BuildOptions{Training: true, DropoutSeed: 42})[out]
	if !zero.Identical(eval) {
		t.Error("training with dropout 0 differs from eval")
	}
}

// The training graph's gradient (dropout on the hidden states and the attention probabilities,
// the VQA loss with a padding row masked) against central finite differences of the same
// graph's loss in F64: with the step fixed the masks are fixed, so the loss is a smooth function
// of the parameters. Elements are sampled from parameters on every path: a text layer's query
// (probability dropout), a cross-modal layer, a CLIP block, the embeddings and the new head.
func TestTrainingGradientFiniteDifferences(t *testing.T) {
	cfg := tinyConfig(t, `, "num_labels": 5`)
	cfg.Text.HiddenDropoutProb, cfg.Text.AttentionProbsDropoutProb = 0.2, 0.3
	raw := randomWeights(t, cfg, 12)
	w64 := map[string]*graph.Tensor{}
	for n, x := range raw {
		c, err := graph.Convert(x, graph.F64)
		if err != nil {
			t.Fatal(err)
		}
		w64[n] = c
	}
	heads := []Head{HeadVQA}
	in := threeRows(cfg)
	in[InputRowMask] = graph.FromFloat64(graph.Shape{3}, []float64{1, 1, 0})
	in[InputStep] = graph.FromInt64(graph.Shape{}, []int64{4})
	m, err := Build(cfg, BuildOptions{DType: graph.F64, Batch: 3, TextLen: 6, Heads: heads, Losses: heads, Training: true, DropoutSeed: 9, RowMask: true})
	if err != nil {
		t.Fatal(err)
	}
	check := []string{
		"text_model.encoder.layer.1.attention.self.query.weight", "text_model.embeddings.word_embeddings.weight",
		"cross_modal_text_layers.1.crossattention.self.key.weight", "cross_modal_image_layers.0.output.dense.bias",
		"vision_model.visual.transformer.resblocks.3.attn.in_proj_weight", "vqa_classifier.0.weight",
	}
	params := make([]*graph.Node, len(check))
	for i, n := range check {
		params[i] = m.Params[n]
	}
	grads := graph.Gradient(m.Outputs["vqa.loss"], params...)
	outs := []string{"vqa.loss"}
	for i, n := range check {
		m.Outputs["grad."+n] = grads[i]
		outs = append(outs, "grad."+n)
	}
	bound, err := m.Bind(mustWeights(t, w64))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile(cpu.New(cpu.Options{}), bound, outs...)
	if err != nil {
		t.Fatal(err)
	}
	run := func() map[string]*graph.Tensor {
		res, err := r.Run(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		return cloneAll(res)
	}
	base := run()
	for _, n := range check {
		p := bound.Tensor(n).Data.([]float64)
		g := base["grad."+n].Float64s()
		// Three elements: the largest gradient and two fixed positions.
		big := 0
		for i := range g {
			if math.Abs(g[i]) > math.Abs(g[big]) {
				big = i
			}
		}
		for _, e := range []int{big, len(p) / 3, len(p) - 1} {
			orig := p[e]
			h := 1e-6 * math.Max(1, math.Abs(orig))
			p[e] = orig + h
			lp := run()["vqa.loss"].Float64s()[0]
			p[e] = orig - h
			lm := run()["vqa.loss"].Float64s()[0]
			p[e] = orig
			fd := (lp - lm) / (2 * h)
			if math.Abs(fd-g[e]) > 1e-6*math.Max(1, math.Abs(g[big])) {
				t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", n, e, g[e], fd)
			}
		}
	}
}
