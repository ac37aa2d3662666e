package cli

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/train/ablate"
)

// This file: bt ablate (flags, --list, one cell, the report); ablate_jobs.go runs the cells as
// child processes, N at once.

func init() {
	register(&cli.Command{
		Name:  "ablate",
		Usage: "bridge-layer ablations: train every variant × seed of a grid, resumable, and tabulate them",
		ArgsUsage: "--grid FILE [--task vqa|retrieval|classify] --train FILE --val FILE --seeds N --out DIR [--jobs N | --list | --cell I]\n" +
			"   bt ablate report DIR",
		Description: "Runs every cell (variant × seed) of the grid that has not finished, each in its own process\n" +
			"(so that its peak memory is its own), --jobs at once (each with GOMAXPROCS = cores / jobs unless\n" +
			"GOMAXPROCS is set), writing OUT/cells/<variant>-s<seed>/; a killed cell restarts from its last\n" +
			"checkpoint. Then writes OUT/results.jsonl, OUT/table.md (mean ± std over seeds of the task's\n" +
			"metrics, parameters added, step time, peak memory) and OUT/plot.png.\n" +
			"The grid carries the fine-tuning recipe (its \"train\" keys are bt fine-tune's flags) and the\n" +
			"starting model: a model directory (\"model\") or a preset's random weights (\"preset\").\n" +
			"On a cluster: --list prints the cells; --cell I runs exactly one (I defaults to SLURM_ARRAY_TASK_ID\n" +
			"or JOB_COMPLETION_INDEX), into the shared OUT without touching other cells; 'bt ablate report OUT'\n" +
			"merges them. See train/ablate/README.md and train/ablate/examples.",
		Flags: []cli.Flag{
			&cli.PathFlag{Name: "grid", Usage: "grid file (JSON: model or preset, train settings, variants; see train/ablate)"},
			&cli.StringFlag{Name: "task", Usage: "vqa, retrieval or classify (default: the grid's task, else vqa)"},
			&cli.PathFlag{Name: "train", Usage: "training split (JSON lines)"},
			&cli.PathFlag{Name: "val", Usage: "validation split (JSON lines)"},
			&cli.IntFlag{Name: "seeds", Usage: "seeds 1..N per variant (overrides the grid's seeds)"},
			&cli.PathFlag{Name: "out", Usage: "output directory (shared by all cells)"},
			&cli.PathFlag{Name: "model", Usage: "starting model directory (overrides the grid's model)"},
			&cli.BoolFlag{Name: "list", Usage: "print the cells (index, name, variant, seed, status) and exit"},
			&cli.StringFlag{Name: "cell", Usage: "run only cell I (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX when set)"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 1, Usage: "cells run at once, each a process with GOMAXPROCS = cores / jobs"},
			&cli.BoolFlag{Name: "in-process", Usage: "run the cells one after the other in this process instead of one child process each (peak memory is then the process's)"},
			deviceFlag(),
		},
		Action: runAblate,
		Subcommands: []*cli.Command{{
			Name:      "report",
			Usage:     "merge the finished cells of DIR into results.jsonl, table.md and plot.png",
			ArgsUsage: "DIR",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "metric", Usage: "headline metric (default: the grid's, else the task's first)"}},
			Action:    runAblateReport,
		}},
	})
}

