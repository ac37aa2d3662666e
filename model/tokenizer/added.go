package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddedToken is a token matched in the raw text before pre-tokenization (HF tokenizers'
// AddedToken): RoBERTa's <s> <pad> </s> <unk> <mask>, or tokens a fine-tune added.
type AddedToken struct {
	ID      int
	Content string
	// SingleWord: match only when not inside a word (no word character right before or after).
	SingleWord bool
	// LStrip / RStrip: the match absorbs all whitespace on its left / right (<mask> has LStrip,
	// so "The <mask> sat." gives "The", "<mask>", " sat", ".").
	LStrip, RStrip bool
	// Normalized: matched on the normalized text (RoBERTa has no normalizer, so this only decides
	// the matching order: non-normalized tokens are extracted first, as HF does).
	Normalized bool
	// Special: skipped by Decode with skipSpecial.
	Special bool
}

// segment is a piece of the input: an added token (id >= 0) or text to pre-tokenize (id < 0).
type segment struct {
	start, end int
	id         int
}

// matcher finds added tokens leftmost-longest, like the Aho-Corasick automaton HF builds.
type matcher struct {
	tokens []*AddedToken
	first  [256]bool // first bytes of the tokens
}

func newMatcher(tokens []*AddedToken) matcher {
	m := matcher{tokens: tokens}
	for _, t := range tokens {
		m.first[t.Content[0]] = true
	}
	return m
}

// find returns the leftmost-longest match at or after from, or nil.
func (m *matcher) find(s string, from int) (int, *AddedToken) {
	if len(m.tokens) == 0 {
		return 0, nil
	}
	for p := from; p < len(s); p++ {
		if !m.first[s[p]] {
			continue
		}
		var best *AddedToken
		for _, t := range m.tokens {
			if strings.HasPrefix(s[p:], t.Content) && (best == nil || len(t.Content) > len(best.Content)) {
				best = t
			}
		}
		if best != nil {
			return p, best
		}
	}
	return 0, nil
}

// split appends to dst the segments of s[base:base+len(s)] as HF's AddedVocabulary.find_matches:
// matched tokens (widened by lstrip/rstrip, single_word checked) and the text between them.
func (m *matcher) split(dst []segment, s string, base int) []segment {
	startOffset := 0
	for from := 0; from < len(s); {
		p, tok := m.find(s, from)
		if tok == nil {
			break
		}
		start, stop := p, p+len(tok.Content)
		from = stop
		if tok.SingleWord && (endsWithWord(s[:start]) || startsWithWord(s[stop:])) {
			continue
		}
		if tok.LStrip {
			start = max(len(strings.TrimRightFunc(s[:start], unicode.IsSpace)), startOffset)
		}
		if tok.RStrip {
			stop = len(s) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
		}
		start = max(start, startOffset) // a token beginning with whitespace after an rstrip
		if startOffset < start {
			dst = append(dst, segment{base + startOffset, base + start, -1})
		}
		dst = append(dst, segment{base + start, base + stop, tok.ID})
		startOffset = stop
	}
	if startOffset < len(s) {
		dst = append(dst, segment{base + startOffset, base + len(s), -1})
	}
	return dst
}

// isWordChar is the Unicode \w of Rust's regex crate: Alphabetic, marks, decimal digits,
// connector punctuation and join controls.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r) ||
		unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Join_Control, r)
}

func endsWithWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && isWordChar(r)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && isWordChar(r)
}

// splitAdded cuts text into segments: first on the non-normalized added tokens, then on the
// normalized ones inside the remaining text, as HF's extract_and_normalize.
func (t *Tokenizer) splitAdded(dst []segment, text string) []segment {
	if len(t.rawMatcher.tokens) == 0 && len(t.normMatcher.tokens) == 0 {
		if text == "" {
			return dst
		}
		return append(dst, segment{0, len(text), -1})
	}
	var buf [8]segment
	first := t.rawMatcher.split(buf[:0], text, 0)
	for _, sg := range first {
		if sg.id >= 0 {
			dst = append(dst, sg)
			continue
		}
		dst = t.normMatcher.split(dst, text[sg.start:sg.end], sg.start)
	}
	return dst
}
