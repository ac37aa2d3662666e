package imageproc

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"os"

	_ "golang.org/x/image/webp" // registers WebP
)

// DecodeFile reads and decodes one image file (see Decode).
func DecodeFile(path string, maxPixels int64) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("imageproc: %w", err)
	}
	return Decode(data, path, maxPixels)
}

// Decode decodes a JPEG, PNG, GIF (first frame) or WebP file into RGB the way transformers'
// load_image does with Pillow 9.4: `ImageOps.exif_transpose(Image.open(f)).convert("RGB")`.
// The header is checked before decoding: an image with more than maxPixels pixels (0 means
// DefaultMaxPixels) is refused, like Pillow's DecompressionBombError. name is used in errors.
func Decode(data []byte, name string, maxPixels int64) (img *Image, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("imageproc: %s: empty file", name)
	}
	// The standard decoders return errors on bad input; this guards against a decoder bug
	// turning a malformed file into a crash of the whole program.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("imageproc: %s: decoder failed on malformed data: %v", name, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("imageproc: %s: not a readable JPEG, PNG, GIF or WebP image: %v", name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("imageproc: %s: image has zero size %dx%d", name, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, fmt.Errorf("imageproc: %s: image %dx%d has %d pixels, more than the limit of %d (possible decompression bomb)",
			name, cfg.Width, cfg.Height, px, maxPixels)
	}
	decoded, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("imageproc: %s: decoding %s: %v", name, format, err)
	}
	if b := decoded.Bounds(); b.Empty() {
		return nil, fmt.Errorf("imageproc: %s: decoded %s image has zero size", name, format)
	}
	rgb, err := toRGB(decoded, format, data, cfg)
	if err != nil {
		return nil, fmt.Errorf("imageproc: %s: %v", name, err)
	}
	return applyOrientation(rgb, exifOrientation(format, data)), nil
}

// Image is an 8-bit RGB image, row-major, channels last: Pix[(y*Width+x)*3+c], len(Pix) = Height*Width*3.
type Image struct {
	Width, Height int
	Pix           []uint8
}

// NewImage allocates a black w×h RGB image.
func NewImage(w, h int) *Image {
	return &Image{Width: w, Height: h, Pix: make([]uint8, w*h*3)}
}

// check verifies that Pix matches the dimensions.
func (m *Image) check() error {
	if m == nil {
		return fmt.Errorf("imageproc: nil image")
	}
	if m.Width <= 0 || m.Height <= 0 {
		return fmt.Errorf("imageproc: image has zero size %dx%d", m.Width, m.Height)
	}
	if len(m.Pix) != m.Width*m.Height*3 {
		return fmt.Errorf("imageproc: image %dx%d has %d bytes, want %d", m.Width, m.Height, len(m.Pix), m.Width*m.Height*3)
	}
	return nil
}

// RGB returns the three bytes of pixel (x, y).
func (m *Image) RGB(x, y int) (r, g, b uint8) {
	i := (y*m.Width + x) * 3
	return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
}
