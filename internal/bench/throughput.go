package bench

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/bridgetower-go/bt/model/imageproc"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// This file: the tokenizer and image-preprocessing throughput cases.

// PreprocessImages is the number of images the preprocess case processes per run.
const PreprocessImages = 16

func (o *Options) tokenize(ctx context.Context, resets *bool) (Case, error) {
	startCase(resets)
	c := Case{Name: "tokenize", Kind: KindTokenize, Unit: "tokens/s",
		Note: fmt.Sprintf("%d texts, %s", len(o.Corpus), o.TokenizerNote)}
	tokens := 0
	first, runs, cpu, err := o.timeRuns(ctx, c.Name, func() error {
		n := 0
		for _, s := range o.Corpus {
			e, err := o.Tokenizer.Encode(s, tokenizer.Options{})
			if err != nil {
				return err
			}
			n += len(e.IDs)
		}
		tokens = n
		return nil
	})
	if err != nil {
		return c, err
	}
	finish(&c, first, runs, cpu, float64(tokens), *resets)
	c.Note = fmt.Sprintf("%d texts, %d tokens per run, %s", len(o.Corpus), tokens, o.TokenizerNote)
	return c, nil
}

// SyntheticImage is a deterministic w×h RGB image: smooth gradients plus noise, so that the
// resampler works on varied pixels.
func SyntheticImage(w, h int, seed uint64) *imageproc.Image {
	img := imageproc.NewImage(w, h)
	rng := rand.New(rand.NewPCG(seed, 3))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			n := rng.IntN(32)
			img.Pix[i] = uint8((x*255/w + n) % 256)
			img.Pix[i+1] = uint8((y*255/h + n) % 256)
			img.Pix[i+2] = uint8(((x+y)*127/(w+h) + 2*n) % 256)
		}
	}
	return img
}

func (o *Options) preprocess(ctx context.Context, resets *bool) (Case, error) {
	startCase(resets)
	size := 288
	switch {
	case o.Config != nil:
		size = o.Config.Vision.ImageSize
	case o.Preset == "tiny":
		size = 64
	}
	cfg := imageproc.DefaultConfig()
	cfg.ShortestEdge = size
	c := Case{Name: "preprocess", Kind: KindPreprocess, Batch: 1, ImageSize: size, Unit: "images/s",
		Note: fmt.Sprintf("%d decoded 640x480 RGB images per run: bicubic resize, %dx%d crop, rescale, normalise", PreprocessImages, size, size)}
	img := SyntheticImage(640, 480, o.Seed)
	first, runs, cpu, err := o.timeRuns(ctx, c.Name, func() error {
		for i := 0; i < PreprocessImages; i++ {
			b, err := cfg.Preprocess([]*imageproc.Image{img})
			if err != nil {
				return err
			}
			if sh := b.PixelValues.Shape; sh[2] != size || sh[3] != size {
				return fmt.Errorf("preprocessed to %v, want %dx%d", sh, size, size)
			}
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	finish(&c, first, runs, cpu, PreprocessImages, *resets)
	return c, nil
}
