// Command bt runs the BridgeTower toolkit; all behaviour lives in package cli.
package main

import (
	"fmt"
	"os"

	"github.com/bridgetower-go/bt/cli"
)

func main() {
	if err := cli.NewApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "bt:", err)
		os.Exit(1)
	}
}
