package tokenizer

import (
	"errors"
	"strings"
	"testing"

	sugar "github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretokenizer"
	"github.com/sugarme/tokenizer/processor"
)

// sugarModel plugs our BPE into github.com/sugarme/tokenizer as its tokenizer.Model, so that
// sugarme's pipeline (ByteLevel pre-tokenizer, RobertaProcessing, truncation, padding, ByteLevel
// decoder) runs as a second implementation of everything around the BPE.
type sugarModel struct{ t *Tokenizer }

func (s sugarModel) Tokenize(seq string) ([]sugar.Token, error) {
	// sugarme hands over the byte-level form of one pre-tokenized word.
	raw := make([]byte, 0, len(seq))
	raw = appendTokenBytes(raw, seq)
	var out []sugar.Token
	for _, id := range s.t.model.appendWord(nil, string(raw)) {
		tok, _ := s.t.model.IDToToken(id)
		out = append(out, sugar.Token{Id: id, Value: tok, Offsets: []int{0, len(seq)}})
	}
	return out, nil
}
func (s sugarModel) TokenToId(tok string) (int, bool) { return s.t.TokenToID(tok) }
func (s sugarModel) IdToToken(id int) (string, bool)  { return s.t.IDToToken(id) }
func (s sugarModel) GetVocab() map[string]int         { return s.t.model.vocab }
func (s sugarModel) GetVocabSize() int                { return s.t.VocabSize() }
func (s sugarModel) Save(string, ...string) error     { return errors.New("not supported") }

func newSugarRoberta(t *Tokenizer) *sugar.Tokenizer {
	st := sugar.NewTokenizer(sugarModel{t})
	bl := pretokenizer.NewByteLevel()
	bl.SetAddPrefixSpace(false)
	st.WithPreTokenizer(bl)
	st.WithDecoder(bl)
	st.WithPostProcessor(processor.NewRobertaProcessing(
		processor.PostToken{Value: "</s>", Id: 2}, processor.PostToken{Value: "<s>", Id: 0}, true, false))
	var specials []sugar.AddedToken
	for _, a := range t.AddedTokens() {
		specials = append(specials, sugar.NewAddedToken(a.Content, true))
	}
	st.AddSpecialTokens(specials)
	return st
}

// sugarSafe says whether a text is in the domain where sugarme v0.3.0 is right, decided from the
// text alone: no typed special tokens (sugarme drops them) and no whitespace but single spaces
// between non-spaces (its RE2 regex lacks GPT-2's \s+(?!\S) rule, which decides runs of
// whitespace). Single-line captions and questions, BridgeTower's inputs, are in it.
func sugarSafe(s string) bool {
	if s == "" || strings.Contains(s, "<") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return false
	}
	for _, r := range s {
		if r != ' ' && (r < utf8Self && asciiClass[r] == classSpace || r >= utf8Self && runeClassSlow(r) == classSpace) {
			return false
		}
	}
	return true
}

const utf8Self = 0x80

// TestSugarmeAgrees runs sugarme's pipeline (with our BPE as its model) on every corpus string in
// its safe domain: ids of single texts (truncated and padded) and of pairs (padded), attention
// masks and decoding.
func TestSugarmeAgrees(t *testing.T) {
	tok := robertaTokenizer(t)
	st := newSugarRoberta(tok)
	var texts []string
	for _, c := range readJSONL[gpt2Case](t, "gpt2_reference.jsonl.gz") {
		if sugarSafe(c.Text) {
			texts = append(texts, c.Text)
		}
	}
	if len(texts) < 200 {
		t.Fatalf("only %d corpus strings in sugarme's safe domain", len(texts))
	}
	for i, text := range texts {
		se, err := st.EncodeSingle(text, true)
		if err != nil {
			t.Fatalf("sugarme on %q: %v", text, err)
		}
		e, _ := tok.Encode(text, Options{})
		if !equalInts(se.Ids, e.IDs) {
			t.Fatalf("%q: sugarme %v, ours %v", text, se.Ids, e.IDs)
		}
		if got := st.Decode(se.Ids, true); got != text {
			t.Fatalf("%q: sugarme decodes to %q", text, got)
		}
		pair := texts[(i+1)%len(texts)]
		for _, maxLen := range []int{0, 3, 8, 20} {
			var trunc *sugar.TruncationParams
			if maxLen > 0 {
				trunc = &sugar.TruncationParams{MaxLength: maxLen, Strategy: sugar.LongestFirst}
			}
			st.WithPadding(&sugar.PaddingParams{Strategy: *sugar.NewPaddingStrategy(sugar.WithFixed(max(maxLen, 60))),
				Direction: sugar.Right, PadId: 1, PadToken: "<pad>"})
			// Single texts: truncation and padding.
			st.WithTruncation(trunc)
			ss, err := st.EncodeSingle(text, true)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := tok.Encode(text, Options{MaxLength: maxLen})
			tok.pad(&s, max(maxLen, 60))
			if !equalInts(ss.Ids, s.IDs) || !equalInts(ss.AttentionMask, s.AttentionMask) {
				t.Fatalf("%q max %d: sugarme %v %v, ours %v %v", text, maxLen, ss.Ids, ss.AttentionMask, s.IDs, s.AttentionMask)
			}
			// Pairs: sugarme's longest_first is wrong (see TestSugarmeKnownBugs), so no truncation.
			st.WithTruncation(nil)
			sp, err := st.EncodePair(text, pair, true)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := tok.EncodePair(text, pair, Options{})
			tok.pad(&p, max(maxLen, 60))
			if !equalInts(sp.Ids, p.IDs) || !equalInts(sp.AttentionMask, p.AttentionMask) {
				t.Fatalf("%q / %q: sugarme %v %v, ours %v %v", text, pair, sp.Ids, sp.AttentionMask, p.IDs, p.AttentionMask)
			}
		}
		st.WithTruncation(nil)
		st.WithPadding(nil)
	}
	t.Logf("sugarme's pipeline agrees on %d strings of its safe domain", len(texts))
}

// TestSugarmeKnownBugs documents, by running it, why sugarme is not the tokenizer: its
// pre-tokenizer merges "\n\n" before a word, it drops a typed <mask>, and its pair longest_first
// removes a token from both sides per step while the first is longer (util.go), so "y'all" /
// "O'Neil" at max length 8 keeps 2 + 1 tokens where HF keeps 2 + 2.
func TestSugarmeKnownBugs(t *testing.T) {
	tok := robertaTokenizer(t)
	st := newSugarRoberta(tok)
	for _, text := range []string{"a\n\nb", "The <mask> sat."} {
		se, err := st.EncodeSingle(text, true)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := tok.Encode(text, Options{})
		if equalInts(se.Ids, e.IDs) {
			t.Errorf("%q: sugarme now agrees (%v); update the package doc", text, se.Ids)
		}
	}
	st.WithTruncation(&sugar.TruncationParams{MaxLength: 8, Strategy: sugar.LongestFirst})
	sp, err := st.EncodePair("y'all", "O'Neil", true)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tok.EncodePair("y'all", "O'Neil", Options{MaxLength: 8})
	if len(sp.Ids) != 7 || len(p.IDs) != 8 {
		t.Errorf("pair truncation: sugarme %v, ours %v", sp.Ids, p.IDs)
	}
}
