package model

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
)

// copyAs returns the tensors of w with each name renamed by rename ("" drops it); extra adds
// tensors.
func copyAs(w map[string]*graph.Tensor, rename func(string) []string) map[string]*graph.Tensor {
	out := map[string]*graph.Tensor{}
	for n, t := range w {
		for _, to := range rename(n) {
			out[to] = t
		}
	}
	return out
}

func sameOutputs(t *testing.T, what string, got, want map[string]*graph.Tensor) {
	t.Helper()
	for _, out := range []string{"model.pooler_output", "model.text_features", "model.image_features"} {
		if err := golden.Compare(what+" "+out, got[out], want[out], golden.F64); err != nil {
			t.Error(err)
		}
	}
}

// The configurations of golden e01 (share_cross_modal_transformer_layers=false) and e02
// (share_link_tower_layers=true) build with the module names HF's constructor gives them, and
// compute what the HF-runnable layout computes when their tensors are copies of its tensors:
// per-layer transforms all equal to the shared one, and separate link towers all equal to the
// shared one.
func TestSharingSwitches(t *testing.T) {
	for _, tc := range []struct{ name, has, hasNot string }{
		{"e01_share_cross_modal_transformer_layers_false", "cross_modal_text_transform.1.weight", "cross_modal_text_transform.weight"},
		{"e02_share_link_tower_layers_true", "cross_modal_image_link_tower.LayerNorm.weight", "cross_modal_image_link_tower.0.LayerNorm.weight"},
	} {
		cfg, err := LoadConfig(filepath.Join(golden.ModelCase(tc.name), "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Build(cfg, BuildOptions{Batch: 1, TextLen: 4})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.Params[tc.has] == nil || m.Params[tc.hasNot] != nil {
			t.Errorf("%s: parameters %v", tc.name, m.ParamNames())
		}
	}

	base := variantConfig(t, "scaled_add", 3)
	w := randomWeights(t, base, 8)
	want := backbone(t, base, mustWeights(t, w))

	perLayer := variantConfig(t, "scaled_add", 3)
	perLayer.ShareCrossModalTransformerLayers = false
	got := backbone(t, perLayer, mustWeights(t, copyAs(w, func(n string) []string {
		if from := strings.TrimPrefix(n, "cross_modal_"); from != n && strings.Contains(n, "_transform.") {
			side := strings.Split(from, "_")[0]
			last := n[strings.LastIndex(n, ".")+1:]
			p := "cross_modal_" + side + "_transform."
			return []string{p + "0." + last, p + "1." + last, p + "2." + last}
		}
		return []string{n}
	})))
	sameOutputs(t, "per-layer transforms = shared", got, want)

	shared := variantConfig(t, "scaled_add", 3)
	shared.ShareLinkTowerLayers = true
	ws := copyAs(w, func(n string) []string {
		if strings.Contains(n, "_link_tower.") {
			if strings.Contains(n, "_link_tower.0.") {
				return []string{strings.Replace(n, "_link_tower.0.", "_link_tower.", 1)}
			}
			return nil
		}
		return []string{n}
	})
	got = backbone(t, shared, mustWeights(t, ws))
	sep := copyAs(ws, func(n string) []string {
		if strings.Contains(n, "_link_tower.") {
			return []string{strings.Replace(n, "_link_tower.", "_link_tower.0.", 1), strings.Replace(n, "_link_tower.", "_link_tower.1.", 1)}
		}
		return []string{n}
	})
	sameOutputs(t, "shared link tower = separate copies", got, backbone(t, base, mustWeights(t, sep)))
}

// bt_bridge_layers rules: "top" (HF's split), "every_other", the none variant's default (the
// last layer), explicit lists, and refusals.
func TestBridgeLayerRules(t *testing.T) {
	for _, tc := range []struct {
		variant, key string
		cross        int
		text         []int
		err          string
	}{
		{"add", ``, 2, []int{3, 4}, ""},
		{"add", `"top"`, 3, []int{2, 3, 4}, ""},
		{"add", `"every_other"`, 2, []int{2, 4}, ""},
		{"add", `"every_other"`, 3, []int{0, 2, 4}, ""},
		{"none", ``, 3, []int{4, 4, 4}, ""},
		{"none", `{"text": [1, 1], "image": [2, 2]}`, 2, []int{1, 1}, ""},
		{"add", `"every_third"`, 2, nil, `is not "top", "every_other"`},
		{"add", `"every_other"`, 4, nil, "is outside 0..4"},
	} {
		extra := `, "link_tower_type": "` + tc.variant + `"`
		if tc.key != "" {
			extra += `, "bt_bridge_layers": ` + tc.key
		}
		cfg := tinyConfig(t, extra)
		cfg.NumHiddenLayers = tc.cross
		w, err := cfg.Wiring()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: error %v, want %q", tc.variant, tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || len(w.Text) != len(tc.text) {
			t.Errorf("%s %s: %v %v", tc.variant, tc.key, w.Text, err)
			continue
		}
		for j := range tc.text {
			if w.Text[j] != tc.text[j] {
				t.Errorf("%s %s: text layers %v, want %v", tc.variant, tc.key, w.Text, tc.text)
				break
			}
		}
	}
}

