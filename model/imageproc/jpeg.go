package imageproc

import "image"

// JPEG colour: image/jpeg returns the Y, Cb and Cr planes (its IDCT) and converts them to RGB by
// replicating chroma and with Go's own YCbCr formula. Pillow decodes with libjpeg-turbo, which
// upsamples chroma with a "fancy" triangle filter (jdsample.c: h2v1, h2v2, h1v2) and converts with
// fixed-point tables (jdcolor.c: build_ycc_rgb_table, ycc_rgb_convert). This file reproduces
// those two steps on image/jpeg's planes, so the only remaining difference is the IDCT rounding
// (image/jpeg's IDCT is not libjpeg's jidctint.c); the bound measured on the golden JPEG is pinned
// in jpeg_test.go.

// libjpeg-turbo jdcolor.c constants: SCALEBITS 16, ONE_HALF 1<<15, FIX(x) = (x*65536 + 0.5).
const (
	jScaleBits = 16
	jOneHalf   = 1 << (jScaleBits - 1)
)

func jFix(x float64) int32 { return int32(x*(1<<jScaleBits) + 0.5) }

// yccTables are libjpeg-turbo's build_ycc_rgb_table for 8-bit samples.
var yccCrR, yccCbB, yccCrG, yccCbG = buildYCCTables()

func buildYCCTables() (crR, cbB, crG, cbG [256]int32) {
	for i := 0; i < 256; i++ {
		x := int32(i - 128)
		crR[i] = (jFix(1.40200)*x + jOneHalf) >> jScaleBits
		cbB[i] = (jFix(1.77200)*x + jOneHalf) >> jScaleBits
		crG[i] = -jFix(0.71414) * x
		cbG[i] = -jFix(0.34414)*x + jOneHalf
	}
	return
}

// rangeLimit is libjpeg's range_limit: clamp to [0, 255].
func rangeLimit(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// subsampleFactors returns the horizontal and vertical chroma subsampling of a ratio.
func subsampleFactors(r image.YCbCrSubsampleRatio) (hs, vs int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// chromaUpsampler produces full-width chroma rows from a subsampled plane the way libjpeg-turbo's
// jinit_upsampler chooses: h2v1 and h2v2 fancy when the downsampled width is > 2, h1v2 fancy,
// otherwise box replication (int_upsample, h2v1_upsample, h2v2_upsample).
type chromaUpsampler struct {
	plane  []uint8
	stride int
	cw, ch int // downsampled width and height (libjpeg's downsampled_width/height)
	hs, vs int
	fancy  bool
}

// row writes chroma for output row y into out (len ≥ cw*hs).
func (u *chromaUpsampler) row(y int, out []uint8) {
	if u.vs == 2 {
		near := y / 2
		if u.fancy || u.hs == 1 {
			// Context rows: the "far" row is above for even output rows and below for odd ones;
			// libjpeg duplicates the first row above the image and the last below it.
			far := near - 1
			if y%2 == 1 {
				far = near + 1
			}
			far = min(max(far, 0), u.ch-1)
			n := u.plane[near*u.stride : near*u.stride+u.cw]
			f := u.plane[far*u.stride : far*u.stride+u.cw]
			if u.hs == 1 {
				h1v2Fancy(n, f, y%2, out)
			} else {
				h2v2Fancy(n, f, out)
			}
			return
		}
		replicate(u.plane[near*u.stride:near*u.stride+u.cw], u.hs, out)
		return
	}
	in := u.plane[y*u.stride : y*u.stride+u.cw]
	if u.fancy {
		h2v1Fancy(in, out)
		return
	}
	replicate(in, u.hs, out)
}

func replicate(in []uint8, hs int, out []uint8) {
	for i, v := range in {
		for k := 0; k < hs; k++ {
			out[i*hs+k] = v
		}
	}
}

// h2v1Fancy is jdsample.c h2v1_fancy_upsample for one row (len(in) > 2).
func h2v1Fancy(in []uint8, out []uint8) {
	n := len(in)
	v := int32(in[0])
	out[0] = in[0]
	out[1] = uint8((v*3 + int32(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v = int32(in[i]) * 3
		out[2*i] = uint8((v + int32(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int32(in[i+1]) + 2) >> 2)
	}
	v = int32(in[n-1])
	out[2*n-2] = uint8((v*3 + int32(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// h2v2Fancy is one output row of jdsample.c h2v2_fancy_upsample: near is the nearest chroma row,
// far the next nearest (len > 2).
func h2v2Fancy(near, far []uint8, out []uint8) {
	n := len(near)
	colsum := func(i int) int32 { return int32(near[i])*3 + int32(far[i]) }
	this, next := colsum(0), colsum(1)
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = colsum(i + 1)
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}

// h1v2Fancy is one output row of jdsample.c h1v2_fancy_upsample (libjpeg-turbo ≥ 2.0: bias 1 for
// the upper row of a pair, 2 for the lower).
func h1v2Fancy(near, far []uint8, v int, out []uint8) {
	bias := int32(1 + v)
	for i := range near {
		out[i] = uint8((int32(near[i])*3 + int32(far[i]) + bias) >> 2)
	}
}

// jpegYCbCrToRGB converts image/jpeg's planes with libjpeg-turbo's upsampling and colour tables.
func jpegYCbCrToRGB(m *image.YCbCr) *Image {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	hs, vs := subsampleFactors(m.SubsampleRatio)
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs
	// Planes start at the image origin (image/jpeg decodes at (0, 0)).
	c0 := m.COffset(b.Min.X, b.Min.Y)
	mk := func(p []uint8) *chromaUpsampler {
		u := &chromaUpsampler{plane: p[c0:], stride: m.CStride, cw: cw, ch: ch, hs: hs, vs: vs}
		u.fancy = hs == 2 && cw > 2
		return u
	}
	ucb, ucr := mk(m.Cb), mk(m.Cr)
	cbRow := make([]uint8, cw*hs)
	crRow := make([]uint8, cw*hs)
	out := NewImage(w, h)
	for y := 0; y < h; y++ {
		ucb.row(y, cbRow)
		ucr.row(y, crRow)
		yRow := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
		o := out.Pix[y*w*3:]
		for x := 0; x < w; x++ {
			yy := int32(yRow[x])
			cb, cr := cbRow[x], crRow[x]
			o[x*3] = rangeLimit(yy + yccCrR[cr])
			o[x*3+1] = rangeLimit(yy + ((yccCbG[cb] + yccCrG[cr]) >> jScaleBits))
			o[x*3+2] = rangeLimit(yy + yccCbB[cb])
		}
	}
	return out
}
