// Package golden gives tests access to the Hugging Face reference data in testdata/golden: paths,
// tensors of plain and gzip-compressed safetensors files, and the reference README's tolerance check.
// It is for tests only.
package golden

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
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

// Tolerance is the reference README's per-tensor check: max|a-b| <= Atol + Rtol·max|ref|.
type Tolerance struct{ Atol, Rtol float64 }

// The tolerances of the golden README.
var (
	F32Outputs   = Tolerance{1e-6, 1e-5}
	F32Gradients = Tolerance{1e-6, 2e-5}
	F64          = Tolerance{1e-12, 1e-10}
)

// Compare checks got against ref with tol. Shapes must agree, except that a 0-d tensor matches a
// one-element [1] (the golden files store 0-d values as [1]).
func Compare(name string, got, ref *graph.Tensor, tol Tolerance) error {
	if got == nil {
		return fmt.Errorf("%s: missing", name)
	}
	scalars := got.Shape.Size() == 1 && ref.Shape.Size() == 1 && got.Shape.Rank() <= 1 && ref.Shape.Rank() <= 1
	if !got.Shape.Equal(ref.Shape) && !scalars {
		return fmt.Errorf("%s: shape %v, want %v", name, got.Shape, ref.Shape)
	}
	a, b := got.Float64s(), ref.Float64s()
	maxDiff, maxRef := 0.0, 0.0
	at := 0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if d > maxDiff || math.IsNaN(d) {
			maxDiff, at = d, i
		}
		maxRef = math.Max(maxRef, math.Abs(b[i]))
	}
	if limit := tol.Atol + tol.Rtol*maxRef; !(maxDiff <= limit) {
		return fmt.Errorf("%s: max|a-b| = %.3g at %d (got %.9g, want %.9g) > %.3g (max|ref| %.3g)", name, maxDiff, at, a[at], b[at], limit, maxRef)
	}
	return nil
}
