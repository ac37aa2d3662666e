package ablate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bridgetower-go/bt/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/bridgetower-go/bt/internal/procstat"
	"github.com/bridgetower-go/bt/model"
)

// CellTrainer trains one cell: the starting model with the variant's config, seeded by the
// cell's seed, in the cell's own directory (checkpoints go there, and a run that finds a
// checkpoint there resumes from it). It returns what it measured.
type CellTrainer interface {
	TrainCell(ctx context.Context, job CellJob) (Outcome, error)
}

// Outcome is what a cell's training measured.
type Outcome struct {
	Metrics  map[string]float64 // final evaluation metrics (e.g. vqa_score, val_loss)
	Steps    int                // optimizer steps done in total
	StepTime float64            // mean seconds per optimizer step (of the steps this process ran)
	Resumed  bool               // started from a checkpoint in the cell directory
	// NewParams are the parameters the starting checkpoint lacked (load report), by name.
	NewParams []string
}

// Result is one finished cell, a line of results.jsonl.
type Result struct {
	Cell          int                `json:"cell"`
	Variant       string             `json:"variant"`
	LinkTowerType string             `json:"link_tower_type"`
	Seed          uint64             `json:"seed"`
	Metrics       map[string]float64 `json:"metrics"`
	Steps         int                `json:"steps"`
	StepTimeS     float64            `json:"step_time_s"`
	PeakRSSBytes  int64              `json:"peak_rss_bytes"` // peak resident set of the process that ran the cell
	BridgeParams  int64              `json:"bridge_params"`  // elements of the transforms and link towers
	ParamsAdded   int64              `json:"params_added"`   // BridgeParams minus HF's default (add, shared transform, separate towers)
	BackboneParam int64              `json:"backbone_params"`
	NewParams     []string           `json:"new_params,omitempty"`
	Start         string             `json:"start"`    // the starting model directory
	Settings      Settings           `json:"settings"` // the fine-tuning settings of the cell
	Resumed       bool               `json:"resumed,omitempty"`
	WallS         float64            `json:"wall_s"`
	Threads       int                `json:"threads"` // GOMAXPROCS of the process that ran the cell
	Started       time.Time          `json:"started"`
	Host          string             `json:"host,omitempty"`
	Finished      time.Time          `json:"finished"`
}

// Runner runs the cells of a grid into Out.
type Runner struct {
	Grid       *Grid
	ModelDir   string         // the starting model directory of a grid without a preset
	MakePreset MakePresetFunc // writes a preset's model directory (grids with a preset)
	Out        string
	Trainer    CellTrainer
	Log        io.Writer // one line per cell (nil: none)
	// PeakRSS returns the process's peak resident set in bytes (nil: PeakRSS of this package).
	PeakRSS func() int64
}

// CellDir is the directory of a cell.
func (r *Runner) CellDir(c Cell) string { return filepath.Join(r.Out, "cells", c.Name()) }

func resultPath(dir string) string { return filepath.Join(dir, "result.json") }

