package tokenizer

import (
	"fmt"
	"strings"
)

// Tokenizer is a RoBERTa tokenizer: added tokens, the GPT-2 pre-tokenizer, byte-level BPE, the
// RobertaProcessing template (<s> A </s> and <s> A </s></s> B </s>), truncation and padding.
// Build one with Load. It is safe for concurrent use.
type Tokenizer struct {
	model *BPE
	// added tokens, in the order HF matches them (special tokens first, as listed).
	added       []*AddedToken
	addedByID   map[int]*AddedToken
	rawMatcher  matcher // non-normalized added tokens, matched first
	normMatcher matcher // normalized added tokens, matched in the remaining text
	// Post-processor (RobertaProcessing); hasTemplate false means no special tokens are added.
	hasTemplate bool
	clsID       int
	sepID       int
	// addPrefixSpace: ByteLevel add_prefix_space (false for RoBERTa).
	addPrefixSpace bool
	padID          int // -1: no pad token
	modelMaxLength int // from tokenizer_config.json; 0 if unknown
}

// Padding selects how Encode and EncodeBatch pad.
type Padding int

const (
	// NoPadding leaves every sequence at its own length (HF padding=False, the processor default).
	NoPadding Padding = iota
	// PadLongest pads a batch to its longest sequence (HF padding=True / "longest").
	PadLongest
	// PadMaxLength pads to Options.MaxLength (HF padding="max_length", as BridgeTower's original
	// code with max_length 50 for pre-training/VQA, 40 for retrieval).
	PadMaxLength
)

// Options are the encoding options, named after HF's tokenizer call arguments.
type Options struct {
	// NoSpecialTokens: do not add <s> and </s> (HF add_special_tokens=False).
	NoSpecialTokens bool
	// MaxLength > 0 truncates to at most MaxLength tokens, special tokens included (HF
	// truncation=True, "longest_first" for pairs). 0: no truncation.
	MaxLength int
	// Padding with the pad token (id 1 for RoBERTa) on the right; attention_mask 0 there.
	Padding Padding
}

// Encoding is one encoded sequence (or pair).
type Encoding struct {
	IDs           []int    // [T] token ids
	Tokens        []string // [T] byte-level token strings ("Ġsat"), added tokens as written ("<mask>")
	AttentionMask []int    // [T] 1 for tokens, 0 for padding
}

// Model returns the BPE model.
func (t *Tokenizer) Model() *BPE { return t.model }

// PadID is the id of the pad token, -1 if the tokenizer has none.
func (t *Tokenizer) PadID() int { return t.padID }

// ModelMaxLength is tokenizer_config.json's model_max_length (512 for RoBERTa), 0 if not given.
func (t *Tokenizer) ModelMaxLength() int { return t.modelMaxLength }

// AddedTokens returns the added tokens (copies).
func (t *Tokenizer) AddedTokens() []AddedToken {
	out := make([]AddedToken, len(t.added))
	for i, a := range t.added {
		out[i] = *a
	}
	return out
}

// VocabSize counts the model vocabulary and the added tokens that are not in it.
func (t *Tokenizer) VocabSize() int {
	n := t.model.VocabSize()
	for _, a := range t.added {
		if tok, ok := t.model.IDToToken(a.ID); !ok || tok != a.Content {
			n++
		}
	}
	return n
}

// TokenToID returns the id of a token string (added tokens first, as HF).
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	for _, a := range t.added {
		if a.Content == tok {
			return a.ID, true
		}
	}
	return t.model.TokenToID(tok)
}

// IDToToken returns the token string of an id (added tokens first, as HF).
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if a, ok := t.addedByID[id]; ok {
		return a.Content, true
	}
	return t.model.IDToToken(id)
}

// numSpecial is the number of tokens the template adds (RobertaProcessing: 2 single, 4 pair).
func (t *Tokenizer) numSpecial(pair bool, opt Options) int {
	if opt.NoSpecialTokens || !t.hasTemplate {
		return 0
	}
	if pair {
		return 4
	}
	return 2
}

// encodeText tokenizes one text without special tokens: split on added tokens, then GPT-2
// pre-tokenization and BPE on the text between them.
func (t *Tokenizer) encodeText(dst []int, text string) []int { return t.encodeCapped(dst, text, -1) }

