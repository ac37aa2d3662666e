package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/model/imageproc"
)

// modelLimits are the sizes a model directory fixes for its inputs.
type modelLimits struct {
	imageSize int // vision_config.image_size (0: no model)
	maxText   int // max_position_embeddings - 2 (RoBERTa's padding offset); 0: no model
}

// preprocessConfig builds the image preprocessing options of bt preprocess: the model's
// preprocessor_config.json (or, without one, the model's own image size), then the flags. With a
// model, the result must produce the model's image size. Sizes are bounded before any decoding.
func preprocessConfig(c *cli.Context) (imageproc.Config, modelLimits, error) {
	cfg := imageproc.DefaultConfig()
	var lim modelLimits
	dir := ""
	if spec := c.Path("model"); spec != "" {
		m, err := resolveModel(c, spec)
		if err != nil {
			return cfg, lim, fmt.Errorf("preprocess: %w", err)
		}
		dir = m.Dir
	}
	if dir != "" && !hasConfig(dir) {
		// A processor snapshot without config.json: its preprocessing options alone.
		var err error
		if cfg, err = imageproc.LoadConfig(dir); err != nil {
			return cfg, lim, fmt.Errorf("preprocess: %w", err)
		}
	} else if dir != "" {
		mc, err := loadModelConfig("--model", dir)
		if err != nil {
			return cfg, lim, fmt.Errorf("preprocess: %w", err)
		}
		lim.imageSize = mc.Vision.ImageSize
		lim.maxText = mc.Text.MaxPositionEmbeddings - 2
		_, statErr := os.Stat(filepath.Join(dir, imageproc.PreprocessorConfigFile))
		if errors.Is(statErr, os.ErrNotExist) {
			cfg.ShortestEdge = lim.imageSize
		} else if cfg, err = imageproc.LoadConfig(dir); err != nil {
			return cfg, lim, fmt.Errorf("preprocess: %w", err)
		}
	}
	if c.IsSet("size") {
		if c.Int("size") <= 0 {
			return cfg, lim, usagef("preprocess: --size must be positive, got %d", c.Int("size"))
		}
		cfg.ShortestEdge = c.Int("size")
		cfg.CropHeight, cfg.CropWidth = 0, 0
	}
	if c.Bool("no-crop") {
		if lim.imageSize > 0 {
			return cfg, lim, usagef("preprocess: --no-crop: the model in %s takes %d×%d images, which only the center crop guarantees", c.Path("model"), lim.imageSize, lim.imageSize)
		}
		cfg.DoCenterCrop = false
	}
	if c.IsSet("max-pixels") {
		if c.Int64("max-pixels") <= 0 {
			return cfg, lim, usagef("preprocess: --max-pixels must be positive, got %d", c.Int64("max-pixels"))
		}
		cfg.MaxPixels = c.Int64("max-pixels")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, lim, fmt.Errorf("preprocess: %w", err)
	}
	if px := int64(cfg.ShortestEdge) * int64(cfg.LongestEdge()); cfg.DoResize && px > imageproc.DefaultMaxPixels {
		return cfg, lim, usagef("preprocess: --size %d would resize images to up to %d×%d = %d pixels, over the decoder's limit of %d",
			cfg.ShortestEdge, cfg.ShortestEdge, cfg.LongestEdge(), px, imageproc.DefaultMaxPixels)
	}
	if lim.imageSize > 0 && cfg.DoCenterCrop {
		if h, w := cfg.CropSize(); h != lim.imageSize || w != lim.imageSize {
			return cfg, lim, usagef("preprocess: the preprocessing crops to %d×%d but the model in %s takes %d×%d images (vision_config.image_size); drop --size or fix preprocessor_config.json", h, w, c.Path("model"), lim.imageSize, lim.imageSize)
		}
	}
	return cfg, lim, nil
}

// hasConfig reports whether dir holds a config.json (a model, not only a processor snapshot).
func hasConfig(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "config.json"))
	return err == nil
}
