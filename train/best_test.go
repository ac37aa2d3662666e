package train

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
)

// KeepBest writes the model of the best evaluation to OutDir/best (weights equal to those at
// that step, config.json, the given files and best.json), and a resumed run reads it back: a
// later, worse evaluation does not replace it, a better one does.
func TestKeepBest(t *testing.T) {
	mcfg, w := tinyModel(t)
	files := map[string][]byte{"answers.json": []byte(`["yes","no"]`)}
	out := t.TempDir()
	cfg := tinyConfig(out)
	cfg.Steps, cfg.Warmup, cfg.Accumulate, cfg.EvalEvery, cfg.CheckpointEvery = 7, 1, 1, 1, 3
	cfg.KeepBest = "accuracy"
	tr := newTrainer(t, mcfg, w, cfg, files)

	// Scripted scores by step: the best is step 4 until step 7 beats it.
	score := map[int]float64{1: 0.2, 2: 0.5, 3: 0.4, 4: 0.7, 5: 0.6, 6: 0.65, 7: 0.8}
	snaps := map[int]map[string]*graph.Tensor{} // step -> name -> weight after the step
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eval := func(_ context.Context, tr *Trainer) (map[string]float64, error) {
		s := tr.StepCount()
		snaps[s] = map[string]*graph.Tensor{}
		for name, p := range tr.params {
			snaps[s][name] = p.Clone()
		}
		if s == 5 {
			cancel() // stop after step 5: the checkpoint of step 5 is saved
		}
		return map[string]float64{"accuracy": score[s], "n": 10}, nil
	}
	tr.Eval = eval
	if _, err := tr.Run(ctx, tinyData(4)); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want context.Canceled after step 5", err)
	}
	checkBest(t, out, snaps[4], Best{Metric: "accuracy", Value: 0.7, Step: 4})
	if got, _ := os.ReadFile(filepath.Join(out, BestDir, "answers.json")); string(got) != string(files["answers.json"]) {
		t.Fatalf("best/answers.json: %q", got)
	}

	r, err := Resume(cpu.New(cpu.Options{}), out)
	if err != nil {
		t.Fatal(err)
	}
	if b := r.Best(); b == nil || b.Step != 4 || b.Value != 0.7 {
		t.Fatalf("resumed best %+v, want step 4, 0.7", b)
	}
	var seen []int
	score[6] = 0.65 // below 0.7: best stays at step 4
	r.Eval = func(ctx context.Context, tr *Trainer) (map[string]float64, error) {
		seen = append(seen, tr.StepCount())
		m, err := eval(ctx, tr)
		if tr.StepCount() == 6 {
			checkBest(t, out, snaps[4], Best{Metric: "accuracy", Value: 0.7, Step: 4})
		}
		return m, err
	}
	if _, err := r.Run(context.Background(), tinyData(4)); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != 6 || seen[1] != 7 {
		t.Fatalf("evaluations after the resume at steps %v, want [6 7]", seen)
	}
	checkBest(t, out, snaps[7], Best{Metric: "accuracy", Value: 0.8, Step: 7})
	if _, err := os.Stat(filepath.Join(out, BestDir, "optimizer.safetensors")); err == nil {
		t.Fatal("best/ holds the optimizer state; it is a model directory")
	}
}

// A KeepBest metric the evaluation does not produce stops the run with an error that names it.
func TestKeepBestUnknownMetric(t *testing.T) {
	mcfg, w := tinyModel(t)
	cfg := tinyConfig(t.TempDir())
	cfg.Steps, cfg.Warmup, cfg.Accumulate, cfg.EvalEvery = 2, 1, 1, 1
	cfg.KeepBest = "vqa_score"
	tr := newTrainer(t, mcfg, w, cfg, nil)
	tr.Eval = func(context.Context, *Trainer) (map[string]float64, error) {
		return map[string]float64{"accuracy": 0.5}, nil
	}
	_, err := tr.Run(context.Background(), tinyData(1))
	if err == nil || !strings.Contains(err.Error(), `"vqa_score"`) || !strings.Contains(err.Error(), "accuracy") {
		t.Fatalf("err %v, want one naming vqa_score and the metrics there are", err)
	}
}

// checkBest fails unless out/best holds want's record and exactly the weights of snap.
func checkBest(t *testing.T, out string, snap map[string]*graph.Tensor, want Best) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(out, BestDir, bestFile))
	if err != nil {
		t.Fatal(err)
	}
	var got Best
	if err := json.Unmarshal(raw, &got); err != nil || got != want {
		t.Fatalf("best.json %s (%v), want %+v", raw, err, want)
	}
	bw, err := model.OpenWeights(filepath.Join(out, BestDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer bw.Close()
	if len(bw.Names()) != len(snap) {
		t.Fatalf("best/model.safetensors has %d tensors, want %d", len(bw.Names()), len(snap))
	}
	for name, p := range snap {
		if x := bw.Tensor(name); x == nil || !x.Identical(p) {
			t.Fatalf("best/model.safetensors: %s is not the weight after step %d", name, want.Step)
		}
	}
	if _, err := model.LoadConfig(filepath.Join(out, BestDir, "config.json")); err != nil {
		t.Fatal(err)
	}
}

// KeepBestBy turns KeepBest on for a resumed run that was started without it: the evaluations
// after the resume are compared, and the best of them is kept.
func TestKeepBestTurnedOnAtResume(t *testing.T) {
	mcfg, w := tinyModel(t)
	out := t.TempDir()
	cfg := tinyConfig(out)
	cfg.Steps, cfg.Warmup, cfg.Accumulate, cfg.EvalEvery, cfg.CheckpointEvery = 4, 1, 1, 1, 2
	score := map[int]float64{1: 0.9, 2: 0.9, 3: 0.3, 4: 0.5}
	snaps := map[int]map[string]*graph.Tensor{}
	eval := func(_ context.Context, tr *Trainer) (map[string]float64, error) {
		s := tr.StepCount()
		snaps[s] = map[string]*graph.Tensor{}
		for name, p := range tr.params {
			snaps[s][name] = p.Clone()
		}
		return map[string]float64{"accuracy": score[s]}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := newTrainer(t, mcfg, w, cfg, nil)
	tr.Eval = func(ctx2 context.Context, tr *Trainer) (map[string]float64, error) {
		if tr.StepCount() == 2 {
			cancel()
		}
		return eval(ctx2, tr)
	}
	if _, err := tr.Run(ctx, tinyData(2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want context.Canceled after step 2", err)
	}
	if _, err := os.Stat(filepath.Join(out, BestDir)); err == nil {
		t.Fatal("best/ written without KeepBest")
	}
	r, err := Resume(cpu.New(cpu.Options{}), out)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.KeepBestBy("accuracy"); err != nil {
		t.Fatal(err)
	}
	r.Eval = eval
	if _, err := r.Run(context.Background(), tinyData(2)); err != nil {
		t.Fatal(err)
	}
	// steps 1–2 (0.9) were before KeepBest; of steps 3 (0.3) and 4 (0.5), step 4 is kept
	checkBest(t, out, snaps[4], Best{Metric: "accuracy", Value: 0.5, Step: 4})
}
