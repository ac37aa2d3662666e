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
	name := c.String("device")
	if _, known := device.Lookup(name); !known && name != "auto" {
		return nil, usagef("%s: --device %s: unknown backend (%s)", command, name, device.Choices())
	}
	precision := c.String("precision")
	if precision != "f32" && precision != "f16" {
		return nil, usagef("%s: --precision %q: want f32 or f16", command, precision)
	}
	b, err := device.OpenPrecision(name, precision)
	if err != nil {
		return nil, fmt.Errorf("%s: --device %s: %w", command, c.String("device"), err)
	}
	return b, nil
}
