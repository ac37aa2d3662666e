package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run bt in a child process: with BT_CLI_TEST_MAIN=1 the test binary is bt.
func TestMain(m *testing.M) {
	if os.Getenv("BT_CLI_TEST_MAIN") == "1" {
		os.Exit(Main(append([]string{"bt"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// btProcess is bt (this test binary) as a separate process.
func btProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(append(os.Environ(), "BT_CLI_TEST_MAIN=1"), env...)
	return cmd
}

// ablateFixture makes a tiny model (bt init) and a small shapes set, and a grid of two
// variants (add and linear_concat) trained for 2 steps.
func ablateFixture(t *testing.T) (dir, grid string) {
	t.Helper()
	dir = t.TempDir()
	if out, err := runBT(t, "init", "--preset", "tiny", filepath.Join(dir, "m")); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := runBT(t, "data", "shapes", "--out", filepath.Join(dir, "shapes"), "--n", "60"); err != nil {
		t.Fatalf("shapes: %v\n%s", err, out)
	}
	grid = filepath.Join(dir, "grid.json")
	g := `{"model": "m", "metric": "vqa_score", "train": {"steps": 2, "batch_size": 4, "text_len": 12, "checkpoint_every": 1},
	  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "linear_concat"}]}`
	if err := os.WriteFile(grid, []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, grid
}

// The cell split and the merge: --list prints the 2 × 1 cells; cells 0 and 1 run at once as two
// separate processes into one output directory, one given --cell and the other its index by
// SLURM_ARRAY_TASK_ID; 'bt ablate report' merges both into one table; a rerun skips them.
func TestAblateCellsAsProcessesThenReport(t *testing.T) {
	dir, grid := ablateFixture(t)
	out := filepath.Join(dir, "out")
	common := []string{"ablate", "--grid", grid, "--seeds", "1", "--train", filepath.Join(dir, "shapes", "train.jsonl"),
		"--val", filepath.Join(dir, "shapes", "val.jsonl"), "--out", out, "--device", "cpu"}
	list, err := runBT(t, "ablate", "--grid", grid, "--seeds", "1", "--list")
	if err != nil {
		t.Fatal(err)
	}
	if want := "0\tadd-s1\tadd\t1\ttodo\n1\tlinear_concat-s1\tlinear_concat\t1\ttodo\n"; list != want {
		t.Errorf("--list:\n%q\nwant\n%q", list, want)
	}
	a := btProcess(t, nil, append(common, "--cell", "0")...)
	b := btProcess(t, []string{"SLURM_ARRAY_TASK_ID=1"}, common...)
	var aOut, bOut bytes.Buffer
	a.Stdout, a.Stderr, b.Stdout, b.Stderr = &aOut, &aOut, &bOut, &bOut
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	errA, errB := a.Wait(), b.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("cell 0: %v\n%s\ncell 1: %v\n%s", errA, aOut.String(), errB, bOut.String())
	}
	if _, err := os.Stat(filepath.Join(out, "results.jsonl")); err == nil {
		t.Error("a single cell wrote the merged results")
	}
	if msg, err := runBT(t, "ablate", "report", out); err != nil {
		t.Fatalf("report: %v\n%s", err, msg)
	}
	lines, err := os.ReadFile(filepath.Join(out, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var variants []string
	for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var r struct {
			Cell        int
			Variant     string
			Steps       int
			ParamsAdded int64 `json:"params_added"`
			Metrics     map[string]float64
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		variants = append(variants, r.Variant)
		if r.Steps != 2 || len(r.Metrics) == 0 {
			t.Errorf("cell %d: %d steps, metrics %v", r.Cell, r.Steps, r.Metrics)
		}
		if want := map[string]int64{"add": 0, "linear_concat": 2 * (2*128*128 + 128)}[r.Variant]; r.ParamsAdded != want {
			t.Errorf("%s: params added %d, want %d", r.Variant, r.ParamsAdded, want)
		}
	}
	if strings.Join(variants, " ") != "add linear_concat" {
		t.Errorf("merged variants %v", variants)
	}
	table, _ := os.ReadFile(filepath.Join(out, "table.md"))
	if !strings.Contains(string(table), "| add | add | 1 |") || !strings.Contains(string(table), "| linear_concat | linear_concat | 1 |") || strings.Contains(string(table), "Not finished") {
		t.Errorf("table:\n%s", table)
	}
	report, _ := os.ReadFile(filepath.Join(out, "cells", "linear_concat-s1", "load_report.txt"))
	if !strings.Contains(string(report), "initialised cross_modal_text_link_tower.0.linear.weight [128 256]: identity blocks [1 1]") {
		t.Errorf("load report of linear_concat:\n%s", report)
	}
	again, err := runBT(t, append(common, "--cell", "1")...)
	if err != nil || !strings.Contains(again, "done, skipped") {
		t.Errorf("rerun of a finished cell: %v\n%s", err, again)
	}
}

// A killed cell restarts from its last checkpoint: a cell directory holding a checkpoint of
// step 1 (written by a run of 1 step) continues to step 2 and reports that it resumed.
func TestAblateResumesFromCheckpoint(t *testing.T) {
	dir, grid := ablateFixture(t)
	out := filepath.Join(dir, "out")
	args := []string{"ablate", "--grid", grid, "--seeds", "1", "--train", filepath.Join(dir, "shapes", "train.jsonl"),
		"--val", filepath.Join(dir, "shapes", "val.jsonl"), "--out", out, "--device", "cpu", "--cell", "0"}
	// A first attempt that stops after its first checkpoint: kill the process as soon as
	// checkpoint-1 is complete.
	cmd := btProcess(t, nil, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ck := filepath.Join(out, "cells", "add-s1", "checkpoint-1", "trainer.json")
	killed := false
	for !killed {
		select {
		case <-done:
			t.Skip("the cell finished before it could be killed (nothing to resume)")
		default:
		}
		if _, err := os.Stat(ck); err == nil {
			cmd.Process.Kill()
			<-done
			killed = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(out, "cells", "add-s1", "result.json")); err == nil {
		t.Skip("the cell finished before it was killed")
	}
	msg, err := runBT(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	data, err := os.ReadFile(filepath.Join(out, "cells", "add-s1", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Steps   int
		Resumed bool
	}
	if err := json.Unmarshal(data, &r); err != nil || !r.Resumed || r.Steps != 2 {
		t.Errorf("result after the restart: %s (%v)", data, err)
	}
}
