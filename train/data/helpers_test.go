package data

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// testTokenizer is a real RoBERTa-layout tokenizer (tokenizer.Load on vocab.json + merges.txt)
// whose vocabulary is the four special tokens and the 256 byte-level symbols, with no merges:
// every byte of a text is one token (id 4 + its position in the byte-level table order below).
func testTokenizer(t testing.TB) *tokenizer.Tokenizer {
	t.Helper()
	dir := t.TempDir()
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
	for b := 0; b < 256; b++ {
		vocab[tokenizer.ByteLevel(string([]byte{byte(b)}))] = 4 + b
	}
	vb, _ := json.Marshal(vocab)
	must(t, os.WriteFile(filepath.Join(dir, "vocab.json"), vb, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "merges.txt"), []byte("#version: 0.2\n"), 0o644))
	tok, err := tokenizer.Load(dir)
	must(t, err)
	return tok
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeSolidPNG writes a w×h PNG of one colour.
func writeSolidPNG(t *testing.T, path string, w, h int, c color.NRGBA) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(t, err)
	must(t, png.Encode(f, img))
	must(t, f.Close())
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

// imageConfig64 is a 64-px processor (shortest edge 64, 64×64 crop) with CLIP mean/std.
func imageConfig64() imageproc.Config {
	c := imageproc.DefaultConfig()
	c.ShortestEdge, c.CropHeight, c.CropWidth = 64, 64, 64
	return c
}
