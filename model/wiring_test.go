package model

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

func TestWiringDefaultIsHFSplit(t *testing.T) {
	cfg := tinyConfig(t, "") // 4 text layers, 2 cross layers: split = 3
	w, err := cfg.Wiring()
	if err != nil {
		t.Fatal(err)
	}
	want := Wiring{Text: []int{3, 4}, Image: []int{3, 4}, TextLayers: 4, VisionLayers: 4}
	if !reflect.DeepEqual(w, want) {
		t.Fatalf("got %+v, want %+v", w, want)
	}
	base := DefaultConfig()
	w, err = base.Wiring()
	if err != nil || !reflect.DeepEqual(w.Text, []int{7, 8, 9, 10, 11, 12}) {
		t.Fatalf("base: %+v %v", w, err)
	}
}

func TestWiringKeyErrors(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{`, "bt_bridge_layers": {"text": [3]}`, `both "text" and "image" lists are required`},
		{`, "bt_bridge_layers": {"text": [3, 4], "image": [3, 4], "x": 1}`, `unknown field "x"`},
		{`, "bt_bridge_layers": [3, 4]`, `want {"text": [layers], "image": [layers]}`},
		{`, "bt_bridge_layers": {"text": [3, 4, 4], "image": [3, 4]}`, "bt_bridge_layers.text has 3 entries, want num_hidden_layers = 2"},
		{`, "bt_bridge_layers": {"text": [3, 5], "image": [-1, 4]}`, "bt_bridge_layers.text[1] = 5 is outside 0..4 (text_config.num_hidden_layers); bt_bridge_layers.image[0] = -1 is outside 0..4"},
	} {
		_, err := tinyConfig(t, tc.extra).Wiring()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.extra, err, tc.want)
		}
		if _, err := Build(tinyConfig(t, tc.extra), BuildOptions{Batch: 1, TextLen: 4}); err == nil {
			t.Errorf("%s: Build accepted it", tc.extra)
		}
	}
}

// An explicit key equal to the default changes nothing, and the key survives Marshal.
func TestWiringExplicitDefault(t *testing.T) {
	cfg := tinyConfig(t, "")
	explicit := tinyConfig(t, `, "bt_bridge_layers": {"text": [3, 4], "image": [3, 4]}`)
	data, err := explicit.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	reread, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := reread.Wiring(); err != nil || !reflect.DeepEqual(w.Text, []int{3, 4}) {
		t.Fatalf("after Marshal: %+v %v", w, err)
	}
	weights := mustWeights(t, randomWeights(t, cfg, 1))
	opts := BuildOptions{Heads: []Head{HeadITM, HeadMLM}, HiddenStates: true}
	a := runModel(t, cfg, weights, tinyInputs(cfg, 2), opts)
	b := runModel(t, reread, weights, tinyInputs(cfg, 2), opts)
	for _, n := range sortedNames(a) {
		if !a[n].Identical(b[n]) {
			t.Errorf("%s differs", n)
		}
	}
}

// Feeding the cross layers from text/vision layers 2 and 3 of a 4-layer model is the same model
// as HF's default wiring on the same weights with the towers cut to 3 layers (split = 2): the
// fourth layers do not run and their hidden states are not outputs.
func TestWiringShiftedEqualsTruncatedTowers(t *testing.T) {
	shifted := tinyConfig(t, `, "bt_bridge_layers": {"text": [2, 3], "image": [2, 3]}`)
	full := randomWeights(t, shifted, 3)
	cut := tinyConfig(t, "")
	cut.Text.NumHiddenLayers, cut.Vision.NumHiddenLayers = 3, 3
	if w, err := cut.Wiring(); err != nil || !reflect.DeepEqual(w.Text, []int{2, 3}) {
		t.Fatalf("truncated default wiring: %+v %v", w, err)
	}
	cutWeights := map[string]*graph.Tensor{}
	specs, err := ParamInfos(cut)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range specs {
		cutWeights[p.Name] = full[p.Name]
	}
	opts := BuildOptions{Heads: []Head{HeadITM, HeadMLM}, HiddenStates: true}
	a := runModel(t, shifted, mustWeights(t, full), tinyInputs(shifted, 4), opts)
	b := runModel(t, cut, mustWeights(t, cutWeights), tinyInputs(cut, 4), opts)
	if !reflect.DeepEqual(sortedNames(a), sortedNames(b)) {
		t.Fatalf("outputs differ:\n%v\n%v", sortedNames(a), sortedNames(b))
	}
	if _, ok := a["model.hidden_states.text.4"]; ok {
		t.Error("text layer 4 ran although nothing reads it")
	}
	for _, n := range sortedNames(a) {
		if !a[n].Identical(b[n]) {
			t.Errorf("%s differs", n)
		}
	}
}

// Cross layer j reads only its own sources: changing the source of layer 1 keeps cross layer 0
// and changes layer 1.
func TestWiringPerLayerSources(t *testing.T) {
	a := tinyConfig(t, `, "bt_bridge_layers": {"text": [1, 3], "image": [4, 2]}`)
	b := tinyConfig(t, `, "bt_bridge_layers": {"text": [1, 4], "image": [4, 0]}`)
	w := mustWeights(t, randomWeights(t, a, 5))
	opts := BuildOptions{HiddenStates: true}
	ra := runModel(t, a, w, tinyInputs(a, 6), opts)
	rb := runModel(t, b, w, tinyInputs(b, 6), opts)
	for _, n := range []string{"model.hidden_states.cross.0.text", "model.hidden_states.cross.0.image", "model.hidden_states.text.1", "model.hidden_states.image.4"} {
		if !ra[n].Identical(rb[n]) {
			t.Errorf("%s differs", n)
		}
	}
	for _, n := range []string{"model.hidden_states.cross.1.text", "model.hidden_states.cross.1.image", "model.pooler_output"} {
		if ra[n].Identical(rb[n]) {
			t.Errorf("%s does not depend on the layer-1 sources", n)
		}
	}
	if _, ok := ra["model.hidden_states.text.4"]; ok {
		t.Error("config a reads text layers up to 3 only")
	}
	if _, ok := rb["model.hidden_states.text.4"]; !ok {
		t.Error("config b reads text layer 4")
	}
}
