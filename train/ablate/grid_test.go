package ablate

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/model"
)

const testGrid = `{"model": "m", "metric": "vqa_score",
  "variants": [{"link_tower_type": "add"}, {"name": "lin-shared", "link_tower_type": "linear_add", "config": {"share_link_tower_layers": true, "bt_bridge_layers": "every_other"}},
    {"link_tower_type": "none"}]}`

// Cells are variant-major (cell v·S + s), named <variant>-s<seed>; --seeds N gives seeds 1..N.
func TestGridCells(t *testing.T) {
	g, err := ParseGrid([]byte(testGrid), 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, c := range g.Cells() {
		if c.Index != i {
			t.Errorf("cell %d has index %d", i, c.Index)
		}
		names = append(names, c.Name())
	}
	want := "add-s1 add-s2 lin-shared-s1 lin-shared-s2 none-s1 none-s2"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("cells %s, want %s", got, want)
	}
	for _, tc := range []struct{ grid, err string }{
		{`{"variants": [{"link_tower_type": "add"}]}`, "no seeds"},
		{`{"seeds": [1, 1], "variants": [{"link_tower_type": "add"}]}`, "seed 1 is listed twice"},
		{`{"seeds": [1], "variants": [{"link_tower_type": "add"}, {"name": "add"}]}`, `name "add" is used twice`},
		{`{"seeds": [1], "variants": [{"name": "a/b"}]}`, `name "a/b"`},
		{`{"seeds": [1], "variant": []}`, `unknown field "variant"`},
	} {
		if _, err := ParseGrid([]byte(tc.grid), 0); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.grid, err, tc.err)
		}
	}
}

// SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX; neither: not set; garbage: an error.
func TestCellFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		i    int
		ok   bool
		fail bool
	}{
		{map[string]string{"SLURM_ARRAY_TASK_ID": "4", "JOB_COMPLETION_INDEX": "7"}, 4, true, false},
		{map[string]string{"JOB_COMPLETION_INDEX": "7"}, 7, true, false},
		{map[string]string{}, 0, false, false},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "x"}, 0, false, true},
	} {
		i, ok, err := CellFromEnv(env(tc.env))
		if i != tc.i || ok != tc.ok || (err != nil) != tc.fail {
			t.Errorf("%v: %d %v %v", tc.env, i, ok, err)
		}
	}
}

