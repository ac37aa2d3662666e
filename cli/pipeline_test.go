package cli

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// randomModelDir writes a small BridgeTower (the m01 architecture with RoBERTa's 50,265-token
// vocabulary) with seeded random weights to a model directory, as a user's snapshot would be.
func randomModelDir(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(golden.ModelCase("m01_add_b1_nopad"), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Text.VocabSize = 50265
	infos, err := model.ParamInfos(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tensors := map[string]*graph.Tensor{}
	for _, p := range infos {
		if p.Group != model.GroupText && p.Group != model.GroupVision && p.Group != model.GroupCross && p.Group != model.GroupITM {
			continue
		}
		data := make([]float32, p.Shape.Size())
		for i := range data {
			data[i] = float32(rng.NormFloat64() * 0.2)
		}
		tensors[p.Name] = graph.FromFloat32(p.Shape, data)
	}
	dir := t.TempDir()
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.SaveConfig(filepath.Join(dir, "config.json")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Images and texts to outputs through real files only: bt preprocess --text writes the inputs,
// bt convert re-stores the checkpoint as bf16, and bt forward runs both checkpoints on the same
// inputs; the bf16 copy stays close to the f32 original.
func TestPipelineImagesAndTextToOutputs(t *testing.T) {
	modelDir, tokDir, work := randomModelDir(t), robertaDir(t), t.TempDir()
	in := filepath.Join(work, "in.safetensors")
	args := append([]string{"preprocess", "--size", "32", "--tokenizer", tokDir, "--max-length", "12",
		"--text", "a bunch of cats laying on a tower.", "--text", "what is the man holding?", "--output", in}, goldenBatchFiles[:2]...)
	if msg, err := runBT(t, args...); err != nil {
		t.Fatalf("preprocess: %v\n%s", err, msg)
	}
	bf16Dir := filepath.Join(work, "bf16")
	if msg, err := runBT(t, "convert", "--dtype", "bf16", modelDir, bf16Dir); err != nil {
		t.Fatalf("convert: %v\n%s", err, msg)
	}
	run := func(dir, out string) map[string]*graph.Tensor {
		msg, err := runBT(t, "forward", "--model", dir, "--inputs", in, "--output", out)
		if err != nil || !strings.Contains(msg, "heads: itm") {
			t.Fatalf("forward %s: %v\n%s", dir, err, msg)
		}
		return golden.Tensors(t, out)
	}
	f32 := run(modelDir, filepath.Join(work, "f32.safetensors"))
	bf16 := run(bf16Dir, filepath.Join(work, "bf16.safetensors"))
	logits := f32["itm.logits"]
	if logits == nil || !logits.Shape.Equal(graph.Shape{2, 2}) {
		t.Fatalf("itm.logits %v", logits)
	}
	for _, v := range logits.Float64s() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("itm.logits %v", logits.Float64s())
		}
	}
	if tf := f32["model.text_features"]; !tf.Shape.Equal(graph.Shape{2, 12, 32}) {
		t.Fatalf("text_features %v", tf)
	}
	// bf16 weights carry 8 significant bits: the outputs move, but only by the rounding's size.
	for _, n := range []string{"itm.logits", "model.pooler_output"} {
		d, err := numcmpDiff(bf16[n], f32[n])
		t.Logf("%s: bf16 vs f32 relative difference %.3g", n, d)
		if err != nil || d > 0.02 || d == 0 {
			t.Errorf("%s: bf16 checkpoint differs from f32 by %g (%v); want a small non-zero change", n, d, err)
		}
	}
}
