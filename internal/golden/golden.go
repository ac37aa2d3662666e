// Package golden gives tests access to the Hugging Face reference data in testdata/golden: paths,
// tensors of plain and gzip-compressed safetensors files, and the reference README's tolerance check.
// It is for tests only.
package golden

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/numcmp"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// Path joins elem to the repository's testdata/golden folder (found from this source file, so it
// works from any package's test directory).
func Path(elem ...string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("golden: no caller information")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden")
	return filepath.Join(append([]string{root}, elem...)...)
}

// ModelCase is the folder of a golden model case, e.g. ModelCase("m01_add_b1_nopad").
func ModelCase(name string) string { return Path("models", name) }

// ImageCase is the folder of a golden image case.
func ImageCase(name string) string { return Path("images", name) }

// File opens a safetensors file, memory-mapped, or read whole and decompressed when its name
// ends in .gz; it is closed when the test ends.
func File(tb testing.TB, path string) *safetensors.File {
	tb.Helper()
	var f *safetensors.File
	var err error
	if strings.HasSuffix(path, ".gz") {
		f, err = parseGzip(path)
	} else {
		f, err = safetensors.Open(path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func parseGzip(path string) (*safetensors.File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	return safetensors.Parse(data)
}

// Tensors reads every tensor of a safetensors file (see File), by name.
func Tensors(tb testing.TB, path string) map[string]*graph.Tensor {
	tb.Helper()
	f := File(tb, path)
	out := map[string]*graph.Tensor{}
	for _, n := range f.Names() {
		t, err := f.Tensor(n)
		if err != nil {
			tb.Fatal(err)
		}
		out[n] = t
	}
	return out
}

// Tensor reads one tensor of f.
func Tensor(tb testing.TB, f *safetensors.File, name string) *graph.Tensor {
	tb.Helper()
	t, err := f.Tensor(name)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Tolerance is the reference README's per-tensor check (see numcmp).
type Tolerance = numcmp.Tolerance

// The tolerances of the golden README.
var (
	F32Outputs   = numcmp.F32Outputs
	F32Gradients = numcmp.F32Gradients
	F64          = numcmp.F64
)

// Compare checks got against ref with tol (numcmp.Check).
func Compare(name string, got, ref *graph.Tensor, tol Tolerance) error {
	return numcmp.Check(name, got, ref, tol)
}
