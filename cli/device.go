package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/device"
)

// deviceFlag is the --device flag of every command that computes.
func deviceFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "device", Value: "auto",
		Usage: "compute backend: " + device.Choices() + " (auto = metal on a Mac with a GPU, else cpu)"}
}

// openDevice returns the backend of --device; errors are prefixed with the command's name.
func openDevice(c *cli.Context, command string) (graph.Backend, error) {
	b, err := device.Open(c.String("device"))
	if err != nil {
		return nil, fmt.Errorf("%s: --device %s: %w", command, c.String("device"), err)
	}
	return b, nil
}
