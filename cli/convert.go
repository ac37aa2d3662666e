package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/hub"
	"github.com/bridgetower-go/bt/internal/progress"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/checkpoint"
	"github.com/bridgetower-go/bt/model/safetensors"
)

func init() {
	register(&cli.Command{
		Name:      "convert",
		Usage:     "convert a checkpoint (safetensors, pytorch_model.bin, original BridgeTower .ckpt) to HF safetensors",
		ArgsUsage: "[--config FILE] [--dtype f32|f16|bf16] [--no-check] IN OUTDIR",
		Description: "Reads IN (a weights file, a directory with config.json, or a hub id ORG/NAME[@REV]) and writes OUTDIR/config.json and\n" +
			"OUTDIR/model.safetensors with Hugging Face parameter names. Floating-point tensors are stored as\n" +
			"--dtype (default f32); integer tensors keep their type. The config is IN's config.json (next to the\n" +
			"file, or inside the directory) unless --config names one; original .ckpt files need --config.\n" +
			"The tensors are first checked against the config's architecture (every unexpected, missing or\n" +
			"wrong-shape tensor is named; heads may be absent, but not in part); --no-check skips that.\n" +
			"Flags go before IN and OUTDIR.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "config.json to use (default: the one next to IN)"},
			&cli.BoolFlag{Name: "no-check", Usage: "write the tensors even if they do not fit the config's architecture"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary instead of text"},
			&cli.StringFlag{Name: "dtype", Value: "f32", Usage: "storage type of floating-point tensors: f32, f16, bf16 or f64"},
		},
		Action: runConvert,
	})
}

func runConvert(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("convert: want IN and OUTDIR, got %d arguments", c.NArg())
	}
	in, outDir := c.Args().Get(0), c.Args().Get(1)
	dtype, err := graph.ParseDType(c.String("dtype"))
	if err != nil || !dtype.IsFloat() {
		return usagef("convert: --dtype %q: want f32, f16, bf16 or f64", c.String("dtype"))
	}
	if _, err := os.Stat(in); err != nil && hub.LooksLikeModelID(in) {
		m, err := resolveModel(c, in)
		if err != nil {
			return fmt.Errorf("convert: %w", err)
		}
		in = m.Weights
	}
	if err := checkConvertOutput(in, outDir, c.String("config")); err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	spin := progress.Start(c.App.ErrWriter, "converting "+in)
	defer spin.Stop()
	ck, err := checkpoint.Load(in)
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	defer ck.Close()
	cfgPath := c.String("config")
	if cfgPath == "" {
		cfgPath = ck.ConfigPath
	}
	if cfgPath == "" {
		return fmt.Errorf("convert: no config.json next to %s; pass --config FILE", in)
	}
	cfg, err := model.LoadConfig(cfgPath)
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	if !c.Bool("no-check") {
		w, err := model.NewWeights(ck.Tensors)
		if err == nil {
			err = w.Check(cfg)
		}
		if err != nil {
			return fmt.Errorf("convert: %s against %s (--no-check writes it anyway): %w", in, cfgPath, err)
		}
	}
	out := make(map[string]*graph.Tensor, len(ck.Tensors))
	for name, t := range ck.Tensors {
		if out[name], err = castFloat(t, dtype); err != nil {
			return fmt.Errorf("convert: tensor %q: %w", name, err)
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	// HF's loader requires format "pt" in the safetensors metadata.
	meta := map[string]string{"format": "pt"}
	if err := safetensors.WriteFile(filepath.Join(outDir, "model.safetensors"), out, meta); err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	if err := cfg.SaveConfig(filepath.Join(outDir, "config.json")); err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	spin.Stop()
	if c.Bool("json") {
		return printJSON(c, map[string]any{"output": outDir, "tensors": len(out), "format": ck.Format, "input": ck.Path, "dtype": dtype.String(), "dropped": append([]string{}, ck.Dropped...)})
	}
	fmt.Fprintf(c.App.Writer, "converted %d tensors (%s, %s) to %s as %v\n", len(out), ck.Format, ck.Path, outDir, dtype)
	if len(ck.Dropped) > 0 {
		fmt.Fprintf(c.App.Writer, "dropped %d entries: %s\n", len(ck.Dropped), strings.Join(ck.Dropped, ", "))
	}
	return nil
}

// castFloat converts a floating-point tensor to dtype (returning t itself when it already has
// it); other tensors are returned unchanged. F64 to F16/BF16 rounds through float32.
func castFloat(t *graph.Tensor, dtype graph.DType) (*graph.Tensor, error) {
	if !t.DType.IsFloat() {
		return t, nil
	}
	return graph.Convert(t, dtype)
}

// checkConvertOutput refuses, before loading anything, an OUTDIR whose model.safetensors or
// config.json would overwrite the input checkpoint or its config.
func checkConvertOutput(in, outDir, cfgFlag string) error {
	if _, err := os.Stat(in); err != nil {
		return usagef("IN %s: %v", in, errors.Unwrap(err))
	}
	st, err := os.Stat(outDir)
	if errors.Is(err, os.ErrNotExist) {
		return checkOutputDir("OUTDIR", outDir)
	}
	if err != nil {
		return fmt.Errorf("OUTDIR %s: %w", outDir, err)
	}
	if !st.IsDir() {
		return usagef("OUTDIR %s exists and is not a directory", outDir)
	}
	inputs := []string{in, cfgFlag}
	if ist, err := os.Stat(in); err == nil && !ist.IsDir() {
		inputs = append(inputs, filepath.Join(filepath.Dir(in), "config.json"))
	}
	for _, name := range []string{"model.safetensors", "config.json"} {
		if err := checkOutput("OUTDIR", filepath.Join(outDir, name), inputs...); err != nil {
			return err
		}
	}
	return nil
}
