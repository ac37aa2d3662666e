package ablate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/train/data"
)

// The recipe of bt fine-tune (--batch-size 32 --lr 3e-4 --lr-mult-cross 1 --lr-mult-head 1
// --warmup 0.03, 600 steps) in a grid: every key lands in Settings, a variant's keys override
// the grid's one by one, a warm-up below 1 is a share of the steps (0.03 · 600 = 18) and one of
// 1 or more a number of steps.
func TestSettingsRecipeAndOverride(t *testing.T) {
	g, err := ParseGrid([]byte(`{"preset": {"name": "tiny", "patch_size": 16}, "task": "vqa", "seeds": [1],
	  "train": {"steps": 600, "batch_size": 32, "lr": 3e-4, "lr_mult_cross": 1, "lr_mult_head": 1, "warmup": 0.03, "eval_every": 200, "clip": 0},
	  "variants": [{"link_tower_type": "add"}, {"link_tower_type": "none", "train": {"lr": 1e-3, "warmup": 12, "steps": 300}}]}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := g.CellSettings(g.Variants[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.Steps != 600 || a.BatchSize != 32 || a.LR != 3e-4 || a.LRMultCross != 1 || a.LRMultHead != 1 || a.EvalEvery != 200 ||
		*a.Clip != 0 || a.WarmupSteps() != 18 || *a.WeightDecay != 0.01 || a.CheckpointEvery != 150 || a.EvalBatchSize != 64 {
		t.Errorf("grid settings: %+v (warm-up %d steps)", a, a.WarmupSteps())
	}
	b, err := g.CellSettings(g.Variants[1])
	if err != nil {
		t.Fatal(err)
	}
	if b.LR != 1e-3 || b.Steps != 300 || b.WarmupSteps() != 12 || b.BatchSize != 32 || b.LRMultCross != 1 || b.CheckpointEvery != 75 {
		t.Errorf("variant settings: %+v (warm-up %d steps)", b, b.WarmupSteps())
	}
	// Defaults are bt fine-tune's: batch 32, lr 1e-4, multipliers 5, warm-up 0.1, clip 1.
	d, err := ParseSettings(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.BatchSize != 32 || d.LR != 1e-4 || d.LRMultCross != 5 || d.LRMultHead != 5 || *d.Clip != 1 || d.WarmupSteps() != 20 || d.TextLen != 0 {
		t.Errorf("defaults: %+v", d)
	}
	for _, tc := range []struct{ train, err string }{
		{`{"lr_mult": 1}`, `unknown field "lr_mult"`},
		{`{"warmup": 1.5}`, "warmup 1.5"},
		{`{"steps": 10, "warmup": 11}`, "warmup 11"},
		{`{"lr_mult_head": -1}`, "lr_mult_head -1"},
		{`{"dtype": "f16"}`, `dtype "f16"`},
	} {
		_, err := ParseGrid([]byte(`{"model": "m", "seeds": [1], "variants": [{"link_tower_type": "add", "train": `+tc.train+`}]}`), 0)
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "variants[0] add") {
			t.Errorf("variant train %s: error %v, want %q", tc.train, err, tc.err)
		}
	}
}

// A preset is resolved against the preset's config (tiny: patch 8, image 64) and checked; a
// variant's preset fields override the grid's; model and preset exclude each other.
func TestGridPreset(t *testing.T) {
	g, err := ParseGrid([]byte(`{"preset": {"name": "tiny", "patch_size": 16}, "seeds": [2],
	  "variants": [{"link_tower_type": "add"}, {"name": "add-p8", "link_tower_type": "add", "preset": {"patch_size": 8, "seed": 7}}]}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	p0, ok0 := g.CellPreset(g.Variants[0])
	p1, ok1 := g.CellPreset(g.Variants[1])
	if !ok0 || !ok1 || p0 != (Preset{Name: "tiny", PatchSize: 16, ImageSize: 64}) || p1 != (Preset{Name: "tiny", PatchSize: 8, ImageSize: 64, Seed: 7}) {
		t.Errorf("presets %+v %+v", p0, p1)
	}
	if k0, k1 := p0.key(2), p1.key(2); k0 != "tiny-p16-i64-s2" || k1 != "tiny-p8-i64-s7" || p0.WeightsSeed(2) != 2 || p1.WeightsSeed(2) != 7 {
		t.Errorf("keys %s %s", k0, k1)
	}
	for _, tc := range []struct{ grid, err string }{
		{`{"model": "m", "preset": {"name": "tiny"}, "seeds": [1], "variants": [{"link_tower_type": "add"}]}`, `"model" or "preset", not both`},
		{`{"preset": {"name": "tiny", "patch_size": 24}, "seeds": [1], "variants": [{"link_tower_type": "add"}]}`, "patch_size 24"},
		{`{"preset": {"name": "huge"}, "seeds": [1], "variants": [{"link_tower_type": "add"}]}`, `"huge"`},
		{`{"model": "m", "seeds": [1], "variants": [{"link_tower_type": "add", "preset": {"patch_size": 16}}]}`, "the grid has none"},
		{`{"model": "m", "task": "captioning", "seeds": [1], "variants": [{"link_tower_type": "add"}]}`, `task "captioning"`},
	} {
		if _, err := ParseGrid([]byte(tc.grid), 0); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.grid, err, tc.err)
		}
	}
}

