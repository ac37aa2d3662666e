package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// This file: the text form of a Report.

// WriteText prints the report as a table, one row per case, then the notes and process peaks.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "bt bench: preset %s, device %s, GOMAXPROCS %d (%d CPUs), %s %s, %d warm-up + %d timed runs per case\n\n",
		r.Preset, r.Device, r.Threads, r.CPUs, r.Go, r.Platform, r.Warmup, r.Runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tbatch\tload ms\tcompile ms\tfirst ms\tmedian ms\tmin ms\tmax ms\tCPU ms\tGEMM GFLOP\tGFLOP/s\tthroughput\tpeak RSS MB\t")
	for _, c := range r.Cases {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t\n", c.Name, blank(c.Batch > 0, "%d", c.Batch),
			blank(c.LoadMS > 0, "%.0f", c.LoadMS), blank(c.CompileMS != 0, "%.0f", c.CompileMS), c.FirstMS, c.Median, c.Min, c.Max, c.CPUMedian,
			blank(c.GFLOP > 0, "%.2f", c.GFLOP), blank(c.GFLOPS > 0, "%.1f", c.GFLOPS), throughput(c.Throughput, c.Unit),
			blank(c.PeakRSSMB > 0, "%.0f", c.PeakRSSMB))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range r.Cases {
		if c.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", c.Name, c.Note)
		}
	}
	if hasKind(r.Cases, KindTrain) {
		fmt.Fprintln(w, "train compile ms = first step - median step (the trainer compiles inside its first step)")
	}
	fmt.Fprintln(w, "CPU ms: median process CPU time (user + system, all threads) of the timed runs")
	peak := "peak RSS per case: VmHWM, reset before each case (includes what earlier cases keep resident)"
	if !r.PeakResets {
		peak = "peak RSS per case: not available here (no /proc/self/clear_refs)"
	}
	fmt.Fprintln(w, peak)
	_, err := fmt.Fprintf(w, "process: peak RSS %.0f MB (largest of getrusage ru_maxrss and VmHWM before each reset), total %.1f s\n", r.PeakRSSMB, r.TotalMS/1e3)
	return err
}

func blank(ok bool, format string, v any) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func throughput(v float64, unit string) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM %s", v/1e6, unit)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk %s", v/1e3, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

func hasKind(cs []Case, kind string) bool {
	for _, c := range cs {
		if strings.EqualFold(c.Kind, kind) {
			return true
		}
	}
	return false
}
