package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/train/ablate"
)

// presetGrid writes a shapes set of 32-px images and a grid that starts from the tiny preset
// (patch 16, image 32) with bt fine-tune's recipe keys, and a variant overriding two of them.
func presetGrid(t *testing.T) (dir, grid string) {
	t.Helper()
	dir = t.TempDir()
	if out, err := runBT(t, "data", "shapes", "--out", filepath.Join(dir, "shapes"), "--n", "60", "--size", "32"); err != nil {
		t.Fatalf("shapes: %v\n%s", err, out)
	}
	grid = filepath.Join(dir, "grid.json")
	g := `{"preset": {"name": "tiny", "patch_size": 16, "image_size": 32}, "task": "vqa", "metric": "vqa_score",
	  "train": {"steps": 2, "batch_size": 4, "lr": 3e-4, "lr_mult_cross": 1, "lr_mult_head": 1, "warmup": 0.5, "eval_every": 1, "checkpoint_every": 1},
	  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "scaled_add", "train": {"lr": 1e-3, "lr_mult_head": 2}}]}`
	if err := os.WriteFile(grid, []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, grid
}

// bt ablate --jobs 2 runs the two cells of a preset grid at once, as two processes with
// GOMAXPROCS = cores / 2, into one directory, then writes the report. Each cell starts from the
// preset written under OUT/start (patch 16, image 32, weights of the cell's seed) and trains
// with the grid's recipe, the variant's keys over it: the checkpoints' trainer.json hold the
// learning rates, multipliers and warm-up (share 0.5 of 2 steps = 1 step), and metrics.jsonl
// an evaluation after each step (eval_every 1).
func TestAblateJobsRunsCellsAtOnce(t *testing.T) {
	dir, grid := presetGrid(t)
	out := filepath.Join(dir, "out")
	cmd := btProcess(t, nil, "ablate", "--grid", grid, "--seeds", "1", "--jobs", "2", "--train", filepath.Join(dir, "shapes", "train.jsonl"),
		"--val", filepath.Join(dir, "shapes", "val.jsonl"), "--out", out, "--device", "cpu")
	cmd.Env = filterEnv(cmd.Env, "GOMAXPROCS")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	threads := max(1, runtime.NumCPU()/2)
	for _, want := range []string{"2 cells to run, 2 at once (GOMAXPROCS=", "[add-s1] cell 0 add-s1: step 1/2: val vqa_score",
		"[scaled_add-s1] cell 1 scaled_add-s1: finished", "2 variants × 1 seeds"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	type result struct {
		Variant           string
		Threads           int
		Steps             int
		Started, Finished time.Time
		Start             string
		Metrics           map[string]float64
	}
	var res []result
	for _, name := range []string{"add-s1", "scaled_add-s1"} {
		var r result
		b, err := os.ReadFile(filepath.Join(out, "cells", name, "result.json"))
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Threads != threads || r.Steps != 2 || r.Start != filepath.Join(out, "start", "tiny-p16-i32-s1") {
			t.Errorf("%s: threads %d (want %d), steps %d, start %s", name, r.Threads, threads, r.Steps, r.Start)
		}
		for _, k := range []string{"vqa_score", "accuracy", "val_loss", "train_loss"} {
			if _, ok := r.Metrics[k]; !ok {
				t.Errorf("%s: no %s in %v", name, k, r.Metrics)
			}
		}
		res = append(res, r)
	}
	if !(res[0].Started.Before(res[1].Finished) && res[1].Started.Before(res[0].Finished)) {
		t.Errorf("the cells did not run at once: %v–%v and %v–%v", res[0].Started, res[0].Finished, res[1].Started, res[1].Finished)
	}
	cfg, err := model.LoadConfig(filepath.Join(out, "start", "tiny-p16-i32-s1", "config.json"))
	if err != nil || cfg.Vision.PatchSize != 16 || cfg.Vision.ImageSize != 32 {
		t.Errorf("start model: %v", err)
	}
	for name, want := range map[string][3]float64{"add-s1": {3e-4, 1, 1}, "scaled_add-s1": {1e-3, 1, 2}} {
		var st struct {
			Config struct {
				Warmup    int
				BatchSize int `json:"batch_size"`
				EvalEvery int `json:"eval_every"`
				AdamW     struct {
					LR               float64
					LRMultCrossModal float64 `json:"lr_mult_cross_modal"`
					LRMultHead       float64 `json:"lr_mult_head"`
				}
			}
		}
		b, err := os.ReadFile(filepath.Join(out, "cells", name, "checkpoint-2", "trainer.json"))
		if err == nil {
			err = json.Unmarshal(b, &st)
		}
		a := st.Config.AdamW
		if err != nil || a.LR != want[0] || a.LRMultCrossModal != want[1] || a.LRMultHead != want[2] || st.Config.Warmup != 1 || st.Config.BatchSize != 4 || st.Config.EvalEvery != 1 {
			t.Errorf("%s trainer.json: %+v (%v)", name, st.Config, err)
		}
		evals := 0
		readJSONL(t, filepath.Join(out, "cells", name, "metrics.jsonl"), func(line []byte) {
			if strings.Contains(string(line), `"kind":"eval"`) {
				evals++
			}
		})
		if evals != 2 {
			t.Errorf("%s: %d evaluations, want 2 (after steps 1 and 2)", name, evals)
		}
	}
	table, _ := os.ReadFile(filepath.Join(out, "table.md"))
	if !strings.Contains(string(table), "| add | add | 1 |") || !strings.Contains(string(table), "| scaled_add | scaled_add | 1 |") ||
		!strings.Contains(string(table), "vqa_score (mean ± std) | accuracy (mean ± std) | val_loss") {
		t.Errorf("table:\n%s", table)
	}
}

// filterEnv drops the variables named key from env.
func filterEnv(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// The status line names each running cell with its step, read from its metrics.jsonl; the
// prefix writer gives whole prefixed lines (a carriage return ends one too).
func TestAblateStatusAndPrefix(t *testing.T) {
	var b bytes.Buffer
	p := &prefixWriter{w: &b, prefix: "[x] "}
	p.Write([]byte("one\ntw"))
	p.Write([]byte("o\rthree"))
	p.Flush()
	if got := b.String(); got != "[x] one\n[x] two\n[x] three\n" {
		t.Errorf("prefixed %q", got)
	}
	if n := childThreads(1); n != 0 {
		t.Errorf("one job: GOMAXPROCS %d, want the inherited (0)", n)
	}
	g, err := ablate.ParseGrid([]byte(`{"model": "m", "seeds": [1, 2], "train": {"steps": 600},
	  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "none", "train": {"steps": 300}}]}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := &ablate.Runner{Grid: g, Out: t.TempDir()}
	cells := g.Cells() // add-s1 add-s2 none-s1 none-s2
	st := &ablateStatus{total: len(cells), done: 1, jobs: 2, running: map[int]ablate.Cell{}, waiting: cells[1:]}
	st.start(cells[3])
	st.start(cells[1])
	dir := r.CellDir(cells[3])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := `{"kind":"step","step":1,"seconds":1}` + "\n" + `{"kind":"step","step":2,"seconds":3}` + "\n" + `{"kind":"eval","step":2}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	// Steps left: add-s2 600, none-s2 300 − 2, none-s1 (waiting) 300 = 1198, at the running
	// cells' mean 2 s per step, on 2 jobs: 1198 s ≈ 20 min.
	if got, want := st.line(r), "ablate: 1/4 cells done; running: add-s2, none-s2 step 2/300; ETA 20m0s"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	st.finish(cells[3])
	if got, want := st.line(r), "ablate: 2/4 cells done; running: add-s2"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
}

// Ctrl-C of bt ablate --jobs 2 reaches both running cells: each saves a checkpoint of the step
// it reached (its only checkpoint: checkpoint_every is beyond the run), no cell counts as
// finished, and bt exits with an error.
func TestAblateJobsInterruptSavesEveryCell(t *testing.T) {
	dir, _ := presetGrid(t)
	long := filepath.Join(dir, "long.json")
	g := `{"preset": {"name": "tiny", "patch_size": 16, "image_size": 32}, "seeds": [1],
	  "train": {"steps": 100000, "batch_size": 4, "checkpoint_every": 100000},
	  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "none"}]}`
	if err := os.WriteFile(long, []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := btProcess(t, nil, "ablate", "--grid", long, "--jobs", "2", "--train", filepath.Join(dir, "shapes", "train.jsonl"),
		"--val", filepath.Join(dir, "shapes", "val.jsonl"), "--out", out, "--device", "cpu")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	cells := []string{"add-s1", "none-s1"}
	deadline := time.Now().Add(10 * time.Minute) // only against a hang: not a measurement
	for {
		started := 0
		for _, c := range cells {
			if _, _, ok := cellProgress(filepath.Join(out, "cells", c)); ok {
				started++
			}
		}
		if started == len(cells) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("bt ablate ended before both cells trained: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the cells did not start:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Errorf("an interrupted grid exited 0:\n%s", log.String())
	}
	for _, c := range cells {
		ck, _ := filepath.Glob(filepath.Join(out, "cells", c, "checkpoint-*", "trainer.json"))
		if len(ck) != 1 {
			t.Errorf("%s: checkpoints %v, want the one saved on the interrupt\n%s", c, ck, log.String())
		}
		if _, err := os.Stat(filepath.Join(out, "cells", c, "result.json")); err == nil {
			t.Errorf("%s: an interrupted cell has a result.json", c)
		}
	}
}

// --jobs is capped at the cells to run; more jobs than CPUs run, with a warning.
func TestCappedJobs(t *testing.T) {
	var w strings.Builder
	n := runtime.NumCPU()
	if got := cappedJobs(&w, 100000, 18); got != 18 || (n < 18) != strings.Contains(w.String(), "more than this machine's") {
		t.Errorf("100000 jobs for 18 cells: %d, warning %q (CPUs %d)", got, w.String(), n)
	}
	w.Reset()
	if got := cappedJobs(&w, 1, 18); got != 1 || w.Len() != 0 {
		t.Errorf("1 job: %d, %q", got, w.String())
	}
	if got := cappedJobs(&w, 4, 0); got != 1 {
		t.Errorf("no cells left: %d jobs, want 1", got)
	}
}
