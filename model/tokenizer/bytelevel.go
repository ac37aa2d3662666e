package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// GPT-2's bytes_to_unicode: every byte gets a printable rune so that BPE tokens are readable strings.
// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other 68 bytes map to
// U+0100, U+0101, ... in byte order (so ' ' → 'Ġ' U+0120, '\n' → 'Ċ' U+010A).
var (
	byteToRune [256]rune
	runeToByte = map[rune]byte{}
	// byteToString[b] is string(byteToRune[b]), precomputed for building token strings.
	byteToString [256]string
)

func init() {
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !printable(b) {
			r = rune(256 + n)
			n++
		}
		byteToRune[b] = r
		runeToByte[r] = byte(b)
		byteToString[b] = string(r)
	}
}

// ByteLevel returns the byte-level form of s: each byte of s replaced by its bytes_to_unicode rune.
// "Hello world" → "HelloĠworld".
func ByteLevel(s string) string {
	var sb strings.Builder
	sb.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		sb.WriteRune(byteToRune[s[i]])
	}
	return sb.String()
}

// appendTokenBytes appends the bytes a vocabulary token stands for. As HF's ByteLevel decoder, a
// token with a rune outside the byte-level alphabet (an added token such as "<mask>" is inside it;
// "ü" is too, but "€" is not) contributes its raw UTF-8 bytes instead.
func appendTokenBytes(dst []byte, tok string) []byte {
	start := len(dst)
	for _, r := range tok {
		b, ok := runeToByte[r]
		if !ok {
			return append(dst[:start], tok...)
		}
		dst = append(dst, b)
	}
	return dst
}

// lossyUTF8 converts b to a string as Rust's String::from_utf8_lossy does: each maximal ill-formed
// subpart (the longest prefix of a valid sequence, or one byte) becomes one U+FFFD. Go's own
// conversions replace byte by byte, which would differ on truncated multi-byte sequences.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[i : i+size])
			i += size
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return sb.String()
}

// maximalSubpart is the length of the ill-formed sequence starting at b[0] (Unicode §3.9, D93b):
// a lead byte followed by as many bytes as can still continue a valid sequence, at least 1.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF) // allowed range of the second byte
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 {
			if x < lo || x > hi {
				break
			}
		} else if x < 0x80 || x > 0xBF {
			break
		}
		n++
	}
	return n
}
