package checkpoint

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// expectedTensor is one tensor as torch described it (testdata/expected.json, gen_fixtures.py).
type expectedTensor struct {
	DType         string `json:"dtype"`
	Shape         []int  `json:"shape"`
	Values        []any  `json:"values"`
	Contiguous    bool   `json:"contiguous"`
	StorageOffset int    `json:"storage_offset"`
}

func loadExpected(t *testing.T) (state, lightning map[string]expectedTensor) {
	t.Helper()
	data, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		State     map[string]expectedTensor `json:"state"`
		Lightning map[string]expectedTensor `json:"lightning"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e.State, e.Lightning
}

// checkTensor compares a loaded tensor with torch's description, exactly (f16/bf16 by bits).
func checkTensor(t *testing.T, name string, got *graph.Tensor, want expectedTensor) {
	t.Helper()
	if got.DType.String() != want.DType {
		t.Errorf("%s: dtype %v, want %s", name, got.DType, want.DType)
		return
	}
	if !got.Shape.Equal(graph.Shape(want.Shape)) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape, want.Shape)
		return
	}
	if err := got.Check(); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	var vals []float64
	switch d := got.Data.(type) {
	case []uint16:
		for _, v := range d {
			vals = append(vals, float64(v))
		}
	case []bool:
		for i, v := range d {
			if v != want.Values[i].(bool) {
				t.Errorf("%s[%d] = %v, want %v", name, i, v, want.Values[i])
			}
		}
		return
	default:
		vals = got.Float64s()
	}
	for i, v := range vals {
		w := want.Values[i]
		var wf float64
		switch x := w.(type) {
		case float64:
			wf = x
		case string: // json cannot hold inf
			wf = math.Inf(1)
		}
		if got.DType == graph.F32 {
			wf = float64(float32(wf))
		}
		if v != wf {
			t.Errorf("%s[%d] = %v, want %v", name, i, v, wf)
			return
		}
	}
}

func TestTorchStateDicts(t *testing.T) {
	state, _ := loadExpected(t)
	for _, c := range []struct {
		file   string
		format Format
	}{{"state_zip.bin", TorchZip}, {"state_legacy.bin", TorchLegacy}} {
		t.Run(c.file, func(t *testing.T) {
			ck, err := Load(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer ck.Close()
			if ck.Format != c.format {
				t.Fatalf("format %s, want %s", ck.Format, c.format)
			}
			if len(ck.Tensors) != len(state) {
				t.Fatalf("%d tensors, torch saved %d: %v", len(ck.Tensors), len(state), ck.Names())
			}
			for name, want := range state {
				got, ok := ck.Tensors[name]
				if !ok {
					t.Fatalf("missing %s", name)
				}
				checkTensor(t, name, got, want)
			}
			// The fixture really exercises strides and offsets.
			if state["transposed"].Contiguous || state["slice"].StorageOffset != 5 || state["permuted_step"].Contiguous {
				t.Fatal("fixture lost its non-contiguous views")
			}
			if ck.ConfigPath != "" {
				t.Fatalf("config path %q without a config.json", ck.ConfigPath)
			}
		})
	}
}

func TestLightningCheckpoint(t *testing.T) {
	for _, name := range []string{"lightning.ckpt", "lightning_legacy.ckpt"} {
		t.Run(name, func(t *testing.T) { testLightning(t, filepath.Join("testdata", name)) })
	}
}

func testLightning(t *testing.T, path string) {
	_, orig := loadExpected(t)
	ck, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Format != Lightning {
		t.Fatalf("format %s", ck.Format)
	}
	if ck.Metadata["epoch"] != "3" || ck.Metadata["global_step"] != "1000" || ck.Metadata["pytorch-lightning_version"] != "1.3.2" {
		t.Fatalf("metadata %v", ck.Metadata)
	}
	var dropped []string
	for name, want := range orig {
		hf, keep := LightningName(name)
		if !keep {
			dropped = append(dropped, name)
			continue
		}
		got, ok := ck.Tensors[hf]
		if !ok {
			t.Fatalf("%s (from %s) missing; have %v", hf, name, ck.Names())
		}
		checkTensor(t, hf, got, want)
	}
	sort.Strings(dropped)
	sort.Strings(ck.Dropped)
	if strings.Join(dropped, ",") != "vit_model.ln_final.bias,vit_model.ln_final.weight,vit_model.positional_embedding" ||
		strings.Join(ck.Dropped, ",") != strings.Join(dropped, ",") {
		t.Fatalf("dropped %v, checkpoint reports %v", dropped, ck.Dropped)
	}
	for orig, hf := range map[string]string{
		"vit_model.visual.conv1.weight":                                "vision_model.visual.embeddings.patch_embedding.weight",
		"vit_model.visual.positional_embedding":                        "vision_model.visual.embeddings.position_embedding.weight",
		"vit_model.visual.class_embedding":                             "vision_model.visual.embeddings.class_embedding",
		"vit_model.visual.transformer.resblocks.0.attn.in_proj_weight": "vision_model.visual.transformer.resblocks.0.attn.in_proj_weight",
		"text_transformer.encoder.layer.0.attention.self.query.weight": "text_model.encoder.layer.0.attention.self.query.weight",
		"vqa_classifier.3.weight":                                      "vqa_classifier.3.weight",
		"cross_modal_image_link_tower.0.LayerNorm.weight":              "cross_modal_image_link_tower.0.LayerNorm.weight",
	} {
		if got, _ := LightningName(orig); got != hf {
			t.Errorf("LightningName(%s) = %s, want %s", orig, got, hf)
		}
	}
	backbone, heads, err := ck.Split()
	if err != nil {
		t.Fatal(err)
	}
	var headNames []string
	for n := range heads {
		headNames = append(headNames, n)
	}
	sort.Strings(headNames)
	if strings.Join(headNames, ",") != "itm_score.fc.weight,mlm_score.bias,temperature,vqa_classifier.0.weight,vqa_classifier.1.bias,vqa_classifier.3.weight" {
		t.Fatalf("heads %v", headNames)
	}
	if _, ok := backbone["vision_model.visual.embeddings.patch_embedding.weight"]; !ok || len(backbone)+len(heads) != len(ck.Tensors) {
		t.Fatalf("backbone %d + heads %d != %d", len(backbone), len(heads), len(ck.Tensors))
	}
}

func TestGoldenSafetensorsDirectory(t *testing.T) {
	dir := golden.ModelCase("m01_add_b1_nopad")
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if ck.Format != Safetensors || ck.ConfigPath != filepath.Join(dir, "config.json") || ck.Path != filepath.Join(dir, "model.safetensors") {
		t.Fatalf("format %s config %q path %q", ck.Format, ck.ConfigPath, ck.Path)
	}
	if len(ck.Tensors) != 262 || ck.Metadata["case"] != "m01_add_b1_nopad" {
		t.Fatalf("%d tensors, metadata %v", len(ck.Tensors), ck.Metadata)
	}
	list := ck.List()
	if len(list) != 262 || list[0].Name > list[1].Name {
		t.Fatal("List not sorted")
	}
	dt, sh, ok := ck.Info("bridgetower.cross_modal_image_layernorm.bias")
	if !ok || dt != graph.F32 || !sh.Equal(graph.Shape{32}) {
		t.Fatalf("info %v %v %v", dt, sh, ok)
	}
	backbone, heads, err := ck.Split()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := backbone["cross_modal_image_layernorm.bias"]; !ok {
		t.Fatal("prefix not stripped from the backbone")
	}
	for n := range heads {
		if !(strings.HasPrefix(n, "mlm_score.") || strings.HasPrefix(n, "itm_score.") || strings.HasPrefix(n, "itc_") || n == "logit_scale") {
			t.Errorf("unexpected head name %s", n)
		}
	}
	// The golden README's head list: mlm_score.transform.{dense,LayerNorm}.{weight,bias},
	// mlm_score.decoder.weight, mlm_score.bias (6), itm_score.fc.* (2), itc_{text,image,cross_modal}_head.fc.* (6),
	// logit_scale (1).
	if len(heads) != 15 {
		names := make([]string, 0, len(heads))
		for n := range heads {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Fatalf("%d heads: %v", len(heads), names)
	}
}

func TestDirectoryPreference(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/state_zip.bin", filepath.Join(dir, "pytorch_model.bin"))
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Format != TorchZip || ck.ConfigPath != "" {
		t.Fatalf("format %s config %q", ck.Format, ck.ConfigPath)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644)
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), map[string]*graph.Tensor{"w": graph.FromFloat32(graph.Shape{1}, []float32{3})}, nil); err != nil {
		t.Fatal(err)
	}
	ck, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if ck.Format != Safetensors || len(ck.Tensors) != 1 || ck.ConfigPath == "" {
		t.Fatalf("format %s, %d tensors, config %q", ck.Format, len(ck.Tensors), ck.ConfigPath)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "model.safetensors") {
		t.Fatalf("empty directory: %v", err)
	}
}

func TestSharded(t *testing.T) {
	dir := t.TempDir()
	a := map[string]*graph.Tensor{"a": graph.FromFloat32(graph.Shape{2}, []float32{1, 2})}
	b := map[string]*graph.Tensor{"b": graph.FromInt64(graph.Shape{1}, []int64{7})}
	safetensors.WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), a, nil)
	safetensors.WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), b, nil)
	index := `{"metadata": {"total_size": 24}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}`
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644)
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if strings.Join(ck.Names(), ",") != "a,b" || ck.Tensors["b"].Data.([]int64)[0] != 7 {
		t.Fatalf("names %v", ck.Names())
	}
	bad := `{"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}`
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(bad), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("wrong index accepted: %v", err)
	}
	escape := `{"weight_map": {"a": "../x.safetensors"}}`
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(escape), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a file name") {
		t.Fatalf("path escape accepted: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
