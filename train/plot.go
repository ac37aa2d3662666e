package train

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// This file: the curves of a run as a PNG: the training loss per step and, when there were
// evaluations, each evaluation metric against the step.

// Plot draws the loss curve (and the evaluation metrics, below it) of History to a PNG file,
// written to a temporary file and renamed.
func (t *Trainer) Plot(path string) error { return plotHistory(t.history, path) }

// PlotMetrics draws the curves of a run's metrics.jsonl (e.g. OUT/metrics.jsonl of bt fine-tune)
// to a PNG file, as Plot does at the end of a run.
func PlotMetrics(metricsPath, pngPath string) error {
	h, _, err := readMetrics(metricsPath)
	if err != nil {
		return fmt.Errorf("train: plot: %w", err)
	}
	return plotHistory(h, pngPath)
}

func plotHistory(history []Record, path string) error {
	loss, valLoss, metrics := curves(history)
	plots := []*plot.Plot{plot.New()}
	plots[0].Title.Text = "training loss"
	plots[0].X.Label.Text = "step"
	if err := plotutil.AddLines(plots[0], "loss", loss); err != nil {
		return fmt.Errorf("train: plot: %w", err)
	}
	if len(valLoss) > 0 {
		l, pts, err := plotter.NewLinePoints(valLoss)
		if err != nil {
			return fmt.Errorf("train: plot: %w", err)
		}
		l.Color, pts.Color, pts.Shape = plotutil.Color(1), plotutil.Color(1), plotutil.Shape(1)
		plots[0].Add(l, pts)
		plots[0].Legend.Add("val loss", l, pts)
	}
	if len(metrics) > 0 {
		p := plot.New()
		p.Title.Text = "evaluation (val)"
		p.X.Label.Text = "step"
		names := make([]string, 0, len(metrics))
		for k := range metrics {
			names = append(names, k)
		}
		sort.Strings(names)
		var args []any
		for _, k := range names {
			args = append(args, k, metrics[k])
		}
		if err := plotutil.AddLinePoints(p, args...); err != nil {
			return fmt.Errorf("train: plot: %w", err)
		}
		plots = append(plots, p)
	}
	const w, h = 8 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(w, h*vg.Length(len(plots)))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1}
	canvases := plot.Align(plotsColumn(plots), tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("train: plot: %w", err)
	}
	_, werr := vgimg.PngCanvas{Canvas: img}.WriteTo(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("train: plot %s: %w", path, werr)
	}
	return nil
}

// curves splits a run's history into the plotted series: the training loss per step, the val
// loss per evaluation (drawn with the training loss: same scale) and every other evaluation
// metric (scores in [0, 1]). Counts ("n", "*.n") are not curves and are left out, so that the
// scores keep their scale.
func curves(history []Record) (loss, valLoss plotter.XYs, metrics map[string]plotter.XYs) {
	metrics = map[string]plotter.XYs{}
	for _, r := range history {
		switch {
		case r.Kind == "step" && !r.Skipped:
			loss = append(loss, plotter.XY{X: float64(r.Step), Y: r.Loss})
		case r.Kind == "eval":
			for k, v := range r.Metrics {
				xy := plotter.XY{X: float64(r.Step), Y: v}
				switch {
				case k == "n" || strings.HasSuffix(k, ".n"):
				case k == "loss":
					valLoss = append(valLoss, xy)
				default:
					metrics[k] = append(metrics[k], xy)
				}
			}
		}
	}
	return loss, valLoss, metrics
}

// plotsColumn arranges plots as rows of one column.
func plotsColumn(ps []*plot.Plot) [][]*plot.Plot {
	out := make([][]*plot.Plot, len(ps))
	for i, p := range ps {
		out[i] = []*plot.Plot{p}
	}
	return out
}
