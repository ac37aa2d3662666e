// Package shaders holds bt's Metal kernels (*.metal, one file per op family), embedded with
// go:embed so that package metal compiles them at run time with newLibraryWithSource, and a CPU
// twin in Go for each kernel: the same float32 operations in the same order, pinned by the tests
// against the graph op the kernel implements (run on the cpu backend) and against hand-computed
// values. The twins run everywhere; the kernels themselves only on a Mac (metal's tests hold them
// against the twins there). On Linux `make darwin-check` parses every .metal file as C++ against
// a stub header (internal/darwincheck.ShaderSyntax).
//
// Kernels: adamw.metal (adamw_step: the fused AdamW update over all parameters in one flat buffer).
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.metal
var files embed.FS

// Names lists the embedded .metal files, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".metal") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Source is the text of one embedded file.
func Source(name string) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("shaders: %s: %w", name, err)
	}
	return string(b), nil
}

// Library is the source of one Metal library holding every kernel: the files concatenated in
// name order, each preceded by a #line directive so that compiler messages name the file.
// Each file includes <metal_stdlib> itself; repeated includes are guarded by the header.
func Library() string {
	var b strings.Builder
	for _, n := range Names() {
		src, _ := Source(n)
		fmt.Fprintf(&b, "#line 1 %q\n%s\n", n, src)
	}
	return b.String()
}
