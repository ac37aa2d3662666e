package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/internal/bench"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

func init() {
	register(&cli.Command{
		Name:  "bench",
		Usage: "measure forward, training-step, tokenizer and preprocessing speed on random weights",
		ArgsUsage: "[--preset tiny|base] [--runs N] [--warmup N] [--only forward,train,tokenize,preprocess]\n" +
			"   [--batch 1,8] [--model DIR] [--tokenizer DIR] [--device NAME] [--json]",
		Description: "Draws random weights for a preset (model.InitWeights; nothing is downloaded) and measures, each\n" +
			"case warmed up and then timed over --runs runs (median, min, max):\n" +
			"  forward     the eval forward with the ITM and MLM heads at each --batch (40 tokens; 288 px for\n" +
			"              base, 64 px for tiny); GEMM GFLOP counted from the graph and the GFLOP/s reached\n" +
			"  train       one compiled training step at batch 4 (ITM + MLM loss, gradient, clipping, AdamW)\n" +
			"  tokenize    tokens/s on the embedded English corpus (the tiny preset's BPE learned from it, or\n" +
			"              --tokenizer DIR)\n" +
			"  preprocess  images/s: a 640x480 RGB image resized and cropped to the model's size, normalised\n" +
			"Load (weight drawing) and compile times are shown apart from the runs, with the peak RSS of each\n" +
			"case (Linux) and of the process. --model DIR (e.g. made by bt init) opens a checkpoint instead of\n" +
			"drawing weights: load is then the open and memory map, as bt forward does. Progress appears only on a terminal. The base preset needs\n" +
			"about 3 GB for forward and 8 GB for train.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "preset", Value: "tiny", Usage: "model shapes: tiny or base"},
			&cli.IntFlag{Name: "runs", Value: 5, Usage: "timed runs per case"},
			&cli.IntFlag{Name: "warmup", Value: 1, Usage: "untimed warm-up runs per case"},
			&cli.StringFlag{Name: "only", Usage: "comma-separated cases: forward, train, tokenize, preprocess (default all)"},
			&cli.StringFlag{Name: "batch", Value: "1,8", Usage: "comma-separated forward batch sizes"},
			&cli.StringFlag{Name: "model", Usage: "a model directory or hub id: its config and weights (opened, memory-mapped) instead of --preset's random weights"},
			&cli.PathFlag{Name: "tokenizer", Usage: "tokenizer directory for the tokenize case (default: the tiny BPE)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the random weights and inputs"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as one JSON object"},
			deviceFlag(),
		},
		Action: runBench,
	})
}

func runBench(c *cli.Context) error {
	if c.NArg() != 0 {
		return usagef("bench: unexpected arguments %v", c.Args().Slice())
	}
	o := bench.Options{Preset: c.String("preset"), Runs: c.Int("runs"), Warmup: c.Int("warmup"), Seed: c.Uint64("seed"),
		Device: c.String("device"), Progress: c.App.ErrWriter}
	if o.Preset != "tiny" && o.Preset != "base" {
		return usagef("bench: --preset %q: want tiny or base", o.Preset)
	}
	if o.Runs < 1 {
		return usagef("bench: --runs %d: want at least 1", o.Runs)
	}
	if o.Warmup < 0 {
		return usagef("bench: --warmup %d: want 0 or more", o.Warmup)
	}
	var err error
	if o.Only, err = parseOnly(c.String("only")); err != nil {
		return err
	}
	if o.Batches, err = parseBatches(c.String("batch")); err != nil {
		return err
	}
	needModel := o.Only[bench.KindForward] || o.Only[bench.KindTrain]
	if spec := c.String("model"); spec != "" {
		if c.IsSet("preset") {
			return usagef("bench: --model and --preset exclude each other (the model's config gives the shapes)")
		}
		m, err := resolveModel(c, spec)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if o.Config, err = loadModelConfig("--model", m.Dir); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		o.WeightsFile, o.Preset = m.Weights, "model "+spec
	}
	if needModel {
		if o.Backend, err = openDevice(c, "bench"); err != nil {
			return err
		}
	}
	if o.Only[bench.KindTokenize] || (needModel && o.Preset == "tiny" && o.Config == nil) {
		if err := benchTokenizer(c, &o); err != nil {
			return err
		}
	}
	rep, err := bench.Run(c.Context, o)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, rep)
	}
	return rep.WriteText(c.App.Writer)
}

// parseOnly reads --only: a set of case kinds (all when empty).
func parseOnly(s string) (map[string]bool, error) {
	only := map[string]bool{}
	if strings.TrimSpace(s) == "" {
		for _, k := range bench.Kinds {
			only[k] = true
		}
		return only, nil
	}
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		known := false
		for _, kk := range bench.Kinds {
			known = known || k == kk
		}
		if !known {
			return nil, usagef("bench: --only %q: unknown case %q (want %s)", s, k, strings.Join(bench.Kinds, ", "))
		}
		only[k] = true
	}
	return only, nil
}

// parseBatches reads --batch: positive batch sizes.
func parseBatches(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, usagef("bench: --batch %q: want comma-separated positive batch sizes", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchTokenizer sets the tokenize case's corpus (the embedded bt init corpus), its tokenizer
// (--tokenizer, else the tiny BPE learned from that corpus, as bt init makes it) and the tiny
// preset's vocabulary size.
func benchTokenizer(c *cli.Context, o *bench.Options) error {
	o.Corpus = strings.Split(strings.TrimSpace(initCorpus), "\n")
	vocab, merges, err := tokenizer.TrainBPE(o.Corpus, tokenizer.TrainOptions{VocabSize: tinyVocabSize})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if o.Preset == "tiny" {
		o.Vocab = len(vocab) // the base preset keeps RoBERTa's 50,265
	}
	if dir := c.Path("tokenizer"); dir != "" {
		if o.Tokenizer, err = tokenizer.Load(dir); err != nil {
			return fmt.Errorf("bench: --tokenizer: %w", err)
		}
		o.TokenizerNote = fmt.Sprintf("tokenizer %s (%d tokens)", dir, o.Tokenizer.VocabSize())
		return nil
	}
	cfg, err := model.PresetConfig("tiny", len(vocab))
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	files := map[string][]byte{}
	if err := tinyTokenizerFiles(files, vocab, merges, cfg.Text.MaxPositionEmbeddings-2); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bt-bench-tokenizer-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	if o.Tokenizer, err = tokenizer.Load(dir); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	o.TokenizerNote = fmt.Sprintf("the tiny preset's byte-level BPE (%d tokens) learned from the same corpus", o.Tokenizer.VocabSize())
	return nil
}
