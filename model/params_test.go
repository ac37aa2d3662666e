package model

import (
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// The architecture's parameter list equals the golden checkpoints' name sets and shapes.
func TestParamInfosMatchGoldenCheckpoints(t *testing.T) {
	for _, name := range goldenModelCases {
		t.Run(name, func(t *testing.T) {
			c := loadGoldenCase(t, name)
			specs, err := ParamInfos(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, p := range specs {
				have[p.Name] = true
				if strings.HasPrefix(p.Name, "vqa_classifier.") || strings.HasPrefix(p.Name, "snli_classifier.") {
					continue // heads of the original repository: not in HF checkpoints
				}
				tt := c.weights.Tensor(p.Name)
				if tt == nil {
					t.Errorf("%s listed but not in the golden checkpoint", p.Name)
					continue
				}
				if !sameShape(tt.Shape, p.Shape) {
					t.Errorf("%s: listed %v, checkpoint %v", p.Name, p.Shape, tt.Shape)
				}
			}
			for _, n := range c.weights.Names() {
				if !have[n] {
					t.Errorf("checkpoint tensor %s not in the parameter list", n)
				}
			}
		})
	}
}

// One error lists every missing, unexpected and wrong-shape tensor, with the expected shape;
// unused architecture tensors (text pooler, ln_separate, heads not built) are not unexpected.
func TestBindReportsEverythingInOneError(t *testing.T) {
	c := loadGoldenCase(t, "m03_interpolate_b3_f64_sepln")
	m, err := Build(c.cfg, BuildOptions{DType: graph.F64, Batch: 1, TextLen: 4})
	if err != nil {
		t.Fatal(err)
	}
	// The backbone-only graph binds the full checkpoint (pooler, ln_separate, heads present),
	// also with the index buffers that older HF versions saved.
	tensors := map[string]*graph.Tensor{}
	for _, n := range c.weights.Names() {
		tensors[BackbonePrefix+n] = c.weights.Tensor(n)
	}
	tensors["bridgetower.text_model.embeddings.position_ids"] = graph.NewTensor(graph.I64, graph.Shape{1, 24})
	tensors["bridgetower.text_model.embeddings.token_type_ids"] = graph.NewTensor(graph.I64, graph.Shape{1, 24})
	tensors["bridgetower.vision_model.visual.embeddings.position_ids"] = graph.NewTensor(graph.I64, graph.Shape{1, 26})
	if _, err := m.Bind(mustWeights(t, tensors)); err != nil {
		t.Fatalf("full checkpoint: %v", err)
	}
	for _, n := range []string{"itm_score.fc.weight", "itm_score.fc.bias", "mlm_score.bias", "mlm_score.decoder.weight",
		"mlm_score.transform.dense.weight", "mlm_score.transform.dense.bias", "mlm_score.transform.LayerNorm.weight",
		"mlm_score.transform.LayerNorm.bias", "itc_text_head.fc.weight", "itc_text_head.fc.bias", "itc_image_head.fc.weight",
		"itc_image_head.fc.bias", "itc_cross_modal_head.fc.weight", "itc_cross_modal_head.fc.bias", "logit_scale"} {
		tensors[n] = tensors[BackbonePrefix+n] // heads carry no prefix
		delete(tensors, BackbonePrefix+n)
	}
	delete(tensors, "bridgetower.cross_modal_text_layers.1.output.dense.bias")
	delete(tensors, "bridgetower.vision_model.visual.ln_pre.weight")
	tensors["bridgetower.cross_modal_text_layers.7.output.dense.bias"] = graph.NewTensor(graph.F64, graph.Shape{32})
	tensors["some_other_head.weight"] = graph.NewTensor(graph.F32, graph.Shape{2})
	tensors["bridgetower.token_type_embeddings.weight"] = graph.NewTensor(graph.F64, graph.Shape{3, 32})
	tensors["bridgetower.cross_modal_image_link_tower.0.beta"] = graph.NewTensor(graph.I64, graph.Shape{1})
	w := mustWeights(t, tensors)
	_, err = m.Bind(w)
	if err == nil {
		t.Fatal("Bind accepted a broken checkpoint")
	}
	msg := err.Error()
	for _, want := range []string{
		"2 missing:", "cross_modal_text_layers.1.output.dense.bias [32]", "vision_model.visual.ln_pre.weight [64]",
		"2 unexpected:", "bridgetower.cross_modal_text_layers.7.output.dense.bias f64[32]", "some_other_head.weight f32[2]",
		"2 wrong shape or dtype:", "bridgetower.token_type_embeddings.weight is f64[3 32], want shape [2 32]",
		"bridgetower.cross_modal_image_link_tower.0.beta is i64[1], want a float type",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, notWant := range []string{"pooler", "ln_separate", "itm_score", "mlm_score"} {
		if strings.Contains(msg, notWant) {
			t.Errorf("error mentions %q:\n%s", notWant, msg)
		}
	}
}

func TestWeightsPrefixClash(t *testing.T) {
	x := graph.NewTensor(graph.F32, graph.Shape{2})
	_, err := NewWeights(map[string]*graph.Tensor{"token_type_embeddings.weight": x, "bridgetower.token_type_embeddings.weight": x})
	if err == nil || !strings.Contains(err.Error(), `name the same parameter "token_type_embeddings.weight"`) {
		t.Fatalf("got %v", err)
	}
}

// F32 weights are bound without a copy; F16 and BF16 are converted to the compute dtype.
func TestBindDTypes(t *testing.T) {
	c := loadGoldenCase(t, "m01_add_b1_nopad")
	m, err := Build(c.cfg, BuildOptions{Batch: 1, TextLen: 8, Heads: []Head{HeadITM}})
	if err != nil {
		t.Fatal(err)
	}
	bound, err := m.Bind(c.weights)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range m.ParamNames() {
		src := c.weights.Tensor(n).Data.([]float32)
		got := bound.Tensor(n).Data.([]float32)
		if unsafe.SliceData(src) != unsafe.SliceData(got) {
			t.Fatalf("%s was copied", n)
		}
	}
	for _, dt := range []graph.DType{graph.F16, graph.BF16} {
		half := map[string]*graph.Tensor{}
		for _, n := range c.weights.Names() {
			src := c.weights.Tensor(n)
			bits := make([]uint16, src.Len())
			for i, v := range src.Data.([]float32) {
				if dt == graph.BF16 {
					bits[i] = graph.Float32ToBF16(v)
				} else {
					bits[i] = graph.Float32ToF16(v)
				}
			}
			half[n] = &graph.Tensor{DType: dt, Shape: src.Shape, Data: bits}
		}
		for _, compute := range []graph.DType{graph.F32, graph.F64} {
			m, err := Build(c.cfg, BuildOptions{DType: compute, Batch: 1, TextLen: 8, Heads: []Head{HeadMLM}})
			if err != nil {
				t.Fatal(err)
			}
			b, err := m.Bind(mustWeights(t, half))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range m.ParamNames() {
				got := b.Tensor(n)
				if got.DType != compute {
					t.Fatalf("%s bound as %v", n, got.DType)
				}
				want := half[n].Float64s()
				for i, v := range got.Float64s() {
					if v != want[i] {
						t.Fatalf("%v->%v %s[%d] = %v, want %v", dt, compute, n, i, v, want[i])
					}
				}
			}
		}
	}
}

// e03 is refused with an error naming the config field (HF cannot construct it); m02's harmless
// init_layernorm_from_vision_encoder=true (with share_layernorm=true) is accepted. e01 and e02,
// which HF constructs but cannot run, are bt behaviour: TestSharingSwitches.
func TestUnsupportedConfigs(t *testing.T) {
	for _, tc := range []struct{ name, field string }{
		{"e03_init_layernorm_with_separate_vision_ln", "init_layernorm_from_vision_encoder=true with vision_config.share_layernorm=false is not supported"},
	} {
		cfg, err := LoadConfig(filepath.Join(golden.ModelCase(tc.name), "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Build(cfg, BuildOptions{Batch: 1, TextLen: 4})
		if err == nil || !strings.HasPrefix(err.Error(), "model: unsupported config: ") || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
	cfg, err := LoadConfig(filepath.Join(golden.ModelCase("m02_scaled_add_b3_pad_h64_eps"), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.InitLayernormFromVisionEncoder || !cfg.Vision.ShareLayernorm {
		t.Fatal("m02 no longer has init_layernorm_from_vision_encoder=true with share_layernorm=true")
	}
	if err := cfg.CheckSupported(); err != nil {
		t.Fatal(err)
	}
}

// Heads the config cannot carry, overlong text and unknown heads are refused at build time.
func TestBuildRefusals(t *testing.T) {
	cfg := tinyConfig(t, "")
	for _, tc := range []struct {
		opts BuildOptions
		want string
	}{
		{BuildOptions{Batch: 1, TextLen: 4, Heads: []Head{HeadITC}}, "vision_config.hidden_size (64) = hidden_size (32)"},
		{BuildOptions{Batch: 1, TextLen: 19}, "text_config.max_position_embeddings is 20"},
		{BuildOptions{Batch: 1, TextLen: 4, Heads: []Head{"nope"}}, `unknown head "nope"`},
		{BuildOptions{Batch: 1, TextLen: 4, Losses: []Head{HeadMLM}}, `loss of head "mlm" asked for without the head`},
		{BuildOptions{Batch: 1, TextLen: 4, DType: graph.F16}, "compute dtype f16 is not supported"},
	} {
		if _, err := Build(cfg, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, err := Build(cfg, BuildOptions{Batch: 1, TextLen: 18}); err != nil {
		t.Errorf("longest text: %v", err)
	}
	if _, err := ParseHeads("itm, mlm,bogus"); err == nil || !strings.Contains(err.Error(), `unknown head "bogus"`) {
		t.Errorf("ParseHeads: %v", err)
	}
	if h, err := ParseHeads("mlm,itm,mlm"); err != nil || len(h) != 2 || h[0] != HeadITM || h[1] != HeadMLM {
		t.Errorf("ParseHeads: %v %v", h, err)
	}
}

// Weights.Check holds a checkpoint against a config without building a graph.
func TestWeightsCheck(t *testing.T) {
	c := loadGoldenCase(t, "m02_scaled_add_b3_pad_h64_eps")
	if err := c.weights.Check(c.cfg); err != nil {
		t.Fatalf("golden checkpoint: %v", err)
	}
	all := map[string]*graph.Tensor{}
	for _, n := range c.weights.Names() {
		all[n] = c.weights.Tensor(n)
	}
	edit := func(f func(m map[string]*graph.Tensor)) *Weights {
		m := map[string]*graph.Tensor{}
		for k, v := range all {
			m[k] = v
		}
		f(m)
		return mustWeights(t, m)
	}
	// Heads are optional as a whole...
	noITM := edit(func(m map[string]*graph.Tensor) { delete(m, "itm_score.fc.weight"); delete(m, "itm_score.fc.bias") })
	if err := noITM.Check(c.cfg); err != nil {
		t.Fatalf("checkpoint without the ITM head: %v", err)
	}
	// ...but not in part, and the backbone is required; strangers and wrong shapes are named.
	bad := edit(func(m map[string]*graph.Tensor) {
		delete(m, "itm_score.fc.bias")
		delete(m, "text_model.encoder.layer.0.output.dense.weight")
		m["not_a_parameter"] = graph.NewTensor(graph.F32, graph.Shape{2})
		m["cross_modal_text_pooler.dense.bias"] = graph.NewTensor(graph.F32, graph.Shape{3})
	})
	err := bad.Check(c.cfg)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"missing", "itm_score.fc.bias [2]", "text_model.encoder.layer.0.output.dense.weight",
		"unexpected", "not_a_parameter", "wrong shape", "cross_modal_text_pooler.dense.bias is f32[3], want shape [64]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}
