package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/checkpoint"
)

func init() {
	register(&cli.Command{
		Name:      "info",
		Usage:     "describe a model: config, parameter counts per part, heads, dtypes, files",
		ArgsUsage: "[--json] MODEL",
		Description: "MODEL is a model directory, a weights file, or a hub id ORG/NAME[@REVISION] (downloaded\n" +
			"on first use, see bt pull). Prints the config summary, the parameter count of the text tower,\n" +
			"the vision tower, the cross-modal part and each head present, the tensors' dtypes, the files\n" +
			"with their sizes, and whether the weights fit the config (every mismatch named). --json prints\n" +
			"the same as one JSON object.",
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: runInfo,
	})
}

// modelInfo is what bt info reports (its --json form).
type modelInfo struct {
	Model    string `json:"model"`
	Dir      string `json:"dir"`
	Weights  string `json:"weights"`
	Format   string `json:"format"`
	Repo     string `json:"repo,omitempty"`
	Revision string `json:"revision,omitempty"`
	Commit   string `json:"commit,omitempty"`

	Config     configSummary     `json:"config"`
	Parameters map[string]int64  `json:"parameters"` // per part: text, vision, cross, head names, other
	Total      int64             `json:"total_parameters"`
	Heads      []string          `json:"heads"`
	DTypes     map[string]dtypeN `json:"dtypes"`
	Files      []fileSize        `json:"files"`
	Check      string            `json:"check"` // "ok" or why the weights do not fit the config
}

type configSummary struct {
	HiddenSize, CrossLayers, CrossHeads                  int
	LinkTower                                            string
	TextVocab, TextHidden, TextLayers, TextHeads, TextFF int
	TextMaxPositions                                     int
	VisionHidden, VisionLayers, VisionPatch, VisionImage int
	NumLabels, ContrastiveHidden                         int
	Architectures                                        []string
}

type dtypeN struct {
	Tensors int   `json:"tensors"`
	Values  int64 `json:"values"`
}

type fileSize struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

func runInfo(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("info: want one MODEL, got %d arguments (flags go before it)", c.NArg())
	}
	spec := c.Args().First()
	m, err := resolveModel(c, spec)
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	cfgPath := filepath.Join(m.Dir, "config.json")
	cfg, err := model.LoadConfig(cfgPath)
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	ck, err := checkpoint.Load(m.Weights)
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	defer ck.Close()
	info := &modelInfo{Model: spec, Dir: m.Dir, Weights: ck.Path, Format: string(ck.Format), Repo: m.Repo,
		Revision: m.Revision, Commit: m.Commit, Config: summarize(cfg), Check: "ok"}
	if err := countParams(info, cfg, ck); err != nil {
		return fmt.Errorf("info: %w", err)
	}
	if w, err := model.NewWeights(ck.Tensors); err != nil {
		info.Check = err.Error()
	} else if err := w.Check(cfg); err != nil {
		info.Check = err.Error()
	}
	if info.Files, err = listFiles(m.Dir, ck.Path); err != nil {
		return fmt.Errorf("info: %w", err)
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	printInfo(c, info)
	return nil
}

func summarize(cfg *model.Config) configSummary {
	return configSummary{
		HiddenSize: cfg.HiddenSize, CrossLayers: cfg.NumHiddenLayers, CrossHeads: cfg.Text.NumAttentionHeads,
		LinkTower: cfg.LinkTowerType, TextVocab: cfg.Text.VocabSize, TextHidden: cfg.Text.HiddenSize,
		TextLayers: cfg.Text.NumHiddenLayers, TextHeads: cfg.Text.NumAttentionHeads, TextFF: cfg.Text.IntermediateSize,
		TextMaxPositions: cfg.Text.MaxPositionEmbeddings, VisionHidden: cfg.Vision.HiddenSize,
		VisionLayers: cfg.Vision.NumHiddenLayers, VisionPatch: cfg.Vision.PatchSize, VisionImage: cfg.Vision.ImageSize,
		NumLabels: cfg.NumLabels(), ContrastiveHidden: cfg.ContrastiveHiddenSize, Architectures: cfg.Architectures,
	}
}

// countParams sums tensor sizes per parameter group of the config's architecture; tensors that
// are not parameters of it count as "other" (index buffers as "buffers").
func countParams(info *modelInfo, cfg *model.Config, ck *checkpoint.Checkpoint) error {
	infos, err := model.ParamInfos(cfg)
	if err != nil {
		return err
	}
	group := make(map[string]string, len(infos))
	for _, p := range infos {
		group[p.Name] = p.Group
	}
	info.Parameters, info.DTypes = map[string]int64{}, map[string]dtypeN{}
	for name, t := range ck.Tensors {
		n := int64(t.Len())
		g, ok := group[strings.TrimPrefix(name, model.BackbonePrefix)]
		switch {
		case ok:
		case strings.HasSuffix(name, "position_ids") || strings.HasSuffix(name, "token_type_ids"):
			g = "buffers"
		default:
			g = "other"
		}
		info.Parameters[g] += n
		if g != "buffers" {
			info.Total += n
		}
		d := info.DTypes[t.DType.String()]
		d.Tensors++
		d.Values += n
		info.DTypes[t.DType.String()] = d
	}
	info.Heads = []string{}
	for _, h := range model.AllHeads {
		if info.Parameters[model.HeadGroup(h)] > 0 {
			info.Heads = append(info.Heads, string(h))
		}
	}
	return nil
}

// listFiles lists the regular files of dir (through symlinks) and the weights file if it lies
// elsewhere, with their sizes.
func listFiles(dir, weights string) ([]fileSize, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []fileSize
	seen := map[string]bool{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, fileSize{e.Name(), st.Size()})
			seen[p] = true
		}
	}
	if st, err := os.Stat(weights); err == nil && !seen[filepath.Join(dir, filepath.Base(weights))] {
		out = append(out, fileSize{weights, st.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
