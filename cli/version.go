package cli

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:  "version",
		Usage: "print the bt version, Go version and platform",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(c.App.Writer, "bt %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	})
}
