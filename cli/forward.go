package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

func init() {
	register(&cli.Command{
		Name:      "forward",
		Usage:     "run the BridgeTower forward pass on saved inputs and write every output",
		ArgsUsage: "--model DIR --inputs FILE --output FILE [--hidden-states] [--heads itm,mlm,itc] [--dtype f32|f64] [--device auto|cpu|metal] [--reference REF.safetensors [--atol A] [--rtol R]]",
		Description: "Reads DIR/config.json and the checkpoint in DIR, the input tensors of FILE (safetensors:\n" +
			"input_ids int [B,T], attention_mask [B,T] (optional), pixel_values float [B,3,S,S] with S the\n" +
			"vision image_size, pixel_mask (optional, ignored as in HF), and optional labels mlm_labels,\n" +
			"itm_labels, vqa_targets, class_labels), and writes the outputs under the golden names\n" +
			"(model.text_features, model.image_features, model.pooler_output, model.hidden_states.*,\n" +
			"itm.logits, mlm.logits, contrastive.*, vqa.logits, classifier.logits, and *.loss where the labels\n" +
			"are given; contrastive.loss always). --heads auto (the default) runs every head whose weights\n" +
			"are in the checkpoint and that the config can carry. With --reference, every output that\n" +
			"the reference file also holds is compared with it (max|a-b| <= atol + rtol·max|ref|, the rule\n" +
			"of the HF golden data); the command fails, naming the tensors, when one is out of tolerance.",
		Flags: []cli.Flag{
			&cli.PathFlag{Name: "model", Usage: "model directory (config.json + weights), weights file, or hub id ORG/NAME[@REV]", Required: true},
			&cli.PathFlag{Name: "inputs", Usage: "safetensors file of input tensors", Required: true},
			&cli.PathFlag{Name: "output", Aliases: []string{"o"}, Usage: "safetensors file to write", Required: true},
			&cli.BoolFlag{Name: "hidden-states", Usage: "also write model.hidden_states.{text,image,cross}.*"},
			&cli.StringFlag{Name: "heads", Value: "auto", Usage: "comma-separated heads (itm, mlm, itc, vqa, classifier), auto, or none"},
			&cli.StringFlag{Name: "dtype", Value: "f32", Usage: "compute dtype: f32 or f64"},
			deviceFlag(),
			&cli.PathFlag{Name: "reference", Usage: "safetensors file of reference outputs (same names) to hold the outputs against"},
			&cli.Float64Flag{Name: "atol", Value: -1, Usage: "with --reference: absolute tolerance (default 1e-6 for f32, 1e-12 for f64)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary (and the reference comparison) instead of text"},
			&cli.Float64Flag{Name: "rtol", Value: -1, Usage: "with --reference: tolerance relative to max|ref| (default 1e-5 for f32, 1e-10 for f64)"},
		},
		Action: runForward,
	})
}

func runForward(c *cli.Context) error {
	if c.NArg() != 0 {
		return usagef("forward: unexpected arguments %v (every input is a flag)", c.Args().Slice())
	}
	dtype, err := graph.ParseDType(c.String("dtype"))
	if err != nil || (dtype != graph.F32 && dtype != graph.F64) {
		return usagef("forward: --dtype %q: want f32 or f64", c.String("dtype"))
	}
	backend, err := openDevice(c, "forward")
	if err != nil {
		return err
	}
	m, err := resolveModel(c, c.Path("model"))
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	dir := m.Dir
	if err := checkInputFile("--inputs", c.Path("inputs")); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	if ref := c.Path("reference"); ref != "" {
		if err := checkInputFile("--reference", ref); err != nil {
			return fmt.Errorf("forward: %w", err)
		}
	}
	if err := checkOutput("--output", c.Path("output"), dir, c.Path("inputs"), c.Path("reference")); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	cfg, err := loadModelConfig("--model", dir)
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	weights, err := model.OpenWeights(m.Weights)
	if err != nil {
		return fmt.Errorf("forward: --model: %w", err)
	}
	defer weights.Close()
	inFile, err := safetensors.Open(c.Path("inputs"))
	if err != nil {
		return fmt.Errorf("forward: --inputs: %w", err)
	}
	defer inFile.Close()
	inputs := map[string]*graph.Tensor{}
	for _, n := range inFile.Names() {
		if inputs[n], err = inFile.Tensor(n); err != nil {
			return fmt.Errorf("forward: --inputs: %w", err)
		}
	}
	heads, err := forwardHeads(c.String("heads"), cfg, weights)
	if err != nil {
		return fmt.Errorf("forward: --heads: %w", err)
	}
	opts := model.BuildOptions{DType: dtype, Heads: heads, HiddenStates: c.Bool("hidden-states")}
	labelOf := map[model.Head]string{model.HeadITM: model.InputITMLabels, model.HeadMLM: model.InputMLMLabels,
		model.HeadVQA: model.InputVQATargets, model.HeadClassifier: model.InputClassLabels}
	for _, h := range heads {
		if label, ok := labelOf[h]; !ok || inputs[label] != nil {
			opts.Losses = append(opts.Losses, h)
		}
	}
	spin := progress.Start(c.App.ErrWriter, "running "+dir+" on "+backend.Name())
	outs, err := model.Forward(context.Background(), backend, cfg, weights, inputs, opts)
	spin.Stop()
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	names := make([]string, 0, len(heads))
	for _, h := range heads {
		names = append(names, string(h))
	}
	meta := map[string]string{"producer": "bt forward", "dtype": dtype.String(), "heads": strings.Join(names, ",")}
	if err := safetensors.WriteFile(c.Path("output"), outs, meta); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	rows := []refRow{}
	var refErr error
	text := c.App.Writer
	if c.Bool("json") {
		text = nil
	} else {
		fmt.Fprintf(text, "wrote %d tensors to %s (heads: %s; %v on %s)\n", len(outs), c.Path("output"), strings.Join(names, ",")+orNone(names), dtype, backend.Name())
	}
	if ref := c.Path("reference"); ref != "" {
		tol := referenceTolerance(dtype, c.String("precision"), c.Float64("atol"), c.Float64("rtol"))
		refErr = compareWithReference(text, ref, outs, tol, &rows)
	}
	if c.Bool("json") {
		if err := printJSON(c, map[string]any{"output": c.Path("output"), "tensors": len(outs), "heads": names,
			"dtype": dtype.String(), "device": backend.Name(), "reference": rows}); err != nil {
			return err
		}
	}
	return refErr
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return ""
}

// forwardHeads resolves --heads: a list, "none", or "auto" (every head with weights in the
// checkpoint that the config can carry).
func forwardHeads(flag string, cfg *model.Config, w *model.Weights) ([]model.Head, error) {
	switch flag {
	case "none":
		return nil, nil
	case "auto":
	default:
		return model.ParseHeads(flag)
	}
	specs, err := model.ParamInfos(cfg)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, p := range specs {
		if w.Has(p.Name) {
			present[p.Group] = true
		}
	}
	var heads []model.Head
	for _, h := range model.AllHeads {
		if present[model.HeadGroup(h)] && model.CheckHead(cfg, h) == nil {
			heads = append(heads, h)
		}
	}
	return heads, nil
}