// Done reports whether a cell has finished (its result.json exists).
func (r *Runner) Done(c Cell) bool {
	_, err := os.Stat(resultPath(r.CellDir(c)))
	return err == nil
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// RunCell runs cell i unless it is done; it writes only under the cell's directory (and
// grid.json, if absent), so that cells may run at once in one output directory.
func (r *Runner) RunCell(ctx context.Context, i int) (*Result, error) {
	cells := r.Grid.Cells()
	if i < 0 || i >= len(cells) {
		return nil, fmt.Errorf("ablate: cell %d is outside the grid's 0..%d", i, len(cells)-1)
	}
	c := cells[i]
	if err := r.writeGrid(); err != nil {
		return nil, err
	}
	dir := r.CellDir(c)
	if r.Done(c) {
		r.logf("cell %d %s: done, skipped", i, c.Name())
		return readResult(resultPath(dir))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ablate: %w", err)
	}
	settings, err := r.Grid.CellSettings(c.Variant)
	if err != nil {
		return nil, err
	}
	start, err := r.StartDir(c)
	if err != nil {
		return nil, err
	}
	base, err := baseConfig(start)
	if err != nil {
		return nil, err
	}
	cfg, err := c.Variant.Apply(base)
	if err != nil {
		return nil, err
	}
	res := Result{Cell: i, Variant: c.Variant.Name, LinkTowerType: cfg.LinkTowerType, Seed: c.Seed, Start: start, Settings: settings}
	if res.BridgeParams, res.ParamsAdded, res.BackboneParam, err = CountParams(cfg); err != nil {
		return nil, err
	}
	r.logf("cell %d %s: training (%s)", i, c.Name(), cfg.LinkTowerType)
	began := time.Now()
	res.Started, res.Threads = began.UTC(), runtime.GOMAXPROCS(0)
	out, err := r.Trainer.TrainCell(ctx, CellJob{Cell: c, Config: cfg, Settings: settings, Start: start, Dir: dir})
	if err != nil {
		return nil, fmt.Errorf("ablate: cell %d %s: %w", i, c.Name(), err)
	}
	res.Metrics, res.Steps, res.StepTimeS, res.Resumed, res.NewParams = out.Metrics, out.Steps, out.StepTime, out.Resumed, out.NewParams
	res.WallS = time.Since(began).Seconds()
	peak := r.PeakRSS
	if peak == nil {
		peak = PeakRSS
	}
	res.PeakRSSBytes = peak()
	res.Host, _ = os.Hostname()
	res.Finished = time.Now().UTC()
	data, _ := json.MarshalIndent(res, "", "  ")
	if err := writeFileAtomic(resultPath(dir), append(data, '\n')); err != nil {
		return nil, err
	}
	r.logf("cell %d %s: finished in %.1fs, %s", i, c.Name(), res.WallS, formatMetrics(res.Metrics))
	return &res, nil
}

// RunAll runs every cell that is not done, in order, then writes the report.
func (r *Runner) RunAll(ctx context.Context) error {
	for i := range r.Grid.Cells() {
		if _, err := r.RunCell(ctx, i); err != nil {
			return err
		}
	}
	_, err := WriteReport(r.Out, r.Grid.Metric)
	return err
}

// writeGrid records the resolved grid in Out (first writer wins; later runs must match).
func (r *Runner) writeGrid() error {
	if err := os.MkdirAll(r.Out, 0o755); err != nil {
		return fmt.Errorf("ablate: %w", err)
	}
	data, _ := json.MarshalIndent(r.Grid, "", "  ")
	data = append(data, '\n')
	path := filepath.Join(r.Out, "grid.json")
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		prev, perr := ParseGrid(old, 0)
		if perr != nil || !sameCells(prev, r.Grid) {
			return fmt.Errorf("ablate: %s holds another grid (other variants, seeds, task, preset or train settings); use another --out", path)
		}
		return nil
	case errors.Is(err, os.ErrNotExist):
		return writeFileAtomic(path, data)
	}
	return fmt.Errorf("ablate: %w", err)
}

// sameCells reports whether two grids define the same cells: variants, seeds, task, start
// model and settings (so that a resumed grid does not mix recipes).
func sameCells(a, b *Grid) bool {
	head := func(g *Grid) string {
		s, _ := ParseSettings(g.Train)
		x, _ := json.Marshal([]any{g.Task, g.Model, g.Preset, s})
		return string(x)
	}
	if head(a) != head(b) {
		return false
	}
	ca, cb := a.Cells(), b.Cells()
	if len(ca) != len(cb) {
		return false
	}
	for i := range ca {
		x, _ := json.Marshal(ca[i])
		y, _ := json.Marshal(cb[i])
		if string(x) != string(y) {
			return false
		}
	}
	return true
}

func readResult(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ablate: %w", err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("ablate: %s: %v", path, err)
	}
	return &r, nil
}

// writeFileAtomic is atomicfile.Write with the package's error prefix.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("ablate: %w", err)
	}
	return nil
}

// CountParams counts parameter elements of cfg: the bridge (transforms and link towers), the
// bridge minus that of HF's default layout of the same model (link_tower_type add, a shared
// transform, separate link towers), and the backbone (text, vision and cross groups).
func CountParams(cfg *model.Config) (bridge, added, backbone int64, err error) {
	count := func(c *model.Config) (int64, int64, error) {
		infos, err := model.ParamInfos(c)
		if err != nil {
			return 0, 0, err
		}
		var br, bb int64
		for _, p := range infos {
			n := int64(p.Shape.Size())
			if strings.Contains(p.Name, "_link_tower") || strings.Contains(p.Name, "cross_modal_text_transform") || strings.Contains(p.Name, "cross_modal_image_transform") {
				br += n
			}
			if p.Group == model.GroupText || p.Group == model.GroupVision || p.Group == model.GroupCross {
				bb += n
			}
		}
		return br, bb, nil
	}
	bridge, backbone, err = count(cfg)
	if err != nil {
		return 0, 0, 0, err
	}
	ref := *cfg
	ref.LinkTowerType, ref.ShareCrossModalTransformerLayers, ref.ShareLinkTowerLayers = "add", true, false
	base, _, err := count(&ref)
	if err != nil {
		return 0, 0, 0, err
	}
	return bridge, bridge - base, backbone, nil
}

func formatMetrics(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.4g", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func jsonIndent(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	return append(data, '\n'), err
}

// PeakRSS is the process's peak resident set size in bytes: VmHWM of /proc/self/status on
// Linux; elsewhere the Go runtime's total obtained memory (runtime.MemStats.Sys), a lower bound.
func PeakRSS() int64 {
	if kb := procstat.KB("VmHWM"); kb > 0 {
		return kb << 10
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}
