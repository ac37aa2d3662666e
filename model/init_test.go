package model

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func tinyPreset(t testing.TB, extra func(*Config)) *Config {
	t.Helper()
	cfg, err := PresetConfig("tiny", 300)
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		extra(cfg)
	}
	return cfg
}

// The rules of HF's _init_weights, with the standard deviations worked out by hand for the tiny
// preset (vision hidden 128, 3 blocks, initializer_factor 1): attn_std = 128^-½ = 0.0883883,
// proj_std = attn_std·6^-½ = 0.0360844, fc_std = 256^-½ = 0.0625.
func TestInitRules(t *testing.T) {
	cfg := tinyPreset(t, nil)
	vb := "vision_model.visual.transformer.resblocks.2."
	want := map[string]InitRule{
		vb + "attn.in_proj_weight":                                        {Std: 0.0883883},
		vb + "attn.in_proj_bias":                                          {},
		vb + "attn.out_proj.weight":                                       {Std: 0.0360844},
		vb + "attn.out_proj.bias":                                         {},
		vb + "mlp.c_fc.weight":                                            {Std: 0.0625},
		vb + "mlp.c_proj.weight":                                          {Std: 0.0360844},
		vb + "ln_1.weight":                                                {Const: 1},
		vb + "ln_2.bias":                                                  {},
		"vision_model.visual.embeddings.class_embedding":                  {Std: 0.0883883},
		"vision_model.visual.embeddings.position_embedding.weight":        {Std: 0.0883883},
		"vision_model.visual.embeddings.patch_embedding.weight":           {Std: 0.05},
		"vision_model.visual.ln_post.weight":                              {Const: 1},
		"text_model.embeddings.word_embeddings.weight":                    {Std: 0.05},
		"text_model.embeddings.LayerNorm.weight":                          {Const: 1},
		"text_model.encoder.layer.0.attention.self.query.weight":          {Std: 0.05},
		"text_model.encoder.layer.0.attention.self.query.bias":            {},
		"cross_modal_image_layers.1.crossattention.output.LayerNorm.bias": {},
		"cross_modal_text_layernorm.weight":                               {Const: 1},
		"cross_modal_text_link_tower.0.LayerNorm.weight":                  {Const: 1},
		"cross_modal_text_link_tower.0.scaled_factor":                     {Const: 1},
		"cross_modal_text_link_tower.0.beta":                              {Const: 0.5},
		"token_type_embeddings.weight":                                    {Std: 0.05},
		"mlm_score.decoder.weight":                                        {Std: 0.05},
		"mlm_score.bias":                                                  {},
		"mlm_score.transform.LayerNorm.weight":                            {Const: 1},
		"itm_score.fc.weight":                                             {Std: 0.05},
		"vqa_classifier.0.weight":                                         {Std: 0.02},
		"vqa_classifier.1.weight":                                         {Const: 1},
		"vqa_classifier.1.bias":                                           {},
		"snli_classifier.3.weight":                                        {Std: 0.02},
		"snli_classifier.3.bias":                                          {},
	}
	for name, w := range want {
		got := InitRuleFor(cfg, name)
		if math.Abs(got.Std-w.Std) > 5e-7 || got.Const != w.Const {
			t.Errorf("%s: rule %v, want %v", name, got, w)
		}
	}
	cfg.InitializerFactor = 2
	if got := InitRuleFor(cfg, vb+"mlp.c_fc.weight"); math.Abs(got.Std-0.125) > 1e-12 {
		t.Errorf("initializer_factor 2: c_fc rule %v, want normal(0, 0.125)", got)
	}
}

// The normal stream: mean 0, variance 1, P(|z| < 1) = 0.6827 and P(|z| < 2) = 0.9545 over
// 200,000 draws (tolerances ≈ 4 standard errors).
func TestNormalStream(t *testing.T) {
	const n = 200000
	var sum, sq float64
	var in1, in2 int
	for i := uint64(0); i < n; i++ {
		z := NormalFloat64(77, i)
		sum += z
		sq += z * z
		if math.Abs(z) < 1 {
			in1++
		}
		if math.Abs(z) < 2 {
			in2++
		}
	}
	mean, vari := sum/n, sq/n-(sum/n)*(sum/n)
	if math.Abs(mean) > 0.01 || math.Abs(vari-1) > 0.013 {
		t.Errorf("mean %g, variance %g", mean, vari)
	}
	if p := float64(in1) / n; math.Abs(p-0.6827) > 0.005 {
		t.Errorf("P(|z|<1) = %g", p)
	}
	if p := float64(in2) / n; math.Abs(p-0.9545) > 0.002 {
		t.Errorf("P(|z|<2) = %g", p)
	}
}

