package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bridgetower-go/bt/internal/jsonerr"
)

// Load reads a tokenizer directory (a Hugging Face model snapshot): tokenizer.json if present,
// else vocab.json + merges.txt with special_tokens_map.json and tokenizer_config.json when present.
// model_max_length comes from tokenizer_config.json in both cases.
func Load(dir string) (*Tokenizer, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("tokenizer: %s is not a directory", dir)
	}
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	var t *Tokenizer
	tj := filepath.Join(dir, "tokenizer.json")
	switch {
	case fileExists(tj):
		t, err = LoadTokenizerJSON(tj)
		if err == nil {
			t.applyPadToken(cfg)
		}
	case fileExists(filepath.Join(dir, "vocab.json")) && fileExists(filepath.Join(dir, "merges.txt")):
		t, err = loadVocabMerges(dir, cfg)
	default:
		return nil, fmt.Errorf("tokenizer: %s has neither tokenizer.json nor vocab.json + merges.txt", dir)
	}
	if err != nil {
		return nil, err
	}
	t.modelMaxLength = cfg.modelMaxLength
	return t, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// tokenizerJSON is the part of HF's tokenizer.json this package reads.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         struct {
		Type                    string            `json:"type"`
		Dropout                 *float64          `json:"dropout"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		ByteFallback            bool              `json:"byte_fallback"`
		Vocab                   map[string]int    `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
	} `json:"model"`
}

type typed struct {
	Type           string           `json:"type"`
	AddPrefixSpace bool             `json:"add_prefix_space"`
	UseRegex       *bool            `json:"use_regex"`
	Sep            *json.RawMessage `json:"sep"`
	Cls            *json.RawMessage `json:"cls"`
}

func isNull(m json.RawMessage) bool {
	return len(bytes.TrimSpace(m)) == 0 || string(bytes.TrimSpace(m)) == "null"
}

// LoadTokenizerJSON reads an HF tokenizer.json of the RoBERTa/GPT-2 kind: BPE model (merges as
// "a b" strings or ["a","b"] pairs), no normalizer, ByteLevel pre-tokenizer and decoder,
// RobertaProcessing or no post-processor. Anything else is reported as unsupported, naming the field.
func LoadTokenizerJSON(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var f tokenizerJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %s", path, jsonerr.Describe(err))
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("tokenizer: %s: "+format, append([]any{path}, a...)...)
	}
	if f.Model.Type != "" && f.Model.Type != "BPE" {
		return nil, bad("model.type %q is not supported (only byte-level BPE)", f.Model.Type)
	}
	if f.Model.Vocab == nil {
		return nil, bad("model.vocab is missing")
	}
	if f.Model.Dropout != nil && *f.Model.Dropout != 0 {
		return nil, bad("model.dropout %g is not supported (it makes tokenization random)", *f.Model.Dropout)
	}
	if p := f.Model.ContinuingSubwordPrefix; p != nil && *p != "" {
		return nil, bad("model.continuing_subword_prefix %q is not supported", *p)
	}
	if p := f.Model.EndOfWordSuffix; p != nil && *p != "" {
		return nil, bad("model.end_of_word_suffix %q is not supported", *p)
	}
	if f.Model.ByteFallback {
		return nil, bad("model.byte_fallback is not supported")
	}
	if !isNull(f.Normalizer) {
		return nil, bad("normalizer %s is not supported (RoBERTa has none)", truncateJSON(f.Normalizer))
	}
	t := &Tokenizer{padID: -1}
	var pre typed
	if err := json.Unmarshal(f.PreTokenizer, &pre); err != nil || pre.Type != "ByteLevel" {
		return nil, bad("pre_tokenizer %s is not supported (only ByteLevel)", truncateJSON(f.PreTokenizer))
	}
	if pre.UseRegex != nil && !*pre.UseRegex {
		return nil, bad("pre_tokenizer ByteLevel with use_regex false is not supported")
	}
	t.addPrefixSpace = pre.AddPrefixSpace
	if !isNull(f.Decoder) {
		var dec typed
		if err := json.Unmarshal(f.Decoder, &dec); err != nil || dec.Type != "ByteLevel" {
			return nil, bad("decoder %s is not supported (only ByteLevel)", truncateJSON(f.Decoder))
		}
	}
	if !isNull(f.PostProcessor) {
		var post typed
		if err := json.Unmarshal(f.PostProcessor, &post); err != nil || post.Type != "RobertaProcessing" {
			return nil, bad("post_processor %s is not supported (only RobertaProcessing)", truncateJSON(f.PostProcessor))
		}
		if t.clsID, err = specialPair(post.Cls); err != nil {
			return nil, bad("post_processor.cls: %v", err)
		}
		if t.sepID, err = specialPair(post.Sep); err != nil {
			return nil, bad("post_processor.sep: %v", err)
		}
		t.hasTemplate = true
	}
	merges := make([][2]string, 0, len(f.Model.Merges))
	for i, raw := range f.Model.Merges {
		p, err := parseMerge(raw)
		if err != nil {
			return nil, bad("model.merges[%d]: %v", i, err)
		}
		merges = append(merges, p)
	}
	if t.model, err = NewBPE(f.Model.Vocab, merges); err != nil {
		return nil, bad("model.%v", err)
	}
	added := make([]*AddedToken, 0, len(f.AddedTokens))
	for i, a := range f.AddedTokens {
		if a.Content == "" {
			return nil, bad("added_tokens[%d] has empty content", i)
		}
		if a.ID < 0 {
			return nil, bad("added_tokens[%d] (%q) has negative id %d", i, a.Content, a.ID)
		}
		added = append(added, &AddedToken{ID: a.ID, Content: a.Content, SingleWord: a.SingleWord,
			LStrip: a.LStrip, RStrip: a.RStrip, Normalized: a.Normalized, Special: a.Special})
	}
	t.setAdded(added)
	if id, ok := t.TokenToID("<pad>"); ok {
		t.padID = id
	}
	return t, nil
}

