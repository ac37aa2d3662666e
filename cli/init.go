package cli

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// initCorpus is the English text the tiny preset's BPE merges are learned from: simple
// sentences about pictures and scenes, and visual questions and answers about colours, shapes,
// counts (number words and digits), yes/no and positions (left/right/above/below, ...), one text
// per line.
//
//go:embed initdata/corpus_en.txt
var initCorpus string

// tinyVocabSize is the tiny preset's largest tokenizer vocabulary (specials and bytes included).
const tinyVocabSize = 2000

// tokenizerFiles are the files of a tokenizer directory that bt init copies for --tokenizer.
var tokenizerFiles = []string{"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}

func init() {
	register(&cli.Command{
		Name:      "init",
		Usage:     "write a randomly initialised BridgeTower model directory (tiny or base)",
		ArgsUsage: "--preset tiny|base [--seed N] [--tokenizer DIR] OUTDIR",
		Description: "Writes OUTDIR/config.json, model.safetensors (backbone + ITM + MLM heads, drawn by Hugging Face's\n" +
			"_init_weights rules from --seed), preprocessor_config.json and the tokenizer files. OUTDIR must\n" +
			"not exist or be empty.\n" +
			"  tiny: hidden 128, 4 heads, FFN 512, 3 text layers, 3 vision blocks (patch 8, 64 px images),\n" +
			"        2 cross-modal layers; a byte-level BPE tokenizer (vocab.json + merges.txt, at most 2,000\n" +
			"        tokens) learned in Go from an embedded English corpus of visual questions.\n" +
			"  base: the published bridgetower-base shapes (hidden 768, 12 layers, 288 px, 6 cross layers).\n" +
			"        It needs RoBERTa's 50,265-token vocabulary, which bt cannot make: pass --tokenizer DIR (a\n" +
			"        directory with tokenizer.json or vocab.json + merges.txt, e.g. a BridgeTower snapshot);\n" +
			"        without it no tokenizer is written.\n" +
			"Flags go before OUTDIR.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "preset", Usage: "tiny or base", Required: true},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the random weights"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary instead of text"},
			&cli.PathFlag{Name: "tokenizer", Usage: "base: RoBERTa tokenizer directory to copy (50,265 tokens)"},
		},
		Action: runInit,
	})
}

func runInit(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("init: want OUTDIR, got %d arguments", c.NArg())
	}
	out := c.Args().Get(0)
	if err := checkEmptyDir(out); err != nil {
		return err
	}
	preset, seed, tokDir := c.String("preset"), c.Uint64("seed"), c.Path("tokenizer")
	cfg, files, w, tokNote, err := presetModel(preset, seed, tokDir, out, nil)
	if err != nil {
		return err
	}
	tensors := map[string]*graph.Tensor{}
	count := 0
	for _, n := range w.Names() {
		tensors[n] = w.Tensor(n)
		count += w.Tensor(n).Shape.Size()
	}
	meta := map[string]string{"format": "pt", "bt_init": fmt.Sprintf("preset=%s seed=%d", preset, seed)}
	if err := writeInitDir(out, files, tensors, meta); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"dir": out, "preset": preset, "seed": seed, "parameters": count,
			"tensors": len(tensors), "image_size": cfg.Vision.ImageSize, "tokenizer": tokNote})
	}
	fmt.Fprintf(c.App.Writer, "wrote %s: preset %s, seed %d, %d parameters in %d tensors (backbone, itm, mlm), images %d px\n%s\n",
		out, preset, seed, count, len(tensors), cfg.Vision.ImageSize, tokNote)
	return nil
}

// checkEmptyDir refuses an OUTDIR that exists and is not an empty directory.
func checkEmptyDir(dir string) error {
	f, err := os.Open(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("init: %s exists and is not a directory", dir)
	}
	if _, err := f.Readdirnames(1); err != io.EOF {
		return fmt.Errorf("init: %s is not empty; refusing to overwrite it", dir)
	}
	return nil
}

