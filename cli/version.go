package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:  "version",
		Usage: "print the bt version, Go version and platform",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintln(c.App.Writer, versionString())
			return err
		},
	})
}
