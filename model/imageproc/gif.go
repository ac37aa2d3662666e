package imageproc

import (
	"fmt"
	"image"
)

// gifFrameInfo is what Pillow uses of a GIF's first frame that image/gif does not return:
// the colour table in force (image/gif blanks the transparent entry to RGBA{}) and the
// transparent index (Pillow fills the screen outside the frame with it).
type gifFrameInfo struct {
	palette     [][3]uint8
	transparent int // -1 when the first frame has no transparency
}

// parseGIFFirstFrame walks the GIF blocks up to the first image descriptor.
func parseGIFFirstFrame(data []byte) (gifFrameInfo, error) {
	info := gifFrameInfo{transparent: -1}
	if len(data) < 13 || (string(data[:6]) != "GIF87a" && string(data[:6]) != "GIF89a") {
		return info, fmt.Errorf("gif: bad header")
	}
	flags := data[10]
	p := 13
	readTable := func(flags byte) ([][3]uint8, error) {
		n := 1 << ((flags & 7) + 1)
		if p+3*n > len(data) {
			return nil, fmt.Errorf("gif: truncated colour table")
		}
		t := make([][3]uint8, n)
		for i := range t {
			t[i] = [3]uint8{data[p+3*i], data[p+3*i+1], data[p+3*i+2]}
		}
		p += 3 * n
		return t, nil
	}
	var global [][3]uint8
	if flags&0x80 != 0 {
		var err error
		if global, err = readTable(flags); err != nil {
			return info, err
		}
	}
	for p < len(data) {
		switch data[p] {
		case 0x21: // extension: label, then sub-blocks
			if p+2 > len(data) {
				return info, fmt.Errorf("gif: truncated extension")
			}
			label := data[p+1]
			p += 2
			first := true
			for p < len(data) {
				n := int(data[p])
				p++
				if n == 0 {
					break
				}
				if p+n > len(data) {
					return info, fmt.Errorf("gif: truncated extension block")
				}
				// Graphic control extension: packed flags, delay (2), transparent index.
				if label == 0xF9 && first && n >= 4 && data[p]&1 != 0 {
					info.transparent = int(data[p+3])
				}
				first = false
				p += n
			}
		case 0x2C: // image descriptor
			if p+10 > len(data) {
				return info, fmt.Errorf("gif: truncated image descriptor")
			}
			d := data[p+1 : p+10] // left, top, width, height (2 bytes each), flags
			p += 10
			info.palette = global
			if d[8]&0x80 != 0 {
				local, err := readTable(d[8])
				if err != nil {
					return info, err
				}
				info.palette = local
			}
			return info, nil
		default:
			return info, fmt.Errorf("gif: unexpected block 0x%02x before the first image", data[p])
		}
	}
	return info, fmt.Errorf("gif: no image")
}

// gifFirstFrameToRGB places the first frame on the logical screen as Pillow 9.4 does (the rest
// of the screen holds index 0, or the transparent index when the frame has one) and looks the
// indices up in the real colour table.
func gifFirstFrameToRGB(m *image.Paletted, data []byte, cfg image.Config) (*Image, error) {
	info, err := parseGIFFirstFrame(data)
	if err != nil {
		return nil, err
	}
	sw, sh := cfg.Width, cfg.Height
	fill := 0
	if info.transparent >= 0 {
		fill = info.transparent
	}
	canvas := image.NewPaletted(image.Rect(0, 0, sw, sh), nil)
	for i := range canvas.Pix {
		canvas.Pix[i] = uint8(fill)
	}
	b := m.Bounds().Intersect(canvas.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		copy(canvas.Pix[canvas.PixOffset(b.Min.X, y):canvas.PixOffset(b.Max.X, y)], m.Pix[m.PixOffset(b.Min.X, y):])
	}
	return palettedToRGB(canvas, info.palette), nil
}
