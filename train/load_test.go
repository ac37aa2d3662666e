package train

import (
	"context"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// The trainer starts from what model.LoadForTask returns, with no completion by the caller: from
// a checkpoint that lacks the text pooler (a backbone tensor no head reads) and the heads, the
// loaded weights are accepted by New, a step runs, and the trainer's weights are a complete model
// in which the pooler is the initialised one, untouched by training.
func TestNewTakesLoadForTask(t *testing.T) {
	mcfg, full := tinyModel(t)
	part := map[string]*graph.Tensor{}
	for _, n := range full.Names() {
		if !strings.HasPrefix(n, "text_model.pooler.") && !strings.HasPrefix(n, "itm_score.") && !strings.HasPrefix(n, "mlm_score.") {
			part[n] = full.Tensor(n)
		}
	}
	ckpt, err := model.NewWeights(part)
	if err != nil {
		t.Fatal(err)
	}
	if ckpt.Check(mcfg) == nil {
		t.Fatal("test premise: a checkpoint without the text pooler should fail Check")
	}
	heads := []model.Head{model.HeadITM, model.HeadMLM}
	w, rep, err := model.LoadForTask(mcfg, ckpt, heads, 4)
	if err != nil {
		t.Fatal(err)
	}
	pooler := w.Tensor("text_model.pooler.dense.weight")
	if pooler == nil || !strings.Contains(rep.String(), "initialised text_model.pooler.dense.weight") {
		t.Fatalf("the pooler is not in the loaded weights, or not reported initialised:\n%s", rep)
	}
	before := pooler.Clone()
	cfg := Config{Heads: heads, AdamW: AdamW{LR: 1e-3, WeightDecay: 0.01}, Steps: 1}
	tr := newTrainer(t, mcfg, w, cfg, nil)
	if _, err := tr.Step(context.Background(), tinyData(1)); err != nil {
		t.Fatal(err)
	}
	out, err := tr.Weights()
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Check(mcfg); err != nil {
		t.Errorf("the trainer's weights are not a complete model: %v", err)
	}
	if got := out.Tensor("text_model.pooler.dense.weight"); got == nil || !sameValues(got, before) {
		t.Error("the unread text pooler changed in training")
	}
	if m, v := tr.Moments("text_model.pooler.dense.weight"); m != nil || v != nil {
		t.Error("the unread text pooler has AdamW moments")
	}
}

// The same rule from the trainer's side: New refuses weights that lack a backbone tensor (even
// one the graph does not read), half a head, or a head the run trains, naming what is missing.
func TestNewRefusesIncompleteWeights(t *testing.T) {
	mcfg, full := tinyModel(t)
	without := func(drop ...string) *model.Weights {
		m := map[string]*graph.Tensor{}
		for _, n := range full.Names() {
			keep := true
			for _, d := range drop {
				keep = keep && !strings.HasPrefix(n, d)
			}
			if keep {
				m[n] = full.Tensor(n)
			}
		}
		w, err := model.NewWeights(m)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	cfg := Config{Heads: []model.Head{model.HeadITM, model.HeadMLM}, AdamW: AdamW{LR: 1e-3}, Steps: 1}
	for _, c := range []struct {
		drop []string
		want string
	}{
		{[]string{"text_model.pooler.dense.bias"}, "text_model.pooler.dense.bias"},
		{[]string{"itm_score.fc.bias"}, "itm_score.fc.bias"},
		{[]string{"itm_score."}, "no parameters of the itm head"},
	} {
		_, err := New(cpu.New(cpu.Options{}), mcfg, without(c.drop...), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("without %v: error %v, want one naming %q", c.drop, err, c.want)
		}
	}
	// A head the run does not train may be absent.
	if _, err := New(cpu.New(cpu.Options{}), mcfg, without("mlm_score."), Config{Heads: []model.Head{model.HeadITM}, AdamW: AdamW{LR: 1e-3}, Steps: 1}, nil); err != nil {
		t.Errorf("ITM run without the MLM head: %v", err)
	}
}
