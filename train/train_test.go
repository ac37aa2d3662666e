package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model"
)

// N steps, a checkpoint, Resume and N more steps give bit for bit the weights and moments of 2N
// uninterrupted steps; so does a run cancelled in the middle of an accumulated step (Ctrl-C),
// which saves, and is resumed to the end. Checkpoints carry the given files; old ones are pruned.
func TestResumeBitExact(t *testing.T) {
	mcfg, w := tinyModel(t)
	files := map[string][]byte{"answers.json": []byte(`["yes","no"]`)}
	ctx := context.Background()

	outA := t.TempDir()
	a := newTrainer(t, mcfg, w, tinyConfig(outA), files)
	sum, err := a.Run(ctx, tinyData(1))
	if err != nil || sum.Steps != 6 || sum.Interrupted {
		t.Fatalf("run A: %+v, %v", sum, err)
	}
	dirs, _ := checkpoints(outA)
	if len(dirs) != 2 || filepath.Base(dirs[0]) != "checkpoint-3" || filepath.Base(dirs[1]) != "checkpoint-6" {
		t.Fatalf("checkpoints %v, want checkpoint-3 and checkpoint-6", dirs)
	}
	if got, _ := os.ReadFile(filepath.Join(dirs[1], "answers.json")); string(got) != string(files["answers.json"]) {
		t.Fatalf("answers.json in the checkpoint: %q", got)
	}

	// N + resume + N from checkpoint-3 (copied, so that A's directory is not touched).
	outB := t.TempDir()
	if err := exec.Command("cp", "-r", dirs[0], outB).Run(); err != nil {
		t.Fatal(err)
	}
	b, err := Resume(cpu.New(cpu.Options{}), outB)
	if err != nil {
		t.Fatal(err)
	}
	if b.StepCount() != 3 {
		t.Fatalf("resumed at step %d, want 3", b.StepCount())
	}
	if _, err := b.Run(ctx, tinyData(1)); err != nil {
		t.Fatal(err)
	}
	sameState(t, "3 steps + resume + 3 steps vs 6 steps", a, b)

	// Cancelled while reading the second micro-batch of step 4 (batch 7): saves after step 3.
	outC := t.TempDir()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	data := tinyData(1)
	data.cancelAt, data.cancel = 7, cancel
	cfg := tinyConfig(outC)
	cfg.CheckpointEvery, cfg.Keep = 1, 2
	c := newTrainer(t, mcfg, w, cfg, files)
	sum, err = c.Run(cctx, data)
	if !errors.Is(err, context.Canceled) || !sum.Interrupted || sum.Steps != 3 {
		t.Fatalf("interrupted run: %+v, %v", sum, err)
	}
	if dirs, _ := checkpoints(outC); len(dirs) != 2 || filepath.Base(dirs[1]) != "checkpoint-3" {
		t.Fatalf("checkpoints after the interruption: %v (keep 2, the last at step 3)", dirs)
	}
	c, err = Resume(cpu.New(cpu.Options{}), outC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(ctx, tinyData(1)); err != nil {
		t.Fatal(err)
	}
	sameState(t, "interrupted and resumed vs uninterrupted", a, c)

	// metrics.jsonl has one step record per step of A; the curves were drawn.
	lines := readLines(t, filepath.Join(outA, "metrics.jsonl"))
	if len(lines) != 6 {
		t.Fatalf("metrics.jsonl of A has %d lines, want 6", len(lines))
	}
	var r Record
	if err := json.Unmarshal([]byte(lines[5]), &r); err != nil || r.Kind != "step" || r.Step != 6 || r.Samples != 4 || !(r.Loss > 0) {
		t.Fatalf("last record %q: %+v %v", lines[5], r, err)
	}
	if png, err := os.ReadFile(filepath.Join(outA, "curves.png")); err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Fatalf("curves.png: %v", err)
	}
}

func readLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// A batch with a NaN pixel makes the loss NaN: the step is skipped (nothing changes, the schedule
// does not advance) and reported; the next good batch trains exactly as if the bad one had not
// been there; MaxBadSteps consecutive bad steps stop the run.
func TestNonFiniteGuard(t *testing.T) {
	mcfg, w := tinyModel(t)
	ctx := context.Background()
	cfg := tinyConfig("")
	cfg.Accumulate, cfg.MaxBadSteps = 1, 2

	ref := newTrainer(t, mcfg, w, cfg, nil)
	good := tinyData(3)
	for range 2 {
		if _, err := ref.Step(ctx, good); err != nil {
			t.Fatal(err)
		}
	}
	tr := newTrainer(t, mcfg, w, cfg, nil)
	data := tinyData(3)
	if _, err := tr.Step(ctx, data); err != nil {
		t.Fatal(err)
	}
	bad := tinyData(3)
	bad.next, bad.nanAt = 0, map[int]bool{0: true}
	r, err := tr.Step(ctx, bad)
	if err != nil || !r.Skipped || tr.StepCount() != 1 {
		t.Fatalf("NaN batch: %+v, %v, step count %d", r, err, tr.StepCount())
	}
	if _, err := tr.Step(ctx, data); err != nil {
		t.Fatal(err)
	}
	sameState(t, "good, NaN, good vs good, good", ref, tr)

	all := tinyData(4)
	all.nanAt = map[int]bool{0: true, 1: true, 2: true}
	sum, err := newTrainer(t, mcfg, w, cfg, nil).Run(ctx, all)
	if !errors.Is(err, ErrNonFinite) || sum.Skipped != 2 || sum.Steps != 0 {
		t.Fatalf("all-NaN run: %+v, %v", sum, err)
	}
}

// Freezing the vision encoder leaves it bit-identical and without optimizer state, while the
// rest trains.
func TestFreezeVision(t *testing.T) {
	mcfg, w := tinyModel(t)
	cfg := tinyConfig("")
	cfg.FreezeVision = true
	tr := newTrainer(t, mcfg, w, cfg, nil)
	data := tinyData(2)
	for range 2 {
		if _, err := tr.Step(context.Background(), data); err != nil {
			t.Fatal(err)
		}
	}
	var vision, changed int
	for name, p := range tr.params {
		init, _ := graph.Convert(w.Tensor(name), p.DType)
		m, _ := tr.Moments(name)
		if tr.groups[name] == model.GroupVision {
			vision++
			if !sameValues(p, init) || m != nil {
				t.Errorf("frozen %s changed or has optimizer state", name)
			}
		} else if !sameValues(p, init) {
			changed++
		}
	}
	if vision == 0 || changed == 0 {
		t.Fatalf("%d vision weights, %d others changed", vision, changed)
	}
}

// The parameter groups of the original code, counted over the golden model's names, are those
// of the reference README's table (t01: lr × 5 for cross_modal and heads).
func TestParamGroupsMatchReference(t *testing.T) {
	f := golden.File(t, golden.Path("models", "m03_interpolate_b3_f64_sepln", "model.safetensors"))
	a := AdamW{LR: 0.001}
	count := map[Group]int{}
	for _, n := range f.Names() {
		count[a.GroupOf(n)]++
	}
	want := map[Group]int{
		{"base", 0.001, false}: 73, {"base", 0.001, true}: 63,
		{"cross_modal", 0.005, false}: 113, {"cross_modal", 0.005, true}: 69,
		{"head", 0.005, false}: 7, {"head", 0.005, true}: 5,
	}
	if len(count) != len(want) {
		t.Fatalf("groups %v, want %v", count, want)
	}
	for g, n := range want {
		if count[g] != n {
			t.Errorf("group %+v: %d params, want %d", g, count[g], n)
		}
	}
}
