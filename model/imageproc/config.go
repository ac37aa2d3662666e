package imageproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/bridgetower-go/bt/internal/jsonerr"
)

// CLIP's normalisation constants (transformers OPENAI_CLIP_MEAN / OPENAI_CLIP_STD).
var (
	ClipMean = [3]float64{0.48145466, 0.4578275, 0.40821073}
	ClipStd  = [3]float64{0.26862954, 0.26130258, 0.27577711}
)

// DefaultMaxPixels is the largest image (width × height) decoded by default: Pillow raises
// DecompressionBombError above 2 × Image.MAX_IMAGE_PIXELS = 2 × 89,478,485.
const DefaultMaxPixels = 178_956_970

// PreprocessorConfigFile is the file LoadConfig reads from a model directory.
const PreprocessorConfigFile = "preprocessor_config.json"

// Config holds the BridgeTowerImageProcessor options (HF field names in the comments) plus the
// decoder's pixel limit. Resampling is always Pillow BICUBIC, BridgeTower's only setting.
type Config struct {
	DoResize      bool       // do_resize
	ShortestEdge  int        // size.shortest_edge; the long side is capped at int(1333/800 * ShortestEdge)
	SizeDivisor   int        // size_divisor: both sides are floored to a multiple of it
	DoCenterCrop  bool       // do_center_crop (HF < 4.52 ignored the default unless passed explicitly)
	CropHeight    int        // crop_size; 0 = ShortestEdge (HF: crop_size defaults to size)
	CropWidth     int        // crop_size; 0 = ShortestEdge
	DoRescale     bool       // do_rescale
	RescaleFactor float64    // rescale_factor (1/255)
	DoNormalize   bool       // do_normalize
	Mean          [3]float64 // image_mean (stored as float32 when applied, as numpy does)
	Std           [3]float64 // image_std
	DoPad         bool       // do_pad: pad the batch to its largest height/width and return pixel_mask
	MaxPixels     int64      // refuse images with more pixels (not an HF option); 0 = DefaultMaxPixels
}

// DefaultConfig is BridgeTowerImageProcessor() as BridgeTowerProcessor calls it
// (do_center_crop=True): shortest edge 288, divisor 32, 288×288 crop, CLIP mean/std.
func DefaultConfig() Config {
	return Config{
		DoResize:      true,
		ShortestEdge:  288,
		SizeDivisor:   32,
		DoCenterCrop:  true,
		DoRescale:     true,
		RescaleFactor: 1.0 / 255,
		DoNormalize:   true,
		Mean:          ClipMean,
		Std:           ClipStd,
		DoPad:         true,
		MaxPixels:     DefaultMaxPixels,
	}
}

// LongestEdge is the cap on the long side of the resize target: int(1333 / 800 * ShortestEdge).
func (c Config) LongestEdge() int { return int(1333.0 / 800.0 * float64(c.ShortestEdge)) }

// crop returns the center-crop size (height, width).
func (c Config) crop() (int, int) {
	h, w := c.CropHeight, c.CropWidth
	if h == 0 {
		h = c.ShortestEdge
	}
	if w == 0 {
		w = c.ShortestEdge
	}
	return h, w
}

// CropSize is the center crop's height and width (crop_size, defaulting to the shortest edge).
func (c Config) CropSize() (h, w int) { return c.crop() }

// Validate reports the first option that cannot work.
func (c Config) Validate() error {
	if c.DoResize && c.ShortestEdge <= 0 {
		return fmt.Errorf("imageproc: size.shortest_edge must be positive, got %d", c.ShortestEdge)
	}
	if c.DoResize && c.SizeDivisor <= 0 {
		return fmt.Errorf("imageproc: size_divisor must be positive, got %d", c.SizeDivisor)
	}
	if c.DoCenterCrop {
		if h, w := c.crop(); h <= 0 || w <= 0 {
			return fmt.Errorf("imageproc: crop_size must be positive, got %dx%d", h, w)
		}
	}
	if c.DoRescale && (math.IsNaN(c.RescaleFactor) || math.IsInf(c.RescaleFactor, 0)) {
		return fmt.Errorf("imageproc: rescale_factor must be finite, got %v", c.RescaleFactor)
	}
	if c.DoNormalize {
		for i := 0; i < 3; i++ {
			if c.Std[i] == 0 || math.IsNaN(c.Std[i]) || math.IsNaN(c.Mean[i]) {
				return fmt.Errorf("imageproc: image_std/image_mean channel %d invalid (mean %v, std %v)", i, c.Mean[i], c.Std[i])
			}
		}
	}
	if c.MaxPixels < 0 {
		return fmt.Errorf("imageproc: max pixels must not be negative, got %d", c.MaxPixels)
	}
	return nil
}

