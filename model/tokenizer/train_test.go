package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The classic example of Sennrich et al., each word on its own (no leading space): low ×5,
// lower ×2, newest ×6, widest ×3. Worked by hand: e s (9, tie with s t broken by the smaller
// left symbol), es t (9), l o (7, tie with o w), lo w (7), e w (6, tie with n e and w est), ew
// est (6, tie with n ew), n ewest (6), d est (3, ties with i d and w i), i dest, w idest, e r (2,
// tie with low e), low er (2); then every pair occurs once.
func TestTrainBPEHandExample(t *testing.T) {
	var texts []string
	for _, w := range []struct {
		s string
		n int
	}{{"low", 5}, {"lower", 2}, {"newest", 6}, {"widest", 3}} {
		for i := 0; i < w.n; i++ {
			texts = append(texts, w.s)
		}
	}
	vocab, merges, err := TrainBPE(texts, TrainOptions{VocabSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range merges {
		got = append(got, m[0]+" "+m[1])
	}
	want := "e s|es t|l o|lo w|e w|ew est|n ewest|d est|i dest|w idest|e r|low er"
	if g := strings.Join(got, "|"); g != want {
		t.Fatalf("merges\n %s\nwant\n %s", g, want)
	}
	// Byte 0x21 '!' is the 34th byte: id 4 + 33.
	for tok, id := range map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "!": 37, "es": 260, "lower": 271, "<mask>": 272} {
		if vocab[tok] != id {
			t.Errorf("id of %q = %d, want %d", tok, vocab[tok], id)
		}
	}
	if vocab[byteToString[0]] != 4 || vocab[byteToString[255]] != 259 {
		t.Errorf("byte symbols at %d..%d, want 4..259", vocab[byteToString[0]], vocab[byteToString[255]])
	}
	if len(vocab) != 273 {
		t.Errorf("vocabulary of %d tokens, want 4 + 256 + 12 + 1 = 273", len(vocab))
	}

	// The files load as a RoBERTa tokenizer that encodes with the learned merges.
	dir := t.TempDir()
	writeTrained(t, dir, vocab, merges)
	tk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tk.Encode("newest lower", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// <s> newest Ġ lower </s>: " lower" is Ġ l o w e r, merged to Ġ lower (no merge has Ġ).
	ids := enc.IDs
	wantIDs := []int{0, vocab["newest"], vocab["Ġ"], vocab["lower"], 2}
	if len(ids) != len(wantIDs) {
		t.Fatalf("ids %v, want %v", ids, wantIDs)
	}
	for i := range ids {
		if ids[i] != wantIDs[i] {
			t.Fatalf("ids %v, want %v", ids, wantIDs)
		}
	}

	// Stops at the vocabulary size: 4 + 256 + 3 merges + <mask>.
	v2, m2, _ := TrainBPE(texts, TrainOptions{VocabSize: 264})
	if len(m2) != 3 || len(v2) != 264 {
		t.Errorf("vocab size 264: %d merges, %d tokens", len(m2), len(v2))
	}
}

func writeTrained(t *testing.T, dir string, vocab map[string]int, merges [][2]string) {
	t.Helper()
	data, err := json.Marshal(vocab)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(MergesTxt(merges)), 0o644); err != nil {
		t.Fatal(err)
	}
}