func truncateJSON(m json.RawMessage) string {
	s := strings.Join(strings.Fields(string(m)), " ")
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// specialPair reads ["</s>", 2].
func specialPair(m *json.RawMessage) (int, error) {
	if m == nil {
		return 0, errors.New("missing")
	}
	var p []any
	if err := json.Unmarshal(*m, &p); err != nil || len(p) != 2 {
		return 0, fmt.Errorf("want [token, id], got %s", truncateJSON(*m))
	}
	id, ok := p[1].(float64)
	if !ok || id < 0 || id != float64(int(id)) {
		return 0, fmt.Errorf("want [token, id], got %s", truncateJSON(*m))
	}
	return int(id), nil
}

// parseMerge reads a merge written as "a b" (tokenizers < 0.20, merges.txt) or ["a", "b"].
func parseMerge(raw json.RawMessage) ([2]string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return splitMergeLine(s)
	}
	var p []string
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 {
		return [2]string{}, fmt.Errorf("want \"a b\" or [\"a\", \"b\"], got %s", truncateJSON(raw))
	}
	return [2]string{p[0], p[1]}, nil
}

func splitMergeLine(s string) ([2]string, error) {
	parts := strings.Split(s, " ")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return [2]string{}, fmt.Errorf("want two tokens separated by one space, got %q", s)
	}
	return [2]string{parts[0], parts[1]}, nil
}

// setAdded installs the added tokens and builds the two matchers.
func (t *Tokenizer) setAdded(added []*AddedToken) {
	t.added = added
	t.addedByID = make(map[int]*AddedToken, len(added))
	var raw, norm []*AddedToken
	for _, a := range added {
		t.addedByID[a.ID] = a
		if a.Normalized {
			norm = append(norm, a)
		} else {
			raw = append(raw, a)
		}
	}
	t.rawMatcher = newMatcher(raw)
	t.normMatcher = newMatcher(norm)
}

// ReadVocabJSON reads a vocab.json (GPT-2's encoder.json): byte-level token → id.
func ReadVocabJSON(path string) (map[string]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var v map[string]int
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %s", path, jsonerr.Describe(err))
	}
	return v, nil
}

// ReadMergesTxt reads a merges.txt (GPT-2's vocab.bpe): "#version" lines are skipped, every other
// line is "a b", as HF tokenizers reads it.
func ReadMergesTxt(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	var merges [][2]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(s, "#version") {
			continue
		}
		p, err := splitMergeLine(s)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s:%d: %v", path, line, err)
		}
		merges = append(merges, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return merges, nil
}

// NewFromVocabMerges builds a GPT-2 style tokenizer from vocab.json and merges.txt files with no
// added tokens and no template (plain BPE ids, as GPT-2's encoder).
func NewFromVocabMerges(vocabPath, mergesPath string) (*Tokenizer, error) {
	vocab, err := ReadVocabJSON(vocabPath)
	if err != nil {
		return nil, err
	}
	merges, err := ReadMergesTxt(mergesPath)
	if err != nil {
		return nil, err
	}
	m, err := NewBPE(vocab, merges)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s + %s: %v", vocabPath, mergesPath, err)
	}
	t := &Tokenizer{model: m, padID: -1}
	t.setAdded(nil)
	return t, nil
}
