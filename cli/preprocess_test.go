package cli

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/safetensors"
)

var goldenImages = golden.Path("images")

// goldenBatchFiles are the four golden images; the JPEG as PIL decoded it so that the
// comparison is bit-exact (the JPEG itself is covered within a bound in model/imageproc).
var goldenBatchFiles = []string{
	goldenImages + "/img01_640x480_rgb_png/image.png",
	goldenImages + "/img02_300x500_rgb_jpeg420/decoded_rgb.png",
	goldenImages + "/img03_64x64_rgb_png/image.png",
	goldenImages + "/img04_400x300_gray_png/image.png",
}

func readGoldenImages(t *testing.T, name string) *safetensors.File {
	t.Helper()
	return golden.File(t, filepath.Join(goldenImages, name, "outputs.safetensors.gz"))
}

// sameBits compares float32 data bit for bit.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// checkBatchOutput compares a written file with the golden shortest-edge-160, no-crop batch.
func checkBatchOutput(t *testing.T, path string) {
	t.Helper()
	got, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	ref := readGoldenImages(t, "batch_se160_nocrop")
	pv, want := golden.Tensor(t, got, "pixel_values"), golden.Tensor(t, ref, "pixel_values")
	if pv.DType != graph.F32 || !pv.Shape.Equal(want.Shape) || !sameBits(pv.Data.([]float32), want.Data.([]float32)) {
		t.Errorf("pixel_values %v %v differ from the golden batch %v", pv.DType, pv.Shape, want.Shape)
	}
	pm, wantMask := golden.Tensor(t, got, "pixel_mask"), golden.Tensor(t, ref, "pixel_mask")
	if pm.DType != graph.I64 || !pm.Shape.Equal(wantMask.Shape) {
		t.Fatalf("pixel_mask %v %v, want i64 %v", pm.DType, pm.Shape, wantMask.Shape)
	}
	wm := wantMask.Float64s()
	for i, v := range pm.Data.([]int64) {
		if float64(v) != wm[i] {
			t.Fatalf("pixel_mask differs at flat index %d", i)
		}
	}
}

// TestPreprocessCommandBatch: --size 160 --no-crop on the golden images equals HF's batch.
func TestPreprocessCommandBatch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "batch.safetensors")
	msg, err := runBT(t, append([]string{"preprocess", "--size", "160", "--no-crop", "--output", out}, goldenBatchFiles...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "pixel_values [4 3 256 192]") {
		t.Errorf("output %q", msg)
	}
	checkBatchOutput(t, out)
}

// TestPreprocessCommandModelConfig: the same options read from a model's preprocessor_config.json.
func TestPreprocessCommandModelConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"size": {"shortest_edge": 160}, "size_divisor": 32, "do_center_crop": false, "resample": 3}`
	if err := os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "batch.safetensors")
	if _, err := runBT(t, append([]string{"preprocess", "--model", dir, "--output", out}, goldenBatchFiles...)...); err != nil {
		t.Fatal(err)
	}
	checkBatchOutput(t, out)
}

// TestPreprocessCommandDefault: default options (288, center crop) give, per image, the golden
// default.pixel_values; the batch of four is [4,3,288,288] with an all-ones mask.
func TestPreprocessCommandDefault(t *testing.T) {
	out := filepath.Join(t.TempDir(), "default.safetensors")
	if _, err := runBT(t, append([]string{"preprocess", "-o", out}, goldenBatchFiles...)...); err != nil {
		t.Fatal(err)
	}
	got, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	pv := golden.Tensor(t, got, "pixel_values")
	if !pv.Shape.Equal(graph.Shape{4, 3, 288, 288}) {
		t.Fatalf("pixel_values shape %v", pv.Shape)
	}
	per := 3 * 288 * 288
	for i, c := range []string{"img01_640x480_rgb_png", "img02_300x500_rgb_jpeg420", "img03_64x64_rgb_png", "img04_400x300_gray_png"} {
		want := golden.Tensor(t, readGoldenImages(t, c), "default.pixel_values").Data.([]float32)
		if !sameBits(pv.Data.([]float32)[i*per:(i+1)*per], want) {
			t.Errorf("image %d (%s): pixel_values differ from the golden default", i, c)
		}
	}
	for _, v := range golden.Tensor(t, got, "pixel_mask").Data.([]int64) {
		if v != 1 {
			t.Fatal("pixel_mask is not all ones")
		}
	}
}

func TestPreprocessCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.safetensors")
	notImage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notImage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--output", out}, "no images"},
		{[]string{goldenBatchFiles[0]}, "output"},
		{[]string{"--output", out, notImage}, "notes.txt"},
		{[]string{"--output", out, filepath.Join(dir, "missing.png")}, "missing.png"},
		{[]string{"--max-pixels", "1000", "--output", out, goldenBatchFiles[0]}, "image.png"},
		{[]string{"--size", "0", "--output", out, goldenBatchFiles[0]}, "--size"},
		{[]string{"--model", filepath.Join(dir, "nomodel"), "--output", out, goldenBatchFiles[0]}, "--model"},
	} {
		if _, err := runBT(t, append([]string{"preprocess"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}