// A grid recorded in OUT is another grid when its recipe differs, not only its cells.
func TestSameCellsComparesRecipe(t *testing.T) {
	const a = `{"preset": {"name": "tiny"}, "seeds": [1], "train": {"lr": 3e-4}, "variants": [{"link_tower_type": "add"}]}`
	ga, _ := ParseGrid([]byte(a), 0)
	for _, b := range []string{
		strings.Replace(a, "3e-4", "1e-4", 1),
		strings.Replace(a, `"tiny"`, `"tiny", "patch_size": 16`, 1),
		strings.Replace(a, `"seeds"`, `"task": "retrieval", "seeds"`, 1),
	} {
		gb, err := ParseGrid([]byte(b), 0)
		if err != nil {
			t.Fatal(err)
		}
		if sameCells(ga, gb) {
			t.Errorf("%s counted as the grid %s", b, a)
		}
	}
	// The resolved grid as written to grid.json reads back as the same grid.
	data, _ := json.Marshal(ga)
	back, err := ParseGrid(data, 0)
	if err != nil || !sameCells(ga, back) {
		t.Errorf("grid.json round trip: %v", err)
	}
}

// The table's columns follow the task: retrieval shows ITM accuracy and recall@1/5/10 both
// ways, not the per-type metrics results.jsonl keeps; classification shows accuracy.
func TestTableColumnsFollowTask(t *testing.T) {
	m := map[string]float64{"itm_accuracy": 0.75, "ir_r1": 0.1, "ir_r5": 0.5, "ir_r10": 0.9, "tr_r1": 0.2, "tr_r5": 0.6, "tr_r10": 1,
		"val_loss": 0.6, "train_loss": 0.7, "vqa_score.color": 0.3}
	sums := Summarise([]Result{{Variant: "add", LinkTowerType: "add", Seed: 1, Metrics: m}})
	cols := TaskMetrics(data.TaskRetrieval)
	table := Table(sums, cols[0], cols, nil)
	head := strings.SplitN(table, "\n", 2)[0]
	want := "| variant | link tower | seeds | itm_accuracy (mean ± std) | ir_r1 (mean ± std) | ir_r5 (mean ± std) | ir_r10 (mean ± std) | tr_r1 (mean ± std) | tr_r5 (mean ± std) | tr_r10 (mean ± std) | val_loss (mean ± std) | train_loss (mean ± std) | itm_accuracy spread (max − min) |"
	if !strings.HasPrefix(head, want) {
		t.Errorf("retrieval header\n%s\nwant prefix\n%s", head, want)
	}
	if !strings.Contains(table, "| add | add | 1 | 0.7500 ± 0.0000 | 0.1000 ± 0.0000 |") {
		t.Errorf("retrieval row:\n%s", table)
	}
	cls := TaskMetrics(data.TaskClassification)
	if cls[0] != "accuracy" || len(cls) != 3 || TaskMetrics(data.TaskVQA)[0] != "vqa_score" {
		t.Errorf("task metrics %v %v", cls, TaskMetrics(data.TaskVQA))
	}
	if all := Table(sums, "ir_r1", nil, nil); !strings.Contains(all, "vqa_score.color (mean ± std)") {
		t.Errorf("columns nil: every metric expected:\n%s", all)
	}
}

// The shipped grid for the rerun parses to 6 variants × 3 seeds from the tiny preset with
// patch 16 and bt fine-tune's recipe: 600 steps of 32, lr 3e-4 with multipliers 1, warm-up
// 0.03 · 600 = 18 steps.
func TestExampleShapesGrid(t *testing.T) {
	g, err := LoadGrid("examples/shapes-6x3.json", 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.Cells()); n != 18 || len(g.Variants) != 6 || g.Task != "vqa" {
		t.Fatalf("%d cells, %d variants, task %q", n, len(g.Variants), g.Task)
	}
	p, ok := g.CellPreset(g.Variants[0])
	if !ok || p != (Preset{Name: "tiny", PatchSize: 16, ImageSize: 64}) {
		t.Errorf("preset %+v", p)
	}
	for _, v := range g.Variants {
		s, err := g.CellSettings(v)
		if err != nil {
			t.Fatal(err)
		}
		if s.Steps != 600 || s.BatchSize != 32 || s.LR != 3e-4 || s.LRMultCross != 1 || s.LRMultHead != 1 || s.WarmupSteps() != 18 {
			t.Errorf("%s: %+v", v.Name, s)
		}
	}
}
