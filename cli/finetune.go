package cli

import (
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/train"
	"github.com/bridgetower-go/bt/train/data"
)

func init() {
	register(&cli.Command{
		Name:  "fine-tune",
		Usage: "fine-tune a model (or a fresh tiny/base preset) for VQA, retrieval or classification",
		ArgsUsage: "--task vqa|retrieval|classify --train FILE --val FILE (--model DIR|HUBID | --preset tiny|base) --out DIR\n" +
			"   [--epochs N | --steps N] [--batch-size N] [--lr X] [--warmup F] [--resume] ...",
		Description: "Trains the task's head (VQA classifier over the training split's answers, classifier over its\n" +
			"labels, or image-text matching with sampled negatives) and the model under it, with AdamW, a linear\n" +
			"warm-up/decay schedule, gradient clipping and the original code's learning-rate multipliers\n" +
			"(cross-modal layers and heads × 5). Every --eval-every steps (and at the end) the val split is\n" +
			"evaluated; OUT gets metrics.jsonl, curves.png, checkpoint-<step>/ directories and, at the end,\n" +
			"OUT/final: a complete model directory (config.json with id2label = the answers, model.safetensors,\n" +
			"tokenizer, preprocessor_config.json, answers.json) for bt ask and bt eval (with --keep-best, also\n" +
			"OUT/best: the model of the best evaluation, and best.json with its step and score). Ctrl-C saves a\n" +
			"checkpoint; --resume continues from OUT's newest checkpoint with the same data order.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "vqa, retrieval or classify", Required: true},
			&cli.PathFlag{Name: "train", Usage: "training split (JSON lines, see bt data)", Required: true},
			&cli.PathFlag{Name: "val", Usage: "validation split (JSON lines)", Required: true},
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "model to start from: directory or hub id"},
			&cli.StringFlag{Name: "preset", Usage: "start from random weights of a preset (tiny or base) instead of --model"},
			&cli.PathFlag{Name: "out", Usage: "output directory (absent or empty, unless --resume)", Required: true},
			&cli.IntFlag{Name: "epochs", Usage: "passes over the training split (default 3 when --steps is not given)"},
			&cli.IntFlag{Name: "steps", Usage: "optimizer steps (instead of --epochs)"},
			&cli.IntFlag{Name: "batch-size", Value: 32, Usage: "examples per micro-batch"},
			&cli.Float64Flag{Name: "lr", Value: 1e-4, Usage: "base learning rate (cross-modal layers and the head get 5×)"},
			&cli.Float64Flag{Name: "warmup", Value: 0.1, Usage: "share of the steps with a linear warm-up (0 ≤ F < 1)"},
			&cli.Float64Flag{Name: "lr-mult-cross", Value: 5, Usage: "learning-rate multiplier of the cross-modal layers (the original's 5)"},
			&cli.Float64Flag{Name: "lr-mult-head", Value: 5, Usage: "learning-rate multiplier of the task head (the original's 5)"},
			&cli.Float64Flag{Name: "weight-decay", Value: 0.01, Usage: "AdamW weight decay"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the data order, new head weights, preset weights and dropout"},
			&cli.BoolFlag{Name: "dropout", Usage: "train with the config's dropout rates (default off: from-scratch small models learn faster without)"},
			&cli.IntFlag{Name: "patch-size", Usage: "--preset: the vision patch size (tiny: 8)"},
			&cli.IntFlag{Name: "image-size", Usage: "--preset: the image size (tiny: 64; a multiple of 32 and of the patch size)"},
			&cli.Float64Flag{Name: "vision-pos-sincos", Usage: "replace the vision position embeddings of the start model or preset by a 2-D sine-cosine table of this norm per patch row (0: keep them); see testdata/shapes-tiny/README.md"},
			&cli.IntFlag{Name: "text-len", Usage: "tokens per text (default: the longest text of the splits)"},
			deviceFlag(),
			&cli.BoolFlag{Name: "resume", Usage: "continue the run in --out from its newest checkpoint"},
			&cli.BoolFlag{Name: "skip-bad", Usage: "skip bad rows and undecodable images (counted) instead of failing"},
			&cli.IntFlag{Name: "eval-every", Usage: "steps between val evaluations (default: once per epoch)"},
			&cli.IntFlag{Name: "checkpoint-every", Usage: "steps between checkpoints (default: once per epoch)"},
			&cli.IntFlag{Name: "keep", Value: 2, Usage: "checkpoints kept (0: all)"},
			&cli.BoolFlag{Name: "keep-best", Usage: "also keep the model of the best val evaluation (vqa_score, accuracy or itm_accuracy) in OUT/best"},
			&cli.BoolFlag{Name: "freeze-vision", Usage: "do not train the vision encoder"},
			&cli.BoolFlag{Name: "freeze-text", Usage: "do not train the text encoder"},
			&cli.IntFlag{Name: "grad-accum", Value: 1, Usage: "micro-batches per optimizer step"},
			&cli.Float64Flag{Name: "clip", Value: 1, Usage: "global gradient-norm clipping (0: none)"},
			&cli.IntFlag{Name: "workers", Usage: "data loader goroutines (0: min(4, cores))"},
			&cli.IntFlag{Name: "eval-batch-size", Value: 64, Usage: "examples per forward pass of the evaluation"},
		},
		Action: runFineTune,
	})
}

