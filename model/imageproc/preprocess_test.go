package imageproc

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTargetSize: HF's rule on the golden sizes (from the golden READMEs) and an extreme panorama.
func TestTargetSize(t *testing.T) {
	for _, c := range []struct{ h, w, s, wantH, wantW int }{
		{480, 640, 288, 288, 384},
		{500, 300, 288, 448, 256}, // long side 480 > 479: capped to 479 → 448; short 287.4 → 287 → 256
		{64, 64, 288, 288, 288},
		{300, 400, 288, 288, 384},
		{480, 640, 160, 160, 192},
		{500, 300, 160, 256, 160},
		{64, 64, 160, 160, 160},
		{483, 2940, 288, 64, 448}, // cap: 479 wide, 78.7 → 79 → 64 high
		{100, 10000, 288, 0, 448}, // too elongated: zero height
	} {
		c := c
		cfg := DefaultConfig()
		cfg.ShortestEdge = c.s
		h, w := TargetSize(c.h, c.w, c.s, cfg.LongestEdge(), 32)
		if h != c.wantH || w != c.wantW {
			t.Errorf("TargetSize(%d, %d, %d) = (%d, %d), want (%d, %d)", c.h, c.w, c.s, h, w, c.wantH, c.wantW)
		}
	}
	if got := DefaultConfig().LongestEdge(); got != 479 {
		t.Errorf("LongestEdge at 288 = %d, want 479", got)
	}
}

func TestResizeTooElongated(t *testing.T) {
	_, err := DefaultConfig().Resize(NewImage(10000, 100))
	if err == nil || !strings.Contains(err.Error(), "too elongated") {
		t.Fatalf("err = %v", err)
	}
}

// numbered makes a w×h image whose pixel (x, y) is (x, y, 7) so that crops can be located.
func numbered(w, h int) *Image {
	img := NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = uint8(x), uint8(y), 7
		}
	}
	return img
}

// TestCenterCrop follows transformers' image_transforms.center_crop: offsets floor((n-c)/2);
// a short side is padded by floor((c-n)/2) zeros before; an odd shortfall gives c-1 (HF slices
// [max(0, top) : min(new, bottom)] with top = floor((n-c)/2) + floor((c-n)/2) = -1).
func TestCenterCrop(t *testing.T) {
	type px struct{ x, y int }
	for _, c := range []struct {
		w, h, cw, ch int
		wantW, wantH int
		firstReal    px // output position of input pixel (firstSrc)
		firstSrc     px
		blackAt      []px
	}{
		{w: 20, h: 10, cw: 8, ch: 8, wantW: 8, wantH: 8, firstReal: px{0, 0}, firstSrc: px{6, 1}},
		{w: 9, h: 10, cw: 8, ch: 8, wantW: 8, wantH: 8, firstReal: px{0, 0}, firstSrc: px{0, 1}},
		{w: 4, h: 8, cw: 8, ch: 8, wantW: 8, wantH: 8, firstReal: px{2, 0}, firstSrc: px{0, 0}, blackAt: []px{{0, 0}, {1, 5}, {6, 3}, {7, 7}}},
		{w: 7, h: 8, cw: 8, ch: 8, wantW: 7, wantH: 8, firstReal: px{0, 0}, firstSrc: px{0, 0}},
		{w: 5, h: 8, cw: 8, ch: 8, wantW: 7, wantH: 8, firstReal: px{1, 0}, firstSrc: px{0, 0}, blackAt: []px{{0, 0}, {6, 7}}},
		{w: 20, h: 4, cw: 8, ch: 8, wantW: 8, wantH: 8, firstReal: px{0, 2}, firstSrc: px{6, 0}, blackAt: []px{{0, 0}, {7, 7}}},
	} {
		got := CenterCrop(numbered(c.w, c.h), c.ch, c.cw)
		if got.Width != c.wantW || got.Height != c.wantH {
			t.Errorf("%dx%d crop %dx%d: got %dx%d, want %dx%d", c.w, c.h, c.cw, c.ch, got.Width, got.Height, c.wantW, c.wantH)
			continue
		}
		r, g, b := got.RGB(c.firstReal.x, c.firstReal.y)
		if r != uint8(c.firstSrc.x) || g != uint8(c.firstSrc.y) || b != 7 {
			t.Errorf("%dx%d crop %dx%d: pixel %v = (%d,%d,%d), want input %v", c.w, c.h, c.cw, c.ch, c.firstReal, r, g, b, c.firstSrc)
		}
		for _, p := range c.blackAt {
			if r, g, b := got.RGB(p.x, p.y); r|g|b != 0 {
				t.Errorf("%dx%d crop %dx%d: pixel %v = (%d,%d,%d), want zero padding", c.w, c.h, c.cw, c.ch, p, r, g, b)
			}
		}
	}
}

