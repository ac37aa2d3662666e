// Command cmd runs the darwin type-check and the shader syntax check over the module:
// `go run ./internal/darwincheck/cmd` (what `make darwin-check` does). Exit status 1 on any problem.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bridgetower-go/bt/internal/darwincheck"
)

func main() {
	shaders := flag.String("shaders", "shaders", "directory of *.metal files to parse with clang (\"\" to skip)")
	verbose := flag.Bool("v", false, "list the checked files of the module")
	flag.Parse()
	failed := false
	rep, err := darwincheck.Check(darwincheck.Options{Patterns: flag.Args()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range rep.Problems {
		fmt.Println(p)
		failed = true
	}
	if *verbose {
		for _, f := range rep.Files {
			fmt.Println("checked", f)
		}
	}
	fmt.Printf("darwin-check: %d packages (%d files of the module) for darwin/arm64 in %.1fs: %d problems\n",
		rep.Packages, len(rep.Files), rep.Elapsed.Seconds(), len(rep.Problems))
	if *shaders != "" {
		n, err := darwincheck.ShaderSyntax(*shaders)
		if err != nil {
			fmt.Println(err)
			failed = true
		} else {
			fmt.Printf("darwin-check: %d Metal shader files parse as C++ against the stub header\n", n)
		}
	}
	if failed {
		os.Exit(1)
	}
}
