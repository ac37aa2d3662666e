package data

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
)

// inside reports whether the point (x, y) (pixel units, continuous) lies in the shape of o:
// a disc filling the box, the box itself, or an upright isosceles triangle with its base on the
// box's bottom edge and its apex at the top middle.
func (o *object) inside(x, y float64) bool {
	x0, y0, x1, y1 := float64(o.X0), float64(o.Y0), float64(o.X1), float64(o.Y1)
	if x < x0 || x >= x1 || y < y0 || y >= y1 {
		return false
	}
	w, h := x1-x0, y1-y0
	switch ShapeNames[o.Shape] {
	case "circle":
		dx, dy := (x-x0)/w-0.5, (y-y0)/h-0.5
		return dx*dx+dy*dy <= 0.25
	case "triangle":
		t := (y - y0) / h // 0 at the apex, 1 at the base
		return math.Abs((x-x0)/w-0.5) <= t/2
	}
	return true
}

// touches reports whether pixel (x, y) overlaps an object's box (only those pixels are
// supersampled; elsewhere every sample is background).
func (s *scene) touches(x, y int) bool {
	for _, o := range s.Objects {
		if x >= o.X0 && x < o.X1 && y >= o.Y0 && y < o.Y1 {
			return true
		}
	}
	return false
}

// supersample is the per-axis sample count for anti-aliased edges (4 × 4 per pixel).
const supersample = 4

// bgNoise is the amplitude of the background's pixel noise (uniform in ±bgNoise levels).
const bgNoise = 3

// render draws a scene at size×size.
func (s *scene) render(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	noise := rand.New(rand.NewPCG(s.Noise, 0x5eed))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var bg [3]float64
			n := float64(noise.IntN(2*bgNoise+1) - bgNoise)
			for c := range 3 {
				bg[c] = s.BG[c] + s.Grad[0]*(float64(x)/float64(size)-0.5) + s.Grad[1]*(float64(y)/float64(size)-0.5) + n
			}
			p := img.Pix[y*img.Stride+x*4:]
			p[3] = 255
			if !s.touches(x, y) {
				for c := range 3 {
					p[c] = uint8(math.Round(math.Max(0, math.Min(255, bg[c]))))
				}
				continue
			}
			var acc [3]float64
			for sy := 0; sy < supersample; sy++ {
				for sx := 0; sx < supersample; sx++ {
					px := float64(x) + (float64(sx)+0.5)/supersample
					py := float64(y) + (float64(sy)+0.5)/supersample
					col := bg
					for i := range s.Objects {
						if s.Objects[i].inside(px, py) {
							o := &s.Objects[i]
							col = [3]float64{float64(o.RGB[0]), float64(o.RGB[1]), float64(o.RGB[2])}
							break
						}
					}
					for c := range 3 {
						acc[c] += col[c]
					}
				}
			}
			for c := range 3 {
				p[c] = uint8(math.Round(math.Max(0, math.Min(255, acc[c]/(supersample*supersample)))))
			}
		}
	}
	return img
}

// encodePNG encodes an image as an 8-bit RGB(A) PNG (opaque, so Go writes RGB).
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
