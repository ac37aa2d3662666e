package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/train/data"
)

// Every refused fine-tune names the flag or file at fault, exits with the usage code where the
// command line is wrong, and computes nothing (no output directory appears).
func TestFineTuneRefusals(t *testing.T) {
	work := t.TempDir()
	trainF := filepath.Join(work, "train.jsonl")
	valF := filepath.Join(work, "val.jsonl")
	for _, p := range []string{trainF, valF} {
		if err := os.WriteFile(p, []byte(`{"image": "a.png", "question": "q?", "answers": ["x"]}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := filepath.Join(work, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "out")
	base := func(extra ...string) []string {
		return append([]string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--preset", "tiny", "--out", out}, extra...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad task", []string{"fine-tune", "--task", "nlvr", "--train", trainF, "--val", valF, "--preset", "tiny", "--out", out}, `--task "nlvr"`},
		{"missing train", []string{"fine-tune", "--task", "vqa", "--train", filepath.Join(work, "none.jsonl"), "--val", valF, "--preset", "tiny", "--out", out}, "--train " + filepath.Join(work, "none.jsonl") + ": no such file"},
		{"val is a directory", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", work, "--preset", "tiny", "--out", out}, "--val " + work + " is a directory"},
		{"no model", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--out", out}, "give --model DIR|HUBID or --preset"},
		{"model and preset", base("--model", work), "give --model or --preset, not both"},
		{"unknown preset", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--preset", "huge", "--out", out}, `--preset "huge"`},
		{"batch size 0", base("--batch-size", "0"), "--batch-size 0 must be positive"},
		{"epochs and steps", base("--epochs", "2", "--steps", "5"), "--epochs or --steps, not both"},
		{"negative steps", base("--steps", "-1"), "--steps -1 must be positive"},
		{"warmup 1", base("--warmup", "1"), "--warmup 1"},
		{"lr 0", base("--lr", "0"), "--lr 0 must be positive"},
		{"grad accum 0", base("--grad-accum", "0"), "--grad-accum 0"},
		{"patch size with a model", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--model", work, "--patch-size", "16", "--out", out}, "--patch-size and --image-size shape a --preset"},
		{"non-empty out", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--preset", "tiny", "--out", full}, "--out " + full + " is not empty"},
		{"resume without a run", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--resume", "--out", full}, "--resume: --out " + full},
		{"resume with a preset", base("--resume"), "--resume continues the run in --out"},
		{"extra argument", base("extra"), "unexpected arguments"},
		{"negative sincos norm", base("--vision-pos-sincos", "-1"), "--vision-pos-sincos -1"},
		{"sincos on resume", []string{"fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--resume", "--out", full, "--vision-pos-sincos", "3"}, "--vision-pos-sincos sets the start weights"},
	}
	for _, tc := range cases {
		stdout, stderr, code := runMain(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want exit %d and %q (stdout %q)", tc.name, code, stderr, ExitUsage, tc.want, stdout)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused fine-tune created %s", out)
	}
	// A bad row is reported with its file and line before any training.
	_, stderr, code := runMain(t, "fine-tune", "--task", "vqa", "--train", trainF, "--val", valF, "--preset", "tiny", "--out", out)
	if code == ExitOK || !strings.Contains(stderr, trainF+":1: image") || !strings.Contains(stderr, "a.png") {
		t.Errorf("missing image on line 1: exit %d, %q", code, stderr)
	}
	writePNG(t, filepath.Join(work, "a.png"))
	bad := filepath.Join(work, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"image": "a.png", "question": "q?", "answers": ["x"]}`+"\n{oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runMain(t, "fine-tune", "--task", "vqa", "--train", bad, "--val", valF, "--preset", "tiny", "--out", out)
	if code == ExitOK || !strings.Contains(stderr, bad+":2") {
		t.Errorf("bad JSON on line 2: exit %d, %q", code, stderr)
	}
}

// A short fine-tune of the tiny preset (32 px images, colour questions only) learns: the training
// loss falls and the val VQA score beats the majority baseline by a margin; the final directory
// works with bt ask and bt eval (whose JSON score equals the run's last evaluation).
func TestFineTuneLearnsColour(t *testing.T) {
	work := t.TempDir()
	sets := filepath.Join(work, "shapes")
	if _, err := data.GenerateShapes(sets, data.ShapesOptions{N: 400, Seed: 5, Size: 32, PerImage: 1, ValFraction: 0.25, Types: []string{data.TypeColour}}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "run")
	steps := "150"
	msg, err := runBT(t, "fine-tune", "--task", "vqa", "--train", filepath.Join(sets, "train.jsonl"), "--val", filepath.Join(sets, "val.jsonl"),
		"--preset", "tiny", "--image-size", "32", "--patch-size", "8", "--out", out, "--steps", steps, "--batch-size", "16",
		"--lr", "3e-4", "--lr-mult-cross", "1", "--lr-mult-head", "1", "--eval-every", "75", "--checkpoint-every", "75", "--keep-best")
	if err != nil {
		t.Fatalf("fine-tune: %v\n%s", err, msg)
	}
	var losses []float64
	var evals []map[string]float64
	readJSONL(t, filepath.Join(out, "metrics.jsonl"), func(line []byte) {
		var r struct {
			Kind    string             `json:"kind"`
			Loss    float64            `json:"loss"`
			Metrics map[string]float64 `json:"metrics"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind == "step" {
			losses = append(losses, r.Loss)
		} else {
			evals = append(evals, r.Metrics)
		}
	})
	if n, _ := strconv.Atoi(steps); len(losses) != n || len(evals) != 2 {
		t.Fatalf("metrics.jsonl has %d steps and %d evaluations, want %s and 2", len(losses), len(evals), steps)
	}
	mean := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	first, last := mean(losses[:10]), mean(losses[len(losses)-20:])
	if !(last < 0.7*first) {
		t.Errorf("training loss did not fall: first 10 steps %.4f, last 20 %.4f", first, last)
	}
	final := evals[len(evals)-1]
	t.Logf("loss: first 10 steps %.4f, last 20 %.4f; val: %v", first, last, final)
	const baseline = 0.25 // four colours, balanced by construction
	if final["vqa_score"] < baseline+0.15 {
		t.Errorf("val VQA score %.4f, want at least the majority baseline %.2f + 0.15", final["vqa_score"], baseline)
	}
	for _, f := range []string{"config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json", "answers.json"} {
		if _, err := os.Stat(filepath.Join(out, "final", f)); err != nil {
			t.Errorf("final model directory: %v", err)
		}
	}
	pred := filepath.Join(work, "pred.jsonl")
	stdout, stderr, code := runMain(t, "eval", "--model", filepath.Join(out, "final"), "--data", filepath.Join(sets, "val.jsonl"),
		"--train", filepath.Join(sets, "train.jsonl"), "--json", "--predictions", pred)
	if code != ExitOK {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var m map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("eval --json: last line %q: %v", lines[len(lines)-1], err)
	}
	if m["vqa_score"] != final["vqa_score"] || m["baseline"] != baseline || m["n"] != 100 {
		t.Errorf("eval: vqa_score %v baseline %v n %v; the run's last evaluation %v, baseline %v, 100 rows", m["vqa_score"], m["baseline"], m["n"], final["vqa_score"], baseline)
	}
	// --keep-best: OUT/best holds the model of the better of the two evaluations, and bt eval
	// scores it as the run did.
	bestStep, best := 75, evals[0]["vqa_score"]
	if evals[1]["vqa_score"] > best {
		bestStep, best = 150, evals[1]["vqa_score"]
	}
	raw, err := os.ReadFile(filepath.Join(out, "best", "best.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Metric string
		Value  float64
		Step   int
	}
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Metric != "vqa_score" || rec.Value != best || rec.Step != bestStep {
		t.Errorf("best/best.json %s, want vqa_score %v at step %d", raw, best, bestStep)
	}
	if !strings.Contains(msg, fmt.Sprintf("best val vqa_score %.4f at step %d", best, bestStep)) {
		t.Errorf("fine-tune output does not name the best evaluation:\n%s", msg)
	}
	stdout, stderr, code = runMain(t, "eval", "--model", filepath.Join(out, "best"), "--data", filepath.Join(sets, "val.jsonl"), "--json")
	if code != ExitOK {
		t.Fatalf("eval of best/: exit %d: %s", code, stderr)
	}
	lines = strings.Split(strings.TrimSpace(stdout), "\n")
	var mb map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &mb); err != nil || mb["vqa_score"] != best {
		t.Errorf("eval of best/: %q (%v), want vqa_score %v", lines[len(lines)-1], err, best)
	}
	// The score again, from the predictions and the answers of the file (data.VQAScore).
	val, err := data.ReadJSONL(filepath.Join(sets, "val.jsonl"), data.TaskVQA, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string][]data.Answer{}
	for _, e := range val.Examples {
		answers[e.Source] = e.Answers
	}
	sum, rows := 0.0, 0
	readJSONL(t, pred, func(line []byte) {
		var p struct{ Source, Prediction string }
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		sum += data.VQAScore(p.Prediction, answers[p.Source])
		rows++
	})
	if rows != 100 || math.Abs(sum/float64(rows)-m["vqa_score"]) > 1e-12 {
		t.Errorf("predictions: %d rows scoring %.4f, eval's vqa_score %.4f", rows, sum/float64(rows), m["vqa_score"])
	}
	img := firstImage(t, filepath.Join(sets, "val.jsonl"))
	ans, err := runBT(t, "ask", "--model", filepath.Join(out, "final"), img, "what color is the circle?")
	if err != nil || !strings.Contains(ans, "[VQA head]") {
		t.Errorf("ask: %v\n%s", err, ans)
	}
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
}

func readJSONL(t *testing.T, path string, each func([]byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		each(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func firstImage(t *testing.T, jsonl string) string {
	t.Helper()
	var img string
	readJSONL(t, jsonl, func(line []byte) {
		var r struct{ Image string }
		if img == "" && json.Unmarshal(line, &r) == nil {
			img = filepath.Join(filepath.Dir(jsonl), r.Image)
		}
	})
	return img
}

// --resume continues from the newest checkpoint of --out: a run of 4 steps whose last checkpoint
// and final model are removed, resumed from checkpoint-2, writes the same checkpoint-4 weights
// byte for byte (same data order, RNG and optimizer state).
func TestFineTuneResume(t *testing.T) {
	work := t.TempDir()
	sets := filepath.Join(work, "shapes")
	if _, err := data.GenerateShapes(sets, data.ShapesOptions{N: 60, Seed: 9, Size: 32, PerImage: 2, ValFraction: 0.2}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "run")
	args := []string{"fine-tune", "--task", "vqa", "--train", filepath.Join(sets, "train.jsonl"), "--val", filepath.Join(sets, "val.jsonl"), "--out", out}
	msg, err := runBT(t, append(args, "--preset", "tiny", "--image-size", "32", "--patch-size", "16", "--steps", "4", "--batch-size", "4",
		"--checkpoint-every", "2", "--keep", "0", "--eval-every", "4", "--dropout")...)
	if err != nil {
		t.Fatalf("fine-tune: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(filepath.Join(out, "checkpoint-4", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"checkpoint-4", "final"} {
		if err := os.RemoveAll(filepath.Join(out, d)); err != nil {
			t.Fatal(err)
		}
	}
	if msg, err := runBT(t, append(args, "--resume")...); err != nil || !strings.Contains(msg, "resuming") {
		t.Fatalf("fine-tune --resume: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(filepath.Join(out, "checkpoint-4", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the resumed run's checkpoint-4 differs from the uninterrupted run's")
	}
	if _, err := os.Stat(filepath.Join(out, "final", "answers.json")); err != nil {
		t.Errorf("the resumed run wrote no final model: %v", err)
	}
	if _, stderr, code := runMain(t, append(args, "--preset", "tiny")...); code != ExitUsage || !strings.Contains(stderr, "is not empty") {
		t.Errorf("a second run into the same --out without --resume: exit %d, %q", code, stderr)
	}
}
