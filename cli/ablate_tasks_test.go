package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/train/data"
)

// taskSplits derives classification rows (question → its answer as the label) and retrieval
// rows (question as the caption) from a small shapes set (for the fine-tune, eval and ablate tests).
func taskSplits(t *testing.T, dir string) map[string][2]string {
	t.Helper()
	sets := filepath.Join(dir, "shapes")
	if _, err := data.GenerateShapes(sets, data.ShapesOptions{N: 80, Seed: 4, Size: 32, PerImage: 1, ValFraction: 0.25}); err != nil {
		t.Fatal(err)
	}
	var cls, ret []string
	readJSONL(t, filepath.Join(sets, "train.jsonl"), func(line []byte) {
		var r struct {
			Image    string
			Question string
			Answers  []struct{ Answer string }
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		c, _ := json.Marshal(map[string]string{"image": r.Image, "text": r.Question, "label": r.Answers[0].Answer})
		q, _ := json.Marshal(map[string]string{"image": r.Image, "caption": r.Question})
		cls, ret = append(cls, string(c)), append(ret, string(q))
	})
	write := func(name string, rows []string) string {
		p := filepath.Join(sets, name)
		if err := os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return map[string][2]string{
		"classify":  {write("cls.jsonl", cls), write("cls_val.jsonl", cls[:20])},
		"retrieval": {write("ret.jsonl", ret), write("ret_val.jsonl", ret[:12])},
	}
}

// bt ablate --task retrieval and --task classify train each cell with the task's head (ITM with
// sampled negatives; the classifier over the training labels) for 2 steps from the tiny preset,
// and the table's columns are the task's metrics: ITM accuracy and recall@1/5/10 both ways, or
// accuracy, each with val_loss and train_loss, headline first. A grid naming another task than
// --task is refused.
func TestAblateRetrievalAndClassify(t *testing.T) {
	dir := t.TempDir()
	splits := taskSplits(t, dir)
	for _, tc := range []struct {
		task, head string
		columns    []string
	}{
		{"retrieval", "itm", []string{"itm_accuracy", "ir_r1", "ir_r5", "ir_r10", "tr_r1", "tr_r5", "tr_r10", "val_loss", "train_loss"}},
		{"classify", "classifier", []string{"accuracy", "val_loss", "train_loss"}},
	} {
		grid := filepath.Join(dir, tc.task+".json")
		g := `{"preset": {"name": "tiny", "patch_size": 16, "image_size": 32}, "seeds": [1],
		  "train": {"steps": 2, "batch_size": 4, "lr": 3e-4, "lr_mult_cross": 1, "lr_mult_head": 1, "recall_texts": 8},
		  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "interpolate"}]}`
		if err := os.WriteFile(grid, []byte(g), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out-"+tc.task)
		msg, err := runBT(t, "ablate", "--grid", grid, "--task", tc.task, "--train", splits[tc.task][0], "--val", splits[tc.task][1],
			"--out", out, "--device", "cpu", "--in-process")
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.task, err, msg)
		}
		for _, cell := range []string{"add-s1", "interpolate-s1"} {
			var r struct {
				Steps   int
				Metrics map[string]float64
			}
			b, err := os.ReadFile(filepath.Join(out, "cells", cell, "result.json"))
			if err == nil {
				err = json.Unmarshal(b, &r)
			}
			if err != nil || r.Steps != 2 {
				t.Fatalf("%s %s: %v %s", tc.task, cell, err, b)
			}
			for _, k := range tc.columns {
				if x, ok := r.Metrics[k]; !ok || !(x >= 0) {
					t.Errorf("%s %s: metric %s missing or negative in %v", tc.task, cell, k, r.Metrics)
				}
			}
			for _, k := range []string{"vqa_score", "n", "loss"} {
				if _, ok := r.Metrics[k]; ok {
					t.Errorf("%s %s: metric %s should not be there: %v", tc.task, cell, k, r.Metrics)
				}
			}
			report, _ := os.ReadFile(filepath.Join(out, "cells", cell, "load_report.txt"))
			if !strings.HasPrefix(string(report), "load for heads ["+tc.head+"]") {
				t.Errorf("%s %s: the cell did not load for the %s head:\n%s", tc.task, cell, tc.head, report)
			}
		}
		table, _ := os.ReadFile(filepath.Join(out, "table.md"))
		var head []string
		for _, c := range tc.columns {
			head = append(head, c+" (mean ± std)")
		}
		want := "| variant | link tower | seeds | " + strings.Join(head, " | ") + " | " + tc.columns[0] + " spread (max − min) |"
		if !strings.Contains(string(table), want) || !strings.Contains(string(table), "| interpolate | interpolate | 1 |") {
			t.Errorf("%s table lacks header\n%s\n%s", tc.task, want, table)
		}
	}
	other := filepath.Join(dir, "vqa.json")
	if err := os.WriteFile(other, []byte(`{"task": "vqa", "preset": {"name": "tiny"}, "seeds": [1], "variants": [{"link_tower_type": "add"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runMain(t, "ablate", "--grid", other, "--task", "retrieval", "--train", splits["retrieval"][0], "--val", splits["retrieval"][1], "--out", filepath.Join(dir, "x"))
	if code != ExitUsage || !strings.Contains(stderr, "the grid's task is vqa") {
		t.Errorf("--task against the grid's task: exit %d, %s", code, stderr)
	}
}