// InitWeights draws each tensor by its rule (sample std within 3% on the large ones), the same
// values for the same seed, other values for another seed, and a parameter's values do not
// depend on the rest of the architecture.
func TestInitWeights(t *testing.T) {
	cfg := tinyPreset(t, nil)
	w, err := InitWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Check(cfg); err != nil {
		t.Fatal(err)
	}
	for _, name := range w.Names() {
		rule := InitRuleFor(cfg, name)
		v := w.Tensor(name).Float64s()
		if rule.Std == 0 {
			for i, x := range v {
				if x != rule.Const {
					t.Fatalf("%s[%d] = %g, want %g", name, i, x, rule.Const)
				}
			}
			continue
		}
		if len(v) < 10000 {
			continue
		}
		var sq float64
		for _, x := range v {
			sq += x * x
		}
		if s := math.Sqrt(sq / float64(len(v))); math.Abs(s/rule.Std-1) > 0.03 {
			t.Errorf("%s: sample std %g, rule %v", name, s, rule)
		}
	}
	again, _ := InitWeights(cfg, 1, GroupVision)
	other, _ := InitWeights(cfg, 2, GroupVision)
	name := "vision_model.visual.transformer.resblocks.0.attn.in_proj_weight"
	if !again.Tensor(name).Identical(w.Tensor(name)) {
		t.Error("same seed, other groups asked: values differ")
	}
	if other.Tensor(name).Identical(w.Tensor(name)) {
		t.Error("seed 2 draws the same values as seed 1")
	}
	if again.Has("text_model.embeddings.word_embeddings.weight") {
		t.Error("InitWeights(GroupVision) drew a text parameter")
	}
	big := tinyPreset(t, func(c *Config) { c.Text.VocabSize = 500 })
	wb, err := InitWeights(big, 1, GroupVision)
	if err != nil {
		t.Fatal(err)
	}
	if !wb.Tensor(name).Identical(w.Tensor(name)) {
		t.Error("a vision parameter changed with the text vocabulary")
	}
}

// LoadForTask on a backbone + ITM + MLM checkpoint for the VQA task: the six vqa_classifier
// tensors are initialised (and listed), everything else used is the checkpoint's own tensor, the
// ITM/MLM heads and the unused text pooler are reported unused, and the result binds and runs.
func TestLoadForTask(t *testing.T) {
	cfg := tinyPreset(t, func(c *Config) { c.ID2Label = defaultLabels(14) })
	ckpt, err := InitWeights(cfg, 3, GroupText, GroupVision, GroupCross, GroupITM, GroupMLM)
	if err != nil {
		t.Fatal(err)
	}
	w, rep, err := LoadForTask(cfg, ckpt, []Head{HeadVQA}, 9)
	if err != nil {
		t.Fatal(err)
	}
	var inited []string
	for _, e := range rep.Initialized {
		inited = append(inited, e.Name)
	}
	if got := strings.Join(inited, " "); got != "vqa_classifier.0.bias vqa_classifier.0.weight vqa_classifier.1.bias vqa_classifier.1.weight vqa_classifier.3.bias vqa_classifier.3.weight" {
		t.Errorf("initialised %s", got)
	}
	if got := w.Tensor("vqa_classifier.3.weight").Shape; !got.Equal(graph.Shape{14, 256}) {
		t.Errorf("vqa_classifier.3.weight %v, want [14 256] (head_hidden_scale 1)", got)
	}
	for _, n := range rep.Loaded {
		if w.Tensor(n) != ckpt.Tensor(n) {
			t.Errorf("%s: loaded tensor is not the checkpoint's", n)
		}
	}
	s := rep.String()
	for _, want := range []string{"6 newly initialised (seed 9)", "initialised vqa_classifier.0.weight [256 256]: normal(0, 0.02)",
		"unused itm_score.fc.weight", "unused mlm_score.decoder.weight", "unused text_model.pooler.dense.weight"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	in := tinyInputs(cfg, 2)
	in[InputVQATargets] = graph.FromFloat32(graph.Shape{2, 14}, make([]float32, 28))
	out := runModel(t, cfg, w, in, BuildOptions{Heads: []Head{HeadVQA}, Losses: []Head{HeadVQA}})
	if l := out["vqa.loss"].Float64s()[0]; !(l > 0) || math.IsInf(l, 0) {
		t.Errorf("vqa.loss %g", l)
	}

	// A wrong-shape tensor is an error naming it; so is a name the architecture lacks.
	bad := map[string]*graph.Tensor{"vqa_classifier.3.weight": graph.NewTensor(graph.F32, graph.Shape{3, 512}), "foo.bar": graph.NewTensor(graph.F32, graph.Shape{1})}
	for _, n := range ckpt.Names() {
		bad[n] = ckpt.Tensor(n)
	}
	_, _, err = LoadForTask(cfg, mustWeights(t, bad), []Head{HeadVQA}, 9)
	if err == nil || !strings.Contains(err.Error(), "vqa_classifier.3.weight") || !strings.Contains(err.Error(), "foo.bar") {
		t.Errorf("error %v", err)
	}
}
