package imageproc

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// goldenDir holds the HF reference image cases.
var goldenDir = golden.Path("images")

// loadGolden reads <case>/outputs.safetensors.gz.
func loadGolden(t testing.TB, name string) *safetensors.File {
	t.Helper()
	return golden.File(t, filepath.Join(golden.ImageCase(name), "outputs.safetensors.gz"))
}

func decodeTestFile(t testing.TB, path string) *Image {
	t.Helper()
	img, err := DecodeFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// u8Diff compares an image with a uint8 [h, w, 3] tensor: max and mean absolute difference.
func u8Diff(t testing.TB, got *Image, want *graph.Tensor) (maxd int, mean float64) {
	t.Helper()
	if !want.Shape.Equal(graph.Shape{got.Height, got.Width, 3}) {
		t.Fatalf("image %dx%d (w x h), reference shape %v", got.Width, got.Height, want.Shape)
	}
	w := want.Data.([]uint8)
	sum := 0
	for i, v := range got.Pix {
		d := int(v) - int(w[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	return maxd, float64(sum) / float64(len(w))
}

// f32Diff returns the largest |a-b| and the number of elements whose bits differ.
func f32Diff(t testing.TB, got, want *graph.Tensor) (maxd float64, nbits int) {
	t.Helper()
	if !got.Shape.Equal(want.Shape) {
		t.Fatalf("shape %v, reference %v", got.Shape, want.Shape)
	}
	g, w := got.Data.([]float32), want.Data.([]float32)
	for i := range g {
		if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
			nbits++
			maxd = max(maxd, math.Abs(float64(g[i])-float64(w[i])))
		}
	}
	return maxd, nbits
}

// checkMask compares an I64 pixel mask with the reference (stored as uint8).
func checkMask(t testing.TB, got, want *graph.Tensor) {
	t.Helper()
	if got.DType != graph.I64 || !got.Shape.Equal(want.Shape) {
		t.Fatalf("pixel_mask %v %v, reference %v", got.DType, got.Shape, want.Shape)
	}
	g, w := got.Data.([]int64), want.Float64s()
	for i := range g {
		if float64(g[i]) != w[i] {
			t.Fatalf("pixel_mask differs at flat index %d: %d, reference %v", i, g[i], w[i])
		}
	}
}

// TestGoldenPNG: the PNG cases (and the JPEG case from PIL's own decode) are bit-exact:
// resize output, pixel_values and pixel_mask.
func TestGoldenPNG(t *testing.T) {
	cases := []struct{ dir, file string }{
		{"img01_640x480_rgb_png", "image.png"},
		{"img02_300x500_rgb_jpeg420", "decoded_rgb.png"},
		{"img03_64x64_rgb_png", "image.png"},
		{"img04_400x300_gray_png", "image.png"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			ref := loadGolden(t, c.dir)
			img := decodeTestFile(t, filepath.Join(goldenDir, c.dir, c.file))
			b, err := DefaultConfig().Preprocess([]*Image{img})
			if err != nil {
				t.Fatal(err)
			}
			if md, _ := u8Diff(t, b.Resized[0], golden.Tensor(t, ref, "default.resized_u8")); md != 0 {
				t.Errorf("resized_u8 differs from Pillow by up to %d", md)
			}
			if md, n := f32Diff(t, b.PixelValues, golden.Tensor(t, ref, "default.pixel_values")); n != 0 {
				t.Errorf("pixel_values: %d elements differ, max %g", n, md)
			}
			checkMask(t, b.PixelMask, golden.Tensor(t, ref, "default.pixel_mask"))
		})
	}
}

// TestGoldenBatch: shortest edge 160, no crop, four images padded into one batch. Image 1 is
// the JPEG as PIL decoded it (decoded_rgb.png), so the whole batch must be bit-exact.
func TestGoldenBatch(t *testing.T) {
	ref := loadGolden(t, "batch_se160_nocrop")
	files := []string{
		"img01_640x480_rgb_png/image.png",
		"img02_300x500_rgb_jpeg420/decoded_rgb.png",
		"img03_64x64_rgb_png/image.png",
		"img04_400x300_gray_png/image.png",
	}
	var imgs []*Image
	for _, f := range files {
		imgs = append(imgs, decodeTestFile(t, filepath.Join(goldenDir, f)))
	}
	cfg := DefaultConfig()
	cfg.ShortestEdge = 160
	cfg.DoCenterCrop = false
	b, err := cfg.Preprocess(imgs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range imgs {
		if md, _ := u8Diff(t, b.Resized[i], golden.Tensor(t, ref, "resized_u8."+string(rune('0'+i)))); md != 0 {
			t.Errorf("resized_u8.%d differs from Pillow by up to %d", i, md)
		}
	}
	if md, n := f32Diff(t, b.PixelValues, golden.Tensor(t, ref, "pixel_values")); n != 0 {
		t.Errorf("pixel_values: %d elements differ, max %g", n, md)
	}
	checkMask(t, b.PixelMask, golden.Tensor(t, ref, "pixel_mask"))
	want := [][2]int{{160, 192}, {256, 160}, {160, 160}, {160, 192}}
	for i, s := range b.Sizes {
		if s != want[i] {
			t.Errorf("image %d size %v, want %v", i, s, want[i])
		}
	}
}