// writeInitDir writes every file and model.safetensors into a temporary sibling directory and
// renames it to dir (replacing dir only when it is an empty directory).
func writeInitDir(dir string, files map[string][]byte, tensors map[string]*graph.Tensor, meta map[string]string) error {
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp*")
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	if err := safetensors.WriteFile(filepath.Join(tmp, "model.safetensors"), tensors, meta); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if err := checkEmptyDir(dir); err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("init: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	ok = true
	return nil
}

// preprocessorConfig is BridgeTowerImageProcessor's preprocessor_config.json producing size×size
// images: shortest edge and centre crop size, divisor 32, CLIP mean/std.
func preprocessorConfig(size int) ([]byte, error) {
	if size%32 != 0 {
		return nil, fmt.Errorf("init: image size %d is not a multiple of the processor's size_divisor 32", size)
	}
	m := map[string]any{
		"image_processor_type": "BridgeTowerImageProcessor",
		"processor_class":      "BridgeTowerProcessor",
		"do_resize":            true,
		"size":                 map[string]int{"shortest_edge": size},
		"size_divisor":         32,
		"resample":             3,
		"do_center_crop":       true,
		"crop_size":            map[string]int{"height": size, "width": size},
		"do_rescale":           true,
		"rescale_factor":       1.0 / 255,
		"do_normalize":         true,
		"image_mean":           []float64{0.48145466, 0.4578275, 0.40821073},
		"image_std":            []float64{0.26862954, 0.26130258, 0.27577711},
		"do_pad":               true,
	}
	return json.MarshalIndent(m, "", "  ")
}

// tinyTokenizerFiles adds vocab.json, merges.txt, special_tokens_map.json and
// tokenizer_config.json of a learned RoBERTa-layout BPE.
func tinyTokenizerFiles(files map[string][]byte, vocab map[string]int, merges [][2]string, maxLen int) error {
	v, err := json.Marshal(vocab)
	if err != nil {
		return fmt.Errorf("init: vocab.json: %w", err)
	}
	mask := map[string]any{"content": "<mask>", "lstrip": true, "rstrip": false, "normalized": false, "single_word": false}
	special := map[string]any{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
		"pad_token": "<pad>", "cls_token": "<s>", "mask_token": mask}
	sp, _ := json.MarshalIndent(special, "", "  ")
	tc := map[string]any{"tokenizer_class": "RobertaTokenizer", "model_max_length": maxLen, "add_prefix_space": false,
		"errors": "replace", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
		"pad_token": "<pad>", "cls_token": "<s>", "mask_token": mask}
	tcj, _ := json.MarshalIndent(tc, "", "  ")
	files["vocab.json"] = v
	files["merges.txt"] = []byte(tokenizer.MergesTxt(merges))
	files["special_tokens_map.json"] = sp
	files["tokenizer_config.json"] = tcj
	return nil
}

// copyTokenizer checks that dir holds a tokenizer of vocab tokens and adds its files.
func copyTokenizer(files map[string][]byte, dir string, vocab int) (string, error) {
	tk, err := tokenizer.Load(dir)
	if err != nil {
		return "", fmt.Errorf("init: --tokenizer: %w", err)
	}
	if n := tk.VocabSize(); n != vocab {
		return "", fmt.Errorf("init: --tokenizer %s has %d tokens; the base preset's text_config.vocab_size is %d (RoBERTa's)", dir, n, vocab)
	}
	var copied []string
	for _, name := range tokenizerFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("init: --tokenizer: %w", err)
		}
		files[name] = data
		copied = append(copied, name)
	}
	return fmt.Sprintf("tokenizer: %d tokens, copied from %s (%s)", vocab, dir, strings.Join(copied, ", ")), nil
}

// presetModel makes a preset's config, its directory files (tokenizer, preprocessor_config.json,
// config.json) and random weights (backbone, ITM, MLM) drawn from seed; out names the directory
// in the note on the base preset's missing tokenizer. tweak, when not nil, may change the
// config before the weights are drawn.
func presetModel(preset string, seed uint64, tokDir, out string, tweak func(*model.Config) error) (cfg *model.Config, files map[string][]byte, w *model.Weights, tokNote string, err error) {
	files = map[string][]byte{}
	switch preset {
	case "tiny":
		if tokDir != "" {
			return nil, nil, nil, "", fmt.Errorf("init: --tokenizer is for the base preset; tiny learns its own")
		}
		vocab, merges, err := tokenizer.TrainBPE(strings.Split(strings.TrimSpace(initCorpus), "\n"), tokenizer.TrainOptions{VocabSize: tinyVocabSize})
		if err != nil {
			return nil, nil, nil, "", fmt.Errorf("init: %w", err)
		}
		if cfg, err = model.PresetConfig("tiny", len(vocab)); err != nil {
			return nil, nil, nil, "", fmt.Errorf("init: %w", err)
		}
		if err := tinyTokenizerFiles(files, vocab, merges, cfg.Text.MaxPositionEmbeddings-2); err != nil {
			return nil, nil, nil, "", err
		}
		tokNote = fmt.Sprintf("tokenizer: byte-level BPE, %d tokens (%d merges learned from the embedded corpus)", len(vocab), len(merges))
	case "base":
		if cfg, err = model.PresetConfig("base", 0); err != nil {
			return nil, nil, nil, "", fmt.Errorf("init: %w", err)
		}
		if tokDir == "" {
			tokNote = "tokenizer: NONE WRITTEN. The base preset needs RoBERTa's 50,265-token vocabulary, which bt cannot\n" +
				"  make; copy tokenizer.json (or vocab.json + merges.txt) from a BridgeTower or roberta-base snapshot\n" +
				"  into " + out + ", or run bt init again with --tokenizer DIR."
			break
		}
		if tokNote, err = copyTokenizer(files, tokDir, cfg.Text.VocabSize); err != nil {
			return nil, nil, nil, "", err
		}
	default:
		return nil, nil, nil, "", fmt.Errorf("init: --preset %q: want tiny or base", preset)
	}
	if tweak != nil {
		if err := tweak(cfg); err != nil {
			return nil, nil, nil, "", err
		}
	}
	pre, err := preprocessorConfig(cfg.Vision.ImageSize)
	if err != nil {
		return nil, nil, nil, "", err
	}
	files["preprocessor_config.json"] = pre
	cfgJSON, err := cfg.Marshal()
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("init: %w", err)
	}
	files["config.json"] = cfgJSON
	w, err = model.InitWeights(cfg, seed, model.GroupText, model.GroupVision, model.GroupCross, model.GroupITM, model.GroupMLM)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("init: %w", err)
	}
	return cfg, files, w, tokNote, nil
}
