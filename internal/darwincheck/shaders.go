package darwincheck

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed metalstub
var metalStub embed.FS

// ShaderSyntax parses every *.metal file of dir as C++17 against the stub header in metalstub/
// with the host's clang (clang -fsyntax-only -x c++ -std=c++17 -include stub.h): it catches
// syntax errors, undeclared names and type errors that C++ shares with the Metal Shading
// Language, not Metal-only mistakes (address spaces, attributes). It returns the number of files
// checked; clang's diagnostics for every failing file are in the error. Without clang on PATH it
// fails and says how to install it.
func ShaderSyntax(dir string) (int, error) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		return 0, fmt.Errorf("darwincheck: shaders: clang not found on PATH (Debian: apt-get install clang): %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.metal"))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("darwincheck: shaders: no .metal files in %s", dir)
	}
	sort.Strings(files)
	stubDir, err := os.MkdirTemp("", "darwincheck-metalstub-")
	if err != nil {
		return 0, fmt.Errorf("darwincheck: shaders: %w", err)
	}
	defer os.RemoveAll(stubDir)
	entries, _ := fs.ReadDir(metalStub, "metalstub")
	for _, e := range entries {
		b, _ := metalStub.ReadFile("metalstub/" + e.Name())
		if err := os.WriteFile(filepath.Join(stubDir, e.Name()), b, 0o644); err != nil {
			return 0, fmt.Errorf("darwincheck: shaders: %w", err)
		}
	}
	var failures []string
	for _, f := range files {
		cmd := exec.Command(clang, "-fsyntax-only", "-x", "c++", "-std=c++17", "-Wno-unknown-attributes",
			"-I", stubDir, "-include", filepath.Join(stubDir, "stub.h"), f)
		if out, err := cmd.CombinedOutput(); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v\n%s", f, err, strings.TrimSpace(string(out))))
		}
	}
	if len(failures) > 0 {
		return len(files), fmt.Errorf("darwincheck: shaders: %d of %d files do not parse:\n%s", len(failures), len(files), strings.Join(failures, "\n"))
	}
	return len(files), nil
}
