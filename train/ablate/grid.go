package ablate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/bridgetower-go/bt/model"
)

// Grid is an ablation grid file (JSON):
//
//	{
//	  "model": "path/to/bt-init-dir",            // the starting model (config, weights, tokenizer), or
//	  "preset": {"name": "tiny", "patch_size": 16}, // random weights of a preset (bt fine-tune --preset)
//	  "task": "vqa",                             // vqa, retrieval or classify (optional; --task)
//	  "metric": "vqa_score",                     // headline metric of table and plot (optional)
//	  "train": {"steps": 600, "lr": 3e-4},       // fine-tuning settings (Settings: bt fine-tune's flags)
//	  "seeds": [1, 2, 3],                        // optional; else --seeds N gives 1..N
//	  "variants": [
//	    {"link_tower_type": "add"},
//	    {"name": "linear_add-shared", "link_tower_type": "linear_add",
//	     "config": {"share_link_tower_layers": true, "bt_bridge_layers": "every_other"}},
//	    {"link_tower_type": "none", "config": {"num_hidden_layers": 2}, "train": {"lr": 1e-4}}
//	  ]
//	}
//
// A variant's config entries are config.json keys (HF fields or bt_ extensions) set on the
// starting model's config; link_tower_type is a shorthand for the key of that name. A variant's
// "train" keys override the grid's, and its "preset" fields the grid's preset.
type Grid struct {
	Note     string          `json:"note,omitempty"` // free text (what the grid is for), kept in grid.json
	Model    string          `json:"model,omitempty"`
	Preset   *Preset         `json:"preset,omitempty"`
	Task     string          `json:"task,omitempty"`
	Metric   string          `json:"metric,omitempty"`
	Train    json.RawMessage `json:"train,omitempty"`
	Seeds    []uint64        `json:"seeds,omitempty"`
	Variants []Variant       `json:"variants"`
}

// Variant is one row of the grid.
type Variant struct {
	Name          string                     `json:"name,omitempty"` // default: link_tower_type
	LinkTowerType string                     `json:"link_tower_type,omitempty"`
	Config        map[string]json.RawMessage `json:"config,omitempty"`
	Train         json.RawMessage            `json:"train,omitempty"`  // settings over the grid's
	Preset        *Preset                    `json:"preset,omitempty"` // preset fields over the grid's
}

// Cell is one run: a variant with a seed. Index is its position in Grid.Cells.
type Cell struct {
	Index   int     `json:"index"`
	Variant Variant `json:"variant"`
	Seed    uint64  `json:"seed"`
}

// Name is the cell's directory name, "<variant>-s<seed>".
func (c Cell) Name() string { return c.Variant.Name + "-s" + strconv.FormatUint(c.Seed, 10) }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.+=-]*$`)

// LoadGrid reads a grid file and resolves it: variant names defaulted and checked (unique,
// usable as directory names), seeds 1..seeds when the file has none (seeds > 0 overrides them).
func LoadGrid(path string, seeds int) (*Grid, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ablate: grid: %w", err)
	}
	return ParseGrid(data, seeds)
}

// ParseGrid is LoadGrid on the file's bytes.
func ParseGrid(data []byte, seeds int) (*Grid, error) {
	var g Grid
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("ablate: grid: %v", err)
	}
	if seeds > 0 {
		g.Seeds = nil
		for s := 1; s <= seeds; s++ {
			g.Seeds = append(g.Seeds, uint64(s))
		}
	}
	var errs []string
	if g.Task != "" {
		if _, err := ParseTask(g.Task); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if g.Model != "" && g.Preset != nil {
		errs = append(errs, "give \"model\" or \"preset\", not both")
	}
	if g.Preset != nil {
		if err := g.Preset.resolve(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(g.Seeds) == 0 {
		errs = append(errs, "no seeds: give \"seeds\" in the grid or --seeds N")
	}
	if len(g.Variants) == 0 {
		errs = append(errs, "no variants")
	}
	seen := map[string]bool{}
	for i := range g.Variants {
		v := &g.Variants[i]
		if v.Name == "" {
			v.Name = v.LinkTowerType
		}
		if v.LinkTowerType == "" {
			if msg, ok := v.Config["link_tower_type"]; ok {
				_ = json.Unmarshal(msg, &v.LinkTowerType)
			}
		}
		switch {
		case v.Name == "":
			errs = append(errs, fmt.Sprintf("variants[%d] has neither name nor link_tower_type", i))
		case !nameRE.MatchString(v.Name):
			errs = append(errs, fmt.Sprintf("variants[%d] name %q: use letters, digits and _ . + = -", i, v.Name))
		case seen[v.Name]:
			errs = append(errs, fmt.Sprintf("variants[%d] name %q is used twice", i, v.Name))
		}
		seen[v.Name] = true
		if v.Preset != nil && g.Preset == nil {
			errs = append(errs, fmt.Sprintf("variants[%d] has a \"preset\" but the grid has none", i))
		}
		if v.Preset != nil && g.Preset != nil {
			p := g.Preset.over(v.Preset)
			if err := p.resolve(); err != nil {
				errs = append(errs, fmt.Sprintf("variants[%d]: %v", i, err))
			}
			*v.Preset = p // resolved: the variant's full preset
		}
		if _, err := ParseSettings(g.Train, v.Train); err != nil {
			errs = append(errs, fmt.Sprintf("variants[%d] %s: %v", i, v.Name, strings.TrimPrefix(err.Error(), "ablate: ")))
		}
	}
	dup := map[uint64]bool{}
	for _, s := range g.Seeds {
		if dup[s] {
			errs = append(errs, fmt.Sprintf("seed %d is listed twice", s))
		}
		dup[s] = true
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("ablate: grid: %s", strings.Join(errs, "; "))
	}
	return &g, nil
}

// Cells lists the grid's cells, variant-major: cell v·len(Seeds) + s is variant v with seed s.
func (g *Grid) Cells() []Cell {
	var out []Cell
	for _, v := range g.Variants {
		for _, s := range g.Seeds {
			out = append(out, Cell{Index: len(out), Variant: v, Seed: s})
		}
	}
	return out
}

// Apply returns a copy of base with the variant's config keys set (through config.json, so
// typed HF fields and bt_ extensions alike), validated.
func (v Variant) Apply(base *model.Config) (*model.Config, error) {
	data, err := base.Marshal()
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("ablate: variant %s: %v", v.Name, err)
	}
	for k, val := range v.Config {
		top[k] = val
	}
	if v.LinkTowerType != "" {
		top["link_tower_type"], _ = json.Marshal(v.LinkTowerType)
	}
	data, _ = json.Marshal(top)
	cfg, err := model.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("ablate: variant %s: %w", v.Name, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ablate: variant %s: %w", v.Name, err)
	}
	if err := cfg.CheckSupported(); err != nil {
		return nil, fmt.Errorf("ablate: variant %s: %w", v.Name, err)
	}
	return cfg, nil
}

// CellFromEnv is the cell index a scheduler gives: SLURM_ARRAY_TASK_ID (Slurm job arrays) or
// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); ok false when neither is set.
func CellFromEnv(getenv func(string) string) (int, bool, error) {
	for _, k := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
		s := getenv(k)
		if s == "" {
			continue
		}
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 {
			return 0, false, fmt.Errorf("ablate: %s=%q is not a cell index", k, s)
		}
		return i, true, nil
	}
	return 0, false, nil
}
