package imageproc

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// This file is a port of Pillow 9.4 src/libImaging/Resample.c restricted to what
// `Image.resize((w, h), Image.BICUBIC)` does on an 8-bit RGB image with the default box
// (0, 0, width, height): ImagingResample → ImagingResampleInner → precompute_coeffs,
// normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc, ImagingResampleVertical_8bpc.
// Every rounding step is kept, so the output is bit-exact with Pillow.

// precisionBits is Pillow's PRECISION_BITS = 32 - 8 - 2: coefficients in 22-bit fixed point.
const precisionBits = 32 - 8 - 2

// bicubicSupport is the support of Pillow's BICUBIC filter.
const bicubicSupport = 2.0

// bicubicFilter is Pillow's bicubic_filter with a = -0.5.
func bicubicFilter(x float64) float64 {
	const a = -0.5
	if x < 0.0 {
		x = -x
	}
	if x < 1.0 {
		return ((a+2.0)*x-(a+3.0))*x*x + 1
	}
	if x < 2.0 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0.0
}

// coeffs are the fixed-point filter taps of one resampling pass: output pixel i reads
// input pixels bounds[2i] .. bounds[2i]+bounds[2i+1]-1 with weights k[i*ksize:].
type coeffs struct {
	ksize  int
	bounds []int   // [outSize*2]: first input index, number of taps
	k      []int32 // [outSize*ksize]
}

// precomputeCoeffs is Pillow's precompute_coeffs followed by normalize_coeffs_8bpc for a pass
// mapping the input interval [in0, in1) (float, as Pillow's box) onto outSize pixels.
func precomputeCoeffs(inSize int, in0, in1 float32, outSize int) (*coeffs, error) {
	// filterscale = scale = (double)(in1 - in0) / outSize; the subtraction is in float.
	scale := float64(in1-in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1.0 {
		filterscale = 1.0
	}
	support := bicubicSupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	if outSize > math.MaxInt32/(ksize*8) {
		return nil, fmt.Errorf("imageproc: resize to %d pixels needs too many coefficients", outSize)
	}
	c := &coeffs{ksize: ksize, bounds: make([]int, outSize*2), k: make([]int32, outSize*ksize)}
	kk := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := float64(in0) + (float64(xx)+0.5)*scale
		ww := 0.0
		ss := 1.0 / filterscale
		// C casts truncate toward zero, as Go's conversions do.
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		for x := 0; x < xmax; x++ {
			w := bicubicFilter((float64(x+xmin) - center + 0.5) * ss)
			kk[x] = w
			ww += w
		}
		for x := 0; x < xmax; x++ {
			if ww != 0.0 {
				kk[x] /= ww
			}
		}
		k := c.k[xx*ksize : (xx+1)*ksize]
		for x := 0; x < xmax; x++ {
			// normalize_coeffs_8bpc: round half away from zero into 22-bit fixed point.
			if kk[x] < 0 {
				k[x] = int32(-0.5 + kk[x]*(1<<precisionBits))
			} else {
				k[x] = int32(0.5 + kk[x]*(1<<precisionBits))
			}
		}
		c.bounds[xx*2] = xmin
		c.bounds[xx*2+1] = xmax
	}
	return c, nil
}

