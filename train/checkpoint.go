package train

import (
	"encoding/json"
	"fmt"
	"github.com/bridgetower-go/bt/internal/atomicfile"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// This file: checkpoints. OutDir/checkpoint-<step>/ holds
//
//	model.safetensors      every weight, HF names ("bridgetower." on backbone names), compute dtype
//	optimizer.safetensors  exp_avg.<name>, exp_avg_sq.<name> of the trained weights (HF names)
//	config.json            the model config (HF format)
//	trainer.json           run config, step, RNG state, data position, non-finite streak, file list
//	<files>                files given to New (e.g. the answer vocabulary), as given
//
// Each file is written to a temporary file and renamed, inside a temporary directory that is
// renamed to checkpoint-<step> when complete; the newest Keep checkpoints are kept.

const checkpointPrefix = "checkpoint-"

// trainerState is trainer.json.
type trainerState struct {
	Format   int      `json:"format"`
	Config   Config   `json:"config"`
	Step     int      `json:"step"`
	RNG      []byte   `json:"rng"`  // math/rand/v2 PCG state (MarshalBinary)
	Data     []byte   `json:"data"` // the loader's State after the last completed step
	BadSteps int      `json:"bad_steps"`
	Files    []string `json:"files,omitempty"`
}

// Save writes a checkpoint of the current state to OutDir/checkpoint-<step> (replacing one of
// the same step) and removes all but the newest Keep checkpoints. It returns the directory.
func (t *Trainer) Save() (string, error) {
	out := t.cfg.OutDir
	if out == "" {
		return "", fmt.Errorf("train: checkpoint: no output directory (Config.OutDir)")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("train: checkpoint: %w", err)
	}
	final := filepath.Join(out, checkpointPrefix+strconv.Itoa(t.step))
	if err := writeDir(final, t.writeCheckpoint); err != nil {
		return "", err
	}
	return final, t.prune()
}

// writeDir makes the directory final (replacing one there) with fill writing its files into a
// temporary directory next to it, which is renamed when complete: a reader never sees a partial
// directory, and an interruption leaves the previous one (or a ".old" copy) in place.
func writeDir(final string, fill func(dir string) error) error {
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".tmp-"+filepath.Base(final))
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := fill(tmp); err != nil {
		return err // fill's errors name what failed
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if _, err := os.Stat(final); err == nil {
		old := final + ".old"
		os.RemoveAll(old)
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func (t *Trainer) writeCheckpoint(dir string) error {
	if err := t.writeModel(dir); err != nil {
		return err
	}
	meta := map[string]string{"format": "bt-train", "step": strconv.Itoa(t.step)}
	opt := map[string]*graph.Tensor{}
	for name, s := range t.moms {
		hf := hfName(t.groups[name], name)
		opt["exp_avg."+hf] = s.m
		opt["exp_avg_sq."+hf] = s.v
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "optimizer.safetensors"), opt, meta); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	rng, err := t.rng.MarshalBinary()
	if err != nil {
		return fmt.Errorf("train: checkpoint: rng: %w", err)
	}
	st := trainerState{Format: 1, Config: t.cfg, Step: t.step, RNG: rng, Data: t.data, BadSteps: t.bad, Files: sortedNames(t.files)}
	js, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, "trainer.json"), append(js, '\n'))
}