// hfPreprocessorConfig is the subset of HF's preprocessor_config.json that BridgeTower uses.
// Pointers distinguish "absent" (keep the default) from a zero value.
type hfPreprocessorConfig struct {
	DoResize      *bool           `json:"do_resize"`
	Size          json.RawMessage `json:"size"`
	SizeDivisor   *int            `json:"size_divisor"`
	Resample      *int            `json:"resample"`
	DoCenterCrop  *bool           `json:"do_center_crop"`
	CropSize      json.RawMessage `json:"crop_size"`
	DoRescale     *bool           `json:"do_rescale"`
	RescaleFactor *float64        `json:"rescale_factor"`
	DoNormalize   *bool           `json:"do_normalize"`
	ImageMean     json.RawMessage `json:"image_mean"`
	ImageStd      json.RawMessage `json:"image_std"`
	DoPad         *bool           `json:"do_pad"`
}

// hfSize is HF's size dict: {"shortest_edge": n} or {"height": h, "width": w}. A bare integer
// (older saved configs) means {"shortest_edge": n} (HF's get_size_dict(default_to_square=False));
// for crop_size that is an n×n crop.
type hfSize struct {
	ShortestEdge *int `json:"shortest_edge"`
	Height       *int `json:"height"`
	Width        *int `json:"width"`
}

// parseSize reads a size field; nil when absent or null.
func parseSize(b json.RawMessage) (*hfSize, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		return &hfSize{ShortestEdge: &n}, nil
	}
	var s hfSize
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("want an integer or a dict, got %s", b)
	}
	return &s, nil
}

// parseFloat3 reads a number or a list of three numbers (HF accepts both for mean/std).
func parseFloat3(b json.RawMessage) ([3]float64, error) {
	var one float64
	if err := json.Unmarshal(b, &one); err == nil {
		return [3]float64{one, one, one}, nil
	}
	var list []float64
	if err := json.Unmarshal(b, &list); err != nil {
		return [3]float64{}, fmt.Errorf("want a number or a list of 3 numbers, got %s", b)
	}
	if len(list) != 3 {
		return [3]float64{}, fmt.Errorf("want 3 values (one per RGB channel), got %d", len(list))
	}
	return [3]float64{list[0], list[1], list[2]}, nil
}

// pilBicubic is PIL.Image.Resampling.BICUBIC, the only resample value BridgeTower uses.
const pilBicubic = 3

// LoadConfig reads dir/preprocessor_config.json over DefaultConfig; without that file it
// returns DefaultConfig. Fields other than those of Config are ignored.
func LoadConfig(dir string) (Config, error) {
	c := DefaultConfig()
	path := filepath.Join(dir, PreprocessorConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("imageproc: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig reads a preprocessor_config.json document (name is used in errors).
func ParseConfig(data []byte, name string) (Config, error) {
	c := DefaultConfig()
	var hf hfPreprocessorConfig
	if err := json.Unmarshal(data, &hf); err != nil {
		return c, fmt.Errorf("imageproc: %s: %s", name, jsonerr.Describe(err))
	}
	fail := func(field, format string, args ...any) (Config, error) {
		return c, fmt.Errorf("imageproc: %s: field %q: %s", name, field, fmt.Sprintf(format, args...))
	}
	if hf.DoResize != nil {
		c.DoResize = *hf.DoResize
	}
	size, err := parseSize(hf.Size)
	if err != nil {
		return fail("size", "%v", err)
	}
	if size != nil {
		if size.ShortestEdge == nil {
			return fail("size", "BridgeTower needs {\"shortest_edge\": n}")
		}
		c.ShortestEdge = *size.ShortestEdge
	}
	if hf.SizeDivisor != nil {
		c.SizeDivisor = *hf.SizeDivisor
	}
	if hf.Resample != nil && *hf.Resample != pilBicubic {
		return fail("resample", "only bicubic (3) is implemented, got %d", *hf.Resample)
	}
	if hf.DoCenterCrop != nil {
		c.DoCenterCrop = *hf.DoCenterCrop
	}
	cs, err := parseSize(hf.CropSize)
	if err != nil {
		return fail("crop_size", "%v", err)
	}
	if cs != nil {
		switch {
		case cs.ShortestEdge != nil:
			c.CropHeight, c.CropWidth = *cs.ShortestEdge, *cs.ShortestEdge
		case cs.Height != nil && cs.Width != nil:
			c.CropHeight, c.CropWidth = *cs.Height, *cs.Width
		default:
			return fail("crop_size", "want {\"shortest_edge\": n} or {\"height\": h, \"width\": w}")
		}
	}
	if hf.DoRescale != nil {
		c.DoRescale = *hf.DoRescale
	}
	if hf.RescaleFactor != nil {
		c.RescaleFactor = *hf.RescaleFactor
	}
	if hf.DoNormalize != nil {
		c.DoNormalize = *hf.DoNormalize
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *[3]float64
	}{{"image_mean", hf.ImageMean, &c.Mean}, {"image_std", hf.ImageStd, &c.Std}} {
		if len(f.raw) == 0 || string(f.raw) == "null" {
			continue
		}
		v, err := parseFloat3(f.raw)
		if err != nil {
			return fail(f.name, "%v", err)
		}
		*f.dst = v
	}
	if hf.DoPad != nil {
		c.DoPad = *hf.DoPad
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w (in %s)", err, name)
	}
	return c, nil
}
