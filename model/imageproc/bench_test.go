package imageproc

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPreprocess640x480 is the processor on an already decoded 640x480 RGB image
// (golden img01): resize to 384x288, crop 288x288, rescale, normalise, batch of one.
func BenchmarkPreprocess640x480(b *testing.B) {
	img := decodeTestFile(b, filepath.Join(goldenDir, "img01_640x480_rgb_png", "image.png"))
	cfg := DefaultConfig()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cfg.Preprocess([]*Image{img}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkDecodePreprocess640x480 adds decoding of the file: the golden PNG and a 640x480
// q90 4:2:0 JPEG made from it by gen_fixtures.py.
func BenchmarkDecodePreprocess640x480(b *testing.B) {
	for _, f := range []string{
		filepath.Join(goldenDir, "img01_640x480_rgb_png", "image.png"),
		filepath.Join(fixtureDir, "bench_640x480_q90.jpg"),
	} {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Ext(f)[1:], func(b *testing.B) {
			cfg := DefaultConfig()
			for i := 0; i < b.N; i++ {
				img, err := Decode(data, f, 0)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cfg.Preprocess([]*Image{img}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}
