package imageproc

import (
	"fmt"
	"image"
	"image/color"
)

// toRGB converts a decoded image to 8-bit RGB with Pillow 9.4's `convert("RGB")` rules for the
// mode Pillow would have opened the same file in:
//   - L (8-bit gray, JPEG or PNG, also 1/2/4-bit PNG which both scale to 0..255): replicated.
//   - I (16-bit gray PNG, Pillow rawmode I;16B): Pillow clips the 16-bit value to 255
//     (i2rgb: clip8), so most 16-bit gray pixels become white. Reproduced on purpose.
//   - RGB;16B / RGBA;16B / LA;16B (other 16-bit PNGs): Pillow keeps the high byte.
//   - RGBA, LA, and PNG tRNS: alpha is dropped without compositing.
//   - P (PNG, GIF): palette lookup.
//   - CMYK (Adobe JPEG): Pillow's cmyk2rgb, 255-k - c*(255-k)/255 with its MULDIV255 rounding.
//   - YCbCr JPEG: libjpeg-turbo's fancy upsampling and YCbCr→RGB (jpeg.go).
//   - lossy WebP: libwebp's fancy upsampling and YUV→RGB (webp.go).
func toRGB(m image.Image, format string, data []byte, cfg image.Config) (*Image, error) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.YCbCr:
		switch format {
		case "jpeg":
			return jpegYCbCrToRGB(m), nil
		case "webp":
			return webpYUVToRGB(m), nil
		}
	case *image.NYCbCrA:
		if format == "webp" {
			return webpYUVToRGB(&m.YCbCr), nil
		}
	case *image.Gray:
		out := NewImage(w, h)
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			o := out.Pix[y*w*3:]
			for x, v := range row {
				o[x*3], o[x*3+1], o[x*3+2] = v, v, v
			}
		}
		return out, nil
	case *image.Gray16:
		out := NewImage(w, h)
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+2*w]
			o := out.Pix[y*w*3:]
			for x := 0; x < w; x++ {
				v := clipI16(row[2*x], row[2*x+1])
				o[x*3], o[x*3+1], o[x*3+2] = v, v, v
			}
		}
		return out, nil
	case *image.RGBA:
		// Opaque truecolor PNG or Adobe-RGB JPEG: alpha is 255, so the bytes are the colour.
		return copyChannels(m.Pix, m.Stride, w, h, 4, 1), nil
	case *image.NRGBA:
		return copyChannels(m.Pix, m.Stride, w, h, 4, 1), nil
	case *image.RGBA64:
		return copyChannels(m.Pix, m.Stride, w, h, 8, 2), nil
	case *image.NRGBA64:
		if format == "png" && pngIsGray16(data) {
			// 16-bit gray with tRNS: Go widens to NRGBA64; Pillow opens it as mode I and clips.
			out := NewImage(w, h)
			for y := 0; y < h; y++ {
				row := m.Pix[y*m.Stride:]
				o := out.Pix[y*w*3:]
				for x := 0; x < w; x++ {
					v := clipI16(row[8*x], row[8*x+1])
					o[x*3], o[x*3+1], o[x*3+2] = v, v, v
				}
			}
			return out, nil
		}
		return copyChannels(m.Pix, m.Stride, w, h, 8, 2), nil
	case *image.Paletted:
		if format == "gif" {
			return gifFirstFrameToRGB(m, data, cfg)
		}
		return palettedToRGB(m, paletteRGB(m.Palette)), nil
	case *image.CMYK:
		out := NewImage(w, h)
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			o := out.Pix[y*w*3:]
			for x := 0; x < w; x++ {
				c, mm, ye, k := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				nk := 255 - int(k)
				o[x*3] = uint8(nk - mulDiv255(int(c), nk))
				o[x*3+1] = uint8(nk - mulDiv255(int(mm), nk))
				o[x*3+2] = uint8(nk - mulDiv255(int(ye), nk))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported %s pixel layout %T", format, m)
}

// clipI16 is Pillow's I → RGB conversion of a big-endian 16-bit sample: clip8(v) = min(v, 255).
func clipI16(hi, lo uint8) uint8 {
	if hi != 0 {
		return 255
	}
	return lo
}

// mulDiv255 is Pillow's MULDIV255(a, b): a*b/255 rounded, computed as ((t>>8)+t)>>8 with t = a*b+128.
func mulDiv255(a, b int) int {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

// copyChannels takes the first three channels of an interleaved image with bpp bytes per pixel;
// with 2 bytes per sample (big-endian 16-bit) it keeps the high byte, as Pillow's ;16B unpackers do.
func copyChannels(pix []uint8, stride, w, h, bpp, bytesPerSample int) *Image {
	out := NewImage(w, h)
	for y := 0; y < h; y++ {
		row := pix[y*stride:]
		o := out.Pix[y*w*3:]
		for x := 0; x < w; x++ {
			p := row[x*bpp:]
			o[x*3] = p[0]
			o[x*3+1] = p[bytesPerSample]
			o[x*3+2] = p[2*bytesPerSample]
		}
	}
	return out
}

// paletteRGB returns the straight (not premultiplied) RGB bytes of each palette entry.
func paletteRGB(p color.Palette) [][3]uint8 {
	out := make([][3]uint8, len(p))
	for i, c := range p {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		if rgba, ok := c.(color.RGBA); ok && rgba.A == 255 {
			n = color.NRGBA{R: rgba.R, G: rgba.G, B: rgba.B, A: 255}
		}
		out[i] = [3]uint8{n.R, n.G, n.B}
	}
	return out
}

// palettedToRGB looks each index up in pal; an index beyond pal is black (Go's decoders reject
// those, so this only guards).
func palettedToRGB(m *image.Paletted, pal [][3]uint8) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := NewImage(w, h)
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		o := out.Pix[y*w*3:]
		for x, idx := range row {
			if int(idx) < len(pal) {
				c := pal[idx]
				o[x*3], o[x*3+1], o[x*3+2] = c[0], c[1], c[2]
			}
		}
	}
	return out
}

// pngIsGray16 reports whether a PNG's IHDR says 16-bit grayscale (colour type 0, depth 16).
func pngIsGray16(data []byte) bool {
	// 8-byte signature, 4-byte length, "IHDR", width, height, depth (byte 24), colour type (25).
	return len(data) > 25 && string(data[12:16]) == "IHDR" && data[24] == 16 && data[25] == 0
}
