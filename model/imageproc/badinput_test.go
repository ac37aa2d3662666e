package imageproc

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngWithSize returns a PNG signature and an IHDR chunk claiming w×h (8-bit RGB), then IEND:
// a header that image.DecodeConfig accepts with no pixel data behind it.
func pngWithSize(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// TestDecodeBadInput: each bad file gives an error that names it; nothing panics.
func TestDecodeBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(goldenDir, "img01_640x480_rgb_png", "image.png"))
	if err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(filepath.Join(goldenDir, "img02_300x500_rgb_jpeg420", "image.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	gifZero := []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00;")
	for _, c := range []struct {
		name, want string
		data       []byte
		limit      int64
	}{
		{"empty.png", "empty file", nil, 0},
		{"notes.txt", "not a readable", []byte("this is not an image\n"), 0},
		{"truncated.png", "decoding png", good[:len(good)/2], 0},
		{"truncated.jpg", "decoding jpeg", jpg[:len(jpg)/3], 0},
		{"header-only.jpg", "not a readable", jpg[:20], 0},
		{"zero.gif", "zero size", gifZero, 0},
		{"zero.png", "not a readable", pngWithSize(0, 10), 0},
		{"bomb.png", "decompression bomb", pngWithSize(20000, 20000), 0},
		{"small-limit.png", "more than the limit of 1000", good, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := Decode(c.data, c.name, c.limit)
			if err == nil {
				t.Fatalf("decoded a %dx%d image, want an error", img.Width, img.Height)
			}
			if !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "imageproc: ") {
				t.Errorf("error %q should start with imageproc:, name %s and say %q", err, c.name, c.want)
			}
		})
	}
	if _, err := DecodeFile(filepath.Join(t.TempDir(), "missing.png"), 0); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzDecode: arbitrary bytes never panic; accepted images have consistent dimensions and
// preprocess cleanly. Seeds: the small decoder fixtures (crashers found later land in
// testdata/fuzz/FuzzDecode and stay as seeds).
func FuzzDecode(f *testing.F) {
	for _, name := range []string{
		"png_pal4_trns.png", "png_gray16.png", "gif_offset.gif", "webp_lossy_alpha.webp",
		"webp_lossless.webp", "jpeg_420.jpg", "jpeg_cmyk.jpg", "exif_jpeg_o6.jpg", "exif_png_o5.png",
	} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	cfg := DefaultConfig()
	cfg.ShortestEdge = 32
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, "fuzz", 1<<16)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "imageproc: fuzz: ") {
				t.Fatalf("error without prefix and name: %v", err)
			}
			if strings.Contains(err.Error(), "decoder failed") { // a recovered panic
				t.Fatal(err)
			}
			return
		}
		if err := img.check(); err != nil {
			t.Fatal(err)
		}
		if b, err := cfg.Preprocess([]*Image{img}); err == nil && b.PixelValues.Shape[1] != 3 {
			t.Fatalf("pixel_values shape %v", b.PixelValues.Shape)
		}
	})
}
