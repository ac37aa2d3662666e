package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// robertaDir writes a RoBERTa-layout vocab.json + merges.txt (GPT-2's files, ids + 4 after
// <s> <pad> </s> <unk>, <mask> last) and a tokenizer_config.json into a temp dir.
func robertaDir(t *testing.T) string {
	td := filepath.Join("..", "model", "tokenizer", "testdata", "gpt2")
	var gpt2 map[string]int
	if err := json.Unmarshal(gunzipFile(t, filepath.Join(td, "encoder.json.gz")), &gpt2); err != nil {
		t.Fatal(err)
	}
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": len(gpt2) + 4}
	for k, v := range gpt2 {
		vocab[k] = v + 4
	}
	vj, _ := json.Marshal(vocab)
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"vocab.json":            vj,
		"merges.txt":            gunzipFile(t, filepath.Join(td, "vocab.bpe.gz")),
		"tokenizer_config.json": []byte(`{"model_max_length": 512}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runTokenizeCmd(t *testing.T, stdin string, args ...string) (string, error) {
	app := NewApp()
	var out bytes.Buffer
	app.Writer = &out
	app.ErrWriter = io.Discard
	app.Reader = strings.NewReader(stdin)
	err := app.Run(append([]string{"bt", "tokenize"}, args...))
	return out.String(), err
}

func TestTokenizeCommand(t *testing.T) {
	dir := robertaDir(t)
	out, err := runTokenizeCmd(t, "The <mask> sat.\r\nHello world\n\n", "--tokenizer", dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(lines), out)
	}
	toks := func(m map[string]any) string {
		var s []string
		for _, x := range m["tokens"].([]any) {
			s = append(s, x.(string))
		}
		return strings.Join(s, " ")
	}
	if got := toks(lines[0]); got != "<s> The <mask> Ġsat . </s>" {
		t.Errorf("line 1 tokens %q", got)
	}
	if got := toks(lines[1]); got != "<s> Hello Ġworld </s>" {
		t.Errorf("line 2 tokens %q", got)
	}
	if ids := lines[0]["ids"].([]any); ids[0].(float64) != 0 || ids[2].(float64) != 50261 || ids[5].(float64) != 2 {
		t.Errorf("line 1 ids %v", ids)
	}
	if _, ok := lines[0]["attention_mask"]; ok {
		t.Error("attention_mask printed without padding")
	}

	// JSONL with a pair, truncation and padding.
	out, err = runTokenizeCmd(t, `{"text": "a photo of a cat", "text_pair": "is it a dog?"}`+"\n\n"+`{"text": "hi"}`,
		"--tokenizer", dir, "--max-length", "8", "--jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var o1, o2 struct {
		IDs  []int    `json:"ids"`
		Tok  []string `json:"tokens"`
		Mask []int    `json:"attention_mask"`
	}
	ls := strings.Split(strings.TrimSpace(out), "\n")
	if len(ls) != 2 {
		t.Fatalf("jsonl output:\n%s", out)
	}
	json.Unmarshal([]byte(ls[0]), &o1)
	json.Unmarshal([]byte(ls[1]), &o2)
	if strings.Join(o1.Tok, " ") != "<s> a Ġphoto </s> </s> is Ġit </s>" || len(o1.Mask) != 8 {
		t.Errorf("pair: %q %v", o1.Tok, o1.Mask)
	}
	if strings.Join(o2.Tok, " ") != "<s> hi </s> <pad> <pad> <pad> <pad> <pad>" || jsonInts(o2.Mask) != "[1,1,1,0,0,0,0,0]" ||
		o2.IDs[3] != 1 {
		t.Errorf("padded: %q %v %v", o2.Tok, o2.IDs, o2.Mask)
	}

	// --no-special and --no-padding.
	out, err = runTokenizeCmd(t, "Hello world", "--tokenizer", dir, "--no-special", "--max-length", "1", "--no-padding")
	if err != nil || strings.TrimSpace(out) != `{"ids":[15500],"tokens":["Hello"]}` { // GPT-2's 15496 + 4
		t.Errorf("no-special: %q %v", out, err)
	}
}

func jsonInts(v []int) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTokenizeErrors(t *testing.T) {
	dir := robertaDir(t)
	cases := []struct {
		stdin string
		args  []string
		wants []string
	}{
		{"x", []string{"--tokenizer", filepath.Join(t.TempDir(), "missing")}, []string{"--tokenizer", "missing"}},
		{"x", []string{"--tokenizer", t.TempDir()}, []string{"neither tokenizer.json nor vocab.json"}},
		{"{\"text\": \"ok\"}\n{\"text\": oops}\n", []string{"--tokenizer", dir, "--jsonl"}, []string{"line 2", "invalid JSON"}},
		{"{\"txt\": \"a\"}\n", []string{"--tokenizer", dir, "--jsonl"}, []string{"line 1", "no \"text\" field"}},
		{"a\n\xff\n", []string{"--tokenizer", dir}, []string{"line 2", "UTF-8"}},
		{"a", []string{"--tokenizer", dir, "--max-length", "1"}, []string{"--max-length", "special tokens"}},
		{"a", []string{"--tokenizer", dir, "extra"}, []string{"unexpected arguments"}},
	}
	for _, c := range cases {
		_, err := runTokenizeCmd(t, c.stdin, c.args...)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", c.args, err, w)
			}
		}
	}
}
