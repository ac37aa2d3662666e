package ablate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Summary is one variant's row of the report: every metric over the finished seeds.
type Summary struct {
	Variant       string
	LinkTowerType string
	Seeds         []uint64
	Metrics       map[string]Stat
	BridgeParams  int64
	ParamsAdded   int64
	StepTimeS     Stat
	PeakRSSBytes  Stat
}

// Stat is the mean, the sample standard deviation (n-1; 0 for one value), min and max of n values.
type Stat struct {
	N                   int
	Mean, Std, Min, Max float64
}

// NewStat summarises values.
func NewStat(v []float64) Stat {
	s := Stat{N: len(v)}
	if len(v) == 0 {
		return s
	}
	s.Min, s.Max = v[0], v[0]
	for _, x := range v {
		s.Mean += x
		s.Min, s.Max = math.Min(s.Min, x), math.Max(s.Max, x)
	}
	s.Mean /= float64(len(v))
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(len(v)-1))
	}
	return s
}

// Collect reads every finished cell's result.json under dir/cells, sorted by cell index.
func Collect(dir string) ([]Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "cells", "*", "result.json"))
	if err != nil {
		return nil, fmt.Errorf("ablate: %w", err)
	}
	var out []Result
	seen := map[int]string{}
	for _, p := range paths {
		r, err := readResult(p)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[r.Cell]; ok {
			return nil, fmt.Errorf("ablate: cell %d has two results: %s and %s", r.Cell, prev, p)
		}
		seen[r.Cell] = p
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cell < out[j].Cell })
	return out, nil
}

// Summarise groups results by variant, in order of first appearance (cell order).
func Summarise(results []Result) []Summary {
	var out []Summary
	at := map[string]int{}
	vals := map[string]map[string][]float64{}
	var steps, peaks = map[string][]float64{}, map[string][]float64{}
	for _, r := range results {
		i, ok := at[r.Variant]
		if !ok {
			i = len(out)
			at[r.Variant] = i
			out = append(out, Summary{Variant: r.Variant, LinkTowerType: r.LinkTowerType, BridgeParams: r.BridgeParams, ParamsAdded: r.ParamsAdded})
			vals[r.Variant] = map[string][]float64{}
		}
		out[i].Seeds = append(out[i].Seeds, r.Seed)
		for k, v := range r.Metrics {
			vals[r.Variant][k] = append(vals[r.Variant][k], v)
		}
		steps[r.Variant] = append(steps[r.Variant], r.StepTimeS)
		peaks[r.Variant] = append(peaks[r.Variant], float64(r.PeakRSSBytes))
	}
	for i := range out {
		s := &out[i]
		s.Metrics = map[string]Stat{}
		for k, v := range vals[s.Variant] {
			s.Metrics[k] = NewStat(v)
		}
		s.StepTimeS, s.PeakRSSBytes = NewStat(steps[s.Variant]), NewStat(peaks[s.Variant])
	}
	return out
}

// metricNames lists the metrics of the summaries, the headline first: those of columns that
// some summary has, in that order, or (columns nil) every metric, sorted.
func metricNames(sums []Summary, headline string, columns []string) []string {
	set := map[string]bool{}
	for _, s := range sums {
		for k := range s.Metrics {
			set[k] = true
		}
	}
	var out []string
	if columns != nil {
		for _, k := range columns {
			if set[k] && k != headline {
				out = append(out, k)
			}
		}
	} else {
		for k := range set {
			if k != headline {
				out = append(out, k)
			}
		}
		sort.Strings(out)
	}
	if set[headline] {
		out = append([]string{headline}, out...)
	}
	return out
}

// Table renders the summaries as markdown: per metric mean ± sample std (n seeds) and the
// spread (max − min) of the headline metric, parameters, step time and peak memory. columns
// are the metrics shown (TaskMetrics of the grid's task; nil: every metric).
func Table(sums []Summary, headline string, columns []string, missing []string) string {
	names := metricNames(sums, headline, columns)
	if headline == "" && len(names) > 0 {
		headline = names[0]
	}
	var b strings.Builder
	b.WriteString("| variant | link tower | seeds |")
	for _, m := range names {
		fmt.Fprintf(&b, " %s (mean ± std) |", m)
	}
	fmt.Fprintf(&b, " %s spread (max − min) | params added | bridge params | step time (ms) | peak RSS (MiB) |\n", headline)
	b.WriteString("|---|---|---|")
	for range names {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|---|\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "| %s | %s | %d |", s.Variant, s.LinkTowerType, len(s.Seeds))
		for _, m := range names {
			st, ok := s.Metrics[m]
			if !ok {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %.4f ± %.4f |", st.Mean, st.Std)
		}
		h := s.Metrics[headline]
		fmt.Fprintf(&b, " %.4f | %+d | %d | %.1f ± %.1f | %.0f |\n", h.Max-h.Min, s.ParamsAdded, s.BridgeParams,
			1000*s.StepTimeS.Mean, 1000*s.StepTimeS.Std, s.PeakRSSBytes.Max/(1<<20))
	}
	b.WriteString("\nstd is the sample standard deviation over seeds (n − 1); params added is relative to HF's default bridge (add, shared transforms, separate link towers); step time is the mean per optimizer step of each run, averaged over seeds; peak RSS is the largest over seeds of the peak resident set of the process that ran the cell.\n")
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\nNot finished (%d): %s\n", len(missing), strings.Join(missing, ", "))
	}
	return b.String()
}

// WriteReport rebuilds results.jsonl, table.md and plot.png of dir from the finished cells
// (merging cells that separate processes or machines wrote). The table's columns are the
// metrics of the task recorded in dir/grid.json (TaskMetrics; all metrics when it names none);
// headline "" takes the grid's metric, else the task's first, else the first metric name.
// It returns the summaries.
func WriteReport(dir, headline string) ([]Summary, error) {
	results, err := Collect(dir)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("ablate: %s has no finished cells (cells/*/result.json)", dir)
	}
	var missing, columns []string
	if data, err := os.ReadFile(filepath.Join(dir, "grid.json")); err == nil {
		g, err := ParseGrid(data, 0)
		if err != nil {
			return nil, err
		}
		if headline == "" {
			headline = g.Metric
		}
		if task, err := ParseTask(g.Task); err == nil {
			columns = TaskMetrics(task)
			if headline == "" {
				headline = columns[0]
			}
		}
		done := map[int]bool{}
		for _, r := range results {
			done[r.Cell] = true
		}
		for _, c := range g.Cells() {
			if !done[c.Index] {
				missing = append(missing, fmt.Sprintf("%d %s", c.Index, c.Name()))
			}
		}
	}
	var lines bytes.Buffer
	for _, r := range results {
		data, _ := json.Marshal(r)
		lines.Write(append(data, '\n'))
	}
	if err := writeFileAtomic(filepath.Join(dir, "results.jsonl"), lines.Bytes()); err != nil {
		return nil, err
	}
	sums := Summarise(results)
	if names := metricNames(sums, headline, columns); headline == "" && len(names) > 0 {
		headline = names[0]
	}
	md := "# Ablation: " + filepath.Base(filepath.Clean(dir)) + "\n\n" + Table(sums, headline, columns, missing)
	if err := writeFileAtomic(filepath.Join(dir, "table.md"), []byte(md)); err != nil {
		return nil, err
	}
	if err := Plot(filepath.Join(dir, "plot.png"), results, sums, headline); err != nil {
		return nil, err
	}
	return sums, nil
}
