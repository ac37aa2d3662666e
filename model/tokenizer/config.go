package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/bridgetower-go/bt/internal/jsonerr"
)

// specialRoles are transformers' SPECIAL_TOKENS_ATTRIBUTES in order, with RobertaTokenizer's
// defaults (<mask> strips the whitespace on its left).
var specialRoles = []struct {
	key      string
	defToken AddedToken
}{
	{"bos_token", AddedToken{Content: "<s>"}},
	{"eos_token", AddedToken{Content: "</s>"}},
	{"unk_token", AddedToken{Content: "<unk>"}},
	{"sep_token", AddedToken{Content: "</s>"}},
	{"pad_token", AddedToken{Content: "<pad>"}},
	{"cls_token", AddedToken{Content: "<s>"}},
	{"mask_token", AddedToken{Content: "<mask>", LStrip: true}},
}

// dirConfig is what special_tokens_map.json and tokenizer_config.json say.
type dirConfig struct {
	modelMaxLength int                   // 0: not given (or transformers' "very large" placeholder)
	roles          map[string]AddedToken // bos_token … mask_token
	additional     []AddedToken          // additional_special_tokens
	decoder        map[int]AddedToken    // tokenizer_config.json added_tokens_decoder
	addPrefixSpace bool
}

// readConfig reads the optional special_tokens_map.json, then tokenizer_config.json (which wins,
// as in transformers ≥ 4.34).
func readConfig(dir string) (dirConfig, error) {
	cfg := dirConfig{roles: map[string]AddedToken{}}
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return cfg, fmt.Errorf("tokenizer: %w", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return cfg, fmt.Errorf("tokenizer: %s: %s", path, jsonerr.Describe(err))
		}
		if err := cfg.apply(m); err != nil {
			return cfg, fmt.Errorf("tokenizer: %s: %w", path, err)
		}
	}
	return cfg, nil
}

func (cfg *dirConfig) apply(m map[string]json.RawMessage) error {
	for _, r := range specialRoles {
		raw, ok := m[r.key]
		if !ok || isNull(raw) {
			continue
		}
		tok, err := parseTokenValue(raw, r.defToken)
		if err != nil {
			return fmt.Errorf("%s: %w", r.key, err)
		}
		cfg.roles[r.key] = tok
	}
	if raw, ok := m["additional_special_tokens"]; ok && !isNull(raw) {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("additional_special_tokens: want a list, got %s", truncateJSON(raw))
		}
		cfg.additional = cfg.additional[:0]
		for i, v := range list {
			tok, err := parseTokenValue(v, AddedToken{})
			if err != nil {
				return fmt.Errorf("additional_special_tokens[%d]: %w", i, err)
			}
			cfg.additional = append(cfg.additional, tok)
		}
	}
	if raw, ok := m["model_max_length"]; ok && !isNull(raw) {
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
		if err != nil || v < 0 {
			return fmt.Errorf("model_max_length: want a number, got %s", truncateJSON(raw))
		}
		if v < math.MaxInt32 { // transformers writes 1e30 for "no limit"
			cfg.modelMaxLength = int(v)
		}
	}
	if raw, ok := m["add_prefix_space"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &cfg.addPrefixSpace); err != nil {
			return fmt.Errorf("add_prefix_space: want true or false, got %s", truncateJSON(raw))
		}
	}
	if raw, ok := m["added_tokens_decoder"]; ok && !isNull(raw) {
		var dec map[string]json.RawMessage
		if err := json.Unmarshal(raw, &dec); err != nil {
			return fmt.Errorf("added_tokens_decoder: want an object, got %s", truncateJSON(raw))
		}
		cfg.decoder = map[int]AddedToken{}
		for k, v := range dec {
			id, err := strconv.Atoi(k)
			if err != nil || id < 0 {
				return fmt.Errorf("added_tokens_decoder: key %q is not a token id", k)
			}
			tok, err := parseTokenValue(v, AddedToken{})
			if err != nil {
				return fmt.Errorf("added_tokens_decoder[%s]: %w", k, err)
			}
			tok.ID = id
			cfg.decoder[id] = tok
		}
	}
	return nil
}

// parseTokenValue reads "<mask>" (options from def) or {"content": "<mask>", "lstrip": true, ...}.
func parseTokenValue(raw json.RawMessage, def AddedToken) (AddedToken, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return AddedToken{}, fmt.Errorf("empty token")
		}
		def.Content = s
		def.Special = true
		return def, nil
	}
	var o struct {
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized *bool  `json:"normalized"`
		Special    *bool  `json:"special"`
	}
	if err := json.Unmarshal(raw, &o); err != nil || o.Content == "" {
		return AddedToken{}, fmt.Errorf("want a token string or an object with \"content\", got %s", truncateJSON(raw))
	}
	t := AddedToken{Content: o.Content, SingleWord: o.SingleWord, LStrip: o.LStrip, RStrip: o.RStrip, Special: true}
	if o.Normalized != nil {
		t.Normalized = *o.Normalized
	}
	if o.Special != nil {
		t.Special = *o.Special
	}
	return t, nil
}

// loadVocabMerges builds a RoBERTa tokenizer from vocab.json + merges.txt as transformers'
// RobertaTokenizer(Fast) does: the special tokens of the configs (RoBERTa's defaults otherwise),
// with ids from the vocabulary or appended after it, and the <s> A </s> template.
func loadVocabMerges(dir string, cfg dirConfig) (*Tokenizer, error) {
	t, err := NewFromVocabMerges(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		return nil, err
	}
	t.addPrefixSpace = cfg.addPrefixSpace
	// Tokens of added_tokens_decoder keep their ids; the others take the vocabulary's id or the
	// next free one.
	type entry struct {
		tok   AddedToken
		fixed bool
	}
	var list []entry
	ids := make([]int, 0, len(cfg.decoder))
	for id := range cfg.decoder {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		list = append(list, entry{cfg.decoder[id], true})
	}
	role := map[string]string{}
	for _, r := range specialRoles {
		tok, ok := cfg.roles[r.key]
		if !ok {
			tok = r.defToken
			tok.Special = true
		}
		role[r.key] = tok.Content
		list = append(list, entry{tok, false})
	}
	for _, a := range cfg.additional {
		list = append(list, entry{a, false})
	}
	next := t.model.VocabSize()
	for _, id := range ids {
		next = max(next, id+1)
	}
	seen := map[string]bool{}
	var added []*AddedToken
	for _, e := range list {
		if seen[e.tok.Content] {
			continue
		}
		seen[e.tok.Content] = true
		tok := e.tok
		if !e.fixed {
			if id, ok := t.model.TokenToID(tok.Content); ok {
				tok.ID = id
			} else {
				tok.ID = next
				next++
			}
		}
		added = append(added, &tok)
	}
	t.setAdded(added)
	t.clsID, _ = t.TokenToID(role["cls_token"])
	t.sepID, _ = t.TokenToID(role["sep_token"])
	t.hasTemplate = true
	t.padID, _ = t.TokenToID(role["pad_token"])
	return t, nil
}

// applyPadToken sets the pad id from the configs' pad_token when tokenizer.json knows it.
func (t *Tokenizer) applyPadToken(cfg dirConfig) {
	if tok, ok := cfg.roles["pad_token"]; ok {
		if id, ok := t.TokenToID(tok.Content); ok {
			t.padID = id
		}
	}
}
