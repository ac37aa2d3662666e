package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// This file: keeping the best model by a validation metric (Config.KeepBest). After each
// evaluation whose metric beats every earlier one of the run, the model (weights, config.json
// and the files given to New, as in a checkpoint but without the optimizer state) is written to
// OutDir/best through a temporary directory; OutDir/best/best.json says which step and value.
// A resumed run reads best.json back, so a later, worse evaluation never replaces it.

// BestDir is the directory under OutDir that holds the best model of a run with KeepBest.
const BestDir = "best"

// bestFile is the record of the best evaluation, written into BestDir.
const bestFile = "best.json"

// Best describes the evaluation whose model is kept in OutDir/best.
type Best struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Step   int     `json:"step"`
}

// Best returns the best evaluation so far of a run with KeepBest (nil before the first one).
func (t *Trainer) Best() *Best {
	if t.best == nil {
		return nil
	}
	b := *t.best
	return &b
}

// keepBest writes the model to OutDir/best when m's KeepBest metric is the best of the run.
func (t *Trainer) keepBest(m map[string]float64) error {
	name := t.cfg.KeepBest
	if name == "" || t.cfg.OutDir == "" {
		return nil
	}
	v, ok := m[name]
	if !ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("train: keep_best: the evaluation has no metric %q (it has %s)", name, strings.Join(keys, ", "))
	}
	if math.IsNaN(v) || (t.best != nil && !(v > t.best.Value)) {
		return nil
	}
	b := Best{Metric: name, Value: v, Step: t.step}
	js, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("train: keep_best: %w", err)
	}
	err = writeDir(filepath.Join(t.cfg.OutDir, BestDir), func(dir string) error {
		if err := t.writeModel(dir); err != nil {
			return err
		}
		return writeFileAtomic(filepath.Join(dir, bestFile), append(js, '\n'))
	})
	if err != nil {
		return err
	}
	t.best = &b
	return nil
}

// KeepBestBy turns KeepBest on (metric) for the rest of a run, e.g. a resumed run that was
// started without it; a best model already in OutDir/best is the one to beat.
func (t *Trainer) KeepBestBy(metric string) error {
	b, err := readBest(t.cfg.OutDir)
	if err != nil {
		return err
	}
	if b != nil && b.Metric != metric {
		b = nil // another metric's best does not compare
	}
	t.cfg.KeepBest, t.best = metric, b
	return nil
}

// readBest reads OutDir/best/best.json of a resumed run (nil when there is none yet).
func readBest(outDir string) (*Best, error) {
	p := filepath.Join(outDir, BestDir, bestFile)
	raw, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	var b Best
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("train: resume: %s: %w", p, err)
	}
	return &b, nil
}