// A variant's config keys (typed HF fields and bt_ keys) land on the starting config; bad
// ones are refused naming the variant.
func TestVariantApply(t *testing.T) {
	base, err := model.PresetConfig("tiny", 100)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGrid([]byte(testGrid), 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := g.Variants[1].Apply(base)
	if err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Wiring()
	if err != nil || cfg.LinkTowerType != "linear_add" || !cfg.ShareLinkTowerLayers || w.Text[0] != 1 || w.Text[1] != 3 {
		t.Errorf("applied: %s shared %v wiring %v %v", cfg.LinkTowerType, cfg.ShareLinkTowerLayers, w.Text, err)
	}
	if base.LinkTowerType != "add" || base.ShareLinkTowerLayers {
		t.Error("Apply changed the base config")
	}
	bad := Variant{Name: "x", LinkTowerType: "concat_everything"}
	if _, err := bad.Apply(base); err == nil || !strings.Contains(err.Error(), "variant x") || !strings.Contains(err.Error(), "concat_everything") {
		t.Errorf("unknown variant: %v", err)
	}
}

// Parameter counts by hand for the tiny preset (D = 128, 2 cross-modal layers: one link tower
// per side): add has the transforms 2·(128·128+128) and 2 towers' LayerNorms 2·256.
func TestCountParams(t *testing.T) {
	base, err := model.PresetConfig("tiny", 100)
	if err != nil {
		t.Fatal(err)
	}
	const d = 128
	transforms := int64(2 * (d*d + d))
	for _, tc := range []struct {
		variant string
		added   int64
	}{
		{"add", 0},
		{"scaled_add", 2},
		{"linear_add", 2 * (d*d + d)},
		{"linear_concat", 2 * (2*d*d + d)},
		{"gated_interpolate", 2 * (2*d*d + d)},
		{"none", -2 * 2 * d},
	} {
		cfg, err := Variant{Name: tc.variant, LinkTowerType: tc.variant}.Apply(base)
		if err != nil {
			t.Fatal(err)
		}
		bridge, added, _, err := CountParams(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if added != tc.added || bridge != transforms+2*2*d+tc.added {
			t.Errorf("%s: bridge %d added %d, want added %d", tc.variant, bridge, added, tc.added)
		}
	}
}

// Mean and sample std of 1, 2, 4: 7/3 and sqrt(((4/3)² + (1/3)² + (5/3)²)/2) = sqrt(7/3).
func TestStat(t *testing.T) {
	s := NewStat([]float64{1, 2, 4})
	if s.N != 3 || math.Abs(s.Mean-7.0/3) > 1e-15 || math.Abs(s.Std-math.Sqrt(7.0/3)) > 1e-15 || s.Min != 1 || s.Max != 4 {
		t.Errorf("%+v", s)
	}
	if one := NewStat([]float64{5}); one.Std != 0 || one.Mean != 5 {
		t.Errorf("%+v", one)
	}
}

// Report merges result.json files of cells into results.jsonl, the table (with missing cells)
// and the plot; a second report gives the same files.
func TestReportMerges(t *testing.T) {
	dir := t.TempDir()
	g, err := ParseGrid([]byte(testGrid), 2)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Grid: g, Out: dir}
	if err := r.writeGrid(); err != nil {
		t.Fatal(err)
	}
	score := map[string]float64{"add-s1": 0.5, "add-s2": 0.7, "none-s1": 0.25}
	for _, c := range g.Cells() {
		v, ok := score[c.Name()]
		if !ok {
			continue
		}
		res := Result{Cell: c.Index, Variant: c.Variant.Name, LinkTowerType: c.Variant.LinkTowerType, Seed: c.Seed,
			Metrics: map[string]float64{"vqa_score": v, "val_loss": 1 - v}, StepTimeS: 0.01, PeakRSSBytes: 64 << 20}
		if err := os.MkdirAll(r.CellDir(c), 0o755); err != nil {
			t.Fatal(err)
		}
		data, _ := jsonIndent(res)
		if err := writeFileAtomic(resultPath(r.CellDir(c)), data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteReport(dir, ""); err != nil {
		t.Fatal(err)
	}
	table, _ := os.ReadFile(filepath.Join(dir, "table.md"))
	lines, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	for _, want := range []string{"| add | add | 2 | 0.6000 ± 0.1414 |", "| none | none | 1 | 0.2500 ± 0.0000 |", "Not finished (3): 2 lin-shared-s1, 3 lin-shared-s2, 5 none-s2", "vqa_score (mean ± std)"} {
		if !strings.Contains(string(table), want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if n := strings.Count(string(lines), "\n"); n != 3 {
		t.Errorf("results.jsonl has %d lines, want 3", n)
	}
	if st, err := os.Stat(filepath.Join(dir, "plot.png")); err != nil || st.Size() < 1000 {
		t.Errorf("plot.png: %v", err)
	}
	other, _ := ParseGrid([]byte(testGrid), 3)
	if err := (&Runner{Grid: other, Out: dir}).writeGrid(); err == nil {
		t.Error("a grid with other seeds accepted into the same output directory")
	}
}

// PeakRSS counts memory the process has touched: after writing 64 MiB it is at least that.
func TestPeakRSS(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	if p := PeakRSS(); p < int64(len(buf)) {
		t.Errorf("peak RSS %d bytes after touching %d", p, len(buf))
	}
	runtime.KeepAlive(buf)
}
