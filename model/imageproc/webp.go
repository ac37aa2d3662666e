package imageproc

import "image"

// Lossy WebP colour: golang.org/x/image/webp returns VP8's Y, U, V planes (4:2:0) as an
// *image.YCbCr, but VP8 is limited-range BT.601 while image.YCbCr means full-range JFIF
// (golang/go#40173), so its RGB is wrong. Pillow decodes through libwebp's WebPAnimDecoder in
// MODE_RGBA, i.e. the fancy upsampler (src/dsp/upsampling.c UPSAMPLE_FUNC, driven row pairs by
// src/dec/io_dec.c EmitFancyRGB) and the 14-bit fixed-point conversion of src/dsp/yuv.h
// (VP8YUVToR/G/B). Both are reproduced here on x/image/webp's planes.

// VP8 YUV→RGB (libwebp yuv.h, YUV_FIX2 = 6).
const (
	yuvFix2  = 6
	yuvMask2 = (256 << yuvFix2) - 1
)

func multHi(v, coeff int32) int32 { return (v * coeff) >> 8 }

func vp8Clip8(v int32) uint8 {
	if v&^yuvMask2 == 0 {
		return uint8(v >> yuvFix2)
	}
	if v < 0 {
		return 0
	}
	return 255
}

func vp8YUVToRGB(y, u, v uint8, out []uint8) {
	yy, uu, vv := int32(y), int32(u), int32(v)
	out[0] = vp8Clip8(multHi(yy, 19077) + multHi(vv, 26149) - 14234)
	out[1] = vp8Clip8(multHi(yy, 19077) - multHi(uu, 6419) - multHi(vv, 13320) + 8708)
	out[2] = vp8Clip8(multHi(yy, 19077) + multHi(uu, 33050) - 17685)
}

// webpUpsampleRow computes the chroma of one output row of width w from the nearest chroma row
// near and the next nearest far, as UPSAMPLE_FUNC does for either row of a pair (the formulas
// for the top and bottom rows are the same with near and far swapped). out has w entries.
func webpUpsampleRow(near, far []uint8, w int, out []uint8) {
	out[0] = uint8((3*int32(near[0]) + int32(far[0]) + 2) >> 2)
	lastPair := (w - 1) >> 1
	for x := 1; x <= lastPair; x++ {
		nl, nx, fl, fx := int32(near[x-1]), int32(near[x]), int32(far[x-1]), int32(far[x])
		avg := nl + nx + fl + fx + 8
		a := (avg + 2*(nx+fl)) >> 3
		b := (avg + 2*(nl+fx)) >> 3
		out[2*x-1] = uint8((a + nl) >> 1)
		out[2*x] = uint8((b + nx) >> 1)
	}
	if w&1 == 0 {
		out[w-1] = uint8((3*int32(near[lastPair]) + int32(far[lastPair]) + 2) >> 2)
	}
}

// webpYUVToRGB converts x/image/webp's 4:2:0 planes like libwebp's RGBA output. Output row y
// takes chroma row y/2 as nearest and row y/2-1 (even y) or y/2+1 (odd y) as next nearest;
// the first row, and the last row of an even-height image, use the same row for both.
func webpYUVToRGB(m *image.YCbCr) *Image {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	c0 := m.COffset(b.Min.X, b.Min.Y)
	rowOf := func(p []uint8, r int) []uint8 { return p[c0+r*m.CStride : c0+r*m.CStride+cw] }
	u := make([]uint8, w+1)
	v := make([]uint8, w+1)
	out := NewImage(w, h)
	for y := 0; y < h; y++ {
		near := y / 2
		far := near - 1
		if y%2 == 1 {
			far = near + 1
		}
		far = min(max(far, 0), ch-1)
		webpUpsampleRow(rowOf(m.Cb, near), rowOf(m.Cb, far), w, u)
		webpUpsampleRow(rowOf(m.Cr, near), rowOf(m.Cr, far), w, v)
		yRow := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
		o := out.Pix[y*w*3:]
		for x := 0; x < w; x++ {
			vp8YUVToRGB(yRow[x], u[x], v[x], o[x*3:x*3+3])
		}
	}
	return out
}
