package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// robertaVocabJSON is the RoBERTa-layout vocab.json and merges.txt.
func robertaVocabFiles(t *testing.T) (vocabJSON, mergesTxt []byte) {
	vocab, merges := robertaLayout(t)
	m := make(map[string]int, len(vocab))
	for id, tok := range vocab {
		m[tok] = id
	}
	v, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return v, []byte("#version: 0.2\n" + strings.Join(merges, "\n") + "\n")
}

// TestLoadFormats: tokenizer.json with "a b" merges, with ["a","b"] merges, and vocab.json +
// merges.txt (+ configs) all give the same tokenizer.
func TestLoadFormats(t *testing.T) {
	ref := robertaTokenizer(t)
	vocabJSON, mergesTxt := robertaVocabFiles(t)
	dirs := map[string]string{
		"tokenizer.json pair merges": writeFiles(t, map[string][]byte{
			"tokenizer.json":        robertaTokenizerJSON(t, true),
			"tokenizer_config.json": []byte(`{"model_max_length": 512, "tokenizer_class": "RobertaTokenizer"}`),
		}),
		"vocab.json + merges.txt + configs": writeFiles(t, map[string][]byte{
			"vocab.json": vocabJSON, "merges.txt": mergesTxt,
			"special_tokens_map.json": []byte(`{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
				"sep_token": "</s>", "pad_token": "<pad>", "cls_token": "<s>",
				"mask_token": {"content": "<mask>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false}}`),
			"tokenizer_config.json": []byte(`{"model_max_length": 512, "errors": "replace"}`),
		}),
		"vocab.json + merges.txt, RobertaTokenizer defaults": writeFiles(t, map[string][]byte{
			"vocab.json": vocabJSON, "merges.txt": mergesTxt,
		}),
		"vocab.json + merges.txt + added_tokens_decoder": writeFiles(t, map[string][]byte{
			"vocab.json": vocabJSON, "merges.txt": mergesTxt,
			"tokenizer_config.json": []byte(`{"model_max_length": 1000000000000000019884624838656,
				"added_tokens_decoder": {"50261": {"content": "<mask>", "lstrip": true, "normalized": false, "rstrip": false, "single_word": false, "special": true}}}`),
		}),
	}
	cases := readJSONL[gpt2Case](t, "gpt2_reference.jsonl.gz")
	texts := []string{"The <mask> sat.", "x  <mask>", "<s>a</s><pad><unk>"}
	for i := 0; i < len(cases); i += 7 {
		texts = append(texts, cases[i].Text)
	}
	for name, dir := range dirs {
		tok, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tok.PadID() != 1 || tok.VocabSize() != ref.VocabSize() {
			t.Errorf("%s: pad %d vocab %d, want 1 and %d", name, tok.PadID(), tok.VocabSize(), ref.VocabSize())
		}
		wantMax := map[bool]int{true: 512, false: 0}[strings.Contains(name, "pair") || strings.Contains(name, "configs")]
		if tok.ModelMaxLength() != wantMax {
			t.Errorf("%s: model_max_length %d, want %d", name, tok.ModelMaxLength(), wantMax)
		}
		for _, text := range texts {
			a, _ := ref.EncodePair(text, "a b", Options{MaxLength: 20})
			b, _ := tok.EncodePair(text, "a b", Options{MaxLength: 20})
			if !equalInts(a.IDs, b.IDs) {
				t.Fatalf("%s: %q gives %v, tokenizer.json gives %v", name, text, b.IDs, a.IDs)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	vocabJSON, mergesTxt := robertaVocabFiles(t)
	good := string(robertaTokenizerJSON(t, false))
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	cases := []struct {
		name  string
		dir   string
		wants []string
	}{
		{"missing dir", filepath.Join(t.TempDir(), "nope"), []string{"no such file", "nope"}},
		{"not a dir", notDir, []string{"not a directory"}},
		{"empty dir", t.TempDir(), []string{"neither tokenizer.json nor vocab.json + merges.txt"}},
		{"bad json", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(`{"model": `)}), []string{"tokenizer.json", "the document ends early"}},
		{"wordpiece", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(`{"model": {"type": "WordPiece", "vocab": {}}}`)}), []string{"model.type \"WordPiece\""}},
		{"normalizer", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(strings.Replace(good, `"normalizer":null`, `"normalizer":{"type":"NFC"}`, 1))}), []string{"normalizer"}},
		{"bert post", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(strings.Replace(good, `"RobertaProcessing"`, `"TemplateProcessing"`, 1))}), []string{"post_processor", "TemplateProcessing"}},
		{"merge not in vocab", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(strings.Replace(good, `"merges":["Ġ t"`, `"merges":["Ġ zzzz"`, 1))}), []string{"merge 1", "zzzz", "not in the vocabulary"}},
		{"bad merge", writeFiles(t, map[string][]byte{"tokenizer.json": []byte(strings.Replace(good, `"merges":["Ġ t"`, `"merges":["Ġt"`, 1))}), []string{"model.merges[0]", "two tokens"}},
		{"merges.txt line", writeFiles(t, map[string][]byte{"vocab.json": vocabJSON, "merges.txt": []byte("#version: 0.2\nĠ t\nbad\n")}), []string{"merges.txt:3", "bad"}},
		{"missing byte", writeFiles(t, map[string][]byte{"vocab.json": []byte(`{"a": 0}`), "merges.txt": []byte("#version: 0.2\n")}), []string{"missing the byte-level symbol"}},
		{"bad special map", writeFiles(t, map[string][]byte{"vocab.json": vocabJSON, "merges.txt": mergesTxt, "special_tokens_map.json": []byte(`{"mask_token": 5}`)}), []string{"special_tokens_map.json", "mask_token"}},
		{"bad config json", writeFiles(t, map[string][]byte{"vocab.json": vocabJSON, "merges.txt": mergesTxt, "tokenizer_config.json": []byte(`{`)}), []string{"tokenizer_config.json"}},
		{"bad max length", writeFiles(t, map[string][]byte{"vocab.json": vocabJSON, "merges.txt": mergesTxt, "tokenizer_config.json": []byte(`{"model_max_length": "x"}`)}), []string{"model_max_length"}},
	}
	for _, c := range cases {
		_, err := Load(c.dir)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "tokenizer: ") {
			t.Errorf("%s: error %q lacks the package prefix", c.name, err)
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}
