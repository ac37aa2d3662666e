package train

import (
	"fmt"
	"io"
	"os"
	"time"
)

// This file: the one-line progress display (loss, lr, samples/s, ETA).

// TerminalProgress returns os.Stderr when it is a terminal, else nil (no progress display).
func TerminalProgress() io.Writer {
	fi, err := os.Stderr.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return os.Stderr
}

type progress struct {
	w            io.Writer
	total, first int
	start        time.Time
	samples      int
	printed      bool
}

func newProgress(w io.Writer, total, first int) *progress {
	return &progress{w: w, total: total, first: first, start: time.Now()}
}

// step redraws the line after a step record.
func (p *progress) step(r Record) {
	if p.w == nil {
		return
	}
	p.samples += r.Samples
	el := time.Since(p.start).Seconds()
	line := fmt.Sprintf("step %d/%d  loss %.4f  lr %.3g  %.1f samples/s", r.Step, p.total, r.Loss, r.LR, float64(p.samples)/max(el, 1e-9))
	if done := r.Step - p.first; done > 0 && r.Step < p.total {
		eta := time.Duration(el / float64(done) * float64(p.total-r.Step) * float64(time.Second))
		line += "  ETA " + eta.Round(time.Second).String()
	}
	if r.Skipped {
		line += "  (skipped: " + jsonSafe(r).NonFinite + ")"
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.printed = true
}

func (p *progress) done() {
	if p.w != nil && p.printed {
		fmt.Fprintln(p.w)
	}
}