// writeModel writes the files of a model directory into dir: every weight (HF names),
// config.json and the files given to New.
func (t *Trainer) writeModel(dir string) error {
	weights := map[string]*graph.Tensor{}
	for name, p := range t.params {
		weights[hfName(t.groups[name], name)] = p
	}
	meta := map[string]string{"format": "bt-train", "step": strconv.Itoa(t.step)}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), weights, meta); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	cfgJSON, err := t.mcfg.Marshal()
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "config.json"), cfgJSON); err != nil {
		return err
	}
	for _, name := range sortedNames(t.files) {
		if err := writeFileAtomic(filepath.Join(dir, name), t.files[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkpoints lists the checkpoint directories of out by step, oldest first.
func checkpoints(out string) ([]string, error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	type ck struct {
		step int
		dir  string
	}
	var list []ck
	for _, e := range entries {
		s, ok := strings.CutPrefix(e.Name(), checkpointPrefix)
		n, err := strconv.Atoi(s)
		if !ok || err != nil || !e.IsDir() {
			continue
		}
		list = append(list, ck{n, filepath.Join(out, e.Name())})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].step < list[j].step })
	dirs := make([]string, len(list))
	for i, c := range list {
		dirs[i] = c.dir
	}
	return dirs, nil
}

func (t *Trainer) prune() error {
	if t.cfg.Keep <= 0 {
		return nil
	}
	dirs, err := checkpoints(t.cfg.OutDir)
	if err != nil {
		return err
	}
	for len(dirs) > t.cfg.Keep {
		if err := os.RemoveAll(dirs[0]); err != nil {
			return fmt.Errorf("train: removing old checkpoint: %w", err)
		}
		dirs = dirs[1:]
	}
	return nil
}

// Resume continues a run from a checkpoint directory, or from the newest checkpoint of an output
// directory: weights, AdamW moments, schedule step, RNG state and the non-finite streak are
// restored, and Run first returns the data to the saved position (Batches.Restore). Checkpoints
// continue in the checkpoint's parent directory.
func Resume(backend graph.Backend, dir string) (*Trainer, error) {
	if _, err := os.Stat(filepath.Join(dir, "trainer.json")); err != nil {
		dirs, lerr := checkpoints(dir)
		if lerr != nil || len(dirs) == 0 {
			return nil, fmt.Errorf("train: resume: %s holds no checkpoint (trainer.json or %s<step>/)", dir, checkpointPrefix)
		}
		dir = dirs[len(dirs)-1]
	}
	raw, err := os.ReadFile(filepath.Join(dir, "trainer.json"))
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	var st trainerState
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("train: resume: %s: %w", filepath.Join(dir, "trainer.json"), err)
	}
	if st.Format != 1 {
		return nil, fmt.Errorf("train: resume: %s: unknown format %d", filepath.Join(dir, "trainer.json"), st.Format)
	}
	mcfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	files := map[string][]byte{}
	for _, name := range st.Files {
		if files[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("train: resume: %w", err)
		}
	}
	w, err := model.OpenWeights(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	defer w.Close()
	cfg := st.Config
	cfg.OutDir = filepath.Dir(dir)
	t, err := New(backend, mcfg, w, cfg, files)
	if err != nil {
		return nil, err
	}
	if err := t.loadOptimizer(filepath.Join(dir, "optimizer.safetensors")); err != nil {
		return nil, err
	}
	if err := t.rng.UnmarshalBinary(st.RNG); err != nil {
		return nil, fmt.Errorf("train: resume: rng state: %w", err)
	}
	t.step, t.data, t.bad, t.restore = st.Step, st.Data, st.BadSteps, true
	if t.history, err = replayMetrics(cfg.OutDir, st.Step); err != nil {
		return nil, err
	}
	if cfg.KeepBest != "" {
		if t.best, err = readBest(cfg.OutDir); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Trainer) loadOptimizer(path string) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	defer f.Close()
	for _, stored := range f.Names() {
		kind, hf, _ := strings.Cut(stored, ".")
		name := strings.TrimPrefix(hf, model.BackbonePrefix)
		p := t.params[name]
		if p == nil || (kind != "exp_avg" && kind != "exp_avg_sq") {
			return fmt.Errorf("train: resume: %s: tensor %q is not a moment of a weight", path, stored)
		}
		x, err := f.Tensor(stored)
		if err != nil {
			return fmt.Errorf("train: resume: %w", err)
		}
		if x.DType != p.DType || !x.Shape.Equal(p.Shape) {
			return fmt.Errorf("train: resume: %s: %s is %v, the weight is %v", path, stored, x, p)
		}
		s := t.state(name)
		if kind == "exp_avg" {
			copyTensor(s.m, x)
		} else {
			copyTensor(s.v, x)
		}
	}
	return nil
}

// writeFileAtomic is atomicfile.Write with the package's error prefix.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// hfName is the published checkpoint name of a parameter: backbone parameters (text, vision and
// cross-modal groups) carry the "bridgetower." prefix, heads do not.
func hfName(group, name string) string {
	switch group {
	case model.GroupText, model.GroupVision, model.GroupCross:
		return model.BackbonePrefix + name
	}
	return name
}
