package imageproc

import "encoding/binary"

// EXIF orientation as transformers' load_image applies it through PIL.ImageOps.exif_transpose
// (Pillow 9.4): the Orientation tag 0x0112 of IFD0 of the image's EXIF block, where the block
// is the first JPEG APP1 segment starting with "Exif\0" (before the scan), the PNG eXIf chunk,
// or the WebP EXIF chunk. Values 2..8 transpose the image; anything else leaves it as is.
// Differences from Pillow, on malformed or unusual files only: a malformed EXIF block is
// ignored (Pillow may raise), and orientation found only in XMP metadata is not read.

// exifOrientation returns the orientation (1..8, or 0 when absent or unreadable).
func exifOrientation(format string, data []byte) int {
	var tiff []byte
	switch format {
	case "jpeg":
		tiff = jpegExif(data)
	case "png":
		tiff = pngExif(data)
	case "webp":
		tiff = webpExif(data)
	}
	if len(tiff) >= 6 && string(tiff[:6]) == "Exif\x00\x00" {
		tiff = tiff[6:]
	}
	return tiffOrientation(tiff)
}

// jpegExif returns the payload after "Exif\0\0" of the first APP1 Exif segment before SOS.
func jpegExif(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return nil
		}
		marker := data[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan / end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 5 && string(seg[:5]) == "Exif\x00" {
			return seg
		}
		p += 2 + n
	}
	return nil
}

// pngExif returns the data of the first eXIf chunk.
func pngExif(data []byte) []byte {
	p := 8
	for p+12 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data)-p-12 {
			return nil
		}
		if typ == "eXIf" {
			return data[p+8 : p+8+n]
		}
		if typ == "IEND" {
			return nil
		}
		p += 12 + n
	}
	return nil
}

// webpExif returns the data of the EXIF chunk of a RIFF/WEBP file.
func webpExif(data []byte) []byte {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil
	}
	p := 12
	for p+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[p+4:]))
		if n < 0 || n > len(data)-p-8 {
			return nil
		}
		if string(data[p:p+4]) == "EXIF" {
			return data[p+8 : p+8+n]
		}
		p += 8 + n + n&1 // chunks are padded to an even size
	}
	return nil
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block. Pillow accepts
// any integer type and, for a count above 1, takes the first value; so does this (for values
// stored inline in the entry).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	n := int(bo.Uint16(t[off:]))
	orientation := 0
	for i := 0; i < n; i++ {
		e := off + 2 + int64(i)*12
		if e+12 > int64(len(t)) {
			break
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, count := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if count == 0 {
			continue
		}
		v := t[e+8:] // values of ≤ 4 bytes are stored inline
		switch typ {
		case 1, 6: // BYTE, SBYTE
			if count <= 4 {
				orientation = int(int8(v[0]))
				if typ == 1 {
					orientation = int(v[0])
				}
			}
		case 3, 8: // SHORT, SSHORT
			if count <= 2 {
				orientation = int(bo.Uint16(v))
			}
		case 4, 9: // LONG, SLONG
			if count == 1 {
				orientation = int(int32(bo.Uint32(v)))
			}
		}
	}
	return orientation
}

// applyOrientation returns img transposed as exif_transpose does for orientation o.
func applyOrientation(img *Image, o int) *Image {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Width, img.Height
	ow, oh := w, h
	if o >= 5 { // transposing orientations swap the sides
		ow, oh = h, w
	}
	out := NewImage(ow, oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var sx, sy int
			switch o {
			case 2: // FLIP_LEFT_RIGHT
				sx, sy = w-1-x, y
			case 3: // ROTATE_180
				sx, sy = w-1-x, h-1-y
			case 4: // FLIP_TOP_BOTTOM
				sx, sy = x, h-1-y
			case 5: // TRANSPOSE
				sx, sy = y, x
			case 6: // ROTATE_270 (90° clockwise)
				sx, sy = y, h-1-x
			case 7: // TRANSVERSE
				sx, sy = w-1-y, h-1-x
			case 8: // ROTATE_90 (90° counter-clockwise)
				sx, sy = w-1-y, x
			}
			copy(out.Pix[(y*ow+x)*3:(y*ow+x)*3+3], img.Pix[(sy*w+sx)*3:])
		}
	}
	return out
}
