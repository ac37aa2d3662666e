package train

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// This file: metrics as JSON lines (metrics.jsonl in the output directory), one record per step
// and one per evaluation.

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