// bt_vision_ln_per_layer (share_layernorm=false) normalises block k's output with
// ln_separate.{k-1}: with every ln_separate equal to ln_post it computes HF's behaviour (ln_post
// everywhere, golden m03), with other values it differs; it needs share_layernorm=false.
func TestVisionLNPerLayer(t *testing.T) {
	hf := tinyConfig(t, `, "vision_config": {"hidden_size": 64, "num_hidden_layers": 4, "patch_size": 8, "image_size": 16, "share_layernorm": false}`)
	w := randomWeights(t, hf, 6)
	want := backbone(t, hf, mustWeights(t, w))
	per := tinyConfig(t, `, "bt_vision_ln_per_layer": true, "vision_config": {"hidden_size": 64, "num_hidden_layers": 4, "patch_size": 8, "image_size": 16, "share_layernorm": false}`)
	differs := backbone(t, per, mustWeights(t, w))
	if golden.Compare("per-layer LN", differs["model.pooler_output"], want["model.pooler_output"], golden.F64) == nil {
		t.Error("random ln_separate: same output as ln_post everywhere")
	}
	eq := copyAs(w, func(n string) []string {
		if strings.Contains(n, "ln_separate.") {
			return nil
		}
		if rest, ok := strings.CutPrefix(n, visionPrefix+"ln_post."); ok {
			out := []string{n}
			for i := 0; i < 4; i++ {
				out = append(out, visionPrefix+"ln_separate."+string(rune('0'+i))+"."+rest)
			}
			return out
		}
		return []string{n}
	})
	sameOutputs(t, "ln_separate = ln_post", backbone(t, per, mustWeights(t, eq)), want)
	bad := tinyConfig(t, `, "bt_vision_ln_per_layer": true`)
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "needs vision_config.share_layernorm=false") {
		t.Errorf("per-layer LN with shared LN: %v", err)
	}
}

// bt_stop_gradient cuts the gradient from the bridges into both encoders (zero), bt_frozen
// detaches the named encoder's parameters only; without them the gradients are not zero.
func TestStopGradientAndFrozen(t *testing.T) {
	names := []string{"text_model.encoder.layer.3.output.dense.weight", "vision_model.visual.transformer.resblocks.3.mlp.c_fc.weight", "cross_modal_text_layers.0.output.dense.weight"}
	grads := func(extra string) []bool {
		cfg := tinyConfig(t, extra)
		r, _ := gradRunner(t, cfg, mustWeights(t, randomWeights(t, cfg, 4)), names)
		res, err := r.Run(t.Context(), itmInputs(cfg))
		if err != nil {
			t.Fatal(err)
		}
		var nonzero []bool
		for _, n := range names {
			nz := false
			for _, v := range res["grad."+n].Float64s() {
				nz = nz || v != 0
			}
			nonzero = append(nonzero, nz)
		}
		return nonzero
	}
	for _, tc := range []struct {
		extra string
		want  [3]bool
	}{
		{``, [3]bool{true, true, true}},
		{`, "bt_stop_gradient": true`, [3]bool{false, false, true}},
		{`, "bt_frozen": ["text"]`, [3]bool{false, true, true}},
		{`, "bt_frozen": ["vision", "text"]`, [3]bool{false, false, true}},
	} {
		got := grads(tc.extra)
		if [3]bool{got[0], got[1], got[2]} != tc.want {
			t.Errorf("%q: non-zero gradients (text, vision, cross) %v, want %v", tc.extra, got, tc.want)
		}
	}
	bad := tinyConfig(t, `, "bt_frozen": ["audio"]`)
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `bt_frozen entry "audio"`) {
		t.Errorf("bt_frozen audio: %v", err)
	}
}

// A config with a non-HF variant and bt_ switches is written with HF's names and its extra
// fields, and reads back the same.
func TestExtensionsRoundTrip(t *testing.T) {
	cfg := variantConfig(t, "mlp_concat_residual", 2)
	cfg.ShareLinkTowerLayers = true
	for k, v := range map[string]any{BridgeLayersKey: "every_other", StopGradientKey: true, FrozenKey: []string{"vision"}} {
		if err := cfg.SetExtension(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.SetExtension("link_tower_type", "add"); err == nil {
		t.Error("SetExtension of a typed field accepted")
	}
	data, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"link_tower_type": "mlp_concat_residual"`, `"share_link_tower_layers": true`, `"bt_bridge_layers": "every_other"`, `"bt_frozen": [`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("config.json lacks %s:\n%s", want, data)
		}
	}
	back, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	e, err := back.Extensions()
	if err != nil || !e.StopGradient || !e.FrozenVision || e.FrozenText {
		t.Errorf("extensions read back %+v, %v", e, err)
	}
	a, _ := ParamInfos(cfg)
	b, _ := ParamInfos(back)
	if len(a) != len(b) || back.LinkTowerType != "mlp_concat_residual" {
		t.Errorf("read back %d parameters (%s), want %d", len(b), back.LinkTowerType, len(a))
	}
}

// Started from a checkpoint without ln_separate, bt_vision_ln_per_layer copies ln_post into
// every ln_separate.{i} (the authors' initialisation from the ViT), so step 0 computes HF's
// ln_post-everywhere outputs; per-layer transforms start as the shared transform.
func TestLoadForTaskCopies(t *testing.T) {
	hf := tinyConfig(t, "")
	ckpt := mustWeights(t, randomWeights(t, hf, 12))
	want := backbone(t, hf, ckpt)
	per := tinyConfig(t, `, "bt_vision_ln_per_layer": true, "share_cross_modal_transformer_layers": false, "vision_config": {"hidden_size": 64, "num_hidden_layers": 4, "patch_size": 8, "image_size": 16, "share_layernorm": false}`)
	w, rep, err := LoadForTask(per, ckpt, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.String()
	for _, line := range []string{"initialised " + visionPrefix + "ln_separate.3.weight [64]: copy of " + visionPrefix + "ln_post.weight",
		"initialised cross_modal_image_transform.1.bias [32]: copy of cross_modal_image_transform.bias", "unused cross_modal_text_transform.weight"} {
		if !strings.Contains(s, line) {
			t.Errorf("report lacks %q:\n%s", line, s)
		}
	}
	sameOutputs(t, "started per-layer LN and transforms", backbone(t, per, w), want)
}
