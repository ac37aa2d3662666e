// Command bt runs the BridgeTower toolkit; all behaviour lives in package cli.
package main

import (
	"os"

	"github.com/bridgetower-go/bt/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr))
}
