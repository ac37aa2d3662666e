package imageproc

import (
	"fmt"

	"github.com/bridgetower-go/bt/graph"
)

// TargetSize is HF's get_resize_output_image_size (ViLT/BridgeTower): the short side becomes
// shorter, the long side scales with it; if the long side exceeds longer both are scaled down so
// that it equals longer; each side is rounded with int(x + 0.5) and floored to a multiple of
// divisor. The arithmetic is float64 in the same order as Python's.
func TargetSize(height, width, shorter, longer, divisor int) (h, w int) {
	scale := float64(shorter) / float64(min(height, width))
	var nh, nw float64
	if height < width {
		nh, nw = float64(shorter), scale*float64(width)
	} else {
		nh, nw = scale*float64(height), float64(shorter)
	}
	if m := max(nh, nw); m > float64(longer) {
		scale = float64(longer) / m
		nh, nw = scale*nh, scale*nw
	}
	h, w = int(nh+0.5), int(nw+0.5)
	return h / divisor * divisor, w / divisor * divisor
}

// Resize applies the BridgeTower resize rule to img with Pillow's bicubic resampler
// (HF `BridgeTowerImageProcessor.resize`). It fails when the rule gives a zero side, which
// happens for images more elongated than about longer:divisor.
func (c Config) Resize(img *Image) (*Image, error) {
	if err := img.check(); err != nil {
		return nil, err
	}
	h, w := TargetSize(img.Height, img.Width, c.ShortestEdge, c.LongestEdge(), c.SizeDivisor)
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("imageproc: image %dx%d is too elongated: the resize target %dx%d (shortest edge %d, size divisor %d) has a zero side",
			img.Width, img.Height, w, h, c.ShortestEdge, c.SizeDivisor)
	}
	return ResizeBicubic(img, w, h)
}

// CenterCrop is HF's image_transforms.center_crop on a uint8 image: crop at offset
// floor((H-ch)/2), floor((W-cw)/2); a side shorter than the crop is first zero-padded with
// floor((c-n)/2) black pixels before it. As in HF, an odd shortfall yields a side of c-1.
func CenterCrop(img *Image, ch, cw int) *Image {
	rows, cols := cropWindow(img.Height, ch), cropWindow(img.Width, cw)
	oh, ow := rows.end-rows.start, cols.end-cols.start
	out := NewImage(ow, oh)
	for y := 0; y < oh; y++ {
		sy := y + rows.start - rows.pad // row in img; outside [0, H) is zero padding
		if sy < 0 || sy >= img.Height {
			continue
		}
		for x := 0; x < ow; x++ {
			sx := x + cols.start - cols.pad
			if sx < 0 || sx >= img.Width {
				continue
			}
			copy(out.Pix[(y*ow+x)*3:(y*ow+x)*3+3], img.Pix[(sy*img.Width+sx)*3:])
		}
	}
	return out
}

// window is one axis of HF's center_crop: the slice [start, end) of the padded axis whose
// data begins at pad.
type window struct{ start, end, pad int }

func cropWindow(n, c int) window {
	top := floorDiv(n-c, 2)
	bottom := top + c
	if top >= 0 && bottom <= n {
		return window{start: top, end: bottom}
	}
	// HF pads both axes as soon as either does not fit; an axis that fits gets pad 0 and
	// keeps its crop, so treating the axes separately gives the same slices.
	newN := max(c, n)
	pad := floorDiv(newN-n, 2)
	top += pad
	bottom += pad
	return window{start: max(0, top), end: min(newN, bottom), pad: pad}
}

// floorDiv is Python's // on ints.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// toCHW rescales and normalises a uint8 HWC image into float32 CHW, as HF does:
// rescale = float32(float64(u8) * factor), normalise = (x - float32(mean)) / float32(std) in float32.
// Without rescale the uint8 values are cast to float32 (HF's normalize does astype(float32)).
func (c Config) toCHW(img *Image, dst []float32) {
	hw := img.Width * img.Height
	var mean, std [3]float32
	for i := range mean {
		mean[i], std[i] = float32(c.Mean[i]), float32(c.Std[i])
	}
	for ch := 0; ch < 3; ch++ {
		out := dst[ch*hw : (ch+1)*hw]
		m, s := mean[ch], std[ch]
		for i := range out {
			u := img.Pix[i*3+ch]
			var x float32
			if c.DoRescale {
				x = float32(float64(u) * c.RescaleFactor)
			} else {
				x = float32(u)
			}
			if c.DoNormalize {
				x = (x - m) / s
			}
			out[i] = x
		}
	}
}

