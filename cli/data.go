package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/train/data"
)

func init() {
	register(&cli.Command{
		Name:  "data",
		Usage: "fine-tuning data: generate the synthetic shapes VQA set, check a dataset",
		Subcommands: []*cli.Command{
			{
				Name:      "shapes",
				Usage:     "write a synthetic coloured-shapes VQA set (train.jsonl, val.jsonl, images/, answers.json, README.md)",
				ArgsUsage: "--out DIR [--n N] [--seed S] [--size PX] [--per-image K] [--types color,shape,...]",
				Description: "Scenes of 1–3 large shapes (circle, square, triangle; red, green, blue, yellow) on varied grey\n" +
					"backgrounds; questions on colour, shape, count, existence and left/right position with balanced\n" +
					"answers. The output depends only on the flags. DIR must not exist or be empty. See DIR/README.md.",
				Flags: []cli.Flag{
					&cli.PathFlag{Name: "out", Usage: "output directory (created; must be empty)", Required: true},
					&cli.IntFlag{Name: "n", Value: data.DefaultShapesN, Usage: "questions over both splits"},
					&cli.Uint64Flag{Name: "seed", Value: 0, Usage: "random seed"},
					&cli.IntFlag{Name: "size", Value: 64, Usage: "image side in pixels (32–1024)"},
					&cli.IntFlag{Name: "per-image", Value: 3, Usage: "questions per image, of distinct types (1–5)"},
					&cli.Float64Flag{Name: "val-fraction", Value: 0.1, Usage: "share of the images in val.jsonl"},
					&cli.StringSliceFlag{Name: "types", Usage: "question types to ask (color, shape, count, exist, position; default all; and side, a curriculum type asked only when named), e.g. for a curriculum"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON summary instead of text"},
				},
				Action: runDataShapes,
			},
			{
				Name:      "check",
				Usage:     "read a dataset, report bad rows, sizes and (VQA) the majority-answer baseline",
				ArgsUsage: "--task vqa|retrieval|classification --train FILE [--val FILE] [--skip-bad] [--min-count N] [--vocab-out FILE]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "task", Usage: "vqa, retrieval or classification", Required: true},
					&cli.PathFlag{Name: "train", Usage: "training split (JSON lines)", Required: true},
					&cli.PathFlag{Name: "val", Usage: "validation split (JSON lines)"},
					&cli.BoolFlag{Name: "skip-bad", Usage: "skip bad rows (and count them) instead of failing"},
					&cli.IntFlag{Name: "min-count", Value: 1, Usage: "VQA: keep answers that are the major answer of at least N training questions"},
					&cli.PathFlag{Name: "vocab-out", Usage: "write the answer/label vocabulary of the training split here (e.g. answers.json)"},
				},
				Action: runDataCheck,
			},
		},
	})
}

func runDataShapes(c *cli.Context) error {
	if c.NArg() != 0 {
		return usagef("data shapes: unexpected arguments %v", c.Args().Slice())
	}
	opt := data.ShapesOptions{N: c.Int("n"), Seed: c.Uint64("seed"), Size: c.Int("size"),
		PerImage: c.Int("per-image"), ValFraction: c.Float64("val-fraction"), Types: c.StringSlice("types")}
	if len(opt.Types) > 0 && opt.PerImage > len(opt.Types) && !c.IsSet("per-image") {
		opt.PerImage = len(opt.Types)
	}
	if opt.N <= 0 || opt.Size <= 0 || opt.PerImage <= 0 || opt.ValFraction <= 0 {
		return usagef("data shapes: --n, --size, --per-image and --val-fraction must be positive")
	}
	s, err := data.GenerateShapes(c.Path("out"), opt)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"dir": c.Path("out"), "train_questions": s.TrainQuestions, "train_images": s.TrainImages,
			"val_questions": s.ValQuestions, "val_images": s.ValImages})
	}
	fmt.Fprintf(c.App.Writer, "wrote %s: %d train questions on %d images, %d val questions on %d images\n",
		c.Path("out"), s.TrainQuestions, s.TrainImages, s.ValQuestions, s.ValImages)
	return nil
}

func runDataCheck(c *cli.Context) error {
	task, err := data.ParseTask(c.String("task"))
	if err != nil {
		return err
	}
	opt := data.ReadOptions{SkipBad: c.Bool("skip-bad")}
	w := c.App.Writer
	train, err := data.ReadJSONL(c.Path("train"), task, opt)
	if err != nil {
		return err
	}
	report := func(ds *data.Dataset) {
		fmt.Fprintf(w, "%s: %d rows, %d skipped\n", ds.Path, len(ds.Examples), len(ds.Skipped))
		for i, e := range ds.Skipped {
			if i == 5 {
				fmt.Fprintf(w, "  ... %d more\n", len(ds.Skipped)-5)
				break
			}
			fmt.Fprintf(w, "  %v\n", e)
		}
	}
	report(train)
	var vocab *data.Vocab
	switch task {
	case data.TaskVQA:
		vocab, err = data.BuildAnswerVocab(train, c.Int("min-count"))
	case data.TaskClassification:
		vocab, err = data.BuildLabelVocab(train)
	}
	if err != nil {
		return err
	}
	if vocab != nil {
		fmt.Fprintf(w, "vocabulary: %d entries (%s)\n", vocab.Len(), strings.Join(firstN(vocab.Labels, 12), ", "))
		if p := c.Path("vocab-out"); p != "" {
			if err := vocab.Save(p); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s\n", p)
		}
	}
	if c.Path("val") == "" {
		return nil
	}
	val, err := data.ReadJSONL(c.Path("val"), task, opt)
	if err != nil {
		return err
	}
	if task == data.TaskClassification {
		if err := val.CheckLabels(vocab, opt.SkipBad); err != nil {
			return err
		}
	}
	report(val)
	if task == data.TaskVQA {
		b := data.MajorityBaseline(train, val)
		fmt.Fprintf(w, "majority baseline on %s: %.4f (%q for all), %.4f (majority answer per type), %.4f (per question text)\n",
			val.Path, b.Overall, b.Answer, b.ByType, b.ByQuestion)
		var types []string
		for t := range b.PerType {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			tb := b.PerType[t]
			fmt.Fprintf(w, "  %s: %.4f (%q, %d questions)\n", t, tb.Score, tb.Answer, tb.N)
		}
	}
	return nil
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), "...")
}
