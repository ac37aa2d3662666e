package imageproc

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestResizeBicubicPillow: bit-exact with Pillow 9.4 `resize((w, h), BICUBIC)` for up- and
// downscales, extreme ratios, 1-pixel sides, one axis only and the same-size copy
// (testdata/resize, made by gen_fixtures.py).
func TestResizeBicubicPillow(t *testing.T) {
	dir := filepath.Join("testdata", "resize")
	src := decodeTestFile(t, filepath.Join(dir, "src_97x61.png"))
	sizes := [][2]int{{384, 288}, {32, 20}, {13, 61}, {97, 7}, {1, 1}, {1, 61}, {200, 3}, {97, 61}, {45, 130}, {9, 9}}
	for _, s := range sizes {
		name := fmt.Sprintf("bicubic_%dx%d.png", s[0], s[1])
		t.Run(name, func(t *testing.T) {
			want := decodeTestFile(t, filepath.Join(dir, name))
			got, err := ResizeBicubic(src, s[0], s[1])
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != want.Width || got.Height != want.Height {
				t.Fatalf("got %dx%d, want %dx%d", got.Width, got.Height, want.Width, want.Height)
			}
			for i := range got.Pix {
				if got.Pix[i] != want.Pix[i] {
					p := i / 3
					t.Fatalf("pixel (%d,%d) channel %d: %d, Pillow %d", p%got.Width, p/got.Width, i%3, got.Pix[i], want.Pix[i])
				}
			}
		})
	}
}

func TestResizeBicubicErrors(t *testing.T) {
	img := NewImage(4, 4)
	if _, err := ResizeBicubic(img, 0, 4); err == nil {
		t.Error("resize to width 0 succeeded")
	}
	if _, err := ResizeBicubic(&Image{Width: 3, Height: 3, Pix: make([]uint8, 5)}, 2, 2); err == nil {
		t.Error("resize of an image with a short Pix succeeded")
	}
	if _, err := ResizeBicubic(&Image{}, 2, 2); err == nil {
		t.Error("resize of an empty image succeeded")
	}
}

// TestBicubicFilterValues checks the kernel at known points of the a = -0.5 cubic.
func TestBicubicFilterValues(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {1, 0}, {2, 0}, {-1, 0}, {0.5, 0.5625}, {-0.5, 0.5625}, {1.5, -0.0625}, {2.5, 0},
	} {
		if got := bicubicFilter(c.x); got != c.want {
			t.Errorf("bicubic(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}