// encodeCapped is encodeText that stops after the first pre-tokenizer word that brings the count to
// at least maxTokens (no cap if maxTokens < 0); added tokens are appended without this check. With
// truncation, HF tokenizers 0.23 tokenizes a sequence only that far (later words cannot survive),
// and longest_first then compares the lengths of these capped encodings, which decides which side
// of a pair gets the odd token. Measured with its Node binding (0.23.2), max_length 9: "ab"×10 (one
// word, 10 tokens) against " b"×16 keeps 3 + 2 tokens, as the capped lengths 10 > 9 say, where the
// full lengths 10 < 16 would give 2 + 3; " a"×8 + "<s>" + " a"×4 caps at 10, not 9. gen_reference.js
// stores such pairs and the test replays them.
func (t *Tokenizer) encodeCapped(dst []int, text string, maxTokens int) []int {
	var buf [16]segment
	start := len(dst)
	for _, sg := range t.splitAdded(buf[:0], text) {
		if sg.id >= 0 {
			dst = append(dst, sg.id)
			continue
		}
		piece := text[sg.start:sg.end]
		if t.addPrefixSpace && piece != "" && piece[0] != ' ' {
			piece = " " + piece
		}
		for i := 0; i < len(piece); {
			j := nextPiece(piece, i)
			dst = t.model.appendWord(dst, piece[i:j])
			i = j
			if maxTokens >= 0 && len(dst)-start >= maxTokens {
				return dst
			}
		}
	}
	return dst
}

func (t *Tokenizer) checkOptions(opt Options, pair bool) error {
	if opt.MaxLength < 0 {
		return fmt.Errorf("tokenizer: max length %d is negative", opt.MaxLength)
	}
	if n := t.numSpecial(pair, opt); opt.MaxLength > 0 && opt.MaxLength < n {
		return fmt.Errorf("tokenizer: max length %d is shorter than the %d special tokens", opt.MaxLength, n)
	}
	if opt.Padding == PadMaxLength && opt.MaxLength == 0 {
		return fmt.Errorf("tokenizer: padding to max length needs a max length")
	}
	if opt.Padding != NoPadding && t.padID < 0 {
		return fmt.Errorf("tokenizer: padding needs a pad token and this tokenizer has none")
	}
	if opt.Padding < NoPadding || opt.Padding > PadMaxLength {
		return fmt.Errorf("tokenizer: unknown padding mode %d", opt.Padding)
	}
	return nil
}

// Encode tokenizes one text: <s> A </s> unless opt.NoSpecialTokens, truncated and padded as asked.
func (t *Tokenizer) Encode(text string, opt Options) (Encoding, error) {
	return t.encode(text, "", false, opt)
}

// EncodePair tokenizes a pair: <s> A </s></s> B </s>; truncation removes tokens from the longer
// side first, as HF tokenizers' longest_first.
func (t *Tokenizer) EncodePair(text, pair string, opt Options) (Encoding, error) {
	return t.encode(text, pair, true, opt)
}

func (t *Tokenizer) encode(text, pair string, isPair bool, opt Options) (Encoding, error) {
	if err := t.checkOptions(opt, isPair); err != nil {
		return Encoding{}, err
	}
	limit := -1 // no cap
	if opt.MaxLength > 0 {
		limit = opt.MaxLength
	}
	a := t.encodeCapped(nil, text, limit)
	var b []int
	if isPair {
		b = t.encodeCapped(nil, pair, limit)
	}
	if opt.MaxLength > 0 {
		a, b = truncateLongestFirst(a, b, isPair, opt.MaxLength-t.numSpecial(isPair, opt))
	}
	var ids []int
	switch {
	case opt.NoSpecialTokens || !t.hasTemplate:
		ids = append(a, b...)
	case isPair:
		ids = make([]int, 0, len(a)+len(b)+4)
		ids = append(append(append(ids, t.clsID), a...), t.sepID)
		ids = append(append(append(ids, t.sepID), b...), t.sepID)
	default:
		ids = make([]int, 0, len(a)+2)
		ids = append(append(append(ids, t.clsID), a...), t.sepID)
	}
	e := Encoding{IDs: ids, AttentionMask: make([]int, len(ids))}
	for i := range e.AttentionMask {
		e.AttentionMask[i] = 1
	}
	if opt.Padding == PadMaxLength {
		t.pad(&e, opt.MaxLength)
	}
	t.fillTokens(&e)
	return e, nil
}