// ftFlags are the checked flags of a fine-tuning run.
type ftFlags struct {
	task                      data.Task
	train, val, out           string
	model, preset             string
	epochs, steps, batch      int
	accum, evalEvery, ckEvery int
	lr, warmup, clip          float64
}

// checkFineTuneFlags checks every flag and path before anything is computed.
func checkFineTuneFlags(c *cli.Context) (*ftFlags, error) {
	f := &ftFlags{train: c.Path("train"), val: c.Path("val"), out: c.Path("out"), model: c.String("model"),
		preset: c.String("preset"), epochs: c.Int("epochs"), steps: c.Int("steps"), batch: c.Int("batch-size"),
		accum: c.Int("grad-accum"), evalEvery: c.Int("eval-every"), ckEvery: c.Int("checkpoint-every"),
		lr: c.Float64("lr"), warmup: c.Float64("warmup"), clip: c.Float64("clip")}
	if c.NArg() != 0 {
		return nil, usagef("fine-tune: unexpected arguments %v (every input is a flag)", c.Args().Slice())
	}
	var err error
	if f.task, err = data.ParseTask(c.String("task")); err != nil {
		return nil, usagef("fine-tune: --task %q: want vqa, retrieval or classify", c.String("task"))
	}
	if err := checkInputFile("--train", f.train); err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	if err := checkInputFile("--val", f.val); err != nil {
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	resume := c.Bool("resume")
	switch {
	case resume && (f.model != "" || f.preset != ""):
		return nil, usagef("fine-tune: --resume continues the run in --out; do not give --model or --preset")
	case !resume && f.model != "" && f.preset != "":
		return nil, usagef("fine-tune: give --model or --preset, not both")
	case !resume && f.model == "" && f.preset == "":
		return nil, usagef("fine-tune: give --model DIR|HUBID or --preset tiny|base")
	case f.preset != "" && f.preset != "tiny" && f.preset != "base":
		return nil, usagef("fine-tune: --preset %q: want tiny or base", f.preset)
	case f.preset == "base":
		return nil, usagef("fine-tune: --preset base has no tokenizer (RoBERTa's 50,265 tokens): run bt init --preset base --tokenizer DIR OUTDIR and pass --model OUTDIR")
	case resume && c.IsSet("vision-pos-sincos"):
		return nil, usagef("fine-tune: --vision-pos-sincos sets the start weights; a --resume run continues from its checkpoint")
	case !(c.Float64("vision-pos-sincos") >= 0) || math.IsInf(c.Float64("vision-pos-sincos"), 0):
		return nil, usagef("fine-tune: --vision-pos-sincos %v: want a norm > 0 (or 0: keep the embeddings)", c.Float64("vision-pos-sincos"))
	case f.preset == "" && (c.IsSet("patch-size") || c.IsSet("image-size")):
		return nil, usagef("fine-tune: --patch-size and --image-size shape a --preset; a --model keeps its own")
	case f.model != "":
		if _, err := os.Stat(f.model); err != nil && !strings.Contains(f.model, "/") {
			return nil, usagef("fine-tune: --model %s: no such directory (nor a hub id ORG/NAME)", f.model)
		}
	}
	switch {
	case c.IsSet("epochs") && c.IsSet("steps"):
		return nil, usagef("fine-tune: give --epochs or --steps, not both")
	case c.IsSet("epochs") && f.epochs <= 0:
		return nil, usagef("fine-tune: --epochs %d must be positive", f.epochs)
	case c.IsSet("steps") && f.steps <= 0:
		return nil, usagef("fine-tune: --steps %d must be positive", f.steps)
	case f.batch <= 0:
		return nil, usagef("fine-tune: --batch-size %d must be positive", f.batch)
	case c.Int("eval-batch-size") <= 0:
		return nil, usagef("fine-tune: --eval-batch-size %d must be positive", c.Int("eval-batch-size"))
	case f.accum <= 0:
		return nil, usagef("fine-tune: --grad-accum %d must be positive", f.accum)
	case !(f.lr > 0):
		return nil, usagef("fine-tune: --lr %v must be positive", f.lr)
	case !(f.warmup >= 0 && f.warmup < 1):
		return nil, usagef("fine-tune: --warmup %v must be a share of the steps in [0, 1)", f.warmup)
	case !(f.clip >= 0):
		return nil, usagef("fine-tune: --clip %v must be >= 0", f.clip)
	case !(c.Float64("lr-mult-cross") > 0 && c.Float64("lr-mult-head") > 0):
		return nil, usagef("fine-tune: --lr-mult-cross %v and --lr-mult-head %v must be positive", c.Float64("lr-mult-cross"), c.Float64("lr-mult-head"))
	case !(c.Float64("weight-decay") >= 0):
		return nil, usagef("fine-tune: --weight-decay %v must be >= 0", c.Float64("weight-decay"))
	case f.evalEvery < 0 || f.ckEvery < 0 || c.Int("keep") < 0 || c.Int("workers") < 0 || c.Int("text-len") < 0:
		return nil, usagef("fine-tune: --eval-every, --checkpoint-every, --keep, --workers and --text-len must be >= 0")
	}
	if !c.IsSet("epochs") && !c.IsSet("steps") {
		f.epochs = 3
	}
	if resume {
		if _, err := train.LatestCheckpoint(f.out); err != nil {
			return nil, usagef("fine-tune: --resume: --out %s: %v", f.out, err)
		}
		return f, nil
	}
	if err := checkOutputDir("--out", f.out, f.train, f.val); err != nil {
		if strings.Contains(err.Error(), "not empty") || isNonEmptyDir(f.out) {
			return nil, usagef("fine-tune: --out %s is not empty: choose a new directory, or add --resume to continue its run", f.out)
		}
		return nil, fmt.Errorf("fine-tune: %w", err)
	}
	if isNonEmptyDir(f.out) {
		return nil, usagef("fine-tune: --out %s is not empty: choose a new directory, or add --resume to continue its run", f.out)
	}
	return f, nil
}

func isNonEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

// evalLine formats evaluation metrics: the task metric first, then the others sorted.
func evalLine(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch {
		case k == "vqa_score" || k == "accuracy" || k == "itm_accuracy":
			return 0
		case strings.HasPrefix(k, "vqa_score."):
			return 1
		case k == "n":
			return 3
		}
		return 2
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k == "n" || k == "recall_texts" {
			parts[i] = fmt.Sprintf("%s %d", k, int(m[k]))
		} else {
			parts[i] = fmt.Sprintf("%s %.4f", k, m[k])
		}
	}
	return strings.Join(parts, ", ")
}

