// Package imageproc turns image files into BridgeTower's pixel inputs exactly as Hugging Face's
// BridgeTowerImageProcessor does behind `Image.open(f)`, `ImageOps.exif_transpose` and
// `.convert("RGB")` (transformers' `load_image`), with Pillow 9.4 and libjpeg-turbo/libwebp decoders.
//
// The pipeline is: decode (JPEG, PNG, GIF first frame, WebP) → EXIF orientation → RGB conversion with
// Pillow's rules → Pillow's bicubic resampler (a port of Resample.c, bit-exact) to the BridgeTower
// target size → HF center crop with zero padding → rescale and normalise in float32 → CHW → batch
// padding with a pixel mask. Decoding of PNG, GIF and lossless WebP is exact; lossy WebP uses
// libwebp's fancy upsampler and YUV→RGB formulas on x/image/webp's planes; baseline JPEG uses
// libjpeg-turbo's fancy chroma upsampling and YCbCr→RGB tables on image/jpeg's planes, and differs
// from libjpeg-turbo only by the IDCT rounding of image/jpeg (see jpeg.go for the measured bound).
package imageproc

import "fmt"

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