func runAblateReport(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("ablate report: want DIR, got %d arguments", c.NArg())
	}
	dir := c.Args().Get(0)
	sums, err := ablate.WriteReport(dir, c.String("metric"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%d variants: %s, %s, %s\n", len(sums), filepath.Join(dir, "results.jsonl"), filepath.Join(dir, "table.md"), filepath.Join(dir, "plot.png"))
	return nil
}

// ablateSetup is a checked bt ablate invocation.
type ablateSetup struct {
	grid     *ablate.Grid
	task     string // resolved: --task, else the grid's, else vqa
	modelDir string // resolved starting model directory ("" for a preset grid)
	out      string
}

func checkAblate(c *cli.Context) (*ablateSetup, error) {
	if c.NArg() > 0 {
		return nil, usagef("ablate: unexpected argument %q (did you mean 'bt ablate report DIR'?)", c.Args().Get(0))
	}
	if c.Path("grid") == "" {
		return nil, usagef("ablate: --grid FILE is required")
	}
	g, err := ablate.LoadGrid(c.Path("grid"), c.Int("seeds"))
	if err != nil {
		return nil, err
	}
	s := &ablateSetup{grid: g, out: c.Path("out"), task: c.String("task")}
	switch {
	case s.task == "":
		s.task = g.Task
		if s.task == "" {
			s.task = "vqa"
		}
	case g.Task != "" && g.Task != s.task:
		return nil, usagef("ablate: --task %s, but the grid's task is %s", s.task, g.Task)
	}
	if _, err := ablate.ParseTask(s.task); err != nil {
		return nil, usagef("%v", err)
	}
	g.Task = s.task
	if c.Int("jobs") < 1 {
		return nil, usagef("ablate: --jobs %d must be at least 1", c.Int("jobs"))
	}
	if c.Bool("in-process") && c.Int("jobs") > 1 {
		return nil, usagef("ablate: --in-process runs one cell at a time; drop --jobs or --in-process")
	}
	if s.modelDir = c.Path("model"); s.modelDir == "" && g.Model != "" {
		s.modelDir = g.Model
		if !filepath.IsAbs(s.modelDir) {
			s.modelDir = filepath.Join(filepath.Dir(c.Path("grid")), s.modelDir) // relative to the grid file
		}
	}
	if s.modelDir != "" && g.Preset != nil {
		return nil, usagef("ablate: the grid starts from a preset; --model gives a model directory instead: use one")
	}
	if s.modelDir == "" && g.Preset == nil {
		return nil, usagef("ablate: no starting model: give \"model\" or \"preset\" in the grid, or --model DIR")
	}
	return s, nil
}

func runAblate(c *cli.Context) error {
	s, err := checkAblate(c)
	if err != nil {
		return err
	}
	g, out := s.grid, s.out
	cells := g.Cells()
	if c.Bool("list") {
		for _, cell := range cells {
			status := "todo"
			if out != "" && (&ablate.Runner{Grid: g, Out: out}).Done(cell) {
				status = "done"
			}
			fmt.Fprintf(c.App.Writer, "%d\t%s\t%s\t%d\t%s\n", cell.Index, cell.Name(), cell.Variant.Name, cell.Seed, status)
		}
		return nil
	}
	for _, f := range []string{"out", "train", "val"} {
		if c.Path(f) == "" {
			return usagef("ablate: --%s is required", f)
		}
	}
	task, _ := ablate.ParseTask(s.task)
	backend, err := openDevice(c, "ablate")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &ablate.Runner{Grid: g, ModelDir: s.modelDir, MakePreset: makePreset, Out: out, Log: c.App.ErrWriter,
		Trainer: &ablate.TaskTrainer{Task: task, Train: c.Path("train"), Val: c.Path("val"), Backend: backend, Log: c.App.ErrWriter}}

	cellArg, fromEnv := c.String("cell"), false
	if cellArg == "" {
		i, ok, err := ablate.CellFromEnv(os.Getenv)
		if err != nil {
			return usagef("%v", err)
		}
		if ok {
			cellArg, fromEnv = strconv.Itoa(i), true
		}
	}
	if cellArg != "" {
		i, err := strconv.Atoi(cellArg)
		if err != nil || i < 0 || i >= len(cells) {
			src := "--cell"
			if fromEnv {
				src = "the scheduler's index"
			}
			return usagef("ablate: %s %q is not a cell of the grid (0..%d)", src, cellArg, len(cells)-1)
		}
		_, err = r.RunCell(ctx, i)
		return err
	}
	if c.Bool("in-process") {
		return r.RunAll(ctx)
	}
	if err := runCellProcesses(ctx, c, s, r); err != nil {
		return err
	}
	sums, err := ablate.WriteReport(out, g.Metric)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%d variants × %d seeds: %s\n", len(sums), len(g.Seeds), filepath.Join(out, "table.md"))
	return nil
}

// makePreset writes a preset's model directory as bt init does, with the grid's patch and
// image sizes (ablate.MakePresetFunc).
func makePreset(p ablate.Preset, seed uint64, dir string) error {
	_, files, w, _, err := presetModel(p.Name, seed, "", dir, func(cfg *model.Config) error {
		cfg.Vision.PatchSize, cfg.Vision.ImageSize = p.PatchSize, p.ImageSize
		return cfg.Validate()
	})
	if err != nil {
		return err
	}
	tensors := map[string]*graph.Tensor{}
	for _, n := range w.Names() {
		tensors[n] = w.Tensor(n)
	}
	meta := map[string]string{"format": "pt", "bt_init": fmt.Sprintf("preset=%s seed=%d patch_size=%d image_size=%d", p.Name, seed, p.PatchSize, p.ImageSize)}
	return writeInitDir(dir, files, tensors, meta)
}
