package ablate

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot draws the headline metric per variant as a PNG: each seed's value as a point and the
// mean ± sample std as an error bar, written through a temporary file and a rename.
func Plot(path string, results []Result, sums []Summary, metric string) error {
	p := plot.New()
	p.Title.Text = "bridge ablation: " + metric + " (points: seeds; bars: mean ± std)"
	p.Y.Label.Text = metric
	at := map[string]int{}
	names := make([]string, len(sums))
	for i, s := range sums {
		at[s.Variant] = i
		names[i] = s.Variant
	}
	var pts plotter.XYs
	for _, r := range results {
		if v, ok := r.Metrics[metric]; ok {
			pts = append(pts, plotter.XY{X: float64(at[r.Variant]), Y: v})
		}
	}
	var means plotter.XYs
	var errs plotter.YErrors
	for i, s := range sums {
		st, ok := s.Metrics[metric]
		if !ok {
			continue
		}
		means = append(means, plotter.XY{X: float64(i), Y: st.Mean})
		errs = append(errs, struct{ Low, High float64 }{st.Std, st.Std})
	}
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("ablate: plot: %w", err)
		}
		sc.GlyphStyle.Color = color.RGBA{R: 90, G: 90, B: 200, A: 255}
		sc.GlyphStyle.Radius = vg.Points(2.5)
		p.Add(sc)
	}
	if len(means) > 0 {
		eb := &struct {
			plotter.XYs
			plotter.YErrors
		}{means, errs}
		bars, err := plotter.NewYErrorBars(eb)
		if err != nil {
			return fmt.Errorf("ablate: plot: %w", err)
		}
		bars.LineStyle.Width = vg.Points(1.5)
		m, err := plotter.NewScatter(means)
		if err != nil {
			return fmt.Errorf("ablate: plot: %w", err)
		}
		m.GlyphStyle.Shape = draw.BoxGlyph{}
		m.GlyphStyle.Color = color.RGBA{R: 200, G: 40, B: 40, A: 255}
		p.Add(bars, m)
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	p.Add(plotter.NewGrid())
	w := vg.Length(max(6, len(names))) * vg.Inch * 0.9
	img := vgimg.New(w, 5*vg.Inch)
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("ablate: plot: %w", err)
	}
	return writeFileAtomic(filepath.Clean(path), buf.Bytes())
}
