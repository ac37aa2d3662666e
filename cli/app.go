// Package cli is the bt command line: one file per command, each adding itself to the app with
// register in an init function, so that commands can be written independently. Main runs the app
// the way a user meets it: flags anywhere on the line, an unknown command answered with the
// nearest ones, errors on stderr, exit codes 0 (ok), 1 (failure) and 2 (usage).
package cli

import (
	"fmt"
	"io"
	"runtime"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/internal/progress"
)

// Version is the bt version, set at build time with -ldflags "-X github.com/bridgetower-go/bt/cli.Version=...".
var Version = "0.1.0-dev"

// versionString is what both `bt version` and `bt --version` print.
func versionString() string {
	return fmt.Sprintf("bt %s (%s, %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

var commands []*cli.Command

// register adds a command to the app; called from init functions of the command files.
func register(c *cli.Command) { commands = append(commands, c) }

// NewApp builds the bt application with every registered command.
func NewApp() *cli.App {
	cmds := append([]*cli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	setUsageErrors(cmds)
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionString()) }
	return &cli.App{
		Name:                 "bt",
		Usage:                "BridgeTower vision-language model: inference and fine-tuning on Metal and the CPU",
		Version:              Version,
		Commands:             cmds,
		EnableBashCompletion: true,
		OnUsageError:         onUsageError,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress or spinners on stderr (they only appear on a terminal anyway)"},
			&cli.StringFlag{Name: "precision", Value: "f32", Usage: "compute precision of --device metal or mps-sim: f32, or f16 (f16 activations and matrix products, f32 master weights and LayerNorm/softmax accumulation)"},
		},
		Before: func(c *cli.Context) error {
			progress.Quiet = c.Bool("quiet")
			return nil
		},
		// Errors are printed once, by Main, with the exit code of their kind.
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		if c.OnUsageError == nil {
			c.OnUsageError = onUsageError
		}
		setUsageErrors(c.Subcommands)
	}
}

// Main runs bt with args (args[0] is the program name), printing results on stdout and errors
// on stderr, and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	app := NewApp()
	app.Writer, app.ErrWriter = stdout, stderr
	if err := checkCommand(app, args); err != nil {
		fmt.Fprintln(stderr, "bt:", err)
		return ExitCode(err)
	}
	args = reorderArgs(app, args)
	if err := checkRequired(app, args); err != nil {
		fmt.Fprintln(stderr, "bt:", err)
		return ExitCode(err)
	}
	err := app.Run(args)
	if err != nil {
		fmt.Fprintln(stderr, "bt:", err)
	}
	return ExitCode(err)
}