// TestPreprocessOptions: rescale/normalize switches and do_pad as HF applies them.
func TestPreprocessOptions(t *testing.T) {
	img := numbered(40, 30)
	cfg := DefaultConfig()
	cfg.DoResize, cfg.DoCenterCrop = false, false
	cfg.DoNormalize = false
	b, err := cfg.Preprocess([]*Image{img})
	if err != nil {
		t.Fatal(err)
	}
	v := b.PixelValues.Data.([]float32)
	// channel 0 at (x=5, y=0) is 5: rescaled float32(5.0 * (1/255)).
	if want := float32(5.0 * (1.0 / 255)); v[5] != want {
		t.Errorf("rescale only: %v, want %v", v[5], want)
	}
	cfg.DoRescale, cfg.DoNormalize = false, true
	b, err = cfg.Preprocess([]*Image{img})
	if err != nil {
		t.Fatal(err)
	}
	v = b.PixelValues.Data.([]float32)
	if want := (float32(5) - float32(ClipMean[0])) / float32(ClipStd[0]); v[5] != want {
		t.Errorf("normalize only: %v, want %v", v[5], want)
	}
	cfg.DoPad = false
	if _, err := cfg.Preprocess([]*Image{img, numbered(20, 30)}); err == nil || !strings.Contains(err.Error(), "do_pad") {
		t.Errorf("different sizes without do_pad: err = %v", err)
	}
	b, err = cfg.Preprocess([]*Image{img, img})
	if err != nil {
		t.Fatal(err)
	}
	if b.PixelMask != nil || !b.PixelValues.Shape.Equal([]int{2, 3, 30, 40}) {
		t.Errorf("without do_pad: mask %v, shape %v", b.PixelMask, b.PixelValues.Shape)
	}
	if _, err := DefaultConfig().Preprocess(nil); err == nil {
		t.Error("empty batch accepted")
	}
}

// TestPreprocessBatchPadding: padding after normalisation is 0.0 and masked 0.
func TestPreprocessBatchPadding(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DoResize, cfg.DoCenterCrop = false, false
	b, err := cfg.Preprocess([]*Image{numbered(6, 4), numbered(3, 5)})
	if err != nil {
		t.Fatal(err)
	}
	if !b.PixelValues.Shape.Equal([]int{2, 3, 5, 6}) || !b.PixelMask.Shape.Equal([]int{2, 5, 6}) {
		t.Fatalf("shapes %v %v", b.PixelValues.Shape, b.PixelMask.Shape)
	}
	v, m := b.PixelValues.Data.([]float32), b.PixelMask.Data.([]int64)
	for i := 0; i < 2; i++ {
		h, w := b.Sizes[i][0], b.Sizes[i][1]
		for y := 0; y < 5; y++ {
			for x := 0; x < 6; x++ {
				real := y < h && x < w
				if (m[(i*5+y)*6+x] == 1) != real {
					t.Fatalf("mask image %d (%d,%d) = %d", i, x, y, m[(i*5+y)*6+x])
				}
				if pv := v[((i*3+1)*5+y)*6+x]; !real && pv != 0 || real && pv == 0 {
					t.Fatalf("pixel_values image %d (%d,%d) = %v (real %v)", i, x, y, pv, real)
				}
			}
		}
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(dir)
	if err != nil || c != DefaultConfig() {
		t.Fatalf("without a file: %+v, %v", c, err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, PreprocessorConfigFile), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"image_processor_type": "BridgeTowerImageProcessor", "size": {"shortest_edge": 294},
		"size_divisor": 16, "do_center_crop": false, "crop_size": {"height": 200, "width": 100},
		"image_mean": 0.5, "image_std": [0.1, 0.2, 0.3], "rescale_factor": 0.25, "do_pad": false, "resample": 3,
		"do_resize": false, "do_rescale": false, "do_normalize": false}`)
	c, err = LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.ShortestEdge, want.SizeDivisor, want.DoCenterCrop = 294, 16, false
	want.CropHeight, want.CropWidth = 200, 100
	want.Mean, want.Std = [3]float64{0.5, 0.5, 0.5}, [3]float64{0.1, 0.2, 0.3}
	want.RescaleFactor, want.DoPad = 0.25, false
	want.DoResize, want.DoRescale, want.DoNormalize = false, false, false
	if c != want {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	write(`{"size": 180, "crop_size": 160}`) // older configs store plain integers
	if c, err = LoadConfig(dir); err != nil || c.ShortestEdge != 180 || c.CropHeight != 160 || c.CropWidth != 160 {
		t.Errorf("integer sizes: %+v, %v", c, err)
	}
	for _, bad := range []struct{ json, field string }{
		{`{"size": {"height": 3, "width": 4}}`, `"size"`},
		{`{"resample": 2}`, `"resample"`},
		{`{"image_mean": [1, 2]}`, `"image_mean"`},
		{`{"image_std": [1, 0, 1]}`, "image_std"},
		{`{"size_divisor": 0}`, "size_divisor"},
		{`{"crop_size": {"width": 3}}`, `"crop_size"`},
		{`{"size": `, PreprocessorConfigFile},
		{`{"size": "288"}`, "size"},
	} {
		write(bad.json)
		_, err := LoadConfig(dir)
		if err == nil || !strings.Contains(err.Error(), bad.field) || !strings.Contains(err.Error(), PreprocessorConfigFile) {
			t.Errorf("%s: err = %v, want it to name %s and the file", bad.json, err, bad.field)
		}
	}
}

// TestNormalizeFloat32: HF computes (x - mean) / std in float32 on float32(float64(u8)/255);
// check one value against the float32 arithmetic done by hand (not via float64).
func TestNormalizeFloat32(t *testing.T) {
	cfg := DefaultConfig()
	img := NewImage(1, 1)
	img.Pix[0], img.Pix[1], img.Pix[2] = 200, 1, 255
	dst := make([]float32, 3)
	cfg.toCHW(img, dst)
	for c, u := range []uint8{200, 1, 255} {
		x := float32(float64(u) * (1.0 / 255))
		want := (x - float32(ClipMean[c])) / float32(ClipStd[c])
		if math.Float32bits(dst[c]) != math.Float32bits(want) {
			t.Errorf("channel %d: %v, want %v", c, dst[c], want)
		}
	}
}