// clip8 is Pillow's clip8: drop the fraction bits and clamp to [0, 255].
func clip8(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// parallelRows runs fn on disjoint row ranges covering [0, n), on several goroutines when
// the work is large. Each output row depends only on input rows, so the result is the same.
func parallelRows(n, rowCost int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers < 2 || n*rowCost < 1<<16 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// resampleHorizontal computes out rows 0..outH-1 from in rows offset.. (ImagingResampleHorizontal_8bpc).
func resampleHorizontal(out, in *Image, offset int, c *coeffs) {
	parallelRows(out.Height, out.Width*c.ksize, func(lo, hi int) { resampleHorizontalRows(out, in, offset, c, lo, hi) })
}

func resampleHorizontalRows(out, in *Image, offset int, c *coeffs, lo, hi int) {
	const half = int32(1) << (precisionBits - 1)
	for yy := lo; yy < hi; yy++ {
		row := in.Pix[(yy+offset)*in.Width*3 : (yy+offset+1)*in.Width*3]
		orow := out.Pix[yy*out.Width*3 : (yy+1)*out.Width*3]
		for xx := 0; xx < out.Width; xx++ {
			xmin, xmax := c.bounds[xx*2], c.bounds[xx*2+1]
			k := c.k[xx*c.ksize : xx*c.ksize+xmax]
			src := row[xmin*3 : (xmin+xmax)*3]
			ss0, ss1, ss2 := half, half, half
			for x, kx := range k {
				ss0 += int32(src[x*3]) * kx
				ss1 += int32(src[x*3+1]) * kx
				ss2 += int32(src[x*3+2]) * kx
			}
			orow[xx*3] = clip8(ss0)
			orow[xx*3+1] = clip8(ss1)
			orow[xx*3+2] = clip8(ss2)
		}
	}
}

// resampleVertical computes every out row from the in rows named by c (ImagingResampleVertical_8bpc).
func resampleVertical(out, in *Image, c *coeffs) {
	parallelRows(out.Height, out.Width*c.ksize, func(lo, hi int) { resampleVerticalRows(out, in, c, lo, hi) })
}

func resampleVerticalRows(out, in *Image, c *coeffs, lo, hi int) {
	const half = int32(1) << (precisionBits - 1)
	stride := in.Width * 3
	acc := make([]int32, stride)
	for yy := lo; yy < hi; yy++ {
		ymin, ymax := c.bounds[yy*2], c.bounds[yy*2+1]
		k := c.k[yy*c.ksize : yy*c.ksize+ymax]
		for i := range acc {
			acc[i] = half
		}
		// Same sums as Pillow's per-pixel loop, accumulated row by row (integer addition is exact
		// and the int32 sums cannot overflow for 8-bit input, as in Pillow).
		for y, ky := range k {
			src := in.Pix[(y+ymin)*stride : (y+ymin+1)*stride]
			for i, v := range src {
				acc[i] += int32(v) * ky
			}
		}
		orow := out.Pix[yy*stride : (yy+1)*stride]
		for i, s := range acc {
			orow[i] = clip8(s)
		}
	}
}

// ResizeBicubic returns img resized to w×h exactly as Pillow 9.4's `Image.resize((w, h),
// Image.BICUBIC)` on an RGB image: horizontal pass first (only on the rows the vertical pass
// reads) into 8 bits, then the vertical pass; a same-size resize is a copy.
func ResizeBicubic(img *Image, w, h int) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, err
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("imageproc: resize %dx%d to %dx%d: target has zero size", img.Width, img.Height, w, h)
	}
	if w == img.Width && h == img.Height {
		out := NewImage(w, h)
		copy(out.Pix, img.Pix)
		return out, nil
	}
	// Pillow's box is float32 (0, 0, width, height).
	box := [4]float32{0, 0, float32(img.Width), float32(img.Height)}
	needHorizontal := w != img.Width || box[0] != 0 || box[2] != float32(w)
	needVertical := h != img.Height || box[1] != 0 || box[3] != float32(h)

	vert, err := precomputeCoeffs(img.Height, box[1], box[3], h)
	if err != nil {
		return nil, err
	}
	// First and last source rows used by the vertical pass.
	yboxFirst := vert.bounds[0]
	yboxLast := vert.bounds[h*2-2] + vert.bounds[h*2-1]

	in := img
	var out *Image
	if needHorizontal {
		horiz, err := precomputeCoeffs(img.Width, box[0], box[2], w)
		if err != nil {
			return nil, err
		}
		for i := 0; i < h; i++ {
			vert.bounds[i*2] -= yboxFirst
		}
		tmp := NewImage(w, yboxLast-yboxFirst)
		resampleHorizontal(tmp, img, yboxFirst, horiz)
		in, out = tmp, tmp
	}
	if needVertical {
		out = NewImage(in.Width, h)
		resampleVertical(out, in, vert)
	}
	if out == nil {
		out = NewImage(in.Width, in.Height)
		copy(out.Pix, in.Pix)
	}
	return out, nil
}
