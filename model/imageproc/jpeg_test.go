package imageproc

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/bridgetower-go/bt/internal/golden"
)

// TestGoldenJPEG pins how far the JPEG path is from HF (Pillow 9.4 + libjpeg-turbo 2.1) on the
// golden 300x500 q90 4:2:0 JPEG. Measured before this file's conversion (image/jpeg's own RGB:
// replicated chroma, Go's YCbCr formula): decode max 78 / mean 0.994, resized_u8 max 55 / mean
// 0.721, pixel_values max 0.640 / mean 0.00876. With libjpeg-turbo's fancy upsampling and colour
// tables: decode max 3 / mean 0.0234 (1.9% of samples differ, IDCT rounding only), resized_u8
// max 3 / mean 0.0278, pixel_values max 0.0438 / mean 0.000338. These are the bounds; do not
// loosen them.
func TestGoldenJPEG(t *testing.T) {
	dir := filepath.Join(goldenDir, "img02_300x500_rgb_jpeg420")
	img := decodeTestFile(t, filepath.Join(dir, "image.jpg"))
	pil := decodeTestFile(t, filepath.Join(dir, "decoded_rgb.png"))
	if img.Width != 300 || img.Height != 500 {
		t.Fatalf("decoded %dx%d, want 300x500", img.Width, img.Height)
	}
	maxd, sum := 0, 0
	for i := range img.Pix {
		d := int(img.Pix[i]) - int(pil.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	mean := float64(sum) / float64(len(img.Pix))
	t.Logf("decode vs PIL: max %d mean %.6f", maxd, mean)
	if maxd > 3 || mean > 0.0234 {
		t.Errorf("decode differs from PIL by max %d mean %.6f; bound max 3 mean 0.0234", maxd, mean)
	}

	ref := loadGolden(t, "img02_300x500_rgb_jpeg420")
	b, err := DefaultConfig().Preprocess([]*Image{img})
	if err != nil {
		t.Fatal(err)
	}
	rmax, rmean := u8Diff(t, b.Resized[0], golden.Tensor(t, ref, "default.resized_u8"))
	t.Logf("resized_u8: max %d mean %.6f", rmax, rmean)
	if rmax > 3 || rmean > 0.0279 {
		t.Errorf("resized_u8 differs by max %d mean %.6f; bound max 3 mean 0.0279", rmax, rmean)
	}
	got := b.PixelValues.Data.([]float32)
	want := golden.Tensor(t, ref, "default.pixel_values").Data.([]float32)
	pmax, psum := 0.0, 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		psum += d
		pmax = max(pmax, d)
	}
	pmean := psum / float64(len(got))
	t.Logf("pixel_values: max %.7f mean %.7f", pmax, pmean)
	if pmax > 0.0438 || pmean > 0.000339 {
		t.Errorf("pixel_values differ by max %.7f mean %.7f; bound max 0.0438 mean 0.000339", pmax, pmean)
	}
}
