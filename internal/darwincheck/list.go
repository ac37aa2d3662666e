// Package darwincheck type-checks the module's darwin code on any OS. The Go toolchain on Linux
// cannot compile darwinkit (no Apple SDK: no clang headers for Foundation, Metal or MPSGraph), so
// instead `go list` with GOOS=darwin GOARCH=arm64 CGO_ENABLED=1 names the files a Mac build would
// compile (cgo files included), and go/types checks them with Config.FakeImportC against
// darwinkit's real API, read from the module cache. A lint adds what go/types cannot see: an
// objc.Call whose argument count differs from its selector's colons. ShaderSyntax parses the
// Metal kernels as C++ against a stub header. What remains unchecked (Objective-C run-time
// errors, link errors, numerics) needs a Mac: see metal/README.md.
package darwincheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Target is the platform whose files are listed and checked.
type Target struct{ GOOS, GOARCH string }

// Mac is the default target: Apple Silicon.
var Mac = Target{"darwin", "arm64"}

// listedPackage is the part of `go list -json` the checker reads.
type listedPackage struct {
	ImportPath   string
	Name         string
	Dir          string
	ForTest      string
	Standard     bool
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
	Imports      []string
	ImportMap    map[string]string
	Module       *struct {
		Path      string
		Main      bool
		GoVersion string
	}
	Error *struct{ Err string }
}

// files are the absolute paths of the package's compiled Go files (cgo files included).
func (p *listedPackage) files() []string {
	var out []string
	for _, f := range append(append([]string(nil), p.GoFiles...), p.CgoFiles...) {
		if !filepath.IsAbs(f) {
			f = filepath.Join(p.Dir, f)
		}
		out = append(out, f)
	}
	return out
}

// inModule reports whether the package (or test variant) belongs to the main module.
func (p *listedPackage) inModule() bool { return p.Module != nil && p.Module.Main }

// goVersion is the language version for go/types ("go1.26"), "" for the standard library.
func (p *listedPackage) goVersion() string {
	if p.Module == nil || p.Module.GoVersion == "" {
		return ""
	}
	parts := strings.SplitN(p.Module.GoVersion, ".", 3)
	if len(parts) < 2 {
		return "go" + p.Module.GoVersion
	}
	return "go" + parts[0] + "." + parts[1]
}

// goList runs `go list -e -deps -test -json` for patterns in dir with the target's environment
// and cgo enabled; overlay (may be "") is a -overlay file. Packages come in dependency order.
func goList(dir string, t Target, overlay string, patterns []string) ([]*listedPackage, error) {
	fields := "ImportPath,Name,Dir,ForTest,Standard,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,Imports,ImportMap,Module,Error"
	args := []string{"list", "-e", "-deps", "-test", "-json=" + fields}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "CGO_ENABLED=1", "GOFLAGS=-mod=readonly")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("darwincheck: go list %s (GOOS=%s GOARCH=%s CGO_ENABLED=1) in %s: %v\n%s",
			strings.Join(patterns, " "), t.GOOS, t.GOARCH, dir, err, stderr.String())
	}
	var pkgs []*listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listedPackage)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("darwincheck: reading go list output: %w", err)
		}
		if strings.HasSuffix(p.ImportPath, ".test") && p.Name == "main" {
			continue // generated test main: nothing of ours to check
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
