package tokenizer

import (
	"strings"
	"testing"
)

// benchCorpus is a realistic mixed corpus: the reference corpus (captions, questions, code,
// multilingual text, emoji, whitespace runs, long paragraphs).
func benchCorpus(b *testing.B) []string {
	cases := readJSONL[gpt2Case](b, "gpt2_reference.jsonl.gz")
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.Text
	}
	return texts
}

// BenchmarkEncode measures RoBERTa Encode (special tokens, added-token split, pre-tokenization,
// BPE with a warm word cache) and reports tokens/s.
func BenchmarkEncode(b *testing.B) {
	tok := robertaTokenizer(b)
	texts := benchCorpus(b)
	for _, s := range texts { // warm the cache, as a long-running process would be
		tok.Encode(s, Options{})
	}
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		for _, s := range texts {
			e, _ := tok.Encode(s, Options{})
			tokens += len(e.IDs)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeColdCache is the same with the word cache emptied before each pass.
func BenchmarkEncodeColdCache(b *testing.B) {
	tok := robertaTokenizer(b)
	texts := benchCorpus(b)
	tokens := 0
	for i := 0; i < b.N; i++ {
		tok.Model().ResetCache()
		for _, s := range texts {
			e, _ := tok.Encode(s, Options{})
			tokens += len(e.IDs)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeLongWord: a 3000-byte word (the merge loop is quadratic in the word length).
func BenchmarkEncodeLongWord(b *testing.B) {
	tok := robertaTokenizer(b)
	word := strings.Repeat("ab", 1500)
	for i := 0; i < b.N; i++ {
		tok.Model().ResetCache()
		tok.Encode(word, Options{})
	}
}
