package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"
)

// This file: metrics as JSON lines (metrics.jsonl in the output directory), one record per step
// and one per evaluation, and the one-line progress display (loss, lr, samples/s, ETA).

// Record is one line of metrics.jsonl.
type Record struct {
	Kind     string             `json:"kind"` // "step" or "eval"
	Step     int                `json:"step"` // optimizer updates done after it
	Loss     float64            `json:"loss,omitempty"`
	GradNorm float64            `json:"grad_norm,omitempty"`
	LR       float64            `json:"lr,omitempty"` // base lr × schedule factor
	Samples  int                `json:"samples,omitempty"`
	Seconds  float64            `json:"seconds,omitempty"` // wall time of the step
	Skipped  bool               `json:"skipped,omitempty"`
	Metrics  map[string]float64 `json:"metrics,omitempty"` // evaluation metrics
	// NonFinite names the values that were NaN or ±Inf (written as 0), e.g. "loss=NaN".
	NonFinite string `json:"non_finite,omitempty"`
}

// metricsLog appends records to a file.
type metricsLog struct {
	f   *os.File
	enc *json.Encoder
}

func openMetrics(dir string) (*metricsLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return &metricsLog{f: f, enc: json.NewEncoder(f)}, nil
}

func (l *metricsLog) write(r Record) error {
	if l == nil {
		return nil
	}
	if err := l.enc.Encode(jsonSafe(r)); err != nil {
		return fmt.Errorf("train: metrics.jsonl: %w", err)
	}
	return nil
}

func (l *metricsLog) close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// jsonSafe replaces non-finite numbers (which JSON cannot hold) by 0 and names them in NonFinite.
func jsonSafe(r Record) Record {
	fix := func(name string, v *float64) {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			if r.NonFinite != "" {
				r.NonFinite += " "
			}
			r.NonFinite += fmt.Sprintf("%s=%v", name, *v)
			*v = 0
		}
	}
	fix("loss", &r.Loss)
	fix("grad_norm", &r.GradNorm)
	fix("lr", &r.LR)
	if len(r.Metrics) > 0 {
		m := make(map[string]float64, len(r.Metrics))
		for k, v := range r.Metrics {
			fix(k, &v)
			m[k] = v
		}
		r.Metrics = m
	}
	return r
}

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

// readMetrics reads a metrics.jsonl: its records and their lines as written. A last line without
// its newline that does not parse is a line cut by a kill and is dropped; any other bad line is an
// error naming the file and line.
func readMetrics(path string) ([]Record, [][]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var recs []Record
	var lines [][]byte
	segs := bytes.Split(raw, []byte("\n"))
	for i, line := range segs {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			if i == len(segs)-1 {
				break
			}
			return nil, nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		recs, lines = append(recs, r), append(lines, line)
	}
	return recs, lines, nil
}

// replayMetrics reads dir/metrics.jsonl back for a run resumed after step: the records up to and
// including step (the first of each, should a killed run have logged steps that the resumed run
// repeats) become the history again, so that curves.png shows the whole run, and the file is
// rewritten with only those records (temporary file, renamed), so that it holds each step once.
// A missing file gives no history.
func replayMetrics(dir string, step int) ([]Record, error) {
	path := filepath.Join(dir, "metrics.jsonl")
	recs, lines, err := readMetrics(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	type key struct {
		kind string
		step int
	}
	var kept []Record
	var out bytes.Buffer
	seen := map[key]bool{}
	for i, r := range recs {
		k := key{r.Kind, r.Step}
		if r.Step > step || seen[k] {
			continue
		}
		seen[k] = true
		kept = append(kept, r)
		out.Write(lines[i])
		out.WriteByte('\n')
	}
	if err := writeFileAtomic(path, out.Bytes()); err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	return kept, nil
}