func runFineTune(c *cli.Context) error {
	f, err := checkFineTuneFlags(c)
	if err != nil {
		return err
	}
	backend, err := openDevice(c, "fine-tune")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := setupFineTune(ctx, c, f, backend)
	if err != nil {
		return err
	}
	defer r.loader.Close()
	errw := errWriter(c)
	start := time.Now()
	sum, runErr := r.trainer.Run(ctx, r.loader)
	elapsed := time.Since(start)
	if sum.Interrupted {
		fmt.Fprintf(errw, "fine-tune: interrupted after step %d; saved %s (continue with --resume)\n", sum.Steps, sum.Checkpoint)
		return runErr
	}
	if runErr != nil {
		return fmt.Errorf("fine-tune: %w", runErr)
	}
	final := filepath.Join(f.out, "final")
	if err := exportFinal(sum.Checkpoint, final); err != nil {
		return err
	}
	last := lastEval(r.trainer.History())
	w := c.App.Writer
	fmt.Fprintf(w, "fine-tuned %d steps in %s (%.2f s/step this run); model: %s\n", sum.Steps, elapsed.Round(time.Second),
		elapsed.Seconds()/float64(max(1, len(stepRecords(r.trainer.History())))), final)
	if last != nil {
		fmt.Fprintf(w, "val %s: %s\n", f.val, evalLine(last))
	}
	if r.baseline != "" {
		fmt.Fprintf(w, "%s\n", r.baseline)
	}
	if b := r.trainer.Best(); b != nil {
		fmt.Fprintf(w, "best val %s %.4f at step %d: %s\n", b.Metric, b.Value, b.Step, filepath.Join(f.out, train.BestDir))
	}
	if sum.EndOfData {
		fmt.Fprintf(w, "note: the training data ended before step %d\n", r.trainer.Config().Steps)
	}
	return nil
}

func stepRecords(h []train.Record) []train.Record {
	var out []train.Record
	for _, r := range h {
		if r.Kind == "step" {
			out = append(out, r)
		}
	}
	return out
}

func lastEval(h []train.Record) map[string]float64 {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Kind == "eval" {
			return h[i].Metrics
		}
	}
	return nil
}

// exportFinal copies a checkpoint's model files (not the optimizer state nor trainer.json) into
// a new directory dir (replacing an earlier export), through a temporary directory.
func exportFinal(ckpt, dir string) error {
	if ckpt == "" {
		return fmt.Errorf("fine-tune: no checkpoint was written")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".final-*")
	if err != nil {
		return fmt.Errorf("fine-tune: %w", err)
	}
	defer os.RemoveAll(tmp)
	entries, err := os.ReadDir(ckpt)
	if err != nil {
		return fmt.Errorf("fine-tune: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "optimizer.safetensors" || e.Name() == "trainer.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(ckpt, e.Name()))
		if err != nil {
			return fmt.Errorf("fine-tune: %w", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644); err != nil {
			return fmt.Errorf("fine-tune: %w", err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("fine-tune: %w", err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("fine-tune: %w", err)
	}
	return nil
}
