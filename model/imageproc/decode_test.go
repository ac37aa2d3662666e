package imageproc

import (
	"fmt"
	"image"
	"path/filepath"
	"testing"
)

// fixtureDir holds files made by testdata/gen_fixtures.py with Pillow 9.4: X.<ext> and
// X.want.png = ImageOps.exif_transpose(Image.open(X)).convert("RGB").
var fixtureDir = filepath.Join("testdata", "fixtures")

// compareWant decodes a fixture and compares it with Pillow's pixels; returns max and mean |Δ|.
func compareWant(t *testing.T, file string) (maxd int, mean float64) {
	t.Helper()
	got := decodeTestFile(t, filepath.Join(fixtureDir, file))
	stem := file[:len(file)-len(filepath.Ext(file))]
	want := decodeTestFile(t, filepath.Join(fixtureDir, stem+".want.png"))
	if got.Width != want.Width || got.Height != want.Height {
		t.Fatalf("%s: decoded %dx%d, Pillow %dx%d", file, got.Width, got.Height, want.Width, want.Height)
	}
	sum := 0
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	return maxd, float64(sum) / float64(len(got.Pix))
}

// tinySizes exercise the edges of the chroma upsamplers (see gen_fixtures.py).
var tinySizes = []string{"1x1", "2x2", "3x3", "1x5", "5x1", "2x7", "7x2", "3x4"}

// TestDecodeExact: lossless formats and lossy WebP decode to exactly Pillow's RGB, including
// Pillow's conversion rules (16-bit gray clipped, 16-bit colour high byte, alpha dropped, palette
// with tRNS, GIF transparent index colour and frame placement) and EXIF orientation.
func TestDecodeExact(t *testing.T) {
	files := []string{
		"png_rgb8.png", "png_gray8.png", "png_gray2.png", "png_rgba8.png", "png_la8.png",
		"png_pal4_trns.png", "png_gray16.png", "png_gray16_trns.png", "png_rgb16.png",
		"png_rgba16.png", "png_la16.png", "png_rgb8_trns.png",
		"gif_trns.gif", "gif_offset.gif",
		"webp_lossless.webp", "webp_lossy.webp", "webp_lossy_even.webp", "webp_lossy_alpha.webp",
		"exif_png_o6_mm.png", "exif_webp_o8.webp",
	}
	for o := 1; o <= 8; o++ {
		files = append(files, fmt.Sprintf("exif_png_o%d.png", o))
	}
	for _, s := range tinySizes {
		files = append(files, fmt.Sprintf("webp_tiny_%s.webp", s))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if md, mean := compareWant(t, f); md != 0 {
				t.Errorf("differs from Pillow: max %d, mean %.4f", md, mean)
			}
		})
	}
}

// TestDecodeJPEGLayouts: every chroma layout libjpeg-turbo treats differently (4:4:4, 4:2:2,
// 4:2:0 odd/even/progressive/narrow (box path), 4:4:0, 4:1:1, gray, Adobe CMYK) and EXIF
// orientations in JPEG stay within the measured IDCT bound of image/jpeg vs libjpeg-turbo.
// Bounds measured with Pillow 9.4 / libjpeg-turbo 2.1.5 fixtures; do not loosen them.
func TestDecodeJPEGLayouts(t *testing.T) {
	cases := []struct {
		file    string
		maxDiff int
		mean    float64
	}{
		{"jpeg_444.jpg", 2, 0.0471},
		{"jpeg_422.jpg", 2, 0.0564},
		{"jpeg_420.jpg", 3, 0.0419},
		{"jpeg_420_even.jpg", 3, 0.0479},
		{"jpeg_420_progressive.jpg", 3, 0.0419},
		{"jpeg_420_narrow.jpg", 0, 0},
		{"jpeg_440.jpg", 3, 0.0603},
		{"jpeg_411.jpg", 2, 0.0476},
		{"jpeg_gray.jpg", 1, 0.0230},
		{"jpeg_cmyk.jpg", 1, 0.0235},
		{"jpeg_tiny_1x1.jpg", 0, 0},
		{"jpeg_tiny_2x2.jpg", 0, 0},
		{"jpeg_tiny_3x3.jpg", 0, 0}, // chroma width 2: box upsampling, as libjpeg-turbo chooses
		{"jpeg_tiny_1x5.jpg", 0, 0},
		{"jpeg_tiny_5x1.jpg", 0, 0},
		{"jpeg_tiny_2x7.jpg", 0, 0},
		{"jpeg_tiny_7x2.jpg", 1, 0.0715},
		{"jpeg_tiny_3x4.jpg", 2, 0.2223},
	}
	for o := 1; o <= 8; o++ {
		cases = append(cases, struct {
			file    string
			maxDiff int
			mean    float64
		}{fmt.Sprintf("exif_jpeg_o%d.jpg", o), 2, 0.0557})
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			md, mean := compareWant(t, c.file)
			t.Logf("max %d mean %.6f", md, mean)
			if md > c.maxDiff || mean > c.mean {
				t.Errorf("differs from Pillow by max %d mean %.4f, bound max %d mean %.4f", md, mean, c.maxDiff, c.mean)
			}
		})
	}
}

// TestCMYKFormula: Pillow's cmyk2rgb for every (channel value, K) pair.
func TestCMYKFormula(t *testing.T) {
	m := image.NewCMYK(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(x), uint8(255-x), uint8(37*x%256), uint8(y)
		}
	}
	got, err := toRGB(m, "jpeg", nil, image.Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := decodeTestFile(t, filepath.Join(fixtureDir, "cmyk_table.want.png"))
	for i := range got.Pix {
		if got.Pix[i] != want.Pix[i] {
			p := i / 3
			t.Fatalf("pixel (%d,%d) channel %d: %d, Pillow %d", p%256, p/256, i%3, got.Pix[i], want.Pix[i])
		}
	}
}
