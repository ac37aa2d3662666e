// Package cli is the bt command line: one file per command, each adding itself to the app with
// register in an init function, so that commands can be written independently.
package cli

import (
	"sort"

	"github.com/urfave/cli/v2"
)

// Version is the bt version, set at build time with -ldflags "-X github.com/bridgetower-go/bt/cli.Version=...".
var Version = "0.1.0-dev"

var commands []*cli.Command

// register adds a command to the app; called from init functions of the command files.
func register(c *cli.Command) { commands = append(commands, c) }

// NewApp builds the bt application with every registered command.
func NewApp() *cli.App {
	cmds := append([]*cli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return &cli.App{
		Name:    "bt",
		Usage:   "BridgeTower vision-language model: inference and fine-tuning on Metal and the CPU",
		Version: Version,
		// Flags must come before positional arguments (urfave/cli v2 stops at the first one).
		Commands:             cmds,
		EnableBashCompletion: true,
	}
}
