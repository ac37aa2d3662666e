package tokenizer

import (
	"strings"
	"testing"
)

// gpt2Case is one line of gpt2_reference.jsonl.gz: HF tokenizers' ids for GPT-2's vocabulary and,
// where gpt-3-encoder (OpenAI's encoder.py in JS) gives other ids, those.
type gpt2Case struct {
	Text    string `json:"text"`
	IDs     []int  `json:"ids"`
	GPT3IDs []int  `json:"gpt3_encoder_ids"`
}

// TestGPT2Reference: our BPE with GPT-2's files, no special tokens, gives HF's ids on every corpus
// string, and gpt-3-encoder's ids on every string where the two references agree.
func TestGPT2Reference(t *testing.T) {
	cases := readJSONL[gpt2Case](t, "gpt2_reference.jsonl.gz")
	if len(cases) < 1000 {
		t.Fatalf("reference corpus has %d strings, want >= 1000", len(cases))
	}
	tok := gpt2Tokenizer(t)
	bad, tokens, jsDiffer := 0, 0, 0
	for i, c := range cases {
		got := tok.Model().Encode(nil, c.Text)
		tokens += len(got)
		if !equalInts(got, c.IDs) {
			bad++
			if bad <= 10 {
				t.Errorf("case %d %q:\n got %v\nwant %v", i, c.Text, got, c.IDs)
			}
		}
		if c.GPT3IDs != nil {
			jsDiffer++
			// JS's \s has U+FEFF and lacks U+0085; Unicode White_Space (HF's engines, Go) is the
			// other way round. Only strings with one of them may differ.
			if !strings.ContainsAny(c.Text, "\uFEFF\u0085") {
				t.Errorf("case %d %q: gpt-3-encoder differs from HF for an unexplained reason", i, c.Text)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d strings differ from HF tokenizers", bad, len(cases))
	}
	t.Logf("%d strings, %d tokens: 100%% equal to HF tokenizers; equal to gpt-3-encoder on %d, the other %d contain U+FEFF/U+0085",
		len(cases), tokens, len(cases)-jsDiffer, jsDiffer)
}

func TestPreTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello world", []string{"Hello", " world"}},
		{"Hello  world", []string{"Hello", " ", " world"}},
		{"a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"a \n b", []string{"a", " \n", " b"}},
		{"x\t\ty", []string{"x", "\t", "\t", "y"}},
		{"end  ", []string{"end", "  "}},
		{"  start", []string{" ", " start"}},
		{"I'm can't we'll they've you're he'd it's", []string{"I", "'m", " can", "'t", " we", "'ll", " they", "'ve", " you", "'re", " he", "'d", " it", "'s"}},
		{"'tis ''s 'S", []string{"'t", "is", " ''", "s", " '", "S"}},
		{"abc123 4.5 $10!!", []string{"abc", "123", " 4", ".", "5", " $", "10", "!!"}},
		{"naïve café", []string{"naïve", " café"}},
		{"你好，世界", []string{"你好", "，", "世界"}},
		{"a\u00A0b", []string{"a", "\u00A0", "b"}},
		{"a\u00A0\u00A0b", []string{"a", "\u00A0", "\u00A0", "b"}},
		{"x\uFEFFy", []string{"x", "\uFEFF", "y"}},
		{" \uFEFF!", []string{" \uFEFF!"}},
		{"😀😀 ok", []string{"😀😀", " ok"}},
		{"a\r\n\r\nb", []string{"a", "\r\n\r", "\n", "b"}},
		{"\xff\xfeab", []string{"\xff\xfe", "ab"}},
	}
	for _, c := range cases {
		got := PreTokenize(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("PreTokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestByteLevelTable(t *testing.T) {
	if got := ByteLevel("Hello world\n\t"); got != "HelloĠworldĊĉ" {
		t.Fatalf("ByteLevel = %q", got)
	}
	seen := map[rune]bool{}
	for b := 0; b < 256; b++ {
		r := byteToRune[b]
		if seen[r] {
			t.Fatalf("rune %q used twice", r)
		}
		seen[r] = true
		if runeToByte[r] != byte(b) {
			t.Fatalf("byte %d does not round-trip", b)
		}
	}
	if byteToRune[' '] != 'Ġ' || byteToRune['!'] != '!' || byteToRune[0xAD] != 'Ń' || byteToRune[0] != 'Ā' {
		t.Fatalf("table differs from GPT-2's bytes_to_unicode")
	}
}

func TestLossyUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "abc"},
		{"\xE2\x82", "\uFFFD"},     // truncated 3-byte sequence: one replacement
		{"\xE2\x82a", "\uFFFDa"},   // likewise before ASCII
		{"\xF0\x9F\x98", "\uFFFD"}, // truncated 4-byte emoji
		{"\xF0\x9F\x98\xF0\x9F\x98\x80", "\uFFFD😀"},
		{"\xC0\x80", "\uFFFD\uFFFD"},           // C0 is never a lead byte
		{"\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD"}, // surrogate: ED A0 is not a valid prefix
		{"\xE0\x80\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"\x80\x80", "\uFFFD\uFFFD"},
		{"é\xC3", "é\uFFFD"},
	}
	for _, c := range cases {
		if got := lossyUTF8([]byte(c.in)); got != c.want {
			t.Errorf("lossyUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestMergePathsAgree: the heap merge used for long words gives the scan's result on every
// pre-tokenizer piece of the corpus, and on long repetitive words.
func TestMergePathsAgree(t *testing.T) {
	tok := gpt2Tokenizer(t)
	m := tok.Model()
	words := []string{strings.Repeat("a", 500), strings.Repeat("ab", 300), strings.Repeat("漢字", 90)}
	for _, c := range readJSONL[gpt2Case](t, "gpt2_reference.jsonl.gz") {
		words = append(words, PreTokenize(c.Text)...)
	}
	for _, w := range words {
		if len(w) < 2 {
			continue
		}
		a := m.mergeShortWord(nil, w)
		b := m.mergeLongWord(nil, w)
		if len(a) != len(b) {
			t.Fatalf("%q: scan %v, heap %v", w, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: scan %v, heap %v", w, a, b)
			}
		}
	}
}
