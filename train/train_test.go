package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	// The resumed run's history (and so its curves) covers steps 1–6, each once.
	var steps []int
	for _, r := range c.History() {
		if r.Kind == "step" {
			steps = append(steps, r.Step)
		}
	}
	if fmt.Sprint(steps) != "[1 2 3 4 5 6]" {
		t.Errorf("history of the resumed run has steps %v, want [1 2 3 4 5 6]", steps)
	}

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

// listBatches gives a fixed list of batches, cycling; State is the position.
type listBatches struct {
	list []map[string]*graph.Tensor
	n    int
}

func (l *listBatches) Next(context.Context) (map[string]*graph.Tensor, error) {
	b := l.list[l.n%len(l.list)]
	l.n++
	return b, nil
}
func (l *listBatches) State() []byte          { return []byte{byte(l.n)} }
func (l *listBatches) Restore(b []byte) error { l.n = int(b[0]); return nil }

// concatRows stacks two batches along the batch axis.
func concatRows(a, b map[string]*graph.Tensor) map[string]*graph.Tensor {
	out := map[string]*graph.Tensor{}
	for name, x := range a {
		y := b[name]
		shape := x.Shape.Clone()
		shape[0] += y.Shape[0]
		t := graph.NewTensor(x.DType, shape)
		if err := t.SetFloat64s(append(x.Float64s(), y.Float64s()...)); err != nil {
			panic(err)
		}
		out[name] = t
	}
	return out
}

// Accumulating two micro-batches of 3 rows is one step on the 6 rows together (ITM loss: a mean
// over rows, so the mean of the two means is the mean of all): the same losses, gradient norms
// (clipped at 0.1) and, after two steps, the same weights and moments in float64.
func TestAccumulationEqualsLargerBatch(t *testing.T) {
	dir := golden.ModelCase("m03_interpolate_b3_f64_sepln")
	mcfg, err := model.LoadConfig(dir + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.OpenWeights(dir + "/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b1 := golden.Tensors(t, dir+"/inputs.safetensors")
	delete(b1, model.InputMLMLabels)
	delete(b1, model.InputPixelMask)
	b2 := map[string]*graph.Tensor{}
	for k, v := range b1 {
		b2[k] = v
	}
	flipped := b1[model.InputITMLabels].Clone()
	for i, v := range flipped.Data.([]int64) {
		flipped.Data.([]int64)[i] = 1 - v
	}
	b2[model.InputITMLabels] = flipped
	px := b1[model.InputPixels].Clone()
	for i, v := range px.Data.([]float64) {
		px.Data.([]float64)[i] = -v
	}
	b2[model.InputPixels] = px
	cfg := Config{DType: "f64", Heads: []model.Head{model.HeadITM}, AdamW: AdamW{LR: 1e-3, WeightDecay: 0.01},
		Steps: 2, Clip: 0.1}
	one := newTrainer(t, mcfg, w, cfg, nil)
	cfg.Accumulate = 2
	acc := newTrainer(t, mcfg, w, cfg, nil)
	big := &listBatches{list: []map[string]*graph.Tensor{concatRows(b1, b2)}}
	small := &listBatches{list: []map[string]*graph.Tensor{b1, b2}}
	for s := range 2 {
		r1, err := one.Step(context.Background(), big)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := acc.Step(context.Background(), small)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Samples != 6 || r2.Samples != 6 || r1.Skipped || r2.Skipped {
			t.Fatalf("step %d: %+v, %+v", s, r1, r2)
		}
		relCheck(t, "loss", r2.Loss, r1.Loss, 1e-12)
		relCheck(t, "grad norm", r2.GradNorm, r1.GradNorm, 1e-12)
		if !(r1.GradNorm > 0.1) {
			t.Fatalf("grad norm %v does not exercise clipping at 0.1", r1.GradNorm)
		}
	}
	tol := golden.Tolerance{Rtol: 1e-9}
	for name, p := range one.params {
		if err := golden.Compare(name, acc.params[name], p, tol); err != nil {
			t.Error(err)
		}
		m1, v1 := one.Moments(name)
		m2, v2 := acc.Moments(name)
		if m1 == nil || strings.HasSuffix(name, ".key.bias") {
			continue // no state, or rounding noise (see TestGoldenTrajectories)
		}
		for _, e := range []error{golden.Compare(name+" exp_avg", m2, m1, tol), golden.Compare(name+" exp_avg_sq", v2, v1, tol)} {
			if e != nil {
				t.Error(e)
			}
		}
	}
}

// Eval runs every EvalEvery steps and at the end; its metrics become "eval" records of
// metrics.jsonl and a panel of curves.png.
func TestEvalRecords(t *testing.T) {
	mcfg, w := tinyModel(t)
	out := t.TempDir()
	cfg := tinyConfig(out)
	cfg.Steps, cfg.Warmup, cfg.Accumulate, cfg.EvalEvery, cfg.CheckpointEvery = 3, 1, 1, 2, 0
	tr := newTrainer(t, mcfg, w, cfg, nil)
	var calls []int
	tr.Eval = func(_ context.Context, tr *Trainer) (map[string]float64, error) {
		calls = append(calls, tr.StepCount())
		return map[string]float64{"accuracy": float64(tr.StepCount()) / 10}, nil
	}
	if _, err := tr.Run(context.Background(), tinyData(9)); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != 2 || calls[1] != 3 {
		t.Fatalf("Eval called after steps %v, want [2 3]", calls)
	}
	var kinds []string
	for _, l := range readLines(t, filepath.Join(out, "metrics.jsonl")) {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, r.Kind+"@"+strconv.Itoa(r.Step))
		if r.Kind == "eval" && r.Metrics["accuracy"] != float64(r.Step)/10 {
			t.Fatalf("eval record %q", l)
		}
	}
	if got := strings.Join(kinds, " "); got != "step@1 step@2 eval@2 step@3 eval@3" {
		t.Fatalf("records %s", got)
	}
	if fi, err := os.Stat(filepath.Join(out, "curves.png")); err != nil || fi.Size() == 0 {
		t.Fatalf("curves.png: %v", err)
	}
}

// The progress line shows step, loss, lr, throughput and, after the first step, the ETA; a
// skipped step names the non-finite value; nothing is written without a writer.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 10, 0)
	p.step(Record{Step: 1, Loss: 2.5, LR: 1e-5, Samples: 8})
	p.step(Record{Step: 2, Loss: nan(), LR: 2e-5, Samples: 8, Skipped: true})
	p.done()
	out := buf.String()
	for _, want := range []string{"step 1/10", "loss 2.5000", "lr 1e-05", "samples/s", "ETA", "(skipped: loss=NaN)"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Error("done did not end the line")
	}
	q := newProgress(nil, 10, 0)
	q.step(Record{Step: 1})
	q.done()
}
