package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// The GPT-2 pre-tokenizer, written out by hand. It splits text exactly as the regular expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// does in Python's regex module, Oniguruma and PCRE2 (the engines behind GPT-2 and HF tokenizers).
// Go's RE2 has no look-ahead, so `\s+(?!\S)` cannot be written as a Go regexp; its meaning is "a run
// of whitespace followed by a non-space gives its last character back to the next piece", which is
// what lets " word" keep its leading space after a newline or a run of spaces.
//
// Character classes follow Unicode as Go's unicode package knows it (15.0): \s = White_Space
// (unicode.IsSpace, which includes U+0085 and U+00A0 and excludes U+FEFF, as Oniguruma does),
// \p{L} = unicode.IsLetter, \p{N} = unicode.IsNumber. Invalid UTF-8 bytes count as symbols.

// Character classes of the pre-tokenizer.
const (
	classOther  = iota // [^\s\p{L}\p{N}]
	classLetter        // \p{L}
	classNumber        // \p{N}
	classSpace         // \s
)

var asciiClass [utf8.RuneSelf]uint8

func init() {
	for c := 0; c < utf8.RuneSelf; c++ {
		asciiClass[c] = runeClassSlow(rune(c))
	}
}

func runeClassSlow(r rune) uint8 {
	switch {
	case unicode.IsSpace(r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classOther
}

// classAt returns the class and byte length of the rune at s[i].
func classAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return runeClassSlow(r), n
}

// scanClass returns the end of the run of class cls starting at i.
func scanClass(s string, i int, cls uint8) int {
	for i < len(s) {
		c, n := classAt(s, i)
		if c != cls {
			break
		}
		i += n
	}
	return i
}

// contraction returns the byte length of 's 't 're 've 'm 'll 'd at s[i] (s[i] == '\”), or 0.
func contraction(s string, i int) int {
	if i+1 >= len(s) {
		return 0
	}
	switch s[i+1] {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && s[i+2] == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2] == 'l' {
			return 3
		}
	}
	return 0
}

// nextPiece returns the end of the pre-tokenizer piece that starts at s[i] (i < len(s)).
func nextPiece(s string, i int) int {
	c := s[i]
	if c == '\'' {
		if n := contraction(s, i); n > 0 {
			return i + n
		}
	}
	if c == ' ' && i+1 < len(s) {
		// " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" with the optional space present.
		if cls, n := classAt(s, i+1); cls != classSpace {
			return scanClass(s, i+1+n, cls)
		}
	}
	cls, n := classAt(s, i)
	if cls != classSpace {
		return scanClass(s, i+n, cls)
	}
	// "\s+(?!\S)|\s+": the whitespace run s[i:j].
	last := i // start of the run's last rune
	j := i + n
	for j < len(s) {
		c2, n2 := classAt(s, j)
		if c2 != classSpace {
			break
		}
		last = j
		j += n2
	}
	if j == len(s) || last == i {
		return j // the run ends the text, or is a single character before a non-space
	}
	return last // give the last whitespace character back: it leads the next piece
}

// PreTokenize splits text into GPT-2 pre-tokenizer pieces (before byte-level mapping); their
// concatenation is text. "Hello  world\n" → ["Hello", " ", " world", "\n"].
func PreTokenize(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		j := nextPiece(text, i)
		out = append(out, text[i:j])
		i = j
	}
	return out
}