// truncateLongestFirst cuts the content (special tokens excluded) to budget tokens, as HF
// tokenizers' longest_first: a single sequence keeps its first budget tokens. For a pair, if the
// shorter side fits in half the budget it is kept and the longer one gets the rest; otherwise both
// are cut to budget/2 and budget/2 + budget%2, the longer side (the second on a tie) getting the
// larger half. The lengths compared are those of the word-capped encodings (see encodeCapped).
// (The slow Python tokenizer removes one token at a time and can differ by one.)
func truncateLongestFirst(a, b []int, isPair bool, budget int) ([]int, []int) {
	if !isPair {
		if len(a) > budget {
			a = a[:budget]
		}
		return a, b
	}
	if len(a)+len(b) <= budget {
		return a, b
	}
	n1, n2 := len(a), len(b) // n1: shorter
	swap := n1 > n2
	if swap {
		n1, n2 = n2, n1
	}
	if n1 > budget {
		n2 = n1
	} else {
		n2 = max(n1, budget-n1)
	}
	if n1+n2 > budget {
		n1 = budget / 2
		n2 = n1 + budget%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	return a[:min(n1, len(a))], b[:min(n2, len(b))]
}

// pad extends e on the right to length n with the pad token (no-op if e is not shorter).
func (t *Tokenizer) pad(e *Encoding, n int) {
	for len(e.IDs) < n {
		e.IDs = append(e.IDs, t.padID)
		e.AttentionMask = append(e.AttentionMask, 0)
	}
}

func (t *Tokenizer) fillTokens(e *Encoding) {
	e.Tokens = make([]string, len(e.IDs))
	for i, id := range e.IDs {
		e.Tokens[i], _ = t.IDToToken(id)
	}
}

// EncodeBatch encodes texts (with pairs[i] as the second sequence when pairs is not nil) and pads
// them together: PadLongest to the longest encoding, PadMaxLength to opt.MaxLength.
func (t *Tokenizer) EncodeBatch(texts, pairs []string, opt Options) ([]Encoding, error) {
	if pairs != nil && len(pairs) != len(texts) {
		return nil, fmt.Errorf("tokenizer: %d texts but %d pair texts", len(texts), len(pairs))
	}
	out := make([]Encoding, len(texts))
	longest := 0
	for i, text := range texts {
		var err error
		if pairs != nil {
			out[i], err = t.EncodePair(text, pairs[i], opt)
		} else {
			out[i], err = t.Encode(text, opt)
		}
		if err != nil {
			return nil, err
		}
		longest = max(longest, len(out[i].IDs))
	}
	if opt.Padding == PadLongest {
		for i := range out {
			if len(out[i].IDs) < longest {
				t.pad(&out[i], longest)
				t.fillTokens(&out[i])
			}
		}
	}
	return out, nil
}

// Decode turns ids back into text as HF tokenizers' decode with the ByteLevel decoder: tokens are
// mapped back to bytes and invalid UTF-8 becomes U+FFFD. With skipSpecial, special added tokens
// (<s> </s> <pad> <unk> <mask>) are left out. transformers' clean_up_tokenization_spaces is not
// applied (see CleanUpTokenization). An id outside the vocabulary is an error.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) (string, error) {
	var b []byte
	for _, id := range ids {
		if a, ok := t.addedByID[id]; ok {
			if skipSpecial && a.Special {
				continue
			}
			b = appendTokenBytes(b, a.Content)
			continue
		}
		tok, ok := t.model.IDToToken(id)
		if !ok {
			return "", fmt.Errorf("tokenizer: decode: id %d is not in the vocabulary", id)
		}
		b = appendTokenBytes(b, tok)
	}
	return lossyUTF8(b), nil
}

// CleanUpTokenization is transformers' clean_up_tokenization, applied by its decode when
// clean_up_tokenization_spaces is set: it removes the space before . ? ! , and English clitics,
// one replacement after the other as the Python code does.
func CleanUpTokenization(s string) string {
	for _, r := range cleanUpPairs {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

var cleanUpPairs = [][2]string{{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
	{" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}
