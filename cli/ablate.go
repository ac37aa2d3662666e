package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/train/ablate"
)

func init() {
	register(&cli.Command{
		Name:  "ablate",
		Usage: "bridge-layer ablations: train every variant × seed of a grid, resumable, and tabulate them",
		ArgsUsage: "--grid FILE --task vqa --train FILE --val FILE --seeds N --out DIR [--list | --cell I]\n" +
			"   bt ablate report DIR",
		Description: "Runs every cell (variant × seed) of the grid that has not finished, each in its own process\n" +
			"(so that its peak memory is its own), writing OUT/cells/<variant>-s<seed>/; a killed cell restarts\n" +
			"from its last checkpoint. Then writes OUT/results.jsonl, OUT/table.md (mean ± std over seeds per\n" +
			"metric, parameters added, step time, peak memory) and OUT/plot.png.\n" +
			"On a cluster: --list prints the cells; --cell I runs exactly one (I defaults to SLURM_ARRAY_TASK_ID\n" +
			"or JOB_COMPLETION_INDEX), into the shared OUT without touching other cells; 'bt ablate report OUT'\n" +
			"merges them. See train/ablate/examples for a Slurm job array and a Kubernetes Indexed Job.",
		Flags: []cli.Flag{
			&cli.PathFlag{Name: "grid", Usage: "grid file (JSON: model, train settings, variants; see train/ablate)"},
			&cli.StringFlag{Name: "task", Value: "vqa", Usage: "fine-tuning task (vqa)"},
			&cli.PathFlag{Name: "train", Usage: "training split (JSON lines)"},
			&cli.PathFlag{Name: "val", Usage: "validation split (JSON lines)"},
			&cli.IntFlag{Name: "seeds", Usage: "seeds 1..N per variant (overrides the grid's seeds)"},
			&cli.PathFlag{Name: "out", Usage: "output directory (shared by all cells)"},
			&cli.PathFlag{Name: "model", Usage: "starting model directory (overrides the grid's model)"},
			&cli.BoolFlag{Name: "list", Usage: "print the cells (index, name, variant, seed, status) and exit"},
			&cli.StringFlag{Name: "cell", Usage: "run only cell I (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX when set)"},
			&cli.BoolFlag{Name: "in-process", Usage: "run the cells in this process instead of one child process each (peak memory is then the process's)"},
			deviceFlag(),
		},
		Action: runAblate,
		Subcommands: []*cli.Command{{
			Name:      "report",
			Usage:     "merge the finished cells of DIR into results.jsonl, table.md and plot.png",
			ArgsUsage: "DIR",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "metric", Usage: "headline metric (default: the grid's, else the first)"}},
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

func runAblate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("ablate: unexpected argument %q (did you mean 'bt ablate report DIR'?)", c.Args().Get(0))
	}
	if c.Path("grid") == "" {
		return usagef("ablate: --grid FILE is required")
	}
	g, err := ablate.LoadGrid(c.Path("grid"), c.Int("seeds"))
	if err != nil {
		return err
	}
	out := c.Path("out")
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
	if c.String("task") != "vqa" {
		return usagef("ablate: --task %s: only vqa is supported", c.String("task"))
	}
	modelDir := c.Path("model")
	if modelDir == "" {
		modelDir = g.Model
		if modelDir != "" && !filepath.IsAbs(modelDir) {
			modelDir = filepath.Join(filepath.Dir(c.Path("grid")), modelDir) // relative to the grid file
		}
	}
	if modelDir == "" {
		return usagef("ablate: no starting model: give \"model\" in the grid or --model DIR")
	}
	base, err := model.LoadConfig(filepath.Join(modelDir, "config.json"))
	if err != nil {
		return err
	}
	settings, err := ablate.ParseSettings(g.Train)
	if err != nil {
		return err
	}
	backend, err := openDevice(c, "ablate")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &ablate.Runner{Grid: g, Base: base, Out: out, Log: c.App.ErrWriter,
		Trainer: &ablate.VQATrainer{ModelDir: modelDir, Train: c.Path("train"), Val: c.Path("val"), Settings: settings, Backend: backend}}

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
	// One child process per unfinished cell, in order: each cell's peak memory is its own.
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("ablate: %w", err)
	}
	for _, cell := range cells {
		if r.Done(cell) {
			fmt.Fprintf(c.App.ErrWriter, "cell %d %s: done, skipped\n", cell.Index, cell.Name())
			continue
		}
		args := []string{"ablate", "--grid", c.Path("grid"), "--task", c.String("task"), "--train", c.Path("train"), "--val", c.Path("val"),
			"--out", out, "--model", modelDir, "--device", c.String("device"), "--cell", strconv.Itoa(cell.Index)}
		if n := c.Int("seeds"); n > 0 {
			args = append(args, "--seeds", strconv.Itoa(n))
		}
		if err := runChild(ctx, self, args, c); err != nil {
			return fmt.Errorf("ablate: cell %d %s: %w", cell.Index, cell.Name(), err)
		}
	}
	sums, err := ablate.WriteReport(out, g.Metric)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%d variants × %d seeds: %s\n", len(sums), len(g.Seeds), filepath.Join(out, "table.md"))
	return nil
}

// runChildCommand builds the child process of a cell (a variable so that tests can run the
// cli through their own binary).
var runChildCommand = func(ctx context.Context, self string, args []string) *exec.Cmd {
	return exec.CommandContext(ctx, self, args...)
}

func runChild(ctx context.Context, self string, args []string, c *cli.Context) error {
	cmd := runChildCommand(ctx, self, args)
	cmd.Stdout, cmd.Stderr = c.App.ErrWriter, c.App.ErrWriter
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // the trainer saves and stops
	return cmd.Run()
}
