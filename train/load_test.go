package train

import (
	"context"
	"strings"
	"testing"

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
