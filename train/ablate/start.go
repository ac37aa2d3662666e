package ablate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/bridgetower-go/bt/model"
)

// This file: the model a cell starts from: a model directory (the grid's "model", e.g. from
// bt init) or random weights of a preset (the grid's "preset", as bt fine-tune --preset), which
// is written once per preset shape and seed under OUT/start/ and read by every cell using it.

// Preset is a grid's (or a variant's) "preset" object: random weights of a bt preset, shaped like
// bt fine-tune --preset NAME --patch-size P --image-size S --seed SEED.
type Preset struct {
	Name      string `json:"name,omitempty"`       // "tiny" (bt init's presets)
	PatchSize int    `json:"patch_size,omitempty"` // the vision patch size (0: the preset's)
	ImageSize int    `json:"image_size,omitempty"` // the image size (0: the preset's)
	// Seed of the random weights; 0 (the default) draws them with the cell's seed, as
	// bt fine-tune --preset --seed does, so that seeds also vary the starting backbone.
	Seed uint64 `json:"seed,omitempty"`
}

// resolve fills the preset's patch and image sizes from the preset's config and checks them
// (a valid vision config: the image size a multiple of the patch size).
func (p *Preset) resolve() error {
	if p.Name == "" {
		return fmt.Errorf("preset: no \"name\" (tiny)")
	}
	cfg, err := model.PresetConfig(p.Name, 1000) // a vocabulary size: the tokenizer does not shape the vision side
	if err != nil {
		return fmt.Errorf("preset: %v", err)
	}
	if p.PatchSize == 0 {
		p.PatchSize = cfg.Vision.PatchSize
	}
	if p.ImageSize == 0 {
		p.ImageSize = cfg.Vision.ImageSize
	}
	cfg.Vision.PatchSize, cfg.Vision.ImageSize = p.PatchSize, p.ImageSize
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("preset %s patch_size %d image_size %d: %v", p.Name, p.PatchSize, p.ImageSize, err)
	}
	return nil
}

// over lays the variant's non-zero fields over p.
func (p Preset) over(v *Preset) Preset {
	if v == nil {
		return p
	}
	if v.Name != "" {
		p.Name = v.Name
	}
	if v.PatchSize != 0 {
		p.PatchSize = v.PatchSize
	}
	if v.ImageSize != 0 {
		p.ImageSize = v.ImageSize
	}
	if v.Seed != 0 {
		p.Seed = v.Seed
	}
	return p
}

// key names the preset's directory under OUT/start: "<name>-p<patch>-i<image>-s<seed>".
func (p Preset) key(seed uint64) string {
	if p.Seed != 0 {
		seed = p.Seed
	}
	return p.Name + "-p" + strconv.Itoa(p.PatchSize) + "-i" + strconv.Itoa(p.ImageSize) + "-s" + strconv.FormatUint(seed, 10)
}

// WeightsSeed is the seed of the preset's weights for a cell of seed cellSeed.
func (p Preset) WeightsSeed(cellSeed uint64) uint64 {
	if p.Seed != 0 {
		return p.Seed
	}
	return cellSeed
}

// MakePresetFunc writes a complete model directory (config.json, model.safetensors, tokenizer,
// preprocessor_config.json) of a preset with weights drawn from seed into dir, which must not
// exist or be empty. The cli supplies it (bt init's presets).
type MakePresetFunc func(p Preset, seed uint64, dir string) error

// CellPreset is the preset of a variant (the grid's with the variant's over it); ok false when
// the grid starts from a model directory.
func (g *Grid) CellPreset(v Variant) (Preset, bool) {
	if g.Preset == nil {
		return Preset{}, false
	}
	return g.Preset.over(v.Preset), true
}

// StartDir is the model directory cell c starts from: the grid's model directory (ModelDir),
// or its preset's directory under Out/start, written by MakePreset when absent. Cells running
// at once may both write it: each writes a temporary directory and renames it; the loser
// finds the winner's (identical: same preset and seed) directory and uses it.
func (r *Runner) StartDir(c Cell) (string, error) {
	p, ok := r.Grid.CellPreset(c.Variant)
	if !ok {
		if r.ModelDir == "" {
			return "", fmt.Errorf("ablate: no starting model: the grid has neither \"model\" nor \"preset\"")
		}
		return r.ModelDir, nil
	}
	dir := filepath.Join(r.Out, "start", p.key(c.Seed))
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return dir, nil
	}
	if r.MakePreset == nil {
		return "", fmt.Errorf("ablate: the grid's preset %q needs a preset maker (bt ablate supplies bt init's presets)", p.Name)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("ablate: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("ablate: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := r.MakePreset(p, p.WeightsSeed(c.Seed), tmp); err != nil {
		return "", fmt.Errorf("ablate: preset %s: %w", p.key(c.Seed), err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "config.json")); serr == nil {
			return dir, nil // another cell wrote it first
		}
		return "", fmt.Errorf("ablate: preset %s: %w", p.key(c.Seed), err)
	}
	r.logf("start model %s: preset %s, patch %d, image %d, weights seed %d", dir, p.Name, p.PatchSize, p.ImageSize, p.WeightsSeed(c.Seed))
	return dir, nil
}

// baseConfig reads the starting model's config.json of a start directory.
func baseConfig(dir string) (*model.Config, error) {
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("ablate: starting model %s has no config.json: %w", dir, err)
		}
		return nil, fmt.Errorf("ablate: starting model %s: %w", dir, err)
	}
	return cfg, nil
}
