package model

import (
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// LoadForTask and Weights.Check follow one rule: the result holds every backbone parameter (text,
// vision, cross-modal groups) of the config, read by the task's graph or not, and the whole of
// each head asked for — no more. Here the checkpoint is the backbone the graph reads (no text
// pooler, no ln_separate), so those come back initialised by their rules, and a second load
// from the full backbone takes them from the checkpoint.
func TestLoadForTaskKeepsBackbone(t *testing.T) {
	cfg := tinyConfig(t, "")
	full := randomWeights(t, cfg, 5)
	specs, err := ParamInfos(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Build(cfg, BuildOptions{Batch: 1, TextLen: 1, Heads: []Head{HeadITM}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{} // by group, from the parameter list
	var unread []string       // backbone parameters the ITM graph does not read
	ckpt := map[string]bool{}
	for _, p := range specs {
		switch p.Group {
		case GroupText, GroupVision, GroupCross:
			want[p.Name] = true
			if _, read := m.Params[p.Name]; !read {
				unread = append(unread, p.Name)
				continue
			}
			ckpt[p.Name] = true
		case GroupITM:
			want[p.Name] = true
		}
	}
	if !strings.Contains(strings.Join(unread, " "), "text_model.pooler.dense.weight") {
		t.Fatalf("test premise: the text pooler should be a backbone parameter the graph does not read; unread: %v", unread)
	}
	part := map[string]bool{}
	for n := range ckpt {
		part[n] = true
	}
	for _, from := range []struct {
		name    string
		tensors map[string]bool
	}{{"graph's backbone only", part}, {"whole backbone", want}} {
		src := map[string]*graph.Tensor{}
		for n := range from.tensors {
			if !strings.HasPrefix(n, "itm_score.") {
				src[n] = full[n]
			}
		}
		w := mustWeights(t, src)
		got, rep, err := LoadForTask(cfg, w, []Head{HeadITM}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Check(cfg); err != nil {
			t.Errorf("%s: the result does not pass Check: %v", from.name, err)
		}
		if g, n := len(got.Names()), len(want); g != n {
			t.Errorf("%s: %d tensors, want %d", from.name, g, n)
		}
		for n := range want {
			if got.Tensor(n) == nil {
				t.Errorf("%s: %s missing", from.name, n)
			}
		}
		inited := map[string]bool{}
		for _, e := range rep.Initialized {
			inited[e.Name] = true
		}
		for _, n := range unread {
			switch {
			case from.tensors[n] && got.Tensor(n) != w.Tensor(n):
				t.Errorf("%s: %s is not the checkpoint's tensor", from.name, n)
			case !from.tensors[n] && !inited[n]:
				t.Errorf("%s: %s is not reported as initialised", from.name, n)
			}
		}
		if s := rep.String(); from.tensors["text_model.pooler.dense.weight"] && !strings.Contains(s, "unused text_model.pooler.dense.weight") {
			t.Errorf("%s: the report does not list the pooler as unused by the graph:\n%s", from.name, s)
		}
	}
}

// With extensions that change the backbone's parameters (per-layer vision LNs and cross-modal
// transforms) started from an HF checkpoint, the result is still a complete model of the new
// config.
func TestLoadForTaskExtensionIsComplete(t *testing.T) {
	ckpt := mustWeights(t, randomWeights(t, tinyConfig(t, ""), 12))
	per := tinyConfig(t, `, "bt_vision_ln_per_layer": true, "share_cross_modal_transformer_layers": false, "vision_config": {"hidden_size": 64, "num_hidden_layers": 4, "patch_size": 8, "image_size": 16, "share_layernorm": false}`)
	if ckpt.Check(per) == nil {
		t.Fatal("test premise: the HF checkpoint should not fit the per-layer config as it is")
	}
	w, _, err := LoadForTask(per, ckpt, []Head{HeadITM, HeadMLM}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Check(per); err != nil {
		t.Errorf("the result does not pass Check: %v", err)
	}
}