// Batch is the processor output for a list of images.
type Batch struct {
	PixelValues *graph.Tensor // F32 [B, 3, H, W], zero-padded bottom/right to the largest H and W
	PixelMask   *graph.Tensor // I64 [B, H, W], 1 on each image's real pixels; nil without DoPad
	Sizes       [][2]int      // per image (height, width) before batch padding
	Resized     []*Image      // per image the resize output before the crop (HF `resize`), for checks
}

// ProcessImage runs resize and center crop on one RGB image and returns the uint8 image
// that is then rescaled and normalised (and the resize output before the crop).
func (c Config) ProcessImage(img *Image) (final, resized *Image, err error) {
	if err := img.check(); err != nil {
		return nil, nil, err
	}
	resized = img
	if c.DoResize {
		if resized, err = c.Resize(img); err != nil {
			return nil, nil, err
		}
	}
	final = resized
	if c.DoCenterCrop {
		ch, cw := c.crop()
		final = CenterCrop(resized, ch, cw)
		if final.Width == 0 || final.Height == 0 {
			return nil, nil, fmt.Errorf("imageproc: center crop %dx%d of a %dx%d image is empty", cw, ch, resized.Width, resized.Height)
		}
	}
	return final, resized, nil
}

// Preprocess runs BridgeTowerImageProcessor on RGB images: per image resize, crop, rescale,
// normalise, CHW; then the batch is padded bottom/right with zeros to the largest height and
// width and pixel_mask marks the real pixels. Without DoPad all images must end up the same size.
func (c Config) Preprocess(imgs []*Image) (*Batch, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("imageproc: no images")
	}
	finals := make([]*Image, len(imgs))
	b := &Batch{Sizes: make([][2]int, len(imgs)), Resized: make([]*Image, len(imgs))}
	maxH, maxW := 0, 0
	for i, img := range imgs {
		final, resized, err := c.ProcessImage(img)
		if err != nil {
			return nil, fmt.Errorf("%w (image %d)", err, i)
		}
		finals[i], b.Resized[i] = final, resized
		b.Sizes[i] = [2]int{final.Height, final.Width}
		maxH, maxW = max(maxH, final.Height), max(maxW, final.Width)
	}
	if !c.DoPad {
		for i, s := range b.Sizes {
			if s != b.Sizes[0] {
				return nil, fmt.Errorf("imageproc: without do_pad all images must have one size: image 0 is %dx%d, image %d is %dx%d",
					b.Sizes[0][1], b.Sizes[0][0], i, s[1], s[0])
			}
		}
	}
	n := len(imgs)
	pv := graph.NewTensor(graph.F32, graph.Shape{n, 3, maxH, maxW})
	pvData := pv.Data.([]float32)
	var maskData []int64
	if c.DoPad {
		b.PixelMask = graph.NewTensor(graph.I64, graph.Shape{n, maxH, maxW})
		maskData = b.PixelMask.Data.([]int64)
	}
	for i, final := range finals {
		h, w := final.Height, final.Width
		chw := make([]float32, 3*h*w)
		c.toCHW(final, chw)
		for ch := 0; ch < 3; ch++ {
			for y := 0; y < h; y++ {
				dst := pvData[((i*3+ch)*maxH+y)*maxW:]
				copy(dst[:w], chw[(ch*h+y)*w:(ch*h+y+1)*w])
			}
		}
		if maskData != nil {
			for y := 0; y < h; y++ {
				row := maskData[(i*maxH+y)*maxW:]
				for x := 0; x < w; x++ {
					row[x] = 1
				}
			}
		}
	}
	b.PixelValues = pv
	return b, nil
}
