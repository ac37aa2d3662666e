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
